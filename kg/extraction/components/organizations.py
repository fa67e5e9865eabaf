"""Organisations: suffix grammar, appositions, lists and product owners.

- suffix grammar: a name traced leftwards from an ending in
  kg/data/org_suffixes.tsv (…公司, …医院, …委员会, …生物); internal units
  (…司, …处, …团队) are kept as `unit` mentions, folded into their parent
  organisation by the entities component (gold/GUIDE.md H3);
- appositions: the segment before a title in front of a person names the
  employer even without a suffix: 深度制耀创始人李星;
- lists: A、B、C等企业 and (A、B等) name organisations;
- owners: X的瑞基奥仑赛注射液 names X.
"""
from __future__ import annotations

import re

from kg import data
from kg.extraction import apposition
from kg.extraction.doc import Doc
from kg.extraction.orgnames import (
    CATEGORY_NOUNS, COMPANY_ENDINGS, LIST_HEADS, model_agrees, name_like, only_place, org_from_segment, place_first,
    plain_stem, proper_stem, registered_start, trim_body, trim_opening, word_brand,
)
from kg.extraction.pipeline import factory
from kg.extraction.text import add_mention, has_anchor, is_generic, quoted_span, token_index, trace_left
from kg.extraction.words import generic_places, internal_words, org_suffix_re, org_suffixes, org_suffixes_longest_first, titles
from kg.model import EntityType, Mention

ORG = EntityType.ORGANIZATION
MAX_NAME = 24


def find_suffixed(doc: Doc) -> list[tuple[int, int, str]]:
    """(start, end, kind) of names ending in an organisation suffix."""
    idx = token_index(doc)
    out = []
    for m in org_suffix_re().finditer(doc.text):
        s, e = m.span()
        if e not in idx.ends and not _title_follows(doc, e):
            continue                                # 中心城区: the suffix is inside a longer word
        covering = doc.tokens[idx.at(s)]
        if covering.text in titles():               # 常委, 院长: a title, not an ending
            continue
        if doc.text[s - 1:s] in "（(" and doc.text[e:e + 1] in "）)" and \
                doc.text.startswith(org_suffixes_longest_first(), e + 1):
            continue                                # 力帆实业（集团）股份有限公司: a bracketed insert
        kind = org_suffixes()[m.group(0)]
        quoted = quoted_span(doc.text, s, e)
        if quoted and kind == "org":                # “上海市生物治疗早期人体试验与评价平台”
            out.append((quoted[0], e, kind))
            continue
        start, end = _trace(doc, s, e, kind), _bracket_tail(doc.text, e)
        if end > e and doc.text.startswith(org_suffixes_longest_first(), end):
            continue                                # 力帆实业（集团）|股份有限公司: the name goes on
        if start is not None:
            out.append((start, end, kind))
    return out


def _bracket_tail(text: str, e: int) -> int:
    """The end of a name that a bracketed legal form or place completes:
    …投资中心(有限合伙), …投资有限公司（中国）."""
    m = re.match(r"[（(]([\u4e00-\u9fff]{2,6})[）)]", text[e:e + 10])
    if m and (m.group(1) in data.word_list("bracket_tails") or m.group(1) in generic_places()):
        return e + m.end()
    return e


def _phrase_continues(doc: Doc, e: int) -> bool:
    """Does a noun follow that makes name+ending part of a longer phrase (not a title)?"""
    if e >= len(doc.text) or doc.text.startswith(tuple(titles()), e):
        return False
    after = doc.tokens[token_index(doc).at(e)]
    return after.start == e and after.tag in ("n", "vn", "nz") and len(after.text) > 1 \
        and after.text not in org_suffixes() and not re.match(r"(?:[A-Z]\+?)?轮|股份|团队", after.text)


def _title_follows(doc: Doc, e: int) -> bool:
    """医院院长 is one jieba word: the ending is real when a title completes the word."""
    tok = doc.tokens[token_index(doc).at(e)]
    return doc.text[e:tok.end] in titles()


def _trace(doc: Doc, s: int, e: int, kind: str) -> int | None:
    """Where the name ending at [s, e) starts, or None if it is no name."""
    idx = token_index(doc)
    tags = doc.vocab.tags
    covering = doc.tokens[idx.at(s)]
    if kind == "industry" and covering.start < s and covering.tag != "x":
        return None                                 # 生物医药: the ending is inside an ordinary word
    if covering.start == s - 1 and doc.text[s - 1] in "多单双全总分各本该":
        return None                                 # 多中心, 总部, 分院: a modifier and a noun, not a name
    if len(doc.text) > e and doc.text[e] in "（(" and re.match(r"[（(][A-Z]", doc.text[e:e + 2]):
        glossed = True                              # 国际药物信息协会（DIA）: an acronym names it
    else:
        glossed = False
    start = trace_left(doc, s, MAX_NAME)
    wide = trace_left(doc, s, MAX_NAME, verbs_ok=True)
    if wide < start and place_first(doc, wide):   # 上海市脑机接口临床试验…重点实验室
        start = wide
    if doc.text[s:e] in _REGISTERED:
        registered = registered_start(doc, s, MAX_NAME)
        start = min(start, registered if registered is not None else start)   # 东方时尚驾驶学校股份有限公司
    if not _named(doc, start, s, e, kind) and doc.text[start - 1:start] in "与和及" and start > 1 \
            and doc.text[s:e] in _JOINT_NAME_ENDINGS and not doc.text.endswith(org_suffixes_longest_first(), 0, start - 1):
        further = trace_left(doc, start - 1, MAX_NAME - (e - start), verbs_ok=True)
        if further < start - 1 and _named(doc, further, s, e, kind):
            start = further                         # …临床试验与转化重点实验室
    start = _through_brackets(doc, start, s)
    start = _after_run_on_name(doc, start, s)
    first = doc.tokens[idx.at(start)] if start < s else None
    if first is not None and first.start == start and first.text in _FORMER and first.end < s:
        start = first.end                           # 原诺安基金副总经理: the fund is 诺安基金
    cut = max(doc.text.rfind("是", start, s), doc.text.rfind("的", start, s))
    if cut >= 0:
        start = cut + 1                             # 同路链是同济大学: a copula glued into a word
    name = doc.text[start:e]
    if name.endswith("子基金") and not proper_stem(doc, start, e - 3):
        return None                                 # 投决生物医药子基金: sub-funds without a name
    if kind == "industry" and (_phrase_continues(doc, e) or doc.text.startswith(("类似", "制品", "技术"), e)):
        return None                                 # 国家科技重大专项: the ending starts a longer phrase
    if start >= s and len(name) <= e - s or e - s == 1 and len(name) < 3:
        return None                                 # 进院: one character of ending needs a longer name
    if e - s == 1 and covering.start < s and tags.get(covering.text, "x") not in ("nt", "ns", "nz", "j", "x"):
        return None                                 # 全部, 总部, 干部: an ordinary word
    if is_generic(doc.text[start:s]) or doc.text.startswith(_GENERIC_OPENINGS, start):
        return None                                 # AI制药, 高水平研究型大学
    if kind == "unit" or _named(doc, start, s, e, kind) or glossed or tags.get(name) in ("nt", "nz") \
            or _founded(doc, start) or model_agrees(doc, start, e) and has_anchor(doc, start, s):
        return start                                # 冀东水泥: a place and an industry, named by the model
    return None


def _after_run_on_name(doc: Doc, start: int, s: int) -> int:
    """Names run together without a separator (a signature block copied from a PDF):
    中关村科技园区管理委员会北京市发展和改革委员会 — the second name starts after the first's ending,
    at a province or city written in full (北京市); 中国科学院上海药物研究所 stays one name."""
    idx = token_index(doc)
    for m in org_suffix_re().finditer(doc.text, start, s):
        pe = m.end()
        if start < m.start() and pe < s and org_suffixes()[m.group(0)] == "org" and pe in idx.start_set \
                and re.match(r"[\u4e00-\u9fff]{1,6}?(?:省|市|自治区)", doc.tokens[idx.at(pe)].text):
            start = pe
    return start


def _through_brackets(doc: Doc, start: int, s: int) -> int:
    """A traced name that stopped inside brackets goes on before them: 南沙开发区(自贸区南沙片区)党工委;
    with nothing name-like before the bracket, the name starts after it."""
    text = doc.text
    close = max(text.rfind(")", start, s), text.rfind("）", start, s))
    if close < 0 or text.count("(", start, close) + text.count("（", start, close) > 0:
        return start
    opening = max(text.rfind("(", max(0, start - 20), start), text.rfind("（", max(0, start - 20), start))
    if opening > 0 and text[opening:close].count(")") + text[opening:close].count("）") == 0:
        before = trace_left(doc, opening, MAX_NAME)
        if before < opening:
            return before
    return close + 1


_FOUNDING = re.compile(r"(?:发起设立|联合设立|共同设立|合资成立|合资设立|出资设立|设立|成立|组建|创立)(?:了)?$")


def _founded(doc: Doc, start: int) -> bool:
    """…联合发起设立星辰创新基金: what is founded is named by the act of founding it."""
    return bool(_FOUNDING.search(doc.text[max(0, start - 6):start]))


# Endings of names that join two fields with 与/和: …临床试验与转化重点实验室
_JOINT_NAME_ENDINGS = frozenset(data.word_list("joint_name_endings"))


_FORMER = frozenset(data.word_list("former_marks"))

# Company-law endings: what stands before them was registered as a name.
_REGISTERED = frozenset(data.word_list("registered_endings"))

# Openings of descriptions, not names: 高水平研究型大学, 新型研发机构
_GENERIC_OPENINGS = data.word_list("org_generic_openings")


def _named(doc: Doc, start: int, s: int, e: int, kind: str) -> bool:
    if kind == "industry":
        return proper_stem(doc, start, s) or word_brand(doc, start, s, e)
    registered = doc.text[s:e] in _REGISTERED or re.match(r"[（(]有限合伙[）)]", doc.text[e:e + 6])
    if registered and s - start >= 2 and not only_place(doc, start, s):
        return True                         # 星河医药港有限公司: a registered company, whatever its words
    if doc.text[s:e] in COMPANY_ENDINGS and word_brand(doc, start, s, e):
        return True
    return has_anchor(doc, start, s) and not only_place(doc, start, s) or plain_stem(doc, start, s) \
        or proper_stem(doc, start, s)


def find_listed(doc: Doc) -> list[tuple[int, int]]:
    """Items of `A、B、C等…企业` and `（A、B等）`."""
    heads = "|".join(LIST_HEADS)
    out = []
    pats = (rf"((?:[^、，,。；;：:\s（）()“”]{{2,14}}、)*[^、，,。；;：:\s（）()“”]{{2,14}})"
            rf"等(?:[^，,。；;]{{0,16}}?)(?:{heads})",
            r"[（(]((?:[^、，。（）()]{2,14}、)+[^、，。（）()]{2,14})等[）)]")
    for pat in pats:
        for m in re.finditer(pat, doc.text):
            out.extend(_list_items(doc, m.start(1), m.end(1)))
    return out


_JOINERS = ("以及", "、", "及", "和", "与")


def _list_items(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """Split a list at 、 and at 及/和/与 between items (not at the start of
    one: 和元生物 keeps its 和)."""
    text = doc.text
    items, a, pos = [], start, start
    while pos < end:
        joiner = next((j for j in _JOINERS if text.startswith(j, pos)), None)
        if joiner and joiner != "、":               # 方正和生: a 和 inside a short name is no joiner
            nxt = text.find("、", pos + len(joiner), end)
            if pos - a < 2 or (nxt if nxt >= 0 else end) - (pos + len(joiner)) < 2:
                joiner = None
        if joiner and (joiner == "、" or pos > a):
            items.append((a, pos))
            pos += len(joiner)
            a = pos
        else:
            pos += 1
    items.append((a, end))
    out = []
    for n, (a, b) in enumerate(items):
        if n == 0:                  # the first item's left edge is wherever the regex began
            a = max(a, trace_left(doc, b, 14, floor=a))
        b = _without_verb_tail(doc, a, b)
        if 2 <= b - a <= 14 and name_like(doc, a, b, listed=True):
            out.append((a, b))
    return out


_TAIL_TAGS = frozenset({"d", "ad", "p", "c"})


def _without_verb_tail(doc: Doc, a: int, b: int) -> int:
    """An item's end before the verbs and adverbs that follow the list: 东风鸿泰分别…,
    复旦大学联合承办."""
    idx = token_index(doc)
    while b - a > 2:
        tok = doc.tokens[idx.at(b - 1)]
        if tok.end != b or tok.start < a + 2 or tok.text in internal_words() \
                or tok.tag not in _TAIL_TAGS and tok.text not in data.word_list("list_tail_verbs"):
            break
        b = tok.start
    return b


def find_alongside(doc: Doc, orgs: list[Mention]) -> list[tuple[int, int]]:
    """Names listed with a known organisation: 英矽智能、迈威生物与上海皓元."""
    out = []
    known = {(m.start, m.end) for m in orgs}
    pat = re.compile(r"[^、，,。；;：:\s（）()“”]{2,14}(?:(?:、|与|和|及|以及)[^、，,。；;：:\s（）()“”与和及]{2,14})+")
    for m in pat.finditer(doc.text):
        items = _list_items(doc, m.start(), m.end())
        if not any(span in known for span in items):
            continue
        for a, b in items:
            if (a, b) not in known and b - a <= 8 and proper_stem(doc, a, b) \
                    and not any(x.start < b and a < x.end for x in doc.mentions):
                out.append((a, b))
    return out


_OWNER = re.compile(r"(?:在[^，。；]{1,8})?(?:自主|联合|共同)?(?:研发|开发|研制|生产|推出|制造)?的"
                    r"(?:[^，。；、]{0,16}?)$")


def find_owners(doc: Doc, products: list[Mention]) -> list[tuple[int, int]]:
    """X的PRODUCT, X在浦东生产的PRODUCT: X owns the product."""
    out = []
    for p in products:
        m = _OWNER.search(doc.text, max(0, p.start - 30), p.start)
        if not m:
            continue
        end = m.start()
        start = trace_left(doc, end, 10)
        if 2 <= end - start and name_like(doc, start, end) and has_anchor(doc, start, end):
            out.append((start, end))
    return out


_UNIT_ENDING = re.compile(r"(?:部|处|司|科|办公室|办公厅|团队|课题组|系|实验室)$")


def _mark_units(doc: Doc, found: list[tuple[int, int, str]], orgs: list[Mention]) -> list[tuple[int, int, str]]:
    """中国国际贸易促进委员会上海浦东分会出国展览部: an organisation name plus an
    internal unit is a unit of that organisation (H3), not a new organisation."""
    starts: dict[int, list[int]] = {}
    for a, b, rule in found:
        if rule != "unit":
            starts.setdefault(a, []).append(b)
    for m in orgs:
        starts.setdefault(m.start, []).append(m.end)
    out = []
    for a, b, rule in found:
        inner = [e for e in starts.get(a, []) if e < b]
        if rule != "unit" and inner and _UNIT_ENDING.search(doc.text[a:b]) and not doc.text.endswith("公司", a, b) \
                and not has_anchor(doc, max(inner), b):
            rule = "unit"
        out.append((a, b, rule))
    return out


def _overlaps(a: int, b: int, mentions: list[Mention]) -> bool:
    return any(m.start < b and a < m.end for m in mentions)


_LIST = re.compile(r"[^、，,。；;：:\s（）()“”]{2,16}(?:、[^、，,。；;：:\s（）()“”]{2,16}){2,}")
_LIST_TAIL = re.compile(r"(?:(?:等|等等)(?:[\u4e00-\u9fff]{0,4}(?:机构|企业|公司|单位|基金|股东|投资方|投资人|医院|高校))?"
                        r"|(?:联合|共同)?(?:主办|承办|协办|发起|参与|出资|投资|领投|跟投|参投))$")


def expand_lists(doc: Doc, known: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """In a 、-list of three or more items where most items are organisations already
    (东方富海、正心谷创新资本、海通资本、方正和生 …), the other name-shaped items are too."""
    out = []
    spans = set(known)
    for m in _LIST.finditer(doc.text):
        items = _split_items(doc.text, m.start(), m.end())
        a, b = items[0]                                 # the first item starts after 包括, 由 …
        items[0] = (max(a, trace_left(doc, b, 12, floor=a)), b)
        hits = sum(1 for it in items if it in spans)
        if hits < 2 or hits * 2 < len(items):
            continue
        for a, b in items:
            person = next((p for p in doc.mentions if (p.start, p.end) == (a, b) and p.rule == "model"
                           and p.type == EntityType.PERSON), None)
            if person is not None:                      # 艾力斯 among companies: the model's person was one
                doc.mentions.remove(person)
            if (a, b) in spans or any(x < b and a < y for x, y in known):
                continue
            name = doc.text[a:b]
            if 2 <= b - a <= 12 and not is_generic(name) and name not in generic_places() \
                    and name not in CATEGORY_NOUNS and not re.search(r"[的了是在和与及]", name) \
                    and doc.tokens[token_index(doc).at(a)].tag not in ("v", "d", "p", "c", "r", "m"):
                out.append((a, b))
    return out


def _split_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    items, a = [], start
    for part in text[start:end].split("、"):
        b = a + len(part)
        tail = _LIST_TAIL.search(text, a, b)
        items.append((a, tail.start() if tail and tail.start() - a >= 2 else b))
        a = b + 1
    return items


@factory("organizations", requires=("tokens", "sentences", "mentions"), assigns=("mentions",))
def make_organizations(vocab):
    org_suffix_re()

    def organizations(doc: Doc) -> Doc:
        persons = [m for m in doc.mentions if m.type == EntityType.PERSON]
        found = []
        orgs = [m for m in doc.mentions if m.type == ORG]
        lexical_ends = {m.end: m.start for m in orgs if m.rule == "lexicon"}
        for a, b, kind in find_suffixed(doc):
            if _overlaps(a, b, persons) or lexical_ends.get(b, a) > a:
                continue                       # 仪式上海市科委: the known name 上海市科委 wins
            found.append((a, b, "unit" if kind == "unit" else "suffix"))
        for p in persons:
            for link in apposition.chain(doc, p, 0):
                if link.kind != "work":
                    continue                   # 诺贝尔奖得主, 院士: an honour names no employer
                span = org_from_segment(doc, link.org_start, link.org_end, orgs + [
                    Mention(a, b, doc.text[a:b], ORG) for a, b, _ in found])
                if span and not _overlaps(*span, persons):
                    found.append((*span, "apposition"))
        found += [(a, b, "list") for a, b in find_listed(doc) if not _overlaps(a, b, persons)]
        found += [(a, b, "list") for a, b in find_alongside(
            doc, orgs + [Mention(a, b, doc.text[a:b], ORG) for a, b, _ in found])]
        products = [m for m in doc.mentions if m.type == EntityType.PRODUCT]
        for a, b in find_owners(doc, products):   # 康诺思腾自主研发的…: the owner, not the model's person 康诺思
            doubtful = [p for p in persons if a <= p.start and p.end <= b and p.rule == "model"
                        and not model_agrees(doc, p.start, p.end, least=0.9, label="PER")]
            if not _overlaps(a, b, [p for p in persons if p not in doubtful]):
                for p in doubtful:
                    doc.mentions.remove(p)
                found.append((a, b, "owner"))
        known = [(m.start, m.end) for m in orgs] + [(a, b) for a, b, _ in found]
        found += [(a, b, "list") for a, b in expand_lists(doc, known) if not _overlaps(a, b, persons)]
        found = _mark_units(doc, found, orgs)
        for a, b, rule in found:
            a, b = trim_opening(doc, a, b), trim_body(doc, a, b)
            if not is_generic(doc.text[a:b]):
                add_mention(doc, a, b, ORG, rule)
        return doc
    return organizations
