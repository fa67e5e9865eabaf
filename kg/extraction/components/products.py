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
from kg.extraction.words import generic_places, org_suffix_re, org_suffixes
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
        qualified = _qualifier_after(doc.text, e) > 0          # …灭活疫苗(Vero细胞): a registered name
        if kind == "dosage" and covering and covering.start < s and covering.tag not in ("x", "eng") \
                and not qualified:
            continue                                  # 芯片, 图片: the ending is part of a common word
        if kind == "dosage" and doc.text[s - 1:s] in "这那该此每整一几两半全各":
            continue                                  # 这片土地: a demonstrative, not a drug
        if kind == "inn":
            start = drugs.get(s) or _inn_start(doc, s)      # 特瑞普利 + 单抗: one name
            drugs[e] = start
        elif kind == "dosage" and s in drugs:
            start = drugs[s]                          # 奥莫替尼 + 片
        elif qualified:
            start = _registered_start(doc, s)
        else:
            start = _skip_category(doc.text, trace_left(doc, s, 16), s)
        name = doc.text[start:e]
        if len(name) <= len(m.group(0)):
            continue                                  # 铂, 注射液: an ending alone names nothing
        if kind == "device" and not has_anchor(doc, start, s, national=False):
            continue                                  # 中国手术机器人, 腔镜手术机器人: a kind, not a brand
        if kind == "dosage" and s not in drugs and not qualified and not (
                re.search(r"[\u4e00-\u9fff]{2}", doc.text[start:s]) and has_anchor(doc, start, s)
                and (len(m.group(0)) > 1 or _drug_like(doc, start, s))):
            continue                                  # 华语片, 日语片: films, not tablets
        out.append((start, e + _qualifier_after(doc.text, e)))
    return out


_QUALIFIER = re.compile(r"[（(](?=[^（）()]{0,14}[A-Za-z0-9])[^（）()，。、\n]{2,14}[）)]")


def _qualifier_after(text: str, e: int) -> int:
    """Length of a bracketed qualifier that is part of a registered name:
    新型冠状病毒灭活疫苗(Vero细胞), 重组新型冠状病毒疫苗(5型腺病毒载体)."""
    m = _QUALIFIER.match(text, e)
    return m.end() - e if m and re.search(r"[\u4e00-\u9fff]", m.group(0)) else 0


def _registered_start(doc: Doc, s: int) -> int:
    """A registered name (新型冠状病毒灭活疫苗(Vero细胞)) holds verbs and generic words; it starts
    after the company that owns it, a 的, or a break."""
    floor = max(0, s - 16)
    return max([floor] + [m.end for m in doc.mentions if floor <= m.end <= s]
               + [m.end() for m in org_suffix_re().finditer(doc.text, floor, s) if org_suffixes()[m.group(0)] == "org"]
               + [i + 1 for i in range(floor, s) if doc.text[i] in "的，。；：、,;:\n（）() "])


def merge_adjacent(doc: Doc, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Product names written back to back are one name: Sentire|思腾|®|腔镜手术机器人."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(set(spans)):
        if out and out[-1][1] <= a and re.fullmatch(r"[®™ ]*", doc.text[out[-1][1]:a]):
            out[-1] = (out[-1][0], b)
        elif out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
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


# Development codes of drugs and devices: SSGJ-707, HRS-9821, AK105, IBI308, BGB-3111 (three digits or
# more: targets and genes have fewer: PD-1, CD20, HER2, GLP-1), not stock codes (600276.SH).
_CODE = re.compile(r"(?<![A-Za-z0-9.\-])[A-Z]{2,6}-?\d{3,5}[A-Z]?(?:-\d{1,3}[A-Z]?)?(?![A-Za-z0-9]|\.[A-Z]{2}\b|%)")
# Brand + model number in product news: 小米15 Pro, 风神E70, 启辰D60EV, 骁龙8至尊版, Med-Go-32B.
_MODEL_NUMBER = re.compile(r"([\u4e00-\u9fff]{2,4})([A-Z]{0,3}\d{1,4}[A-Z]{0,3})((?: (?:Pro|Ultra|Max|Plus|Mini|Lite|SE))*)"
                           r"(?![\dA-Za-z])(系列|至尊版|标准版|旗舰版|青春版)?")
# A brand right before its generic name in brackets, its ® lost in copying (达伯华 ?(利妥昔单抗…)).
_BRAND_BEFORE_GENERIC = re.compile(r"([\u4e00-\u9fff]{2,4}|[A-Za-z][A-Za-z0-9\-]{1,15})\s?[®™?？]?\s?[（(]([^（）()]{2,40})[）)]")
_PRODUCT_NEWS = re.compile(r"推出|发布|上市|搭载|手机|汽车|车型|机型|芯片|平台|系列|型号|产品|新机|旗舰|版本")
_GENERIC_DRUG = re.compile(r"单抗|替尼|注射液|生物类似药|胶囊|片|疫苗|抗体|类似药")


def find_codes_and_models(doc: Doc) -> list[tuple[int, int]]:
    """Development codes, brand + model number names, and brands glossed by a generic drug name."""
    out = [m.span() for m in _CODE.finditer(doc.text) if not is_generic(m.group(0))]
    idx = token_index(doc)
    for m in _MODEL_NUMBER.finditer(doc.text):
        number = m.start(2)
        brand_tok = doc.tokens[idx.at(number - 1)] if number else None
        if brand_tok is None or brand_tok.end != number or len(brand_tok.text) < 2 \
                or doc.text[brand_tok.start - 1:brand_tok.start].isdigit() \
                or brand_tok.tag not in ("x", "nz", "eng", "j") and not (
                    brand_tok.tag in ("n", "nr", "nrt") and _PRODUCT_NEWS.search(_sentence_of(doc, number))) \
                or re.match(r"[\d.,]*(?:\.\d|年|月|日|号|个|家|款|项|名|位|人|亿|万|%|天|周|岁|届|次|期|倍|余|多|种|条|类|所|座|台)",
                            doc.text[number:]) or brand_tok.text in _CATEGORY:
            continue                                  # 启辰D60EV, 风神E70; not 生物获得19.7亿
        if brand_tok.text in generic_places() or is_generic(brand_tok.text):
            continue
        out.append((brand_tok.start, m.end()))
    for m in _BRAND_BEFORE_GENERIC.finditer(doc.text):
        a, b = _brand_start(doc, m.start(1), m.end(1)), m.end(1)
        if a is not None and _GENERIC_DRUG.search(m.group(2)) and not is_generic(doc.text[a:b]) \
                and doc.vocab.tags.get(doc.text[a:b]) in (None, "nz", "nr", "x", "eng"):
            out.append((a, b))
    return out


def _sentence_of(doc: Doc, pos: int) -> str:
    i = doc.sentence_at(pos)
    return doc.sentences[i].text if i >= 0 else ""


def _brand_start(doc: Doc, start: int, end: int) -> int | None:
    """The longest tail of [start, end) that starts on a word boundary and not with a function
    word (药物|达伯华 -> 达伯华, 及|苏立信 -> 苏立信)."""
    idx = token_index(doc)
    for a in range(start, end - 1):
        tok = doc.tokens[idx.at(a)]
        if a == tok.start and tok.tag not in ("c", "p", "u", "uj", "d", "r", "v", "m", "q", "f") \
                and doc.text[a] not in "及和与继或等的":
            return a
    return None


# CamelCase brands (ChatGPT, ChatGPT-4, DeepSeek) in a sentence about a product being made or used.
_CAMEL = re.compile(r"(?<![A-Za-z0-9])[A-Z][a-z]+(?:[A-Z]{2,}|[A-Z][a-z]+)+(?:-\d+(?:\.\d+)?[A-Za-z]?)?(?![A-Za-z0-9])")
_MADE = re.compile(r"推出|发布|上线|开源|研发|开发|模型|产品|版本|应用|搭载|接入|聊天机器人")
# A Chinese name quoted after a product word: 聊天机器人——“文心一言”, 产品“安诊儿”.
_QUOTED_AFTER = re.compile(r"(?:产品|药物|新药|疗法|器械|设备|系统|平台|软件|模型|大模型|机器人|应用|APP|App)"
                           r"[—\-：:\s]{0,3}[“\"]([\u4e00-\u9fffA-Za-z0-9·\-]{2,12})[”\"]")


# A Latin name right after a product word: 基座模型Med-Go-32B, 芯片M3 (not an acronym alone: 平台AI).
_LATIN_AFTER = re.compile(r"(?:模型|大模型|芯片|系统|软件|平台|机器人|疗法|药物|抗体)"
                          r"([A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)+|[A-Z][a-z]+[A-Z0-9][A-Za-z0-9]*)(?![A-Za-z0-9])")


def find_registered(doc: Doc) -> list[tuple[int, int]]:
    """A registered mark names a product: Astra星辰®内镜手术机器人 (the brand, ®, and the kind
    of product when a product ending follows), 星辰® alone otherwise."""
    out = []
    for m in re.finditer(r"[®™]", doc.text):
        start = trace_left(doc, m.start(), 16)
        kinds = [doc.text.rfind(w, start, m.start()) + len(w) for w in _CATEGORY if doc.text.rfind(w, start, m.start()) >= 0]
        start = max([start, *kinds])                  # 抗体药物|罗视佳®: the brand follows its kind
        if start >= m.start() or is_generic(doc.text[start:m.start()]):
            continue
        end = m.end()
        tail = re.match(r"[\u4e00-\u9fff]{0,10}", doc.text[end:])
        ending = next((x for x in ending_re().finditer(doc.text, end, end + tail.end())), None)
        out.append((start, ending.end() if ending else m.start()))
    return out


def find_brands(doc: Doc) -> list[tuple[int, int]]:
    out = [m.span(1) for m in _LATIN_AFTER.finditer(doc.text) if not is_generic(m.group(1))]
    for m in _CAMEL.finditer(doc.text):
        i = doc.sentence_at(m.start())
        if i >= 0 and _MADE.search(doc.sentences[i].text) and not is_generic(m.group(0)) \
                and not doc.text.startswith(("公司", "团队", "集团"), m.end()):
            out.append(m.span())
    out += [m.span(1) for m in _QUOTED_AFTER.finditer(doc.text) if not is_generic(m.group(1))]
    return out


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
        found = find_by_ending(doc) + find_in_context(doc) + find_branded(doc) + find_codes_and_models(doc) \
            + find_brands(doc) + find_registered(doc)
        for a, b in merge_adjacent(doc, found):
            for p in [p for p in doc.mentions if (p.start, p.end) == (a, b) and p.rule == "model"]:
                doc.mentions.remove(p)                 # 达伯华: the model's person is a brand
            add_mention(doc, a, b, PRODUCT, "product")
        return doc
    return products
