"""Events: named conferences, forums, expos, competitions and meetings.

A name traced leftwards from an ending in kg/data/event_suffixes.txt is an
event when something makes it named: a year or 第N届/首届, a proper-name
anchor, quotation marks, or at least four characters of its own title (计算
生物学专题座谈会).  Generic parts (开幕式, 主论坛, 圆桌) fold into the event
they belong to (gold/GUIDE.md H4): 产业周主论坛 is a mention of 产业周.
Slogan-titled forums keep the slogan: 规制为源·生态共行——…高阶论坛.
"""
from __future__ import annotations

import re

from kg import data
from kg.extraction.doc import Doc
from kg.extraction.pipeline import factory
from kg.extraction.text import add_mention, has_anchor, quoted_span, token_index, trace_left
from kg.extraction.words import event_suffix_re, event_suffixes
from kg.model import EntityType

EVENT = EntityType.EVENT
SOFT_END = set("上中前后期间内里时")          # jieba glues these to the name: 产业周上
EVENT_VERBS = data.word_list("event_verbs")
PARTS = data.word_list("event_parts")
_GENERIC_START = data.word_list("event_generic_openings")
_ORDINAL = re.compile(r"(?:\d{4}年?|第[一二三四五六七八九十百零\d]+届|首届|\d+届)")
_SLOGAN = re.compile(r"[\u4e00-\u9fff]{2,8}·[\u4e00-\u9fff]{2,8}——$")
_THEME = re.compile(r"“[^“”\n]{2,20}”$")
_LATIN_EVENT = re.compile(r"\b(?:ASCO|ESMO|AACR|ASH|JPM|BIO|WAIC|CES|MWC|DIA|EHA|WCLC|SABCS)\s?(?:年会\s?)?(?:20\d{2})\b")


def find_events(doc: Doc) -> list[tuple[int, int]]:
    idx = token_index(doc)
    text = doc.text
    out = []
    for m in event_suffix_re().finditer(text):
        s, e = m.span()
        if e < len(text) and e not in idx.ends and not text.startswith(PARTS, e) \
                and text[e] not in SOFT_END:
            continue
        if len(m.group(0)) == 1 and not _lone_week(doc, s, e):
            continue                                 # 外周, 首周, 上映五周, 总干事周某: not an event
        quoted = quoted_span(text, s, e, 60)
        if quoted:                                   # “规制为源·生态共行——…高阶论坛”
            out.append((quoted[0], e))
            continue
        for verbs_ok in (False, True):          # verbs only when the plain name is not named enough
            span = _event_span(doc, s, e, m.group(0), verbs_ok)
            if span:
                out.append(span)
                break
    out += [m.span() for m in _LATIN_EVENT.finditer(text)]
    return out


def _event_span(doc: Doc, s: int, e: int, ending: str, verbs_ok: bool) -> tuple[int, int] | None:
    text = doc.text
    start = trace_left(doc, s, 40, verbs_ok=verbs_ok)
    while start < s and any(text.startswith(v, start) for v in EVENT_VERBS):
        start += next(len(v) for v in EVENT_VERBS if text.startswith(v, start))
    slogan = _SLOGAN.search(text, max(0, start - 20), start)
    if slogan:
        start = slogan.start()
    theme = _THEME.search(text, max(0, start - 24), start)
    if theme and start < s:                       # 世界人工智能大会“AI智变·未来健康”产业论坛: a theme inside
        base = trace_left(doc, theme.start(), 30)
        if base < theme.start() and _ends_with_suffix(text[base:theme.start()]):
            start = base
    start = _strip_generic(text, start, s)
    e = _fold_part(text, start, e)
    name = text[start:e]
    if not name or start >= s and len(ending) < 3:
        return None
    own = s - start
    if _ORDINAL.match(name) or has_anchor(doc, start, s, digits=True, national=False) or own >= 4:
        return start, e
    return None


def _lone_week(doc: Doc, s: int, e: int) -> bool:
    """周 ends an event name only as its own word after a noun: 日本制药周."""
    idx = token_index(doc)
    tok = doc.tokens[idx.at(s)]
    if tok.text != "周" or idx.at(s) == 0:
        return False
    before = doc.tokens[idx.at(s) - 1]
    after_ok = e >= len(doc.text) or not re.match(r"[\u4e00-\u9fff]", doc.text[e]) or doc.text[e] in SOFT_END
    return len(before.text) >= 2 and before.tag in ("n", "nz", "vn", "x") and after_ok


def _fold_part(text: str, start: int, end: int) -> int:
    """产业周开幕式主论坛 -> 产业周: generic parts fold into the event they belong to."""
    folded = True
    while folded:
        folded = False
        for part in PARTS:
            core_end = end - len(part)
            if core_end > start and text.startswith(part, core_end) and (
                    _ends_with_suffix(text[start:core_end]) or text[start:core_end].endswith(PARTS)):
                end, folded = core_end, True
                break
    return end


def _ends_with_suffix(name: str) -> bool:
    return any(name.endswith(s) for s in event_suffixes())


def _strip_generic(text: str, start: int, s: int) -> int:
    for g in _GENERIC_START:
        if text.startswith(g, start) and start + len(g) <= s:
            return start + len(g)
    return start


@factory("events", requires=("tokens",), assigns=("mentions",))
def make_events(vocab):
    event_suffix_re()

    def events(doc: Doc) -> Doc:
        for a, b in sorted(set(find_events(doc))):
            add_mention(doc, a, b, EVENT, "event")
        return doc
    return events
