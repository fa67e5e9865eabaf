"""Scale: the whole corpus end to end, then what a user feels on the full store.

    python -m benchmarks.scale [--articles N] [--workers N] [--neo4j | --no-neo4j]

1. `kg load` of news2018.jsonl plus the seeds (extraction and loading, one
   command, as a user runs it) into a fresh embedded store, and into Neo4j:
   wall time, peak memory of the whole process tree (sampled, workers and
   the store's server included), graph size;
2. one new article loaded into the full embedded store (`kg load one.txt`,
   process start included), against `kg status` on the same store (process
   start and store opening: the floor any store command pays);
3. every library query in cypher/ on the full stores;
4. `kg viz` of a 1,000-node view of the full embedded store.
Ratios are against baselines measured in the same run.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from benchmarks.common import CORPUS, REPO, corpus_subset, machine, save, table

KG = [sys.executable, "-m", "kg"]


class TreeMemory:
    """Peak resident memory of a process and all its descendants, sampled."""

    def __init__(self, pid: int, extra=lambda: []):
        self.proc, self.extra, self.peak, self.peak_single = psutil.Process(pid), extra, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True), *self.extra()]
                rss = [p.memory_info().rss for p in procs if p.is_running()]
                self.peak = max(self.peak, sum(rss))
                self.peak_single = max(self.peak_single, max(rss, default=0))
            except psutil.Error:
                pass
            self._stop.wait(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def store_servers(store: Path):
    return lambda: [p for p in psutil.process_iter(["cmdline"])
                    if "redis-server" in " ".join(p.info["cmdline"] or ()) and str(store) in
                    " ".join(p.info["cmdline"] or ())]


def run_load(paths: list[str], store: str, workers: int, env: dict, server_of=lambda: []) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen([*KG, "load", *paths, "--store", store, "-w", str(workers)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    mem = TreeMemory(proc.pid, server_of)
    out, err = proc.communicate()
    mem.stop()
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"kg load failed ({proc.returncode}):\n{err[-2000:]}")
    return {"seconds": seconds, "peak_tree_mb": mem.peak / 2**20, "peak_process_mb": mem.peak_single / 2**20,
            "report": out.strip()}


def graph_size(store: str, env: dict) -> dict:
    out = subprocess.run([*KG, "status", "--store", store, "--format", "json"], env=env,
                         capture_output=True, text=True, check=True).stdout
    import json
    info = json.loads(out)[0]
    return {"nodes": sum(info["nodes"].values()), "relationships": sum(info["relationships"].values())}


def timed(cmd: list[str], env: dict, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=False)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def one_article_latency(store: str, env: dict, tmp: Path) -> dict:
    floor = timed([*KG, "status", "--store", store], env)
    runs = []
    for i in range(3):
        article = tmp / f"new-{i}.txt"
        article.write_text(f"联影医疗发布新一代产品（第{i}批）\n日期:2026-11-20\n"
                           f"联影医疗自主研发的uMR Nova{i}获得国家药品监督管理局批准上市。"
                           f"联影医疗高级副总裁、首席技术官李弘棣介绍，产品将于明年推出。", encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([*KG, "load", str(article), "--store", store, "-w", "1"], env=env,
                       capture_output=True, check=True)
        runs.append(time.perf_counter() - start)
    return {"seconds": statistics.median(runs), "runs": runs, "status_floor": floor}


def query_latencies(store: str, env: dict) -> list[dict]:
    from kg.query import library
    from kg.store import open_store
    os.environ.update(env)
    rows = []
    with open_store(store) as st:
        for name, q in library().items():
            params = {p: q.example(p) for p in q.parameters}
            from kg.query import run_query
            run_query(st, q, params)                   # warm
            start = time.perf_counter()
            n = len(run_query(st, q, params))
            rows.append({"query": name, "rows": n, "ms": (time.perf_counter() - start) * 1000})
    return rows


def neo4j_server(tmp: Path) -> tuple[str | None, subprocess.Popen | None, dict]:
    """NEO4J_URI when set; else a throw-away local server on a spare port."""
    env = dict(os.environ)
    if env.get("NEO4J_URI"):
        return env["NEO4J_URI"], None, env
    env.update(NEO4J_BOLT_PORT="27688", KG_NEO4J_DATA=str(tmp / "neo4j-data"),
               KG_NEO4J_HOME=str(Path.home() / ".cache" / "kg" / "neo4j-bench"))
    env.pop("NEO4J_PASSWORD", None)
    started = subprocess.run([str(REPO / "scripts" / "neo4j-local"), "start"], env=env, capture_output=True, text=True)
    if started.returncode != 0:
        print(f"neo4j: could not start ({started.stderr.strip()[-300:]}); skipped")
        return None, None, env
    uri = next(line.split("=", 1)[1] for line in started.stdout.splitlines() if line.startswith("NEO4J_URI="))
    return uri, started, env


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=None, help="first N corpus articles (default: all)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-neo4j", dest="neo4j", action="store_false")
    args = ap.parse_args(argv)
    if not CORPUS.exists():
        print(f"scale: no corpus at {CORPUS}; skipped")
        return {}
    result = {"machine": machine(), "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        corpus = corpus_subset(args.articles, tmp / "corpus.jsonl")
        paths = [str(corpus), str(REPO / "seeds")]
        env = dict(os.environ, KG_CACHE_DIR=os.environ.get("KG_CACHE_DIR", str(Path.home() / ".cache" / "kg")))
        embedded = str(tmp / "store")
        load = run_load(paths, embedded, args.workers, env, store_servers(tmp / "store"))
        load.update(graph_size(embedded, env))
        result["embedded_load"] = load
        result["one_article"] = one_article_latency(embedded, env, tmp)
        result["embedded_queries"] = query_latencies(embedded, env)
        start = time.perf_counter()
        subprocess.run([*KG, "viz", "--store", embedded, "--limit", "1000", "-o", str(tmp / "v.html")],
                       env=env, capture_output=True, check=True)
        result["viz_1000_seconds"] = time.perf_counter() - start
        if args.neo4j:
            uri, server, nenv = neo4j_server(tmp)
            if uri:
                try:
                    nload = run_load(paths, uri, args.workers, nenv)
                    nload.update(graph_size(uri, nenv))
                    result["neo4j_load"] = nload
                    result["neo4j_queries"] = query_latencies(uri, nenv)
                finally:
                    if server is not None:
                        subprocess.run([str(REPO / "scripts" / "neo4j-local"), "stop"], env=nenv, capture_output=True)
        shutil.rmtree(tmp / "store", ignore_errors=True)
    print_report(result)
    save("scale", result)
    return result


def print_report(r: dict) -> None:
    print(f"scale — {r['machine']}, {r['date']}")
    rows = []
    for key, label in (("embedded_load", "embedded (FalkorDB-lite)"), ("neo4j_load", "Neo4j 5.26")):
        if key in r:
            x = r[key]
            rows.append({"kg load, whole corpus + seeds": label, "seconds": f"{x['seconds']:.0f}",
                         "peak memory, all processes": f"{x['peak_tree_mb']:.0f} MB",
                         "largest process": f"{x['peak_process_mb']:.0f} MB",
                         "nodes": x["nodes"], "relationships": x["relationships"]})
    print(table(rows))
    one = r["one_article"]
    print(f"one new article into the full embedded store: {one['seconds']:.2f} s, process start included "
          f"(`kg status` on the same store, the floor of any store command: {one['status_floor']:.2f} s; "
          f"ratio {one['seconds'] / one['status_floor']:.1f}x)")
    q = r["embedded_queries"]
    nq = {x["query"]: x for x in r.get("neo4j_queries", [])}
    print(table([{"query": x["query"], "rows": x["rows"], "embedded ms": f"{x['ms']:.0f}",
                  "neo4j ms": f"{nq[x['query']]['ms']:.0f}" if x["query"] in nq else "-"} for x in q]))
    print(f"kg viz, 1,000-node view of the full store: {r['viz_1000_seconds']:.1f} s")


if __name__ == "__main__":
    main()
