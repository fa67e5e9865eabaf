"""What makes a span an organisation name: brands, stems and apposition segments.

The organisation recogniser and the entity clustering share these tests:
- a stem with a proper-name token (邦耀生物) or one word jieba only knows char by
  char (和铂医药) is a brand; a broad place alone (上海医院) is not;
- one ordinary word can be a brand before a company ending (星辰生物, 蓝鲸资本),
  unless a modifier makes it a description (大型医院, 医药公司);
- an apposition segment in front of a title names the employer (深度制耀创始人).
Word lists: kg/data/word_lists.tsv.
"""
from __future__ import annotations

import re

from kg import data
from kg.extraction.doc import Doc
from kg.extraction.text import ANCHOR_TAGS, has_anchor, is_generic, token_index, trace_left
from kg.extraction.words import generic_places, org_suffixes, org_suffixes_longest_first

STEM_TAGS = ANCHOR_TAGS | {"s"}          # 东方医院: a place-like word before a strong suffix
GENERIC_MODIFIERS = data.word_list("org_generic_modifiers")
LIST_HEADS = data.word_list("org_list_heads")
CATEGORY_NOUNS = frozenset(LIST_HEADS) | frozenset(data.word_list("org_category_nouns"))
ORG_KIND_ENDINGS = data.word_list("org_kind_endings")
COMPANY_ENDINGS = frozenset(data.word_list("company_endings"))
# Endings that turn ordinary words into ordinary phrases (精准医疗, 智慧医疗, 整体医疗):
# a company named with one ordinary word needs another ending.
PHRASE_ENDINGS = data.word_list("phrase_endings")


def word_brand(doc: Doc, start: int, s: int, e: int) -> bool:
    """星辰生物, 蓝鲸资本: a company named with one ordinary word, when the name
    is not the start of a longer phrase (海洋生物多样性, 生物医药产业)."""
    idx = token_index(doc)
    toks = [t for t in doc.tokens[idx.at(start):idx.at(max(s - 1, start)) + 1] if t.start < s]
    if len(toks) != 1 or toks[0].start != start:
        return False
    word = toks[0]
    if doc.text[s:e] in PHRASE_ENDINGS and word.tag not in ("x", "nr", "nrt", "nrfg"):
        return False
    if word.tag in ("p", "c", "u", "uj", "ul", "d", "r", "v", "m", "q", "f", "y", "e", "o", "punct", "eng",
                    "a", "ad", "an", "t", "vn", "b", "l", "i") \
            or not 2 <= len(word.text) <= 3:
        return False
    if word.text in generic_places() or word.text in CATEGORY_NOUNS or word.text.startswith(GENERIC_MODIFIERS):
        return False
    after = doc.tokens[idx.at(e)] if e < len(doc.text) else None
    return after is None or after.start < e or after.tag not in ("n", "vn", "nz", "ng", "an", "l") \
        or bool(re.match(r"(?:[A-Z]\+?|天使|种子|战略)?轮|融资|股份|董事|总裁|团队", after.text))


def place_first(doc: Doc, start: int) -> bool:
    tok = doc.tokens[token_index(doc).at(start)]
    return tok.start == start and tok.tag == "ns" and len(tok.text) > 1


def only_place(doc: Doc, start: int, end: int) -> bool:
    """上海医院, 中国生物: a broad place is all there is before the ending."""
    return doc.text[start:end] in generic_places()


def proper_stem(doc: Doc, start: int, end: int) -> bool:
    """An industry word (…生物, …医药) needs a brand before it, not just a place: 邦耀生物, not 上海生物医药."""
    idx = token_index(doc)
    toks = [t for t in doc.tokens[idx.at(start):idx.at(max(end - 1, start)) + 1] if t.start < end]
    if any(t.tag in ("x", "nz", "nt", "nr", "nrt", "nrfg", "j", "eng") and len(t.text) > 1
           and not t.text.isdigit() for t in toks):
        return True
    stem = doc.text[start:end]            # 和铂: characters jieba knows only one by one
    return len(stem) >= 2 and stem not in doc.vocab.tags and all(len(t.text) == 1 for t in toks) \
        and all("\u4e00" <= c <= "\u9fff" for c in stem)


def plain_stem(doc: Doc, start: int, end: int) -> bool:
    """东方医院, 宣武医院: one place-like word before a strong suffix."""
    idx = token_index(doc)
    toks = [t for t in doc.tokens[idx.at(start):idx.at(max(end - 1, start)) + 1] if t.start < end]
    return len(toks) == 1 and len(toks[0].text) >= 2 and toks[0].tag in STEM_TAGS \
        and not toks[0].text.startswith(GENERIC_MODIFIERS) and toks[0].text not in generic_places()


def derive_org(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """An organisation name at the start of an apposition segment (德勤中国国际税收…合伙人)."""
    idx = token_index(doc)
    i = idx.at(start)
    toks = []
    while i < len(doc.tokens) and doc.tokens[i].start < end:
        toks.append(doc.tokens[i])
        i += 1
    if not toks or toks[0].start != start:
        return None
    if end - start <= 8:                  # a short segment: trace the name back from its end
        left = trace_left(doc, end, 8, floor=start)
        suffix = next((s for s in org_suffixes_longest_first() if doc.text.endswith(s, left, end)
                       and end - len(s) - left >= 2), "")
        stem_end = end - len(suffix)
        if end - left >= 2 and (proper_stem(doc, left, stem_end) and stem_end > left
                                or suffix and (word_brand(doc, left, stem_end, end)
                                               or has_anchor(doc, left, stem_end))):
            return left, end                  # 深度制耀, 伦敦医疗城, 和铂医药; not 华东大区销售
        return None
    stop = toks[0].end
    for t in toks[1:]:
        if t.text in org_suffixes():
            stop = t.end
            break
        if t.tag not in ANCHOR_TAGS:
            break
        stop = t.end
    if stop - start < 2 or not has_anchor(doc, start, stop):
        return None
    return start, stop


def name_like(doc: Doc, a: int, b: int, listed: bool = False) -> bool:
    """An item that is not an ordinary word or phrase.  In a list headed by
    an organisation category (驯鹿、复星凯特等…企业) a plain noun may be a name."""
    name = doc.text[a:b]
    tags = doc.vocab.tags
    if name in CATEGORY_NOUNS or is_generic(name) or name in generic_places() or name in org_suffixes() \
            or name.endswith(ORG_KIND_ENDINGS):
        return False                          # 世界级药企, 创业团队: a kind of actor, not a name
    if any(w in name for w in ("、", "，", "的")):
        return False
    if name in tags and tags[name] not in ("nt", "nz", "nr", "nrt", "j"):
        return listed and tags[name] == "n"
    if listed and (proper_stem(doc, a, b) or name.endswith(tuple(org_suffixes()))):
        return True                          # 天泽云泰, 阶梯医疗; not 全球服务
    return has_anchor(doc, a, b) and not all(t in tags for t in (name[:2], name[-2:]))




def org_from_segment(doc: Doc, start: int, end: int, known: list) -> tuple[int, int] | None:
    """The organisation a `机构 + 职务` chain segment [start, end) names, when no known mention
    covers it: the segment itself once dates and descriptors in front are gone (9月28日,
    合资公司, 旗下), when it reads as a name; else derive_org's shorter reading."""
    text = doc.text
    if text[start:start + 1] in "《“" and text[end - 1:end] in "》”" and end - start > 3:
        start, end = start + 1, end - 1                   # 《药学进展》主编: a journal as employer
    else:
        start = _skip_descriptors(text, start, end)
    if end - start < 2:
        return None
    if any(m.start <= start and m.end >= end for m in known):
        return None                                       # already named
    if any(start <= m.start and m.end <= end for m in known):
        return None                                        # 英矽智能 in AI制药领军企业英矽智能
    name = text[start:end]
    if is_generic(name) or text.startswith(NOT_NAME_OPENINGS, start) or name in generic_places():
        return None
    idx = token_index(doc)
    tokens = [t for t in doc.tokens[idx.at(start):idx.at(end - 1) + 1] if t.start < end and t.end > start]
    proper = any(t.tag in ("x", "nz", "nt", "nrt", "j", "eng") and len(t.text) >= 2 for t in tokens)
    suffix = next((s for s in org_suffixes_longest_first() if name.endswith(s)), None)
    if suffix and org_suffixes()[suffix] == "unit" or name in CATEGORY_NOUNS:
        return None                                        # 医疗器械注册处: a unit (H3), not an employer
    if suffix and not (has_anchor(doc, start, end - len(suffix)) or proper_stem(doc, start, end - len(suffix))):
        return None                                        # 跨国公司: a kind of company, not one
    if (suffix or proper and end - start <= 12) and tokens and tokens[0].tag not in ("v", "r", "d", "p", "c"):
        return start, end                                  # 上海市科协, 海正辉瑞: the segment is the name
    return derive_org(doc, start, end)


_DATE_AHEAD = re.compile(r"^(?:\d{4}年)?(?:\d{1,2}月)?(?:\d{1,2}日)?(?:起|以来)?")
DESCRIPTORS = data.word_list("org_descriptors")
NOT_NAME_OPENINGS = data.word_list("not_name_openings")


def _skip_descriptors(text: str, start: int, end: int) -> int:
    changed = True
    while changed and start < end:
        changed = False
        m = _DATE_AHEAD.match(text, start, end)
        if m and m.end() > start:
            start, changed = m.end(), True
        d = next((d for d in DESCRIPTORS if text.startswith(d, start) and end - start - len(d) >= 2), None)
        if d:
            start, changed = start + len(d), True
    return start
