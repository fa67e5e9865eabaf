"""WORKS_FOR beyond the `机构 + 职务 + 姓名` chain: posts told with verbs.

- P 担任/出任/接任/卸任/辞去 … ORG … 职务: 李琰卸任瀚晖制药首席执行官职务 (a past post still
  counts: gold/GUIDE.md H1);
- ORG 任命/聘任 P 为/担任 (ORG2) 职务: 董事会同意聘任李琰接替林剑秋担任海正药业总裁 (the one
  replaced held the post too);
- P 在 ORG、ORG2 等 … 工作/任职: 曾在德州仪器和惠普公司工作;
- P 创立/创办 ORG, ORG 由 P 创立: the founder works for it (title 创始人) and, founding it,
  invests in it (H7);
- 公司/该公司 + 职务 + P: the company the article was just speaking of.
Verbs and words are kg/data/word_lists.tsv lists; the title must be a kg title
(kg/data/titles.tsv) of kind `work`.
"""
from __future__ import annotations

import re
from functools import cache

from kg import data
from kg.extraction import apposition
from kg.extraction.relations.context import ORG, PER, Context, EntityMention, group_after, make_rel
from kg.extraction.words import titles
from kg.model import Attrs, Mention, Relation, RelationType

WORKS_FOR, INVESTS_IN = RelationType.WORKS_FOR, RelationType.INVESTS_IN
REACH = 40                              # characters from a person to the verb and on to the post


@cache
def _alternation(name: str) -> re.Pattern:
    return data.alternation_re(data.word_list(name))


@cache
def _titles_re() -> re.Pattern:
    return data.alternation_re(tuple(t for t, kind in titles().items() if kind == "work"))


def posts(ctx: Context) -> list[Relation]:
    return _verb_posts(ctx) + _appointed(ctx) + _worked_at(ctx) + _founders(ctx) + _company_posts(ctx) \
        + _bare_heads(ctx) + _name_then_title(ctx) + _officials_listed(ctx)


def _title_after(ctx: Context, pos: int, limit: int = 8) -> str | None:
    """A work title starting within `limit` characters after `pos` (的 and modifiers may come first)."""
    m = _titles_re().search(ctx.doc.text, pos, pos + limit + 8)
    return m.group(0) if m and m.start() - pos <= limit and "，" not in ctx.text(pos, m.start()) else None


def _clause_end(ctx: Context, start: int, sentence: int) -> int:
    s = ctx.doc.sentences[sentence]
    m = re.compile(r"[。；;！？]").search(ctx.doc.text, start, s.end)
    return min(m.start() if m else s.end, start + REACH)


def _sentence_end(ctx: Context, start: int, sentence: int) -> int:
    s = ctx.doc.sentences[sentence]
    m = re.compile(r"[。；;！？]").search(ctx.doc.text, start, s.end)
    return m.start() if m else s.end


def _verb_posts(ctx: Context) -> list[Relation]:
    """李琰卸任瀚晖制药首席执行官职务, 谢毅担任通威太阳能董事长."""
    out = []
    for p in (m for m in ctx.mentions if m.type == PER):
        s = ctx.doc.sentences[p.sentence]
        # 王晨光，男，…，现任…校长; 高建平刚满60岁，…，从2000年8月开始担任…董事长: the sentence's subject
        bio = _opens_sentence(ctx, p) and (ctx.text(p.end, p.end + 1) in ("，", ",") or not any(
            q.type == PER for q in ctx.of(p.sentence, PER) if q.start > p.end))
        end = _sentence_end(ctx, p.end, p.sentence) if bio else _clause_end(ctx, p.end, p.sentence)
        verb = _alternation("post_verbs").search(ctx.doc.text, p.end, end)
        if not verb or not bio and re.search(r"[，,]", ctx.text(p.end, verb.start())) and verb.start() - p.end > 16:
            continue
        others = [q for q in ctx.of(p.sentence, PER) if p.end <= q.start < verb.start()]
        if others:
            continue                                      # the verb is another person's
        for org in group_after(ctx, verb.end(), p.sentence, ORG, max_gap=4):
            title = _title_after(ctx, org.end)
            if title and org.start < end:
                out.append(make_rel(p, WORKS_FOR, org, ctx, p.sentence, "post-verb", Attrs(title=title)))
    return out


def _opens_sentence(ctx: Context, p: EntityMention) -> bool:
    """Is the person the first words of the sentence, after a date at most (2016年3月，…)?"""
    s = ctx.doc.sentences[p.sentence]
    return p.start == s.start or bool(re.fullmatch(r"\s*(?:\d{4}年(?:\d{1,2}月)?(?:\d{1,2}日)?[，,]?\s*)?",
                                                    ctx.text(s.start, p.start)))


def _appointed(ctx: Context) -> list[Relation]:
    """董事会同意聘任李琰接替林剑秋担任海正药业总裁, 天津市人民政府决定：张彦文任…校长."""
    out = []
    for i, s in enumerate(ctx.doc.sentences):
        for verb in _alternation("appoint_verbs").finditer(s.text):
            vend = s.start + verb.end()
            people = [p for p in ctx.of(i, PER) if vend <= p.start <= vend + 12]
            if not people:
                continue
            rest_end = _clause_end(ctx, people[-1].end, i)
            post = _alternation("post_verbs").search(ctx.doc.text, people[0].end, rest_end) \
                or re.compile("为").search(ctx.doc.text, people[-1].end, people[-1].end + 2)
            if not post:
                continue
            orgs = [o for o in ctx.of(i, ORG) if post.end() <= o.start < rest_end]
            target = orgs[0] if orgs else ctx.company_before(s.start + verb.start())
            title = _title_after(ctx, orgs[0].end if orgs else post.end())
            if target is None or not title:
                continue
            for p in people:
                out.append(make_rel(p, WORKS_FOR, target, ctx, i, "appointed", Attrs(title=title)))
    return out


def _worked_at(ctx: Context) -> list[Relation]:
    """蒋尚义曾在德州仪器和惠普公司工作, 在美国卡博特、西格玛奥德里奇、强生等外企任职."""
    out = []
    for p in (m for m in ctx.mentions if m.type == PER):
        end = _clause_end(ctx, p.end, p.sentence) + 20
        at = re.compile(r"在").search(ctx.doc.text, p.end, min(end, p.end + 16))
        if not at or any(q.type == PER for q in ctx.of(p.sentence, PER) if p.end <= q.start < at.start()):
            continue
        group = group_after(ctx, at.end(), p.sentence, ORG, max_gap=3)
        if not group:
            continue
        tail = ctx.text(group[-1].end, group[-1].end + 14)
        if re.match(r"(?:等[^，。；]{0,6})?(?:工作|任职|供职|就职|实习|担任)", tail):
            out += [make_rel(p, WORKS_FOR, o, ctx, p.sentence, "worked-at") for o in group]
    return out


def _founders(ctx: Context) -> list[Relation]:
    """王建辰和高元倩夫妇…注册成立了精锋医疗; 苹果公司由乔布斯创立; 俞敏洪创办了新东方学校."""
    out = []
    for i, s in enumerate(ctx.doc.sentences):
        for verb in _alternation("found_verbs").finditer(s.text):
            vstart, vend = s.start + verb.start(), s.start + verb.end()
            founders = [p for p in ctx.of(i, PER) if p.end <= vstart and vstart - p.end <= 24]
            joint = bool(re.search(r"(?:一起|一同|共同|联合|合伙|携手)$", ctx.text(vstart - 4, vstart))
                         or re.match(r"联合|共同", verb.group(0)))
            founders = _joined_people(ctx, founders, joint)
            if founders and joint and ctx.text(founders[0].start - 1, founders[0].start) in ("与", "和", "同"):
                subject = ctx.by_sentence[i][0]          # 乔布斯曾…，1976年与史蒂夫·沃兹尼亚克等人联合创办
                if subject.type == PER and subject not in founders:
                    founders = [subject, *founders]
            created = [o for o in ctx.of(i, ORG) if vend <= o.start <= vend + 6]
            passive = [o for o in ctx.of(i, ORG) if o.end <= vstart and "由" in ctx.text(o.end, vstart)
                       and not re.search(r"[，。；]", ctx.text(o.end, vstart))]
            if not created and passive:                  # 苹果公司由乔布斯…创立
                created = passive[-1:]
            if not created and founders and re.search(r"由\s?$", ctx.text(founders[0].start - 3, founders[0].start)):
                subject = ctx.by_sentence[i][0]          # 大元王朝影业（…），由杨焱伦先生所创立
                created = [subject] if subject.type == ORG else []
            for org in created[:1]:
                for p in founders:
                    attrs = Attrs(title="创始人")
                    out.append(make_rel(p, WORKS_FOR, org, ctx, i, "founder", attrs))
                    out.append(make_rel(p, INVESTS_IN, org, ctx, i, "founder"))
    return out


def _joined_people(ctx: Context, people: list[EntityMention], joint: bool = False) -> list[EntityMention]:
    """The people of a list that ends at the last one (王建辰和高元倩, 陈欧、戴雨森); when the act is
    joint (一起, 共同), the others may be described (乔布斯与另一位联合创始人史蒂夫·沃兹尼亚克一起创立)."""
    if not people:
        return []
    group = [people[-1]]
    for p in reversed(people[:-1]):
        between = ctx.text(p.end, group[0].start)
        if re.fullmatch(r"[、和与及]|以及", between) or joint and re.fullmatch(r"(?:[和与及]|以及)[^，。；：、“”]{1,10}", between):
            group.insert(0, p)
        else:
            break
    return group


def _company_posts(ctx: Context) -> list[Relation]:
    """公司董事兼总裁李琰: 公司 is the company the article was just speaking of."""
    out = []
    doc = ctx.doc
    for p in (m for m in ctx.mentions if m.type == PER):
        floor = doc.sentences[p.sentence].start if p.sentence >= 0 else 0
        for link in apposition.chain(doc, Mention(p.start, p.end, ctx.text(p.start, p.end), PER), floor):
            seg = ctx.text(link.org_start, link.org_end)
            if link.kind != "work" or seg not in data.word_list("company_pronouns"):
                continue
            company = ctx.company_before(link.org_start)
            if company is not None:
                title = ("前" if link.former else "") + link.title
                out.append(make_rel(p, WORKS_FOR, company, ctx, p.sentence, "company-post", Attrs(title=title)))
    return out


def _bare_heads(ctx: Context) -> list[Relation]:
    """世外茗源安吉白茶传来喜讯，董事长周海明表示: a head's title with no organisation of its
    own, after a clause break, is a post at the organisation the sentence opened with."""
    out = []
    heads = _alternation("head_titles")
    for p in (m for m in ctx.mentions if m.type == PER):
        s = ctx.doc.sentences[p.sentence]
        m = heads.search(ctx.doc.text, max(s.start, p.start - 10), p.start)
        if m is None or ctx.text(m.end(), p.start) not in ("", "是", "为", "名叫", "叫", "：") \
                or not re.search(r"(?:^|[，、：])[\u4e00-\u9fff]{0,2}$", ctx.text(s.start, m.start())) \
                and not re.search(r"(?:现任|时任|原|其|董事长兼|董事兼)$", ctx.text(s.start, m.start())):
            continue
        orgs = [o for o in ctx.of(p.sentence, ORG) if o.end <= m.start()]
        if not orgs or any(q.type == PER and orgs[0].end <= q.start < m.start() for q in ctx.by_sentence[p.sentence]):
            continue
        subject = orgs[0]
        if subject is ctx.by_sentence[p.sentence][0] and not re.search(r"[；;]", ctx.text(subject.end, m.start())):
            out.append(make_rel(p, WORKS_FOR, subject, ctx, p.sentence, "bare-head", Attrs(title=m.group(0))))
    return out


def _name_then_title(ctx: Context) -> list[Relation]:
    """西子联合控股有限公司王水福董事长, …有限公司刘晓光任集团公司董事长: a name between its
    organisation and its title; and a biography (燕立国，男，…第一中学校长): every 机构+职务 in
    the sentence whose subject the person is."""
    out = []
    for p in (m for m in ctx.mentions if m.type == PER):
        s = ctx.doc.sentences[p.sentence]
        before = [o for o in ctx.of(p.sentence, ORG) if o.end == p.start]
        if before:
            rest = ctx.doc.text[p.end:p.end + 12]
            m = re.match(r"(?:(?:将|已)?(?:任|担任|出任|兼任)(?:集团公司|公司|该公司|集团)?)?", rest)
            title = _title_after(ctx, p.end + m.end(), limit=0)
            if title:
                out.append(make_rel(p, WORKS_FOR, before[0], ctx, p.sentence, "name-title", Attrs(title=title)))
        if p.start == s.start and ctx.text(p.end, p.end + 1) in ("，", ",", "是", "（", "("):
            others = [q for q in ctx.of(p.sentence, PER) if q.start > p.end]
            orgs = ctx.of(p.sentence, ORG)
            for n, o in enumerate(orgs):
                holder = o                               # …集团有限公司、金刚新材料股份有限公司董事长: both
                while n + 1 < len(orgs) and ctx.text(holder.end, orgs[n + 1].start) == "、":
                    n, holder = n + 1, orgs[n + 1]
                title = _title_after(ctx, holder.end, limit=0)
                if title and not any(q.start == holder.end + len(title) for q in others):
                    out.append(make_rel(p, WORKS_FOR, o, ctx, p.sentence, "biography", Attrs(title=title)))
        after = re.match(r"[ \u3000]+", ctx.doc.text[p.end:p.end + 3])
        if after:                                        # 王石　万科企业股份有限公司董事长 (a signature)
            o = next((o for o in ctx.of(p.sentence, ORG) if o.start == p.end + after.end()), None)
            title = _title_after(ctx, o.end, limit=0) if o else None
            if title:
                out.append(make_rel(p, WORKS_FOR, o, ctx, p.sentence, "signature", Attrs(title=title)))
    return out


def _officials_listed(ctx: Context) -> list[Relation]:
    """北京交通大学党委书记黄泰岩、校长王稼琼: the officials listed after one organisation all
    hold their posts there."""
    out = []
    people = [m for m in ctx.mentions if m.type == PER]
    for q, p in zip(people, people[1:]):
        if q.sentence != p.sentence:
            continue
        between = ctx.text(q.end, p.start)
        if not (between.startswith("、") and _titles_re().fullmatch(between[1:])):
            continue
        org = next((o for o in reversed(ctx.of(q.sentence, ORG)) if o.end <= q.start), None)
        if org is not None and _titles_re().fullmatch(ctx.text(org.end, q.start)):
            out.append(make_rel(p, WORKS_FOR, org, ctx, p.sentence, "listed-official", Attrs(title=between[1:])))
    return out
