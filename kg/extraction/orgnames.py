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
import unicodedata

from kg import data
from kg.extraction.doc import Doc
from kg.extraction.text import ANCHOR_TAGS, NEVER_FIRST, has_anchor, is_generic, token_index, trace_left
from kg.extraction.words import (
    boundary_words, generic_places, internal_words, org_suffixes, org_suffixes_longest_first, titles,
)
from kg.names import leading_place, places

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


_DATE_OPENING = re.compile(r"(?:\d{1,4}年)?(?:\d{1,2}月)?(?:\d{1,2}[日号])?")
_DIGITS = re.compile(r"\d+")
# First characters of two-character words jieba's HMM glues before a place (现为|杭州, 有原|衡水).
_GLUED_OPENERS = NEVER_FIRST | set("现有原曾已并也还均亦")
# Ordinary words that run into a name from the clause before it (回报社会|北京市…, 当初|三闾大学).
_RUN_IN_TAGS = {"n", "v", "vn", "t", "d", "a", "ad", "r", "p", "c", "m", "l", "i", "f", "q"}


def _is_place(tok) -> bool:
    return tok.text in places() or tok.tag == "ns" and len(tok.text) > 1


def trim_opening(doc: Doc, start: int, end: int) -> int:
    """Where an organisation name really starts when what was traced opens with a date
    (2012年12月|克丽缇娜集团), a preposition jieba glued on (对|金洲慈航), a time word
    (当初|三闾大学) or ordinary words before a place that opens the name (回报社会|北京市第一六一中学,
    现为|杭州天霸电子有限公司).  Names that hold a place after their own proper words
    (中国科学院上海药物研究所) keep it."""
    text = doc.text
    while start < end - 2 and unicodedata.category(text[start]) in ("No", "So", "Sm", "Sk"):
        start += 1                                                      # ⑥|安徽大学
    date = _DATE_OPENING.match(text, start, end)
    if date and date.end() > start and re.search(r"[年月日号]$", date.group(0)) and end - date.end() >= 2:
        start = date.end()
    elif (digits := _DIGITS.match(text, start, end)) and leading_place(text[digits.end():end]):
        start = digits.end()                                            # 11|澳门城市大学
    idx = token_index(doc)
    if text[start:start + 1] in NEVER_FIRST and end - start > 3:
        tok = doc.tokens[idx.at(start)]
        if tok.start == start and tok.tag == "x":                       # 对金洲|慈航
            start += 1
    i = idx.at(start)
    first = i
    while i < len(doc.tokens) and doc.tokens[i].end < end:
        tok = doc.tokens[i]
        if _is_place(tok):
            if i > first and tok.start > start:
                return tok.start
            break
        glued = tok.tag == "x" and len(tok.text) == 2 and (tok.text[0] in _GLUED_OPENERS or tok.text[1] in "为是任")
        if not glued and (tok.tag not in _RUN_IN_TAGS or tok.text in internal_words()
                          or tok.text.endswith(org_suffixes_longest_first())):
            break
        i += 1
    tok = doc.tokens[first] if first < len(doc.tokens) else None
    if tok is not None and tok.start == start and tok.tag == "t" and tok.end < end - 1:
        return tok.end                                                  # 当初|三闾大学
    return start


# What a registered company's name never holds: function words, pronouns, punctuation.
_NOT_IN_REGISTERED = {"p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "rr", "rz", "y", "e", "o", "punct", "space"}


_NOT_OPENING = {"d", "t", "v", "vd", "ad", "c", "p", "f"}
POST_VERBS = frozenset(data.word_list("post_verbs"))


def registered_start(doc: Doc, s: int, max_len: int) -> int | None:
    """Where a registered company's name (…有限公司, ending at `s`) starts when ordinary words,
    verbs included, make it up (东方时尚驾驶学校股份有限公司, 云南省国有资本运营有限公司): from
    the first place in the words before the ending (收购|北京…有限公司), else from a clause's
    start when no verb opens it.  None when neither holds."""
    idx = token_index(doc)
    i = idx.at(s) - 1
    taken = []
    while i >= 0:
        tok = doc.tokens[i]
        if s - tok.start > max_len or tok.tag in _NOT_IN_REGISTERED \
                or tok.text in boundary_words() and tok.tag not in ("n", "vn") \
                or tok.text in titles() or tok.text.endswith(("公司", "有限合伙")) or tok.text in NEVER_FIRST:
            break
        taken.append(tok)
        i -= 1
    while taken and (taken[-1].tag in _NOT_OPENING or taken[-1].text in POST_VERBS):
        taken.pop()                         # 随后|华侨城集团有限公司, 现任|用友软件股份有限公司
    if not taken:
        return None
    in_places = [t for t in taken if _is_place(t)]
    if in_places:
        return in_places[-1].start
    opens_clause = i < 0 or doc.tokens[i].tag in ("punct", "space")
    return taken[-1].start if opens_clause and not taken[-1].tag.startswith("v") else None


_BODIES = data.word_list("governing_bodies")


def trim_body(doc: Doc, start: int, end: int) -> int:
    """Where the name ends when a company's board or party committee runs on after its
    ending (浪莎集团|董事局主席, 中国华电集团有限公司|党组中心组): people hold posts in those
    bodies, and work for the company."""
    name = doc.text[start:end]
    for body in _BODIES:
        pos = name.find(body)
        ending = next((x for x in org_suffixes_longest_first() if name.endswith(x, 0, pos)), None) if pos > 1 else None
        if ending and org_suffixes()[ending] == "org":
            return start + pos
    return end


def model_agrees(doc: Doc, start: int, end: int, least: float = 0.5, label: str = "ORG") -> bool:
    """Does the name recogniser also read [start, end) as one name (an organisation's)?"""
    return any(s.label == label and s.start == start and s.end == end and s.score >= least
               for s in doc.model_spans)


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
