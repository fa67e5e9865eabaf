"""The dataclasses that travel between stages, and the closed schema.

sources -> Article -> clean -> Doc (text + offsets) -> pipeline components add
sentences, mentions, entities, relations -> Extraction (the `kg extract` JSONL
contract) -> resolve/store.  Nothing here does I/O.
"""
from __future__ import annotations

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
class Sentence:
    start: int
    end: int
    text: str


@dataclass
class Token:
    start: int
    end: int
    text: str
    tag: str                         # jieba dictionary part of speech; "x" when unknown


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
class Doc:
    """One article under extraction: clean text plus everything components add."""
    article: Article
    text: str
    offsets: list[int] = field(default_factory=list)   # Doc.text index -> raw index (-1: title)
    sentences: list[Sentence] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)   # (full form, alias)
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Where clean text [start, end) came from in the raw input ((-1, -1) if inserted)."""
        inside = [p for p in self.offsets[start:end] if p >= 0]
        return (inside[0], inside[-1] + 1) if inside else (-1, -1)

    def sentence_at(self, pos: int) -> int:
        """Index of the sentence holding character `pos` (binary search)."""
        lo, hi = 0, len(self.sentences) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            s = self.sentences[mid]
            if pos < s.start:
                hi = mid - 1
            elif pos >= s.end:
                lo = mid + 1
            else:
                return mid
        return -1


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

    @classmethod
    def from_json(cls, obj: dict) -> "Extraction":
        """Inverse of to_json; raises KeyError/ValueError on a malformed record."""
        entities = [
            Entity(name=e["name"], type=EntityType(e["type"]), aliases=list(e.get("aliases") or []),
                   mentions=[Mention(m["start"], m["end"], "", EntityType(e["type"]),
                                     sentence=m.get("sentence", -1))
                             for m in e.get("mentions") or []])
            for e in obj["entities"]]
        relations = [
            Relation(head=r["head"], type=RelationType(r["type"]), tail=r["tail"],
                     sentence=r.get("sentence", -1), evidence=r.get("evidence", ""),
                     attrs=Attrs(**(r.get("attrs") or {})))
            for r in obj.get("relations") or []]
        return cls(doc_id=str(obj["doc_id"]), title=obj.get("title") or "", date=obj.get("date"),
                   source=obj.get("source"), url=obj.get("url"), sha256=obj["sha256"],
                   entities=entities, relations=relations)
