"""Identity: how names are compared, keyed and looked up, in one place.

Used by extraction (in-article clustering), resolution (which node an article's
entity is), the loader, `kg why`, `kg viz --center` and the query library alike:
- norm(): the form names are compared in (NFKC, lower case, no quotes, marks
  or spaces), so any case or width of a name finds it;
- node_key(): `Label:normalised name`, a node's key in the graph;
- the lexicon (kg/data/regulators.tsv, companies.tsv): every known form of a
  regulator, government body or company, and its canonical name and role;
- wrappers: legal and regional forms around a company's name (上海…股份有限公司,
  (中国)有限公司) and the parent institution inside a unit's name;
- the article's place (which city or province it is about), which makes a bare
  市科委 that city's body;
- identity(): the matching rule, an entity's strong and weak keys (kg.resolve
  links entities of different articles through them).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from kg import data

_NORM_STRIP = re.compile(r"[\s\"'“”‘’《》〈〉「」『』®™·・•]")


@lru_cache(maxsize=1 << 16)
def norm(form: str) -> str:
    """The form names are compared in: NFKC, lower case, no quotes, marks or spaces."""
    return _NORM_STRIP.sub("", unicodedata.normalize("NFKC", form)).lower()


def node_key(label: str, name: str) -> str:
    return f"{label}:{norm(name)}"


def unique_forms(forms: Iterable[str]) -> list[str]:
    """Forms in order, the first of each normal form kept (联影医疗, ＵＭＲ and uMR are one each)."""
    seen: dict[str, str] = {}
    return [seen.setdefault(norm(f), f) for f in forms if f and norm(f) and norm(f) not in seen]


# -- the lexicon ----------------------------------------------------------------------

@dataclass(frozen=True)
class LexiconEntry:
    form: str
    canonical: str
    role: str              # regulator | gov | company


@cache
def lexicon() -> tuple[LexiconEntry, ...]:
    """Every form of every lexicon entry, canonical names included."""
    out = []
    for canonical, aliases, role in data.table("regulators.tsv", 3):
        for form in [canonical, *aliases.split("|")]:
            out.append(LexiconEntry(form.strip(), canonical, role))
    for canonical, aliases in data.table("companies.tsv", 2):
        for form in [canonical, *aliases.split("|")]:
            out.append(LexiconEntry(form.strip(), canonical, "company"))
    return tuple(e for e in out if e.form)


@cache
def role_of() -> dict[str, str]:
    """canonical name -> role, for relation rules (who can approve)."""
    return {e.canonical: e.role for e in lexicon()}


@cache
def canonical_of() -> dict[str, str]:
    """any lexicon form (lower case) -> canonical name."""
    return {e.form.lower(): e.canonical for e in lexicon()}


def lexicon_canonical(forms: list[str]) -> str | None:
    """The canonical name of the first form the lexicon knows."""
    table = canonical_of()
    for f in forms:
        hit = table.get(f.lower())
        if hit:
            return hit
    return None


def lexicon_forms(canonical: str) -> list[str]:
    """Every form the lexicon gives one canonical name (AstraZeneca for 阿斯利康)."""
    return [e.form for e in lexicon() if e.canonical == canonical]


def contextual_canonical(forms: list[str]) -> str | None:
    """The lexicon's canonical name for forms, leaving out bare forms (市科委: whose 科委 depends on
    the article's city, see qualify())."""
    return lexicon_canonical([f for f in forms if not is_bare(f)])


# -- places: which city an article is about -------------------------------------------

@dataclass(frozen=True)
class Place:
    name: str
    city: str | None
    province: str


@cache
def places() -> dict[str, Place]:
    return {name: Place(name, city or None, province) for name, city, province in data.table("places.tsv", 3)}


@cache
def _place_re() -> re.Pattern:
    return data.alternation_re(tuple(places()))


@lru_cache(maxsize=1 << 16)
def leading_place(name: str) -> Place | None:
    """The place a name starts with (上海交通大学 -> 上海, 浦东新区人民政府 -> 上海's 浦东新区)."""
    m = _place_re().match(name)
    return places()[m.group(0)] if m else None


def article_place(title: str, source: str, names: Iterable[tuple[str, int]]) -> tuple[str | None, str | None]:
    """(city, province) an article is about: the place its title and source name (3 points each) and
    its entities' names start with (a point per mention) most, if that is at least 2 points and more
    than any other place."""
    cities, provinces = Counter(), Counter()
    weighted = [(p, 3) for text in (title, source) for p in {m.group(0) for m in _place_re().finditer(text or "")}]
    weighted += [(p.name, count) for name, count in names if (p := leading_place(name))]
    for name, weight in weighted:
        place = places()[name]
        provinces[place.province] += weight
        if place.city:
            cities[place.city] += weight
    return _winner(cities), _winner(provinces)


def _winner(scores: Counter) -> str | None:
    top = scores.most_common(2)
    if not top or top[0][1] < 2 or (len(top) > 1 and top[1][1] >= top[0][1]):
        return None
    return top[0][0]


@cache
def _bare_re() -> re.Pattern:
    not_after = "|".join(re.escape(w) for w in data.word_list("bare_place_not"))
    return re.compile(rf"^[市省](?!{not_after})\S")


def is_bare(name: str) -> bool:
    """A body named without its place: 市科委, 市政府, 省科技厅 (not 市场监管总局)."""
    return bool(_bare_re().match(name))


def qualify(name: str, city: str | None, province: str | None) -> str | None:
    """A bare body's full name in an article about `city`/`province`: 市科委 -> 上海市科委."""
    if not is_bare(name):
        return None
    place = city if name[0] == "市" else province
    return place + name if place else None


# -- wrappers ----------------------------------------------------------------------------

@cache
def _wrappers() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    legal = data.alternation_re(data.word_list("legal_suffixes")).pattern
    inner = "|".join(re.escape(w) for w in (*data.word_list("bracket_wrappers"), *places(),
                                             *data.word_list("nations")))
    nations = data.alternation_re(data.word_list("nations")).pattern
    bound = data.alternation_re(data.word_list("place_bound_endings")).pattern
    tails = data.alternation_re(data.word_list("brand_tails")).pattern
    return (re.compile(rf"(?:{legal})$"), re.compile(rf"\((?:{inner})\)"), re.compile(rf"^(?:{nations})"),
            re.compile(rf"(?:{bound})$"), re.compile(rf"(?:{tails})$"))


@cache
def _org_endings() -> tuple[str, ...]:
    return tuple(sorted((s for s, kind in data.table("org_suffixes.tsv", 2) if kind == "org"), key=len, reverse=True))


@cache
def _generic_stems() -> frozenset[str]:
    industry = (s for s, kind in data.table("org_suffixes.tsv", 2) if kind == "industry")
    return frozenset((*industry, *data.words("generic_places.txt"), *data.words("generic_terms.txt"), *places()))


def ending(name: str) -> str:
    """The organisation ending a normalised name has (大学, 研究院, 集团…), or ""."""
    return next((e for e in _org_endings() if name.endswith(e)), "")


def distinctive(core: str) -> bool:
    """Enough of a name is left to name one thing: 联影医疗, 物理学会 (not 学院, 医学会, 医药集团, 上海)."""
    ending = next((e for e in _org_endings() if core.endswith(e)), "")
    stem = core[:len(core) - len(ending)]
    return len(core) >= 2 and len(stem) >= 2 and core not in _generic_stems() and stem not in _generic_stems()


@lru_cache(maxsize=1 << 16)
def cores(name: str) -> tuple[str, ...]:
    """Normal forms of `name` without its legal and regional wrappers, the fullest first:
    上海联影医疗科技股份有限公司 -> 联影医疗科技, 联影医疗; 美国阿斯利康 -> 阿斯利康.  A Chinese place is
    dropped from the front only together with a legal form (上海交通大学 keeps 上海), a nation only
    when a distinctive name is left (美国科学院 keeps 美国)."""
    legal, inner, nation, bound, tails = _wrappers()
    n = norm(name)
    out = []
    core = inner.sub("", n)
    wrapped = core != n
    stripped = legal.sub("", core)
    if stripped != core and distinctive(stripped):
        core, wrapped = stripped, True
        out.append(core)
    elif wrapped and distinctive(core):
        out.append(core)
    place = leading_place(core)
    if place and (wrapped or not bound.search(core)):
        rest = core[len(place.name):].lstrip("市省")
        if distinctive(rest) and rest != core:
            core = rest
            out.append(core)
    elif m := nation.match(core):
        if distinctive(core[m.end():]):
            core = core[m.end():]
            out.append(core)
    if (t := tails.search(core)) and distinctive(core[:t.start()]):
        out.append(core[:t.start()])
    return tuple(c for c in dict.fromkeys(out) if c != n)


@lru_cache(maxsize=1 << 16)
def parents(name: str) -> tuple[str, ...]:
    """Normal forms of the institutions a unit's name starts with: 清华大学生物医学工程学院 -> 清华大学,
    中国科学院上海药物研究所 -> 中国科学院."""
    n = norm(name)
    spans = [(m.start(), m.end()) for e in _org_endings() for m in re.finditer(re.escape(e), n)]
    cuts = sorted({end for _, end in spans if end < len(n)
                   and not any(s < end < e for s, e in spans)})      # 委|员会 is no cut
    return tuple(n[:c] for c in cuts if distinctive(n[:c]))


@cache
def _own_identity_re() -> re.Pattern:
    return re.compile(rf"(?:{data.alternation_re(data.word_list('own_identity_endings')).pattern})$")


@lru_cache(maxsize=1 << 16)
def units_of(name: str) -> tuple[str, ...]:
    """The bodies a unit's name starts with, when the rest has no identity of its own (gold/GUIDE.md
    H3): 工业和信息化部网络安全管理局 -> 工业和信息化部; none for 同济大学附属东方医院."""
    n = norm(name)
    return tuple(p for p in parents(name) if not _own_identity_re().search(n[len(p):]))


_YEAR = re.compile(r"^(?:(?:19|20)\d{2}年?|第[一二三四五六七八九十百0-9]+[届次]|首届)")
_POLICY_TAIL = re.compile(r"\((?:(?:19|20)\d{2}(?:-(?:19|20)?\d{2,4})?年?|试行|草案|征求意见稿)\)$")
_GENERIC_TITLE = re.compile(r"^(?:关于)?(?:若干|相关|有关|实施|工作|行动|管理|暂行)?(?:措施|意见|方案|办法|规定|细则|通知|计划|规划|政策|条例)"
                            r"(?:（试行）|\(试行\))?$")


def is_generic_title(name: str) -> bool:
    """若干措施, 实施方案: a policy title that names nothing outside its article."""
    return bool(_GENERIC_TITLE.match(norm(name)))


@cache
def _dosage_re() -> re.Pattern:
    forms = tuple(e for e, kind in data.table("product_patterns.tsv", 2) if kind == "dosage")
    return re.compile(rf"(?:{data.alternation_re(forms).pattern})$")


@lru_cache(maxsize=1 << 16)
def variants(label: str, name: str) -> tuple[str, ...]:
    """Normal forms that may name the same thing as `name` (weak keys): wrappers for organisations,
    the edition for events (2025上海国际生物医药产业周 -> 上海国际生物医药产业周), the dosage form for
    products, the years for policies."""
    n = norm(name)
    if label == "Organization":
        return cores(name)
    if label == "Event" and (m := _YEAR.match(n)) and distinctive(n[m.end():]):
        return (n[m.end():],)
    if label == "Product" and (m := _dosage_re().search(n)) and len(n[:m.start()]) >= 2:
        return (n[:m.start()],)
    if label == "Policy" and (m := _POLICY_TAIL.search(n)):
        return (n[:m.start()],)
    return ()


# -- the matching rule --------------------------------------------------------------------

@dataclass(frozen=True)
class Identity:
    """How one article's entity is recognised across articles.

    strong: keys that name it (its normalised name, the lexicon's canonical name, a bare name
            qualified by the article's city, a fuller form it states): entities sharing one are one;
    weak:   keys that may name it (short forms, English names, wrapper-stripped forms): they join it
            to an entity named by one only when nothing else claims them (联影 is both 联影集团's and
            联影医疗's short form: it joins neither);
    display: the name it offers its node (the qualified form of a bare name);
    canonical: the lexicon's name for it, if any."""
    strong: tuple[str, ...]
    weak: tuple[str, ...]
    display: str
    canonical: str | None = None


@lru_cache(maxsize=1 << 16)
def _homeland(n: str) -> str | None:
    """Where a normalised name says its bearer is from: a Chinese city or province (中国 for China
    itself), or a nation (美国科学院 -> 美国)."""
    place = leading_place(n)
    if place:
        return place.city or place.province
    m = _wrappers()[2].match(n)
    return m.group(0) if m else None


@lru_cache(maxsize=1 << 16)
def conflicting(a: str, b: str) -> bool:
    """Two names that place their bearers apart: 美国科学院 / 中国科学院, 上海市科委 / 北京市科委."""
    ha, hb = _homeland(norm(a)), _homeland(norm(b))
    china = {"中国", None}
    if ha == "中国" and hb in places() or hb == "中国" and ha in places():
        return False
    return ha is not None and hb is not None and ha != hb and not (ha in china and hb in china)


# A foreign person's full name, given and family name (埃隆·马斯克, Elon Musk): rare enough to name one
# person whoever employs them, unlike 张伟.
_FULL_FOREIGN = re.compile(r"^(?:[^\W\d_]{2,}[·・•‧.]\s*)+[^\W\d_]{2,}$|^[A-Za-z][A-Za-z'-]+(?: [A-Za-z][A-Za-z'.-]*)+$")
_EDITION = re.compile(r"(?:19|20)\d{2}|第[一二三四五六七八九十百0-9]+[届次]|首届")


def edition(name: str, year: str | None) -> str | None:
    """An event named without its edition, in an article of `year`: that year's edition
    (上海国际生物医药产业周 in a 2025 article is 2025上海国际生物医药产业周)."""
    return None if not year or _EDITION.search(name) else year + name


def identity(label: str, name: str, aliases: Iterable[str] = (), *, city: str | None = None,
             province: str | None = None, employers: Iterable[str] = (), article: str = "",
             year: str | None = None) -> Identity:
    """The keys of one article's entity.  `employers` are keys of a person's employers in the same
    article (employer_keys()): same-name people of different employers stay apart (unless the name
    is a foreign one in full, 埃隆·马斯克, which names one person); `year` is the
    article's, whose edition an event named without one is.  An alias that places its bearer
    elsewhere than the name does (美国科学院 / 中国科学院) is taken for a mistake."""
    aliases = [a for a in aliases if norm(a) and norm(a) != norm(name) and not conflicting(name, a)]
    if label == "Policy" and is_generic_title(name):
        return Identity((f"{norm(name)}#{article}",), (), name)
    qualified = qualify(name, city, province) if label == "Organization" else None
    display = qualified or name
    canonical = contextual_canonical([display, name, *aliases]) if label == "Organization" else \
        contextual_canonical([name, *aliases])
    strong = [norm(display)]
    weak = [norm(name)] if qualified else []
    if canonical:
        strong.append(norm(canonical))
        weak += [norm(f) for f in lexicon_forms(canonical) if not is_bare(f)]
    if label == "Person":
        keys = sorted(set(employers)) if not _FULL_FOREIGN.match(name.strip()) else []
        if keys:
            weak.append(norm(name))
            strong = [f"{norm(name)}@{k}" for k in keys]
    if label == "Event" and (dated := edition(name, year)):
        weak.append(norm(name))
        strong = [norm(dated)]
    for alias in aliases:
        fuller = label == "Organization" and not is_bare(alias) and len(norm(alias)) > len(norm(name)) + 1 \
            and (norm(name) in norm(alias) or _wrappers()[0].search(norm(alias)))
        (strong if fuller else weak).append(norm(qualify(alias, city, province) or alias))
        weak += variants(label, alias)
    if label == "Organization":
        weak += units_of(display)           # 国际电信联盟电信标准局 is 国际电信联盟's (H3)
    if label == "Organization" and not _homeland(norm(display)) and not _wrappers()[1].search(norm(display)):
        strong += cores(display)            # 博睿康公司, 博睿康科技: wrappers, no place to tell them apart
    weak += variants(label, display)
    strong = list(dict.fromkeys(strong))
    return Identity(tuple(strong), tuple(k for k in dict.fromkeys(weak) if k and k not in strong), display,
                    canonical)


def employer_keys(org: Identity) -> list[str]:
    """Keys that identify a person's employer: its own, its wrapper-stripped forms and the institution
    it belongs to (清华大学 for 清华大学生物医学工程学院)."""
    return sorted({*org.strong, *cores(org.display), *parents(org.display)})
