"""Extractions -> rows to write: stable keys across articles, closed schema.

Within an article, extraction already clustered mentions into entities.  Here
each entity gets the key of the graph node it denotes:

1. a name or alias in kg's lexicons gives the lexicon's canonical key
   (国家药监局, NMPA and 国家药品监督管理局 are one node in every article);
2. otherwise an existing node whose name is one of the entity's forms, or
   whose aliases hold the entity's name, when exactly one such node exists
   (a short form shared by 联影集团 and 联影医疗 merges with neither);
3. otherwise a new key from the entity's own name.

A key is `Label:normalised name`, so the same text always gives the same key.
Rows that break the closed schema (gold/GUIDE.md argument types) are
rejected with a reason, never written.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.model import EntityType, Extraction, RelationType, fact_key, schema_allows
from kg.names import lexicon_canonical, lexicon_forms, node_key, norm


@dataclass
class ArticleRow:
    id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    sha256: str


@dataclass
class NodeRow:
    label: str
    key: str
    name: str
    forms: list[str]          # every form this article uses (and lexicon forms): the node's aliases
    count: int                # mentions in this article
    article: str
    date: str | None


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


@dataclass
class KnownNode:
    key: str
    name: str
    aliases: list[str]


class Resolver:
    """Assigns node keys, remembering every node seen so far in this load.

    Its index mirrors what the store holds: a node keeps the name it was created
    with and its aliases are every other form written for it.  So a load resolves
    the same whether its articles come in one batch or many, and a load resumed
    after a crash (its index read back from the store) resolves like one that
    was never interrupted."""

    def __init__(self, known: Iterable[tuple[str, KnownNode]] = ()):
        self.nodes: dict[str, tuple[str, str, set[str]]] = {}     # key -> (label, name, aliases)
        self.by_name: dict[tuple[str, str], set[str]] = {}
        self.by_alias: dict[tuple[str, str], set[str]] = {}
        for label, node in known:
            self.remember(label, node.key, node.name, node.aliases)

    def remember(self, label: str, key: str, name: str, forms: Iterable[str]) -> None:
        """A row for `key` is written: a new node takes `name`; the forms join its aliases."""
        if key not in self.nodes:
            self.nodes[key] = (label, name, set())
            self.by_name.setdefault((label, norm(name)), set()).add(key)
        _, stored, aliases = self.nodes[key]
        for f in forms:
            if f != stored and f not in aliases:
                aliases.add(f)
                self.by_alias.setdefault((label, norm(f)), set()).add(key)

    def forget(self, key: str) -> None:
        """Drop a node (a retraction deletes or shrinks it; remember() what is left)."""
        if key not in self.nodes:
            return
        label, name, aliases = self.nodes.pop(key)
        self.by_name.get((label, norm(name)), set()).discard(key)
        for a in aliases:
            self.by_alias.get((label, norm(a)), set()).discard(key)

    def key_for(self, label: str, name: str, forms: list[str], article: str = "") -> str:
        lexical = lexicon_canonical(forms)
        if lexical:
            return node_key(label, lexical)
        if label == "Policy" and is_generic_title(name):
            return f"{node_key(label, name)}#{article}"      # 若干措施 of one article is not another's
        own = node_key(label, name)
        if own in self.nodes:
            return own
        hits = set(self.by_alias.get((label, norm(name)), set()))
        for f in forms:
            hits |= self.by_name.get((label, norm(f)), set())
        return next(iter(hits)) if len(hits) == 1 else own

    def rows(self, ex: Extraction) -> ArticleRows:
        out = ArticleRows(ArticleRow(ex.doc_id, ex.title, ex.date, ex.source, ex.url, ex.sha256))
        keys: dict[str, tuple[str, str]] = {}
        for e in ex.entities:
            label = str(e.type)
            forms = _forms(e.name, e.aliases)
            key = self.key_for(label, e.name, forms, ex.doc_id)
            keys[e.name] = (label, key)
            name = lexicon_canonical(forms) or e.name     # a known body keeps its official name
            out.nodes.append(NodeRow(label, key, name, forms, max(len(e.mentions), 1), ex.doc_id, ex.date))
            self.remember(label, key, name, forms)
        out.nodes = _merge_same_key(out.nodes)
        for r in ex.relations:
            if r.head not in keys or r.tail not in keys:
                out.rejected.append(f"{ex.doc_id}: {r.type} {r.head} -> {r.tail}: argument is not an entity")
                continue
            (hl, hk), (tl, tk) = keys[r.head], keys[r.tail]
            rtype = RelationType(r.type)
            if not schema_allows(rtype, EntityType(hl), EntityType(tl)):
                out.rejected.append(f"{ex.doc_id}: {rtype} cannot run {hl} -> {tl} ({r.head} -> {r.tail})")
                continue
            if hk == tk:
                continue
            if fact_key(hk, rtype, tk)[0] != hk:       # one edge per symmetric pair, whatever the order
                (hl, hk), (tl, tk) = (tl, tk), (hl, hk)
            a = r.attrs
            out.edges.append(EdgeRow(str(rtype), hl, hk, tl, tk, ex.doc_id, r.evidence, a.title, a.date,
                                     None if a.amount is None else float(a.amount), a.currency, a.amount_text))
        return out


_GENERIC_TITLE = re.compile(r"^(?:关于)?(?:若干|相关|有关|实施|工作|行动|管理|暂行)?(?:措施|意见|方案|办法|规定|细则|通知|计划|规划|政策|条例)"
                            r"(?:（试行）|\(试行\))?$")


def is_generic_title(name: str) -> bool:
    """若干措施, 实施方案: a policy title that names nothing outside its article."""
    return bool(_GENERIC_TITLE.match(norm(name)))


def _forms(name: str, aliases: list[str]) -> list[str]:
    """The entity's forms, plus the lexicon's (AstraZeneca for 阿斯利康)."""
    forms = [name, *aliases]
    lexical = lexicon_canonical(forms)
    if lexical:
        forms += lexicon_forms(lexical)
    seen, out = set(), []
    for f in forms:
        if norm(f) not in seen:
            seen.add(norm(f))
            out.append(f)
    return out


def _merge_same_key(nodes: list[NodeRow]) -> list[NodeRow]:
    """Two entities of one article that resolved to one node become one row."""
    merged: dict[tuple[str, str], NodeRow] = {}
    for n in nodes:
        k = (n.label, n.key)
        if k in merged:
            m = merged[k]
            m.count += n.count
            m.forms += [f for f in n.forms if f not in m.forms]
        else:
            merged[k] = n
    return list(merged.values())
