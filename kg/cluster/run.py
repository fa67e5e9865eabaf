"""The client side of a cluster run: connect, plan, submit, and put the results back in order.

Dask does the distributed work: futures carry partitions to workers, the
scheduler re-runs the partitions of a worker that died (a LocalCluster's
nanny starts a new one), `retries` covers a task that failed, and
`as_completed` says which partitions are done.  What kg adds is order and
identity: results are taken in partition order, and the ids are checked
across partitions exactly as one local reader checks them (a later copy of
an id is reported and dropped, even from a shard already written).
"""
from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kg.cluster.plan import FileIndex, Partition, apply_index, cuts_by_file, index_file, list_pieces, plan
from kg.cluster.work import PartitionResult, drop_lines, run_partition, shard_name
from kg.errors import ClusterError, KgError
from kg.model import Extraction
from kg.sources import duplicate

OnError = Callable[[KgError], None]
Progress = Callable[[int, int, int], None]     # (partitions done, partitions, articles done)

BLOCK_BYTES = 16 << 20         # default partition size: ~4,000 news articles, ~30 s on one worker
PER_THREAD = 4                 # at least this many partitions per worker thread, for balance
INSTALL_HINT = "install it with: pip install 'kg[cluster]' (from a checkout: pip install -e '.[cluster]')"


@contextmanager
def connect(address: str):
    """A dask.distributed Client: `local:N` starts a LocalCluster of N worker processes (one
    thread each) for the run; anything else is a scheduler address (tcp://host:8786)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError(f"--cluster needs Dask (dask and distributed); {INSTALL_HINT}") from None
    if address.startswith("local:"):
        n = address.removeprefix("local:")
        if not n.isdigit() or int(n) < 1:
            raise ClusterError(f"--cluster {address}: expected local:N with N worker processes, e.g. local:4")
        with LocalCluster(n_workers=int(n), threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(address, timeout=os.environ.get("KG_CLUSTER_TIMEOUT", "30s"))
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        yield client


def partitions_for(client, paths: Iterable[str], on_error: OnError, count: int | None) -> list[Partition]:
    """Plan the partitions (`count`, default from the input size and the cluster's threads),
    then index the big JSON Lines files on the workers and align the cuts to lines."""
    files = list_pieces(paths, on_error)
    if count is None:
        threads = sum(client.nthreads().values()) or 1
        count = max(-(-sum(size for _, size in files) // BLOCK_BYTES), PER_THREAD * threads)
    parts = plan(files, count)
    cuts = cuts_by_file(parts)
    futures = {path: client.submit(index_file, path, c, pure=False, retries=2) for path, c in cuts.items()}
    indexes: dict[str, FileIndex] = {path: f.result() for path, f in futures.items()}
    return apply_index(parts, indexes)


@dataclass
class _Order:
    """Takes partition results in input order, checking ids as kg.sources.read does."""
    on_error: OnError
    seen: dict[str, str] = field(default_factory=dict)

    def take(self, result: PartitionResult) -> Iterator[tuple[bool, object]]:
        """(kept, Extraction or shard line) of each article read; a later copy of an id is not
        kept.  Problems, and the later copies, go to on_error."""
        for aid, where, payload in result.entries:
            if aid is None:
                self.on_error(payload)
            elif aid in self.seen:
                self.on_error(duplicate(aid, where, self.seen[aid]))
                if not isinstance(payload, KgError):
                    yield False, payload
            else:
                self.seen[aid] = where
                if isinstance(payload, KgError):
                    self.on_error(payload)
                else:
                    yield True, payload


def _result(future, part: Partition, on_error: OnError) -> PartitionResult:
    try:
        return future.result()
    except Exception as exc:            # a partition lost for good (KilledWorker): the others go on
        on_error(ClusterError(f"partition {part.index} ({part.describe()}) failed: "
                              f"{type(exc).__name__}: {exc}"))
        return PartitionResult(part.index)


def extract(paths: Iterable[str], address: str, on_error: OnError, partitions: int | None = None,
            progress: Progress | None = None) -> Iterator[Extraction]:
    """Extract every article under `paths` on the cluster; the extractions come back here in
    input order.  At most a few partitions per worker thread wait in memory at any time."""
    with connect(address) as client:
        from distributed import as_completed       # importable: connect() checked
        parts = partitions_for(client, paths, on_error, partitions)
        window = 2 * max(sum(client.nthreads().values()), 1)
        run = uuid.uuid4().hex[:8]
        todo, pending = iter(parts), as_completed()
        futures, index_of, ready = {}, {}, {}

        def submit() -> None:
            part = next(todo, None)
            if part is not None:
                future = client.submit(run_partition, part, key=f"kg-extract-{run}-{part.index}",
                                       retries=2, pure=False)
                futures[part.index], index_of[future.key] = future, part.index
                pending.add(future)

        for _ in range(window):
            submit()
        order, articles, nxt = _Order(on_error), 0, 0
        for done, future in enumerate(pending, 1):
            index = index_of.pop(future.key)
            ready[index] = _result(future, parts[index], on_error)
            articles += ready[index].articles
            if progress:
                progress(done, len(parts), articles)
            while nxt in ready:
                result = ready.pop(nxt)
                futures.pop(nxt).release()
                yield from (payload for kept, payload in order.take(result) if kept)
                nxt += 1
                submit()


@dataclass
class ShardReport:
    partitions: int = 0
    articles: int = 0
    shards: list[str] = field(default_factory=list)
    seconds: float = 0.0


def extract_to_shards(paths: Iterable[str], out_dir: str, address: str, on_error: OnError,
                      partitions: int | None = None, progress: Progress | None = None) -> ShardReport:
    """Extract on the cluster, each partition writing its own shard DIR/part-NNNNN.jsonl: the
    extractions never pass through this process.  Concatenated in name order, the shards
    are what `kg extract` writes locally."""
    started = time.perf_counter()
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if old := sorted(out.glob("part-*.jsonl")):
        raise ClusterError(f"{out_dir} already holds shards ({old[0].name} …); remove them or give "
                           "another directory")
    report = ShardReport()
    with connect(address) as client:
        from distributed import as_completed
        parts = partitions_for(client, paths, on_error, partitions)
        run = uuid.uuid4().hex[:8]
        futures = [client.submit(run_partition, part, str(out), len(parts), key=f"kg-shard-{run}-{part.index}",
                                 retries=2, pure=False) for part in parts]
        results: dict[int, PartitionResult] = {}
        position = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures):
            i = position[future.key]
            results[i] = _result(future, parts[i], on_error)
            report.articles += results[i].articles
            if progress:
                progress(len(results), len(parts), report.articles)
        order, drops = _Order(on_error), []
        for i in range(len(parts)):
            lines = [line for kept, line in order.take(results[i]) if not kept]
            if lines and results[i].shard:
                report.articles -= len(lines)
                drops.append(client.submit(drop_lines, str(out), results[i].shard, lines, pure=False, retries=2))
                results[i].shard = None
        kept = [name for name in (f.result() for f in drops) if name]
        report.shards = sorted(kept + [r.shard for r in results.values() if r.shard])
    for leftover in out.glob(".part-*.tmp"):          # from a worker killed while writing
        leftover.unlink(missing_ok=True)
    report.partitions, report.seconds = len(parts), time.perf_counter() - started
    return report


__all__ = ["connect", "extract", "extract_to_shards", "ShardReport", "shard_name"]
