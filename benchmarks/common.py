"""Helpers the benchmarks share: the corpus, timing, memory and tables."""
from __future__ import annotations

import itertools
import json
import os
import platform
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("KG_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus" / "news2018.jsonl"


def corpus_articles(limit: int | None = None) -> Iterator:
    """Articles of news2018.jsonl, streamed (kg.sources reads them)."""
    from kg.sources import read
    items = read([str(CORPUS)], on_error=lambda e: None)
    return itertools.islice(items, limit) if limit else items


def corpus_subset(limit: int | None, path: Path) -> Path:
    """The first `limit` lines of the corpus as a file of its own (the whole corpus when None)."""
    if not limit:
        return CORPUS
    with CORPUS.open(encoding="utf-8") as src, path.open("w", encoding="utf-8") as dst:
        for line in itertools.islice(src, limit):
            dst.write(line)
    return path


@contextmanager
def timer() -> Iterator[dict]:
    box = {}
    start = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - start


def peak_rss_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, {platform.system()}"


def table(rows: list[dict]) -> str:
    cols = list(rows[0])
    width = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    lines = ["  ".join(c.ljust(width[c]) for c in cols), "  ".join("-" * width[c] for c in cols)]
    lines += ["  ".join(str(r[c]).ljust(width[c]) for c in cols) for r in rows]
    return "\n".join(lines)


def save(name: str, result: dict) -> None:
    """Keep the last result of each benchmark (benchmarks/results/NAME.json) for the README."""
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
