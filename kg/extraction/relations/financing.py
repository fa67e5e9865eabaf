"""INVESTS_IN: financing rounds, stakes, capital and acquisitions, as news writers word them.

A financing round has a raiser and investors, often in separate clauses or sentences:
    迈威生物宣布完成19.7亿元A轮融资，本次融资由拾玉资本领投，其他投资者包括东方富海、…
    科济开曼的C轮融资由正心谷资本领投，礼来亚洲基金、拾玉资本、夏焱资本等参与其中。
The raiser is the subject of 完成/获得/宣布 … 融资, or the owner in X的…轮融资 / 在X的…融资中;
the round stays open for the rest of the paragraph (本轮/本次/该轮融资) until another raiser.
Investors are the group before 领投/跟投/参投/参与, the group after 由 … 领投, or the list
after 投资方包括/投资者包括 ….

Outside rounds (kg/data/word_lists.tsv `invest_verbs`, `stake_patterns`):
    A 投资/注资/入股/增持/收购 B;  B 获得 A (的)(战略)投资;  A 持有 B …% 股份;
    A 是 B 的(第一大|控股)股东;  B 由 A 出资/持股 …%;  A 和 B 的合资公司 C (both invest in C,
    and partner: H8).
Amounts and dates come from the sentence (relations/attributes.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg import data
from kg.extraction.relations.attributes import find_amount, find_date
from kg.extraction.relations.context import (
    ORG, PER, Context, EntityMention, group_after, group_before, make_rel, pairs, unstated,
)
from kg.model import Attrs, Relation, RelationType

INVESTS_IN = RelationType.INVESTS_IN


@cache
def _words(name: str) -> re.Pattern:
    return data.alternation_re(data.word_list(name))


_ROUND = re.compile(r"(?:(?:Pre-|pre-)?[A-F]\+{0,2}|天使|种子|战略|Pre-IPO|新一|首|新|第[一二三四五六七八九十]+)轮"
                    r"(?:[^，。；]{0,10}?)融资|(?:战略|股权|天使|种子)融资|融资|定向增发|定增")
_RAISE = re.compile(r"^[^，。；]{0,12}?(?:宣布|正式|顺利|成功|近日|日前|已)?(?:完成|获得|获|斩获|拿下|迎来|落定|启动)")


@dataclass
class Round:
    raiser: EntityMention
    paragraph: int


def invests(ctx: Context) -> list[Relation]:
    out: list[Relation] = []
    current: Round | None = None
    for i, s in enumerate(ctx.doc.sentences):
        if current is not None and ctx.paragraph[i] != current.paragraph:
            current = None
        raiser = _raiser(ctx, i)
        if raiser is not None:
            current = Round(raiser, ctx.paragraph[i])
        attrs = _attrs(ctx, i)
        if current is not None:
            out += _round_investors(ctx, i, current.raiser, attrs)
        out += _stakes(ctx, i, attrs) + _joint_ventures(ctx, i, attrs)
    return out


def _attrs(ctx: Context, i: int) -> Attrs:
    s = ctx.doc.sentences[i]
    attrs = Attrs(date=find_date(s.text, ctx.doc.article.date))
    amount = find_amount(s.text)
    if amount:
        attrs.amount, attrs.currency, attrs.amount_text = amount
    return attrs


def _raiser(ctx: Context, i: int) -> EntityMention | None:
    """The organisation that raises the round sentence i speaks of, if it names one."""
    s = ctx.doc.sentences[i]
    for m in _ROUND.finditer(s.text):
        pos = s.start + m.start()
        orgs = [o for o in ctx.of(i, ORG) if o.end <= pos]
        for o in reversed(orgs):                          # 迈威生物宣布完成…A轮融资
            between = ctx.text(o.end, pos)
            if _RAISE.match(between) and not re.search(r"[，。；]", between):
                return o
        for o in reversed(orgs):                          # 科济开曼的C轮融资, 在博睿康D轮融资中
            between = ctx.text(o.end, pos)
            if pos - o.end <= 12 and not re.search(r"[，。；]", between) and (
                    between.startswith("的") or ctx.text(o.start - 1, o.start) == "在"):
                return o
    return None


def _round_investors(ctx: Context, i: int, raiser: EntityMention, attrs: Attrs) -> list[Relation]:
    s = ctx.doc.sentences[i]
    investors: list[EntityMention] = []
    for m in _words("lead_verbs").finditer(s.text):       # 领投, 跟投, 参投, 参与, 追加投资
        pos = s.start + m.start()
        if ctx.inside_mention(i, pos, s.start + m.end()):
            continue
        group = group_before(ctx, pos, i, ORG, max_gap=6)
        if not group:
            by = [o for o in ctx.of(i, ORG) if o.end <= pos and re.search(r"由$|由[^，。；]{0,4}$",
                                                                          ctx.text(max(s.start, o.start - 6), o.start))]
            if by:
                group = group_after(ctx, by[0].start, i, ORG, max_gap=0)
        investors += group
    for m in _words("investor_lists").finditer(s.text):   # 投资方为A(领投)、B/C、D …: every name to the clause's end
        end = re.search(r"[。；;]|等(?:机构|投资方|投资人|股东)?|$", s.text[m.end():])
        investors += [o for o in ctx.of(i, ORG) if s.start + m.end() <= o.start < s.start + m.end() + end.start()]
    by_only = re.search(r"由([^，。；]{2,30}?)(?:独家|联合|共同)?投资", s.text)
    if by_only:
        investors += [o for o in ctx.of(i, ORG) if s.start + by_only.start(1) <= o.start < s.start + by_only.end(1)]
    seen, out = set(), []
    for inv in investors:
        if inv.name != raiser.name and inv.name not in seen:
            seen.add(inv.name)
            out.append(make_rel(inv, INVESTS_IN, raiser, ctx, i, "round", attrs))
    return out


def _stakes(ctx: Context, i: int, attrs: Attrs) -> list[Relation]:
    """A 投资/注资/入股/增持/收购 B; B 获得 A 投资; A 持有 B 股份; A 是 B 股东; B 由 A 出资/持股."""
    s = ctx.doc.sentences[i]
    out = []
    actors = ctx.of(i, ORG) + ctx.of(i, PER)
    if len(actors) < 2:
        return out
    for m in _words("invest_verbs").finditer(s.text):
        vpos, vend = s.start + m.start(), s.start + m.end()
        if ctx.inside_mention(i, vpos, vend):
            continue
        if re.match(r"(?:总监|经理|人|机构|方|者|基金|公司|平台|合伙人|领域|规模|效率|热情|价值|逻辑|策略|项目|股东|子公司|比例)",
                    s.text[m.end():]) or unstated(s.text, m.start()):
            continue                                      # 投资总监, 控股股东, 是否会入股: not a stated act
        investors = group_before(ctx, vpos, i, ORG, max_gap=10) or group_before(ctx, vpos, i, PER, max_gap=4)
        targets = [t for t in group_after(ctx, vend, i, ORG, max_gap=4)
                   if not re.search(r"[，,。；;：:]", ctx.text(vend, t.start))]
        out += [make_rel(a, INVESTS_IN, t, ctx, i, "invest", attrs) for a in investors for t in targets
                if a.name != t.name]
    for m in _words("got_investment").finditer(s.text):   # B 获得 A (的)(战略)投资
        vpos = s.start + m.start()
        target = group_before(ctx, vpos, i, ORG, max_gap=8)
        rest = s.text[m.end():]
        inv_end = re.search(r"(?:的)?(?:战略|股权|天使|首轮)?(?:投资|注资|入股|融资)", rest)
        if target and inv_end:
            investors = [o for o in ctx.of(i, ORG) if s.start + m.end() <= o.start < s.start + m.end() + inv_end.start()]
            out += [make_rel(a, INVESTS_IN, t, ctx, i, "got-investment", attrs) for a in investors for t in target[-1:]
                    if a.name != t.name]
    for target in actors:                                 # A、B(拟)对C进行增资, A向C注入…
        if ctx.text(target.start - 1, target.start) in ("对", "向") and target.type == ORG \
                and _CAPITAL_AFTER.match(ctx.doc.text, target.end, s.end):
            out += [make_rel(a, INVESTS_IN, target, ctx, i, "capital-into", attrs)
                    for a in group_before(ctx, target.start - 1, i, ORG, max_gap=6) if a.name != target.name]
    for pattern in _stake_patterns() if _STAKE_WORDS.search(s.text) else ():
        for m in pattern.finditer(s.text):
            owner, owned = (_mention_of(ctx, i, s.start, m, g) for g in ("a", "b"))
            if owner and owned and owner.name != owned.name:
                out.append(make_rel(owner, INVESTS_IN, owned, ctx, i, "stake", attrs))
    return out


# After 对/向 + the company, within the clause, the capital verb: 对新华联置地进行增资.
_CAPITAL_AFTER = re.compile(r"[^，。；]{0,12}?(?:进行|实施|完成)?(?:增资|注资|注入|出资|投资)")
_STAKE_WORDS = re.compile(r"股|持有|出资|发起人")      # every stake pattern needs one: skip the rest


@cache
def _stake_patterns() -> tuple[re.Pattern, ...]:
    """Patterns with named groups a (the investor) and b (what it owns), from kg/data/stakes.txt."""
    return data.patterns("stakes.txt")


def _mention_of(ctx: Context, i: int, offset: int, m: re.Match, group: str) -> EntityMention | None:
    """The mention a stake pattern's group names: group `a` holds it (the one ending last
    inside); an empty group `a_next` marks where it starts (大股东|露露集团已经…)."""
    if group in m.re.groupindex:
        return _mention_in(ctx, i, offset + m.start(group), offset + m.end(group))
    pos = offset + m.start(group + "_next")
    return next((x for x in ctx.of(i, ORG) + ctx.of(i, PER) if x.start == pos), None)


def _mention_in(ctx: Context, i: int, start: int, end: int) -> EntityMention | None:
    """The organisation or person mention that ends last inside [start, end)."""
    inside = [m for m in ctx.of(i, ORG) + ctx.of(i, PER) if start <= m.start and m.end <= end]
    return max(inside, key=lambda m: m.end) if inside else None


def _joint_ventures(ctx: Context, i: int, attrs: Attrs) -> list[Relation]:
    """A和B的合资公司C; A与B合资成立C: both invest in C and partner each other (H8)."""
    s = ctx.doc.sentences[i]
    out = []
    for m in re.finditer(r"(?:的|共同|联合)?(?:合资公司|合资企业|合资成立|合资设立|共同出资设立|共同设立|联合设立)(?:了)?", s.text):
        founders = group_before(ctx, s.start + m.start(), i, ORG, max_gap=2)
        created = [o for o in ctx.of(i, ORG) if s.start + m.end() <= o.start <= s.start + m.end() + 2]
        if len(founders) >= 2 and created:
            out += [make_rel(f, INVESTS_IN, created[0], ctx, i, "joint-venture", attrs) for f in founders
                    if f.name != created[0].name]
            out += pairs(founders, ctx, i, "joint-venture")
    return out
