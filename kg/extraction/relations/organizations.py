"""PARTNERS_WITH, INVESTS_IN, ORGANIZES, ISSUES: what organisations do together."""
from __future__ import annotations

import re
from functools import cache

from kg.extraction.relations.attributes import find_amount, find_date
from kg.extraction.relations.context import (
    EVT, ORG, PER, POL, Context, EntityMention, find_word, group_after, group_before, make_rel, pairs, trigger_hits, trigger_re, triggers,
)
from kg.model import Attrs, Relation, RelationType

FOUNDED_KINDS = ("基金", "公司", "有限公司", "合伙企业", "有限合伙", "集团", "合资公司")


def partners_with(ctx: Context) -> list[Relation]:
    out = []
    for i, s in enumerate(ctx.doc.sentences):
        orgs = ctx.of(i, ORG)
        if len(orgs) < 1:
            continue
        lead = group_after(ctx, s.start, i, max_gap=2)
        for m in trigger_re("PARTNERS_WITH", "partner").finditer(s.text):
            pos = s.start + m.start()
            group = group_before(ctx, pos, i, max_gap=14)
            if len(group) < 2 and len(lead) >= 2 and not [o for o in orgs if lead[-1].end <= o.start < pos]:
                group = lead                  # 英矽智能、迈威生物与上海皓元，作为…，正式达成战略合作协议
            if m.group(0) in _OBJECT_VERBS and group:
                obj = group_after(ctx, s.start + m.end(), i, max_gap=3)
                for o in obj[:1]:
                    out.append(make_rel(group[-1], RelationType.PARTNERS_WITH, o, ctx, i, "partner-object"))
            if len(group) >= 2:
                out += pairs(group, ctx, i, "partner")
            elif len(group) == 1:
                # 礼来上海创新孵化器…与分子之心等本土企业签约合作
                partner = _with_partner(ctx, i, pos)
                subject = ctx.by_sentence[i][0]
                if partner and subject.type == ORG and subject.name != partner.name:
                    out.append(make_rel(subject, RelationType.PARTNERS_WITH, partner, ctx, i, "partner-with"))
            else:
                partner = _with_partner(ctx, i, pos)
                subject = ctx.by_sentence[i][0]
                if partner and subject.type == ORG and subject is not partner:
                    out.append(make_rel(subject, RelationType.PARTNERS_WITH, partner, ctx, i, "partner-with"))
    return out


_OBJECT_VERBS = ("联动", "携手", "牵手", "结盟")


def _with_partner(ctx: Context, i: int, pos: int) -> EntityMention | None:
    """The B of `与 B (等…)` right before the trigger."""
    cands = [o for o in ctx.of(i, ORG) if o.end <= pos]
    for o in reversed(cands):
        if ctx.text(o.start - 1, o.start) in ("与", "同", "和") and pos - o.end <= 16 \
                and not re.search(r"[，。；]", ctx.text(o.end, pos)):
            return o
    return None


def invests_in(ctx: Context) -> list[Relation]:
    out = []
    for i, s in enumerate(ctx.doc.sentences):
        orgs = ctx.of(i, ORG) + ctx.of(i, PER)
        if len(orgs) < 2:
            continue
        amount = find_amount(s.text)
        attrs = Attrs(date=find_date(s.text, ctx.doc.article.date))
        if amount:
            attrs.amount, attrs.currency, attrs.amount_text = amount
        # 在博睿康D轮融资中，…孚腾资本联合领投
        for m in _round_re().finditer(s.text):
            targets = [o for o in ctx.of(i, ORG) if s.start + m.start(1) <= o.start < s.start + m.end(1)]
            lead = find_word(s.text, ("领投", "投资", "参投", "跟投"), m.end())
            if targets and lead:
                investors = group_before(ctx, s.start + lead.start(), i, max_gap=8)
                for inv in investors:
                    out.append(make_rel(inv, RelationType.INVESTS_IN, targets[0], ctx, i, "round", attrs))
        out += _round_led(ctx, i, attrs)
        for m in trigger_re("INVESTS_IN", "verb").finditer(s.text):
            vpos, vend = s.start + m.start(), s.start + m.end()
            if re.match(r"(?:总监|经理|人|机构|方|者|执行|基金|公司|平台|合伙人|领域|规模|效率|热情)", s.text[m.end():]):
                continue                      # 投资总监, 投资机构: a noun, not the verb
            investors = group_before(ctx, vpos, i, max_gap=12)
            targets = [t for t in group_after(ctx, vend, i, max_gap=4)
                       if not re.search(r"[，,。；;：:]", ctx.text(vend, t.start))]
            if targets and not investors and m.group(0) in ("领投", "联合领投", "参投", "跟投"):
                investors = _paragraph_subject(ctx, i)
            for inv in investors:
                for t in targets:
                    out.append(make_rel(inv, RelationType.INVESTS_IN, t, ctx, i, "invest", attrs))
        for m in trigger_re("INVESTS_IN", "found").finditer(s.text):
            vpos, vend = s.start + m.start(), s.start + m.end()
            founders = group_before(ctx, vpos, i, max_gap=14)
            created = [o for o in group_after(ctx, vend, i, max_gap=16)
                       if o.name.endswith(FOUNDED_KINDS) or _founded_here(ctx, o, vend)]
            for c in created[:1]:
                for f in founders:
                    if f.name != c.name:
                        out.append(make_rel(f, RelationType.INVESTS_IN, c, ctx, i, "found", attrs))
                if len(founders) > 1:
                    out += pairs(founders, ctx, i, "co-found")
    return out


@cache
def _round_re() -> re.Pattern:
    """在博睿康D轮融资中，: the company whose round it is."""
    rounds = "|".join(map(re.escape, triggers("INVESTS_IN", "round")))
    return re.compile(rf"在(.{{2,20}}?)(?:的)?[^，。]{{0,8}}?(?:{rounds})中[，,]")


_RAISED = re.compile(r"^(?:宣布)?(?:完成|获得|获)(?:了)?[^，。；]{0,16}?融资")
_LEAD = re.compile(r"(?:联合领投|领投|跟投|参投|共同投资|追加投资)")


def _round_led(ctx: Context, i: int, attrs: Attrs) -> list[Relation]:
    """星汉生物完成5亿元B轮融资，由高瓴资本领投，红杉中国跟投: the lead and
    follow investors invest in the company that raised the round."""
    s = ctx.doc.sentences[i]
    orgs = ctx.of(i, ORG)
    raiser = next((o for o in orgs if _RAISED.match(ctx.text(o.end, s.end))), None)
    if raiser is None:
        return []
    out = []
    for m in _LEAD.finditer(s.text, raiser.end - s.start):
        for inv in group_before(ctx, s.start + m.start(), i, max_gap=2):
            if inv.name != raiser.name:
                out.append(make_rel(inv, RelationType.INVESTS_IN, raiser, ctx, i, "round-led", attrs))
    return out


def _paragraph_subject(ctx: Context, i: int) -> list[EntityMention]:
    """The organisations a paragraph is about: the latest earlier sentence of
    the same paragraph that lists several (上海生物医药产业母基金、…以及上海国资母基金，…)."""
    for j in range(i - 1, -1, -1):
        if ctx.paragraph[j] != ctx.paragraph[i]:
            break
        orgs = ctx.of(j, ORG)
        for k, first in enumerate(orgs):
            group = group_after(ctx, first.start, j, max_gap=0)
            if len(group) >= 2:
                return group
    return []


def _founded_here(ctx: Context, o: EntityMention, vend: int) -> bool:
    """合资成立直观复星: a joint venture named right after the verb."""
    return o.start == vend or ctx.text(vend, o.start) == "了"


# --- ORGANIZES, ISSUES -----------------------------------------------------

def organizes(ctx: Context) -> list[Relation]:
    out = []
    for i, vpos, _, events in trigger_hits(ctx, "ORGANIZES", "verb", EVT):
        orgs = group_before(ctx, vpos, i, max_gap=6)
        if not orgs and ctx.text(vpos - 1, vpos) != "由":
            by = [o for o in ctx.of(i, ORG) if o.end <= vpos and "由" in ctx.text(o.start - 2, o.start)]
            orgs = by[-1:]
        ev = [e for e in events if e.start >= vpos] or events
        out += [make_rel(o, RelationType.ORGANIZES, ev[0], ctx, i, "organize") for o in orgs]
    return out


def issues(ctx: Context) -> list[Relation]:
    out = []
    for i, vpos, vend, policies in trigger_hits(ctx, "ISSUES", "verb", POL):
        issuers = [o for o in ctx.of(i, ORG) if o.end <= vpos and vpos - o.end <= 12]
        after = [p for p in policies if p.start >= vend and p.start - vend <= 12]
        if issuers and after:
            when = find_date(ctx.sentence_text(i), ctx.doc.article.date)
            out.append(make_rel(issuers[-1], RelationType.ISSUES, after[0], ctx, i, "issue", Attrs(date=when)))
    return out
