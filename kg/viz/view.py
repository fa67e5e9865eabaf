"""Choosing what a view shows: the subgraph (kg.viz.subgraph fetches it), filtered and cut to the
`limit` most relevant nodes, plus what the page keeps in reserve: one more hop around the shown
nodes (revealed by a double-click), each node's latest articles, and which items are new."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from kg.errors import QueryError
from kg.model import RelationType
from kg.store import GraphStore, Node, reads
from kg.viz import subgraph
from kg.viz.subgraph import ENTITY_LABELS, Articles, Filters, NoSuchEntity, close_matches, label_of, name_of

__all__ = ["View", "build_view", "NoSuchEntity", "close_matches", "Filters"]

RELATION_TYPES = tuple(str(t) for t in RelationType)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
RESERVE_PER_NODE = 8         # hidden neighbours kept for each shown node, most mentioned first
RESERVE_MAX = 200            # and in all
NODE_ARTICLES = 6            # latest articles listed for a node


@dataclass
class View:
    """A subgraph ready to draw: node ids are store ids; attributes are plain values.  `reserve` holds
    the nodes one hop further out and their relations (at least one end in reserve), not drawn until
    asked for: a relation's other end may be a shown node, which `reserve` then holds without
    attributes (reserved_nodes() leaves them out).  `articles`: the title, date and link of every
    article the view names, by id."""
    graph: nx.MultiDiGraph
    title: str
    name: str                                            # stem of the default file name
    left_out: list[str] = field(default_factory=list)    # nodes over the limit, most relevant first
    left_out_edges: int = 0                              # relationships to those nodes
    notes: list[str] = field(default_factory=list)       # shown at the top of the page
    reserve: nx.MultiDiGraph = field(default_factory=nx.MultiDiGraph)
    articles: dict[str, dict] = field(default_factory=dict)

    @property
    def default_path(self) -> Path:
        return Path("viz") / f"{self.name}.html"

    def reserved_nodes(self):
        """(id, attributes) of the nodes in reserve."""
        return ((v, d) for v, d in self.reserve.nodes(data=True) if v not in self.graph)

    def summary(self) -> str:
        g = self.graph
        extra = f" ({len(self.left_out)} left out by the limit)" if self.left_out else ""
        return f"{g.number_of_nodes()} nodes, {g.number_of_edges()} relationships{extra}"


def build_view(store: GraphStore, *, center: str | None = None, depth: int = 1, query: str | None = None,
               params: dict | None = None, new: bool | str = False, types=None, rels=None,
               since: str | None = None, until: str | None = None, min_mentions: int = 0,
               limit: int = 300) -> View:
    """The subgraph to draw: `center`'s neighbourhood up to `depth` hops, what `query` (a library name or
    .cypher file) returns, what the last load added (`new=True`; a date: every load since then), or
    else the whole entity graph; filtered, then cut to the `limit` most relevant nodes (mentions,
    then degree).  `types`/`rels` are names or comma-separated text."""
    if sum(map(bool, (center, query, new))) > 1:
        raise QueryError("give one of a center, a query or new, not several")
    if depth < 0 or limit < 1:
        raise QueryError(f"depth must be 0 or more and limit 1 or more (got {depth} and {limit})")
    f = Filters(_names(types, ENTITY_LABELS + ("Article",), "type"),
                _names(rels, RELATION_TYPES + ("MENTIONS",), "relation"),
                _date(since, "since"), _date(until, "until"), min_mentions)
    articles, fresh, known = Articles(store), set(), False
    if center:
        nodes, edges, centers, notes = subgraph.neighbourhood(store, center, depth, f, articles,
                                                              max(20 * limit, 5000))
        title, name = f"{center} · {depth} hop{'s' if depth != 1 else ''}", f"{center}-depth{depth}"
    elif query:
        nodes, edges, centers, notes, qname = subgraph.from_query(store, query, params or {}, articles)
        values = "-".join(str(v) for v in (params or {}).values())
        title, name = f"query {qname}" + (f" ({values})" if values else ""), f"query-{qname}-{values}"
    elif new:
        nodes, edges, fresh, notes = subgraph.new_items(store, None if new is True else _date(new, "new"),
                                                        f, articles)
        centers, title = [], "New in the last load" if new is True else f"New since {new}"
        name = "new" if new is True else f"new-since-{new}"
    else:
        nodes, edges, centers, notes = subgraph.overview(store, f)
        title, name, known = "Most mentioned entities", "overview", True
    view, candidates = _assemble(nodes, edges, centers, f, articles, limit, fresh)
    _reserve(store, view, candidates, f, articles, fetch=not known)
    _node_articles(store, view, articles)
    view.title, view.name = title, _slug(name)
    view.notes = notes + _filter_note(f) + view.notes
    return view


def _assemble(nodes, edges, centers, f, articles, limit, fresh=frozenset()):
    # fresh: what is new, as ("n", node id) and ("r", relationship id): an engine may reuse a number
    """Filter, rank by (center, end of a new fact, new, mentions, degree), cut to `limit`, and build the
    graph in a stable order.  Returns the view and the nodes and relations over the limit (candidates for the reserve)."""
    keep = {i: n for i, n in nodes.items() if i in centers or ("n", i) in fresh or f.node_ok(n)}
    articles.fetch(edges.values())
    kept = []
    for rel in edges.values():
        if rel.start in keep and rel.end in keep and (not f.rels or rel.type in f.rels):
            evidence = articles.evidence(rel, f)
            if evidence is not None:
                kept.append((rel, evidence))
    degree = Counter(e for rel, _ in kept for e in (rel.start, rel.end))
    ends = {e for rel, _ in kept if ("r", rel.id) in fresh for e in (rel.start, rel.end)}    # of new facts
    ranked = sorted(keep.values(), key=lambda n: (n.id not in centers, n.id not in ends, ("n", n.id) not in fresh,
                                                  -(n.props.get("mentions") or 0), -degree[n.id],
                                                  name_of(n), n.id))
    shown = {n.id for n in ranked[:limit]}
    graph = nx.MultiDiGraph()
    for node in sorted(ranked[:limit], key=lambda n: (label_of(n), name_of(n), n.id)):
        graph.add_node(node.id, **_node_attrs(node, node.id in centers, degree[node.id], ("n", node.id) in fresh))
    over = []
    for rel, evidence in sorted(kept, key=lambda k: (k[0].type, name_of(nodes[k[0].start]),
                                                      name_of(nodes[k[0].end]), k[0].id)):
        if rel.start in shown and rel.end in shown:
            graph.add_edge(rel.start, rel.end, key=rel.id, **_edge_attrs(rel, evidence, ("r", rel.id) in fresh))
        else:
            over.append((rel, evidence))
    left_out = [name_of(n) for n in ranked[limit:]]
    view = View(graph, "", "", left_out, len(over))
    if left_out:
        more = f" and {len(left_out) - 12} more" if len(left_out) > 12 else ""
        view.notes.append(f"Showing the {len(shown)} most relevant of {len(ranked)} nodes (limit {limit}): "
                          f"{len(left_out)} nodes and {len(over)} relationships left out: "
                          + "、".join(left_out[:12]) + more + ".")
    return view, ({n.id: n for n in ranked[limit:]}, over, fresh)


def _reserve(store, view: View, candidates, f, articles, fetch: bool) -> None:
    """One more hop: for each shown node (most relevant first) its RESERVE_PER_NODE most mentioned
    hidden neighbours, RESERVE_MAX in all, with their relations to shown and reserved nodes.  Nodes
    over the limit are candidates; unless `fetch` is False (the whole graph is at hand already), so
    are the shown nodes' neighbours in the store."""
    nodes, over, fresh = candidates
    rels = {rel.id: (rel, ev) for rel, ev in over}
    g = view.graph
    if fetch and len(g):
        found = list(subgraph.neighbours(store, [_as_node(v, d) for v, d in g.nodes(data=True)], f))
        articles.fetch(r for r, _ in found)
        for rel, other in found:
            if other.id not in g and rel.id not in rels and f.node_ok(other) and (
                    not f.rels or rel.type in f.rels) and (ev := articles.evidence(rel, f)) is not None:
                nodes.setdefault(other.id, other)
                rels[rel.id] = (rel, ev)
    near: dict[str, set[str]] = {}
    for rel, _ in rels.values():
        for a, b in ((rel.start, rel.end), (rel.end, rel.start)):
            if a in g and b in nodes:
                near.setdefault(a, set()).add(b)
    chosen: dict[str, None] = {}
    for v, d in sorted(g.nodes(data=True), key=lambda vd: (not vd[1]["center"], -vd[1]["mentions"], vd[0])):
        hidden = sorted(near.get(v, ()), key=lambda i: (-(nodes[i].props.get("mentions") or 0), i))
        for i in hidden[:RESERVE_PER_NODE]:
            if len(chosen) < RESERVE_MAX:
                chosen.setdefault(i)
    reserve = nx.MultiDiGraph()
    for i in chosen:
        reserve.add_node(i, **_node_attrs(nodes[i], False, 0, ("n", i) in fresh))
    for rel, ev in sorted(rels.values(), key=lambda re_: re_[0].id):
        ends = {rel.start, rel.end}
        if ends <= chosen.keys() | set(g) and ends & chosen.keys():
            reserve.add_edge(rel.start, rel.end, key=rel.id, **_edge_attrs(rel, ev, ("r", rel.id) in fresh))
    view.reserve = reserve


def _node_articles(store, view: View, articles: Articles) -> None:
    """Each entity's NODE_ARTICLES latest articles (ids in `articles`, count in `article_count`), and
    the view's table of every article it names."""
    by_label: dict[str, dict[str, list]] = {}
    for v, d in [*view.graph.nodes(data=True), *view.reserved_nodes()]:
        if d["type"] in ENTITY_LABELS and d.get("key"):
            by_label.setdefault(d["type"], {}).setdefault(d["key"], []).append(d)
    for label, items in sorted(by_label.items()):
        for row in reads.recent_articles(store, label, sorted(items), NODE_ARTICLES):
            latest = [aid for _, aid in sorted(row["latest"], key=lambda p: (-_day(p[0]), p[1]))]
            for d in items.get(row["key"], ()):
                d["articles"], d["article_count"] = latest, int(row["total"])
    named = {e["article"] for g in (view.graph, view.reserve) for *_, d in g.edges(data=True) for e in d["evidence"]}
    named |= {a for _, d in [*view.graph.nodes(data=True), *view.reserved_nodes()] for a in d.get("articles", ())}
    articles.fetch_ids(named)
    view.articles = {a: {k: articles.known[a].get(k) for k in ("title", "date", "url")} for a in sorted(named)}


def _day(date) -> int:
    return int(re.sub(r"\D", "", str(date or ""))[:8].ljust(8, "0"))


def _as_node(v, d):
    return Node(v, (d["type"],), {"key": d.get("key")})


def _node_attrs(node, center: bool, degree: int, new: bool = False) -> dict:
    p = node.props
    return {"type": label_of(node), "name": name_of(node), "aliases": [str(a) for a in p.get("aliases") or ()],
            "mentions": int(p.get("mentions") or 0), "first_seen": _text(p.get("first_seen")),
            "last_seen": _text(p.get("last_seen")), "date": _text(p.get("date")), "url": _text(p.get("url")),
            "center": center, "degree": degree, "new": new, "key": _text(p.get("key") or p.get("id"))}


def _edge_attrs(rel, evidence: list[dict], new: bool = False) -> dict:
    p = rel.props
    return {"type": rel.type, "evidence": evidence, "role": _text(p.get("title")), "date": _text(p.get("date")),
            "amount": _text(p.get("amount_text")), "new": new}


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


def _text(value) -> str:
    return "" if value is None else str(value)


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-.")[:80] or "view"
