"""Load extractions into a graph store: incremental, idempotent, atomic per batch.

For each batch of articles (one transaction):
- an article whose sha256 is already in the graph is skipped (re-loading
  changes nothing);
- an article whose text changed first has its old contributions retracted:
  its evidence leaves every edge, edges left without evidence go, entities
  no article mentions any more go;
- the rest is written with `UNWIND $rows … MERGE`, nodes before edges.
The articles' sha256 are written last, in the same transaction, so a load
killed at any point and run again ends with the graph one clean load gives.

A batch the store refuses (WriteFailed: a value or constraint, not a dead
server) is taken back and its articles are written one by one, so the one
that causes it is reported (on_error, naming the article) and the others
load.  Neo4j rolls a failed transaction back; FalkorDB keeps the statements
before the failing one (redis has no rollback), so there the loader first
withdraws everything the batch may have written and unseals its articles.

One resolver serves the whole load: it reads the store's entities once, then
remembers each batch, so the graph does not depend on the batch size.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from kg.errors import KgError, LoadError, WriteFailed
from kg.model import Extraction
from kg.resolve import ArticleRows, EdgeRow, KnownNode, Resolver
from kg.store import history, writes
from kg.store.base import Counters, GraphStore


@dataclass
class LoadReport:
    articles_new: int = 0
    articles_changed: int = 0
    articles_unchanged: int = 0
    articles_rejected: int = 0
    rows_rejected: list[str] = field(default_factory=list)
    counters: Counters = field(default_factory=Counters)
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
         progress: Progress | None = None, on_error: OnError | None = None) -> LoadReport:
    """Write `extractions` into `store`; returns what changed.  An article the store refuses
    goes to `on_error` (default: raised) and the others load."""
    with store.lock():
        store.ensure_schema()           # under the lock: two first loads would race to make it
        report = LoadReport(load_id=history.begin(store))
        resolver = LazyResolver(store)
        for batch in _batches(extractions, batch_size):
            try:
                load_batch(store, batch, report, resolver)
            except WriteFailed:
                resolver.reset()
                for ex in batch:        # one at a time, to name the article the store refuses
                    try:
                        load_batch(store, [ex], report, resolver)
                    except WriteFailed as exc:
                        resolver.reset()
                        report.articles_rejected += 1
                        error = LoadError(ex.where or ex.doc_id, f"article {ex.doc_id!r} not loaded: {exc}")
                        if on_error is None:
                            raise error from None
                        on_error(error)
            store.renew()
            if progress:
                progress(len(batch))
        history.finish(store, report)
    return report


def _batches(items: Iterable[Extraction], size: int) -> Iterator[list[Extraction]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def known_resolver(store: GraphStore) -> Resolver:
    """A resolver that knows every entity in the store (one read per label, once per load:
    a lookup per batch would scan the labels each time, as aliases cannot be indexed)."""
    def known():
        for label in writes.LABELS:
            for row in store.run(writes.known_nodes(label)):
                yield label, KnownNode(row["key"], row["name"], list(row["aliases"] or []))
    return Resolver(known())


class LazyResolver:
    """known_resolver(store), read when a batch first has something to write (a load of
    unchanged articles reads nothing), and read again after a batch failed."""

    def __init__(self, store: GraphStore):
        self.store, self._resolver = store, None

    def get(self) -> Resolver:
        if self._resolver is None:
            self._resolver = known_resolver(self.store)
        return self._resolver

    def reset(self) -> None:
        self._resolver = None


def load_batch(store: GraphStore, batch: list[Extraction], report: LoadReport,
               resolver: Resolver | LazyResolver | None = None) -> None:
    """Retract changed articles and write new and changed ones, in one transaction; the
    report counts them once it committed.  `resolver` carries what earlier batches wrote
    (default: read from the store)."""
    batch = list({ex.doc_id: ex for ex in batch}.values())     # the last copy of an id wins
    ids = [ex.doc_id for ex in batch]
    shas = {r["id"]: r["sha256"] for r in store.run(writes.article_state(), {"ids": ids})}
    todo = [ex for ex in batch if shas.get(ex.doc_id) != ex.sha256]
    # an article without sha256 is one a failed batch left half-written: retract it too
    changed = [ex.doc_id for ex in todo if ex.doc_id in shas]
    if todo:
        if resolver is None:
            resolver = known_resolver(store)
        elif isinstance(resolver, LazyResolver):
            resolver = resolver.get()
        statements = retraction(store, changed, resolver)
        rows = [resolver.rows(ex) for ex in todo]
        statements += write_statements(rows)
        statements += history.batch_statements(store, report.load_id, [ex.doc_id for ex in todo], shas, rows)
        try:
            counters = store.execute(statements)
        except WriteFailed:
            if store.partial_on_failure:
                store.execute(withdrawal(store, [ex.doc_id for ex in todo], rows))
            raise
        report.counters += counters
        for r in rows:
            report.rows_rejected.extend(r.rejected)
        report.nodes_touched += sum(len(r.nodes) for r in rows)
        report.edges_touched += sum(len(r.edges) for r in rows)
    report.articles_unchanged += len(batch) - len(todo)
    report.articles_changed += sum(1 for aid in changed if shas[aid] is not None)
    report.articles_new += len(todo) - len(changed) + sum(1 for aid in changed if shas[aid] is None)


def withdrawal(store: GraphStore, article_ids: list[str], rows: list[ArticleRows]) -> list[tuple[str, dict]]:
    """Statements that take back whatever a failed batch wrote for `article_ids` (its `rows`),
    whether or not the mentions that retraction follows were written, and unseal the articles."""
    touched: dict[str, set[str]] = defaultdict(set)
    for row in store.run(writes.article_nodes(), {"ids": article_ids}):
        label = next((lbl for lbl in row["labels"] if lbl in writes.LABELS), None)
        if label:
            touched[label].add(row["key"])
    pairs: dict[tuple[str, str, str], set[tuple[str, str]]] = defaultdict(set)
    texts = {row["amount"] for row in store.run(writes.retracted_amounts(), {"ids": article_ids})}
    for r in rows:
        for n in r.nodes:
            touched[n.label].add(n.key)
        for e in r.edges:
            pairs[(e.type, e.head_label, e.tail_label)].add((e.head, e.tail))
            texts.add(writes.amount_key(e.amount))
    texts.discard("")
    amounts = {"amount_texts": sorted(texts), "amount_values": [float(t) for t in sorted(texts)]}
    out = [(writes.retract_edges(), {"id": aid, **amounts}) for aid in article_ids]
    for (rtype, hl, tl), ends in sorted(pairs.items()):
        out.append((writes.withdraw_edges(rtype, hl, tl),
                    {"rows": [{"head": h, "tail": t} for h, t in sorted(ends)], "ids": article_ids, **amounts}))
    out += [(writes.retract_mentions(), {"id": aid}) for aid in article_ids]
    out += [(writes.refresh_nodes(label), {"keys": sorted(keys)}) for label, keys in sorted(touched.items())]
    out.append((writes.unseal_articles(), {"ids": article_ids}))
    return out


def retraction(store: GraphStore, article_ids: list[str],
               resolver: Resolver | None = None) -> list[tuple[str, dict]]:
    """Statements that take back what these articles contributed.

    A `resolver` is told how the nodes they touch will look afterwards."""
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
        if resolver is not None:
            survivors = store.run(writes.surviving_nodes(label), {"keys": sorted(keys), "ids": article_ids})
            for key in keys:
                resolver.forget(key)
            for row in survivors:
                resolver.remember(label, row["key"], row["name"], row["aliases"])
    return out


def write_statements(rows: list[ArticleRows]) -> list[tuple[str, dict]]:
    """Write statements for resolved articles: articles, nodes, mentions, edges, and last
    the articles' sha256.  Rows are aggregated so that no statement MERGEs one node or
    one edge twice (see kg.store.writes)."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    articles = [dict(asdict(r.article), loaded_at=now) for r in rows]
    out = [(writes.upsert_articles(), {"rows": articles})]
    nodes: dict[str, dict[str, writes.NodeUpdate]] = defaultdict(dict)
    mentions: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        for n in r.nodes:
            mentions[n.label].append({"article": n.article, "key": n.key, "count": n.count,
                                      "forms": list(n.forms)})
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
    out.append((writes.seal_articles(), {"rows": [{"id": a["id"], "sha256": a["sha256"]} for a in articles]}))
    return out
