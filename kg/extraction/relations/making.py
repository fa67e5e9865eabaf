"""DEVELOPS (and the partnerships licensing makes) from the ways news names who makes a product.

- licensing: X (及 Y) 授予/授权 Z … P 的…权利/权益 — the licensors and the licensee develop P
  (gold/GUIDE.md: the licensee's rights count) and partner each other;
- joint development: X 与 Y 共同开发/研发的 … P (本公司/公司 is the company just spoken of);
- a maker named before its product where the product is approved or launched without 的:
  批准康希诺生物股份公司重组新型冠状病毒疫苗注册申请, 高通新一代骁龙8至尊版;
- a product named after its maker: 小米15 (小米集团), 百度文心大模型 (百度).
"""
from __future__ import annotations

import re

from kg.extraction.relations.context import ORG, PRO, Context, EntityMention, group_before, make_rel
from kg.extraction.words import generic_places, org_suffixes_longest_first
from kg.model import Relation, RelationType
from kg.names import role_of

DEVELOPS, PARTNERS_WITH = RelationType.DEVELOPS, RelationType.PARTNERS_WITH
_LICENSE = re.compile(r"(?:共同)?(?:授予|授权给|授权|许可给|转让给)")
_JOINT = re.compile(r"(?:与|和|及|联合)[^，。；]{0,30}?(?:共同|联合|合作)(?:开发|研发|研制|打造)(?:的)?")
_NEW = re.compile(r"^(?:的)?(?:新一代|新款|最新|最新款|首款|全新|旗下|自主研发的|自研)?$")


def makers(ctx: Context) -> list[Relation]:
    return _licensing(ctx) + _joint(ctx) + _adjacent(ctx) + _named_after(ctx)


def _is_regulator(m: EntityMention) -> bool:
    return any(role_of().get(x.ref) == "regulator" for x in m.entity.mentions if x.ref)


def _licensing(ctx: Context) -> list[Relation]:
    out = []
    for i, s in enumerate(ctx.doc.sentences):
        products = ctx.of(i, PRO)
        if not products:
            continue
        for m in _LICENSE.finditer(s.text):
            vpos, vend = s.start + m.start(), s.start + m.end()
            licensors = [o for o in ctx.of(i, ORG) if o.end <= vpos and not _is_regulator(o)]
            licensees = [o for o in ctx.of(i, ORG) if vend <= o.start <= vend + 6 and not _is_regulator(o)]
            if not licensors or not licensees:                   # 将 P 的权益授权给 Z: Z after the verb
                continue
            licensors = group_before(ctx, licensors[-1].end + 1, i, ORG, max_gap=1) or licensors[-1:]
            licensors += [o for o in ctx.of(i, ORG) if o.end <= licensors[0].start and
                          re.fullmatch(r"宣布[，,]?(?:公司)?(?:及|和|与)?(?:关联方|子公司)?", ctx.text(o.end, licensors[0].start))]
            for p in products:
                for o in licensors + licensees[:1]:
                    out.append(make_rel(o, DEVELOPS, p, ctx, i, "licence"))
            out += [make_rel(a, PARTNERS_WITH, licensees[0], ctx, i, "licence") for a in licensors
                    if a.name != licensees[0].name]
    return out


def _joint(ctx: Context) -> list[Relation]:
    """X 与 Y 共同开发的 P: both develop P."""
    out = []
    for i, s in enumerate(ctx.doc.sentences):
        for m in _JOINT.finditer(s.text):
            start, end = s.start + m.start(), s.start + m.end()
            first = [o for o in ctx.of(i, ORG) if o.end <= start and start - o.end <= 2]
            if not first and re.search(r"(?:本公司|该公司|公司)$", ctx.text(max(s.start, start - 4), start)):
                company = ctx.company_before(start - 3)
                first = [company] if company else []
            second = [o for o in ctx.of(i, ORG) if start < o.start and o.end <= end]
            products = [p for p in ctx.of(i, PRO) if end <= p.start <= end + 40
                        and not re.search(r"[，。；]", ctx.text(end, p.start))]
            for p in products[:1]:
                for o in first + second:
                    out.append(make_rel(o, DEVELOPS, p, ctx, i, "joint-development"))
    return out


def _adjacent(ctx: Context) -> list[Relation]:
    """A company named right before its product: 批准康希诺生物股份公司重组新型冠状病毒疫苗…,
    高通新一代骁龙8至尊版."""
    out = []
    for i in range(len(ctx.doc.sentences)):
        for p in ctx.of(i, PRO):
            before = [o for o in ctx.of(i, ORG) if o.end <= p.start and p.start - o.end <= 6]
            if before and not _is_regulator(before[-1]) and _NEW.match(ctx.text(before[-1].end, p.start)):
                out.append(make_rel(before[-1], DEVELOPS, p, ctx, i, "adjacent"))
    return out


def _named_after(ctx: Context) -> list[Relation]:
    """小米15 is Xiaomi's: a product whose name starts with a company's name (or its name
    without the ending) is that company's."""
    out = []
    orgs = {}
    for m in ctx.mentions:
        if m.type == ORG and not _is_regulator(m):
            for form in [m.entity.name, *m.entity.aliases]:
                orgs.setdefault(form, m)
                ending = next((e for e in org_suffixes_longest_first() if form.endswith(e)), "")
                stem = form[:len(form) - len(ending)]
                if ending and len(stem) >= 2 and stem not in generic_places():
                    orgs.setdefault(stem, m)          # 小米集团 -> 小米: the brand is the stem
    for p in (m for m in ctx.mentions if m.type == PRO):
        owner = next((o for form, o in sorted(orgs.items(), key=lambda kv: -len(kv[0]))
                      if len(form) >= 2 and p.name.startswith(form) and len(p.name) > len(form)), None)
        if owner is not None:
            out.append(make_rel(owner, DEVELOPS, p, ctx, p.sentence, "named-after"))
    return out

