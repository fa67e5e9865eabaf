"""Products: drugs, devices and software with a brand or INN name.

- INN stems and dosage forms (kg/data/product_patterns.tsv): 瑞基奥仑赛注射液,
  宗艾替尼片, 依苏帕格鲁肽α;
- device endings after a brand: 达芬奇手术机器人, Ion支气管导航操作控制系统;
- Latin brand names in product contexts: 产品“TyU19”, 磁共振uMR Ultra正式获得…批准,
  搭载uAIFI.LIVE, 罗视佳®; generic classes (CAR-T, ADC, PET/CT) are never products.
"""
from __future__ import annotations

import re
from functools import cache

from kg import data
from kg.extraction.doc import Doc
from kg.extraction.pipeline import factory
from kg.extraction.text import add_mention, has_anchor, is_generic, token_index, trace_left
from kg.model import EntityType

PRODUCT = EntityType.PRODUCT
_LATIN_NAME = r"[A-Za-z][A-Za-z0-9.\-]*(?: [A-Z][A-Za-z0-9.\-]*)*"
_CONTEXTS = (
    # 产品“TyU19” / 产品"NEO": quoted names with Latin letters
    re.compile(r"(?:产品|药物|药品|疗法|器械|设备|系统|平台|软件|模型|机器人|新药)[“\"]"
               r"([^”\"，。]*[A-Za-z][^”\"，。]*)[”\"]"),
    re.compile(r"(?:产品|药物|设备|系统|平台|软件|机器人|磁共振|新药)(" + _LATIN_NAME + r")"),
    # uMR Ultra正式获得…批准 / Enhertu获得…批准上市
    re.compile(r"(" + _LATIN_NAME + r")(?:已|正式|近日|相继)?(?:获得|获|通过|取得)(?:了)?(?:[^，。；]{0,24}?)"
               r"(?:批准|认证|许可|注册证|上市)"),
    re.compile(r"(?:研发的|开发的|推出的|发布的|搭载)(?:[^，。；“”]{0,6}?)(" + _LATIN_NAME + r")"),
)
_BRAND_MARK = re.compile(r"[®™]")


@cache
def endings() -> dict[str, str]:
    return {e: kind for e, kind in data.table("product_patterns.tsv", 2)}


@cache
def ending_re() -> re.Pattern:
    alts = "|".join(re.escape(e) for e in sorted(endings(), key=len, reverse=True))
    return re.compile(rf"(?:{alts})(?:[αβγ])?")


def find_by_ending(doc: Doc) -> list[tuple[int, int]]:
    idx = token_index(doc)
    out = []
    drugs: dict[int, int] = {}                        # end -> start of INN names found so far
    for m in ending_re().finditer(doc.text):
        s, e = m.span()
        kind = endings()[m.group(0).rstrip("αβγ")]
        if e < len(doc.text) and re.match(r"[\u4e00-\u9fff]", doc.text[e]) and e not in idx.ends \
                and not (kind == "inn" and ending_re().match(doc.text, e)):
            continue                                  # 地平仪, 头孢菌: the ending runs on into a word
        covering = doc.tokens[idx.at(s)] if doc.tokens else None
        if kind == "dosage" and covering and covering.start < s and covering.tag not in ("x", "eng"):
            continue                                  # 芯片, 图片: the ending is part of a common word
        if kind == "dosage" and doc.text[s - 1:s] in "这那该此每整一几两半全各":
            continue                                  # 这片土地: a demonstrative, not a drug
        if kind == "inn":
            start = drugs.get(s) or _inn_start(doc, s)      # 特瑞普利 + 单抗: one name
            drugs[e] = start
        elif kind == "dosage" and s in drugs:
            start = drugs[s]                          # 奥莫替尼 + 片
        else:
            start = _skip_category(doc.text, trace_left(doc, s, 16), s)
        name = doc.text[start:e]
        if len(name) <= len(m.group(0)):
            continue                                  # 铂, 注射液: an ending alone names nothing
        if kind == "device" and not has_anchor(doc, start, s):
            continue
        if kind == "dosage" and s not in drugs and not (
                re.search(r"[\u4e00-\u9fff]{2}", doc.text[start:s]) and has_anchor(doc, start, s)
                and (len(m.group(0)) > 1 or _drug_like(doc, start, s))):
            continue                                  # 华语片, 日语片: films, not tablets
        out.append((start, e))
    return out


_BRAND_TAGS = {"x", "eng", "nz", "nrt", "nr", "ns", "g", "zg", "j", "nrfg"}


def _inn_start(doc: Doc, s: int) -> int:
    """An INN name is one word: the dictionary word holding the stem (红霉素), or
    the run of unknown pieces before it (瑞|基奥|仑赛), at most 8 characters."""
    idx = token_index(doc)
    i = idx.at(s)
    covering = doc.tokens[i]
    if covering.start < s and len(covering.text) >= 3 and covering.tag != "x":
        return covering.start
    start = covering.start
    i -= 1
    while i >= 0 and s - doc.tokens[i].start <= 8:
        tok = doc.tokens[i]
        single = len(tok.text) == 1 and re.match(r"[\u4e00-\u9fff]", tok.text) \
            and tok.tag not in ("p", "c", "d", "r", "u", "uj", "ul", "v", "f", "m", "q")
        if not (tok.tag in _BRAND_TAGS or single):
            break
        start = tok.start
        i -= 1
    return start


# Words that say what kind of product follows, not its name: 新药瑞泽达单抗注射液
_CATEGORY = data.word_list("product_category_words")


_CLASS = re.compile(r"(?:\d+(?:\.\d+)?|[一二三])类(?:创新药|新药|药品|药|医疗器械|器械)?")


def _skip_category(text: str, start: int, end: int) -> int:
    changed = True
    while changed:
        changed = False
        m = _CLASS.match(text, start)
        if m and end - m.end() >= 2:
            start, changed = m.end(), True   # 1类创新药瑞维鲁胺片
        for word in _CATEGORY:
            if text.startswith(word, start) and end - (start + len(word)) >= 2:
                start += len(word)
                changed = True
    return start


def _drug_like(doc: Doc, start: int, end: int) -> bool:
    """A drug name before 片/栓: an INN stem, or a word jieba does not know."""
    stem = doc.text[start:end]
    if any(stem.endswith(e) for e, kind in endings().items() if kind == "inn"):
        return True
    idx = token_index(doc)
    last = doc.tokens[idx.at(end - 1)]
    return last.tag == "x" and len(last.text) >= 2


def find_in_context(doc: Doc) -> list[tuple[int, int]]:
    out = []
    for n, pat in enumerate(_CONTEXTS):
        for m in pat.finditer(doc.text):
            a, b = m.span(1)
            name = doc.text[a:b].strip()
            if len(name) < 2 or is_generic(name) or (n >= 2 and _is_acronym(name)):
                continue                # after 获得/研发 an acronym is a body (FDA) or mark (CE)
            out.append((a, a + len(name)))
    for m in _BRAND_WORD.finditer(doc.text):
        if not is_generic(m.group(0)):
            out.append(m.span())
    return out


# uEXPLORER, uMR, TyU19: the casing of device and software brands
_BRAND_WORD = re.compile(r"(?<![A-Za-z0-9])(?:[a-z][A-Z]{2,}[A-Za-z0-9]*(?: [A-Z][a-z]+)?|[A-Z][a-z]+[A-Z][A-Za-z]*\d+)(?![A-Za-z0-9])")


def find_branded(doc: Doc) -> list[tuple[int, int]]:
    """罗视佳®: the brand is the unknown (or Latin) words right before the mark."""
    idx = token_index(doc)
    out = []
    for m in _BRAND_MARK.finditer(doc.text):
        i = idx.at(m.start() - 1) if m.start() else -1
        start = m.start()
        tags = ("eng", "space") if i >= 0 and doc.tokens[i].tag == "eng" else ("x", "nz")   # Keytruda® / 百悦泽®
        while i >= 0 and doc.tokens[i].tag in tags and m.start() - doc.tokens[i].start <= 12:
            start = doc.tokens[i].start
            i -= 1
        start += len(doc.text[start:m.start()]) - len(doc.text[start:m.start()].lstrip())
        start = _skip_category(doc.text, start, m.start())
        if m.start() - start >= 2:
            out.append((start, m.start()))
    return out


def _is_acronym(name: str) -> bool:
    """All-capital short words (FDA, NMPA, CE) are bodies or marks, not products."""
    return bool(re.fullmatch(r"[A-Z]{2,5}", name))


@factory("products", requires=("tokens", "sentences"), assigns=("mentions",))
def make_products(vocab):
    ending_re()

    def products(doc: Doc) -> Doc:
        for a, b in sorted(set(find_by_ending(doc) + find_in_context(doc) + find_branded(doc))):
            add_mention(doc, a, b, PRODUCT, "product")
        return doc
    return products
