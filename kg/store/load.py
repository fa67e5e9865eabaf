"""Load extractions into a graph store: incremental, idempotent, atomic per batch.

For each batch of articles (one transaction):
- an article whose sha256 is already in the graph is skipped (re-loading
  changes nothing);
- an article whose text changed first has its old contributions retracted:
  its evidence leaves every edge, edges left without evidence go, entities
  no article mentions any more go;
- the rest is written with `UNWIND $rows … MERGE`, nodes before edges.
The article's sha256 is written in the same transaction, so a load killed at
any point and run again ends with the graph one clean load gives.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from kg.model import Extraction
from kg.resolve import ArticleRows, KnownNode, Resolver, _forms
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
    store.ensure_schema()
    with store.lock():
        for batch in _batches(extractions, batch_size):
            load_batch(store, batch, report)
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


def load_batch(store: GraphStore, batch: list[Extraction], report: LoadReport) -> None:
    """Retract changed articles and write new and changed ones, in one transaction."""
    batch = list({ex.doc_id: ex for ex in batch}.values())     # the last copy of an id wins
    shas = {r["id"]: r["sha256"] for r in store.run(W.article_state(), {"ids": [ex.doc_id for ex in batch]})}
    todo = [ex for ex in batch if shas.get(ex.doc_id) != ex.sha256]
    changed = [ex.doc_id for ex in todo if ex.doc_id in shas]
    report.articles_unchanged += len(batch) - len(todo)
    report.articles_changed += len(changed)
    report.articles_new += len(todo) - len(changed)
    if not todo:
        return
    statements = retraction(store, changed)
    resolver = Resolver(_known(store, todo))
    rows = [resolver.rows(ex) for ex in todo]
    for r in rows:
        report.rows_rejected.extend(r.rejected)
    statements += writes(rows)
    report.nodes_touched += sum(len(r.nodes) for r in rows)
    report.edges_touched += sum(len(r.edges) for r in rows)
    report.counters += store.execute(statements)


def retraction(store: GraphStore, article_ids: list[str]) -> list[tuple[str, dict]]:
    """Statements that take back what these articles contributed."""
    if not article_ids:
        return []
    touched: dict[str, set[str]] = defaultdict(set)
    for row in store.run(W.article_nodes(), {"ids": article_ids}):
        label = next((lbl for lbl in row["labels"] if lbl in W.LABELS), None)
        if label:
            touched[label].add(row["key"])
    out = []
    for aid in article_ids:
        out.append((W.retract_edges(), {"id": aid}))
        out.append((W.retract_mentions(), {"id": aid}))
    for label, keys in sorted(touched.items()):
        out.append((W.refresh_nodes(label), {"keys": sorted(keys)}))
    return out


def _known(store: GraphStore, batch: list[Extraction]):
    """Existing nodes that entities of this batch may denote."""
    forms: dict[str, set[str]] = defaultdict(set)
    for ex in batch:
        for e in ex.entities:
            forms[str(e.type)].update(_forms(e.name, e.aliases))
    for label, fs in sorted(forms.items()):
        for row in store.run(W.fetch_known(label), {"forms": sorted(fs)}):
            yield label, KnownNode(row["key"], row["name"], list(row["aliases"] or []))


def writes(rows: list[ArticleRows]) -> list[tuple[str, dict]]:
    """Write statements for resolved articles: articles, nodes, mentions, edges."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    articles = [dict(asdict(r.article), loaded_at=now) for r in rows]
    out = [(W.upsert_articles(), {"rows": articles})]
    nodes: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        for n in r.nodes:
            nodes[n.label].append({"key": n.key, "name": n.name, "forms": n.forms, "count": n.count,
                                   "article": n.article, "date": n.date})
    for label in sorted(nodes):
        out.append((W.upsert_nodes(label), {"rows": nodes[label]}))
    for label in sorted(nodes):
        out.append((W.upsert_mentions(label), {"rows": nodes[label]}))
    edges: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for r in rows:
        for e in r.edges:
            edges[(e.type, e.head_label, e.tail_label)].append(asdict(e))
    for (rtype, hl, tl) in sorted(edges):
        out.append((W.upsert_edges(rtype, hl, tl), {"rows": edges[(rtype, hl, tl)]}))
    return out


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
