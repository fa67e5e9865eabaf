"""Relations from trigger words, argument types and sentence structure.

Each rule reads the article's resolved mentions sentence by sentence and
proposes relations; `relations` keeps those the closed schema allows, once
per (head, type, tail), with the first evidence sentence.  Trigger words
live in kg/data/triggers.tsv; gold/GUIDE.md defines what each relation means.

Co-actors are groups of mentions joined only by 、/与/和/及/联合 (and the
people and 教授团队 in between): 邦耀生物联合华东师范大学杜冰、刘明耀教授团队及
海军军医大学附属长征医院徐沪济教授团队研发的… gives three developers who
partner with one another.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg import data
from kg.components import apposition
from kg.components.attributes import find_amount, find_date
from kg.components.lexicon import role_of
from kg.components.persons import titles
from kg.model import Attrs, Doc, Entity, EntityType, Mention, Relation, RelationType, schema_allows
from kg.pipeline import component

ORG, PER, PRO, POL, EVT = (EntityType.ORGANIZATION, EntityType.PERSON, EntityType.PRODUCT,
                           EntityType.POLICY, EntityType.EVENT)
R = RelationType
REGULATOR_NAME = re.compile(r"药品监督管理局|药监局|药品管理局|FDA|EMA|PMDA|MHRA|NMPA|监督管理局|卫生监督局")
EVENT_PARTS = ("论坛上", "大会上", "峰会上", "会上", "开幕式上", "主论坛上", "开幕式", "主论坛", "闭幕式", "圆桌",
               "环节", "致辞", "主旨演讲", "演讲", "讲台", "会议")
FOUNDED_KINDS = ("基金", "公司", "有限公司", "合伙企业", "有限合伙", "集团", "合资公司")


@cache
def triggers(relation: str, role: str) -> tuple[str, ...]:
    words = []
    for rel, r, alts in data.table("triggers.tsv", 3):
        if rel == relation and r == role:
            words.extend(w for w in alts.split("|") if w)
    return tuple(sorted(set(words), key=len, reverse=True))


@dataclass
class M:
    """A mention with the entity it was resolved to."""
    start: int
    end: int
    entity: Entity
    sentence: int

    @property
    def type(self) -> EntityType:
        return self.entity.type

    @property
    def name(self) -> str:
        return self.entity.name


class Context:
    """The article's mentions by sentence, and helpers the rules share."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.mentions = sorted((M(m.start, m.end, e, m.sentence) for e in doc.entities for m in e.mentions),
                               key=lambda m: m.start)
        self.by_sentence: dict[int, list[M]] = {}
        for m in self.mentions:
            self.by_sentence.setdefault(m.sentence, []).append(m)
        self.paragraph = []
        para = 0
        for i, s in enumerate(doc.sentences):
            if i and "\n" in doc.text[doc.sentences[i - 1].end:s.start]:
                para += 1
            self.paragraph.append(para)

    def text(self, a: int, b: int) -> str:
        return self.doc.text[a:b]

    def sentence_text(self, i: int) -> str:
        return self.doc.sentences[i].text

    def of(self, sentence: int, etype: EntityType) -> list[M]:
        return [m for m in self.by_sentence.get(sentence, []) if m.type == etype]


def is_joined(ctx: Context, a: M, b: M) -> bool:
    """Are two mentions co-actors: only joiners, people and 教授团队 between them?"""
    gap = ctx.text(a.end, b.start)
    for p in ctx.by_sentence.get(a.sentence, []):
        if p.type == PER and a.end <= p.start and p.end <= b.start:
            gap = gap.replace(ctx.text(p.start, p.end), "")
    gap = re.sub(r"教授|研究员|院士|博士|团队|课题组|等", "", gap)
    return bool(re.fullmatch(r"(?:、|与|和|及|以及|联合|携手|同|，|,|\s)*", gap)) and gap.strip() != "，"


def group_before(ctx: Context, pos: int, sentence: int, etype: EntityType = ORG, max_gap: int = 8) -> list[M]:
    """The co-actors whose last member ends within `max_gap` characters before `pos`."""
    cands = [m for m in ctx.of(sentence, etype) if m.end <= pos]
    if not cands or pos - cands[-1].end > max_gap:
        return []
    group = [cands[-1]]
    for m in reversed(cands[:-1]):
        if is_joined(ctx, m, group[0]):
            group.insert(0, m)
        else:
            break
    return group


def group_after(ctx: Context, pos: int, sentence: int, etype: EntityType = ORG, max_gap: int = 8) -> list[M]:
    cands = [m for m in ctx.of(sentence, etype) if m.start >= pos]
    if not cands or cands[0].start - pos > max_gap:
        return []
    group = [cands[0]]
    for m in cands[1:]:
        if is_joined(ctx, group[-1], m):
            group.append(m)
        else:
            break
    return group


def _rel(head: M, rtype: RelationType, tail: M, ctx: Context, sentence: int, rule: str,
         attrs: Attrs | None = None) -> Relation:
    return Relation(head=head.name, type=rtype, tail=tail.name, sentence=sentence,
                    evidence=ctx.sentence_text(sentence), attrs=attrs or Attrs(), rule=rule)


def _find_word(text: str, words: tuple[str, ...], start: int = 0, end: int | None = None) -> re.Match | None:
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words)).search(text, start, len(text) if end is None else end)


# --- WORKS_FOR -------------------------------------------------------------

def works_for(ctx: Context) -> list[Relation]:
    out = []
    doc = ctx.doc
    for p in (m for m in ctx.mentions if m.type == PER):
        sent = doc.sentences[p.sentence] if p.sentence >= 0 else None
        floor = sent.start if sent else 0
        mention = Mention(p.start, p.end, ctx.text(p.start, p.end), PER)
        for link in apposition.chain(doc, mention, floor):
            if link.kind != "work":
                continue
            orgs = [m for m in ctx.of(p.sentence, ORG) if m.start >= link.org_start and m.end <= link.org_end]
            if orgs:
                title = ("前" if link.former else "") + link.title
                out.append(_rel(p, R.WORKS_FOR, orgs[-1], ctx, p.sentence, "apposition", Attrs(title=title)))
    out += _post_titled(ctx) + _name_first(ctx)
    return out


_WORK_POST = re.compile(r"^(?:、[^、，。]{2,4})*(教授|研究员|副教授|主任医师|医生|院长|主任|博士后)")


def _post_titled(ctx: Context) -> list[Relation]:
    """华东师范大学杜冰、刘明耀教授团队: people between an organisation and a title."""
    out = []
    for org in (m for m in ctx.mentions if m.type == ORG):
        people = []
        pos = org.end
        for p in ctx.of(org.sentence, PER):
            if p.start == pos or (people and ctx.text(pos, p.start) == "、"):
                people.append(p)
                pos = p.end
        if people and (m := _WORK_POST.match(ctx.text(pos, pos + 12))):
            for p in people:
                out.append(_rel(p, R.WORKS_FOR, org, ctx, org.sentence, "post-title", Attrs(title=m.group(1))))
    return out


def _name_first(ctx: Context) -> list[Relation]:
    """李星，深度制耀创始人 / 李星（深度制耀创始人）/ 李星担任深度制耀首席执行官."""
    out = []
    title_words = tuple(sorted(titles(), key=len, reverse=True))
    for p in (m for m in ctx.mentions if m.type == PER):
        after = [m for m in ctx.of(p.sentence, ORG) if m.start >= p.end]
        if not after:
            continue
        org = after[0]
        gap = ctx.text(p.end, org.start)
        if not re.fullmatch(r"[，,（(]?(?:现任|系|是|为|担任|出任|任|曾任)?", gap):
            continue
        rest = ctx.text(org.end, org.end + 12).lstrip("的")
        title = next((t for t in title_words if rest.startswith(t)), None)
        title_end = org.end + (len(ctx.text(org.end, org.end + 12)) - len(rest)) + len(title or "")
        if any(q.start == title_end for q in ctx.of(p.sentence, PER)):
            continue                     # 古迦睿，联影集团董事长薛敏: the title is 薛敏's
        if title and titles()[title] == "work":
            out.append(_rel(p, R.WORKS_FOR, org, ctx, p.sentence, "name-first", Attrs(title=title)))
    return out


# --- SPOKE_AT --------------------------------------------------------------

_FRAME_AFTER = ("上", "期间", "现场", "中", "开幕式上", "主论坛上", "开幕当天")


def _frames(ctx: Context) -> dict[int, M]:
    """The event each sentence is set at.

    在 E 上…, E 上，…, 出席 E… set the frame; it holds until another frame
    is set.  A generic reference (论坛上, 本次论坛, 致辞, 圆桌) points at the
    latest named event of that kind (…论坛 for 论坛), else the article's main
    event."""
    main = _main_event(ctx)
    frames: dict[int, M] = {}
    current = None
    for i, s in enumerate(ctx.doc.sentences):
        here = None
        for e in ctx.of(i, EVT):
            after = ctx.text(e.end, e.end + 5)
            before = ctx.text(max(s.start, e.start - 24), e.start)
            if after.startswith(_FRAME_AFTER) or "出席" in before or "参加" in before or "在" in before:
                here = e
        if here is None:
            word = next((w for w in EVENT_PARTS if w in s.text), None)
            if word is not None:
                here = _latest_of_kind(ctx, s.start, word) or current or main
        current = here or current
        if current is not None:
            frames[i] = current
    return frames


def _latest_of_kind(ctx: Context, pos: int, word: str) -> M | None:
    kind = next((k for k in ("论坛", "峰会", "大会", "会") if k in word), None)
    if kind is None:
        return None
    before = [m for m in ctx.mentions if m.type == EVT and m.start < pos and m.name.endswith(kind)]
    return before[-1] if before else None


def _main_event(ctx: Context) -> M | None:
    events = [m for m in ctx.mentions if m.type == EVT]
    if not events:
        return None
    counts: dict[str, int] = {}
    for e in events:
        counts[e.name] = counts.get(e.name, 0) + 1
    best = max(counts, key=lambda n: (counts[n], -min(e.start for e in events if e.name == n)))
    return next(e for e in events if e.name == best)


def spoke_at(ctx: Context) -> list[Relation]:
    out = []
    frames = _frames(ctx)
    speech, report, press = (triggers("SPOKE_AT", r) for r in ("speech", "report", "press"))
    for i, s in enumerate(ctx.doc.sentences):
        people = ctx.of(i, PER)
        if not people or _find_word(s.text, press):
            continue
        events_here = ctx.of(i, EVT)
        strong = _find_word(s.text, speech)
        for p in people:
            rest = ctx.text(p.end, s.end)
            says = _find_word(rest, report) or _find_word(rest, speech)
            if strong and events_here:
                framed = frames.get(i)
                target = framed if framed in events_here else min(
                    events_here, key=lambda e: (e.start > p.start, abs(p.start - e.start)))
            elif i in frames and (says or strong):
                target = frames[i]
            else:
                continue
            out.append(_rel(p, R.SPOKE_AT, target, ctx, i, "speech"))
    return out


# --- DEVELOPS, APPROVED ----------------------------------------------------

_OWN = re.compile(r"^(?:的|旗下的|自主研发的|研发的|开发的|生产的|推出的)$")
_PRONOUN_OWNER = re.compile(r"(?:公司|该公司|这家企业|该企业|企业|其|他们|团队)(?:自主|联合|共同)?(?:研发|开发|研制|推出|生产)的")


def develops(ctx: Context) -> list[Relation]:
    out = []
    verbs = triggers("DEVELOPS", "verb")
    for pr in (m for m in ctx.mentions if m.type == PRO):
        i = pr.sentence
        s = ctx.doc.sentences[i]
        left = ctx.text(s.start, pr.start)
        verb = None
        for m in re.finditer("|".join(map(re.escape, verbs)), left):
            verb = m
        owners: list[M] = []
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
            out.append(_rel(o, R.DEVELOPS, pr, ctx, i, rule,
                            Attrs(date=find_date(s.text, ctx.doc.article.date, near=pr.start - s.start))))
        if rule == "verb" and len(owners) > 1 and (
                "联合" in ctx.text(owners[0].start, owners[-1].end) or verb.group(0) in _JOINT_VERBS):
            out += _pairs(owners, ctx, i, "co-develop")
    return out


_JOINT_VERBS = ("联合开发", "共同开发", "合作开发")
_NOT_COMPANY = ("医院", "大学", "学院", "研究院", "研究所", "委员会", "局", "政府", "部", "中心", "协会")


def _recent_company(ctx: Context, pos: int) -> M | None:
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
        trigger = _find_word(text, words)
        if not trigger:
            continue
        when = find_date(text, ctx.doc.article.date, near=trigger.start())
        for r in regulators:
            pr = min(products, key=lambda p: abs(p.start - r.start))
            out.append(_rel(r, R.APPROVED, pr, ctx, i, "approval", Attrs(date=when)))
    return out


def _is_regulator(m: M) -> bool:
    refs = [x.ref for x in m.entity.mentions if x.ref]
    if any(role_of().get(r) == "regulator" for r in refs):
        return True
    return any(REGULATOR_NAME.search(f) for f in [m.entity.name, *m.entity.aliases])


# --- PARTNERS_WITH, INVESTS_IN ---------------------------------------------

def _pairs(group: list[M], ctx: Context, sentence: int, rule: str) -> list[Relation]:
    out = []
    for a in range(len(group)):
        for b in range(a + 1, len(group)):
            if group[a].name != group[b].name:
                out.append(_rel(group[a], R.PARTNERS_WITH, group[b], ctx, sentence, rule))
    return out


def partners_with(ctx: Context) -> list[Relation]:
    out = []
    words = triggers("PARTNERS_WITH", "partner")
    for i, s in enumerate(ctx.doc.sentences):
        orgs = ctx.of(i, ORG)
        if len(orgs) < 1:
            continue
        lead = group_after(ctx, s.start, i, max_gap=2)
        for m in re.finditer("|".join(map(re.escape, words)), s.text):
            pos = s.start + m.start()
            group = group_before(ctx, pos, i, max_gap=14)
            if len(group) < 2 and len(lead) >= 2 and not [o for o in orgs if lead[-1].end <= o.start < pos]:
                group = lead                  # 英矽智能、迈威生物与上海皓元，作为…，正式达成战略合作协议
            if m.group(0) in _OBJECT_VERBS and group:
                obj = group_after(ctx, s.start + m.end(), i, max_gap=3)
                for o in obj[:1]:
                    out.append(_rel(group[-1], R.PARTNERS_WITH, o, ctx, i, "partner-object"))
            if len(group) >= 2:
                out += _pairs(group, ctx, i, "partner")
            elif len(group) == 1:
                # 礼来上海创新孵化器…与分子之心等本土企业签约合作
                partner = _with_partner(ctx, i, pos)
                subject = ctx.by_sentence[i][0]
                if partner and subject.type == ORG and subject.name != partner.name:
                    out.append(_rel(subject, R.PARTNERS_WITH, partner, ctx, i, "partner-with"))
            else:
                partner = _with_partner(ctx, i, pos)
                subject = ctx.by_sentence[i][0]
                if partner and subject.type == ORG and subject is not partner:
                    out.append(_rel(subject, R.PARTNERS_WITH, partner, ctx, i, "partner-with"))
    return out


_OBJECT_VERBS = ("联动", "携手", "牵手", "结盟")


def _with_partner(ctx: Context, i: int, pos: int) -> M | None:
    """The B of `与 B (等…)` right before the trigger."""
    s = ctx.doc.sentences[i]
    cands = [o for o in ctx.of(i, ORG) if o.end <= pos]
    for o in reversed(cands):
        if ctx.text(o.start - 1, o.start) in ("与", "同", "和") and pos - o.end <= 16 \
                and not re.search(r"[，。；]", ctx.text(o.end, pos)):
            return o
    return None


def invests_in(ctx: Context) -> list[Relation]:
    out = []
    verbs = triggers("INVESTS_IN", "verb")
    found = triggers("INVESTS_IN", "found")
    rounds = triggers("INVESTS_IN", "round")
    for i, s in enumerate(ctx.doc.sentences):
        orgs = ctx.of(i, ORG) + ctx.of(i, PER)
        if len(orgs) < 2:
            continue
        amount = find_amount(s.text)
        attrs = Attrs(date=find_date(s.text, ctx.doc.article.date))
        if amount:
            attrs.amount, attrs.currency, attrs.amount_text = amount
        # 在博睿康D轮融资中，…孚腾资本联合领投
        for m in re.finditer(r"在(.{2,20}?)(?:的)?[^，。]{0,8}?(?:" + "|".join(map(re.escape, rounds)) + r")中[，,]", s.text):
            targets = [o for o in ctx.of(i, ORG) if s.start + m.start(1) <= o.start < s.start + m.end(1)]
            lead = _find_word(s.text, ("领投", "投资", "参投", "跟投"), m.end())
            if targets and lead:
                investors = group_before(ctx, s.start + lead.start(), i, max_gap=8)
                for inv in investors:
                    out.append(_rel(inv, R.INVESTS_IN, targets[0], ctx, i, "round", attrs))
        for m in re.finditer("|".join(map(re.escape, verbs)), s.text):
            vpos, vend = s.start + m.start(), s.start + m.end()
            if re.match(r"(?:总监|经理|人|机构|方|者|执行|基金|公司|平台|合伙人|领域|规模|效率|热情)", s.text[m.end():]):
                continue                      # 投资总监, 投资机构: a noun, not the verb
            investors = group_before(ctx, vpos, i, max_gap=12)
            targets = group_after(ctx, vend, i, max_gap=4)
            if targets and not investors and m.group(0) in ("领投", "联合领投", "参投", "跟投"):
                investors = _paragraph_subject(ctx, i)
            for inv in investors:
                for t in targets:
                    out.append(_rel(inv, R.INVESTS_IN, t, ctx, i, "invest", attrs))
        for m in re.finditer("|".join(map(re.escape, found)), s.text):
            vpos, vend = s.start + m.start(), s.start + m.end()
            founders = group_before(ctx, vpos, i, max_gap=14)
            created = [o for o in group_after(ctx, vend, i, max_gap=16)
                       if o.name.endswith(FOUNDED_KINDS) or _founded_here(ctx, o, vend)]
            for c in created[:1]:
                for f in founders:
                    if f.name != c.name:
                        out.append(_rel(f, R.INVESTS_IN, c, ctx, i, "found", attrs))
                if len(founders) > 1:
                    out += _pairs(founders, ctx, i, "co-found")
    return out


def _paragraph_subject(ctx: Context, i: int) -> list[M]:
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


def _founded_here(ctx: Context, o: M, vend: int) -> bool:
    """合资成立直观复星: a joint venture named right after the verb."""
    return o.start == vend or ctx.text(vend, o.start) == "了"


# --- ORGANIZES, ISSUES -----------------------------------------------------

def organizes(ctx: Context) -> list[Relation]:
    out = []
    verbs = triggers("ORGANIZES", "verb")
    for i, s in enumerate(ctx.doc.sentences):
        events = ctx.of(i, EVT)
        if not events:
            continue
        for m in re.finditer("|".join(map(re.escape, verbs)), s.text):
            vpos = s.start + m.start()
            orgs = group_before(ctx, vpos, i, max_gap=6)
            if not orgs and ctx.text(vpos - 1, vpos) != "由":
                by = [o for o in ctx.of(i, ORG) if o.end <= vpos and "由" in ctx.text(o.start - 2, o.start)]
                orgs = by[-1:] if by else []
            ev = [e for e in events if e.start >= vpos] or events
            for o in orgs:
                out.append(_rel(o, R.ORGANIZES, ev[0], ctx, i, "organize"))
    return out


def issues(ctx: Context) -> list[Relation]:
    out = []
    verbs = triggers("ISSUES", "verb")
    for i, s in enumerate(ctx.doc.sentences):
        policies = ctx.of(i, POL)
        if not policies:
            continue
        for m in re.finditer("|".join(map(re.escape, verbs)), s.text):
            vpos, vend = s.start + m.start(), s.start + m.end()
            issuers = [o for o in ctx.of(i, ORG) if o.end <= vpos and vpos - o.end <= 12]
            after = [p for p in policies if p.start >= vend and p.start - vend <= 12]
            if issuers and after:
                out.append(_rel(issuers[-1], R.ISSUES, after[0], ctx, i, "issue",
                                Attrs(date=find_date(s.text, ctx.doc.article.date))))
    return out


RULES = (works_for, spoke_at, develops, approved, partners_with, invests_in, organizes, issues)


def find_relations(doc: Doc) -> list[Relation]:
    ctx = Context(doc)
    types = {e.name: e.type for e in doc.entities}
    seen: dict[tuple, Relation] = {}
    for rule in RULES:
        for r in rule(ctx):
            if r.head == r.tail or not schema_allows(r.type, types[r.head], types[r.tail]):
                continue
            key = (r.head, r.type, r.tail)
            if r.type == R.PARTNERS_WITH:
                key = (*sorted((r.head, r.tail)), r.type)
            if key not in seen:
                seen[key] = r
    return list(seen.values())


@component("relations", requires=("entities", "sentences"), assigns=("relations",))
def relations(doc: Doc) -> Doc:
    doc.relations = find_relations(doc)
    return doc
