"""Neo4jStore on a real Neo4j server (see the neo4j_uri fixture)."""
from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from conftest import HOSTILE
from kg.errors import QueryError, StoreBusy, StoreError
from kg.store import Counters, GraphPath as GPath, Node, Rel
from kg.store.neo4j_store import LOCK_ID, Neo4jStore, split_statements

MERGE_ORGS = "UNWIND $rows AS row MERGE (n:Organization {key: row.key}) SET n.name = row.name"


def rows(n: int, prefix: str = "o") -> list[dict]:
    return [{"key": f"{prefix}{i}", "name": f"机构{i}"} for i in range(n)]


def count(store, label: str = "Organization") -> int:
    return store.run(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"]


# -- connecting -----------------------------------------------------------------------

def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_is_one_line_within_10_s():
    uri = f"bolt://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    with pytest.raises(StoreError, match=f"^cannot reach Neo4j at {uri}: ") as e:
        Neo4jStore(uri)
    assert time.monotonic() - started < 10
    assert "\n" not in str(e.value)


def test_wrong_password_is_one_line(neo4j_uri, neo4j_password):
    if neo4j_password is None:
        pytest.skip("the server runs without auth, so no password is wrong")
    started = time.monotonic()
    with pytest.raises(StoreError) as e:
        Neo4jStore(neo4j_uri, password=neo4j_password + "-wrong")
    assert str(e.value) == f"Neo4j at {neo4j_uri} refused user 'neo4j': wrong credentials"
    assert time.monotonic() - started < 10


# -- run --------------------------------------------------------------------------------

def test_temporal_and_spatial_values_become_strings(neo4j_store):
    [row] = neo4j_store.run("RETURN date('2024-01-02') AS d, datetime('2024-01-02T03:04:05Z') AS dt, "
                            "duration('P1DT2H') AS du, point({x: 1, y: 2}) AS p")
    assert row["d"] == "2024-01-02" and row["du"] == "P1DT2H"
    assert row["dt"].startswith("2024-01-02T03:04:05") and row["p"] == "point({srid: 7203, x: 1.0, y: 2.0})"


# -- the writer lease ----------------------------------------------------------------------

@pytest.fixture
def other_store(neo4j_uri, neo4j_password):
    store = Neo4jStore(neo4j_uri, password=neo4j_password, lock_timeout=0.5)
    yield store
    store.close()


def test_lock_is_exclusive_and_names_the_holder(neo4j_store, other_store, neo4j_uri):
    with neo4j_store.lock():
        started = time.monotonic()
        with pytest.raises(StoreBusy) as busy:
            with other_store.lock():
                pass
        assert 0.5 <= time.monotonic() - started < 5
        neo4j_store.renew()
    message = str(busy.value)
    assert message.startswith(f"Neo4j at {neo4j_uri}: store is busy: pid {os.getpid()} on ")
    assert "\n" not in message
    with other_store.lock():                      # released: free for the next one
        pass
    assert neo4j_store.run("MATCH (l:KgLock) RETURN l.holder AS holder") == [{"holder": None}]


def test_expired_lease_is_taken_over_and_the_old_holder_cannot_renew(neo4j_store, other_store):
    with neo4j_store.lock():
        # the holder "crashed" long ago: its lease ran out
        neo4j_store.run("MATCH (l:KgLock {id: $id}) SET l.expires = timestamp() - 1", {"id": LOCK_ID}, write=True)
        with other_store.lock():
            with pytest.raises(StoreBusy, match="lost the write lock"):
                neo4j_store.renew()
            other_store.renew()


def test_lock_serialises_concurrent_takers(neo4j_uri, neo4j_password, neo4j_store):
    stores = [Neo4jStore(neo4j_uri, password=neo4j_password, lock_timeout=60) for _ in range(6)]
    inside, overlaps, errors = [], [], []
    start = threading.Barrier(len(stores))

    def worker(store):
        try:
            start.wait()
            for _ in range(3):
                with store.lock():
                    inside.append(1)
                    overlaps.append(len(inside))
                    time.sleep(0.005)
                    inside.pop()
        except Exception as e:     # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(store,)) for store in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for store in stores:
        store.close()
    assert errors == [] and overlaps == [1] * 18


# -- schema -----------------------------------------------------------------------------

def test_split_statements():
    text = "// name: x\n// params: none\nCREATE A;\nCREATE B\n  FOR x;\n\n// c\nCREATE C"
    assert split_statements(text) == ["CREATE A", "CREATE B\n  FOR x", "CREATE C"]


def test_schema_file_has_header_and_statements(neo4j_store):
    statements = neo4j_store.schema_statements()
    assert len(statements) == 12 and all("IF NOT EXISTS" in s for s in statements)
    assert any("fulltext.analyzer" in s and "entity_names" in s for s in statements)


def test_ensure_schema_is_idempotent_and_enforces_unique_keys(neo4j_store):
    neo4j_store.ensure_schema()
    neo4j_store.ensure_schema()
    names = {r["name"] for r in neo4j_store.run("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {"organization_key", "event_key", "article_id"} <= names
    neo4j_store.run("CREATE (:Organization {key: 'o1'})", write=True)
    with pytest.raises(StoreError, match="already exists with label `Organization` and property `key`"):
        neo4j_store.run("CREATE (:Organization {key: 'o1'})", write=True)


def test_chinese_full_text_index(neo4j_store):
    neo4j_store.ensure_schema()
    neo4j_store.run("CREATE (:Organization {key: 'o1', name: '国家药品监督管理局', aliases: ['国家药监局', 'NMPA']}),"
                    "(:Organization {key: 'o2', name: '恒瑞医药股份有限公司'})", write=True)
    neo4j_store.run("CALL db.awaitIndexes(60)")

    def search(text):
        deadline = time.monotonic() + 10           # full-text updates land asynchronously
        while True:
            found = sorted(r["key"] for r in neo4j_store.run(
                "CALL db.index.fulltext.queryNodes('entity_names', $q) YIELD node RETURN node.key AS key",
                {"q": text}))
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.2)
    assert search("药监") == ["o1"]                # a 2-char word inside a 9-char name (alias list)
    assert search("药品") == ["o1"]
    assert search("恒瑞") == ["o2"]
    assert search("NMPA") == ["o1"]
