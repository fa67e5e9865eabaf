"""The query library on the seed graph, both engines: the rows the seed facts imply,
`kg query` read-only unless --write, and `kg why`."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import ENGINES, child_env, wipe
from kg.cli import cli
from kg.query import library, run_query, why
from kg.store.falkor_store import FalkorStore
from kg.store.load import load
from kg.store.neo4j_store import Neo4jStore

LIBRARY = library()
NMPA, UMR, UNITED = "国家药品监督管理局", "uMR Ultra", "联影医疗"


@pytest.fixture(scope="module", params=ENGINES)
def seeded(request, seed_extractions, tmp_path_factory):
    """The seeds in a fresh FalkorStore, then in a wiped Neo4j (read-only tests share it)."""
    if request.param == "falkor":
        store = FalkorStore(tmp_path_factory.mktemp("queries") / "store")
    else:
        store = Neo4jStore(request.getfixturevalue("neo4j_uri"),
                           password=request.getfixturevalue("neo4j_password"))
        wipe(store)
    load(store, seed_extractions)
    yield store
    store.close()


def q(store, query: str, **params) -> list[dict]:
    return run_query(store, LIBRARY[query], params)


def pick(rows: list[dict], **match) -> dict:
    hits = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(hits) == 1, (match, rows[:5])
    return hits[0]


def test_approvals_name_the_regulator_of_umr_ultra(seeded):
    rows = q(seeded, "approvals")
    assert pick(rows, regulator=NMPA, product=UMR)["articles"] >= 2
    assert rows == sorted(rows, key=lambda r: (r["regulator"], r["product"]))


def test_developers_with_their_approvals(seeded):
    row = pick(q(seeded, "developers"), product=UMR, developer=UNITED)
    assert NMPA in row["approved_by"] and row["articles"] >= 2


def test_people_of_an_organisation_by_name_or_alias(seeded):
    row = pick(q(seeded, "people", org=UNITED), person="李弘棣")
    assert row["title"] == "高级副总裁" and row["titles"] == ["高级副总裁"]
    assert q(seeded, "people", org="United Imaging") == q(seeded, "people", org=UNITED)


def test_fact_articles_give_every_sentence_behind_a_fact(seeded, seed_extractions):
    rows = q(seeded, "fact_articles", head=NMPA, tail=UMR)
    approved = [r for r in rows if r["relation"] == "APPROVED"]
    assert len(approved) >= 2 and "000_6ad172b1da2a758b" in {r["article"] for r in approved}
    sentences = {ex.doc_id: {r.evidence for r in ex.relations} for ex in seed_extractions}
    for row in approved:
        assert (row["head"], row["tail"]) == (NMPA, UMR) and row["evidence"] in sentences[row["article"]]
    assert q(seeded, "fact_articles", head="NMPA", tail=UMR) == rows        # an alias finds it too


def test_neighbourhood_in_both_directions(seeded):
    rows = q(seeded, "neighbourhood", name=UNITED)
    assert pick(rows, relation="DEVELOPS", other=UMR)["direction"] == "out"
    assert pick(rows, relation="WORKS_FOR", other="李弘棣")["direction"] == "in"
    assert {r["entity"] for r in rows} == {UNITED}


def test_timeline_lists_the_articles_oldest_first(seeded):
    rows = q(seeded, "timeline", name=NMPA)
    mentioned = seeded.run("MATCH (a:Article)-[:MENTIONS]->(n {name: $n}) RETURN count(a) AS c", {"n": NMPA})
    assert len(rows) == mentioned[0]["c"] >= 5
    dated = [r["date"] for r in rows if r["date"]]
    assert dated == sorted(dated) and all(r["mentions"] >= 1 for r in rows)


def test_top_mentioned_counts_are_whole_numbers_in_order(seeded):
    rows = q(seeded, "top_mentioned")
    assert 10 <= len(rows) <= 25
    assert all(type(r["mentions"]) is int and r["mentions"] >= r["articles"] >= 1 for r in rows)
    assert [r["mentions"] for r in rows] == sorted((r["mentions"] for r in rows), reverse=True)
    assert "2025上海国际生物医药产业周" in {r["entity"] for r in rows}


def test_co_mentions_are_pairs_seen_together_twice_or_more(seeded):
    rows = q(seeded, "co_mentions")
    assert rows and all(r["articles"] >= 2 and r["first"] != r["second"] for r in rows)
    assert any({r["first"], r["second"]} == {NMPA, UNITED} for r in rows)


def test_search_finds_names_and_aliases(seeded):
    rows = q(seeded, "search", text="联影")
    assert UNITED in {r["entity"] for r in rows}
    assert pick(q(seeded, "search", text="nmpa"), entity=NMPA)["type"] == "Organization"


def test_speakers_of_the_industry_week(seeded):
    rows = q(seeded, "speakers", event="2025上海国际生物医药产业周")
    assert len(rows) >= 5 and all(r["event"] == "2025上海国际生物医药产业周" for r in rows)
    assert rows == sorted(rows, key=lambda r: r["speaker"])


@pytest.mark.parametrize("name, columns", [("investments", ("investor", "target")),
                                           ("organizers", ("organizer", "event")),
                                           ("partners", ("organization", "partner")),
                                           ("policies", ("issuer", "policy"))])
def test_every_fact_type_has_rows(seeded, name, columns):
    rows = q(seeded, name)
    assert rows and all(r[c] for r in rows for c in columns) and all(r["articles"] >= 1 for r in rows)


def test_policies_of_the_city_government(seeded):
    policies = {r["policy"] for r in q(seeded, "policies") if r["issuer"] == "上海市人民政府"}
    assert "关于支持生物医药产业全链条创新发展的若干意见" in policies


def test_shortest_path_between_a_person_and_a_regulator(seeded):
    [row] = q(seeded, "shortest_path", **{"from": "李弘棣", "to": NMPA})
    assert row["path"][0] == "李弘棣" and row["path"][-1] == NMPA and 2 <= row["hops"] <= 4


def test_why_gives_the_evidence_with_titles(seeded):
    rows = why(seeded, NMPA, UMR, "approved")
    assert len(rows) >= 2 and all(r["relation"] == "APPROVED" and UMR in r["evidence"] for r in rows)
    assert all(r["title"] for r in rows)


# -- 8. read-only unless --write ---------------------------------------------------------------

def test_kg_query_refuses_to_write_without_write(request, seeded):
    env = child_env(request, seeded.uri)
    runner = CliRunner()
    refused = runner.invoke(cli, ["query", "-e", "CREATE (n:X) RETURN n", "--store", seeded.uri], env=env)
    assert refused.exit_code == 1
    assert "read-only query refused a statement that writes (allow writes with kg query --write" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert seeded.run("MATCH (n:X) RETURN count(n) AS n") == [{"n": 0}]
    allowed = runner.invoke(cli, ["query", "-e", "CREATE (n:X {k: 1}) RETURN n.k AS k", "--write",
                                  "--store", seeded.uri, "--format", "json"], env=env)
    assert allowed.exit_code == 0, allowed.output
    assert seeded.run("MATCH (n:X) RETURN count(n) AS n") == [{"n": 1}]
    seeded.run("MATCH (n:X) DELETE n", write=True)
