"""kg viz: choosing subgraphs from a real embedded store, and the page in real headless Chromium
(tests/viz_helpers.py starts it, offline).  The page's controls: tests/test_viz_page.py."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import QueryError
from kg.query import library, run_query
from kg.viz import PALETTE, NoSuchEntity, View, build_view, grass, layout, render_html, script_json
from viz_helpers import (HOSTILE_TITLE, REPO, browser, hover, open_page, point, store,  # noqa: F401 (fixtures)
                         store_path, synthetic_view)

def names(view: View) -> set[str]:
    return {d["name"] for _, d in view.graph.nodes(data=True)}


def facts(view: View) -> set[tuple[str, str, str]]:
    g = view.graph
    return {(g.nodes[u]["name"], d["type"], g.nodes[v]["name"]) for u, v, d in g.edges(data=True)}


# -- choosing the subgraph -------------------------------------------------------------------------

def test_center_neighbourhood_matches_the_library_query(store):
    view = build_view(store, center="联影医疗")
    rows = run_query(store, library()["neighbourhood"], {"name": "联影医疗"})
    assert names(view) == {"联影医疗"} | {r["other"] for r in rows}
    assert {"uMR Ultra", "李弘棣"} <= names(view)
    assert ("联影医疗", "DEVELOPS", "uMR Ultra") in facts(view)
    assert ("李弘棣", "WORKS_FOR", "联影医疗") in facts(view)
    center = [d for _, d in view.graph.nodes(data=True) if d["center"]]
    assert [d["name"] for d in center] == ["联影医疗"]
    assert view.default_path == Path("viz/联影医疗-depth1.html")


def test_center_resolves_aliases(store):
    by_name = build_view(store, center="阿斯利康")
    assert names(build_view(store, center="AstraZeneca")) == names(by_name)
    assert names(build_view(store, center="astrazeneca")) == names(by_name)
    assert len(by_name.graph) > 1


def test_depth_widens_the_neighbourhood(store):
    one, two = build_view(store, center="联影医疗", depth=1), build_view(store, center="联影医疗", depth=2)
    assert names(one) < names(two)
    assert "国家药品监督管理局" in names(two) - names(one)          # 联影医疗 → uMR Ultra ← NMPA
    assert names(build_view(store, center="联影医疗", depth=0)) == {"联影医疗"}


def test_unknown_center_suggests_close_names(store):
    with pytest.raises(NoSuchEntity) as caught:
        build_view(store, center="阿斯利")
    assert "阿斯利康" in caught.value.matches
    assert "did you mean 阿斯利康" in str(caught.value)
    with pytest.raises(NoSuchEntity) as caught:
        build_view(store, center="AstraZenca")
    assert caught.value.matches[0] == "AstraZeneca (阿斯利康)"


def test_type_and_relation_filters(store):
    view = build_view(store, center="联影医疗", types="Organization,Product")
    assert "李弘棣" not in names(view) and "uMR Ultra" in names(view)
    view = build_view(store, center="联影医疗", rels=["works_for"])
    assert names(view) == {"联影医疗", "李弘棣"}
    assert any("Filters: relations WORKS_FOR" in n for n in view.notes)
    with pytest.raises(QueryError, match="unknown type 'Org'"):
        build_view(store, center="联影医疗", types="Org")


def test_date_filter_keeps_evidence_in_range(store):
    view = build_view(store, center="联影医疗", since="2025-10-12")
    develops = [d for u, v, d in view.graph.edges(data=True) if d["type"] == "DEVELOPS"]
    assert [e["date"] for e in develops[0]["evidence"]] == ["2025-10-14", "2025-10-20"]
    assert "uEXPLORER" not in names(view)            # its only article has no date
    view = build_view(store, center="联影医疗", until="2025-10")
    dates = [e["date"] for _, _, d in view.graph.edges(data=True) for e in d["evidence"]]
    assert dates and all(d.startswith("2025-10") or d < "2025-10" for d in dates)
    assert build_view(store, center="联影医疗", since="2030").graph.number_of_edges() == 0
    with pytest.raises(QueryError, match="not a date"):
        build_view(store, center="联影医疗", since="10/2025")


def test_min_mentions(store):
    view = build_view(store, center="联影医疗", min_mentions=3)
    assert "uMR Ultra" in names(view) and "uEXPLORER" not in names(view)
    assert all(d["mentions"] >= 3 for _, d in view.graph.nodes(data=True))


def test_limit_keeps_most_mentioned_and_says_what_was_left_out(store):
    full = build_view(store, limit=100_000)
    view = build_view(store, limit=10)
    assert len(view.graph) == 10
    mentions = sorted((d["mentions"] for _, d in full.graph.nodes(data=True)), reverse=True)
    assert sorted((d["mentions"] for _, d in view.graph.nodes(data=True)), reverse=True) == mentions[:10]
    assert len(view.left_out) == len(full.graph) - 10
    assert view.left_out_edges == full.graph.number_of_edges() - view.graph.number_of_edges()
    note = next(n for n in view.notes if n.startswith("Showing the 10 most relevant"))
    assert f"{len(view.left_out)} nodes and {view.left_out_edges} relationships left out" in note
    assert view.left_out[0] in note


def test_query_paths_relationships_and_nodes(store, tmp_path):
    paths = tmp_path / "paths.cypher"
    paths.write_text("MATCH p = (o:Organization)-[:DEVELOPS]->(:Product) WHERE o.name = $org RETURN p",
                     encoding="utf-8")
    view = build_view(store, query=str(paths), params={"org": "联影医疗"})
    assert names(view) == {"联影医疗", "uMR Ultra", "uEXPLORER"}
    assert {f[1] for f in facts(view)} == {"DEVELOPS"}
    rels_only = tmp_path / "rels.cypher"
    rels_only.write_text("MATCH (:Organization {name: $org})-[r:DEVELOPS]->() RETURN r", encoding="utf-8")
    assert facts(build_view(store, query=str(rels_only), params={"org": "联影医疗"})) == facts(view)
    nodes_only = tmp_path / "nodes.cypher"
    nodes_only.write_text("MATCH (n) WHERE n.name IN ['联影医疗', 'uMR Ultra'] RETURN n", encoding="utf-8")
    view = build_view(store, query=str(nodes_only))
    assert facts(view) == {("联影医疗", "DEVELOPS", "uMR Ultra")}
    assert any("relations among its nodes" in n for n in view.notes)


def test_query_of_plain_values_is_a_clear_error(store):
    with pytest.raises(QueryError, match="returns plain values .*not nodes, relationships or paths"):
        build_view(store, query="neighbourhood", params={"name": "联影医疗"})


def test_cli_unknown_center_exits_non_zero_with_suggestions(store_path):
    result = CliRunner().invoke(cli, ["viz", "--center", "不存在的名字", "--store", str(store_path)])
    assert result.exit_code == 1
    assert re.fullmatch(r"Error: no entity is named '不存在的名字' or has it as an alias; (did you mean .+\?|"
                        r"nothing is close; the most mentioned are \S+, \S+, \S+, \S+, \S+ .*)\n", result.output)
    result = CliRunner().invoke(cli, ["viz", "--center", "阿斯利", "--store", str(store_path)])
    assert result.exit_code == 1 and "did you mean 阿斯利康" in result.output


def test_cli_writes_the_page(store_path, tmp_path):
    out = tmp_path / "out" / "lianying.html"
    result = CliRunner().invoke(cli, ["viz", "--center", "联影医疗", "-o", str(out), "--store", str(store_path)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{out}: 4 nodes, 3 relationships\n"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.neo4j
def test_neo4j_gives_the_same_views(neo4j_store, store, store_path, tmp_path):
    from kg.api import load as load_paths
    load_paths([str(REPO / "seeds"), str(store_path.parent / "hostile.json")], neo4j_store, on_error=lambda e: None)
    rels_only = tmp_path / "rels.cypher"
    rels_only.write_text("MATCH (:Organization {name: $org})-[r:DEVELOPS]->() RETURN r", encoding="utf-8")
    for kwargs in ({"center": "联影医疗", "depth": 2}, {"center": "AstraZeneca", "since": "2025-01"},
                   {"query": str(rels_only), "params": {"org": "联影医疗"}}, {"limit": 40}):
        embedded, neo4j = build_view(store, **kwargs), build_view(neo4j_store, **kwargs)
        assert (names(neo4j), facts(neo4j)) == (names(embedded), facts(embedded)), kwargs
        assert len(embedded.graph) > 1


# -- the page, without a browser ------------------------------------------------------------------

def test_script_json_cannot_close_the_script():
    text = script_json({"t": "</script><script>alert(1)</script><!-- & \u2028\u2029"})
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == {"t": "</script><script>alert(1)</script><!-- & \u2028\u2029"}


def test_page_is_self_contained_and_stable(store, tmp_path):
    view = build_view(store, center="联影医疗", depth=2)
    first = render_html(view, tmp_path / "a.html").read_text(encoding="utf-8")
    second = render_html(view, tmp_path / "b.html").read_text(encoding="utf-8")
    assert first == second                                           # same view, same layout
    markup = re.sub(r"(<(script|style)\b[^>]*>).*?(</\2>)", r"\1\3", first, flags=re.S)
    assert not re.search(r"(src|href|action)\s*=|<link|<iframe|<img|<object|<embed", markup, re.I)
    styles = "".join(re.findall(r"<style>(.*?)</style>", first, flags=re.S))
    assert not re.search(r"""@import|url\((?!"?data:)""", styles, re.I)
    assert len(re.findall(r"<script\b", markup)) == 4                # data, vis-network, page, filters
    assert "Content-Security-Policy" in first and "default-src 'none'" in first
    assert HOSTILE_TITLE not in first and "\\u003cimg src=x" in first


def test_large_layout_is_seeded():
    g = nx.barabasi_albert_graph(600, 1, seed=3)
    a, b = layout(g), layout(g)
    assert a == b and len(set(a.values())) == 600


def test_style_grass_matches_the_palette():
    text = (REPO / "cypher" / "style.grass").read_text(encoding="utf-8")
    assert text == grass()
    colours = dict(re.findall(r"node\.(\w+) \{\s*color: (#[0-9A-Fa-f]{6});", text))
    assert colours == {label: look.color for label, look in PALETTE.items()}


# -- the page in headless Chromium -------------------------------------------------------------------

@pytest.mark.browser
def test_the_harness_sees_requests_errors_and_dialogs(open_page, tmp_path):
    """The checks below can fail: a page that fetches, logs an error and alerts is caught at each."""
    bad = tmp_path / "bad.html"
    bad.write_text('<img src="https://example.org/x.png"><link rel="stylesheet" href="http://example.org/s.css">'
                   '<script>console.error("boom"); alert(1); window.kgFirstDraw = 1;</script>', encoding="utf-8")
    opened = open_page(bad)
    opened.page.wait_for_timeout(200)
    assert "https://example.org/x.png" in opened.requests and "http://example.org/s.css" in opened.requests
    assert opened.errors and opened.dialogs == ["1"]


@pytest.mark.browser
def test_seed_view_in_chromium(store, open_page, tmp_path):
    view = build_view(store, center="联影医疗")
    opened = open_page(render_html(view, tmp_path / "lianying.html"))
    page = opened.page
    shown = page.evaluate("kgView.nodes.get().map(n => kgView.data.nodes.find(d => d.id === n.id).name)")
    assert set(shown) == names(view) and {"联影医疗", "uMR Ultra", "李弘棣"} <= set(shown)
    edges = page.evaluate("""kgView.edges.get().map(e => [kgView.data.nodes.find(d => d.id === e.from).name,
                                                         e.label, kgView.data.nodes.find(d => d.id === e.to).name])""")
    assert sorted(map(tuple, edges)) == sorted(facts(view))
    assert ["联影医疗", "DEVELOPS", "uMR Ultra"] in edges
    assert page.locator("#legend li:not([hidden])").all_inner_texts() == ["Organization (1)", "Person (1)", "Product (2)"]
    center = next(v for v, d in view.graph.nodes(data=True) if d["name"] == "联影医疗")
    tip = hover(page, center)
    assert "Organization" in tip and "United Imaging" in tip and "first seen" in tip
    page.locator('#legend input[data-type="Person"]').uncheck()
    assert page.evaluate("kgView.nodes.get().filter(n => n.hidden).length") == 1
    page.fill("#search", "United Imaging")                         # an alias of 联影医疗
    assert page.locator("#results button").all_inner_texts() == ["联影医疗 ← United Imaging"]
    page.locator("#results button").click()
    assert page.evaluate("kgView.network.getSelectedNodes()") == [center]
    assert "联影医疗" in page.locator("#details").inner_text()
    assert opened.errors == [] and opened.requests == [] and opened.dialogs == []


@pytest.mark.browser
def test_screenshot_of_a_seed_view(store, open_page, tmp_path):
    """docs/viz-lianying.png is this picture: KG_VIZ_SCREENSHOT=docs/viz-lianying.png refreshes it."""
    view = build_view(store, center="联影医疗", depth=2)
    opened = open_page(render_html(view, tmp_path / "d2.html"))
    ends = next((u, v) for u, v in view.graph.edges() if view.graph.nodes[v]["name"] == "uEXPLORER")
    assert "uEXPLORER带来1.6毫米" in hover(opened.page, *ends)        # the evidence, on hover
    target = tmp_path / "shot.png"
    opened.page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000 and opened.errors == [] and opened.requests == []
    if os.environ.get("KG_VIZ_SCREENSHOT"):
        shutil.copyfile(target, REPO / os.environ["KG_VIZ_SCREENSHOT"])


@pytest.mark.browser
def test_hostile_article_renders_as_text(store, open_page, tmp_path):
    view = build_view(store, center="联影医疗")
    ends, data = next(((u, v), d) for u, v, d in view.graph.edges(data=True)
                      if d["type"] == "DEVELOPS" and view.graph.nodes[v]["name"] == "uMR Ultra")
    assert HOSTILE_TITLE in [e["title"] for e in data["evidence"]]
    opened = open_page(render_html(view, tmp_path / "hostile.html"))
    page = opened.page
    assert HOSTILE_TITLE in hover(page, *ends)
    x, y = point(page, *ends)
    page.mouse.click(x, y)
    assert HOSTILE_TITLE in page.locator("#details").inner_text()
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 4
    assert page.evaluate("document.querySelectorAll('a[href^=\"javascript\"]').length") == 0
    links = page.evaluate("[...document.querySelectorAll('#details a')].map(a => [a.protocol, a.rel])")
    assert links and all(link == ["http:", "noopener noreferrer"] for link in links)   # the seeds' WeChat links
    assert page.evaluate("window.__pwned") is None
    assert opened.dialogs == [] and opened.errors == [] and opened.requests == []


@pytest.mark.browser
def test_hostile_names_everywhere(open_page, tmp_path):
    """Every text the page shows comes from data: title, notes, names, aliases, evidence."""
    bad = "</script><script>alert(1)</script><img src=x onerror=window.__pwned=1>"
    view = synthetic_view(3)
    for _, d in view.graph.nodes(data=True):
        d["name"], d["aliases"] = bad + d["name"], [bad, "别名<b>"]
    for _, _, d in view.graph.edges(data=True):
        d["evidence"][0].update(sentence=bad, title=bad, url="javascript:window.__pwned=3")
    view.title, view.notes = bad + "标题", [bad]
    opened = open_page(render_html(view, tmp_path / "bad.html"))
    page = opened.page
    assert page.title() == bad + "标题" and page.locator("h1").inner_text() == bad + "标题"
    assert page.locator("#notes p").first.inner_text() == bad
    page.fill("#search", "别名<b")
    assert page.locator("#results button").count() == 3
    page.locator("#results button").first.click()
    assert bad in page.locator("#details").inner_text()
    assert page.evaluate("document.querySelectorAll('img, b').length") == 0
    assert page.evaluate("window.__pwned") is None
    assert opened.dialogs == [] and opened.errors == [] and opened.requests == []


@pytest.mark.browser
def test_first_draw_times(open_page, tmp_path, capsys):
    """Reported, not asserted: navigation start to vis-network's first afterDrawing."""
    for n in (300, 1000):
        opened = open_page(render_html(synthetic_view(n, reserve=min(200, n // 3)), tmp_path / f"n{n}.html"))
        ms = opened.page.evaluate("window.kgFirstDraw")
        assert opened.page.evaluate("kgView.nodes.length") == n
        assert opened.errors == [] and opened.requests == []
        with capsys.disabled():
            print(f"\nkg viz first draw, {n} nodes: {ms:.0f} ms")


def test_the_page_assets_ship_with_the_package():
    """Every file the page inlines (template, scripts, styles) matches kg.viz's package-data globs."""
    import fnmatch
    import tomllib
    globs = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["kg.viz"]
    assets = [p.name for p in (REPO / "kg" / "viz").iterdir() if p.is_file() and p.suffix != ".py"]
    assert {"template.html", "page.js", "filters.js", "page.css"} <= set(assets)
    assert [a for a in assets if not any(fnmatch.fnmatch(a, g) for g in globs)] == []
