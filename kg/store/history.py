"""What each load changed, kept in the store itself, so `kg report` works on either engine and from
any process.

Every load leaves one record (the `last` record that `kg status` reads stays as it was):

    (:KgLoad {id, at, finished, status: 'running'|'done', articles, new, changed, unchanged, rejected,
              new_articles, changed_articles, retracted_articles: [article ids],
              new_entities: [JSON [label, key]], new_facts: [JSON [type, head label, head, tail label, tail]],
              rejected_rows, problems: [one line each: what was refused and why]})

An entity or a fact is new when the graph did not hold it as its batch began: before each batch
the loader asks which of the nodes and edges it is about to write exist (one read per label and
per relation signature), and the batch's own transaction appends the others to the record.  So a
fact an edited article takes back and asserts again in its batch is not new (one that an earlier
batch of the same load took back and a later batch writes again is), and nothing is stamped on
the graph's own nodes and edges.  (Stamping edges in the batch's transaction is not an option: FalkorDB does
not reliably match, within one query, an edge that query created.)

The loader calls three functions: begin() once, batch_statements() for each batch (their
statement joins the batch's transaction, last), finish() at the end.  The rest are the reads
`kg report` and `kg viz --new` need.
"""
from __future__ import annotations

import json
import secrets
from collections import defaultdict
from datetime import datetime, timezone

from kg.resolve import ArticleRows
from kg.store.base import GraphStore, Node, Rel
from kg.store.writes import _label, _type, record_load

LIST_FIELDS = ("new_articles", "changed_articles", "retracted_articles", "new_entities", "new_facts",
               "rejected_rows", "problems")
MAX_PROBLEMS = 1000          # lines kept per load; the count is kept whole


def _now() -> datetime:
    return datetime.now(timezone.utc)


def begin(store: GraphStore) -> str:
    """Open a load's record (under the writer lock); returns its id, sortable by time."""
    now = _now()
    load_id = now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(2)
    lists = ", ".join(f"{name}: []" for name in LIST_FIELDS)
    store.execute([(f"CREATE (:KgLoad {{id: $id, at: $at, status: 'running', {lists}}})",
                    {"id": load_id, "at": now.isoformat(timespec="seconds")})])
    return load_id


def batch_statements(store: GraphStore, load_id: str, ids: list[str], shas: dict,
                     rows: list[ArticleRows]) -> list[tuple[str, dict]]:
    """The statement that records a batch: `ids` are the articles it writes, `shas` their sha256
    before it (an id with none is new), `rows` what it writes.  Call it before the batch runs."""
    if not load_id:
        return []
    keys: dict[str, set[str]] = defaultdict(set)
    pairs: dict[tuple[str, str, str], set[tuple[str, str]]] = defaultdict(set)
    for r in rows:
        for n in r.nodes:
            keys[n.label].add(n.key)
        for e in r.edges:
            pairs[(e.type, e.head_label, e.tail_label)].add((e.head, e.tail))
    entities, new_keys = [], set()
    for label, found in sorted(keys.items()):
        old = {row["key"] for row in store.run(
            f"UNWIND $keys AS key MATCH (n:{_label(label)} {{key: key}}) RETURN n.key AS key",
            {"keys": sorted(found)})}
        entities += [entity_id(label, k) for k in sorted(found - old)]
        new_keys |= found - old
    facts = []
    for (rtype, hl, tl), ends in sorted(pairs.items()):
        known = [{"head": h, "tail": t} for h, t in sorted(ends) if h not in new_keys and t not in new_keys]
        old = {(row["head"], row["tail"]) for row in store.run(_match_edges(rtype, hl, tl) +
               "RETURN row.head AS head, row.tail AS tail", {"rows": known})} if known else set()
        facts += [fact_id(rtype, hl, h, tl, t) for h, t in sorted(ends - old)]
    return [("MATCH (l:KgLoad {id: $id}) SET l.new_articles = l.new_articles + $new, "
             "l.changed_articles = l.changed_articles + $changed, l.new_entities = l.new_entities + $entities, "
             "l.new_facts = l.new_facts + $facts, l.rejected_rows = l.rejected_rows + $rejected",
             {"id": load_id, "new": [a for a in ids if shas.get(a) is None],
              "changed": [a for a in ids if shas.get(a) is not None], "entities": entities, "facts": facts,
              "rejected": [line for r in rows for line in r.rejected]})]


def entity_id(label: str, key: str) -> str:
    return json.dumps([label, key], ensure_ascii=False)


def fact_id(rtype: str, head_label: str, head: str, tail_label: str, tail: str) -> str:
    return json.dumps([rtype, head_label, head, tail_label, tail], ensure_ascii=False)


def _match_edges(rtype: str, hl: str, tl: str) -> str:
    return (f"UNWIND $rows AS row MATCH (h:{_label(hl)} {{key: row.head}}) "
            f"MATCH (h)-[r:{_type(rtype)}]->(t:{_label(tl)} {{key: row.tail}}) ")


def finish(store: GraphStore, report) -> None:
    """Close the load's record with its counts (a kg.store.load.LoadReport), and the `last` record."""
    at = _now().isoformat(timespec="seconds")
    counts = {"articles": report.articles_new + report.articles_changed + report.articles_unchanged,
              "new": report.articles_new, "changed": report.articles_changed,
              "unchanged": report.articles_unchanged, "rejected": report.articles_rejected}
    statements = [(record_load(), {"at": at, **counts})]
    if report.load_id:
        statements.append(("MATCH (l:KgLoad {id: $id}) SET l.finished = $at, l.status = 'done', "
                           "l.articles = $articles, l.new = $new, l.changed = $changed, "
                           "l.unchanged = $unchanged, l.rejected = $rejected",
                           {"id": report.load_id, "at": at, **counts}))
    store.execute(statements)


def note_problems(store: GraphStore, load_id: str, problems: list[str], rejected: int) -> None:
    """What the load refused and why (unreadable inputs, articles the store refused), and the whole
    count of rejected articles, on the load's record and on the `last` one."""
    if not load_id:
        return
    with store.lock():              # `last` is this load's unless another one ran since
        store.execute([("MATCH (l:KgLoad {id: $id}) SET l.rejected = $rejected, l.problems = $problems "
                        "WITH l MATCH (last:KgLoad {id: 'last'}) WHERE last.at = l.finished "
                        "SET last.rejected = $rejected",
                        {"id": load_id, "rejected": rejected, "problems": problems[:MAX_PROBLEMS]})])


def note_retracted(store: GraphStore, load_id: str, article_ids: list[str]) -> None:
    """Articles a load took out of the graph altogether (for curation commands)."""
    store.execute([("MATCH (l:KgLoad {id: $id}) SET l.retracted_articles = l.retracted_articles + $ids",
                    {"id": load_id, "ids": list(article_ids)})])


# -- reads ---------------------------------------------------------------------------------------

def loads(store: GraphStore, since: str | None = None) -> list[dict]:
    """Load records, oldest first: the last one, or every one that started at `since` or later
    (an ISO date or time; a prefix such as 2025-10 works)."""
    rows = store.run("MATCH (l:KgLoad) WHERE l.id <> 'last' AND l.at IS NOT NULL "
                     "AND ($since IS NULL OR l.at >= $since) RETURN properties(l) AS load "
                     "ORDER BY l.at DESC, l.id DESC" + ("" if since else " LIMIT 1"), {"since": since})
    return [row["load"] for row in reversed(rows)]


def new_entities(store: GraphStore, entity_ids: list[str]) -> list[Node]:
    """The entities named by entity_id()s that the graph still holds."""
    keys: dict[str, list[str]] = defaultdict(list)
    for label, key in sorted({tuple(json.loads(e)) for e in entity_ids}):
        keys[label].append(key)
    return [row["n"] for label, found in sorted(keys.items()) for row in store.run(
        f"UNWIND $keys AS key MATCH (n:{_label(label)} {{key: key}}) RETURN n", {"keys": found})]


def new_facts(store: GraphStore, fact_ids: list[str]) -> list[tuple[Rel, Node, Node]]:
    """The facts named by fact_id()s that the graph still holds, with their two ends."""
    ends: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for rtype, hl, head, tl, tail in sorted({tuple(json.loads(f)) for f in fact_ids}):
        ends[(rtype, hl, tl)].append({"head": head, "tail": tail})
    return [(row["r"], row["h"], row["t"]) for (rtype, hl, tl), rows in sorted(ends.items())
            for row in store.run(_match_edges(rtype, hl, tl) + "RETURN r, h, t", {"rows": rows})]


def facts_of_articles(store: GraphStore, article_ids: list[str]) -> list[tuple[Rel, Node, Node]]:
    """Facts these articles support (each once), with their two ends."""
    rows = store.run("UNWIND $ids AS id MATCH (:Article {id: id})-[:MENTIONS]->(n)-[r]-() "
                     "WHERE type(r) <> 'MENTIONS' AND id IN r.articles "
                     "RETURN DISTINCT r, startNode(r) AS h, endNode(r) AS t", {"ids": article_ids})
    return [(r["r"], r["h"], r["t"]) for r in rows]
