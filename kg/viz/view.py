"""Choosing what a view shows, through the store interface (either engine): an entity's neighbourhood,
what a query returns, or the whole entity graph; then filters, and the `limit` most relevant nodes."""
from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from kg.errors import KgError, QueryError
from kg.model import EntityType, RelationType
from kg.query import resolve_query, run_query
from kg.store import GraphPath, GraphStore, Node, Rel, reads
from kg.viz.palette import PALETTE

ENTITY_LABELS = tuple(str(t) for t in EntityType)
RELATION_TYPES = tuple(str(t) for t in RelationType)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class NoSuchEntity(KgError):
    """No entity has this name or alias.  `matches`: the closest names and aliases, or, when nothing is
    close (`close` False), the most mentioned entities."""

    def __init__(self, name: str, matches: list[str], close: bool = True):
        self.name, self.matches, self.close = name, matches, close
        hint = (f"did you mean {', '.join(matches)}?" if close else
                f"nothing is close; the most mentioned are {', '.join(matches)} "
                f"(search with: kg query search -p text=…)")
        super().__init__(f"no entity is named {name!r} or has it as an alias; {hint}")


@dataclass
class View:
    """A subgraph ready to draw: node ids are store ids; attributes are plain values."""
    graph: nx.MultiDiGraph
    title: str
    name: str                                            # stem of the default file name
    left_out: list[str] = field(default_factory=list)    # nodes over the limit, most relevant first
    left_out_edges: int = 0                              # relationships to those nodes
    notes: list[str] = field(default_factory=list)       # shown at the top of the page

    @property
    def default_path(self) -> Path:
        return Path("viz") / f"{self.name}.html"

    def summary(self) -> str:
        g = self.graph
        extra = f" ({len(self.left_out)} left out by the limit)" if self.left_out else ""
        return f"{g.number_of_nodes()} nodes, {g.number_of_edges()} relationships{extra}"


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
        label, props = _label(node), node.props
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
        ids = sorted({a for r in rels for a in r.props.get("articles") or () if a not in self.known})
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


def build_view(store: GraphStore, *, center: str | None = None, depth: int = 1, query: str | None = None,
               params: dict | None = None, types=None, rels=None, since: str | None = None,
               until: str | None = None, min_mentions: int = 0, limit: int = 300) -> View:
    """The subgraph to draw: `center`'s neighbourhood up to `depth` hops, what `query` (a library name or
    .cypher file) returns, or else the whole entity graph; filtered, then cut to the `limit` most relevant
    nodes (mentions, then degree).  `types`/`rels` are names or comma-separated text."""
    if center and query:
        raise QueryError("give a center or a query, not both")
    if depth < 0 or limit < 1:
        raise QueryError(f"depth must be 0 or more and limit 1 or more (got {depth} and {limit})")
    f = Filters(_names(types, ENTITY_LABELS + ("Article",), "type"),
                _names(rels, RELATION_TYPES + ("MENTIONS",), "relation"),
                _date(since, "since"), _date(until, "until"), min_mentions)
    articles = Articles(store)
    if center:
        nodes, edges, centers, notes = _neighbourhood(store, center, depth, f, articles, max(20 * limit, 5000))
        title, name = f"{center} · {depth} hop{'s' if depth != 1 else ''}", f"{center}-depth{depth}"
    elif query:
        nodes, edges, centers, notes, qname = _from_query(store, query, params or {}, articles)
        values = "-".join(str(v) for v in (params or {}).values())
        title, name = f"query {qname}" + (f" ({values})" if values else ""), f"query-{qname}-{values}"
    else:
        nodes, edges, centers, notes = _overview(store, f)
        title, name = "Most mentioned entities", "overview"
    view = _assemble(nodes, edges, centers, f, articles, limit)
    view.title, view.name = title, _slug(name)
    view.notes = notes + _filter_note(f) + view.notes
    return view


def _neighbourhood(store, name, depth, f, articles, cap):
    """Breadth-first through the filters: each round fetches the frontier's relations; the last round
    only links nodes already found, so every relation among the shown nodes is there."""
    centers = _find(store, name)
    nodes, edges, notes = {n.id: n for n in centers}, {}, []
    if len(centers) > 1:
        notes.append(f"{name} names {len(centers)} entities: " + ", ".join(_describe(n) for n in centers))
    frontier, hop, link_only = list(centers), 0, depth == 0
    while frontier:
        found = list(_neighbours(store, frontier, f))
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


def _neighbours(store, frontier, f):
    """(relation, node at the other end) for the frontier's entity nodes, articles and mentions aside."""
    by_label: dict[str, list[str]] = {}
    for node in frontier:
        if _label(node) in ENTITY_LABELS and node.props.get("key") is not None:
            by_label.setdefault(_label(node), []).append(node.props["key"])
    rels = sorted(f.rels) if f.rels else None
    for label, keys in sorted(by_label.items()):   # the label is one of kg's own, never text
        yield from reads.fact_neighbours(store, label, keys, rels)


def _find(store, name: str) -> list[Node]:
    """Entities named `name` or having it as an alias (case-insensitive); NoSuchEntity otherwise."""
    found = reads.entities_named(store, name)
    if not found:
        rows = reads.entity_names(store)
        close = close_matches(name, rows)
        top = [r["name"] for r in sorted(rows, key=lambda r: (-(r["mentions"] or 0), r["name"]))[:5]]
        raise NoSuchEntity(name, close or top, close=bool(close))
    return sorted(found, key=lambda n: (-(n.props.get("mentions") or 0), _name(n)))


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


def _from_query(store, query, params, articles):
    q = resolve_query(query)
    rows = run_query(store, q, params)
    nodes, edges = {}, {}
    for row in rows:
        for value in row.values():
            _collect(value, nodes, edges)
    if rows and not nodes and not edges:
        raise QueryError(f"query {q.name!r} returns plain values ({', '.join(rows[0])}), not nodes, "
                         "relationships or paths: to view it, RETURN nodes (n), relationships (r) or paths (p = …)")
    nodes.update(_nodes_by_id(store, {e for r in edges.values() for e in (r.start, r.end)} - nodes.keys()))
    notes = [f"Query {q.name}: {len(rows)} row{'s' if len(rows) != 1 else ''}."]
    if nodes and not edges:
        notes.append("The query returned no relationships: the relations among its nodes are shown.")
        edges = {r.id: r for r, m in _neighbours(store, nodes.values(), Filters()) if m.id in nodes}
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


def _nodes_by_id(store, ids) -> dict[str, Node]:
    """End nodes of returned relationships (ids are the engine's own)."""
    return {n.id: n for n in store.nodes_by_id(sorted(ids))} if ids else {}


def _overview(store, f):
    nodes, edges = {}, {}
    for label in ENTITY_LABELS:
        if not f.types or label in f.types:
            nodes.update((n.id, n) for n in reads.entities_with_mentions(store, label, f.min_mentions))
    edges = {r.id: r for r in reads.fact_relationships(store)}
    return nodes, edges, [], ["All entities, the most mentioned first."]


def _assemble(nodes, edges, centers, f, articles, limit) -> View:
    """Filter, rank by (center, mentions, degree), cut to `limit`, and build the graph in a stable order."""
    keep = {i: n for i, n in nodes.items() if i in centers or f.node_ok(n)}
    articles.fetch(edges.values())
    kept = []
    for rel in edges.values():
        if rel.start in keep and rel.end in keep and (not f.rels or rel.type in f.rels):
            evidence = articles.evidence(rel, f)
            if evidence is not None:
                kept.append((rel, evidence))
    degree = Counter(e for rel, _ in kept for e in (rel.start, rel.end))
    ranked = sorted(keep.values(), key=lambda n: (n.id not in centers, -(n.props.get("mentions") or 0),
                                                  -degree[n.id], _name(n), n.id))
    shown = {n.id for n in ranked[:limit]}
    graph = nx.MultiDiGraph()
    for node in sorted(ranked[:limit], key=lambda n: (_label(n), _name(n), n.id)):
        graph.add_node(node.id, **_node_attrs(node, node.id in centers, degree[node.id]))
    dropped_edges = 0
    for rel, evidence in sorted(kept, key=lambda k: (k[0].type, _name(nodes[k[0].start]), _name(nodes[k[0].end]), k[0].id)):
        if rel.start in shown and rel.end in shown:
            graph.add_edge(rel.start, rel.end, key=rel.id, type=rel.type, evidence=evidence,
                           role=_text(rel.props.get("title")), date=_text(rel.props.get("date")),
                           amount=_text(rel.props.get("amount_text")))
        else:
            dropped_edges += 1
    left_out = [_name(n) for n in ranked[limit:]]
    view = View(graph, "", "", left_out, dropped_edges)
    if left_out:
        more = f" and {len(left_out) - 12} more" if len(left_out) > 12 else ""
        view.notes.append(f"Showing the {len(shown)} most relevant of {len(ranked)} nodes (limit {limit}): "
                          f"{len(left_out)} nodes and {dropped_edges} relationships left out: "
                          + "、".join(left_out[:12]) + more + ".")
    return view


def _node_attrs(node: Node, center: bool, degree: int) -> dict:
    p = node.props
    return {"type": _label(node), "name": _name(node), "aliases": [str(a) for a in p.get("aliases") or ()],
            "mentions": int(p.get("mentions") or 0), "first_seen": _text(p.get("first_seen")),
            "last_seen": _text(p.get("last_seen")), "date": _text(p.get("date")), "url": _text(p.get("url")),
            "center": center, "degree": degree}


def _filter_note(f: Filters) -> list[str]:
    parts = [f"types {', '.join(sorted(f.types))}" if f.types else "",
             f"relations {', '.join(sorted(f.rels))}" if f.rels else "",
             f"articles from {f.since}" if f.since else "", f"articles until {f.until}" if f.until else "",
             f"at least {f.min_mentions} mentions" if f.min_mentions else ""]
    parts = [p for p in parts if p]
    return [f"Filters: {'; '.join(parts)}."] if parts else []


def _names(value, known: tuple[str, ...], what: str) -> frozenset[str] | None:
    """--types/--rels: comma-separated text or a list, matched case-insensitively against kg's names."""
    if not value:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    by_lower = {k.lower(): k for k in known}
    out = set()
    for item in (str(i).strip() for i in items if str(i).strip()):
        if item.lower() not in by_lower:
            raise QueryError(f"unknown {what} {item!r}; one of {', '.join(known)}")
        out.add(by_lower[item.lower()])
    return frozenset(out) or None


def _date(value: str | None, what: str) -> str | None:
    if value and not _DATE.match(value):
        raise QueryError(f"--{what} {value!r} is not a date: use yyyy, yyyy-mm or yyyy-mm-dd")
    return value or None


def _label(node: Node) -> str:
    return next((lbl for lbl in node.labels if lbl in PALETTE), node.labels[0] if node.labels else "")


def _name(node: Node) -> str:
    p = node.props
    return str(p.get("name") or p.get("title") or p.get("id") or p.get("key") or node.id)


def _describe(node: Node) -> str:
    return f"{_name(node)} ({_label(node)})"


def _item(props: dict, key: str, i: int) -> str:
    values = props.get(key) or []
    return _text(values[i]) if i < len(values) else ""


def _text(value) -> str:
    return "" if value is None else str(value)


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-.")[:80] or "view"
