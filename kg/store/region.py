"""The part of the graph a batch touches, read from the store, and what the batch rewrites.

A batch's records can join, split or rename only the nodes that share a key with them (and,
through those, the nodes sharing a key with these; kg.resolve.cluster).  So the loader reads
that region and no more: nodes whose `norms` hold one of the keys, found again and again from
the keys of what was found, until no new node turns up; of each node, its mentions grouped by
record identity (a node mentioned by a thousand articles in three ways is three groups).

Resolution then places the batch's records and the region's groups together.  An article whose
records land on another node than the one they are on is rewritten: taken back and written
again from the extraction kept with it, like an edited article.  Its other records join the
region, which may move more; this repeats until nothing more moves.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kg.resolve import (Component, Curation, Facts, Group, Record, Rules, article_records, cluster,
                        parse_sig, rejected_keys)
from kg.resolve.rows import ArticleRows, article_rows
from kg.store import writes
from kg.store.base import GraphStore


def _lookup(indexed: bool, label: str) -> str:
    """Nodes of `label` holding one of $keys in `norms` (through the list index where there is one)."""
    if indexed:
        return (f"UNWIND $keys AS k MATCH (n:{writes._label(label)}) WHERE k IN n.norms "
                "RETURN DISTINCT n.key AS key")
    return f"MATCH (n:{writes._label(label)}) WHERE any(k IN n.norms WHERE k IN $keys) RETURN n.key AS key"


def _groups(label: str) -> str:
    """The mentions of nodes $nodes by articles not in $exclude, grouped by record identities."""
    return (f"MATCH (n:{writes._label(label)}) WHERE n.key IN $nodes "
            "MATCH (a)-[m:MENTIONS]->(n) WHERE NOT a.id IN $exclude "      # only articles mention
            "RETURN n.key AS node, n.name AS name, m.records AS records, count(*) AS articles")


def _movers(label: str) -> str:
    """Articles (not in $exclude) whose mention of one of nodes $nodes holds one of the records $sigs."""
    return (f"MATCH (n:{writes._label(label)}) WHERE n.key IN $nodes "
            "MATCH (a)-[m:MENTIONS]->(n) WHERE NOT a.id IN $exclude AND any(s IN m.records WHERE s IN $sigs) "
            "RETURN DISTINCT a.id AS id")


_ARTICLE_KEYS = ("UNWIND $ids AS id MATCH (:Article {id: id})-[m:MENTIONS]->(n) "
                 "RETURN labels(n) AS labels, n.key AS key, m.norms AS norms")
_STORED = ("MATCH (a:Article) WHERE a.id IN $ids AND a.extraction IS NOT NULL RETURN a.id AS id, a.title AS title, "
           "a.date AS date, a.source AS source, a.url AS url, a.extraction AS extraction")


def stored_facts(store: GraphStore, ids: list[str]) -> list[Facts]:
    """The extraction kept with articles `ids` (those that have one), in `ids` order."""
    rows = {r["id"]: r for r in store.run(_STORED, {"ids": ids})} if ids else {}
    return [Facts.from_json(r["extraction"], r["id"], r["title"], r["date"], r["source"], r["url"])
            for r in (rows.get(i) for i in ids) if r]


@dataclass
class Plan:
    """What a batch writes: `rows` (the batch's articles and the ones it moves), after taking back
    `retract`; then the nodes of the region take their component's name (`components`), those
    whose name changed (`names`: the names they had) are recomputed from their mentions, and
    all of `region` too when `full` (a curator's decision may take aliases away)."""
    rows: list[ArticleRows] = field(default_factory=list)
    retract: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    components: dict[str, Component] = field(default_factory=dict)      # node key -> component
    names: dict[str, str] = field(default_factory=dict)                  # node key -> name before
    region: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))    # label -> keys
    full: bool = False


class _Region:
    """Nodes found so far, and their mention groups (articles in `exclude` left out)."""

    def __init__(self, store: GraphStore, exclude: set[str], rules: dict[str, Rules]):
        self.store, self.exclude, self.rules = store, exclude, rules
        self.partners = {label: r.partners() for label, r in rules.items()}
        self.keys: dict[str, set[str]] = defaultdict(set)       # looked up
        self.nodes: dict[str, set[str]] = defaultdict(set)      # found
        self.names: dict[str, str] = {}                         # node key -> its name
        self.groups: list[Group] = []

    def grow(self, keys: dict[str, set[str]], nodes: dict[str, set[str]] | None = None) -> None:
        frontier = {label: set(ks) for label, ks in keys.items()}
        found_now = {label: set(ns) - self.nodes[label] for label, ns in (nodes or {}).items()}
        indexed = self.store.indexes_lists
        while any(frontier.values()) or any(found_now.values()):
            for label, ks in frontier.items():
                ks = self._with_partners(label, ks) - self.keys[label]
                self.keys[label] |= ks
                if ks:
                    hits = {r["key"] for r in self.store.run(_lookup(indexed, label), {"keys": sorted(ks)})}
                    found_now.setdefault(label, set()).update(hits - self.nodes[label])
            frontier = defaultdict(set)
            for label, ns in found_now.items():
                if not ns:
                    continue
                self.nodes[label] |= ns
                rows = self.store.run(_groups(label), {"nodes": sorted(ns), "exclude": sorted(self.exclude)})
                for row in rows:
                    self.names[row["node"]] = row["name"]
                    for sig in row["records"] or ():
                        lbl, ident = parse_sig(sig)
                        self.groups.append(Group(sig, lbl, ident, int(row["articles"]), row["node"]))
                        frontier[lbl] |= {*ident.strong, *ident.weak} - self.keys[lbl]
            found_now = {}

    def _with_partners(self, label: str, keys: set[str]) -> set[str]:
        partners = self.partners.get(label, {})
        out, todo = set(keys), list(keys)
        while todo:
            for p in partners.get(todo.pop(), ()):
                if p not in out:
                    out.add(p)
                    todo.append(p)
        return out


def _keys_of(records: list[Record]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in records:
        out[r.label] |= {*r.ident.strong, *r.ident.weak}
    return out


def plan(store: GraphStore, batch: list[Facts], retracted: list[str], curation: Curation,
         seeds: dict[str, set[str]] | None = None, full: bool = False) -> Plan:
    """Resolve `batch` (new and edited articles, and articles to place again) against the region of
    the store it touches; `retracted` are the batch's articles that are in the store now, `seeds`
    more keys whose nodes to resolve again (those of a curator's decision)."""
    rules = curation.all_rules()
    facts = {f.id: f for f in batch}
    records = {f.id: article_records(f, rules) for f in batch}
    old: dict[str, set[str]] = defaultdict(set)
    old_keys: dict[str, set[str]] = defaultdict(set)
    if retracted:
        for row in store.run(_ARTICLE_KEYS, {"ids": retracted}):
            label = next((lbl for lbl in row["labels"] if lbl in writes.LABELS), None)
            if label:
                old[label].add(row["key"])
                old_keys[label] |= set(row["norms"] or ())
    moved: list[str] = []
    while True:
        region = _Region(store, set(facts) | set(retracted), rules)
        keys = _keys_of([r for rs in records.values() for r in rs])
        for label, ks in [*old_keys.items(), *(seeds or {}).items()]:
            keys[label] = keys.get(label, set()) | ks
        region.grow(keys, old)
        new_groups: dict[str, Group] = {}
        for rs in records.values():
            for r in rs:
                g = new_groups.setdefault(r.sig, Group(r.sig, r.label, r.ident, 0))
                g.weight += 1
        placed = cluster(region.groups + list(new_groups.values()), rules)
        movers = _movers_of(store, region, placed)
        if not movers:
            break
        moved += sorted(movers)
        for f in stored_facts(store, sorted(movers)):
            facts[f.id] = f
            records[f.id] = article_records(f, rules)
        for aid in movers:                      # a mover without a kept extraction is only taken back
            facts.setdefault(aid, None)
    out = Plan(retract=sorted({*retracted, *moved}), moved=moved, names=region.names, full=full)
    out.rows = [article_rows(f, records[f.id], lambda r: placed[r.sig], rejected_keys(f, rules))
                for f in facts.values() if f]
    for comp in placed.values():
        out.components[comp.key] = comp
    for label, keys in region.nodes.items():
        out.region[label] |= keys
    return out


def _movers_of(store: GraphStore, region: _Region, placed: dict[str, Component]) -> set[str]:
    """Articles whose records are on another node than resolution places them on."""
    nodes: dict[str, set[str]] = defaultdict(set)
    sigs: dict[str, set[str]] = defaultdict(set)
    for g in region.groups:
        if placed[g.sig].key != g.node:
            nodes[g.label].add(g.node)
            sigs[g.label].add(g.sig)
    out = set()
    for label in sorted(nodes):
        params = {"nodes": sorted(nodes[label]), "sigs": sorted(sigs[label]), "exclude": sorted(region.exclude)}
        out |= {r["id"] for r in store.run(_movers(label), params)}
    return out
