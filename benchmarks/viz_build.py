"""How long `kg viz` takes to build and write a view of 100, 300, 1,000 and 5,000 nodes, how big the
page is, and how long headless Chromium takes to draw it first (the page with all its controls: date
slider, filters, evidence panel, the reserve a double-click reveals).

The graph is synthetic and goes through the real path: for each size a scale-free graph (about 1.5
relationships per entity, each with one evidence sentence from one of 200 dated articles) is written
into a fresh temporary embedded store; then `build_view(store, limit=n)` reads it all back (the
whole-graph view, ranked by mentions and degree) and `render_html` lays it out and writes the page.
The row "1000 of 5000" is a 1,000-node view of the 5,000-node graph: the page then also carries the
next hop (up to 200 nodes) in reserve.  First draw: navigation start to vis-network's first
`afterDrawing`, median of 3 loads in Debian's /usr/bin/chromium (through playwright), offline; the
baseline in the same run is a bare vis-network page of the same nodes, edges and positions (no
panel, no filters, no tooltips, no reserve): what the controls cost.

    python -m benchmarks.viz_build [SIZES...]      # default 100 300 1000 5000
"""
from __future__ import annotations

import json
import os
import random
import re
import statistics
import sys
import tempfile
from pathlib import Path

import networkx as nx

from benchmarks.common import machine, save, table, timer
from kg.model import EntityType, RelationType
from kg.store import open_store
from kg.viz import build_view, render_html

LABELS = [str(t) for t in EntityType]
TYPES = [str(t) for t in RelationType]
ARTICLES = 200


def synthetic_rows(n: int, seed: int = 7):
    """Articles, entity rows by label, and relationship rows by (type, head label, tail label)."""
    rnd = random.Random(seed)
    shape = nx.barabasi_albert_graph(n, 1, seed=seed)
    shape.add_edges_from(rnd.sample(range(n), 2) for _ in range(n // 2))
    articles = [{"id": f"a{i}", "title": f"合成文章第{i}篇", "date": f"2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
                 "url": f"https://example.org/{i}"} for i in range(ARTICLES)]
    label = {i: LABELS[min(int(rnd.random() ** 2 * 5), 4)] for i in shape}
    nodes: dict[str, list[dict]] = {}
    for i in shape:
        nodes.setdefault(label[i], []).append({
            "key": f"{label[i]}:e{i}", "name": f"实体{i}号", "aliases": [f"E{i}"],
            "mentions": 1 + shape.degree(i) * rnd.randint(1, 4), "first": "2025-01-01", "last": "2025-12-01"})
    edges: dict[tuple[str, str, str], list[dict]] = {}
    for u, v in shape.edges():
        a = rnd.randrange(ARTICLES)
        edges.setdefault((rnd.choice(TYPES), label[u], label[v]), []).append({
            "head": f"{label[u]}:e{u}", "tail": f"{label[v]}:e{v}", "articles": [f"a{a}"],
            "evidence": [f"实体{u}号与实体{v}号的合作见于第{a}篇。"]})
    return articles, nodes, edges


def fill(store, n: int) -> None:
    articles, nodes, edges = synthetic_rows(n)
    store.ensure_schema()
    statements = [("UNWIND $rows AS row CREATE (:Article {id: row.id, title: row.title, date: row.date, "
                   "url: row.url})", {"rows": articles})]
    for lbl, rows in nodes.items():
        statements.append((f"UNWIND $rows AS row CREATE (:{lbl} {{key: row.key, name: row.name, "
                           "aliases: row.aliases, mentions: row.mentions, first_seen: row.first, "
                           "last_seen: row.last})", {"rows": rows}))
    for (rtype, hl, tl), rows in edges.items():
        statements.append((f"UNWIND $rows AS row MATCH (h:{hl} {{key: row.head}}) MATCH (t:{tl} {{key: row.tail}}) "
                           f"CREATE (h)-[:{rtype} {{articles: row.articles, evidence: row.evidence}}]->(t)",
                           {"rows": rows}))
    store.execute(statements)


def measure(n: int, tmp: Path, limit: int | None = None) -> dict:
    limit = limit or n
    with open_store(str(tmp / f"store{n}")) as store:
        if not (tmp / f"store{n}" / "filled").exists():
            fill(store, n)
            (tmp / f"store{n}" / "filled").touch()
        with timer() as built:
            view = build_view(store, limit=limit)
    with timer() as drawn:
        path = render_html(view, tmp / f"view{n}-{limit}.html")
    draw = first_draw(path) if len(view.graph) <= 1000 else None
    bare = first_draw(bare_page(path, tmp / f"bare{n}-{limit}.html")) if draw is not None else None
    return {"view": f"{limit} of {n}" if limit != n else str(n), "nodes": len(view.graph),
            "relationships": view.graph.number_of_edges(), "reserve": len(list(view.reserved_nodes())),
            "build_view s": f"{built['seconds']:.2f}", "render_html s": f"{drawn['seconds']:.2f}",
            "file MB": f"{path.stat().st_size / 2**20:.2f}",
            "first draw ms": f"{draw:.0f}" if draw is not None else "-",
            "bare vis-network ms": f"{bare:.0f}" if bare is not None else "-"}


def bare_page(page: Path, path: Path) -> Path:
    """The same nodes, edges and positions drawn by vis-network alone: the baseline of the first draw."""
    from kg.viz.network import _vis_assets, script_json

    text = page.read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', text, re.S).group(1))
    nodes = [{k: n[k] for k in ("id", "label", "x", "y", "shape", "size", "group") if k in n}
             for n in data["nodes"] if not n.get("reserve")]
    edges = [{k: e[k] for k in ("id", "from", "to", "label", "arrows", "smooth") if k in e} for e in data["edges"]
             if not e.get("reserve")]
    options = {k: data["options"][k] for k in ("physics", "layout", "groups")}
    css, js = _vis_assets()
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{css} html,body,#n{{margin:0;"
                    f"height:100%}}</style></head><body><div id='n'></div><script>{js}</script><script>"
                    f"var d = {script_json({'nodes': nodes, 'edges': edges, 'options': options})};"
                    "var net = new vis.Network(document.getElementById('n'), {nodes: new vis.DataSet(d.nodes), "
                    "edges: new vis.DataSet(d.edges)}, d.options);"
                    "net.once('afterDrawing', function () { window.kgFirstDraw = performance.now(); });"
                    "</script></body></html>", encoding="utf-8")
    return path


def first_draw(path: Path, runs: int = 3) -> float | None:
    """Median ms from navigation start to the first drawing, in headless Chromium (None without it)."""
    chromium = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(chromium).exists():
        return None
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        for _ in range(runs):
            page = browser.new_context(offline=True, viewport={"width": 1280, "height": 800}).new_page()
            page.goto(path.resolve().as_uri())
            page.wait_for_function("window.kgFirstDraw !== undefined", timeout=60_000)
            times.append(page.evaluate("window.kgFirstDraw"))
            page.context.close()
        browser.close()
    return statistics.median(times)


def main(argv: list[str]) -> dict:
    sizes = [int(a) for a in argv] or [100, 300, 1000, 5000]
    print(f"kg viz build: synthetic graphs in a temporary embedded store; {machine()}")
    with tempfile.TemporaryDirectory(prefix="kg-viz-bench-") as tmp:
        rows = [measure(n, Path(tmp)) for n in sizes]
        if 5000 in sizes:
            rows.insert(-1, measure(5000, Path(tmp), limit=1000))
    print(table(rows))
    result = {"machine": machine(), "graph": "synthetic, in a temporary embedded store", "rows": rows}
    save("viz_build", result)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
