"""Extraction on a Dask cluster (kg.cluster): the same bytes as a local run, a lost worker
included, and shards that load into the same graph.  Real processes, a real LocalCluster,
real stores; no timing assertions."""
from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, child_env, dump, wipe
from kg.cluster.plan import Piece, apply_index, cuts_by_file, index_file, plan, read_piece
from kg.errors import ComponentError, LoadError, SourceError
from kg.sources import read

def _need(module: str):
    """Dask is an extra: missing, the tests skip here and fail in CI (scripts/test-all installs it)."""
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{module} is not installed (pip install -e '.[test,cluster]')")
        pytest.skip(f"{module} is not installed")


def kg(*args, env=None, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], env=env or {**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, timeout=timeout)


@pytest.fixture(scope="module")
def local_run(corpus300):
    """`kg extract` of the seeds and the 300 articles, here, in one process: the reference."""
    done = kg("extract", str(REPO / "seeds"), str(corpus300), "-w", "1")
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def _local_cluster():
    distributed = _need("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    return cluster, distributed.Client(cluster)


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes; kg connects to its scheduler over tcp."""
    cluster, client = _local_cluster()
    yield cluster.scheduler_address
    client.close()
    cluster.close()


# -- pure pieces ---------------------------------------------------------------------------

@pytest.mark.parametrize("exc", [SourceError("a.jsonl:3", "bad", warning=True), ComponentError("x", "tokens", "y"),
                                 LoadError("a:1", "refused")], ids=lambda e: type(e).__name__)
def test_errors_travel_between_processes(exc):
    back = pickle.loads(pickle.dumps(exc))
    assert (type(back), str(back), vars(back)) == (type(exc), str(exc), vars(exc))


def _records(n: int) -> bytes:
    lines = ['{"title": "t%d", "text": "第%d篇\\u2028正文 \u2028 \u0085 原样"}' % (i, i) for i in range(n)]
    lines.insert(7, "")                 # a blank line counts as a line, as in a local read
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def _as_read(items) -> list[tuple]:
    return [(a.id, a.path, a.record, a.text, where) for a, where in items]


@pytest.fixture
def small_ranges(monkeypatch):
    """Let a few kilobytes be cut into many runs."""
    monkeypatch.setattr("kg.cluster.plan.MIN_RANGE", 16)


@pytest.mark.parametrize("count", [1, 2, 3, 7, 20])
def test_runs_of_lines_read_as_the_whole_file(tmp_path, count, small_ranges):
    """Cut anywhere, realigned to lines, the runs give the ids and places of one local read,
    including line numbers after a BOM and a blank line, and U+2028 inside strings."""
    path = tmp_path / "big.jsonl"
    path.write_bytes(_records(60))
    whole = [(a.id, a.path, a.record, a.text, f"{a.path}:{a.record}") for a in read([str(path)])]
    assert len(whole) == 60 and whole[8][0] == "big#10"
    piece = Piece(str(path), str(path), "big")
    parts = plan([(piece, path.stat().st_size)], count, is_jsonl=lambda p: True)
    assert len(parts) == count
    parts = apply_index(parts, {str(path): index_file(str(path), cuts_by_file(parts).get(str(path), []))})
    got = [row for part in parts for p in part.pieces for row in _as_read(read_piece(p, pytest.fail))]
    assert got == whole


def test_a_file_that_is_not_utf8_throughout_is_read_whole(tmp_path, small_ranges):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(_records(60) + '{"title": "x", "text": "国药"}\n'.encode("gb18030"))
    parts = plan([(Piece(str(path), str(path), "mixed"), path.stat().st_size)], 4, is_jsonl=lambda p: True)
    index = index_file(str(path), cuts_by_file(parts)[str(path)])
    assert not index.splittable
    pieces = [p for part in apply_index(parts, {str(path): index}) for p in part.pieces]
    assert [(p.start, p.end) for p in pieces] == [(0, None)]


def test_small_files_share_a_partition_and_keep_their_order(tmp_path, small_ranges):
    files = [(Piece(str(tmp_path / f"{i}.txt"), f"{i}.txt", str(i)), 100) for i in range(10)]
    parts = plan(files, 3, is_jsonl=lambda p: False)
    assert [p.where for part in parts for p in part.pieces] == [f"{i}.txt" for i in range(10)]
    assert 1 < len(parts) <= 3


# -- on a LocalCluster ---------------------------------------------------------------------

def test_cluster_extract_gives_the_local_bytes(cluster, corpus300, local_run):
    done = kg("extract", str(REPO / "seeds"), str(corpus300), "--cluster", cluster, "--partitions", "8")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == local_run
    assert "8/8 partitions" in done.stderr.decode()


def test_a_worker_killed_mid_run_is_replaced_and_nothing_is_lost(corpus300, local_run):
    lc, client = _local_cluster()
    try:
        pids = client.run(os.getpid)
        victim, pid = sorted(pids.items())[0]
        proc = subprocess.Popen([sys.executable, "-m", "kg", "extract", str(REPO / "seeds"), str(corpus300),
                                 "--cluster", lc.scheduler_address, "--partitions", "16"],
                                env={**os.environ, "PYTHONPATH": str(REPO)},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 300
        while not any("kg-extract" in str(k) for k in client.processing().get(victim, ())):
            assert proc.poll() is None and time.monotonic() < deadline, "no partition reached the victim"
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)          # mid-partition: the nanny starts a new worker
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()
        assert out == local_run
        assert pid not in client.run(os.getpid).values()
    finally:
        client.close()
        lc.close()


def test_without_dask_the_error_says_how_to_get_it(tmp_path):
    """A plain install: `--cluster` stops with one line naming the extra."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text("import sys\nsys.modules['distributed'] = None\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    done = kg("extract", str(REPO / "seeds"), "--cluster", "local:1", env=env, timeout=120)
    assert done.returncode == 1
    assert done.stderr.decode().strip().splitlines()[-1] == (
        "Error: --cluster needs Dask (dask and distributed); install it with: pip install 'kg[cluster]' "
        "(from a checkout: pip install -e '.[cluster]')")


def test_shards_load_into_the_graph_of_the_articles(request, any_store, cluster, corpus300, local_run, tmp_path):
    """8 shards from -o DIR, loaded with `kg load DIR` (Neo4j through its routing scheme,
    neo4j://), give the graph of `kg load` of the articles themselves, and so does
    `kg load --cluster` (extraction on the cluster, this process the writer)."""
    shards = tmp_path / "shards"
    done = kg("extract", str(REPO / "seeds"), str(corpus300), "--cluster", cluster, "--partitions", "8",
              "-o", str(shards))
    assert done.returncode == 0, done.stderr.decode()
    names = sorted(p.name for p in shards.iterdir())
    assert names == [f"part-{i:05d}.jsonl" for i in range(8)]
    assert b"".join((shards / n).read_bytes() for n in names) == local_run

    neo4j = any_store.kind == "neo4j"
    uri = "neo4j://" + any_store.uri.split("://", 1)[1] if neo4j else str(tmp_path / "embedded")
    env = child_env(request, uri)
    graphs = []
    articles = [str(REPO / "seeds"), str(corpus300)]
    for args in ([str(shards)], articles, [*articles, "--cluster", cluster]):
        done = kg("load", *args, "--store", uri, "-w", "2", env=env)
        assert done.returncode == 0, done.stderr.decode()
        graphs.append(dump(any_store) if neo4j else _dump_embedded(uri))
        if neo4j:
            wipe(any_store)
        else:
            shutil.rmtree(uri)
    assert graphs[0] == graphs[1] == graphs[2]
    assert len(graphs[0]["nodes"]) > 1000


def _dump_embedded(path: str) -> dict:
    from kg.store.falkor_store import FalkorStore
    store = FalkorStore(Path(path))
    try:
        return dump(store)
    finally:
        store.close()


def test_an_id_read_twice_is_dropped_as_a_local_run_drops_it(cluster, tmp_path):
    """The first copy of an id wins across partitions, in the stream and in the shards, with
    the same one-line errors as a local run."""
    def feed(name, ids):
        (tmp_path / name).write_text("".join(
            f'{{"id": "a{i}", "title": "第{i}条", "text": "联影医疗第{i}次发布新品。{"正文" * 200}"}}\n'
            for i in ids), encoding="utf-8")
    feed("1.jsonl", range(0, 40))
    feed("2.jsonl", range(30, 60))
    local = kg("extract", str(tmp_path / "1.jsonl"), str(tmp_path / "2.jsonl"), "-w", "1")
    on_cluster = kg("extract", str(tmp_path / "1.jsonl"), str(tmp_path / "2.jsonl"), "--cluster", cluster,
                    "--partitions", "6")
    shards = kg("extract", str(tmp_path / "1.jsonl"), str(tmp_path / "2.jsonl"), "--cluster", cluster,
                "--partitions", "6", "-o", str(tmp_path / "shards"))

    def errors(run):
        return [line for line in run.stderr.decode().splitlines() if "duplicate article id" in line]
    assert local.returncode == on_cluster.returncode == shards.returncode == 1
    assert len(errors(local)) == 10
    assert errors(on_cluster) == errors(shards) == errors(local)
    assert on_cluster.stdout == local.stdout
    assert b"".join(p.read_bytes() for p in sorted((tmp_path / "shards").glob("part-*.jsonl"))) == local.stdout
    assert not list((tmp_path / "shards").glob(".*"))


def test_local_n_starts_its_own_cluster(tmp_path):
    """--cluster local:2: a LocalCluster of 2 processes for the run, stopped after it."""
    local = kg("extract", str(REPO / "seeds"), "-w", "1")
    on_cluster = kg("extract", str(REPO / "seeds"), "--cluster", "local:2")
    assert on_cluster.returncode == local.returncode == 0, on_cluster.stderr.decode()
    assert on_cluster.stdout == local.stdout


def test_concurrent_loads_of_the_shards_wait_for_each_other(request, any_store, cluster, tmp_path):
    """Two `kg load DIR` at once on one store: the writer lock makes one wait, and the graph is
    that of one load (the second finds every article already in)."""
    shards = tmp_path / "shards"
    done = kg("extract", str(REPO / "seeds"), "--cluster", cluster, "--partitions", "4", "-o", str(shards))
    assert done.returncode == 0, done.stderr.decode()
    neo4j = any_store.kind == "neo4j"
    uri = any_store.uri if neo4j else str(tmp_path / "embedded")
    env = child_env(request, uri, KG_LOCK_TIMEOUT="600")
    loads = [subprocess.Popen([sys.executable, "-m", "kg", "load", str(shards), "--store", uri, "-w", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in loads]
    assert [p.returncode for p in loads] == [0, 0], outs
    firsts = sorted(out.splitlines()[0] for out, _ in outs)
    assert firsts == ["articles: 0 new, 0 changed, 56 unchanged, 0 rejected",
                      "articles: 56 new, 0 changed, 0 unchanged, 0 rejected"]
    concurrent = dump(any_store) if neo4j else _dump_embedded(uri)
    if neo4j:
        wipe(any_store)
    else:
        shutil.rmtree(uri)
    done = kg("load", str(REPO / "seeds"), "--store", uri, "-w", "1", env=env)
    assert done.returncode == 0, done.stderr.decode()
    assert concurrent == (dump(any_store) if neo4j else _dump_embedded(uri))
