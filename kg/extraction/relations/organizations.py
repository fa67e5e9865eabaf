"""PARTNERS_WITH, INVESTS_IN, ORGANIZES, ISSUES: what organisations do together."""
from __future__ import annotations

import re
from functools import cache

from kg import data

from kg.extraction.relations.attributes import find_amount, find_date
from kg.extraction.relations.context import (
    EVT, ORG, PER, POL, Context, EntityMention, find_word, unstated, group_after, group_before, make_rel, pairs, trigger_re, triggers,
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
            if s.text.startswith(_PARTNER_NOUN_TAILS, m.end()) \
                    or unstated(s.text, m.start()) or ctx.inside_mention(i, pos, s.start + m.end()):
                continue                      # 英特尔、思科等合作伙伴, WHO数字健康合作中心: not an act
            group = group_before(ctx, pos, i, max_gap=14)
            if len(group) < 2 and len(lead) >= 2 and not [o for o in orgs if lead[-1].end <= o.start < pos]:
                group = lead                  # 英矽智能、迈威生物与上海皓元，作为…，正式达成战略合作协议
            if m.group(0) in _OBJECT_VERBS and group:
                obj = group_after(ctx, s.start + m.end(), i, max_gap=3)
                for o in obj[:1]:
                    out.append(make_rel(group[-1], RelationType.PARTNERS_WITH, o, ctx, i, "partner-object"))
            listed = _with_list(ctx, i, pos)
            if listed:                        # A与B、C及旗下…企业、D等签订…协议: A with each of them
                out += [make_rel(listed[0], RelationType.PARTNERS_WITH, o, ctx, i, "partner-each") for o in listed[1:]]
                continue
            if len(group) >= 3 and ctx.text(group[0].end, group[1].start) in ("与", "和", "同") \
                    and all(ctx.text(a.end, b.start) == "、" for a, b in zip(group[1:], group[2:])):
                out += [make_rel(group[0], RelationType.PARTNERS_WITH, o, ctx, i, "partner-each")
                        for o in group[1:]]         # A与B、C、D签约: A with each, not B with C
            elif len(group) >= 2:
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


# 合作 followed by these is a noun (合作伙伴) or part of a name (数字健康合作中心), not an act.
_PARTNER_NOUN_TAILS = data.word_list("partner_noun_tails")
_OBJECT_VERBS = ("联动", "携手", "牵手", "结盟")


_WITH_AFTER = re.compile(r"[\u4e00-\u9fff]{0,4}?(?:与|同)")


def _hub(ctx: Context, orgs: list[EntityMention], pos: int) -> EntityMention | None:
    """The organisation 与 follows, an adverb at most between (海康威视相继与…, 京基集团分别与…), with no
    other organisation before the 与; not the last of a list (A、B分别与…: each of them)."""
    for n, o in enumerate(orgs):
        m = _WITH_AFTER.match(ctx.doc.text, o.end, pos)
        if m and (n + 1 == len(orgs) or orgs[n + 1].start >= m.end()) and ctx.text(o.start - 1, o.start) != "、":
            return o
    return None


def _with_list(ctx: Context, i: int, pos: int) -> list[EntityMention]:
    """[A, B, C, …] for `A与B、C、…等 <trigger>` in the clause before `pos`: every organisation
    between A's 与 and the trigger is A's partner, whatever else the list holds."""
    s = ctx.doc.sentences[i]
    clause = max(s.text.rfind(c, 0, pos - s.start) for c in "，。；") + 1 + s.start
    orgs = [o for o in ctx.of(i, ORG) if clause <= o.start and o.end <= pos]
    hub = _hub(ctx, orgs, pos)
    if hub is None:
        return []
    partners = [o for o in orgs if o.start > hub.end and o.name != hub.name]
    partners = [o for n, o in enumerate(partners)    # 与宝钢集团旗下的宝钢资源公司: the unit is the partner
                if not (n + 1 < len(partners) and re.fullmatch(r"(?:旗下|下属)的?", ctx.text(o.end, partners[n + 1].start)))]
    between = ctx.text(hub.end, pos)
    return [hub, *partners] if len(partners) >= 2 and re.search(r"[、和及]", between) \
        or len(partners) == 1 and re.search(r"旗下|下属", between) else []


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
            if ctx.inside_mention(i, vpos, vend) or s.text[m.start() - 1:m.start()] in ("(", "（"):
                continue                      # 高瓴资本(领投)、…: a note on a list item, not a verb
            if re.match(r"(?:总监|经理|人|机构|方|者|执行|基金|公司|平台|合伙人|领域|规模|效率|热情|股东|子公司|比例)",
                        s.text[m.end():]):
                continue                      # 投资总监, 控股股东: a noun, not the verb
            if unstated(s.text, m.start()):
                continue                      # 是否会入股, 否认收购: not a stated fact
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
            if not created and founders and ctx.text(founders[0].start - 1, founders[0].start) == "由":
                created = [o for o in ctx.of(i, ORG) if o.end == founders[0].start - 1]   # C由A和B共同成立
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

_GENERIC_EVENT = re.compile(r"^(?:[^，。；]{0,6}?)(?:本次|此次|本届|该|这次|今年的|大会|论坛|峰会|会议|活动|博览会|展会|赛事|大赛|比赛|仪式)")
_ROLE_LIST = re.compile(r"(?:主办|承办|协办|支持|联合主办|共同主办)(?:单位|方)[:：]")


def organizes(ctx: Context) -> list[Relation]:
    """由A、B共同主办，C承办 / 主办单位：A、B；承办单位：C / A举办E: every organiser of the event the
    sentence is about (named there, else the article's main event when the sentence opens with
    本次/大会/论坛 …)."""
    out = []
    main = ctx.main_event()
    for i, s in enumerate(ctx.doc.sentences):
        events = ctx.of(i, EVT)
        for m in trigger_re("ORGANIZES", "verb").finditer(s.text):
            vpos, vend = s.start + m.start(), s.start + m.end()
            if ctx.inside_mention(i, vpos, vend):
                continue
            role = _ROLE_LIST.match(s.text, m.start())
            if role:                                      # 主办单位：A、B
                orgs = group_after(ctx, s.start + role.end(), i, max_gap=2)
            else:
                orgs = group_before(ctx, vpos, i, max_gap=6)
                if orgs and ctx.text(orgs[0].start - 1, orgs[0].start) == "在":
                    orgs = []                             # 在广州国际医药港举办: a venue, not an organiser
                by = s.text.rfind("由", 0, m.start())
                if not orgs and by >= 0 and not re.search(r"[，。；]", s.text[by:m.start()]):
                    orgs = group_after(ctx, s.start + by + 1, i, max_gap=2)
            target = next((e for e in events if e.start >= vend and e.start - vend <= 12), None) \
                or next((e for e in reversed(events) if e.end <= vpos), None) or (events[0] if events else None)
            if target is None and (_GENERIC_EVENT.match(s.text) or role):
                target = ctx.event_meant(s.start, s.text) or main
            if target is not None:
                out += [make_rel(o, RelationType.ORGANIZES, target, ctx, i, "organize") for o in orgs]
    return out


def issues(ctx: Context) -> list[Relation]:
    """A、B 联合印发《P》; 《P》由A发布; A B 关于印发《P》的通知: every issuer named with the act."""
    out = []
    for i, s in enumerate(ctx.doc.sentences):
        policies = ctx.of(i, POL)
        if not policies:
            continue
        when = find_date(s.text, ctx.doc.article.date)
        for m in trigger_re("ISSUES", "verb").finditer(s.text):
            vpos, vend = s.start + m.start(), s.start + m.end()
            if ctx.inside_mention(i, vpos, vend):
                continue
            after = [p for p in policies if vend <= p.start <= vend + 12]
            before = [p for p in policies if p.end <= vpos and vpos - p.end <= 12]
            if after:
                issuers = group_before(ctx, vpos, i, max_gap=14)
                if not issuers and re.search(r"关于$", ctx.text(max(s.start, vpos - 2), vpos)):
                    issuers = [o for o in ctx.of(i, ORG) if o.end <= vpos]      # A B C 关于印发《P》的通知
                target = after[0]
            elif before and "由" in ctx.text(before[-1].end, vpos):
                by = s.text.rfind("由", 0, m.start())
                issuers, target = group_after(ctx, s.start + by + 1, i, max_gap=2), before[-1]
            else:
                continue
            out += [make_rel(o, RelationType.ISSUES, target, ctx, i, "issue", Attrs(date=when)) for o in issuers]
    return out + _signed(ctx) + _named_issuer(ctx) + _decree(ctx)


_NOTICE = re.compile(r"现将[^。]{0,6}《[^》]+》[^。]{0,12}(?:印发|发布|转发|公布)")
_SIGN_OFF = re.compile(r"特此(?:通知|公告|通告)")


def _signed(ctx: Context) -> list[Relation]:
    """现将《P》印发给你们 … 特此通知。A、B、C 2024年9月14日: a notice's signatories issue what it sends."""
    text = ctx.doc.text
    sign = _SIGN_OFF.search(text)
    if sign is None:
        return []
    signers = [m for m in ctx.mentions if m.type == ORG and sign.end() <= m.start <= sign.end() + 160]
    out = []
    for i, s in enumerate(ctx.doc.sentences):
        for m in _NOTICE.finditer(s.text):
            targets = [p for p in ctx.of(i, POL) if s.start + m.start() <= p.start < s.start + m.end()]
            out += [make_rel(o, RelationType.ISSUES, t, ctx, i, "issue-signed") for t in targets for o in signers]
    return out


def _named_issuer(ctx: Context) -> list[Relation]:
    """香港联合交易所有限公司证券上市规则: a policy whose name opens with its issuer's full name."""
    orgs = {m.name: m for m in ctx.mentions if m.type == ORG and len(m.name) >= 4}
    out = []
    for p in ctx.mentions:
        if p.type != POL:
            continue
        issuer = next((orgs[n] for n in sorted(orgs, key=len, reverse=True)
                       if p.name.startswith(n) and len(p.name) - len(n) >= 4), None)
        if issuer is not None:
            out.append(make_rel(issuer, RelationType.ISSUES, p, ctx, p.sentence, "issue-named"))
    return out


_DECREE = re.compile(r"第\s*\d+\s*号([\u4e00-\u9fff]{2,8}?)令")


def _decree(ctx: Context) -> list[Relation]:
    """签署第818号国务院令；《条例》正式公布: the body whose decree it is issues the policy named
    there or in the next sentence."""
    out = []
    for i, s in enumerate(ctx.doc.sentences):
        for m in _DECREE.finditer(s.text):
            issuer = next((o for o in ctx.mentions if o.type == ORG and o.name == m.group(1)), None)
            targets = ctx.of(i, POL) or (ctx.of(i + 1, POL) if i + 1 < len(ctx.doc.sentences) else [])
            if issuer is not None:
                out += [make_rel(issuer, RelationType.ISSUES, t, ctx, i, "issue-decree") for t in targets]
    return out
