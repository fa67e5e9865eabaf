"""Load throughput: kg's batched loader against a naive one-row-per-transaction
loader, on the embedded store and on Neo4j, same rows, same run.

    python -m benchmarks.load_speed [--articles N] [--batch-size N] [--engines embedded,neo4j]

The first N articles of news2018.jsonl are extracted once (cached as `kg extract`
JSONL in the temp dir).  Both loaders write the same rows (kg's resolver) with the
same Cypher: the batched one as kg.store.load.load does, one transaction per batch;
the naive one runs each statement with a single row, one transaction each.  A first
batched load warms the engine up (shown; Neo4j is much slower cold), then each loader
loads into an empty graph.  Relationships counted are all written: MENTIONS and the
facts.  Neo4j
is NEO4J_URI (NEO4J_PASSWORD; its graph is wiped) or a throw-away server started
with scripts/neo4j-local on a spare port and stopped afterwards.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import CORPUS, REPO, corpus_articles, machine, save, table, timer


def extractions(n: int) -> list:
    """The extraction of the first `n` articles, cached as JSONL."""
    from kg.model import Extraction
    cache = Path(tempfile.gettempdir()) / f"kg-load-speed-{os.getuid()}" / f"news2018-{n}.jsonl"
    if not cache.exists():
        from kg.extraction.extractor import extract_all
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(".part")
        with partial.open("w", encoding="utf-8") as out:
            for ex in extract_all(corpus_articles(n), on_error=lambda e: None, workers=os.cpu_count() or 1):
                out.write(json.dumps(ex.to_json(), ensure_ascii=False) + "\n")
        partial.replace(cache)
    with cache.open(encoding="utf-8") as f:
        return [Extraction.from_json(json.loads(line)) for line in f]


def naive_load(store, batch: list) -> None:
    """The baseline: kg's rows and statements, but one row per statement and one
    transaction per statement (what a loop of session.run(MERGE …) does)."""
    from kg.resolve import resolve
    from kg.store.load import write_statements
    store.ensure_schema()
    for rows in resolve(batch):
        for query, params in write_statements([rows]):
            for row in params["rows"]:
                store.execute([(query, {"rows": [row]})])


def graph_size(store) -> tuple[int, int]:
    nodes = store.run("MATCH (n) WHERE NOT n:KgLoad AND NOT n:KgLock RETURN count(n) AS n")[0]["n"]
    rels = store.run("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    return nodes, rels


@contextmanager
def neo4j_server():
    """(uri, password): NEO4J_URI, else a throw-away scripts/neo4j-local server."""
    if uri := os.environ.get("NEO4J_URI"):
        yield uri, os.environ.get("NEO4J_PASSWORD")
        return
    script = REPO / "scripts" / "neo4j-local"
    subprocess.run([str(script), "install"], check=True, capture_output=True)   # jars, once, shared
    version = re.search(r'NEO4J_VERSION="\$\{NEO4J_VERSION:-([^}]+)\}"', script.read_text()).group(1)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kg" / f"neo4j-{version}"
    root = Path(tempfile.mkdtemp(prefix="kg-load-speed-neo4j-"))
    (root / "home").mkdir()
    (root / "home" / "lib").symlink_to(cache / "lib", target_is_directory=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    password = secrets.token_hex(8)
    env = {**os.environ, "KG_NEO4J_HOME": str(root / "home"), "KG_NEO4J_DATA": str(root / "data"),
           "NEO4J_BOLT_PORT": str(port), "NEO4J_PASSWORD": password}
    try:
        subprocess.run([str(script), "start"], env=env, check=True, capture_output=True, text=True)
        yield f"bolt://127.0.0.1:{port}", password
    finally:
        subprocess.run([str(script), "stop"], env=env, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def fresh_store(engine: str, where: Path, neo4j: tuple[str, str | None] | None):
    if engine == "embedded":
        from kg.store.falkor_store import FalkorStore
        shutil.rmtree(where, ignore_errors=True)
        return FalkorStore(where)
    from kg.store.neo4j_store import Neo4jStore
    store = Neo4jStore(neo4j[0], password=neo4j[1])
    store.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS", write=True)
    return store


def timed_load(engine: str, loader: str, batch: list, batch_size: int, neo4j, where: Path) -> dict:
    from kg.store.load import load
    with fresh_store(engine, where, neo4j) as store:
        store.ensure_schema()
        with timer() as t:
            if loader == "naive":
                naive_load(store, batch)
            else:
                load(store, batch, batch_size=batch_size)
        nodes, rels = graph_size(store)
    return {"engine": engine, "loader": loader, "seconds": t["seconds"], "nodes": nodes,
            "relationships": rels, "rel/s": rels / t["seconds"]}


def measure(engine: str, batch: list, batch_size: int, neo4j, tmp: Path) -> list[dict]:
    """The first batched load warms the engine up (Neo4j's JVM is cold after a start and each
    statement is planned once): it is shown, but the ratio compares the warm runs."""
    where = tmp / engine
    first = timed_load(engine, "batched", batch, batch_size, neo4j, where)
    first["loader"] = "batched, first run"
    timed_load(engine, "naive", batch[:50], batch_size, neo4j, where)          # plans the naive rows
    batched = timed_load(engine, "batched", batch, batch_size, neo4j, where)
    naive = timed_load(engine, "naive", batch, batch_size, neo4j, where)
    if (batched["nodes"], batched["relationships"]) != (naive["nodes"], naive["relationships"]):
        sys.exit(f"load_speed: the loaders built different graphs on {engine}: {batched} {naive}")
    batched["batched/naive"] = batched["rel/s"] / naive["rel/s"]
    return [first, batched, naive]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=2000, help="first N articles (default 2000)")
    ap.add_argument("--batch-size", type=int, default=200, help="articles per transaction (default 200)")
    ap.add_argument("--engines", default="embedded,neo4j", help="comma-separated: embedded, neo4j")
    args = ap.parse_args(argv)
    if not CORPUS.exists():
        print(f"load_speed: no corpus at {CORPUS}; skipped")
        return {}
    started = time.perf_counter()
    batch = extractions(args.articles)
    print(f"extraction of {len(batch)} articles ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    engines = args.engines.split(",")
    rows = []
    with tempfile.TemporaryDirectory(prefix="kg-load-speed-") as tmp:
        if "embedded" in engines:
            rows += measure("embedded", batch, args.batch_size, None, Path(tmp))
        if "neo4j" in engines:
            with neo4j_server() as neo4j:
                rows += measure("neo4j", batch, args.batch_size, neo4j, Path(tmp))
    shown = [{"engine": r["engine"], "loader": r["loader"], "seconds": f"{r['seconds']:.2f}",
              "relationships": r["relationships"], "rel/s": f"{r['rel/s']:,.0f}",
              "batched/naive": f"{r['batched/naive']:.1f}x" if "batched/naive" in r else ""} for r in rows]
    print(f"load speed — {len(batch)} articles of news2018.jsonl, batch size {args.batch_size}; {machine()}")
    print(table(shown))
    result = {"machine": machine(), "articles": len(batch), "batch_size": args.batch_size,
              "runs": [{k: v for k, v in r.items()} for r in rows]}
    save("load_speed", result)
    return result


if __name__ == "__main__":
    main()
