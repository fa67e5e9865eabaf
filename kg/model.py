"""The dataclasses that travel between stages, and the closed schema.

sources -> Article -> clean -> extract (a Doc annotated by pipeline components,
kg.extraction.doc) -> Extraction (the `kg extract` JSONL contract) -> resolve ->
store.  Nothing here does I/O.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class EntityType(StrEnum):
    ORGANIZATION = "Organization"
    PERSON = "Person"
    PRODUCT = "Product"
    POLICY = "Policy"
    EVENT = "Event"


class RelationType(StrEnum):
    INVESTS_IN = "INVESTS_IN"
    APPROVED = "APPROVED"
    SPOKE_AT = "SPOKE_AT"
    WORKS_FOR = "WORKS_FOR"
    DEVELOPS = "DEVELOPS"
    PARTNERS_WITH = "PARTNERS_WITH"
    ORGANIZES = "ORGANIZES"
    ISSUES = "ISSUES"


_ORG, _PER, _PRO, _POL, _EVT = (EntityType.ORGANIZATION, EntityType.PERSON,
                                EntityType.PRODUCT, EntityType.POLICY, EntityType.EVENT)

# Argument types allowed for each relation (gold/GUIDE.md); anything else is
# rejected by the loader, never written.
SCHEMA: dict[RelationType, tuple[frozenset[EntityType], frozenset[EntityType]]] = {
    RelationType.INVESTS_IN: (frozenset({_ORG, _PER}), frozenset({_ORG, _PRO})),
    RelationType.APPROVED: (frozenset({_ORG}), frozenset({_PRO})),
    RelationType.SPOKE_AT: (frozenset({_PER}), frozenset({_EVT})),
    RelationType.WORKS_FOR: (frozenset({_PER}), frozenset({_ORG})),
    RelationType.DEVELOPS: (frozenset({_ORG}), frozenset({_PRO})),
    RelationType.PARTNERS_WITH: (frozenset({_ORG}), frozenset({_ORG})),
    RelationType.ORGANIZES: (frozenset({_ORG}), frozenset({_EVT})),
    RelationType.ISSUES: (frozenset({_ORG}), frozenset({_POL})),
}
SYMMETRIC = frozenset({RelationType.PARTNERS_WITH})


def schema_allows(rel: RelationType, head: EntityType, tail: EntityType) -> bool:
    heads, tails = SCHEMA[rel]
    return head in heads and tail in tails


def fact_key(head: str, rel: RelationType, tail: str) -> tuple[str, RelationType, str]:
    """One key per fact: a symmetric relation's two ends in sorted order."""
    if rel in SYMMETRIC and tail < head:
        head, tail = tail, head
    return head, rel, tail


@dataclass
class Article:
    """One article as read from a source, before cleaning."""
    id: str
    title: str
    text: str
    date: str | None = None          # ISO yyyy-mm-dd when known
    source: str | None = None        # publisher (公众号名称, 来源) when known
    url: str | None = None
    path: str = ""                   # file it came from ("-" for stdin)
    record: int | None = None        # index of the record inside that file

    @property
    def where(self) -> str:
        """`path` or `path:record`, for error messages."""
        return self.path if self.record is None else f"{self.path}:{self.record}"


@dataclass
class Mention:
    start: int                       # offsets in Doc.text
    end: int
    text: str
    type: EntityType
    rule: str = ""                   # which component/rule found it
    sentence: int = -1
    ref: str | None = None           # canonical name in a kg lexicon, when matched there
    raw_start: int = -1              # the same span in the raw input (-1: not in it, e.g. a title field)
    raw_end: int = -1


@dataclass
class Attrs:
    """What the text says about a relation."""
    amount: float | None = None      # normalised number, e.g. 1.1e9
    currency: str | None = None      # ISO code, e.g. CNY
    amount_text: str | None = None   # as written, e.g. 11亿元人民币
    date: str | None = None          # ISO date (or yyyy-mm / yyyy) resolved against the article date
    title: str | None = None         # role for WORKS_FOR, e.g. 首席技术官

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Entity:
    name: str
    type: EntityType
    aliases: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class Relation:
    head: str                        # canonical entity names within the article
    type: RelationType
    tail: str
    sentence: int                    # index into Doc.sentences
    evidence: str
    attrs: Attrs = field(default_factory=Attrs)
    rule: str = ""
    raw_start: int = -1              # the evidence sentence in the raw input
    raw_end: int = -1


@dataclass
class Extraction:
    """What `kg extract` emits per article and `kg load` consumes."""
    doc_id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    sha256: str
    entities: list[Entity]
    relations: list[Relation]
    sentences: list[str] = field(default_factory=list)
    where: str = field(default="", compare=False)   # file[:record] it came from, for messages; not output

    def to_json(self) -> dict:
        return {
            "doc_id": self.doc_id, "title": self.title, "date": self.date,
            "source": self.source, "url": self.url, "sha256": self.sha256,
            "entities": [
                {"name": e.name, "type": str(e.type), "aliases": e.aliases,
                 "mentions": [{"start": m.start, "end": m.end, "sentence": m.sentence,
                               "raw": [m.raw_start, m.raw_end]} for m in e.mentions]}
                for e in self.entities],
            "relations": [
                {"head": r.head, "type": str(r.type), "tail": r.tail,
                 "evidence": r.evidence, "sentence": r.sentence, "raw": [r.raw_start, r.raw_end],
                 "attrs": r.attrs.to_dict()}
                for r in self.relations],
        }

    def to_line(self) -> str:
        """One line of `kg extract` JSON Lines, the same bytes wherever it is written."""
        return json.dumps(self.to_json(), ensure_ascii=False, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, obj: dict) -> "Extraction":
        """Inverse of to_json, checking every field's type first: a malformed record raises
        ValueError naming the field (`entities[3].name: expected a string, got int`)."""
        rec = _Fields(obj, "")
        entities = []
        for e in rec.items("entities", required=True):
            etype = e.enum("type", EntityType)
            mentions = [Mention(m.int("start"), m.int("end"), "", etype, sentence=m.int("sentence", -1))
                        for m in e.items("mentions")]
            entities.append(Entity(name=e.text("name", required=True), type=etype,
                                   aliases=e.texts("aliases"), mentions=mentions))
        relations = []
        for r in rec.items("relations"):
            a = r.sub("attrs")
            attrs = Attrs(amount=a.number("amount"), currency=a.text("currency"),
                          amount_text=a.text("amount_text"), date=a.text("date"), title=a.text("title"))
            a.no_other_keys(("amount", "currency", "amount_text", "date", "title"))
            relations.append(Relation(head=r.text("head", required=True), type=r.enum("type", RelationType),
                                      tail=r.text("tail", required=True), sentence=r.int("sentence", -1),
                                      evidence=r.text("evidence") or "", attrs=attrs))
        doc_id = rec.text("doc_id", required=True, numbers=True)
        return cls(doc_id=doc_id, title=rec.text("title") or "", date=rec.text("date"),
                   source=rec.text("source"), url=rec.text("url"), sha256=rec.text("sha256", required=True),
                   entities=entities, relations=relations)


class _Fields:
    """Typed access to one JSON object's fields, naming the field's path when a value is wrong."""

    def __init__(self, obj, path: str):
        if not isinstance(obj, dict):
            raise ValueError(f"{path or 'record'}: expected an object, got {_kind(obj)}")
        self.obj, self.path = obj, path

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, required: bool):
        value = self.obj.get(key)
        if value is None and required:
            raise ValueError(f"{self._at(key)}: missing")
        return value

    def text(self, key: str, required: bool = False, numbers: bool = False) -> str | None:
        value = self._get(key, required)
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{self._at(key)}: expected a string, got {_kind(value)}")
        if required and not value.strip():
            raise ValueError(f"{self._at(key)}: empty")
        return value

    def int(self, key: str, default: int | None = None) -> int:
        value = self._get(key, default is None)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{self._at(key)}: expected a whole number, got {_kind(value)}")
        return value

    def number(self, key: str) -> float | None:
        value = self._get(key, False)
        if value is None:
            return None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise ValueError(f"{self._at(key)}: expected a finite number, got {_kind(value)}")
        return float(value)

    def enum(self, key: str, kind):
        value = self.text(key, required=True)
        try:
            return kind(value)
        except ValueError:
            raise ValueError(f"{self._at(key)}: {value!r} is not one of {', '.join(kind)}") from None

    def texts(self, key: str) -> list[str]:
        value = self._get(key, False) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{self._at(key)}: expected a list of strings, got {_kind(value)}")
        return list(value)

    def items(self, key: str, required: bool = False) -> list["_Fields"]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ValueError(f"{self._at(key)}: expected a list, got {_kind(value)}")
        return [_Fields(v, f"{self._at(key)}[{i}]") for i, v in enumerate(value)]

    def sub(self, key: str) -> "_Fields":
        return _Fields(self._get(key, False) or {}, self._at(key))

    def no_other_keys(self, known: tuple[str, ...]) -> None:
        extra = sorted(set(self.obj) - set(known))
        if extra:
            raise ValueError(f"{self._at(extra[0])}: unknown field (known: {', '.join(known)})")


def _kind(value) -> str:
    if isinstance(value, str):
        return f"the string {value[:20]!r}"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return "null" if value is None else type(value).__name__
