"""Names the trained recogniser finds (PER, ORG) that no rule found.

The CRF (kg/extraction/nertagger.py, trained by kg/train from CLUENER2020's train split)
runs once per document over jieba's words; its spans stay on the Doc (doc.model_spans)
for the rules to use.  After the rules, a span no rule covered becomes a mention when it
still looks like a name once its edges are tidied: rules keep typing, boundaries and
precision, the model adds recall on names the rules have never seen.

A model ORG must name something: end in an organisation ending, or hold a proper-name
word (a word jieba does not know, a brand, an abbreviation, Latin), and not be a place,
a category or a phrase of ordinary words (上海生物医药产业 is not a company).  A model
PER must be a Chinese name (a known surname and one or two characters), a transliterated
name with a name dot, or two or three capitalised Latin words.
"""
from __future__ import annotations

import re

from kg.extraction.doc import Doc
from kg.extraction.nertagger import NameTagger
from kg.extraction.orgnames import (
    CATEGORY_NOUNS, GENERIC_MODIFIERS, LIST_HEADS, only_place, plain_stem, proper_stem, trim_body, trim_opening, word_brand,
)
from kg.extraction.pipeline import component, factory
from kg.extraction.text import CJK_RE, add_mention, has_anchor, is_generic, token_index
from kg.extraction.words import (
    generic_places, internal_words, org_suffixes, org_suffixes_longest_first, surnames, titles, translit_chars,
)
from kg.model import EntityType

ORG, PER = EntityType.ORGANIZATION, EntityType.PERSON
# The span's confidence (the least CRF marginal over it).  Measured on CLUENER dev and on the
# dev gold articles: spans at 0.9 or more are names 80-90 % of the time, below 0.6 rarely.
SURE, DOUBTFUL = 0.9, 0.6
# A person span this sure is a name even where jieba files the word as a noun (温格, 马力).
CERTAIN = 0.97
PROPER_TAGS = {"x", "nz", "nt", "nr", "nrt", "nrfg", "j", "eng"}
EDGE_TAGS = {"v", "vd", "d", "p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "rr", "y", "m", "q",
             "punct", "space", "f", "ad"}
_LATIN_RUN = re.compile(r"[A-Z][A-Za-z0-9&'.\-]*(?: [A-Z&][A-Za-z0-9&'.\-]*)*")
_LATIN_NAME = re.compile(r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,2}")
_FOREIGN = re.compile(r"[\u4e00-\u9fff]{1,8}(?:[·•・][\u4e00-\u9fff]{1,8}){1,3}")


@factory("names_model", requires=("tokens",), assigns=("model_spans",))
def make_names_model(vocab):
    tagger = NameTagger.load()

    def names_model(doc: Doc) -> Doc:
        doc.model_spans = tagger.tag(doc.text, [(t.start, t.end) for t in doc.tokens])
        return doc

    def pipe(docs: list[Doc]) -> list[Doc]:           # one numpy pass for many short articles
        spans = tagger.tag_many([(d.text, [(t.start, t.end) for t in d.tokens]) for d in docs])
        for d, s in zip(docs, spans, strict=True):
            d.model_spans = s
        return docs
    names_model.pipe = pipe
    return names_model


def add_model_mentions(doc: Doc, label: str) -> None:
    """The model's `label` spans no rule covered, tidied and checked, as mentions.  A sure
    person span that only lengthens a rule's person (杰夫 -> 杰夫马萨) replaces it."""
    etype = PER if label == "PER" else ORG
    for s in doc.model_spans:
        if s.label != label or s.score < DOUBTFUL:
            continue
        span = tidy(doc, s.start, s.end, label)
        if span is None:
            continue
        a, b = span
        sure = s.score >= SURE
        overlapping = [m for m in doc.mentions if m.start < b and a < m.end]
        if sure and overlapping and all(
                m.type == etype and a <= m.start and m.end <= b and (m.start, m.end) != (a, b) for m in overlapping) \
                and (label == "PER" or _longer_name(doc, a, b, overlapping)):
            for m in overlapping:                           # 杰夫 -> 杰夫马萨, 阿里巴巴集团 -> 阿里巴巴集团达摩院
                doc.mentions.remove(m)
        elif overlapping:
            continue
        ok = person_like(doc, a, b, sure, s.score >= CERTAIN) if label == "PER" else organisation_like(doc, a, b, sure)
        if ok:
            add_mention(doc, a, b, etype, "model")


@component("model_persons", requires=("model_spans", "mentions"), assigns=("mentions",))
def model_persons(doc: Doc) -> Doc:
    add_model_mentions(doc, "PER")
    return doc


@component("model_organizations", requires=("model_spans", "mentions"), assigns=("mentions",))
def model_organizations(doc: Doc) -> Doc:
    add_model_mentions(doc, "ORG")
    return doc


def tidy(doc: Doc, start: int, end: int, label: str) -> tuple[int, int] | None:
    """The span without line breaks, spaces, punctuation, glued verbs or titles at its edges."""
    text = doc.text
    cut = text.find("\n", start, end)
    if cut >= 0:
        end = cut
    if label == "PER":                                          # a name has no edges to tidy
        return (start, end) if end - start >= 2 and text[start:end].strip() == text[start:end] else None
    if text[start:end].isascii():                               # Venrock | Healthcare Capital Partners
        run = next((m for m in _LATIN_RUN.finditer(text, max(0, start - 40), min(len(text), end + 40))
                    if m.start() <= start and m.end() >= end), None)
        if run:
            start, end = run.span()
    while start < end and not (text[start].isalnum() or text[start] in "（("):
        start += 1
    while end > start and not (text[end - 1].isalnum() or text[end - 1] in "）)"):
        end -= 1
    if text.count("(", start, end) + text.count("（", start, end) != \
            text.count(")", start, end) + text.count("）", start, end):
        return None
    idx = token_index(doc)
    while start < end:                                          # 时任银河基金, 得益于政府
        tok = doc.tokens[idx.at(start)]
        if tok.start == start and tok.end < end and tok.tag in EDGE_TAGS and CJK_RE.match(tok.text):
            start = tok.end
        else:
            break
    while end > start:                                          # 国投招商共同领投, 银河金控党委委员
        tok = doc.tokens[idx.at(end - 1)]
        title = next((t for t in _titles_longest() if text.endswith(t, start, end) and end - len(t) > start + 1), None)
        if title:
            end -= len(title)
        elif tok.end == end and tok.start > start and tok.tag in EDGE_TAGS and CJK_RE.match(tok.text):
            end = tok.start
        else:
            break
    start, end = trim_opening(doc, start, end), trim_body(doc, start, end)
    return (start, end) if end - start >= 2 else None


_TITLES: tuple[str, ...] = ()


def _titles_longest() -> tuple[str, ...]:
    global _TITLES
    if not _TITLES:
        _TITLES = tuple(sorted((t for t in titles() if len(t) > 1), key=len, reverse=True))
    return _TITLES


def organisation_like(doc: Doc, start: int, end: int, sure: bool = False) -> bool:
    """A model ORG span is kept when it reads as a name the way the suffix rules read one: an
    organisation ending after a proper stem (an industry ending needs a brand: 邦耀生物, not
    中国生物医药), or, with no ending, a proper-name word that is not a place; and it is not a
    place, a category, a list or a description (行业协会, 高校和研究院所, 相关部门)."""
    name = doc.text[start:end]
    if is_generic(name) or name in generic_places() or name in CATEGORY_NOUNS or name.endswith(LIST_HEADS[:4]) \
            or re.search(r"[和与及、]|相关|有关|权威", name) or name.startswith(GENERIC_MODIFIERS[:12]):
        return False
    if name.isascii():
        return bool(re.search(r"[A-Za-z]{2}", name)) and (sure or not name.islower())
    idx = token_index(doc)
    tokens = [t for t in doc.tokens[idx.at(start):idx.at(end - 1) + 1] if t.start < end and t.end > start]
    if tokens and tokens[0].tag in ("v", "r", "d", "p", "c", "u", "uj", "m", "q", "f", "t"):
        return False                                            # 勾勒出…, 还有…, 我就…: a clause
    if any(t.tag in ("v", "p") and t.text not in internal_words() for t in tokens[1:]) or len(name) > 20:
        return False                                            # …一周时间内第二次增持…, 蓝湾投资对…: a clause
    if len(tokens) > 1 and tokens[-1].tag in ("v", "vn") and not tokens[-1].text.endswith(org_suffixes_longest_first()):
        return False                                            # 浦东布局
    suffix = next((s for s in org_suffixes_longest_first() if name.endswith(s) and len(name) > len(s)), None)
    if suffix:
        stem_end = end - len(suffix)
        if org_suffixes()[suffix] == "industry":
            return proper_stem(doc, start, stem_end) or word_brand(doc, start, stem_end, end)
        return has_anchor(doc, start, stem_end) and not only_place(doc, start, stem_end) \
            or plain_stem(doc, start, stem_end) or proper_stem(doc, start, stem_end)
    proper = [t for t in tokens if t.tag in PROPER_TAGS and len(t.text) >= 2 and t.text not in generic_places()]
    one_word = len(tokens) == 1 and len(name) >= 2 and tokens[0].tag in ("ns", "n", "nz", "nt")
    return sure and (bool(proper) or one_word)                 # 曼联, 皇马: a club jieba files as a place


def _longer_name(doc: Doc, a: int, b: int, inner: list) -> bool:
    """Does a sure model span name a unit of the organisation a rule found inside it (阿里巴巴集团
    达摩院, 中国信通院华东分院): it starts with that name and ends in an organisation ending of its own?"""
    name = doc.text[a:b]
    suffix = next((x for x in org_suffixes_longest_first() if name.endswith(x)), None)
    return suffix is not None and org_suffixes()[suffix] == "org" and any(m.start == a for m in inner) \
        and max(m.end for m in inner) <= b - len(suffix) and "、" not in name and not re.search(r"[和与及]", name)


def _quoted(doc: Doc, start: int, end: int) -> bool:
    return doc.text[start - 1:start] in "“\"「『" and doc.text[end:end + 1] in "”\"」』"


def _listed_with(doc: Doc, start: int, end: int, kind) -> bool:
    """Is [start, end) an item of a 、-list most of whose other items are of `kind`?"""
    text = doc.text
    left, right = start, end
    while left > 0 and text[left - 1] not in "，。；：\n（）()":
        left -= 1
    while right < len(text) and text[right] not in "，。；：\n（）()":
        right += 1
    parts, pos = [], left
    for part in text[left:right].split("、"):
        parts.append((pos, pos + len(part)))
        pos += len(part) + 1
    others = [(a, b) for a, b in parts if (a, b) != (start, end)]
    return len(parts) >= 3 and len(others) >= 2 and sum(kind(a, b) for a, b in others) * 2 > len(others)


def person_like(doc: Doc, start: int, end: int, sure: bool = False, certain: bool = False) -> bool:
    """A Chinese name (surname + one or two characters), a transliterated one (every character
    one that transliterations use: 温格, 迈克尔莱维特), or Latin words (any case when sure)."""
    name = doc.text[start:end]
    if _FOREIGN.fullmatch(name) or _LATIN_NAME.fullmatch(name) or sure and re.fullmatch(r"[A-Za-z][a-z]+", name):
        return True
    if not all(CJK_RE.match(c) for c in name) or name in generic_places() or _quoted(doc, start, end) \
            or _listed_with(doc, start, end, lambda a, b: doc.text[a:b] in generic_places()):
        return False                                            # 杨浦 among districts, “达芬奇” (a brand)
    single, double = surnames()
    transliterated = len(name) >= 2 and all(c in translit_chars() for c in name)
    chinese = 2 <= len(name) <= 4 and (name[:1] in single or name[:2] in double)
    if not (chinese or transliterated or sure and 2 <= len(name) <= 6):
        return False
    tag = doc.vocab.tags.get(name)
    if tag is not None and not tag.startswith("nr") and not (certain and (chinese or transliterated)):
        return False                                            # 杨浦, 学科: a word, not a name
    after = doc.text[end:end + 1]
    if CJK_RE.match(after) and end not in token_index(doc).ends and not certain:
        return False                                            # 康诺思|腾: the word runs on
    return not (after and after in "省市区县局院所司部")
