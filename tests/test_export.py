"""kg.graph and kg export: a view or the whole store as networkx, GraphML, GEXF, JSON and CSV, read back
with networkx (and csv) to what the store's view holds."""
from __future__ import annotations

import csv
import json

import networkx as nx
import pytest
from click.testing import CliRunner

import kg
from conftest import child_env
from kg.cli import cli
from kg.store.load import load
from kg.viz import build_view
from kg.viz.export import FORMATS, JOIN, export, flat, graph
from viz_helpers import store, store_path  # noqa: F401 (fixtures)


def export_cli(store_path, *args) -> str:
    result = CliRunner().invoke(cli, ["export", "--store", str(store_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_kg_graph_is_the_view_keyed_by_stable_keys(store):
    assert kg.graph is graph and "graph" in kg.__all__
    view = build_view(store, center="联影医疗", depth=2)
    g = kg.graph(store, center="联影医疗", depth=2)
    assert isinstance(g, nx.MultiDiGraph) and g.graph["name"] == view.title
    vg = view.graph
    assert sorted(g) == sorted(d["key"] for _, d in vg.nodes(data=True))
    assert sorted((u, k, v) for u, v, k in g.edges(keys=True)) == sorted(
        (vg.nodes[u]["key"], d["type"], vg.nodes[v]["key"]) for u, v, d in vg.edges(data=True))
    lianying = g.nodes["Organization:联影医疗"]
    assert lianying["label"] == lianying["name"] == "联影医疗" and "United Imaging" in lianying["aliases"]
    assert isinstance(lianying["mentions"], int) and lianying["center"] is True
    approved = g.edges["Organization:国家药品监督管理局", "Product:umrultra", "APPROVED"]
    assert approved["articles"] == [ev["article"] for ev in approved["evidence"]] and len(approved["articles"]) >= 2
    assert all(ev["sentence"] for ev in approved["evidence"])


def test_the_whole_store(store):
    g = graph(store)
    [row] = store.run("MATCH (n) WHERE n.key IS NOT NULL RETURN count(n) AS n")
    [facts] = store.run("MATCH (h)-[r]->(t) WHERE type(r) <> 'MENTIONS' AND h.key IS NOT NULL RETURN count(r) AS n")
    assert (g.number_of_nodes(), g.number_of_edges()) == (row["n"], facts["n"]) and row["n"] > 500
    assert graph(store, types="Person").number_of_nodes() == store.run(
        "MATCH (n:Person) RETURN count(n) AS n")[0]["n"] > 100                   # a filter keeps no limit
    assert graph(store, center="联影医疗", limit=3).number_of_nodes() == 3
    with pytest.raises(TypeError, match="unexpected options centre"):
        graph(store, centre="联影医疗")


def test_graphml_reads_back_as_the_stores_view(store, store_path, tmp_path):
    out = tmp_path / "lianying.graphml"
    expected = flat(graph(store, center="联影医疗", depth=2))
    printed = export_cli(store_path, "--format", "graphml", "--center", "联影医疗", "--depth", "2", "-o", str(out))
    assert printed == f"{out}: {expected.number_of_nodes()} nodes, {expected.number_of_edges()} relationships\n"
    back = nx.read_graphml(out, force_multigraph=True)
    assert (back.number_of_nodes(), back.number_of_edges()) == (expected.number_of_nodes(), expected.number_of_edges())
    assert dict(back.nodes(data=True)) == dict(expected.nodes(data=True))
    assert sorted(back.edges(keys=True, data=True)) == sorted(expected.edges(keys=True, data=True))
    node = back.nodes["Organization:联影医疗"]
    assert type(node["mentions"]) is int and node["center"] is True and JOIN in node["aliases"]
    text = out.read_text(encoding="utf-8")
    assert '<key id="d' in text and 'attr.name="mentions" attr.type="long"' in text
    assert 'attr.name="center" attr.type="boolean"' in text
    edge = next(d for *_, d in back.edges(data=True) if d["type"] == "APPROVED")
    assert json.loads(edge["evidence"])[0]["sentence"] and edge["articles"].split(JOIN)


def test_gexf_reads_back_as_the_stores_view(store, store_path, tmp_path):
    out = tmp_path / "lianying.gexf"
    export_cli(store_path, "--format", "gexf", "--center", "联影医疗", "--depth", "2", "-o", str(out))
    expected = flat(graph(store, center="联影医疗", depth=2))
    back = nx.read_gexf(out)
    assert (back.number_of_nodes(), back.number_of_edges()) == (expected.number_of_nodes(), expected.number_of_edges())
    assert dict(back.nodes(data=True)) == dict(expected.nodes(data=True))
    read = sorted((u, v, {k: x for k, x in d.items() if k != "id"}) for u, v, d in back.edges(data=True))
    want = sorted((u, v, {("relation" if k == "type" else k): x for k, x in d.items()})
                  for u, v, d in expected.edges(data=True))
    assert read == want
    assert 'defaultedgetype="directed"' in out.read_text(encoding="utf-8")


def test_json_and_csv(store, store_path, tmp_path):
    g = graph(store, center="联影医疗", depth=2)
    export_cli(store_path, "--format", "json", "--center", "联影医疗", "--depth", "2", "-o", str(tmp_path / "g.json"))
    back = nx.node_link_graph(json.loads((tmp_path / "g.json").read_text(encoding="utf-8")), edges="edges")
    assert nx.utils.graphs_equal(back, g) and back.graph["name"] == g.graph["name"]
    out = export_cli(store_path, "--format", "csv", "--center", "联影医疗", "--depth", "2", "-o", str(tmp_path / "csv"))
    sizes = f"{g.number_of_nodes()} nodes, {g.number_of_edges()} relationships"
    assert out.splitlines() == [f"{tmp_path / 'csv' / name}: {sizes}" for name in ("nodes.csv", "edges.csv")]
    with open(tmp_path / "csv" / "nodes.csv", encoding="utf-8", newline="") as f:
        nodes = list(csv.DictReader(f))
    with open(tmp_path / "csv" / "edges.csv", encoding="utf-8", newline="") as f:
        edges = list(csv.DictReader(f))
    assert sorted(n["id"] for n in nodes) == sorted(g) and list(nodes[0])[0] == "id"
    assert sorted((e["source"], e["type"], e["target"]) for e in edges) == \
        sorted((u, k, v) for u, v, k in g.edges(keys=True))
    flat_g = flat(g)
    assert all(e["evidence"] == flat_g.edges[e["source"], e["target"], e["type"]]["evidence"] for e in edges)


def test_export_formats_and_errors(store, tmp_path):
    assert set(FORMATS) == {"graphml", "gexf", "json", "csv"}
    assert list(cli.commands["export"].params[0].type.choices) == list(FORMATS)
    with pytest.raises(kg.errors.KgError, match="is a directory"):
        export(nx.MultiDiGraph(), "graphml", tmp_path)
    result = CliRunner().invoke(cli, ["export", "--format", "pdf", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2 and "'pdf' is not one of" in result.output
    for args, message in ((["-o", "x"], "give --format FORMAT -o PATH, or --neo4j-import DIR"),
                          (["--format", "gexf", "--neo4j-import", "d"], "give --format FORMAT -o PATH, or"),
                          (["--format", "gexf"], "--format needs -o PATH"),
                          (["--neo4j-import", "d", "--center", "联影医疗"], "view options are for --format")):
        result = CliRunner().invoke(cli, ["export", *args])
        assert result.exit_code == 2 and message in result.output, (args, result.output)


def test_export_of_the_whole_store_on_either_engine(any_store, seed_extractions, request, tmp_path):
    load(any_store, seed_extractions)
    out = tmp_path / "all.graphml"
    result = CliRunner(env=child_env(request, any_store.uri)).invoke(
        cli, ["export", "--store", any_store.uri, "--format", "graphml", "-o", str(out)])
    assert result.exit_code == 0, result.output
    back = nx.read_graphml(out, force_multigraph=True)
    facts = any_store.run("MATCH (h)-[r]->(t) WHERE type(r) <> 'MENTIONS' RETURN h.key AS h, type(r) AS type, "
                          "t.key AS t, r.articles AS articles")
    assert sorted((u, k, v, d["articles"]) for u, v, k, d in back.edges(keys=True, data=True)) == sorted(
        (r["h"], r["type"], r["t"], JOIN.join(r["articles"])) for r in facts)
    assert back.number_of_nodes() == any_store.run("MATCH (n) WHERE n.key IS NOT NULL RETURN count(n) AS n")[0]["n"]


@pytest.mark.neo4j
def test_both_engines_give_the_same_graph(falkor_store, neo4j_store, seed_extractions):
    def exported(store):
        load(store, seed_extractions)
        g = flat(graph(store))
        return dict(g.nodes(data=True)), sorted(g.edges(keys=True, data=True))
    assert exported(falkor_store) == exported(neo4j_store)
