"""Aliases stated inside an article, and the mentions they imply.

- X（以下简称“Y”）, X（简称Y）, X，简称Y;
- X（English Name）, X(ABBR), X（English Name, ABBR）;
- a country or city in front of a name: 美国FDA -> FDA, 日本第一三共株式会社;
- a transliterated person's family name alone: 安吉拉·库库拉 -> 库库拉;
- the stem of a suffixed organisation used alone: 博睿康公司 -> 博睿康.
Every alias (and every name found once) is then looked for again in the
text, so later mentions count and carry evidence.
"""
from __future__ import annotations

import re

from kg import data
from kg.extraction.doc import Doc
from kg.extraction.pipeline import component
from kg.extraction.text import add_mention, has_anchor, is_generic, token_index
from kg.extraction.words import event_suffix_re, org_suffixes, org_suffixes_longest_first
from kg.model import EntityType, Mention
from kg.names import leading_place, places

COUNTRIES = data.word_list("countries")
_DOSAGE_FORMS = tuple(data.word_list("dosage_forms"))
NATIONS = frozenset(data.word_list("nations"))
# （以下简称“X”）, and with more said before the bracket closes: （下称“力帆股份”，股票代码：601777）
_SHORT = re.compile(r"^[（(](?:以下|下文)?(?:简称|下称|简称为|以下称)[:：]?[“\"「《]?([^”\"」》）)，,]{1,20})[”\"」》]?"
                    r"(?:[，,；;][^（）()]{0,40})?[）)]")
_SHORT_COMMA = re.compile(r"^[，,](?:以下)?简称[“\"「《]?([^”\"」》，。]{1,20})[”\"」》]?")
_PAREN = re.compile(r"^[（(]([^（）()]{2,80})[）)]")
_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9 .&'\-]*$")
# NHS（英国国家医疗服务体系）: an acronym glossed by a Chinese organisation name
_GLOSS = re.compile(r"\b([A-Z][A-Za-z]{1,7})[（(]([\u4e00-\u9fff]{3,24})[）)]")
_GLOSS_ENDINGS = data.word_list("gloss_endings")


def find_alias_pairs(doc: Doc) -> list[tuple[Mention, int, int]]:
    """(mention, alias start, alias end) for aliases stated after a mention."""
    out = []
    text = doc.text
    for m in doc.mentions:
        skip = len(text[m.end:m.end + 3]) - len(text[m.end:m.end + 3].lstrip("®™》” ?？"))
        if text[m.end + skip:m.end + skip + 1] not in "（(，,":
            skip = 0                                # a lost ® (达攸同 ?(…)) only before brackets
        rest = text[m.end + skip:m.end + skip + 90]
        hit = _SHORT.match(rest) or _SHORT_COMMA.match(rest)
        if hit:
            out.append((m, m.end + skip + hit.start(1), m.end + skip + hit.end(1)))
            continue
        hit = _PAREN.match(rest)
        if not hit:
            continue
        twin = next((x for x in doc.mentions if x.type == m.type and x.start == m.end + skip + hit.start(1)
                     and x.end == m.end + skip + hit.end(1)), None)
        if twin is not None:                       # 百悦泽®（泽布替尼胶囊）: one product, two names
            doc.aliases.append((m.text, twin.text))
            continue
        if m.type == EntityType.PRODUCT and hit.group(1).endswith(_DOSAGE_FORMS):
            inner = m.end + skip + hit.start(1)     # 达攸同（贝伐珠单抗生物类似药）: the brand of that drug
            for x in [x for x in doc.mentions if x.type == m.type and x.start == inner and x.end < inner + len(hit.group(1))]:
                doc.mentions.remove(x)
            out.append((m, inner, inner + len(hit.group(1))))
            continue
        inner_start = m.end + skip + hit.start(1)
        pos = inner_start
        for part in re.split(r"([,，;；])", hit.group(1)):
            name = part.strip()
            if _LATIN.match(name) and len(name) >= 2 and not is_generic(name):
                a = text.index(name, pos)
                out.append((m, a, a + len(name)))
            pos += len(part)
    return out


def _without_country(name: str) -> str | None:
    for c in sorted(COUNTRIES, key=len, reverse=True):
        rest = name[len(c):]
        if name.startswith(c) and len(rest) >= 3 and rest.endswith(tuple(org_suffixes())) and c in NATIONS:
            return rest
    return None


_BRAND_TAGS = {"x", "nz", "nt", "nr", "nrt", "nrfg", "j", "eng"}


def _without_place(doc: Doc, m: Mention) -> str | None:
    """山东皇明太阳能集团 -> 皇明太阳能集团: a province or city in front of a brand (not 沧州市人民政府)."""
    place = leading_place(m.text)
    if not place:
        return None
    rest = re.sub(r"^[省市]", "", m.text[len(place.name):])
    suffix = next((x for x in org_suffixes_longest_first() if rest.endswith(x)), None)
    if len(rest) < 4 or suffix is None or len(rest) - len(suffix) < 2:
        return None
    start = m.end - len(rest)
    idx = token_index(doc)
    if start not in idx.start_set:
        return None                                 # 上海交通大学 is one word: no place to take off
    stem_end = m.end - len(suffix)
    inside = [t for t in doc.tokens[idx.at(start):idx.at(stem_end - 1) + 1] if t.start >= start and t.end <= stem_end]
    brand = any(t.tag in _BRAND_TAGS and len(t.text) > 1 and t.text not in places() for t in inside)
    return rest if brand else None             # 皇明 is a brand; 药品监督管理, 胸科 are not


def country_prefix(doc: Doc, m: Mention) -> int:
    """Start of a country/city prefix glued in front of an organisation mention."""
    for c in sorted(COUNTRIES, key=len, reverse=True):
        if doc.text.startswith(c, m.start - len(c)):
            return m.start - len(c)
    if m.rule == "lexicon" and m.start > 0:                 # 河北省发改委: a province's own body
        tok = doc.tokens[token_index(doc).at(m.start - 1)]
        if tok.end == m.start and tok.tag == "ns" and tok.text.endswith(("省", "市", "区", "县", "州")):
            return tok.start
    return m.start


@component("aliases", requires=("mentions", "tokens"), assigns=("aliases", "mentions"))
def aliases(doc: Doc) -> Doc:
    _glossed_acronyms(doc)
    for m, a, b in find_alias_pairs(doc):
        alias = add_mention(doc, a, b, m.type, "alias")
        if alias:
            doc.aliases.append((m.text, alias.text))
    for m in list(doc.mentions):
        if m.type == EntityType.ORGANIZATION and m.rule != "unit":
            bare = _without_country(m.text)
            if bare and has_anchor(doc, m.end - len(bare), m.end, national=False):
                # 德国海德堡大学 -> 海德堡大学 (but 英国癌症研究所 is not "癌症研究所" anywhere else)
                doc.aliases.append((m.text, bare))
            elif bare := _without_place(doc, m):
                doc.aliases.append((m.text, bare))
            start = country_prefix(doc, m)
            if start < m.start:
                full = add_mention(doc, start, m.end, m.type, "country", ref=m.ref)
                if full:
                    doc.aliases.append((full.text, m.text))
    _family_names(doc)
    _event_tails(doc)
    _stems(doc)
    _repeats(doc)
    return doc


def _glossed_acronyms(doc: Doc) -> None:
    for m in _GLOSS.finditer(doc.text):
        acronym, gloss = m.group(1), m.group(2)
        if is_generic(acronym) or not gloss.endswith(_GLOSS_ENDINGS):
            continue
        full = add_mention(doc, m.start(2), m.end(2), EntityType.ORGANIZATION, "gloss")
        short = add_mention(doc, m.start(1), m.end(1), EntityType.ORGANIZATION, "gloss")
        if full and short:
            doc.aliases.append((full.text, short.text))


def _family_names(doc: Doc) -> None:
    for m in list(doc.mentions):
        if m.type == EntityType.PERSON and "·" in m.text:
            family = m.text.rsplit("·", 1)[1]
            if len(family) >= 2 and doc.text.count(family) > doc.text.count(m.text):
                doc.aliases.append((m.text, family))


def _event_tails(doc: Doc) -> None:
    """2025上海国际生物医药产业周 -> 国际生物医药产业周, 产业周: shorter forms an
    article uses for its event, when they end with a distinctive event word."""
    idx = token_index(doc)
    for m in list(doc.mentions):
        if m.type != EntityType.EVENT:
            continue
        inside = [(x.start(), x.end()) for x in re.finditer(re.escape(m.text), doc.text)]
        for i in range(1, len(m.text) - 2):
            tail = m.text[i:]
            ending = event_suffix_re().search(tail)
            if not (ending and ending.end() == len(tail) and len(ending.group(0)) >= 3
                    and re.match(r"[\u4e00-\u9fff]", tail)):
                continue
            alone = [x.start() for x in re.finditer(re.escape(tail), doc.text)
                     if not any(a <= x.start() and x.end() <= b for a, b in inside)]
            if any(p in idx.start_set for p in alone):    # used on its own, from a word's start
                doc.aliases.append((m.text, tail))


def _stems(doc: Doc) -> None:
    """博睿康公司 -> 博睿康, when exactly one organisation has that stem."""
    stems: dict[str, set[str]] = {}
    tags = doc.vocab.tags
    ends = token_index(doc).ends          # 中国科学院 splits as 中国科学院, never as 中国科|学院
    for m in doc.mentions:
        if m.type != EntityType.ORGANIZATION or m.rule == "unit":
            continue
        for suf in org_suffixes_longest_first():
            stem = m.text[:-len(suf)]
            if m.text.endswith(suf) and len(stem) >= 2 and re.search(r"[\u4e00-\u9fff]", stem):
                if tags.get(stem) not in ("ns", "n", "v", "vn", "a") and not is_generic(stem) \
                        and m.start + len(stem) in ends and not _ordinary_phrase(doc, stem):
                    stems.setdefault(stem, set()).add(m.text)
                break
    for stem, fulls in stems.items():
        full = next(iter(fulls))
        if len(fulls) == 1 and doc.text.count(stem) > doc.text.count(full):   # used on its own somewhere
            doc.aliases.append((full, stem))


def _ordinary_phrase(doc: Doc, text: str) -> bool:
    """未来产业: made only of ordinary dictionary words, so not a name on its own."""
    tags = doc.vocab.tags
    words = doc.vocab.cut(text, hmm=False)
    return all(len(w) > 1 and tags.get(w) in ("n", "v", "vn", "t", "a", "d", "ns", "f", "b", "j", "m")
               for w in words)


def _repeats(doc: Doc) -> None:
    """Every further occurrence of a known name or alias is a mention too."""
    forms: dict[str, tuple[EntityType, str | None]] = {}
    for m in doc.mentions:
        if m.rule != "unit":
            forms.setdefault(m.text, (m.type, m.ref))
    for full, alias in doc.aliases:
        if full in forms:
            forms.setdefault(alias, forms[full])
    taken = [(m.start, m.end) for m in doc.mentions]
    taken.sort()
    for form in sorted(forms, key=len, reverse=True):
        if len(form) < 2 or (form.isascii() and len(form) < 2):
            continue
        etype, ref = forms[form]
        for hit in re.finditer(re.escape(form), doc.text):
            a, b = hit.span()
            if any(s < b and a < e for s, e in taken):
                continue
            if form.isascii() and _latin_touching(doc.text, a, b):
                continue
            if add_mention(doc, a, b, etype, "repeat", ref=ref):
                taken.append((a, b))


def _latin_touching(text: str, a: int, b: int) -> bool:
    return (a > 0 and text[a - 1].isascii() and text[a - 1].isalnum()) or \
           (b < len(text) and text[b].isascii() and text[b].isalnum())
