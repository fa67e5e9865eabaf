"""Person names: title patterns, transliterated names, lists and re-mentions.

- 职务 + 姓名: 首席技术官李弘棣, 副局长黄果 (titles: kg/data/titles.tsv);
- 姓名 + 称谓: 陆舜教授, 任峰博士;
- 姓名 + reporting verb after a clause break: 。郭秋杉指出;
- transliterated names joined by ·: 安吉拉·库库拉 (kg/data/translit_chars.txt);
- other names in the same 、-list as a found person: 谢晓亮、王晓东、…;
- every later occurrence of a name found once.
A Chinese name is a surname (kg/data/surnames.txt) plus one or two
characters; which of the two is decided by the words that follow
(kg/data/follow_words.txt): 杜冰、 vs 李弘棣介绍.
"""
from __future__ import annotations

import re
from functools import cache

from kg import data
from kg.components.spans import CJK_RE, add_mention
from kg.model import Doc, EntityType
from kg.pipeline import factory

SPEECH_VERBS = ("表示", "指出", "认为", "介绍", "坦言", "强调", "透露", "直言", "告诉", "谈到",
                "提到", "分享", "解读", "建议", "说", "称")
POST_TITLES = ("教授", "博士", "院士", "医生", "先生", "女士", "研究员", "主任", "团队", "课题组")


@cache
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    names = data.words("surnames.txt")
    return frozenset(n for n in names if len(n) == 1), frozenset(n for n in names if len(n) == 2)


@cache
def titles() -> dict[str, str]:
    return {t: kind for t, kind in data.table("titles.tsv", 2)}


@cache
def follow_words() -> tuple[str, ...]:
    return tuple(sorted(set(data.words("follow_words.txt")), key=len, reverse=True))


@cache
def translit_chars() -> frozenset[str]:
    return frozenset("".join(data.words("translit_chars.txt")))


@cache
def title_re() -> re.Pattern:
    alts = "|".join(re.escape(t) for t in sorted(titles(), key=len, reverse=True))
    return re.compile(rf"(?:{alts})")


_CJK = r"[\u4e00-\u9fff]"
_FOREIGN = re.compile(rf"{_CJK}{{1,6}}(?:[·•・]{_CJK}{{1,7}}){{1,3}}")
_BREAK = set("，,。；;：:！!？?、（(“\"」』\n ")


def _is_boundary(text: str, pos: int) -> bool:
    """Does a name end at `pos` (end of text, punctuation, or a follow word)?"""
    if pos >= len(text):
        return True
    ch = text[pos]
    if not CJK_RE.match(ch):
        return True
    return text.startswith(follow_words(), pos) or text.startswith(tuple(titles()), pos)


def name_at(text: str, start: int) -> int | None:
    """End of a Chinese name starting at `start`, or None if none starts there."""
    single, double = surnames()
    if text[start:start + 2] in double:
        lengths = (4, 3)
    elif text[start:start + 1] in single:
        lengths = (3, 2)
    else:
        return None
    for n in lengths:
        end = start + n
        chunk = text[start:end]
        if len(chunk) == n and all(CJK_RE.match(c) for c in chunk) and _is_boundary(text, end):
            return end
    return None


def find_titled(text: str) -> list[tuple[int, int, str]]:
    """Names right after a title: (start, end, title)."""
    out = []
    for m in title_re().finditer(text):
        start = m.end()
        if start < len(text) and text[start] == " ":
            start += 1
        end = name_at(text, start) if start < len(text) else None
        if end and not text.startswith(tuple(titles()), start):
            out.append((start, end, m.group(0)))
    return out


def find_post_titled(text: str) -> list[tuple[int, int]]:
    """陆舜教授, 徐沪济教授: the name ends where the courtesy title starts."""
    out = []
    single, _ = surnames()
    for post in POST_TITLES:
        for m in re.finditer(re.escape(post), text):
            end = m.start()
            for n in (3, 2):
                start = end - n
                if start < 0 or not all(CJK_RE.match(c) for c in text[start:end]):
                    continue
                if text[start] in single and (n == 2 or text[end - 2] not in single
                                              or start == 0 or not CJK_RE.match(text[start - 1])):
                    out.append((start, end))
                    break
    return out


def find_speakers(text: str) -> list[tuple[int, int]]:
    """。郭秋杉指出: a name between a clause break and a reporting verb."""
    out = []
    verbs = "|".join(SPEECH_VERBS)
    for m in re.finditer(rf"(?<=[，。；：！？、\n“”])({_CJK}{{2,3}})(?:{verbs})", text):
        start = m.start(1)
        end = name_at(text, start)
        if end == m.end(1):
            out.append((start, end))
    return out


def find_foreign(text: str) -> list[tuple[int, int]]:
    chars = translit_chars()
    out = []
    for m in _FOREIGN.finditer(text):
        name = re.sub(r"[·•・]", "", m.group(0))
        if sum(c in chars for c in name) >= 0.75 * len(name):
            out.append(m.span())
    return out


def find_listed(text: str, known: set[str]) -> list[tuple[int, int]]:
    """Names in a 、-list with a known person: 谢晓亮、王晓东、邓锋等."""
    out = []
    for m in re.finditer(rf"(?:[\u4e00-\u9fff·]{{2,12}}、)+[\u4e00-\u9fff·]{{2,12}}", text):
        items, pos = [], m.start()
        for part in m.group(0).split("、"):
            items.append((pos, pos + len(part)))
            pos += len(part) + 1
        if not any(text[a:b] in known or text[a:b].startswith(tuple(known)) for a, b in items):
            continue
        for a, b in items:
            end = name_at(text, a)
            if end and end <= b and text[a:end] not in known:
                out.append((a, end))
    return out


@factory("persons", requires=("sentences", "tokens"), assigns=("mentions",))
def make_persons():
    surnames(), titles(), follow_words(), title_re()

    def persons(doc: Doc) -> Doc:
        text = doc.text
        spans = [(a, b, "title") for a, b, _ in find_titled(text)]
        spans += [(a, b, "post-title") for a, b in find_post_titled(text)]
        spans += [(a, b, "speaker") for a, b in find_speakers(text)]
        spans += [(a, b, "foreign") for a, b in find_foreign(text)]
        known = {text[a:b] for a, b, _ in spans}
        spans += [(a, b, "list") for a, b in find_listed(text, known)]
        known |= {text[a:b] for a, b, _ in spans}
        seen = {(a, b) for a, b, _ in spans}
        for name in sorted(known, key=len, reverse=True):
            for m in re.finditer(re.escape(name), text):
                if (m.start(), m.end()) not in seen:
                    spans.append((m.start(), m.end(), "repeat"))
                    seen.add(m.span())
        for a, b, rule in spans:
            add_mention(doc, a, b, EntityType.PERSON, rule)
        return doc
    return persons
