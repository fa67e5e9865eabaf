"""Load extractions into a graph store: incremental, idempotent, atomic per batch, and the
same graph whatever the order and batch size of the articles.

For each batch of articles (one transaction):
- an article whose sha256 is already in the graph is skipped (re-loading
  changes nothing);
- the rest are resolved with the part of the graph they touch (kg.store.region):
  their entities join, merge or split nodes, and articles already in the graph
  whose entities move to another node are rewritten with them;
- an edited or moved article first has its old contributions retracted: its
  evidence leaves every edge, edges left without evidence go, entities no
  article mentions any more go;
- the rest is written with `UNWIND $rows … MERGE`, nodes before edges; then the
  touched nodes take their names and are recomputed from their mentions.
The articles' sha256 are written last, in the same transaction, so a load
killed at any point and run again ends with the graph one clean load gives.

A batch the store refuses (WriteFailed: a value or constraint, not a dead
server) is taken back and its articles are written one by one, so the one
that causes it is reported (on_error, naming the article) and the others
load.  Neo4j rolls a failed transaction back; FalkorDB keeps the statements
before the failing one (redis has no rollback), so there the loader first
withdraws everything the batch may have written and unseals its articles;
articles it moved are placed again from their kept extraction (repair()).

A curator's decisions (kg.resolve.curation) are applied to every batch.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from kg.errors import KgError, LoadError, StoreError, WriteFailed
from kg.model import Extraction
from kg.names import norm
from kg.resolve import Curation, EdgeRow, Facts
from kg.resolve.rows import ArticleRows
from kg.store import history, writes
from kg.store.base import Counters, GraphStore
from kg.store.region import Plan, plan, stored_facts


@dataclass
class LoadReport:
    articles_new: int = 0
    articles_changed: int = 0
    articles_unchanged: int = 0
    articles_rejected: int = 0
    rows_rejected: list[str] = field(default_factory=list)
    counters: Counters = field(default_factory=Counters)
    articles_moved: int = 0         # articles already loaded whose entities resolution placed anew
    articles_written: int = 0       # new, changed and moved ones
    nodes_touched: int = 0
    edges_touched: int = 0
    load_id: str = ""                 # its record in the store (kg.store.history)

    @property
    def nodes_updated(self) -> int:
        return max(self.nodes_touched - self.counters.nodes_created, 0)

    @property
    def relationships_updated(self) -> int:
        return max(self.edges_touched - self.counters.relationships_created, 0)


Progress = Callable[[int], None]
OnError = Callable[[KgError], None]


def load(store: GraphStore, extractions: Iterable[Extraction], batch_size: int = 200,
         progress: Progress | None = None, on_error: OnError | None = None,
         curation: Curation | None = None) -> LoadReport:
    """Write `extractions` into `store`; returns what changed.  An article the store refuses
    goes to `on_error` (default: raised) and the others load."""
    curation = curation or Curation()
    with store.lock():
        store.ensure_schema()           # under the lock: two first loads would race to make it
        check_format(store)
        report = LoadReport(load_id=history.begin(store))
        repair(store, report, curation)
        for batch in _batches(extractions, batch_size):
            try:
                load_batch(store, batch, report, curation)
            except WriteFailed:
                for ex in batch:        # one at a time, to name the article the store refuses
                    try:
                        load_batch(store, [ex], report, curation)
                    except WriteFailed as exc:
                        report.articles_rejected += 1
                        error = LoadError(ex.where or ex.doc_id, f"article {ex.doc_id!r} not loaded: {exc}")
                        if on_error is None:
                            raise error from None
                        on_error(error)
                repair(store, report, curation)
            store.renew()
            if progress:
                progress(len(batch))
        history.finish(store, report)
    return report


def _batches(items: Iterable[Extraction], size: int) -> Iterator[list[Extraction]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


_OLD_FORMAT = "MATCH (a:Article) WHERE a.sha256 IS NOT NULL AND a.extraction IS NULL RETURN a.id AS id LIMIT 1"
_UNSEALED = "MATCH (a:Article) WHERE a.sha256 IS NULL AND a.extraction IS NOT NULL RETURN a.id AS id"


def check_format(store: GraphStore) -> None:
    """Refuse a store written by a kg that kept no extraction with its articles: resolution could
    not place them again."""
    if store.run(_OLD_FORMAT):
        raise StoreError(f"{store.describe()} holds articles loaded by an older kg, which resolution cannot "
                         "place again: load them into a new store (or wipe this one) and load again")


def repair(store: GraphStore, report: LoadReport, curation: Curation) -> None:
    """Place again articles a failed batch moved and withdrew (unsealed, with their extraction kept)."""
    ids = sorted(r["id"] for r in store.run(_UNSEALED))
    if ids:
        reresolve(store, stored_facts(store, ids), ids, report, curation)


def load_batch(store: GraphStore, batch: list[Extraction], report: LoadReport,
               curation: Curation | None = None) -> None:
    """Retract changed articles and write new and changed ones, with the articles they move, in one
    transaction; the report counts them once it committed."""
    batch = list({ex.doc_id: ex for ex in batch}.values())     # the last copy of an id wins
    ids = [ex.doc_id for ex in batch]
    shas = {r["id"]: r["sha256"] for r in store.run(writes.article_state(), {"ids": ids})}
    todo = [ex for ex in batch if shas.get(ex.doc_id) != ex.sha256]
    # an article without sha256 is one a failed batch left half-written: retract it too
    changed = [ex.doc_id for ex in todo if ex.doc_id in shas]
    if todo:
        reresolve(store, [Facts.of(ex) for ex in todo], changed, report, curation or Curation(), history_of=shas)
    report.articles_unchanged += len(batch) - len(todo)
    report.articles_changed += sum(1 for aid in changed if shas[aid] is not None)
    report.articles_new += len(todo) - len(changed) + sum(1 for aid in changed if shas[aid] is None)


def reresolve(store: GraphStore, facts: list[Facts], retracted: list[str], report: LoadReport,
              curation: Curation, seeds: dict[str, set[str]] | None = None, full: bool = False,
              history_of: dict | None = None) -> Plan:
    """Write `facts` (retracting `retracted` first), with every article they move, in two steps:
    the writes, then (once they are in: FalkorDB's query does not read what it wrote itself) the
    region's names and counts and, last, the articles' sha256.  Until then the articles are
    unsealed, so a load killed in between is finished by the next (repair()).  `seeds` are more
    keys whose nodes to resolve again (a curator's decision), after which the whole region is
    recomputed (`full`).  With `history_of` (the batch's articles' sha256 before it) the load's record
    (kg.store.history) gets what the batch adds."""
    p = plan(store, facts, retracted, curation, seeds, full)
    recorded = history.batch_statements(store, report.load_id, [f.id for f in facts], history_of, p.rows) \
        if history_of is not None else []
    unseal = [(writes.unseal_articles(), {"ids": p.retract, "keep": p.retract})] if p.retract else []
    try:
        counters = store.execute(unseal + retraction(store, p.retract) + write_statements(p.rows, sealed=False))
    except WriteFailed:
        if store.partial_on_failure:
            store.execute(withdrawal(store, [f.id for f in facts], p.moved, p.rows))
        raise
    try:
        counters += store.execute(finishing(p) + recorded + [seal_statement(p.rows)])
    except WriteFailed:         # the writes are in: take them back (repair() places moved articles again)
        store.execute(withdrawal(store, [f.id for f in facts], p.moved, p.rows))
        raise
    report.counters += counters
    for r in p.rows:
        report.rows_rejected.extend(r.rejected)
    report.articles_moved += len(p.moved)
    report.articles_written += len(p.rows)
    report.nodes_touched += sum(len(r.nodes) for r in p.rows)
    report.edges_touched += sum(len(r.edges) for r in p.rows)
    return p


def finishing(p: Plan) -> list[tuple[str, dict]]:
    """After the writes: nodes whose name changed take their component's name and are recomputed
    from their mentions (the old name becomes an alias), the whole region too after a curator's
    decision, and nodes get the aliases a curator gave them (and a curator's name as a key).  The
    writes keep the rest up to date: counts and aliases add up, and retraction recomputes."""
    names: dict[str, list[dict]] = defaultdict(list)
    added: dict[str, list[dict]] = defaultdict(list)
    refresh = defaultdict(set, {label: set(keys) for label, keys in p.region.items()} if p.full else {})
    for key, comp in sorted(p.components.items()):
        if key in p.names and p.names[key] != comp.name:
            names[comp.label].append({"key": key, "name": comp.name})
            refresh[comp.label].add(key)
        if comp.added or comp.renamed:
            added[comp.label].append({"key": key, "added": comp.added,
                                      "added_norms": sorted({norm(a) for a in [comp.name, *comp.added]})})
    out = [(writes.name_nodes(label), {"rows": rows}) for label, rows in sorted(names.items())]
    out += [(writes.refresh_nodes(label), {"keys": sorted(keys)}) for label, keys in sorted(refresh.items()) if keys]
    out += [(writes.add_aliases(label), {"rows": rows}) for label, rows in sorted(added.items())]
    return out


def withdrawal(store: GraphStore, article_ids: list[str], moved: list[str],
               rows: list[ArticleRows]) -> list[tuple[str, dict]]:
    """Statements that take back whatever a failed batch wrote for `article_ids` and the articles it
    `moved` (its `rows`), whether or not the mentions that retraction follows were written, and
    unseal them; the batch's own articles also lose the extraction it wrote (they are not loaded),
    moved ones keep theirs (repair() places them again)."""
    ids = sorted({*article_ids, *moved})
    touched: dict[str, set[str]] = defaultdict(set)
    for row in store.run(writes.article_nodes(), {"ids": ids}):
        label = next((lbl for lbl in row["labels"] if lbl in writes.LABELS), None)
        if label:
            touched[label].add(row["key"])
    pairs: dict[tuple[str, str, str], set[tuple[str, str]]] = defaultdict(set)
    texts = {row["amount"] for row in store.run(writes.retracted_amounts(), {"ids": ids})}
    for r in rows:
        for n in r.nodes:
            touched[n.label].add(n.key)
        for e in r.edges:
            pairs[(e.type, e.head_label, e.tail_label)].add((e.head, e.tail))
            texts.add(writes.amount_key(e.amount))
    texts.discard("")
    amounts = {"amount_texts": sorted(texts), "amount_values": [float(t) for t in sorted(texts)]}
    out = [(writes.retract_edges(), {"id": aid, **amounts}) for aid in ids]
    for (rtype, hl, tl), ends in sorted(pairs.items()):
        out.append((writes.withdraw_edges(rtype, hl, tl),
                    {"rows": [{"head": h, "tail": t} for h, t in sorted(ends)], "ids": ids, **amounts}))
    out += [(writes.retract_mentions(), {"id": aid}) for aid in ids]
    out += [(writes.refresh_nodes(label), {"keys": sorted(keys)}) for label, keys in sorted(touched.items())]
    out.append((writes.unseal_articles(), {"ids": ids, "keep": sorted(set(moved) - set(article_ids))}))
    return out


def retraction(store: GraphStore, article_ids: list[str]) -> list[tuple[str, dict]]:
    """Statements that take back what these articles contributed."""
    if not article_ids:
        return []
    touched: dict[str, set[str]] = defaultdict(set)
    for row in store.run(writes.article_nodes(), {"ids": article_ids}):
        label = next((lbl for lbl in row["labels"] if lbl in writes.LABELS), None)
        if label:
            touched[label].add(row["key"])
    texts = sorted({row["amount"] for row in store.run(writes.retracted_amounts(), {"ids": article_ids})})
    amounts = {"amount_texts": texts, "amount_values": [float(t) for t in texts]}
    out = []
    for aid in article_ids:
        out.append((writes.retract_edges(), {"id": aid, **amounts}))
        out.append((writes.retract_mentions(), {"id": aid}))
    for label, keys in sorted(touched.items()):
        out.append((writes.refresh_nodes(label), {"keys": sorted(keys)}))
    return out


def seal_statement(rows: list[ArticleRows]) -> tuple[str, dict]:
    """The last statement of a batch: the articles' sha256."""
    return writes.seal_articles(), {"rows": [{"id": r.article.id, "sha256": r.article.sha256} for r in rows]}


def write_statements(rows: list[ArticleRows], sealed: bool = True) -> list[tuple[str, dict]]:
    """Write statements for resolved articles: articles, nodes, mentions, edges, and last (unless
    `seal` is False) the articles' sha256.  Rows are aggregated so that no statement MERGEs one
    node or one edge twice (see kg.store.writes)."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    articles = [dict(asdict(r.article), loaded_at=now) for r in rows]
    out = [(writes.upsert_articles(), {"rows": articles})]
    nodes: dict[str, dict[str, writes.NodeUpdate]] = defaultdict(dict)
    mentions: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        for n in r.nodes:
            mentions[n.label].append({"article": n.article, "key": n.key, "count": n.count, "forms": list(n.forms),
                                      "names": n.names, "norms": n.norms, "records": n.records})
            nodes[n.label].setdefault(n.key, writes.NodeUpdate(n.key, n.name)).add(n)
    for label in sorted(nodes):
        out.append((writes.upsert_nodes(label), {"rows": [asdict(u) for u in nodes[label].values()]}))
    for label in sorted(mentions):
        out.append((writes.upsert_mentions(label), {"rows": mentions[label]}))
    edges: dict[tuple[str, str, str], dict[tuple[str, str], list[EdgeRow]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        for e in r.edges:
            edges[(e.type, e.head_label, e.tail_label)][(e.head, e.tail)].append(e)
    for (rtype, hl, tl), by_pair in sorted(edges.items()):
        edge_rows = [{"head": h, "tail": t,
                      "items": [writes.edge_item(e) for e in sorted(es, key=lambda e: e.article)]}
                     for (h, t), es in by_pair.items()]
        out.append((writes.upsert_edges(rtype, hl, tl), {"rows": edge_rows}))
    if sealed:
        out.append(seal_statement(rows))
    return out
