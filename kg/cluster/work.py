"""What a Dask worker runs: read one partition, extract it, and hand back (or write) the results.

Tasks are plain functions of plain data, so the scheduler may run one twice
(a worker presumed lost that was only slow) or again elsewhere (a worker that
died): the result is the same, and a shard appears under its final name only
once it is complete (written to a hidden temporary file, then renamed).
"""
from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from kg.cluster.plan import Partition, read_piece
from kg.errors import KgError
from kg.model import Extraction

# One pipeline per process is not made for threads: a worker started with several threads
# runs one extraction at a time (start workers with `--nthreads 1`, processes for cores).
_EXTRACTING = threading.Lock()

Entry = tuple   # (article id, where it was read, Extraction | line number in the shard | KgError),
                # or (None, None, KgError) for a problem not tied to one article


@dataclass
class PartitionResult:
    index: int
    entries: list[Entry] = field(default_factory=list)
    articles: int = 0              # extractions made or passed on
    shard: str | None = None       # the file written, with -o DIR
    seconds: float = 0.0


def shard_name(index: int, total: int) -> str:
    """part-00000.jsonl …: names sort in input order, however many partitions there are."""
    return f"part-{index:0{max(5, len(str(max(total - 1, 0))))}d}.jsonl"


def run_partition(part: Partition, out_dir: str | None = None, total: int = 0) -> PartitionResult:
    """Read and extract one partition, in input order.  Without `out_dir` the extractions
    come back in the result; with it they go to DIR/part-NNNNN.jsonl and the result
    holds line numbers."""
    from kg.extraction.extractor import extract_all

    started = time.perf_counter()
    result = PartitionResult(part.index)
    problems: list[KgError] = []

    def report(exc: KgError) -> None:
        result.entries.append((None, None, exc))

    out = _Shard(out_dir, shard_name(part.index, total)) if out_dir else None
    try:
        for piece in part.pieces:
            for item, where in read_piece(piece, report):
                if isinstance(item, Extraction):
                    made = [item]
                else:
                    with _EXTRACTING:
                        made = list(extract_all([item], on_error=problems.append))
                aid = item.doc_id if isinstance(item, Extraction) else item.id
                if not made:
                    result.entries.append((aid, where, problems.pop()))
                    continue
                result.articles += 1
                result.entries.append((aid, where, out.add(made[0]) if out else made[0]))
        result.shard = out.close() if out else None
    finally:
        if out:
            out.discard()
    result.seconds = time.perf_counter() - started
    return result


class _Shard:
    """A shard written to a hidden temporary name, renamed when complete (empty: none)."""

    def __init__(self, out_dir: str, name: str):
        self.final = Path(out_dir) / name
        self.tmp = Path(out_dir) / f".{name}.{uuid.uuid4().hex}.tmp"
        self.file = None
        self.lines = 0

    def add(self, ex: Extraction) -> int:
        if self.file is None:
            self.file = open(self.tmp, "w", encoding="utf-8", newline="\n")
        self.file.write(ex.to_line())
        self.lines += 1
        return self.lines - 1

    def close(self) -> str | None:
        if self.file is None:
            return None
        self.file.close()
        os.replace(self.tmp, self.final)
        return self.final.name

    def discard(self) -> None:
        if self.file is not None and not self.file.closed:
            self.file.close()
        self.tmp.unlink(missing_ok=True)


def drop_lines(out_dir: str, name: str, lines: list[int]) -> str | None:
    """Rewrite a shard without the given lines (later copies of an id read earlier elsewhere);
    a shard left empty is removed.  Returns the shard's name, or None."""
    path = Path(out_dir) / name
    drop = set(lines)
    # lines end at "\n" only: a JSON string keeps U+2028 as it is, which splitlines() would cut at
    kept = [line + "\n" for n, line in enumerate(path.read_bytes().decode("utf-8").split("\n")[:-1])
            if n not in drop]
    if not kept:
        path.unlink()
        return None
    tmp = path.with_name(f".{name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text("".join(kept), encoding="utf-8", newline="\n")
    os.replace(tmp, path)
    return name
