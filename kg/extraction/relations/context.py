"""What the relation rules share: mentions resolved to entities, by sentence,
co-actor groups, trigger words (kg/data/triggers.tsv) and Relation building."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg import data
from kg.extraction.doc import Doc
from kg.model import Attrs, Entity, EntityType, Relation, RelationType

ORG, PER, PRO, POL, EVT = (EntityType.ORGANIZATION, EntityType.PERSON, EntityType.PRODUCT,
                           EntityType.POLICY, EntityType.EVENT)
_NOT_COMPANY = data.word_list("non_company_endings")


@cache
def triggers(relation: str, role: str) -> tuple[str, ...]:
    words = []
    for rel, r, alts in data.table("triggers.tsv", 3):
        if rel == relation and r == role:
            words.extend(w for w in alts.split("|") if w)
    return tuple(sorted(set(words), key=len, reverse=True))


@cache
def trigger_re(relation: str, role: str) -> re.Pattern:
    """The trigger words of (relation, role) as one pattern, longest first."""
    return re.compile("|".join(map(re.escape, triggers(relation, role))))


def trigger_hits(ctx: "Context", relation: str, role: str, etype: EntityType):
    """(sentence, trigger start, trigger end, mentions of `etype` there) for every
    trigger word in a sentence that names something of `etype`."""
    for i, s in enumerate(ctx.doc.sentences):
        targets = ctx.of(i, etype)
        if targets:
            for m in trigger_re(relation, role).finditer(s.text):
                yield i, s.start + m.start(), s.start + m.end(), targets


def unstated(sentence: str, pos: int) -> bool:
    """Does the clause before `pos` make the act a question, a denial or a rumour (是否会入股,
    否认收购, 传闻合作)?  Then the article does not state it (gold/GUIDE.md H10)."""
    return bool(_UNSTATED.search(sentence, max(0, pos - 8), pos))


_UNSTATED = data.alternation_re(data.word_list("unstated_marks"))


@dataclass
class EntityMention:
    """A mention with the entity it was resolved to."""
    start: int
    end: int
    entity: Entity
    sentence: int

    @property
    def type(self) -> EntityType:
        return self.entity.type

    @property
    def name(self) -> str:
        return self.entity.name


class Context:
    """The article's mentions by sentence, and helpers the rules share."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.mentions = sorted((EntityMention(m.start, m.end, e, m.sentence) for e in doc.entities for m in e.mentions),
                               key=lambda m: m.start)
        self.by_sentence: dict[int, list[EntityMention]] = {}
        for m in self.mentions:
            self.by_sentence.setdefault(m.sentence, []).append(m)
        self.paragraph = []
        para = 0
        for i, s in enumerate(doc.sentences):
            if i and "\n" in doc.text[doc.sentences[i - 1].end:s.start]:
                para += 1
            self.paragraph.append(para)

    def text(self, a: int, b: int) -> str:
        return self.doc.text[a:b]

    def sentence_text(self, i: int) -> str:
        return self.doc.sentences[i].text

    def inside_mention(self, sentence: int, start: int, end: int) -> bool:
        """Is [start, end) part of a mention's name (华金投资 is no 投资 verb)?"""
        return any(m.start <= start and end <= m.end for m in self.by_sentence.get(sentence, []))

    def main_event(self) -> EntityMention | None:
        """The event the article is about: the most mentioned one, the earliest on a tie."""
        events = [m for m in self.mentions if m.type == EntityType.EVENT]
        if not events:
            return None
        counts: dict[str, int] = {}
        for e in events:
            counts[e.name] = counts.get(e.name, 0) + 1
        best = max(counts, key=lambda n: (counts[n], -min(e.start for e in events if e.name == n)))
        return next(e for e in events if e.name == best)

    def event_meant(self, pos: int, sentence: str) -> EntityMention | None:
        """The event a generic word (峰会, 论坛, 大会 …) opening a sentence at `pos` refers to: the
        latest event of that kind named before it, else the first named after it."""
        kind = next((k for k in data.word_list("generic_event_words") if k in sentence[:12]), None)
        if kind is None:
            return None
        events = [m for m in self.mentions if m.type == EntityType.EVENT and m.name.endswith(kind)]
        before = [e for e in events if e.end <= pos]
        return before[-1] if before else (events[0] if events else None)

    def company_before(self, pos: int) -> EntityMention | None:
        """The company a text speaks of when it says 公司/该公司 at `pos`: the nearest
        organisation before it that is not a public body, school, hospital or exchange."""
        for m in reversed(self.mentions):
            if m.type == EntityType.ORGANIZATION and m.end <= pos and not m.name.endswith(_NOT_COMPANY):
                return m
        return None

    def of(self, sentence: int, etype: EntityType) -> list[EntityMention]:
        return [m for m in self.by_sentence.get(sentence, []) if m.type == etype]


def is_joined(ctx: Context, a: EntityMention, b: EntityMention) -> bool:
    """Are two mentions co-actors: only joiners, people and 教授团队 between them?"""
    gap = ctx.text(a.end, b.start)
    for p in ctx.by_sentence.get(a.sentence, []):
        if p.type == PER and a.end <= p.start and p.end <= b.start:
            gap = gap.replace(ctx.text(p.start, p.end), "")
    gap = re.sub(r"教授|研究员|院士|博士|团队|课题组|等|[（(](?:领投|跟投|参投|联合领投|共同领投)[)）]", "", gap)
    return bool(re.fullmatch(r"(?:、|与|和|及|以及|联合|携手|同|，|,|/|\s)*", gap)) and gap.strip() != "，"


def group_before(ctx: Context, pos: int, sentence: int, etype: EntityType = ORG, max_gap: int = 8) -> list[EntityMention]:
    """The co-actors whose last member ends within `max_gap` characters before `pos`."""
    cands = [m for m in ctx.of(sentence, etype) if m.end <= pos]
    if not cands or pos - cands[-1].end > max_gap:
        return []
    group = [cands[-1]]
    for m in reversed(cands[:-1]):
        if is_joined(ctx, m, group[0]):
            group.insert(0, m)
        else:
            break
    return group


def group_after(ctx: Context, pos: int, sentence: int, etype: EntityType = ORG, max_gap: int = 8) -> list[EntityMention]:
    cands = [m for m in ctx.of(sentence, etype) if m.start >= pos]
    if not cands or cands[0].start - pos > max_gap:
        return []
    group = [cands[0]]
    for m in cands[1:]:
        if is_joined(ctx, group[-1], m):
            group.append(m)
        else:
            break
    return group


def make_rel(head: EntityMention, rtype: RelationType, tail: EntityMention, ctx: Context, sentence: int, rule: str,
         attrs: Attrs | None = None) -> Relation:
    return Relation(head=head.name, type=rtype, tail=tail.name, sentence=sentence,
                    evidence=ctx.sentence_text(sentence), attrs=attrs or Attrs(), rule=rule)


def find_word(text: str, words: tuple[str, ...], start: int = 0, end: int | None = None) -> re.Match | None:
    if not words:
        return None
    return _alternation(words).search(text, start, len(text) if end is None else end)


@cache
def _alternation(words: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in words))


def pairs(group: list[EntityMention], ctx: Context, sentence: int, rule: str) -> list[Relation]:
    out = []
    for a in range(len(group)):
        for b in range(a + 1, len(group)):
            if group[a].name != group[b].name:
                out.append(make_rel(group[a], RelationType.PARTNERS_WITH, group[b], ctx, sentence, rule))
    return out
