"""The view page's controls in headless Chromium (offline, see tests/viz_helpers.py): the pyvis Network it
is, the date slider, the evidence panel, expanding a node, focusing what the address names; and every
page stays offline, quiet and inert to hostile text."""
from __future__ import annotations

import calendar
import re

import networkx as nx
import pytest
from pyvis.network import Network

from kg.viz import View, build_view, network, render_html
from viz_helpers import (browser, open_page, point, store, store_path,  # noqa: F401 (fixtures)
                         synthetic_view)


def quiet(opened) -> None:
    assert opened.errors == [] and opened.requests == [] and opened.dialogs == []
    assert opened.page.evaluate("window.__pwned") is None


def span(date: str) -> tuple[str, str]:
    """The days a yyyy[-mm[-dd]] date covers (as the page reads them)."""
    if len(date) == 4:
        return f"{date}-01-01", f"{date}-12-31"
    if len(date) == 7:
        return f"{date}-01", f"{date}-{calendar.monthrange(int(date[:4]), int(date[5:]))[1]:02d}"
    return date, date


def dated_view() -> View:
    """Five facts among six entities: dated by their own date, by their article's, both, or not at all."""
    g = nx.MultiDiGraph()
    for i, label in enumerate(["Organization", "Organization", "Product", "Person", "Event", "Organization"]):
        g.add_node(f"n{i}", type=label, name=f"实体{i}", aliases=[], mentions=5 - i % 3, first_seen="", last_seen="",
                   date="", url="", center=i == 0, degree=1, new=False, key=f"{label}:{i}")
    facts = [("n0", "n1", "PARTNERS_WITH", [("2019-03", "a1")]),          # fact date only
             ("n0", "n2", "DEVELOPS", [("", "a2")]),                        # article date 2021-06-10
             ("n3", "n0", "WORKS_FOR", [("", "a0")]),                       # undated
             ("n3", "n4", "SPOKE_AT", [("2018", "a1"), ("", "a3")]),        # 2018, and 2023-01-05
             ("n5", "n2", "INVESTS_IN", [("2021-06-09", "a2")])]
    for i, (u, v, rtype, items) in enumerate(facts):
        g.add_edge(u, v, key=f"r{i}", type=rtype, role="", date="", amount="", new=False, evidence=[
            {"article": a, "sentence": f"句子{i}-{j}", "fact_date": d, "role": "", "amount": ""}
            for j, (d, a) in enumerate(items)])
    articles = {"a0": {"title": "无日期", "date": None, "url": None},
                "a1": {"title": "文章一", "date": "2020-01-02", "url": "https://example.org/1"},
                "a2": {"title": "文章二", "date": "2021-06-10", "url": "https://example.org/2"},
                "a3": {"title": "文章三", "date": "2023-01-05", "url": "http://example.org/3"}}
    return View(g, "dated", "dated", articles=articles)


def expected_edges(view: View, lo: str, hi: str, undated: bool = True) -> set[str]:
    out = set()
    for _, _, key, d in view.graph.edges(keys=True, data=True):
        spans = [span(ev["fact_date"] or view.articles[ev["article"]]["date"] or "") for ev in d["evidence"]]
        spans = [s for s in spans if s[0]]
        if (any(s[1] >= lo and s[0] <= hi for s in spans) if spans else undated):
            out.add(key)
    return out


def shown_edges(page) -> set[str]:
    return set(page.evaluate("kgView.edges.get().filter(e => !e.hidden).map(e => e.id)"))


def dimmed(page) -> set[str]:
    return set(page.evaluate("kgView.nodes.get().filter(n => n.opacity < 1).map(n => n.id)"))


# -- pyvis ------------------------------------------------------------------------------------------

def test_the_view_is_a_pyvis_network(store, tmp_path):
    view = build_view(store, center="联影医疗")
    net = network(view)
    assert isinstance(net, Network)
    shown = [n for n in net.nodes if not n.get("reserve")]
    assert sorted(n["id"] for n in shown) == sorted(view.graph)
    assert sorted(n["id"] for n in net.nodes if n.get("reserve")) == sorted(v for v, _ in view.reserved_nodes())
    assert all(n["hidden"] for n in net.nodes if n.get("reserve"))
    lianying = next(n for n in shown if n["name"] == "联影医疗")
    assert lianying["group"] == "Organization" and "United Imaging" in lianying["aliases"]
    assert lianying["title"].startswith("联影医疗 · Organization · ")
    assert {e["label"] for e in net.edges if not e.get("reserve")} == {"DEVELOPS", "WORKS_FOR"}
    assert set(net.options["groups"]) >= {"Organization", "Person", "Product"}
    html = net.generate_html()
    assert html == render_html(view, tmp_path / "v.html").read_text(encoding="utf-8")
    markup = re.sub(r"(<(script|style)\b[^>]*>).*?(</\2>)", r"\1\3", html, flags=re.S)
    assert not re.search(r"(src|href|action)\s*=|<link|<iframe|<img|<object|<embed", markup, re.I)
    kg = net.templateEnv.globals["kg"]
    code = re.sub(r'<script type="application/json".*?</script>', "", html, flags=re.S)
    own = code.replace(kg.vis_js, "").replace(kg.vis_css, "")
    assert not re.search(r"https?://|//cdn|jsdelivr|bootstrap|tom-select", own)
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?:", kg.vis_js + kg.vis_css)


@pytest.mark.browser
def test_a_pyvis_network_shown_as_in_a_notebook_renders_offline(store, open_page, tmp_path, monkeypatch):
    """net.show() in a notebook writes the same page; nodes a user adds to the network are drawn."""
    monkeypatch.chdir(tmp_path)
    net = network(build_view(store, center="联影医疗"))
    net.add_node("extra-1", label="用户加的节点", group="Organization", name="用户加的节点", type="Organization",
                 x=0, y=0)
    net.add_edge("extra-1", next(n["id"] for n in net.nodes if n.get("name") == "联影医疗"), label="PARTNERS_WITH",
                 type="PARTNERS_WITH", evidence=[{"article": "x1", "title": "用户的文章", "sentence": "一句话。",
                                                  "url": "https://example.org/x1"}])
    frame = net.show("notebook.html", notebook=True)
    assert frame.src == "notebook.html" and not (tmp_path / "lib").exists()     # no lib/ folder copied
    assert (tmp_path / "notebook.html").read_text(encoding="utf-8") == net.generate_html()
    opened = open_page(tmp_path / "notebook.html")
    page = opened.page
    assert "用户加的节点" in page.evaluate("kgView.nodes.get().map(n => n.label)")
    assert page.locator("#relations li:not([hidden])").all_inner_texts() == [
        "DEVELOPS (2)", "PARTNERS_WITH (1)", "WORKS_FOR (1)"]
    quiet(opened)


# -- the date slider --------------------------------------------------------------------------------

@pytest.mark.browser
def test_the_slider_hides_and_shows_the_right_edges(open_page, tmp_path):
    view = dated_view()
    opened = open_page(render_html(view, tmp_path / "dated.html"))
    page = opened.page
    days = sorted({d for _, _, d in view.graph.edges(data=True) for ev in d["evidence"]
                   for d in span(ev["fact_date"] or view.articles[ev["article"]]["date"] or "0000") if d[0] != "0"})
    assert page.evaluate("+document.getElementById('date-to').max") == len(days) - 1
    assert shown_edges(page) == {"r0", "r1", "r2", "r3", "r4"} and dimmed(page) == set()
    checked = 0
    for i, j in [(0, len(days) - 1), (days.index("2019-03-01"), days.index("2019-03-31")),
                 (days.index("2021-06-09"), days.index("2021-06-09")), (days.index("2021-06-10"), len(days) - 1),
                 (days.index("2019-03-31"), days.index("2021-06-09"))]:
        page.locator("#date-to").fill(str(len(days) - 1))
        page.locator("#date-from").fill(str(i))
        page.locator("#date-to").fill(str(j))
        assert page.locator("#date-from-text").inner_text() == days[i]
        assert page.locator("#date-to-text").inner_text() == days[j]
        want = expected_edges(view, days[i], days[j])
        assert shown_edges(page) == want, (days[i], days[j])
        checked += want != {"r0", "r1", "r2", "r3", "r4"}
    assert checked == 4
    # 2021-06-09 alone: DEVELOPS (article 2021-06-10) hides, INVESTS_IN stays; 实体4 (only SPOKE_AT) dims
    page.locator("#date-from").fill(str(days.index("2021-06-09")))
    page.locator("#date-to").fill(str(days.index("2021-06-09")))
    assert shown_edges(page) == {"r2", "r4"}
    assert dimmed(page) == {"n1", "n4"}
    assert page.locator("#relations li:not([hidden])").all_inner_texts() == [
        "DEVELOPS (0/1)", "INVESTS_IN (1)", "PARTNERS_WITH (0/1)", "SPOKE_AT (0/1)", "WORKS_FOR (1)"]
    assert page.locator("#legend li:not([hidden])").all_inner_texts() == [
        "Organization (2/3)", "Person (1)", "Product (1)", "Event (0/1)"]
    page.locator("#undated").uncheck()                                     # WORKS_FOR has no date
    assert shown_edges(page) == {"r4"} and dimmed(page) == {"n0", "n1", "n3", "n4"}
    page.locator("#date-from").fill("0")
    page.locator("#date-to").fill(str(len(days) - 1))
    assert shown_edges(page) == {"r0", "r1", "r3", "r4"} and dimmed(page) == set()
    page.locator("#undated").check()
    page.locator('#legend input[data-type="Person"]').uncheck()            # hides 实体3 and its facts
    assert shown_edges(page) == {"r0", "r1", "r4"} and dimmed(page) == {"n4"}
    assert page.evaluate("kgView.nodes.get().filter(n => n.hidden).map(n => n.id)") == ["n3"]
    page.locator('#relations input[data-relation="INVESTS_IN"]').uncheck()
    assert shown_edges(page) == {"r0", "r1"} and dimmed(page) == {"n4", "n5"}
    quiet(opened)


@pytest.mark.browser
def test_the_slider_on_a_seed_view_follows_fact_and_article_dates(store, open_page, tmp_path):
    view = build_view(store, center="联影医疗", depth=2)
    opened = open_page(render_html(view, tmp_path / "d2.html"))
    page = opened.page
    days = page.evaluate("[...Array(+document.getElementById('date-to').max + 1).keys()]")
    assert len(days) > 4
    for i, j in ((1, len(days) - 1), (0, len(days) // 2), (len(days) // 2, len(days) - 2)):
        page.locator("#date-to").fill(str(len(days) - 1))
        page.locator("#date-from").fill(str(i))
        page.locator("#date-to").fill(str(j))
        lo, hi = page.locator("#date-from-text").inner_text(), page.locator("#date-to-text").inner_text()
        assert shown_edges(page) == expected_edges(view, lo, hi), (lo, hi)
    quiet(opened)


# -- the evidence panel -----------------------------------------------------------------------------

@pytest.mark.browser
def test_the_evidence_panel_shows_sentence_title_date_and_link(store, open_page, tmp_path):
    view = build_view(store, center="uMR Ultra")
    u, v, data = next((u, v, d) for u, v, d in view.graph.edges(data=True)
                      if d["type"] == "APPROVED" and view.graph.nodes[u]["name"] == "国家药品监督管理局")
    opened = open_page(render_html(view, tmp_path / "umr.html"))
    page = opened.page
    page.mouse.click(*point(page, u, v))
    items = page.locator("#details .evidence")
    assert items.count() == len(data["evidence"]) >= 2
    for i, ev in enumerate(data["evidence"]):
        item = items.nth(i)
        assert item.locator(".sentence").inner_text() == ev["sentence"]
        assert item.locator(".title").inner_text() == ev["title"]
        assert item.locator(".date").all_inner_texts() == ([ev["date"]] if ev["date"] else [])
        links = item.locator("a")
        if ev["url"]:
            assert links.get_attribute("href") == ev["url"] and links.get_attribute("rel") == "noopener noreferrer"
        else:
            assert links.count() == 0
    assert any(ev["url"] for ev in data["evidence"])
    # a node: type, aliases, first and last seen, its latest articles
    node = next(x for x, d in view.graph.nodes(data=True) if d["name"] == "国家药品监督管理局")
    page.mouse.click(*point(page, node))
    details = page.locator("#details").inner_text()
    d = view.graph.nodes[node]
    assert "Organization" in details and "NMPA" in details and d["first_seen"] in details and d["last_seen"] in details
    titles = page.locator("#details .article .title").all_inner_texts()
    assert titles == [view.articles[a]["title"] for a in d["articles"]] and len(titles) == min(6, d["article_count"])
    assert f"latest {len(titles)} of {d['article_count']}" in details.lower()
    quiet(opened)


@pytest.mark.browser
def test_hostile_text_in_the_panels_stays_text(open_page, tmp_path):
    bad = "</script><script>alert(1)</script><img src=x onerror=window.__pwned=1>"
    view = synthetic_view(4, reserve=2)
    for _, _, d in view.graph.edges(data=True):
        d["evidence"][0].update(sentence=bad, title=bad, url="javascript:window.__pwned=3", fact_date=bad)
    for _, d in view.graph.nodes(data=True):
        d.update(aliases=[bad], first_seen=bad, url="javascript:window.__pwned=4", articles=["a1"])
    view.articles["a1"] = {"title": bad, "date": bad, "url": "javascript:window.__pwned=5"}
    opened = open_page(render_html(view, tmp_path / "bad.html"))
    page = opened.page
    u, v = next(iter(view.graph.edges()))
    page.mouse.click(*point(page, u, v))
    assert page.locator("#details .evidence .sentence").first.inner_text() == bad
    page.mouse.click(*point(page, u))
    assert bad in page.locator("#details .article .title").first.inner_text()
    for v in sorted({x for e in view.reserve.edges() for x in e if x in view.graph}):
        page.mouse.dblclick(*point(page, v))
    assert page.evaluate("kgView.nodes.length") == 6
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert page.evaluate("[...document.querySelectorAll('a')].filter(a => !/^https?:$/.test(a.protocol)).length") == 0
    quiet(opened)


# -- expanding and focusing ---------------------------------------------------------------------------

def test_the_view_keeps_one_more_hop_in_reserve(store):
    """Depth 1 keeps in reserve the nodes depth 2 adds, with every fact from them to the shown nodes."""
    one, two = build_view(store, center="联影医疗", depth=1), build_view(store, center="联影医疗", depth=2)
    name = {**{v: d["name"] for v, d in one.graph.nodes(data=True)}, **{v: d["name"] for v, d in one.reserved_nodes()}}
    shown = set(name[v] for v in one.graph)
    assert {name[v] for v, _ in one.reserved_nodes()} == {d["name"] for _, d in two.graph.nodes(data=True)} - shown
    g2 = two.graph
    hop = {(name[u], d["type"], name[v]) for u, v, d in one.reserve.edges(data=True)}
    into = {(g2.nodes[u]["name"], d["type"], g2.nodes[v]["name"]) for u, v, d in g2.edges(data=True)
            if (g2.nodes[u]["name"] in shown) != (g2.nodes[v]["name"] in shown)}
    assert into and into <= hop


@pytest.mark.browser
def test_double_click_reveals_a_nodes_neighbours(store, open_page, tmp_path):
    view = build_view(store, center="联影医疗", depth=1)
    target = next(v for v, d in view.graph.nodes(data=True) if d["name"] == "uMR Ultra")
    behind = {view.reserve.nodes[o]["name"] for u, v in view.reserve.edges() for o in (u, v)
              if target in (u, v) and o != target}
    assert "国家药品监督管理局" in behind
    opened = open_page(render_html(view, tmp_path / "one.html"))
    page = opened.page
    names = "kgView.nodes.get().map(n => kgView.byId[n.id].name).sort()"
    before = page.evaluate(names)
    page.mouse.click(*point(page, target))
    assert f"Double-click to show {len(behind)} more neighbours" in page.locator("#details").inner_text()
    page.mouse.dblclick(*point(page, target))
    assert sorted(page.evaluate(names)) == sorted(before + list(behind))
    labels = page.evaluate("kgView.edges.get().filter(e => !e.hidden).map(e => e.label).sort()")
    assert labels == sorted(["DEVELOPS", "DEVELOPS", "WORKS_FOR"] + ["APPROVED"] * len(behind))
    nmpa = next(v for v, d in view.reserved_nodes() if d["name"] == "国家药品监督管理局")
    page.mouse.click(*point(page, nmpa, target))                           # a revealed fact's evidence
    assert "国家药品监督管理局 —APPROVED→ uMR Ultra" in page.locator("#details").inner_text()
    assert page.locator("#legend li:not([hidden])").all_inner_texts()[0] == f"Organization ({1 + len(behind)})"
    quiet(opened)


@pytest.mark.browser
def test_the_address_focuses_a_fact_even_one_in_reserve(store, open_page, tmp_path):
    view = build_view(store, center="联影医疗", depth=1)
    key = next(k for u, v, k, d in view.reserve.edges(keys=True, data=True) if d["type"] == "APPROVED")
    path = render_html(view, tmp_path / "one.html")
    opened = open_page(path, fragment=f"#edge={key}")
    page = opened.page
    assert page.evaluate("kgView.network.getSelectedEdges()") == [key]
    assert "—APPROVED→ uMR Ultra" in page.locator("#details").inner_text()
    quiet(opened)


@pytest.mark.browser
def test_screenshot_of_the_slider_and_the_evidence_panel(store, open_page, tmp_path):
    """docs/viz-panel.png is this picture: KG_VIZ_PANEL_SCREENSHOT=docs/viz-panel.png refreshes it."""
    import os
    import shutil
    from viz_helpers import REPO

    view = build_view(store, center="联影医疗", depth=2)
    opened = open_page(render_html(view, tmp_path / "panel.html"))
    page = opened.page
    last = page.evaluate("+document.getElementById('date-to').max")
    page.locator("#date-from").fill("1")
    for j in range(last, 1, -1):                     # the latest end that leaves a node with nothing dated
        page.locator("#date-to").fill(str(j))
        if dimmed(page):
            break
    lo, hi = page.locator("#date-from-text").inner_text(), page.locator("#date-to-text").inner_text()
    assert dimmed(page) and shown_edges(page) == expected_edges(view, lo, hi)
    u, v = next((u, v) for u, v, d in view.graph.edges(data=True)
                if d["type"] == "APPROVED" and view.graph.nodes[u]["name"] == "国家药品监督管理局")
    page.mouse.click(*point(page, u, v))
    out = page.locator("#details .evidence.out").count()
    assert 1 <= out < page.locator("#details .evidence").count()               # outside the range: greyed
    target = tmp_path / "panel.png"
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    quiet(opened)
    if os.environ.get("KG_VIZ_PANEL_SCREENSHOT"):
        shutil.copyfile(target, REPO / os.environ["KG_VIZ_PANEL_SCREENSHOT"])
