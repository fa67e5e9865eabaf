"""WORKS_FOR and SPOKE_AT: people, their employers, and the events they speak at."""
from __future__ import annotations

import re

from kg import data
from kg.extraction import apposition
from kg.extraction.relations.context import EVT, ORG, PER, Context, EntityMention, find_word, make_rel, triggers
from kg.extraction.words import titles
from kg.model import Attrs, Mention, Relation, RelationType

EVENT_PARTS = data.word_list("event_frame_words")


def works_for(ctx: Context) -> list[Relation]:
    out = []
    doc = ctx.doc
    for p in (m for m in ctx.mentions if m.type == PER):
        sent = doc.sentences[p.sentence] if p.sentence >= 0 else None
        floor = sent.start if sent else 0
        mention = Mention(p.start, p.end, ctx.text(p.start, p.end), PER)
        for link in reversed(apposition.chain(doc, mention, floor)):    # in reading order
            if link.kind != "work":
                continue
            orgs = [m for m in ctx.of(p.sentence, ORG) if m.start >= link.org_start and m.end <= link.org_end]
            if orgs:
                title = ("前" if link.former else "") + link.title
                out.append(make_rel(p, RelationType.WORKS_FOR, orgs[-1], ctx, p.sentence, "apposition", Attrs(title=title)))
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
                out.append(make_rel(p, RelationType.WORKS_FOR, org, ctx, org.sentence, "post-title", Attrs(title=m.group(1))))
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
        clause = re.search(r"[，,。；;]|$", ctx.doc.text[title_end:title_end + 40])
        if any(title_end <= q.start <= title_end + clause.start() for q in ctx.of(p.sentence, PER)):
            continue                     # 古迦睿，联影集团董事长薛敏 / …区委副书记、区长翟磊: the titles are 薛敏's
        if title and titles()[title] == "work":
            out.append(make_rel(p, RelationType.WORKS_FOR, org, ctx, p.sentence, "name-first", Attrs(title=title)))
    return out


# --- SPOKE_AT --------------------------------------------------------------

_FRAME_AFTER = ("上", "期间", "现场", "中", "开幕式上", "主论坛上", "开幕当天")


def _frames(ctx: Context) -> dict[int, EntityMention]:
    """The event each sentence is set at.

    在 E 上…, E 上，…, 出席 E… set the frame; it holds until another frame
    is set.  A generic reference (论坛上, 本次论坛, 致辞, 圆桌) points at the
    latest named event of that kind (…论坛 for 论坛), else the article's main
    event."""
    main = ctx.main_event()
    frames: dict[int, EntityMention] = {}
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


def _latest_of_kind(ctx: Context, pos: int, word: str) -> EntityMention | None:
    kind = next((k for k in ("论坛", "峰会", "大会", "会") if k in word), None)
    if kind is None:
        return None
    before = [m for m in ctx.mentions if m.type == EVT and m.start < pos and m.name.endswith(kind)]
    return before[-1] if before else None


def spoke_at(ctx: Context) -> list[Relation]:
    out = []
    frames = _frames(ctx)
    speech, report, press = (triggers("SPOKE_AT", r) for r in ("speech", "report", "press"))
    for i, s in enumerate(ctx.doc.sentences):
        people = ctx.of(i, PER)
        if not people or find_word(s.text, press):
            continue
        events_here = ctx.of(i, EVT)
        strong = find_word(s.text, speech)
        for p in people:
            rest = ctx.text(p.end, s.end)
            says = find_word(rest, report) or find_word(rest, speech)
            if strong and events_here:
                framed = frames.get(i)
                target = framed if framed in events_here else min(
                    events_here, key=lambda e: (e.start > p.start, abs(p.start - e.start)))
            elif i in frames and (says or strong):
                target = frames[i]
            else:
                continue
            out.append(make_rel(p, RelationType.SPOKE_AT, target, ctx, i, "speech"))
    return out
