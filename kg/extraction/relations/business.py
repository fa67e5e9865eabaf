"""DEVELOPS and APPROVED: products, who makes them and who approves them."""
from __future__ import annotations

import re

from kg import data
from kg.extraction.relations.attributes import find_date
from kg.extraction.relations.context import (
    ORG, PRO, Context, EntityMention, find_word, group_before, make_rel, pairs, trigger_re, triggers,
)
from kg.model import Attrs, Relation, RelationType
from kg.names import role_of

REGULATOR_NAME = re.compile(r"药品监督管理局|药监局|药品管理局|FDA|EMA|PMDA|MHRA|NMPA|监督管理局|卫生监督局")


_OWN = re.compile(r"^(?:的|旗下的|自主研发的|研发的|开发的|生产的|推出的)$")
_PRONOUN_OWNER = re.compile(r"(?:公司|该公司|这家企业|该企业|企业|其|他们|团队)(?:自主|联合|共同)?(?:研发|开发|研制|推出|生产)的")


def develops(ctx: Context) -> list[Relation]:
    out = []
    for pr in (m for m in ctx.mentions if m.type == PRO):
        i = pr.sentence
        s = ctx.doc.sentences[i]
        left = ctx.text(s.start, pr.start)
        verb = None
        for m in trigger_re("DEVELOPS", "verb").finditer(left):
            verb = m
        owners: list[EntityMention] = []
        rule = ""
        orgs_before = [o for o in ctx.of(i, ORG) if o.end <= pr.start]
        if orgs_before and _OWN.match(ctx.text(orgs_before[-1].end, pr.start)):
            owners, rule = [orgs_before[-1]], "possessive"
        elif verb is not None:
            vpos = s.start + verb.start()
            group = group_before(ctx, vpos, i, max_gap=10)
            if group and pr.start - (s.start + verb.end()) <= 24:
                owners, rule = group, "verb"
            elif _PRONOUN_OWNER.search(left) and (prev := _recent_company(ctx, pr.start)):
                owners, rule = [prev], "pronoun"
            elif orgs_before and orgs_before[0] is ctx.by_sentence[i][0] and verb.start() > orgs_before[0].end - s.start:
                owners, rule = [orgs_before[0]], "subject"
        if not owners and ctx.text(pr.start - 1, pr.start) == "以":
            nxt = [o for o in ctx.of(i, ORG) if o.start >= pr.end]
            if nxt and re.fullmatch(r"(?:而)?闻名(?:于世|全球)?的", ctx.text(pr.end, nxt[0].start)):
                owners, rule = [nxt[0]], "famous-for"           # 以达芬奇手术机器人闻名的直观医疗
        owners = [o for o in owners if not _is_regulator(o)]     # a regulator approves, it does not develop
        for o in owners:
            out.append(make_rel(o, RelationType.DEVELOPS, pr, ctx, i, rule,
                            Attrs(date=find_date(s.text, ctx.doc.article.date, near=pr.start - s.start))))
        if rule == "verb" and len(owners) > 1 and (
                "联合" in ctx.text(owners[0].start, owners[-1].end) or verb.group(0) in _JOINT_VERBS):
            out += pairs(owners, ctx, i, "co-develop")
    return out


_JOINT_VERBS = ("联合开发", "共同开发", "合作开发")
_NOT_COMPANY = data.word_list("non_company_endings")


def _recent_company(ctx: Context, pos: int) -> EntityMention | None:
    """The company that 公司/这家企业 points back to: the latest organisation
    before `pos` that is not a hospital, university or public body."""
    before = [m for m in ctx.mentions if m.type == ORG and m.end <= pos and not m.name.endswith(_NOT_COMPANY)]
    return before[-1] if before else None


def approved(ctx: Context) -> list[Relation]:
    out = []
    words = triggers("APPROVED", "approve")
    for i in range(len(ctx.doc.sentences)):
        products = ctx.of(i, PRO)
        regulators = [o for o in ctx.of(i, ORG) if _is_regulator(o)]
        if not products or not regulators:
            continue
        text = ctx.sentence_text(i)
        trigger = find_word(text, words)
        if not trigger:
            continue
        when = find_date(text, ctx.doc.article.date, near=trigger.start())
        for r in regulators:
            pr = min(products, key=lambda p: abs(p.start - r.start))
            out.append(make_rel(r, RelationType.APPROVED, pr, ctx, i, "approval", Attrs(date=when)))
    return out


def _is_regulator(m: EntityMention) -> bool:
    refs = [x.ref for x in m.entity.mentions if x.ref]
    if any(role_of().get(r) == "regulator" for r in refs):
        return True
    return any(REGULATOR_NAME.search(f) for f in [m.entity.name, *m.entity.aliases])
