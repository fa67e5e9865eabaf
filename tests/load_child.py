"""A `kg load` to kill or to race, run as a separate process by tests/test_concurrency.py.

    python tests/load_child.py STORE JSONL BATCH_SIZE PAUSE

Loads the `kg extract` JSONL into STORE (a directory or a bolt:// URI, password from
NEO4J_PASSWORD) through kg.store.load.load, printing `committed N` after each batch.
The input stream pauses PAUSE seconds before each article after the first batch, so
the parent can kill it (or find it holding the write lock) between batches: the pause
is in the test's input, the loader has no test hook.
"""
from __future__ import annotations

import json
import sys
import time

from kg.model import Extraction
from kg.store import open_store
from kg.store.load import load


def main(store_uri: str, jsonl: str, batch_size: int, pause: float) -> None:
    with open(jsonl, encoding="utf-8") as f:
        extractions = [Extraction.from_json(json.loads(line)) for line in f]

    def slow():
        for i, ex in enumerate(extractions):
            if i >= batch_size:
                time.sleep(pause)
            yield ex

    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        print(f"committed {done}", flush=True)

    with open_store(store_uri) as store:
        print(f"open {store.kind}", flush=True)
        report = load(store, slow(), batch_size=batch_size, progress=progress)
    print(f"done {report.articles_new} new {report.articles_unchanged} unchanged", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
