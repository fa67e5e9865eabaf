"""Policies: named laws, regulations, measures, plans, programmes, pilots.

- 《…》 titles whose name ends like a policy (kg/data/policy_suffixes.txt);
  reports, white papers and journals (《细胞》, 《…白皮书》) are not policies;
- quoted “…” names with a policy ending: “春雨行动计划”;
- unquoted names with a distinctive ending (…制度, …试点, …行动计划, …新政,
  …机制, …专项资金) traced leftwards: 药品上市许可持有人制度.
The name is given without the 《》 marks.
"""
from __future__ import annotations

import re
from functools import cache

from kg import data
from kg.extraction.doc import Doc
from kg.extraction.pipeline import factory
from kg.extraction.text import add_mention, token_index, trace_left
from kg.model import EntityType

POLICY = EntityType.POLICY
NOT_POLICY = data.word_list("not_policy_endings")
UNQUOTED_ENDINGS = data.word_list("unquoted_policy_endings")
_DRAFT = re.compile(r"[（(](?:草案|征求意见稿|试行|修订|修订草案|\d{4}.{0,8})[）)]$")
_LEADING_VERBS = data.word_list("policy_leading_verbs")
_GENERIC_START = data.word_list("policy_generic_openings")
_PURPOSE_VERBS = data.word_list("policy_title_verbs")


@cache
def endings() -> tuple[str, ...]:
    return tuple(sorted(set(data.words("policy_suffixes.txt")), key=len, reverse=True))


def is_policy_name(name: str) -> bool:
    core = _DRAFT.sub("", name).strip()
    return bool(core) and core.endswith(endings()) and not core.endswith(NOT_POLICY) \
        and len(core) > 2 and not core.startswith(_GENERIC_START)


def find_titled(doc: Doc) -> list[tuple[int, int]]:
    out = []
    for m in re.finditer(r"《([^《》\n]{2,60})》|“([^“”\n]{3,30})”", doc.text):
        group = 1 if m.group(1) else 2
        a, b = m.span(group)
        name = doc.text[a:b]
        if is_policy_name(name):
            if group == 2 and re.search(r"[，,。、的]", name):
                continue                             # a quoted remark, not a named policy
            if group == 2 and not re.search(r"(?:计划|方案|行动|政策|措施|制度|试点|规划|条例|办法|意见|机制|新政)$",
                                             _DRAFT.sub("", name)):
                continue
            out.append((a, b))
    return out


def find_unquoted(doc: Doc) -> list[tuple[int, int]]:
    alts = "|".join(UNQUOTED_ENDINGS)
    out = []
    for m in re.finditer(rf"(?:{alts})", doc.text):
        s, e = m.span()
        if e < len(doc.text) and (doc.text[e] in "型化性式类" or e not in token_index(doc).ends
                                  or doc.text.startswith(("研究", "建设", "体系", "创新"), e)):
            continue                                   # 制度型开放, 管理制度研究: not the end of a name
        start = trace_left(doc, s, 20, verbs_ok=True)
        for v in _LEADING_VERBS:             # 上海开始探索…便利化试点: the name starts after the verb
            cut = doc.text.rfind(v, start, s)
            if cut >= 0:
                start = max(start, cut + len(v))
        start = _title_opening(doc, start)
        name = doc.text[start:e]
        if m.group(0) == "战略" and (s - start < 4 or doc.text[start - 1:start] == "的"):
            continue                                   # 公司的国际化战略: a company's plan, not a named one
        if (s - start >= 4 or e - start >= 5 and m.group(0).endswith("法")) and is_policy_name(name) and "《" not in name:
            out.append((start, e + _period_after(doc.text, e)))
    return out


_PERIOD = re.compile(r"[（(](?:\d{4}\s*[-—–~至]\s*\d{4}年?|\d{4}年?|草案|试行|征求意见稿|修订|修订草案)[）)]")


def _period_after(text: str, e: int) -> int:
    """Length of a bracketed period or draft mark that completes the name: …行动计划(2024-2026年)."""
    m = _PERIOD.match(text, e)
    return m.end() - e if m else 0


def _title_opening(doc: Doc, start: int) -> int:
    """Policy titles open with a place and a verb of purpose and may quote a slogan:
    北京市加快…行动计划, 浙江省加快推动“人工智能+医疗健康”高质量发展行动计划, “健康中国”战略.
    The trace stops at such verbs and quotes; go on through them to the place."""
    text = doc.text
    pos = start
    while True:
        if text[pos - 1:pos] == "”":
            opening = text.rfind("“", max(0, pos - 20), pos)
            if opening < 0:
                break
            pos = trace_left(doc, opening, 12, verbs_ok=True) if opening > 0 else opening
            continue
        verb = next((v for v in _PURPOSE_VERBS if text.endswith(v, 0, pos)), None)
        if verb is None:
            break
        pos -= len(verb)
    if pos == start:
        return start
    place = trace_left(doc, pos, 6)
    if not (place < pos and re.search(r"[省市区县]$|^国家$", text[place:pos])):
        place = pos
    for v in _LEADING_VERBS:                            # 印发浙江省…, 落实“健康中国”战略
        cut = text.rfind(v, place, start)
        if cut >= 0:
            place = max(place, cut + len(v))
    return start if text[place:start].startswith(_PURPOSE_VERBS) else place


@factory("policies", requires=("tokens",), assigns=("mentions",))
def make_policies(vocab):
    endings()

    def policies(doc: Doc) -> Doc:
        for a, b in sorted(set(find_titled(doc) + find_unquoted(doc))):
            add_mention(doc, a, b, POLICY, "policy")
        return doc
    return policies
