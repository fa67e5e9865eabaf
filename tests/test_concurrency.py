"""Crashes, races and failures around `kg load`, on both engines, in real processes."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import ENGINES, REPO, child_env, dump, wait_no_store_processes, wipe
from kg.store.falkor_store import FalkorStore
from kg.store.load import load

CHILD = str(REPO / "tests" / "load_child.py")


def start_child(request, store_uri, jsonl, batch_size=2, pause=0.05) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, CHILD, store_uri, str(jsonl), str(batch_size), str(pause)],
                            env=child_env(request, store_uri), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(proc: subprocess.Popen, prefix: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"child exited early ({proc.wait()}): {proc.stderr.read()}")
        if line.startswith(prefix):
            return line.strip()
    raise AssertionError(f"no {prefix!r} from the child within {timeout} s")


def kg(*args, env=None, cwd=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], env=env, cwd=cwd, text=True,
                          capture_output=True, timeout=timeout)


def articles(store) -> tuple[int, int]:
    """(articles, articles sealed with their sha256)."""
    row = store.run("MATCH (a:Article) RETURN count(a) AS n, count(a.sha256) AS sealed")[0]
    return row["n"], row["sealed"]


@pytest.fixture
def engine_store(request, tmp_path):
    """(store, uri) without opening a FalkorStore in this process (the test opens it later)."""
    if request.param == "falkor":
        return None, str(tmp_path / "store")
    store = request.getfixturevalue("neo4j_store")
    return store, store.uri


# -- 4. SIGKILL in the middle of a load, then resume ---------------------------------------

@pytest.mark.parametrize("engine_store", ENGINES, indirect=True)
def test_kill_and_resume_gives_the_clean_graph(request, engine_store, seed_jsonl, seed_extractions, tmp_path):
    store, uri = engine_store
    child = start_child(request, uri, seed_jsonl)
    wait_for(child, "committed 6")
    time.sleep(0.07)                                   # now inside a later batch, or between two
    victims = [child.pid]
    if store is None:                                  # the embedded store's server dies too
        victims += [int(p) for p in (tmp_path / "store" / "server.pid").read_text().split()]
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    child.wait(10)

    if store is None:
        assert wait_no_store_processes(tmp_path) == []
        assert (tmp_path / "store" / "server.pid").exists()        # stale state left by the kill
        store = FalkorStore(tmp_path / "store", lock_timeout=2)
        request.addfinalizer(store.close)
    total, sealed = articles(store)
    assert 6 <= sealed <= total < 56
    report = load(store, seed_extractions, batch_size=2)              # the dead holder's lock is free
    assert report.articles_unchanged == sealed and report.articles_new == 56 - sealed
    resumed = dump(store)

    if store.kind == "embedded":
        store.close()
        assert wait_no_store_processes(tmp_path) == []
        store = FalkorStore(tmp_path / "clean")
        request.addfinalizer(store.close)
    wipe(store)
    load(store, seed_extractions)
    assert resumed == dump(store)


# -- 6. two loads at once ----------------------------------------------------------------------

@pytest.mark.parametrize("engine_store", ENGINES, indirect=True)
def test_two_loads_at_once_one_waits(request, engine_store, seed_jsonl, seed_extractions, tmp_path):
    """On a store without schema yet: making it is part of the race (it deadlocked Neo4j)."""
    store, uri = engine_store
    if store is not None:
        for row in store.run("SHOW CONSTRAINTS YIELD name RETURN name"):
            store.run(f"DROP CONSTRAINT {row['name']}", write=True)
        for row in store.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"):
            store.run(f"DROP INDEX {row['name']}", write=True)
    env = child_env(request, uri)
    procs = [subprocess.Popen([sys.executable, "-m", "kg", "load", str(seed_jsonl), "--store", uri,
                               "--batch-size", "5", "-w", "1"], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    firsts = sorted(out.splitlines()[0] for out, _ in outputs)
    assert firsts == ["articles: 0 new, 0 changed, 56 unchanged, 0 rejected",
                      "articles: 56 new, 0 changed, 0 unchanged, 0 rejected"]
    if store is None:
        store = FalkorStore(uri)
        request.addfinalizer(store.close)
    both = dump(store)
    wipe(store)
    load(store, seed_extractions)
    assert both == dump(store)


@pytest.mark.parametrize("engine_store", ENGINES, indirect=True)
def test_a_load_that_cannot_get_the_lock_fails_in_one_line(request, engine_store, seed_jsonl, tmp_path):
    store, uri = engine_store
    holder = start_child(request, uri, seed_jsonl, batch_size=2, pause=5)
    try:
        wait_for(holder, "committed 2")                 # it holds the lock, sleeping in its input
        done = kg("load", str(seed_jsonl), "--store", uri, "-w", "1",
                  env=child_env(request, uri, KG_LOCK_TIMEOUT="1"))
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors == done.stderr.splitlines()[-1:]
    assert "store is busy" in errors[0] and f"pid {holder.pid}" in errors[0] and "(waited 1 s)" in errors[0]
    assert done.stdout == ""


# -- 7. an unreachable or refusing server -------------------------------------------------------

def test_unreachable_neo4j_fails_fast_in_one_line(tmp_path):
    started = time.monotonic()
    done = kg("load", str(REPO / "seeds"), "--store", "bolt://127.0.0.1:1", cwd=tmp_path)
    assert time.monotonic() - started < 10
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith("Error: cannot reach Neo4j at bolt://127.0.0.1:1: ")
    assert list(tmp_path.iterdir()) == []


def test_a_closed_port_fails_fast_too(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = kg("load", str(REPO / "seeds"), "--store", f"bolt://127.0.0.1:{port}", cwd=tmp_path, timeout=10)
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1


def test_wrong_password_fails_in_one_line_and_writes_nothing(request, neo4j_store, seed_jsonl, tmp_path):
    if request.getfixturevalue("neo4j_password") is None:
        pytest.skip("the server runs without auth, so no password is wrong")
    env = child_env(request, neo4j_store.uri, NEO4J_PASSWORD="not-the-password")
    started = time.monotonic()
    done = kg("load", str(seed_jsonl), "--store", neo4j_store.uri, env=env, cwd=tmp_path)
    assert time.monotonic() - started < 10
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr == f"Error: Neo4j at {neo4j_store.uri} refused user 'neo4j': wrong credentials\n"
    assert articles(neo4j_store) == (0, 0)


def test_extraction_pool_workers_die_on_sigterm_whatever_the_parent_handles():
    """A parent that turned SIGTERM into SystemExit (an open embedded store does) must not pass
    that on to the pool's workers: the pool's terminate() would wait on a worker running exit
    code (seen: kg demo hung with a worker blocked on a lock held at the fork).  Checked in a
    child process of its own: forking pytest, with its threads, could itself deadlock."""
    code = ("import multiprocessing as mp, signal, sys\n"
            "from kg.extraction import extractor\n"
            "signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))\n"
            "with mp.get_context('fork').Pool(1, initializer=extractor._warm) as pool:\n"
            "    print(pool.apply(signal.getsignal, (signal.SIGTERM,)) == signal.SIG_DFL)\n")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
