"""The GraphStore contract, on both engines: the embedded FalkorDB and a real Neo4j.

What each engine must do the same way: values in and out, parameters that would
break quoting, read-only refusal, time-limited reads, one-line errors, atomic
batches, counters, schema.  Engine-only behaviour (server processes, AOF, the
Neo4j lease) is in test_store_falkor.py and test_store_neo4j.py."""
from __future__ import annotations

import time

import pytest

from conftest import HOSTILE
from kg.errors import QueryError, QueryTimeout, StoreError, WriteFailed
from kg.store import Counters, GraphPath, Node, Rel

MERGE_ORGS = "UNWIND $rows AS row MERGE (n:Organization {key: row.key}) SET n.name = row.name"
RUNAWAY = "MATCH (a), (b), (c) WHERE a.v + b.v + c.v < 0 RETURN count(*) AS n"   # no shortcut


def rows(n: int, prefix: str = "o") -> list[dict]:
    return [{"key": f"{prefix}{i}", "name": f"机构{i}"} for i in range(n)]


def count(store, label: str = "Organization") -> int:
    return store.run(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"]


# -- run: rows, values, parameters ------------------------------------------------

def test_run_converts_nodes_rels_and_paths(any_store):
    any_store.run("CREATE (:Organization {key: 'o1', name: '恒瑞医药'})-[:DEVELOPS {since: 2020}]->"
                  "(:Product:Drug {key: 'p1'})", write=True)
    [row] = any_store.run("MATCH p = (a)-[r]->(b) RETURN a, r, b, p, a.name AS name")
    a, r, b, p = row["a"], row["r"], row["b"], row["p"]
    assert isinstance(a, Node) and a.labels == ("Organization",) and a.props == {"key": "o1", "name": "恒瑞医药"}
    assert b.labels == ("Drug", "Product")
    assert isinstance(r, Rel) and (r.type, r.start, r.end, r.props) == ("DEVELOPS", a.id, b.id, {"since": 2020})
    assert isinstance(a.id, str) and isinstance(r.id, str)
    assert isinstance(p, GraphPath) and p.nodes == (a, b) and p.rels == (r,)
    assert row["name"] == "恒瑞医药"
    assert any_store.nodes_by_id([b.id, a.id]) == [a, b] or set(any_store.nodes_by_id([a.id, b.id])) == {a, b}


def test_run_returns_plain_maps_and_lists(any_store):
    [row] = any_store.run("RETURN {a: [1, {b: 'x'}]} AS m, [] AS l, null AS z")
    assert row == {"m": {"a": [1, {"b": "x"}]}, "l": [], "z": None}
    assert type(row["m"]) is dict and type(row["m"]["a"][1]) is dict


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_parameters_round_trip(any_store, name):
    value = HOSTILE[name]
    assert any_store.run("RETURN $v AS v", {"v": value}) == [{"v": value}]


@pytest.mark.parametrize("name", [n for n, v in HOSTILE.items() if v is not None and not isinstance(v, dict)
                                  and not (isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v))])
def test_hostile_parameters_stored_as_properties(any_store, name):
    value = HOSTILE[name]
    any_store.run("CREATE (:T {k: $k, v: $v})", {"k": name, "v": value}, write=True)
    assert any_store.run("MATCH (t:T {k: $k}) RETURN t.v AS v", {"k": name}) == [{"v": value}]


@pytest.mark.parametrize("value", [2**64, object(), {1: "x"}, float("inf")])
def test_unsendable_parameters_are_refused_and_nothing_is_written(any_store, value):
    with pytest.raises(StoreError):
        any_store.run("CREATE (:T {v: $v})", {"v": value}, write=True)
    with pytest.raises(WriteFailed):
        any_store.execute([(MERGE_ORGS, {"rows": rows(3)}), ("CREATE (:T {v: $v})", {"v": value})])
    assert count(any_store, "T") == 0 and count(any_store) == 0


def test_read_only_run_refuses_writes_and_names_the_flag(any_store):
    with pytest.raises(QueryError, match=r"read-only query refused a statement that writes \(allow writes "
                                         r"with kg query --write"):
        any_store.run("CREATE (:Organization {key: 'x'})")
    with pytest.raises(QueryError, match="read-only"):
        any_store.run("MERGE (n:Organization {key: 'y'}) RETURN n")
    assert count(any_store) == 0


def test_query_errors_are_one_line(any_store):
    with pytest.raises(QueryError, match=r"Unknown function 'nosuch'.*in RETURN nosuch\(1\)") as e:
        any_store.run("RETURN nosuch(1)")
    assert "\n" not in str(e.value)
    with pytest.raises(StoreError, match="(?i)by zero"):
        any_store.run("UNWIND [1, 0] AS x CREATE (:T {v: 1 / x})", write=True)
    assert count(any_store, "T") == 0


# -- reads are bounded in time ------------------------------------------------------

def test_a_runaway_read_is_stopped_at_its_limit_and_the_store_answers_at_once(any_store):
    any_store.run("UNWIND range(1, 3000) AS i CREATE (:T {v: i})", write=True)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"ran past its limit of 1 s and was stopped \(kg query --timeout") as e:
        any_store.run(RUNAWAY, timeout=1)
    assert time.monotonic() - started < 15
    assert "\n" not in str(e.value)
    started = time.monotonic()
    assert count(any_store, "T") == 3000
    assert time.monotonic() - started < 5


# -- execute: counters and atomicity ------------------------------------------------

def test_execute_sums_counters(any_store):
    counters = any_store.execute([
        (MERGE_ORGS, {"rows": rows(3)}),
        ("UNWIND $rows AS row MATCH (a:Organization {key: row.a}), (b:Organization {key: row.b}) "
         "MERGE (a)-[:PARTNERS_WITH]->(b)", {"rows": [{"a": "o0", "b": "o1"}, {"a": "o1", "b": "o2"}]}),
    ])
    assert counters == Counters(nodes_created=3, relationships_created=2, properties_set=6)
    assert any_store.execute([(MERGE_ORGS, {"rows": rows(3)})]).nodes_created == 0
    deleted = any_store.execute([("MATCH (n:Organization {key: 'o1'}) DETACH DELETE n", {})])
    assert (deleted.nodes_deleted, deleted.relationships_deleted) == (1, 2)


@pytest.mark.parametrize("bad", ["MATCH (n) RETURN m", "UNWIND [1, 0] AS x CREATE (:T {v: 1 / x})"])
def test_execute_is_all_or_nothing(any_store, bad):
    with pytest.raises(WriteFailed):
        any_store.execute([(MERGE_ORGS, {"rows": rows(5)}), (bad, {}), (MERGE_ORGS, {"rows": rows(2, "p")})])
    assert count(any_store) == 0 and count(any_store, "T") == 0


def test_later_statements_see_earlier_ones_and_share_parameter_names(any_store):
    any_store.execute([
        (MERGE_ORGS, {"rows": rows(2)}),
        ("UNWIND $rows AS row MATCH (n:Organization {key: row.key}) SET n.seen = true", {"rows": rows(1)}),
    ])
    assert any_store.run("MATCH (n:Organization) RETURN n.key AS k, n.seen AS s ORDER BY k") == [
        {"k": "o0", "s": True}, {"k": "o1", "s": None}]


# -- schema -------------------------------------------------------------------------

def test_ensure_schema_is_idempotent_and_enforces_unique_keys(any_store):
    any_store.ensure_schema()
    any_store.ensure_schema()
    any_store.run("CREATE (:Organization {key: 'o1'})", write=True)
    with pytest.raises(StoreError, match="(?i)already exists|unique constraint"):
        any_store.run("CREATE (:Organization {key: 'o1'})", write=True)
    assert count(any_store) == 1
