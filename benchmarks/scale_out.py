"""Scale out: extraction on a Dask LocalCluster against the local process pool, the share
of time in extraction and in writing, and the two ways into Neo4j (transactions, bulk import).

    python -m benchmarks.scale_out [--articles N] [--workers N] [--no-neo4j]

All on one input (the first N articles of news2018.jsonl), in one run:
1. extraction with `--workers 1` (the per-worker baseline), `--workers N` (process pool),
   and on a LocalCluster of N one-thread workers started beforehand (as a real cluster
   is), in rounds of all three in rotated order (medians; the cluster against the pool is
   the median of each round's ratio, the overhead ratio); the cluster's start-up is shown
   apart; the three outputs are checked to be identical;
2. what feeding the workers from the client would cost: kg.sources.read of the input on
   one process (articles/s), against the client's planning of partitions;
3. `kg load`'s two halves for the extracted articles: the writer (kg.store.load) into the
   embedded store and into Neo4j, as graph rows (nodes + relationships) per second, and
   extraction's share of the total per store;
4. bulk import: `kg export --neo4j-import` of the embedded graph and `neo4j-admin database
   import full` of it (rows/s, JVM start included), against the transactional writer.
Ratios are against baselines measured in the same run; the machine is shared, so read ratios.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.common import CORPUS, REPO, corpus_subset, machine, save, table, timer
from benchmarks.load_speed import neo4j_server


def extract_with(paths: list[str], **kw) -> tuple[float, list]:
    from kg import api
    with timer() as t:
        out = list(api.extract(paths, on_error=lambda e: None, **kw))
    return t["seconds"], out


def write_with(store, extractions: list) -> dict:
    from kg.store.load import load
    store.ensure_schema()
    with timer() as t:
        load(store, extractions, batch_size=200)
    nodes = store.run("MATCH (n) WHERE NOT n:KgLoad AND NOT n:KgLock AND NOT n:KgStore RETURN count(n) AS n")[0]["n"]
    rels = store.run("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    return {"seconds": t["seconds"], "nodes": nodes, "relationships": rels,
            "rows/s": (nodes + rels) / t["seconds"]}


def bulk_import(export_dir: Path, tmp: Path) -> dict:
    """neo4j-admin database import full of an export, into a new data dir (scripts/neo4j-local admin),
    and of a one-node export: the tool's fixed cost (a JVM, its set-up), which the marginal
    rate leaves out, as it is small against the millions of rows the import is made for."""
    empty = tmp / "one-node"
    empty.mkdir()
    (empty / "Article.header.csv").write_text("id:ID(Article)\n")
    (empty / "Article.csv").write_text('"a"\n')
    fixed = _admin_import(empty, tmp, "fixed")
    full = _admin_import(export_dir, tmp, "full")
    return {**full, "fixed_seconds": fixed["seconds"], "fixed_tool_seconds": fixed["tool_seconds"]}


def _admin_import(export_dir: Path, tmp: Path, name: str) -> dict:
    from kg.store.bulk_export import import_arguments
    script = REPO / "scripts" / "neo4j-local"
    version = re.search(r'NEO4J_VERSION="\$\{NEO4J_VERSION:-([^}]+)\}"', script.read_text()).group(1)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kg" / f"neo4j-{version}"
    subprocess.run([str(script), "install"], check=True, capture_output=True)
    home = tmp / f"admin-{name}"
    home.mkdir()
    (home / "lib").symlink_to(cache / "lib", target_is_directory=True)
    env = {**os.environ, "KG_NEO4J_HOME": str(home), "KG_NEO4J_DATA": str(tmp / f"imported-{name}")}
    with timer() as t:
        done = subprocess.run([str(script), "admin", "--", "database", "import", "full", "neo4j",
                               *import_arguments(export_dir)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"neo4j-admin import failed:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    took = re.search(r"IMPORT DONE in (?:(\d+)m )?(\d+)s (\d+)ms", done.stdout)
    inner = int(took.group(1) or 0) * 60 + int(took.group(2)) + int(took.group(3)) / 1000 if took else None
    return {"seconds": t["seconds"], "tool_seconds": inner}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=3000, help="first N corpus articles (default 3000)")
    ap.add_argument("--rounds", type=int, default=3, help="extraction rounds, each runs all three (default 3)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-neo4j", dest="neo4j", action="store_false")
    args = ap.parse_args(argv)
    if not CORPUS.exists():
        print(f"scale_out: no corpus at {CORPUS}; skipped")
        return {}
    from distributed import Client, LocalCluster

    from kg.cluster.plan import list_pieces, plan
    from kg.sources import read
    from kg.store.falkor_store import FalkorStore

    r = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "workers": args.workers}
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        paths = [str(corpus_subset(args.articles, tmp / "corpus.jsonl"))]
        r["chars"] = sum(len(a.text) for a in read(paths, on_error=lambda e: None))

        from kg.extraction.extractor import pipeline
        pipeline()                                  # built once here; the pool's processes inherit it
        with timer() as t:
            cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0")
            client = Client(cluster)
            client.run(pipeline)                    # each worker builds its own, once, as a live cluster has
        r["cluster_start"] = t["seconds"]
        runs = {"one_worker": [], "pool": [], "cluster": []}
        outputs = {}
        try:
            # Rounds, each in a rotated order, so a neighbour's load on the shared machine falls on all
            # three alike; the medians and the per-round ratios are what is reported.
            for k in range(args.rounds):
                for name in list(runs)[k % 3:] + list(runs)[:k % 3]:
                    kw = {"one_worker": {"workers": 1}, "pool": {"workers": args.workers},
                          "cluster": {"cluster": cluster.scheduler_address}}[name]
                    seconds, outputs[name] = extract_with(paths, **kw)
                    runs[name].append(seconds)
        finally:
            client.close()
            cluster.close()
        r["runs"] = runs
        for name, seconds in runs.items():
            r[name] = statistics.median(seconds)
        r["cluster_vs_pool"] = statistics.median(p / c for p, c in zip(runs["pool"], runs["cluster"]))
        baseline = outputs["one_worker"]
        r["articles"] = len(baseline)
        r["identical"] = len({tuple(e.to_line() for e in out) for out in outputs.values()}) == 1

        with timer() as t:
            n = sum(1 for _ in read(paths, on_error=lambda e: None))
        r["client_read"] = {"seconds": t["seconds"], "articles/s": n / t["seconds"]}
        with timer() as t:
            plan(list_pieces(paths, lambda e: None), 4 * args.workers)
        r["client_plan_seconds"] = t["seconds"]

        with FalkorStore(tmp / "embedded") as store:
            r["write_embedded"] = write_with(store, baseline)
        if args.neo4j:
            with neo4j_server() as (uri, password):
                from kg.store.neo4j_store import Neo4jStore
                with Neo4jStore(uri, password=password) as store:
                    write_with(store, baseline[: min(200, len(baseline))])          # warm the JVM and plans
                    store.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
                              write=True)
                    r["write_neo4j"] = write_with(store, baseline)
            from kg.store.bulk_export import export_neo4j_import
            with FalkorStore(tmp / "embedded") as store:
                with timer() as t:
                    export_neo4j_import(store, tmp / "bulk")
            r["export_seconds"] = t["seconds"]
            r["bulk_import"] = bulk_import(tmp / "bulk", tmp)
        shutil.rmtree(tmp / "embedded", ignore_errors=True)
    print_report(r)
    save("scale_out", r)
    return r


def print_report(r: dict) -> None:
    n, w = r["articles"], r["workers"]
    print(f"scale_out — {r['machine']}, {r['date']}: {n} articles, {r['chars']:,} characters")
    one = n / r["one_worker"]
    rows = [{"extraction": "--workers 1 (baseline)", "seconds": f"{r['one_worker']:.1f}",
             "articles/s": f"{one:.0f}", "per worker": f"{one:.0f}", "vs baseline": "1.00x"}]
    for key, label in (("pool", f"--workers {w} (process pool)"), ("cluster", f"--cluster, LocalCluster of {w}")):
        rate = n / r[key]
        rows.append({"extraction": label, "seconds": f"{r[key]:.1f}", "articles/s": f"{rate:.0f}",
                     "per worker": f"{rate / w:.0f}", "vs baseline": f"{rate / one:.2f}x"})
    print(table(rows))
    print(f"LocalCluster against the process pool: {r['cluster_vs_pool']:.2f}x the pool's throughput "
          f"(median of {len(r['runs']['pool'])} rounds' ratios) "
          f"(start-up and pipelines built apart: {r['cluster_start']:.1f} s); identical output: {r['identical']}")
    read_rate = r["client_read"]["articles/s"]
    print(f"feeding workers from the client instead: kg.sources.read alone is {read_rate:.0f} articles/s on one "
          f"process, {read_rate / one:.0f} workers' worth; planning partitions took {r['client_plan_seconds']:.2f} s")
    rows = []
    for key, label in (("write_embedded", "embedded (FalkorDB)"), ("write_neo4j", "Neo4j, warm")):
        if key in r:
            x = r[key]
            share = r["one_worker"] / (r["one_worker"] + x["seconds"])
            rows.append({"writer (kg.store.load)": label, "seconds": f"{x['seconds']:.1f}",
                         "rows": x["nodes"] + x["relationships"], "rows/s": f"{x['rows/s']:.0f}",
                         "articles/s": f"{n / x['seconds']:.0f}",
                         "extraction share (1 worker)": f"{share:.0%}",
                         "writer = N workers": f"{(n / x['seconds']) / one:.1f}"})
    print(table(rows))
    if "bulk_import" in r:
        rows_n = r["write_embedded"]["nodes"] + r["write_embedded"]["relationships"]
        b = r["bulk_import"]
        marginal = rows_n / max(b["seconds"] - b["fixed_seconds"], 1e-9)
        print(f"bulk: kg export {r['export_seconds']:.1f} s ({rows_n / r['export_seconds']:.0f} rows/s); "
              f"neo4j-admin import {b['seconds']:.1f} s, of which {b['fixed_seconds']:.1f} s fixed (a one-node "
              f"import): {rows_n / b['seconds']:.0f} rows/s all in, {marginal:.0f} rows/s beyond the fixed cost, "
              f"{marginal / r['write_neo4j']['rows/s']:.1f}x Neo4j's transactional writer")


if __name__ == "__main__":
    main()
