"""Person names: title patterns, transliterated names, lists and re-mentions.

- 职务 + 姓名: 首席技术官李弘棣, 副局长黄果 (titles: kg/data/titles.tsv);
- 姓名 + 称谓: 陆舜教授, 任峰博士;
- 姓名 + reporting verb after a clause break: 。郭秋杉指出;
- 机构 + 姓名 + 职务/任职动词, and a biography's opening: 西子联合控股有限公司王水福董事长,
  北京首都创业集团有限公司刘晓光任…, 燕立国，男，…;
- transliterated names joined by ·: 安吉拉·库库拉 (kg/data/translit_chars.txt);
- other names in the same 、-list as a found person: 谢晓亮、王晓东、…;
- every later occurrence of a name found once.
A Chinese name is a surname (kg/data/surnames.txt) plus one or two
characters; which of the two is decided by the words that follow
(kg/data/follow_words.txt): 杜冰、 vs 李弘棣介绍.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from kg import data
from kg.extraction.doc import Doc
from kg.extraction.pipeline import factory
from kg.extraction.text import CJK_RE, add_mention
from kg.extraction.words import follow_words, org_suffixes, surnames, title_re, titles, translit_chars
from kg.model import EntityType

SPEECH_VERBS = data.word_list("speech_verbs")
POST_TITLES = data.word_list("post_titles")


_CJK = r"[\u4e00-\u9fff]"
_FOREIGN = re.compile(rf"{_CJK}{{1,6}}(?:[·•・]{_CJK}{{1,7}}){{1,3}}")
_BREAK = set("，,。；;：:！!？?、（(“\"」』\n ")


def _is_boundary(text: str, pos: int, words: frozenset[int] = frozenset()) -> bool:
    """Does a name end at `pos`: end of text, punctuation, a follow word, a
    title, or (from jieba) the start of a dictionary word (李涛|列出)?"""
    if pos >= len(text):
        return True
    ch = text[pos]
    if not CJK_RE.match(ch):
        return True
    return pos in words or text.startswith(follow_words(), pos) or text.startswith(tuple(titles()), pos)


def word_starts(doc: Doc) -> frozenset[int]:
    """Where jieba found a dictionary word of two or more characters."""
    return frozenset(t.start for t in doc.tokens if len(t.text) > 1 and t.tag not in ("x", "eng"))


def name_at(text: str, start: int, words: frozenset[int] = frozenset()) -> int | None:
    """End of a Chinese name starting at `start`, or None if none starts there.

    The short reading wins when a follow word starts right after it
    (陆雯用…, 薛敏说，); otherwise the long one when something ends it there."""
    single, double = surnames()
    if text[start:start + 2] in double:
        short, long_ = start + 3, start + 4
    elif text[start:start + 1] in single:
        short, long_ = start + 2, start + 3
    else:
        return None
    if not all(CJK_RE.match(c) for c in text[start:short]) or len(text) < short:
        return None
    if short < len(text) and (text.startswith(follow_words(), short) or short in words):
        return short
    if len(text) >= long_ and CJK_RE.match(text[long_ - 1]) and _is_boundary(text, long_, words):
        return long_
    return short if _is_boundary(text, short, words) else None


@cache
def _org_endings() -> tuple[str, ...]:
    return tuple(s for s in org_suffixes() if len(s) > 1)


# Surnames that are far more often function words: accepted only after a title.
WEAK_SURNAMES = frozenset("和于成向从将为以由与及对把被让使给在是就都也还又而但时来那全应信位门原方费")


def plausible(name: str, tags: Mapping[str, str], strict: bool = True) -> bool:
    """Not an ordinary word or an organisation ending (程学院, 公司)."""
    if name.endswith(_org_endings()) or name[1:] in titles():
        return False
    if strict and name[0] in WEAK_SURNAMES:
        return False
    if (tags.get(name) or "").startswith("nr"):
        return True
    if len(name) == 3 and tags.get(name[:2]) in ("v", "d", "a", "c", "p", "ad", "vd"):
        return False                    # 展现了: a verb and a particle
    given = tags.get(name[1:])
    if len(name) == 2 and given in ("p", "c", "u", "uj", "ul", "ad") or (
            name[0] in WEAK_SURNAMES and given is not None and not given.startswith("nr")):
        return False                    # 于危险, 和大家, 曾被: a preposition and a word
    tag = tags.get(name)
    if tag is None:
        return True
    return tag.startswith("nr") or (not strict and tag not in ("ns", "v", "a", "d", "c", "p", "r", "u", "uj"))


_UNITS = ("处", "司", "科", "部", "办公室")      # internal units a name may follow (药品监管处唐孝波)
_UNIT_BEFORE_NAME = re.compile(r"(?<=[\u4e00-\u9fff]{2})(?:处|司|科|部|办公室)(?=[\u4e00-\u9fff])")


def find_titled(text: str, tags: Mapping[str, str], words: frozenset[int] = frozenset(),
                boundaries: frozenset[int] | None = None) -> list[tuple[int, int, str]]:
    """Names right after a title, or after an internal unit (药品监管处唐孝波); a unit must end
    a word of its own (`boundaries`: where jieba's words start), not begin one (司母戊)."""
    out = []
    for m in [*title_re().finditer(text), *_UNIT_BEFORE_NAME.finditer(text)]:
        unit = m.group(0) in _UNITS
        if m.group(0) in ("处", "司", "科", "部") and text[m.start():m.start() + 2] in tags:
            continue                                # 部门, 科学, 处理: the unit is half of a word
        if unit and (boundaries is not None and m.end() not in boundaries
                     or text[m.start() - 1:m.end()] in ("公司", "总部", "全部", "内部", "外部", "本部", "总司")):
            continue
        start = m.end()
        if boundaries is not None and m.start() not in boundaries and start not in boundaries \
                and CJK_RE.match(text[m.start() - 1:m.start()] or "a"):
            continue                                # 上海市长宁区: 市长 is not a title here
        if text[start:start + 1] in (" " if unit else " ：:为是"):
            start += 1                              # 董庄学校校长：史振起, 创始人是松田重次郎
        end = name_at(text, start, words) if start < len(text) else None
        foreign = _transliterated_run(text, start)
        if foreign and (end is None or foreign > end):     # 首席执行官杰夫马萨: no surname, a foreign name
            if not unit:
                out.append((start, foreign, m.group(0)))
            continue
        if end and unit and not (end >= len(text) or text.startswith(follow_words(), end)
                                 or not CJK_RE.match(text[end]) or end in words):
            continue
        if end and not text.startswith(tuple(titles()), start) and plausible(text[start:end], tags, strict=unit):
            out.append((start, end, m.group(0)))
    return out


def _transliterated_run(text: str, start: int) -> int | None:
    """End of a run of 3 to 8 characters that transliterations use, starting at `start` and
    ending where a name can end (迈克尔莱维特出席, 盖瑞格达特、…)."""
    chars = translit_chars()
    end = start
    while end < len(text) and end - start < 8 and text[end] in chars:
        end += 1
    while end - start >= 3:
        if _is_boundary(text, end):
            return end
        end -= 1
    return None


def find_post_titled(text: str, tags: Mapping[str, str],
                      boundaries: frozenset[int] | None = None) -> list[tuple[int, int]]:
    """陆舜教授, 欧阳刘兵先生: the name ends where the courtesy title starts, and starts where
    one of jieba's words does (工程院院士 holds no name 程院)."""
    out = []
    single, double = surnames()
    for post in POST_TITLES:
        for m in re.finditer(re.escape(post), text):
            end = m.start()
            for n in (4, 3, 2):
                start = end - n
                if start < 0 or not all(CJK_RE.match(c) for c in text[start:end]):
                    continue
                if boundaries is not None and start not in boundaries:
                    continue
                if n == 4 and text[start:start + 2] not in double:
                    continue
                if (text[start] in single or n == 4) and plausible(text[start:end], tags):   # most names have three
                    out.append((start, end))
                    break
    return out


def find_speakers(text: str, tags: Mapping[str, str], words: frozenset[int] = frozenset()) -> list[tuple[int, int]]:
    """。郭秋杉指出: a name between a clause break and a reporting verb."""
    out = []
    verbs = "|".join(SPEECH_VERBS)
    for m in re.finditer(rf"(?<=[，。；：！？、\n“”])({_CJK}{{2,3}})(?:{verbs})", text):
        start = m.start(1)
        end = name_at(text, start, words)
        if end == m.end(1) and plausible(text[start:end], tags):
            out.append((start, end))
    return out


_TITLE_PARTS = tuple(data.word_list("title_modifiers")) + tuple(data.word_list("title_joiners"))
_POST_AFTER = re.compile(r"(?:将|已|正式)?(?:任|担任|出任|兼任|接任|卸任|辞任|辞去)|，(?:男|女)，"
                         r"|，\d{4}年(?:\d{1,2}月)?(?:\d{1,2}日)?(?:生|出生)")
# After a clause break, a date or an appointing verb, a name is followed by the verb that gives
# it a post or a company (…，张锐钢任天津港…, 2013年左森创立…, 任命曾建平为…校长); the verb must be
# a word of its own, so 任务 and 任何 do not count.
_ACT_AFTER = re.compile(r"(?:同志|先生|女士)?(?:将|已|正式|决定)?(?:" + "|".join(
    data.word_list("post_verbs") + data.word_list("found_verbs")) + ")")
_APPOINTING = tuple(data.word_list("appointing_verbs"))
_APPOINTED_AS = re.compile("为")                 # 任命曾建平为…校长


def _opens_clause(text: str, start: int, before: str, endings: tuple[str, ...]) -> bool:
    return start == 0 or text[start - 1] in "，。；：、\n" or before.endswith(endings)


_APPOINTING_LAST = frozenset(v[-1] for v in _APPOINTING)
_DATE_END = re.compile(r"\d[年月日]$")


def _after_date(text: str, start: int) -> bool:
    return text[start - 1:start] in ("年", "月", "日") and bool(_DATE_END.search(text, max(0, start - 4), start))


def _after_appointing(text: str, start: int) -> bool:
    return text[start - 1:start] in _APPOINTING_LAST and text[max(0, start - 3):start].endswith(_APPOINTING)


_BIO_PART = re.compile(r"，([^，。；：、]{3,30}?)(?=[，。；、]|$)")


@cache
def _work_title_at_end() -> re.Pattern:
    work = tuple(t for t, kind in titles().items() if kind == "work" and len(t) > 1)
    return re.compile("(?:" + data.alternation_re(work).pattern + ")$")


def _bio_post(text: str, end: int, endings: tuple[str, ...]) -> bool:
    """燕立国，湖南省桃源县第一中学校长，…: after the name and a comma, an organisation and a post."""
    m = _BIO_PART.match(text, end, end + 34) if text[end:end + 1] == "，" else None
    title = m and _work_title_at_end().search(m.group(1))
    return bool(title) and m.group(1)[:title.start()].endswith(endings)


def _name_word(name: str, tags: Mapping[str, str]) -> bool:
    """jieba reads it as a name or not at all, and it does not open with a word (公司|自成立)."""
    return (tags.get(name) or "nr").startswith("nr") and (len(name) == 2 or (tags.get(name[:2]) or "nr").startswith("nr"))


def find_before_posts(text: str, tags: Mapping[str, str], boundaries: frozenset[int]) -> list[tuple[int, int]]:
    """A name between an organisation's ending (or a clause break) and a work title or a post
    verb: …有限公司王水福董事长, …集团有限公司刘晓光任…, and a biography's 燕立国，男，…;
    and a name opening a clause, after a date or an appointing verb, before a post or founding
    verb that jieba reads as a word: ，张锐钢任…, 2013年左森创立…, 任命曾建平为…"""
    out = []
    single, double = surnames()
    endings = _org_endings()
    work = tuple(t for t, kind in titles().items() if kind == "work" and len(t) > 1)
    for start in sorted(boundaries):
        if start >= len(text) or not (text[start] in single or text[start:start + 2] in double):
            continue
        before = text[max(0, start - 4):start]
        opens = _opens_clause(text, start, before, endings) or not text[start - 1].isalnum()   # 👇周峰，男，
        appointed = _after_appointing(text, start)
        acts = appointed or _after_date(text, start)
        if not (opens or acts):
            continue
        for n in (3, 2):
            end = start + n
            name = text[start:end]
            titled = opens and (text.startswith(work, end) or _POST_AFTER.match(text, end) and (
                before.endswith(endings) or text[end:end + 1] == "，") or _bio_post(text, end, endings))
            verb = None if titled else _ACT_AFTER.match(text, end) or appointed and _APPOINTED_AS.match(text, end)
            if not (titled or verb):
                continue                        # checked first: most candidates fail here, cheaply
            if len(name) < n or not all(CJK_RE.match(c) for c in name) or not plausible(name, tags) \
                    or any(text.startswith(_TITLE_PARTS, k) for k in range(start + 1, end)):
                continue                        # 高级|副总裁, 董事|兼: part of a longer title
            if titled:
                out.append((start, end))
                break
            glued = end not in boundaries and start in boundaries \
                and not any(b in boundaries for b in range(start + 1, verb.end()))   # 宋尚龙任: one jieba word
            if (end in boundaries or glued) and verb.end() in boundaries and _name_word(name, tags):
                out.append((start, end))
                break
    return out


def find_foreign(text: str) -> list[tuple[int, int]]:
    chars = translit_chars()
    out = []
    for m in _FOREIGN.finditer(text):
        a, b = m.span()
        while a < b and text[a] not in chars:      # 会士安东尼奥·…: the title is not part of the name
            a += 1
        last = text.rfind("·", a, b) + 1
        for pos in range(last + 1, b):             # …·约翰逊发表了演讲: the name ends before the verb
            if text.startswith(follow_words(), pos):
                b = pos
                break
        while b > last and text[b - 1] not in chars:
            b -= 1
        if b <= last:
            continue                                # nothing left after the last ·
        name = re.sub(r"[·•・]", "", text[a:b])
        if "·" in text[a:b] and len(name) >= 3 and sum(c in chars for c in name) >= 0.75 * len(name):
            out.append((a, b))
    return out


def find_listed(text: str, known: set[str], tags: Mapping[str, str],
                words: frozenset[int] = frozenset()) -> list[tuple[int, int]]:
    """Names in a 、-list with a known person: 谢晓亮、王晓东、邓锋等; the first
    item may end in a name (华东师范大学杜冰、刘明耀教授)."""
    out = []
    for m in re.finditer(r"(?:[\u4e00-\u9fff·]{2,12}、)+[\u4e00-\u9fff·]{2,12}", text):
        items, pos = [], m.start()
        for part in m.group(0).split("、"):
            items.append((pos, pos + len(part)))
            pos += len(part) + 1
        if not any(text[a:b] in known or text[a:b].startswith(tuple(known)) or text[a:b].endswith(tuple(known))
                   for a, b in items):
            continue
        for n, (a, b) in enumerate(items):
            end = name_at(text, a, words)
            if end and (end == b or text.startswith(POST_TITLES + ("等",), end)) and plausible(text[a:end], tags):
                if text[a:end] not in known:
                    out.append((a, end))
            elif n == 0:
                tail = _trailing_name(text, a, b, tags)
                if tail and text[tail:b] not in known:
                    out.append((tail, b))
    return out


def _trailing_name(text: str, a: int, b: int, tags: Mapping[str, str]) -> int | None:
    """Start of a name that ends the item [a, b) after an organisation: …大学杜冰."""
    single, _ = surnames()
    for n in (2, 3):
        start = b - n
        if start > a and text[start] in single and plausible(text[start:b], tags) \
                and (n == 2 and text[start - 1] not in single or n == 3):
            return start
    return None


@factory("persons", requires=("sentences", "tokens"), assigns=("mentions",))
def make_persons(vocab):
    surnames(), titles(), follow_words(), title_re()

    def persons(doc: Doc) -> Doc:
        text, tags = doc.text, doc.vocab.tags
        words = word_starts(doc)
        boundaries = frozenset(t.start for t in doc.tokens)
        spans = [(a, b, "title") for a, b, _ in find_titled(text, tags, words, boundaries)]
        spans += [(a, b, "post-title") for a, b in find_post_titled(text, tags, boundaries)]
        spans += [(a, b, "speaker") for a, b in find_speakers(text, tags, words)]
        spans += [(a, b, "before-post") for a, b in find_before_posts(text, tags, boundaries)]
        spans += [(a, b, "foreign") for a, b in find_foreign(text)]
        known = {text[a:b] for a, b, _ in spans}
        spans += [(a, b, "list") for a, b in find_listed(text, known, tags, words)]
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
