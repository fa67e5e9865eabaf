"""Resolve mentions into the article's entities.

1. Internal units fold into their organisation (…司, …处, …团队: H3) and a
   local subsidiary (X（中国）投资有限公司) into its parent; those forms are
   aliases only.
2. Overlapping mentions: the longest wins (复旦大学附属浦东医院 over 复旦大学).
3. Forms cluster (networkx connected components) through stated aliases,
   lexicon identity (国家药监局 = 国家药品监督管理局), country prefixes, and a
   short form that exactly one longer name reduces to (罗氏 ~ 罗氏制药; but 联影
   stays apart when both 联影集团 and 联影医疗 are named).
4. Each cluster becomes one Entity: its type by majority, its name the
   fullest Chinese form the article uses (H9), the other forms its aliases.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict

import networkx as nx

from kg import data
from kg.extraction.doc import Doc
from kg.extraction.orgnames import derive_org
from kg.extraction.pipeline import component
from kg.extraction.words import generic_places, org_suffixes, org_suffixes_longest_first
from kg.model import Entity, EntityType, Mention
from kg.names import cores, norm

COUNTRIES = data.word_list("countries")

_REGISTERED = tuple(data.word_list("registered_endings")) + ("有限合伙)", "有限合伙）")
_SUBSIDIARY = re.compile(r"^[（(]?(?:中国|上海|北京|苏州|香港)[）)]?.{0,8}(?:有限公司|分公司|公司)$")
def fold_units(doc: Doc) -> list[Mention]:
    """Units and subsidiaries become mentions of their parent; returns the kept mentions."""
    orgs = [m for m in doc.mentions if m.type == EntityType.ORGANIZATION and m.rule != "unit"]
    kept = []
    for m in doc.mentions:
        if m.rule == "unit":
            parent = _inner_parent(doc, m, orgs)
            if parent is None:
                continue
            doc.aliases.append((parent, m.text))
            kept.append(Mention(m.start, m.end, m.text, m.type, "unit", m.sentence))
            continue
        kept.append(m)
    for m in kept:
        if m.type != EntityType.ORGANIZATION:
            continue
        for other in orgs:
            if other.text != m.text and m.text.startswith(other.text) \
                    and _SUBSIDIARY.match(m.text[len(other.text):]):
                doc.aliases.append((other.text, m.text))
                m.rule = "subsidiary"
                break
    return kept


def _inner_parent(doc: Doc, unit: Mention, orgs: list[Mention]) -> str | None:
    best = None
    for o in orgs:
        if o.start == unit.start and o.end < unit.end and (best is None or o.end > best.end):
            best = o
    if best:
        return best.text
    suffix = next((s for s in org_suffixes_longest_first()
                   if unit.text.endswith(s) and org_suffixes()[s] == "unit"), "")
    span = derive_org(doc, unit.start, unit.end - len(suffix))
    if span and span[1] < unit.end - len(suffix):          # a unit names itself: 药品监管|处, not 沪小|科
        name = doc.text[span[0]:span[1]]
        doc.mentions.append(Mention(span[0], span[1], name, EntityType.ORGANIZATION, "unit-parent",
                                    doc.sentence_at(span[0])))
        return name
    return None


def select(mentions: list[Mention]) -> list[Mention]:
    """Longest mention wins an overlap; the survivors in text order."""
    chosen: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start)):
        if all(m.end <= a or m.start >= b for a, b in taken):
            chosen.append(m)
            taken.append((m.start, m.end))
    return sorted(chosen, key=lambda m: m.start)


def _reduce(form: str) -> str:
    """A name without a leading country/city and a trailing organisation ending."""
    for c in sorted(COUNTRIES, key=len, reverse=True):
        if form.startswith(c) and len(form) - len(c) >= 2:
            form = form[len(c):]
            break
    for suf in org_suffixes_longest_first():
        if form.endswith(suf) and len(form) - len(suf) >= 2:
            return form[:-len(suf)]
    return form


def cluster(doc: Doc, mentions: list[Mention], unit_parents: set[str] = frozenset()) -> list[list[str]]:
    g = nx.Graph()
    by_type: dict[str, Counter] = defaultdict(Counter)
    refs: dict[str, str] = {}
    for m in mentions:
        g.add_node(m.text)
        by_type[m.text][m.type] += 1
        if m.ref:
            refs.setdefault(m.ref, m.text)
            g.add_edge(refs[m.ref], m.text)
    present = set(g.nodes)
    for full, alias in doc.aliases:
        if alias in present and (full in present or full in unit_parents):
            g.add_edge(full, alias)          # a unit's parent joins even if never named alone
        elif full in present and alias not in unit_parents:
            g.add_edge(full, alias)          # 美国FDA: FDA is a form even where the longer mention won
    orgs = [f for f in present if by_type[f].most_common(1)[0][0] == EntityType.ORGANIZATION]
    reduced: dict[str, list[str]] = defaultdict(list)
    for f in orgs:
        r = _reduce(f)
        if r != f:
            reduced[r].append(f)
    for short, longs in reduced.items():
        if short in present and len({norm(x) for x in longs}) == 1:
            g.add_edge(short, longs[0])
    _merge_short_events(g, [f for f in present if by_type[f].most_common(1)[0][0] == EntityType.EVENT])
    _merge_short_policies(g, [f for f in present if by_type[f].most_common(1)[0][0] == EntityType.POLICY])
    _merge_dosage_forms(g, [f for f in present if by_type[f].most_common(1)[0][0] == EntityType.PRODUCT])
    return [sorted(c) for c in nx.connected_components(g)]


_EDITION = re.compile(r"^(?:\d{4}年?|第[一二三四五六七八九十百零\d]+届|首届|本届)")


def _merge_short_events(g: nx.Graph, events: list[str]) -> None:
    """产业周, 上海国际生物医药产业周 -> 2025上海国际生物医药产业周, when only one
    longer event name ends with the short one (after dropping a year or 第N届)."""
    bare = {e: _EDITION.sub("", e) for e in events}
    for short in events:
        s = bare[short]
        longer = {bare[e] for e in events if e != short and len(bare[e]) >= len(s)
                  and bare[e].endswith(s) and (bare[e] != s or e != short)}
        targets = [e for e in events if e != short and bare[e] in longer]
        roots = {bare[t] for t in targets}
        if targets and len(roots) == 1 or (len(roots) > 1 and _one_chain(roots)):
            g.add_edge(short, max(targets, key=len))


def _merge_short_policies(g: nx.Graph, policies: list[str]) -> None:
    """《若干措施》 after 《关于…的若干措施》: a short title that exactly one longer
    policy of the article ends with is that policy."""
    for short in policies:
        longer = [p for p in policies if p != short and len(p) > len(short) and p.endswith(short)]
        if len(longer) == 1:
            g.add_edge(short, longer[0])


_DOSAGE_FORMS = tuple(data.word_list("dosage_forms"))


def _merge_dosage_forms(g: nx.Graph, products: list[str]) -> None:
    """利妥昔单抗 and 利妥昔单抗注射液 in one article are one drug (its name and its dosage form)."""
    names = set(products)
    for p in products:
        for form in _DOSAGE_FORMS:
            if p.endswith(form) and p[:-len(form)] in names:
                g.add_edge(p, p[:-len(form)])


def _one_chain(names: set[str]) -> bool:
    """Every name ends with the next shorter one: 上海国际生物医药产业周 ⊃ 国际生物医药产业周."""
    ordered = sorted(names, key=len)
    return all(b.endswith(a) for a, b in zip(ordered, ordered[1:]))


def canonical(forms: list[str], alias_only: set[str]) -> str:
    """The fullest Chinese form (H9): longest form with Chinese characters."""
    pool = [f for f in forms if f not in alias_only] or forms
    chinese = [f for f in pool if re.search(r"[\u4e00-\u9fff]", f)] or pool
    return max(chinese, key=lambda f: (len(re.sub(r"[^\u4e00-\u9fff]", "", f)), len(f), f))


# Mentions that only echo a type: the model's guesses, gazetteer hits and repeats of a form.
# Where a rule typed a form (Med-Go after 模型: a product), the rules' majority decides.
_ECHOES = frozenset({"model", "gazetteer", "repeat"})


@component("entities", requires=("mentions", "aliases"), assigns=("entities",))
def entities(doc: Doc) -> Doc:
    mentions = select(fold_units(doc))
    alias_only = {m.text for m in mentions if m.rule in ("unit", "subsidiary")}
    parents = {full for full, alias in doc.aliases if alias in alias_only}
    by_form: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_form[m.text].append(m)
    out = []
    for forms in cluster(doc, mentions, parents):
        ms = sorted((m for f in forms for m in by_form[f]), key=lambda m: m.start)
        if not ms:
            continue
        ruled = [m for m in ms if m.rule not in _ECHOES] or ms
        etype = Counter(m.type for m in ruled).most_common(1)[0][0]
        name = canonical(forms, alias_only)
        if etype == EntityType.ORGANIZATION and name in generic_places():
            continue                     # 上海 is a place, not an organisation
        seen = {norm(name)}
        aliases = []
        for f in forms:
            if norm(f) not in seen:
                seen.add(norm(f))
                aliases.append(f)
        if etype == EntityType.ORGANIZATION and name.endswith(_REGISTERED):
            # 赛特斯信息科技股份有限公司 is also 赛特斯信息科技: a registered company's name without its legal form
            for core in cores(name):
                if core in name and core not in seen:
                    seen.add(core)
                    aliases.append(core)
        out.append(Entity(name=name, type=etype, aliases=aliases, mentions=ms))
    doc.entities = sorted(out, key=lambda e: e.mentions[0].start)
    return doc
