"""One article's entities as records: what each is called there and the keys that identify it.

An article's extraction is kept with the article in the store (`Facts`, as JSON), so that its
records can be made again when resolution must place them anew; a record's keys come from
kg.names.identity() with the article as context: the city it is about (a bare 市科委 is that
city's body) and a person's employers there (same-name people of different employers stay apart).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from kg.model import Attrs, Extraction, Relation, RelationType
from kg.names import (Identity, article_place, conflicting, employer_keys, identity, lexicon_forms, norm,
                      unique_forms)
from kg.resolve.curation import Rules


@dataclass
class FactEntity:
    name: str
    type: str
    aliases: list[str]
    count: int                 # mentions in the article


@dataclass
class Facts:
    """What the resolver needs of one article's extraction (kept on the Article node as JSON)."""
    id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    sha256: str
    entities: list[FactEntity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    @classmethod
    def of(cls, ex: Extraction) -> "Facts":
        return cls(ex.doc_id, ex.title, ex.date, ex.source, ex.url, ex.sha256,
                   [FactEntity(e.name, str(e.type), list(e.aliases), max(len(e.mentions), 1)) for e in ex.entities],
                   list(ex.relations))

    def to_json(self) -> str:
        return json.dumps({
            "sha256": self.sha256,
            "entities": [[e.name, e.type, e.aliases, e.count] for e in self.entities],
            "relations": [[r.head, str(r.type), r.tail, r.evidence, r.attrs.to_dict()] for r in self.relations],
        }, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, id: str, title: str, date: str | None, source: str | None,
                  url: str | None) -> "Facts":
        obj = json.loads(text)
        return cls(id, title or "", date, source, url, obj["sha256"],
                   [FactEntity(n, t, list(a), int(c)) for n, t, a, c in obj["entities"]],
                   [Relation(h, RelationType(t), tl, -1, ev, Attrs(**attrs)) for h, t, tl, ev, attrs in obj["relations"]])


@dataclass
class Record:
    """One entity of one article."""
    article: str
    label: str
    name: str                  # the article's name for it (its relations use this name)
    forms: list[str]           # every form it is written in (and the lexicon's): its node's aliases
    count: int
    ident: Identity

    @property
    def sig(self) -> str:
        """Its identity as text: records with the same signature always share a node."""
        i = self.ident
        return json.dumps([self.label, list(i.strong), list(i.weak), i.display, i.canonical], ensure_ascii=False)


def parse_sig(sig: str) -> tuple[str, Identity]:
    label, strong, weak, display, canonical = json.loads(sig)
    return label, Identity(tuple(strong), tuple(weak), display, canonical)


def article_records(facts: Facts, rules: dict[str, Rules]) -> list[Record]:
    """The article's records, in its order; entities a curator rejected are left out, and so are
    rejected forms.  Organisations are made first: people's employers are organisations."""
    city, province = article_place(facts.title, facts.source or "", [(e.name, e.count) for e in facts.entities])
    ents = [e for e in facts.entities if not _rejected(rules, e.type, e.name)]

    def record(e: FactEntity, employers: list[str] = ()) -> Record:
        aliases = [a for a in e.aliases if not _rejected(rules, e.type, a) and not conflicting(e.name, a)]
        ident = identity(e.type, e.name, aliases, city=city, province=province, employers=employers,
                         article=facts.id, year=(facts.date or "")[:4] or None)
        forms = [e.name, *aliases] + (lexicon_forms(ident.canonical) if ident.canonical else [])
        return Record(facts.id, e.type, e.name, unique_forms(f for f in forms if not _rejected(rules, e.type, f)),
                      e.count, ident)

    orgs: dict[str, Record] = {}
    for e in ents:
        if e.type == "Organization":
            orgs.setdefault(e.name, record(e))
    out = []
    for e in ents:
        if e.type == "Person":
            employers = sorted({k for r in facts.relations if r.type == RelationType.WORKS_FOR
                                and r.head == e.name and r.tail in orgs
                                for k in employer_keys(orgs[r.tail].ident)})
            out.append(record(e, employers))
        else:
            out.append(record(e))
    return out


def rejected_keys(facts: Facts, rules: dict[str, Rules]) -> list[str]:
    """Normal forms of the article's names and aliases a curator rejected (kept with the article, so
    that undoing the rejection finds it)."""
    return sorted({norm(f) for e in facts.entities for f in [e.name, *e.aliases] if _rejected(rules, e.type, f)})


def _rejected(rules: dict[str, Rules], label: str, name: str) -> bool:
    r = rules.get(label)
    return r is not None and norm(name) in r.rejects


def group_records(records: list[Record]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        out[r.sig].append(r)
    return out
