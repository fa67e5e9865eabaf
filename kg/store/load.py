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
(FalkorDB does not roll back a transaction whose statement fails at run time:
then the batch's articles are left without sha256, and the next load retracts
what was written of them and writes them again.)

One resolver serves the whole load: it reads the store's entities once, then
remembers each batch, so the graph does not depend on the batch size.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from kg.model import Extraction
from kg.resolve import ArticleRows, KnownNode, Resolver
from kg.store import Counters, GraphStore
from kg.store import writes as W


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

    @property
    def nodes_updated(self) -> int:
        return max(self.nodes_touched - self.counters.nodes_created, 0)

    @property
    def relationships_updated(self) -> int:
        return max(self.edges_touched - self.counters.relationships_created, 0)

    def as_dict(self) -> dict:
        c = self.counters
        return {
            "articles": {"new": self.articles_new, "changed": self.articles_changed,
                         "unchanged": self.articles_unchanged, "rejected": self.articles_rejected},
            "nodes": {"created": c.nodes_created, "updated": self.nodes_updated, "deleted": c.nodes_deleted},
            "relationships": {"created": c.relationships_created, "updated": self.relationships_updated,
                              "deleted": c.relationships_deleted},
            "rows_rejected": len(self.rows_rejected),
        }


Progress = Callable[[int], None]


def load(store: GraphStore, extractions: Iterable[Extraction], batch_size: int = 200,
         progress: Progress | None = None) -> LoadReport:
    """Write `extractions` into `store`; returns what changed."""
    report = LoadReport()
    with store.lock():
        store.ensure_schema()           # under the lock: two first loads would race to make it
        resolver = LazyResolver(store)
        for batch in _batches(extractions, batch_size):
            load_batch(store, batch, report, resolver)
            store.renew()
            if progress:
                progress(len(batch))
        store.execute([(W.record_load(), {
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "articles": report.articles_new + report.articles_changed + report.articles_unchanged,
            "new": report.articles_new, "changed": report.articles_changed,
            "unchanged": report.articles_unchanged, "rejected": report.articles_rejected})])
    return report


def _batches(items: Iterable[Extraction], size: int) -> Iterator[list[Extraction]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def known_resolver(store: GraphStore) -> Resolver:
    """A resolver that knows every entity in the store (one read per label, once per load:
    a lookup per batch would scan the labels each time, as aliases cannot be indexed)."""
    def known():
        for label in W.LABELS:
            for row in store.run(W.known_nodes(label)):
                yield label, KnownNode(row["key"], row["name"], list(row["aliases"] or []))
    return Resolver(known())


class LazyResolver:
    """known_resolver(store), read when a batch first has something to write (a load of
    unchanged articles reads nothing)."""

    def __init__(self, store: GraphStore):
        self.store, self._resolver = store, None

    def get(self) -> Resolver:
        if self._resolver is None:
            self._resolver = known_resolver(self.store)
        return self._resolver


def load_batch(store: GraphStore, batch: list[Extraction], report: LoadReport,
               resolver: Resolver | LazyResolver | None = None) -> None:
    """Retract changed articles and write new and changed ones, in one transaction.

    `resolver` carries what earlier batches wrote (default: read from the store)."""
    batch = list({ex.doc_id: ex for ex in batch}.values())     # the last copy of an id wins
    shas = {r["id"]: r["sha256"] for r in store.run(W.article_state(), {"ids": [ex.doc_id for ex in batch]})}
    todo = [ex for ex in batch if shas.get(ex.doc_id) != ex.sha256]
    # an article without sha256 is one a failed batch left half-written: retract it too
    changed = [ex.doc_id for ex in todo if ex.doc_id in shas]
    report.articles_unchanged += len(batch) - len(todo)
    report.articles_changed += sum(1 for aid in changed if shas[aid] is not None)
    report.articles_new += len(todo) - len(changed) + sum(1 for aid in changed if shas[aid] is None)
    if not todo:
        return
    if resolver is None:
        resolver = known_resolver(store)
    elif isinstance(resolver, LazyResolver):
        resolver = resolver.get()
    statements = retraction(store, changed, resolver)
    rows = [resolver.rows(ex) for ex in todo]
    for r in rows:
        report.rows_rejected.extend(r.rejected)
    statements += writes(rows)
    report.nodes_touched += sum(len(r.nodes) for r in rows)
    report.edges_touched += sum(len(r.edges) for r in rows)
    report.counters += store.execute(statements)


def retraction(store: GraphStore, article_ids: list[str],
               resolver: Resolver | None = None) -> list[tuple[str, dict]]:
    """Statements that take back what these articles contributed.

    A `resolver` is told how the nodes they touch will look afterwards."""
    if not article_ids:
        return []
    touched: dict[str, set[str]] = defaultdict(set)
    for row in store.run(W.article_nodes(), {"ids": article_ids}):
        label = next((lbl for lbl in row["labels"] if lbl in W.LABELS), None)
        if label:
            touched[label].add(row["key"])
    texts = sorted({row["amount"] for row in store.run(W.retracted_amounts(), {"ids": article_ids})})
    amounts = {"amount_texts": texts, "amount_values": [float(t) for t in texts]}
    out = []
    for aid in article_ids:
        out.append((W.retract_edges(), {"id": aid, **amounts}))
        out.append((W.retract_mentions(), {"id": aid}))
    for label, keys in sorted(touched.items()):
        out.append((W.refresh_nodes(label), {"keys": sorted(keys)}))
        if resolver is not None:
            survivors = store.run(W.surviving_nodes(label), {"keys": sorted(keys), "ids": article_ids})
            for key in keys:
                resolver.forget(key)
            for row in survivors:
                resolver.remember(label, row["key"], row["name"], row["aliases"])
    return out


def writes(rows: list[ArticleRows]) -> list[tuple[str, dict]]:
    """Write statements for resolved articles: articles, nodes, mentions, edges, and last
    the articles' sha256.  Rows are aggregated so that no statement MERGEs one node or
    one edge twice (see kg.store.writes)."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    articles = [dict(asdict(r.article), loaded_at=now) for r in rows]
    out = [(W.upsert_articles(), {"rows": articles})]
    nodes: dict[str, dict[str, dict]] = defaultdict(dict)
    mentions: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        for n in r.nodes:
            mentions[n.label].append({"article": n.article, "key": n.key, "count": n.count,
                                      "forms": list(n.forms)})
            agg = nodes[n.label].setdefault(n.key, {"key": n.key, "name": n.name, "forms": [],
                                                    "count": 0, "first": None, "last": None})
            agg["count"] += n.count
            agg["forms"] += [f for f in n.forms if f not in agg["forms"]]
            if n.date:
                agg["first"] = min(agg["first"] or n.date, n.date)
                agg["last"] = max(agg["last"] or n.date, n.date)
    for label in sorted(nodes):
        out.append((W.upsert_nodes(label), {"rows": list(nodes[label].values())}))
    for label in sorted(mentions):
        out.append((W.upsert_mentions(label), {"rows": mentions[label]}))
    edges: dict[tuple[str, str, str], dict[tuple[str, str], list[list[str]]]] = defaultdict(dict)
    for r in rows:
        for e in r.edges:
            item = [_text(getattr(e, f)) for f in W.EDGE_ITEM] + [float(e.amount) if e.amount else None]
            edges[(e.type, e.head_label, e.tail_label)].setdefault((e.head, e.tail), []).append(item)
    for (rtype, hl, tl), by_pair in sorted(edges.items()):
        edge_rows = [{"head": h, "tail": t, "items": sorted(items, key=lambda it: it[0])}
                     for (h, t), items in by_pair.items()]
        out.append((W.upsert_edges(rtype, hl, tl), {"rows": edge_rows}))
    out.append((W.seal_articles(), {"rows": [{"id": a["id"], "sha256": a["sha256"]} for a in articles]}))
    return out


def _text(value) -> str:
    """Edge list items are strings: a graph list cannot hold null (Neo4j refuses it)."""
    return "" if value is None else str(value)


def load_paths(paths: Iterable[str], store: GraphStore, on_error, batch_size: int = 200,
               workers: int = 1, progress: Progress | None = None) -> LoadReport:
    """Read, extract and load everything under `paths` (articles or `kg extract` JSONL)."""
    from kg.extract import extract_all
    from kg.sources import read

    rejected = 0

    def count_rejections(exc):
        nonlocal rejected
        if not getattr(exc, "warning", False):
            rejected += 1
        on_error(exc)

    extractions = extract_all(read(paths, on_error=count_rejections), on_error=count_rejections,
                              workers=workers)
    report = load(store, extractions, batch_size=batch_size, progress=progress)
    report.articles_rejected += rejected
    return report
