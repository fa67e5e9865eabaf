"""Parse the `机构 + 职务` chain in front of a person: who the person works for, as the text says.

    上海市政府副秘书长、浦东新区区委副书记、区长吴金城
      -> (上海市政府, 副秘书长), (浦东新区区委, 副书记), (浦东新区区委, 区长)
    中国科学院院士,上海市科协原主席,CBIITA联合体理事长,《药学进展》主编陈凯先
      -> (中国科学院, 院士: an honour), (上海市科协, 主席, former), (CBIITA联合体, 理事长), (《药学进展》, 主编)
    中科院院士复旦大学校长 粤港澳大湾区精准医学研究院院长金力
    美敦力董事长及首席执行官杰夫马萨 -> (美敦力, 董事长), (美敦力, 首席执行官)

The chain is read right to left from the person: a title (kg/data/titles.tsv, with the
modifiers that may precede it: 全球, 中国区, 原 …), then the organisation text before it,
up to a separator (、，, a space, 兼, 及) or another title.  A title with no organisation
text of its own (…董事长及首席执行官) belongs to the organisation of the title before it.
A comma continues the chain only while the part before it also ends in a title.  Both the
organisation recogniser (names without a suffix: 深度制耀创始人李星) and the WORKS_FOR rule
read these chains.
"""
from __future__ import annotations

from dataclasses import dataclass

from kg import data
from kg.extraction.doc import Doc
from kg.extraction.text import token_index
from kg.extraction.words import titles
from kg.model import EntityType, Mention

MAX_CHAIN = 120                     # characters before the person the chain may reach back
MAX_ORG = 36                        # characters of organisation text in one link
SEPARATORS = "、，, \u3000\t"
JOINERS = ("兼", "及", "和", "暨", "/")


@dataclass
class Link:
    org_start: int          # the organisation text in front of the title(s) (may be empty)
    org_end: int
    title: str
    kind: str               # work | honour | role (kg/data/titles.tsv)
    former: bool


def _modifiers() -> tuple[str, ...]:
    return data.word_list("title_modifiers")


def _former_marks() -> tuple[str, ...]:
    return data.word_list("former_marks")


def _title_ending_at(text: str, end: int, floor: int) -> tuple[int, str] | None:
    """(start, title) of the longest title that ends at `end`, with its modifiers."""
    for t in _titles_ending_with(text[end - 1:end]):
        start = end - len(t)
        if start >= floor and text.startswith(t, start):
            while True:                               # 全球执行副总裁, 中国区总裁
                mod = next((m for m in _modifiers() if start - len(m) >= floor and text.startswith(m, start - len(m))), None)
                if mod is None:
                    break
                start -= len(mod)
            return start, t
    return None


_CACHE: dict = {}


def _titles_longest() -> tuple[str, ...]:
    if "titles" not in _CACHE:
        _CACHE["titles"] = tuple(sorted(titles(), key=len, reverse=True))
    return _CACHE["titles"]


def _titles_ending_with(char: str) -> tuple[str, ...]:
    """Titles ending in `char`, longest first (the hot path tries only these)."""
    if "by_last" not in _CACHE:
        by_last: dict[str, list[str]] = {}
        for t in _titles_longest():
            by_last.setdefault(t[-1], []).append(t)
        _CACHE["by_last"] = {c: tuple(ts) for c, ts in by_last.items()}
    return _CACHE["by_last"].get(char, ())


def chain(doc: Doc, person: Mention, floor: int) -> list[Link]:
    """The (organisation text, title) links in front of `person`, nearest first."""
    text = doc.text
    floor = max(floor, person.start - MAX_CHAIN)
    pos = _skip_back(text, person.start, floor, " \u3000：:")      # 集团有限公司董事长：张飞飞
    if text[pos - 1:pos] in ("为", "是") and _title_ending_at(text, pos - 1, floor):
        pos -= 1                                          # 创始人是松田重次郎, 法定代表人为许雷
    if text[pos - 1:pos] in "，," and _title_ending_at(text, pos - 1, floor):
        pos -= 1                                          # 伦敦医疗城首席执行官，安吉拉·库库拉
    links: list[Link] = []
    pending: list[Link] = []                              # titles still waiting for their organisation
    while pos > floor:
        found = _title_ending_at(text, pos, floor)
        if found is None:
            break
        title_start, title = found
        org_end = title_start
        if text[org_end - 1:org_end] == "的" and org_end - 1 > floor:
            org_end -= 1                                  # 联影医疗的首席技术官
        former = False
        for mark in _former_marks():                     # 上海市科协原主席, 前局长
            if text.startswith(mark, title_start) and len(mark) < pos - title_start:
                former = True
        if any(text.endswith(m, floor, org_end) for m in _former_marks()):
            org_end -= 1
            former = True
        if org_end > floor and text[org_end - 1] in "）)":  # 伦敦医疗城（MedCity）首席执行官
            opening = max(text.rfind("（", floor, org_end), text.rfind("(", floor, org_end))
            if opening > floor and not text[opening:org_end].startswith(("（中国", "(中国")):
                org_end = opening
        org_start = _org_start(doc, org_end, floor)
        kind = titles().get(title, "work")
        link = Link(org_start, org_end, title, kind, former)
        if org_start == org_end:
            pending.append(link)
        else:
            for p in pending:                            # 董事长及首席执行官: the same organisation
                p.org_start, p.org_end = org_start, org_end
            pending = []
        links.append(link)
        pos = _skip_back(text, org_start, floor, SEPARATORS)
        joined = next((j for j in JOINERS if text.endswith(j, floor, pos)), None)
        if joined:
            pos -= len(joined)
        elif pos == org_start and org_start == org_end:
            break                                        # two titles glued with nothing between
    return links


def _skip_back(text: str, pos: int, floor: int, chars: str) -> int:
    while pos > floor and text[pos - 1] in chars:
        pos -= 1
    return pos


def _org_start(doc: Doc, end: int, floor: int) -> int:
    """Start of the organisation text ending at `end`, walking back over jieba's words: it stops
    at punctuation, a word that opens a clause (是, 由, 在 …), another title on a word boundary
    (中科院院士|复旦大学, not 海正药业董事|会) and at most MAX_ORG characters back."""
    idx = token_index(doc)
    lower = max(floor, end - MAX_ORG)
    start = end
    i = idx.at(end - 1) if end > 0 else -1
    while i >= 0:
        tok = doc.tokens[i]
        if tok.start < lower or tok.tag in ("punct", "space") or tok.text in _clause_openers():
            break
        if start < end and tok.end == start and tok.text in titles() and tok.start > lower:
            break                                        # …院士|复旦大学: the previous link's title
        if tok.text in ("兼", "/") or start == end and tok.text in ("及", "和", "暨"):
            break                                        # 董事长及|首席执行官: titles joined
        start = max(tok.start, lower)
        i -= 1
    return start


def _clause_openers() -> frozenset[str]:
    if "openers" not in _CACHE:
        _CACHE["openers"] = frozenset(data.word_list("clause_openers"))
    return _CACHE["openers"]


def org_in_segment(doc: Doc, start: int, end: int, org_mentions: list[Mention]) -> Mention | None:
    """The organisation mention that ends closest to the segment's end."""
    best = None
    for m in org_mentions:
        if m.start >= start and m.end <= end and m.type == EntityType.ORGANIZATION:
            if best is None or m.end > best.end:
                best = m
    return best
