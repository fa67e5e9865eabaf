"""What is new after a load: the load records kept by kg.store.history, read back as a Report (the
same on either engine), a terminal summary, and (kg.viz.report_page) an offline page."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from kg.errors import QueryError
from kg.store import GraphStore, history
from kg.viz.subgraph import Articles, Filters, label_of, name_of


@dataclass
class Fact:
    """A fact a load added: its ends, its scalars, and every evidence item with its article."""
    id: str                   # the store's relationship id (the view page focuses it: #edge=ID)
    type: str
    head: str
    head_type: str
    tail: str
    tail_type: str
    date: str = ""
    amount: str = ""
    role: str = ""
    evidence: list[dict] = field(default_factory=list)

    def line(self) -> str:
        extra = " · ".join(x for x in (self.amount, self.role, self.date) if x)
        return f"{self.head} —{self.type}→ {self.tail}" + (f"  ({extra})" if extra else "")


@dataclass
class Entity:
    name: str
    type: str
    key: str
    aliases: list[str]
    mentions: int
    first_seen: str
    last_seen: str


@dataclass
class Report:
    """What the covered loads (the last one, or all since `since`) changed."""
    since: str | None
    loads: list[dict]                       # their records, oldest first
    articles: dict[str, list[dict]]         # "new", "changed", "retracted" -> [{id, title, date, url}]
    entities: dict[str, list[Entity]]       # by type, the most mentioned first
    facts: dict[str, list[Fact]]            # by relation type
    more_evidence: list[Fact]               # facts known before that these loads' articles support again
    rejected: list[str]                     # rejected rows and refused inputs, with why

    @property
    def load_ids(self) -> list[str]:
        return [r["id"] for r in self.loads]

    @property
    def title(self) -> str:
        if not self.loads:
            return "No load recorded" + (f" since {self.since}" if self.since else "")
        if self.since:
            return f"What is new since {self.since} ({len(self.loads)} load{'s' if len(self.loads) != 1 else ''})"
        return f"What is new after the load of {self.loads[-1].get('at')}"

    def counts(self) -> dict[str, int]:
        return {"articles new": len(self.articles["new"]), "articles changed": len(self.articles["changed"]),
                "articles retracted": len(self.articles["retracted"]),
                "articles rejected": sum(int(r.get("rejected") or 0) for r in self.loads),
                "entities": sum(map(len, self.entities.values())), "facts": sum(map(len, self.facts.values()))}

    def summary_lines(self, max_facts: int = 30) -> list[str]:
        """The terminal summary: counts, then the new facts with a sentence each, then what was rejected."""
        if not self.loads:
            return [self.title + ": kg load records what each load adds."]
        c = self.counts()
        out = [self.title + ":",
               f"articles: {c['articles new']} new, {c['articles changed']} changed, "
               f"{c['articles retracted']} retracted, {c['articles rejected']} rejected",
               f"new entities: {c['entities']}" + _by(self.entities),
               f"new facts: {c['facts']}" + _by(self.facts)]
        shown = 0
        for rtype, facts in self.facts.items():
            for fact in facts:
                if shown == max_facts:
                    break
                shown += 1
                out.append(f"  {fact.line()}")
                if fact.evidence:
                    ev = fact.evidence[0]
                    source = " · ".join(x for x in (ev.get("title") or ev["article"], ev.get("date")) if x)
                    out.append(f"      “{_clip(ev['sentence'])}” ({source})")
        if c["facts"] > shown:
            out.append(f"  … and {c['facts'] - shown} more (see the page)")
        if self.more_evidence:
            out.append(f"facts known before with new evidence: {len(self.more_evidence)}")
        if self.rejected:
            out.append(f"rejected: {len(self.rejected)}")
            out += [f"  {line}" for line in self.rejected[:10]]
            if len(self.rejected) > 10:
                out.append(f"  … and {len(self.rejected) - 10} more (see the page)")
        return out


def build_report(store: GraphStore, since: str | None = None) -> Report:
    """What the last load (or every load that started at `since` or later) changed."""
    if since is not None and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", since):
        raise QueryError(f"--since {since!r} is not a date: use yyyy, yyyy-mm or yyyy-mm-dd")
    records = history.loads(store, since)
    lists = {k: _union(records, k) for k in history.LIST_FIELDS}
    art = Articles(store)
    changed = [a for a in lists["changed_articles"] if a not in set(lists["new_articles"])]
    art.fetch_ids(lists["new_articles"] + changed + lists["retracted_articles"])
    articles = {kind: [dict(art.known[a], id=a) for a in sorted(ids)]
                for kind, ids in (("new", lists["new_articles"]), ("changed", changed),
                                  ("retracted", lists["retracted_articles"]))}
    entities: dict[str, list[Entity]] = {}
    for node in history.new_entities(store, lists["new_entities"]):
        p = node.props
        entities.setdefault(label_of(node), []).append(Entity(
            name_of(node), label_of(node), p.get("key", ""), list(p.get("aliases") or ()), int(p.get("mentions") or 0),
            p.get("first_seen") or "", p.get("last_seen") or ""))
    entities = {t: sorted(v, key=lambda e: (-e.mentions, e.name, e.key)) for t, v in sorted(entities.items())}
    found = history.new_facts(store, lists["new_facts"])
    fresh = {r.id for r, _, _ in found}
    again = [x for x in history.facts_of_articles(store, lists["new_articles"] + changed) if x[0].id not in fresh]
    art.fetch(r for r, _, _ in found + again)
    facts: dict[str, list[Fact]] = {}
    for fact in sorted((_fact(x, art) for x in found), key=_order):
        facts.setdefault(fact.type, []).append(fact)
    more = sorted((_fact(x, art) for x in again), key=_order)
    rejected = [line for r in records for line in (r.get("rejected_rows") or []) + (r.get("problems") or [])]
    return Report(since, records, articles, entities, facts, more, rejected)


def _fact(item, art: Articles) -> Fact:
    rel, head, tail = item
    p = rel.props
    return Fact(rel.id, rel.type, name_of(head), label_of(head), name_of(tail), label_of(tail),
                str(p.get("date") or ""), str(p.get("amount_text") or ""), str(p.get("title") or ""),
                art.evidence(rel, Filters()) or [])


def _order(fact: Fact):
    return fact.type, fact.head, fact.tail, fact.head_type, fact.tail_type


def _union(records: list[dict], key: str) -> list[str]:
    return list(dict.fromkeys(x for r in records for x in r.get(key) or ()))


def _by(groups: dict[str, list]) -> str:
    counts = Counter({k: len(v) for k, v in groups.items()})
    return f" ({', '.join(f'{k} {n}' for k, n in sorted(counts.items()))})" if counts else ""


def _clip(text: str, width: int = 70) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= width else text[:width - 1] + "…"

