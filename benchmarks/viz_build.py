"""How long `kg viz` takes to build and write a view of 100, 1,000 and 5,000 nodes, and how big the page is.

The graph is synthetic and goes through the real path: for each size a scale-free graph (about 1.5
relationships per entity, each with one evidence sentence from one of 200 articles) is written into a
fresh temporary embedded store; then `build_view(store, limit=n)` reads it all back (the whole-graph
view, ranked by mentions and degree) and `render_html` lays it out and writes the page.

    python -m benchmarks.viz_build [SIZES...]      # default 100 1000 5000
"""
from __future__ import annotations

import random
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


def measure(n: int, tmp: Path) -> dict:
    with open_store(str(tmp / f"store{n}")) as store:
        fill(store, n)
        with timer() as built:
            view = build_view(store, limit=n)
    with timer() as drawn:
        path = render_html(view, tmp / f"view{n}.html")
    return {"nodes": len(view.graph), "relationships": view.graph.number_of_edges(),
            "build_view s": f"{built['seconds']:.2f}", "render_html s": f"{drawn['seconds']:.2f}",
            "file MB": f"{path.stat().st_size / 2**20:.2f}"}


def main(argv: list[str]) -> dict:
    sizes = [int(a) for a in argv] or [100, 1000, 5000]
    print(f"kg viz build: synthetic graphs in a temporary embedded store; {machine()}")
    with tempfile.TemporaryDirectory(prefix="kg-viz-bench-") as tmp:
        rows = [measure(n, Path(tmp)) for n in sizes]
    print(table(rows))
    result = {"machine": machine(), "graph": "synthetic, in a temporary embedded store", "rows": rows}
    save("viz_build", result)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
