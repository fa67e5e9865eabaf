"""Parse `机构 + 职务(、职务)* + 姓名` chains in front of a person mention.

    上海市政府副秘书长、浦东新区区委副书记、区长吴金城
    -> [(上海市政府, 副秘书长), (浦东新区区委, 副书记), (None, 区长)]

Both the organisation recogniser (names without a suffix, such as 深度制耀
in 深度制耀创始人李星) and the WORKS_FOR rule read these chains.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg.extraction.doc import Doc
from kg.extraction.words import title_re, titles
from kg.model import EntityType, Mention

_CLAUSE_BREAK = re.compile(r"[，,。；;：:！!？?“”\"\n]|据|由|在|是|的|对|给|让|为|向|有|还|即|如")
_FORMER = ("前", "原")


@dataclass
class Link:
    org_start: int          # the text segment in front of the title(s)
    org_end: int
    title: str
    kind: str               # work | honour | role (kg/data/titles.tsv)
    former: bool


def chain(doc: Doc, person: Mention, floor: int) -> list[Link]:
    """The (organisation segment, title) links in front of `person`."""
    text = doc.text
    end = person.start
    if text[end - 1:end] in "，," and text[max(floor, end - 12):end - 1].endswith(tuple(titles())):
        end -= 1                        # 伦敦医疗城首席执行官，安吉拉·库库拉
    left = _clause_start(text, end, floor)
    parts, pos = [], left
    for piece in text[left:end].split("、"):
        parts.append((pos, pos + len(piece)))
        pos += len(piece) + 1
    links = []
    for a, b in parts:
        link = _link(text, a, b)
        if link:
            links.append(link)
    return links


def _clause_start(text: str, end: int, floor: int) -> int:
    start = max(floor, end - 40)
    last = start
    for m in _CLAUSE_BREAK.finditer(text, start, end):
        last = m.end()
    return last


_UNIT_AS_TITLE = re.compile(r"(?<=[\u4e00-\u9fff]{2})(?:处|司|科|办公室)$")


def _link(text: str, a: int, b: int) -> Link | None:
    """Split `segment + title` at the first title that runs to the segment's end.

    A segment that ends in an internal unit (…创新贸易处) links its person to
    the organisation before the unit, as a title would."""
    seg = text[a:b]
    if _UNIT_AS_TITLE.search(seg) and not title_re().search(seg):
        return Link(a, b, "", "work", False)
    for m in title_re().finditer(seg):
        rest = seg[m.start():]
        if _all_titles(rest):
            org_end = a + m.start()
            if org_end > a and text[org_end - 1] in "）)":       # 伦敦医疗城（MedCity）首席执行官
                opening = max(text.rfind("（", a, org_end), text.rfind("(", a, org_end))
                if opening > a:
                    org_end = opening
            former = False
            if org_end > a and text[org_end - 1] in _FORMER:
                org_end -= 1
                former = True
            first = title_re().match(rest).group(0)
            kinds = {titles().get(t, "work") for t in _split_titles(rest)}
            kind = "work" if "work" in kinds else ("honour" if "honour" in kinds else "role")
            return Link(a, org_end, first, kind, former)
    return None


def _split_titles(s: str) -> list[str]:
    return [t for t in re.split(r"兼|和|及|暨", s) if t]


def _all_titles(s: str) -> bool:
    return all(title_re().fullmatch(t) for t in _split_titles(s))


def org_in_segment(doc: Doc, start: int, end: int, org_mentions: list[Mention]) -> Mention | None:
    """The organisation mention that ends closest to the segment's end."""
    best = None
    for m in org_mentions:
        if m.start >= start and m.end <= end and m.type == EntityType.ORGANIZATION:
            if best is None or m.end > best.end:
                best = m
    return best
