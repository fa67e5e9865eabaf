"""Every query in cypher/ returns the same rows on FalkorDB and on Neo4j for the seed graph."""
from __future__ import annotations

import re
import time

import pytest

from conftest import canonical, dump, wipe
from kg.query import LibraryQuery, library, run_query
from kg.store.falkor_store import FalkorStore
from kg.store.load import load
from kg.store.neo4j_store import Neo4jStore

LIBRARY = library()


@pytest.fixture(scope="module")
def seeded_pair(seed_extractions, neo4j_uri, neo4j_password, tmp_path_factory):
    """The seeds loaded into a fresh FalkorStore and a wiped Neo4j."""
    falkor = FalkorStore(tmp_path_factory.mktemp("parity") / "store")
    neo4j = Neo4jStore(neo4j_uri, password=neo4j_password)
    try:
        wipe(neo4j)
        for store in (falkor, neo4j):
            load(store, seed_extractions)
        yield falkor, neo4j
    finally:
        falkor.close()
        neo4j.close()


def example_params(query: LibraryQuery) -> dict:
    params = {p: query.example(p) for p in query.parameters}
    missing = [p for p, v in params.items() if v is None]
    assert not missing, f"{query.path}: no example value for {missing} in its // params: header"
    return params


def order_columns(query: LibraryQuery) -> list[str] | None:
    """The returned columns of the final ORDER BY, or None if it sorts on anything else."""
    returned = re.search(r"\bRETURN\b(?!.*\bRETURN\b)(.*?)(\bORDER BY\b|\bLIMIT\b|$)", query.text, re.S)
    order = re.search(r"\bORDER BY\b(?!.*\bORDER BY\b)(.*?)(\bLIMIT\b|$)", query.text, re.S)
    if not order or not returned or order.start() < returned.start():
        return None
    aliases = set(re.findall(r"\bAS\s+(\w+)", returned.group(1)))
    columns = [re.sub(r"\s+(ASC|DESC)$", "", item.strip(), flags=re.I) for item in order.group(1).split(",")]
    return columns if all(c in aliases for c in columns) else None


def collected_columns(query: LibraryQuery) -> set[str]:
    """Columns holding collect(...): their order is the engine's, so they compare as sets."""
    names = set(re.findall(r"collect\([^)]*\)\s+AS\s+(\w+)", query.text))
    # a collected column renamed later: `WITH …, collect(…) AS orgs … RETURN orgs AS organizations`
    for name in list(names):
        names.update(re.findall(rf"\b{name}\s+AS\s+(\w+)", query.text))
    return names


def normalised(rows: list[dict], collected: set[str]) -> list[dict]:
    return [canonical({k: sorted(v, key=repr) if k in collected and isinstance(v, list) else v
                       for k, v in row.items()}) for row in rows]


def run_both(seeded_pair, query: LibraryQuery) -> tuple[list[dict], list[dict]]:
    params = example_params(query)
    collected = collected_columns(query)
    return tuple(normalised(run_query(store, query, params), collected) for store in seeded_pair)


def test_the_library_is_complete():
    assert len(LIBRARY) >= 11
    assert {"approvals", "people", "speakers", "neighbourhood", "timeline", "top_mentioned", "policies",
            "shortest_path", "co_mentions", "fact_articles", "investments"} <= set(LIBRARY)


def test_both_stores_hold_the_same_graph(seeded_pair):
    falkor, neo4j = seeded_pair
    assert dump(falkor) == dump(neo4j)


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_query_returns_the_same_rows_on_both_engines(seeded_pair, name):
    query = LIBRARY[name]
    on_falkor, on_neo4j = run_both(seeded_pair, query)
    assert on_falkor, f"{name} finds nothing in the seed graph with its example parameters"
    assert sorted(on_falkor, key=repr) == sorted(on_neo4j, key=repr)
    columns = order_columns(query)
    if columns is not None:               # the order both engines agree on: that of the sort keys
        assert [[r[c] for c in columns] for r in on_falkor] == [[r[c] for c in columns] for r in on_neo4j]
        assert on_falkor == on_neo4j, f"{name}: ties in ORDER BY {columns} came back in another order"


@pytest.mark.parametrize("store_index", [0, 1], ids=["falkor", "neo4j"])
def test_shortest_path_is_quick_and_follows_facts_only(seeded_pair, store_index):
    store = seeded_pair[store_index]
    query = LIBRARY["shortest_path"]
    started = time.monotonic()
    [row] = run_query(store, query, example_params(query))
    assert time.monotonic() - started < 2
    assert row["path"][0] == "李弘棣" and row["path"][-1] == "国家药品监督管理局"
    assert row["hops"] == len(row["relations"]) == len(row["path"]) - 1 <= 4
    assert "MENTIONS" not in row["relations"]
    far = run_query(store, query, {"from": "李弘棣", "to": "no such entity"})
    assert far == []
