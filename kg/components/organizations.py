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
from functools import cache

from kg import data
from kg.components import apposition
from kg.components.spans import (
    ANCHOR_TAGS, add_mention, can_be_in_name, has_anchor, is_generic, token_index, trace_left,
)
from kg.components.tokens import tag_table
from kg.model import Doc, EntityType, Mention
from kg.pipeline import factory

ORG = EntityType.ORGANIZATION
MAX_NAME = 24
LIST_HEADS = ("企业", "公司", "药企", "机构", "医院", "高校", "院校", "单位", "平台", "巨头", "集团",
              "伙伴", "药厂", "厂商", "投资机构", "基金", "银行", "创业公司", "初创企业", "跨国药企")


@cache
def suffixes() -> dict[str, str]:
    return {s: kind for s, kind in data.table("org_suffixes.tsv", 2)}


@cache
def suffix_re() -> re.Pattern:
    alts = "|".join(re.escape(s) for s in sorted(suffixes(), key=len, reverse=True))
    return re.compile(alts)


def find_suffixed(doc: Doc) -> list[tuple[int, int, str]]:
    """(start, end, kind) of names ending in an organisation suffix."""
    idx = token_index(doc)
    tags = tag_table()
    out = []
    for m in suffix_re().finditer(doc.text):
        s, e = m.span()
        if e not in idx.ends:                       # 中心城区: the suffix is inside a longer word
            continue
        start = trace_left(doc, s, MAX_NAME)
        name = doc.text[start:e]
        if start >= s and len(name) <= len(m.group(0)):
            continue
        kind = suffixes()[m.group(0)]
        if tags.get(name, "nt") not in ("nt", "ns", "nz", "j") and len(m.group(0)) == 1:
            continue                                 # 全部, 总部, 干部: an ordinary word
        if not (has_anchor(doc, start, s) or tags.get(name) in ("nt", "nz", "j")):
            continue
        out.append((start, e, kind))
    return out


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
    if end - start <= 8 and all(can_be_in_name(t) for t in toks) and has_anchor(doc, start, end):
        return start, end
    stop = toks[0].end
    for t in toks[1:]:
        if t.text in suffixes():
            stop = t.end
            break
        if t.tag not in ANCHOR_TAGS:
            break
        stop = t.end
    if stop - start < 2 or not has_anchor(doc, start, stop):
        return None
    return start, stop


def find_listed(doc: Doc) -> list[tuple[int, int]]:
    """Items of `A、B、C等…企业` and `（A、B等）`."""
    heads = "|".join(LIST_HEADS)
    out = []
    pats = (rf"((?:[^、，,。；;：:\s（）()“”]{{2,14}}、)+[^、，,。；;：:\s（）()“”]{{2,14}})"
            rf"等(?:[^，,。；;、]{{0,10}}?)(?:{heads})",
            r"[（(]((?:[^、，。（）()]{2,14}、)+[^、，。（）()]{2,14})等[）)]")
    for pat in pats:
        for m in re.finditer(pat, doc.text):
            out.extend(_list_items(doc, m.start(1), m.end(1)))
    return out


def _list_items(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    items, pos = [], start
    for part in re.split(r"(、|及|以及|和|与)", doc.text[start:end]):
        if part in ("、", "及", "以及", "和", "与"):
            pos += len(part)
            continue
        a, b = pos, pos + len(part)
        pos = b
        if a == start:              # the first item's left edge is wherever the regex began
            a = trace_left(doc, b, 14, floor=start) if b - a > 8 else a
        if 2 <= b - a <= 14 and has_anchor(doc, a, b):
            items.append((a, b))
    return items


def find_owners(doc: Doc, products: list[Mention]) -> list[tuple[int, int]]:
    """X的PRODUCT and 以PRODUCT闻名的X."""
    out = []
    for p in products:
        if doc.text[p.start - 1:p.start] == "的":
            end = p.start - 1
            start = trace_left(doc, end, 10)
            if 2 <= end - start and has_anchor(doc, start, end):
                out.append((start, end))
    return out


def _overlaps(a: int, b: int, mentions: list[Mention]) -> bool:
    return any(m.start < b and a < m.end for m in mentions)


@factory("organizations", requires=("tokens", "sentences", "mentions"), assigns=("mentions",))
def make_organizations():
    suffix_re(), tag_table()

    def organizations(doc: Doc) -> Doc:
        persons = [m for m in doc.mentions if m.type == EntityType.PERSON]
        found = []
        for a, b, kind in find_suffixed(doc):
            if not _overlaps(a, b, persons):
                found.append((a, b, "unit" if kind == "unit" else "suffix"))
        orgs = [m for m in doc.mentions if m.type == ORG]
        for p in persons:
            for link in apposition.chain(doc, p, 0):
                a, b = link.org_start, link.org_end
                if b - a < 2 or any(x[0] >= a and x[1] <= b for x in found) \
                        or apposition.org_in_segment(doc, a, b, orgs):
                    continue
                span = derive_org(doc, a, b)
                if span and not _overlaps(*span, persons):
                    found.append((*span, "apposition"))
        found += [(a, b, "list") for a, b in find_listed(doc) if not _overlaps(a, b, persons)]
        products = [m for m in doc.mentions if m.type == EntityType.PRODUCT]
        found += [(a, b, "owner") for a, b in find_owners(doc, products)]
        for a, b, rule in found:
            if not is_generic(doc.text[a:b]):
                add_mention(doc, a, b, ORG, rule)
        return doc
    return organizations
