"""The conductor: kg's two jobs, end to end, with the error policy in one place.

    extract(paths)          sources -> clean -> extract            -> Extraction, one per article
    load(paths, store)      sources -> clean -> extract -> resolve -> store

Extraction runs here (`workers` processes) or, with `cluster`, on a Dask
cluster (kg.cluster); the results are the same either way.

Both read files, directories or `-` (stdin).  Inputs that already are
`kg extract` output pass straight to the loader.  A problem with one input
(an unreadable file, a bad record, a component failing on one article) is
given to `on_error` as a KgError naming the file and record, and the other
articles go on; without `on_error` the first problem is raised.  The CLI
and the tests call these same functions.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from kg.errors import KgError, LoadError
from kg.model import Extraction
from kg.store import GraphStore, history
from kg.store.load import LoadReport, Progress
from kg.store.load import load as load_extractions

OnError = Callable[[KgError], None]
ClusterProgress = Callable[[int, int, int], None]     # (partitions done, partitions, articles)


def _raise(exc: KgError) -> None:
    if not getattr(exc, "warning", False):
        raise exc


@dataclass
class _Counting:
    """Passes problems on, counting the errors (warnings are not rejections)."""
    on_error: OnError
    errors: int = 0
    load_errors: int = 0                  # counted by the loader's own report already
    problems: list[str] = field(default_factory=list)

    def __call__(self, exc: KgError) -> None:
        if not getattr(exc, "warning", False):
            self.errors += 1
            self.load_errors += isinstance(exc, LoadError)
            self.problems.append(str(exc))
        self.on_error(exc)


def extract(paths: Iterable[str], on_error: OnError | None = None, workers: int = 1,
            cluster: str | None = None, partitions: int | None = None,
            progress: ClusterProgress | None = None) -> Iterator[Extraction]:
    """Every article under `paths`, extracted, in input order; records that already are
    `kg extract` output pass through as they are.  With `cluster` (a Dask scheduler address,
    or `local:N`) the extraction runs there, in `partitions` parts (default: by input size),
    with the same result."""
    report = on_error or _raise
    if cluster:
        from kg.cluster import extract as on_cluster
        yield from on_cluster(paths, cluster, report, partitions, progress)
        return
    from kg.extraction.extractor import extract_all
    from kg.sources import read

    # runs of articles stream through one extraction (one worker pool); Extractions pass by
    for made, run in itertools.groupby(read(paths, on_error=report), key=lambda x: isinstance(x, Extraction)):
        yield from run if made else extract_all(run, on_error=report, workers=workers)


def extract_shards(paths: Iterable[str], out_dir: str, cluster: str, on_error: OnError | None = None,
                   partitions: int | None = None, progress: ClusterProgress | None = None):
    """Extract on `cluster`, each partition writing its shard out_dir/part-NNNNN.jsonl (a backfill
    never passes through this process); returns a kg.cluster.ShardReport."""
    from kg.cluster import extract_to_shards
    return extract_to_shards(paths, out_dir, cluster, on_error or _raise, partitions, progress)


def load(paths: Iterable[str], store: GraphStore, on_error: OnError | None = None, batch_size: int = 200,
         workers: int = 1, progress: Progress | None = None, cluster: str | None = None,
         partitions: int | None = None, cluster_progress: ClusterProgress | None = None) -> LoadReport:
    """Read, extract and load everything under `paths` (articles or `kg extract` JSONL) into `store`.
    With `cluster`, extraction runs there and this process is the one writer."""
    counting = _Counting(on_error or _raise)
    extractions = extract(paths, counting, workers=workers, cluster=cluster, partitions=partitions,
                          progress=cluster_progress)
    report = load_extractions(store, extractions, batch_size=batch_size, progress=progress, on_error=counting)
    report.articles_rejected -= counting.load_errors
    report.articles_rejected += counting.errors
    if counting.problems:             # on the load's record too: kg report lists them
        history.note_problems(store, report.load_id, counting.problems, report.articles_rejected)
    return report
