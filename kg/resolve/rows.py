"""Placed records -> the rows the store writes for one article: its node mentions and its facts.

Rows that break the closed schema (gold/GUIDE.md argument types) are rejected with a reason,
never written; a relation whose two ends are one node is not a fact.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kg.model import EntityType, RelationType, fact_key, schema_allows
from kg.names import norm
from kg.resolve.cluster import Component
from kg.resolve.records import Facts, Record


@dataclass
class ArticleRow:
    id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    sha256: str
    extraction: str = ""      # Facts as JSON: what the article's rows are made from again
    rejected: list[str] = field(default_factory=list)  # keys of its names a curator rejected


@dataclass
class NodeRow:
    """One article's mention of one node."""
    label: str
    key: str
    name: str                 # the node's name
    forms: list[str]          # every form this article uses (and lexicon forms): the node's aliases
    count: int                # mentions in this article
    article: str
    date: str | None
    names: list[str] = field(default_factory=list)     # the article's names for it (usually one)
    norms: list[str] = field(default_factory=list)     # the keys that found it (for lookups)
    records: list[str] = field(default_factory=list)   # the identities of its records (signatures)


@dataclass
class EdgeRow:
    """One article's support for one fact between two nodes, and what it says."""
    type: str
    head_label: str
    head: str                 # node keys
    tail_label: str
    tail: str
    article: str
    evidence: str
    title: str | None = None
    date: str | None = None
    amount: float | None = None
    currency: str | None = None
    amount_text: str | None = None


@dataclass
class ArticleRows:
    article: ArticleRow
    nodes: list[NodeRow] = field(default_factory=list)
    edges: list[EdgeRow] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


Placement = Callable[[Record], Component]


def article_rows(facts: Facts, records: list[Record], place: Placement,
                 rejected: list[str] = ()) -> ArticleRows:
    """The rows of one article whose records are placed on nodes by `place`."""
    out = ArticleRows(ArticleRow(facts.id, facts.title, facts.date, facts.source, facts.url, facts.sha256,
                                 facts.to_json(), list(rejected)))
    rows: dict[tuple[str, str], NodeRow] = {}
    keys: dict[str, tuple[str, str]] = {}
    for r in records:
        comp = place(r)
        forms = [f for f in r.forms if norm(f) not in comp.hidden]
        norms = [k for k in (*r.ident.strong, *r.ident.weak) if k not in comp.hidden]
        keys[r.name] = (r.label, comp.key)
        row = rows.get((r.label, comp.key))
        if row is None:     # two entities of one article on one node are one mention
            rows[(r.label, comp.key)] = NodeRow(r.label, comp.key, comp.name, forms, r.count, facts.id, facts.date,
                                                [r.name], norms, [r.sig])
            continue
        row.count += r.count
        row.forms += [f for f in forms if f not in row.forms]
        row.names = sorted({*row.names, r.name})
        row.norms += [k for k in norms if k not in row.norms]
        row.records = sorted({*row.records, r.sig})
    out.nodes = list(rows.values())
    for n in out.nodes:
        n.norms = sorted(set(n.norms))
    for r in facts.relations:
        if r.head not in keys or r.tail not in keys:
            if not {r.head, r.tail} <= {e.name for e in facts.entities}:
                out.rejected.append(f"{facts.id}: {r.type} {r.head} -> {r.tail}: argument is not an entity")
            continue                    # an end the curator rejected: not a fact either
        (hl, hk), (tl, tk) = keys[r.head], keys[r.tail]
        rtype = RelationType(r.type)
        if not schema_allows(rtype, EntityType(hl), EntityType(tl)):
            out.rejected.append(f"{facts.id}: {rtype} cannot run {hl} -> {tl} ({r.head} -> {r.tail})")
            continue
        if hk == tk:
            continue
        if fact_key(hk, rtype, tk)[0] != hk:       # one edge per symmetric pair, whatever the order
            (hl, hk), (tl, tk) = (tl, tk), (hl, hk)
        a = r.attrs
        out.edges.append(EdgeRow(str(rtype), hl, hk, tl, tk, facts.id, r.evidence, a.title, a.date,
                                 None if a.amount is None else float(a.amount), a.currency, a.amount_text))
    return out
