"""Fetching what a view may show, through the store interface (either engine): an entity's
neighbourhood, what a query returns, the whole entity graph, or what loads added; and the filters
and article details every view applies."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from kg.errors import KgError, QueryError
from kg.model import EntityType
from kg.query import resolve_query, run_query
from kg.store import GraphPath, GraphStore, Node, Rel, history, reads
from kg.viz.palette import PALETTE

ENTITY_LABELS = tuple(str(t) for t in EntityType)


class NoSuchEntity(KgError):
    """No entity has this name or alias.  `matches`: the closest names and aliases, or, when nothing is
    close (`close` False), the most mentioned entities."""

    def __init__(self, name: str, matches: list[str], close: bool = True):
        self.name, self.matches, self.close = name, matches, close
        hint = (f"did you mean {', '.join(matches)}?" if close else
                f"nothing is close; the most mentioned are {', '.join(matches)} "
                f"(search with: kg query search -p text=…)")
        super().__init__(f"no entity is named {name!r} or has it as an alias; {hint}")


@dataclass(frozen=True)
class Filters:
    types: frozenset[str] | None = None
    rels: frozenset[str] | None = None
    since: str | None = None
    until: str | None = None
    min_mentions: int = 0

    def in_range(self, date: str | None) -> bool:
        """An article date against --since/--until (yyyy, yyyy-mm or yyyy-mm-dd on either side)."""
        if not (self.since or self.until):
            return True
        return bool(date) and (not self.since or date >= self.since) and (
            not self.until or date[:len(self.until)] <= self.until)

    def node_ok(self, node: Node) -> bool:
        label, props = label_of(node), node.props
        if self.types and label not in self.types:
            return False
        if label == "Article":
            return self.in_range(props.get("date"))
        if (props.get("mentions") or 0) < self.min_mentions:
            return False
        first, last = props.get("first_seen"), props.get("last_seen")
        return not (self.since or self.until) or bool(first and last) and (
            not self.since or last >= self.since) and (not self.until or first[:len(self.until)] <= self.until)


class Articles:
    """Article title, date and link by id, each fetched once: evidence text and the date filter."""
    def __init__(self, store: GraphStore):
        self.store, self.known = store, {}

    def fetch(self, rels) -> None:
        self.fetch_ids(a for r in rels for a in r.props.get("articles") or ())

    def fetch_ids(self, article_ids) -> None:
        ids = sorted({a for a in article_ids if a not in self.known})
        for row in reads.articles(self.store, ids) if ids else ():
            self.known[row["id"]] = row
        for aid in ids:
            self.known.setdefault(aid, {"id": aid})

    def evidence(self, rel: Rel, f: Filters) -> list[dict] | None:
        """The edge's evidence from articles in the date range; None when the range leaves none."""
        props, items = rel.props, []
        for i, aid in enumerate(props.get("articles") or ()):
            art = self.known.get(aid, {})
            if f.in_range(art.get("date")):
                items.append({"article": aid, "title": art.get("title"), "date": art.get("date"),
                              "url": art.get("url"), "sentence": _item(props, "evidence", i),
                              "fact_date": _item(props, "dates", i), "role": _item(props, "titles", i),
                              "amount": _item(props, "amount_texts", i)})
        return None if not items and props.get("articles") and (f.since or f.until) else items


def neighbourhood(store, name, depth, f, articles, cap):
    """Breadth-first through the filters: each round fetches the frontier's relations; the last round
    only links nodes already found, so every relation among the shown nodes is there."""
    centers = find(store, name)
    nodes, edges, notes = {n.id: n for n in centers}, {}, []
    if len(centers) > 1:
        notes.append(f"{name} names {len(centers)} entities: " + ", ".join(_describe(n) for n in centers))
    frontier, hop, link_only = list(centers), 0, depth == 0
    while frontier:
        found = list(neighbours(store, frontier, f))
        articles.fetch(r for r, _ in found)
        frontier = []
        for rel, other in found:
            if rel.id in edges or articles.evidence(rel, f) is None:
                continue
            if other.id not in nodes:
                if link_only or not f.node_ok(other):
                    continue
                nodes[other.id] = other
                frontier.append(other)
            edges[rel.id] = rel
        hop += 1
        if link_only:
            break
        if hop < depth and len(nodes) > cap:
            notes.append(f"Stopped expanding after {hop} hops at {len(nodes)} nodes.")
        link_only = hop >= depth or len(nodes) > cap
    return nodes, edges, [n.id for n in centers], notes


def neighbours(store, frontier, f):
    """(relation, node at the other end) for the frontier's entity nodes, articles and mentions aside."""
    by_label: dict[str, list[str]] = {}
    for node in frontier:
        if label_of(node) in ENTITY_LABELS and node.props.get("key") is not None:
            by_label.setdefault(label_of(node), []).append(node.props["key"])
    rels = sorted(f.rels) if f.rels else None
    for label, keys in sorted(by_label.items()):   # the label is one of kg's own, never text
        yield from reads.fact_neighbours(store, label, keys, rels)


def find(store, name: str) -> list[Node]:
    """Entities named `name` or having it as an alias (case-insensitive); NoSuchEntity otherwise."""
    found = reads.entities_named(store, name)
    if not found:
        rows = reads.entity_names(store)
        close = close_matches(name, rows)
        top = [r["name"] for r in sorted(rows, key=lambda r: (-(r["mentions"] or 0), r["name"]))[:5]]
        raise NoSuchEntity(name, close or top, close=bool(close))
    return sorted(found, key=lambda n: (-(n.props.get("mentions") or 0), name_of(n)))


def close_matches(name: str, rows: list[dict], n: int = 5) -> list[str]:
    """The names and aliases nearest to `name` (difflib), an alias shown with its entity's name."""
    shown = {}
    for row in rows:
        shown.setdefault(row["name"], row["name"])
        for alias in row.get("aliases") or ():
            shown.setdefault(alias, f"{alias} ({row['name']})")
    found = difflib.get_close_matches(name, list(shown), n=n, cutoff=0.6)
    if not found:   # Chinese names are short: fall back to the best partial overlaps
        scored = sorted((-difflib.SequenceMatcher(None, name, c).ratio(), c) for c in shown)
        found = [c for score, c in scored[:n] if -score >= 0.2]
    return [shown[c] for c in found]


def from_query(store, query, params, articles):
    q = resolve_query(query)
    rows = run_query(store, q, params)
    nodes, edges = {}, {}
    for row in rows:
        for value in row.values():
            _collect(value, nodes, edges)
    if rows and not nodes and not edges:
        raise QueryError(f"query {q.name!r} returns plain values ({', '.join(rows[0])}), not nodes, "
                         "relationships or paths: to view it, RETURN nodes (n), relationships (r) or paths (p = …)")
    ends = {e for r in edges.values() for e in (r.start, r.end)} - nodes.keys()
    nodes.update({n.id: n for n in store.nodes_by_id(sorted(ends))} if ends else {})
    notes = [f"Query {q.name}: {len(rows)} row{'s' if len(rows) != 1 else ''}."]
    if nodes and not edges:
        notes.append("The query returned no relationships: the relations among its nodes are shown.")
        edges = {r.id: r for r, m in neighbours(store, nodes.values(), Filters()) if m.id in nodes}
    articles.fetch(edges.values())
    return nodes, edges, [], notes, q.name


def _collect(value, nodes: dict, edges: dict) -> None:
    if isinstance(value, Node):
        nodes[value.id] = value
    elif isinstance(value, Rel):
        edges[value.id] = value
    elif isinstance(value, GraphPath):
        nodes.update((n.id, n) for n in value.nodes)
        edges.update((r.id, r) for r in value.rels)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, nodes, edges)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, nodes, edges)


def overview(store, f):
    nodes, edges = {}, {}
    for label in ENTITY_LABELS:
        if not f.types or label in f.types:
            nodes.update((n.id, n) for n in reads.entities_with_mentions(store, label, f.min_mentions))
    edges = {r.id: r for r in reads.fact_relationships(store)}
    return nodes, edges, [], ["All entities, the most mentioned first."]


def new_items(store, since: str | None, f, articles):
    """What the last load (or every load from `since`) added, and the relations around it:
    (nodes, edges, the new ones as ("n", node id) and ("r", relationship id), notes)."""
    records = history.loads(store, since)
    if not records:
        return {}, {}, set(), [("No load is recorded" + (f" since {since}" if since else "")
                                + ": kg load records what each load adds.")]
    ents = history.new_entities(store, sorted({e for r in records for e in r.get("new_entities") or ()}))
    facts = history.new_facts(store, sorted({x for r in records for x in r.get("new_facts") or ()}))
    nodes = {n.id: n for n in ents}
    nodes.update((n.id, n) for _, h, t in facts for n in (h, t))
    edges = {r.id: r for r, _, _ in facts}
    new = {("n", n.id) for n in ents} | {("r", r) for r in edges}
    articles.fetch(edges.values())
    for rel, other in list(neighbours(store, list(nodes.values()), f)):
        if rel.id not in edges and (other.id in nodes or f.node_ok(other)):
            nodes.setdefault(other.id, other)
            edges[rel.id] = rel
    which = (f"the last load ({records[-1]['at']})" if since is None
             else f"{len(records)} load{'s' if len(records) != 1 else ''} since {since}")
    notes = [f"New in {which}: {len(ents)} entities and {len(facts)} facts, marked; "
             "the relations around them are drawn too."]
    return nodes, edges, new, notes


def label_of(node: Node) -> str:
    return next((lbl for lbl in node.labels if lbl in PALETTE), node.labels[0] if node.labels else "")


def name_of(node: Node) -> str:
    p = node.props
    return str(p.get("name") or p.get("title") or p.get("id") or p.get("key") or node.id)


def _describe(node: Node) -> str:
    return f"{name_of(node)} ({label_of(node)})"


def _item(props: dict, key: str, i: int) -> str:
    values = props.get(key) or []
    return "" if i >= len(values) or values[i] is None else str(values[i])
