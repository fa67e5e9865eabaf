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
from kg.components.spans import add_mention, token_index, trace_left
from kg.model import Doc, EntityType
from kg.pipeline import factory

POLICY = EntityType.POLICY
NOT_POLICY = ("白皮书", "蓝皮书", "报告", "年鉴", "指数", "榜单", "名单", "论文", "期刊", "杂志", "报",
              "公告", "公示", "通讯", "周刊", "日报", "研究")
UNQUOTED_ENDINGS = ("制度", "试点", "行动计划", "新政", "监管机制", "专项资金", "条例", "若干措施",
                    "实施方案", "行动方案", "发展规划")
_DRAFT = re.compile(r"[（(](?:草案|征求意见稿|试行|修订|修订草案|\d{4}.{0,8})[）)]$")
_LEADING_VERBS = ("试点", "推行", "实施", "落实", "建立", "完善", "健全", "探索", "推进", "深化", "出台", "发布", "印发", "通过",
                  "开展", "开始", "启动", "参与", "纳入", "作为")
_MAY_FOLLOW = ("项目", "工作", "的", "和", "与", "及", "等", "在", "为", "是", "已", "将", "也", "落地", "实施")
_GENERIC_START = ("该", "这", "此", "相关", "一系列", "各类", "有关", "上述", "多项", "一批", "新", "本")


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
        name = doc.text[start:e]
        if s - start >= 4 and is_policy_name(name) and "《" not in name and "“" not in name:
            out.append((start, e))
    return out


@factory("policies", requires=("tokens",), assigns=("mentions",))
def make_policies():
    endings()

    def policies(doc: Doc) -> Doc:
        for a, b in sorted(set(find_titled(doc) + find_unquoted(doc))):
            add_mention(doc, a, b, POLICY, "policy")
        return doc
    return policies
