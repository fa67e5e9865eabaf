"""A view, or the whole store, as a networkx MultiDiGraph, and the files Gephi, Cytoscape and scripts open.

`graph(store, …)` takes kg viz's view options (center, depth, query, new, types, rels, since, until,
min_mentions, limit).  Without center, query or new it is the whole store (every entity and fact the
filters keep), with no limit unless one is given; with them, the view kg viz draws (limit 300).
Nodes are keyed by what identifies them in any store (an entity's key, `Organization:联影医疗`; an
article's id), edges by their relation type (one fact per type between two nodes).  Attributes are
plain Python values: lists stay lists (aliases, an edge's articles and evidence items).

`export(g, fmt, path)` writes one of FORMATS:
    graphml, gexf   for Gephi, Cytoscape, yEd: every attribute typed (string, integer, double, boolean,
                    declared in the file's keys); a list of plain strings is joined with " | ", a list
                    of records (an edge's evidence) is JSON text.  In GEXF an edge's relation type is
                    `relation` (and its label): GEXF's own edge `type` says directed or not
    json            networkx node-link JSON, lists and records as they are
    csv             a directory with nodes.csv and edges.csv (source, target, type, …), values as in graphml
Another format is one more entry in FORMATS.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import networkx as nx

from kg.errors import KgError
from kg.store import GraphStore, open_store
from kg.viz.view import View, build_view

JOIN = " | "
WHOLE = 10 ** 9                 # the limit of a whole-store graph: none
VIEW_OPTIONS = ("center", "depth", "query", "params", "new", "types", "rels", "since", "until", "min_mentions",
                "limit")


def graph(store: GraphStore | str | None = None, **view_options) -> nx.MultiDiGraph:
    """The graph of a view (kg viz's options) or, with none, of the whole store.  `store` is an open
    store, or a store URI (default: KG_STORE, else .kg), opened and closed here."""
    unknown = sorted(set(view_options) - set(VIEW_OPTIONS))
    if unknown:
        raise TypeError(f"graph() got unexpected options {', '.join(unknown)}; one of {', '.join(VIEW_OPTIONS)}")
    if not isinstance(store, GraphStore):
        with open_store(store, create=False) as opened:
            return graph(opened, **view_options)
    if view_options.get("limit") is None:
        chosen = any(view_options.get(k) for k in ("center", "query", "new"))
        view_options["limit"] = 300 if chosen else WHOLE
    return view_graph(build_view(store, **view_options))


def view_graph(view: View) -> nx.MultiDiGraph:
    """A View's nodes and facts, keyed by stable keys, with the view's title as the graph's name."""
    g = view.graph
    ident = {v: d.get("key") or v for v, d in g.nodes(data=True)}
    out = nx.MultiDiGraph(name=view.title)
    for v, d in g.nodes(data=True):
        attrs = {k: d[k] for k in ("type", "name", "aliases", "mentions", "first_seen", "last_seen", "date", "url",
                                   "center", "new", "degree") if k in d}
        attrs.update(label=d["name"], article_count=int(d.get("article_count") or 0),
                     latest_articles=list(d.get("articles") or ()))
        out.add_node(ident[v], **attrs)
    for u, v, d in g.edges(data=True):
        evidence = [{k: ev.get(k) or "" for k in ("article", "title", "date", "url", "sentence", "fact_date",
                                                   "role", "amount")} for ev in d.get("evidence") or ()]
        out.add_edge(ident[u], ident[v], key=d["type"], type=d["type"], label=d["type"],
                     role=d.get("role") or "", date=d.get("date") or "", amount=d.get("amount") or "",
                     new=bool(d.get("new")), articles=[ev["article"] for ev in evidence], evidence=evidence)
    return out


def flat(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The same graph with every attribute a string, int, float or bool (what GraphML, GEXF and CSV
    hold): lists of plain strings joined with JOIN, other lists and records as JSON text, None left out."""
    out = nx.MultiDiGraph(name=g.graph.get("name", ""))
    for v, d in g.nodes(data=True):
        out.add_node(v, **_flat(d))
    for u, v, k, d in g.edges(keys=True, data=True):
        out.add_edge(u, v, key=k, **_flat(d))
    return out


def _flat(attrs: dict) -> dict:
    out = {}
    for k, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)) and all(isinstance(x, str) for x in value):
            value = JOIN.join(value)
        elif isinstance(value, (list, tuple, dict)):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        elif not isinstance(value, (str, int, float, bool)):
            value = str(value)
        out[k] = value
    return out


def write_graphml(g: nx.MultiDiGraph, path: Path) -> list[Path]:
    nx.write_graphml(flat(g), path, encoding="utf-8")
    return [path]


def write_gexf(g: nx.MultiDiGraph, path: Path) -> list[Path]:
    f = flat(g)
    for u, v, k, d in f.edges(keys=True, data=True):
        d["id"] = f"{u}|{k}|{v}"                   # GEXF edge ids are global: the fact's own identity
        d["relation"] = d.pop("type")              # an edge's `type` in GEXF is its direction
    nx.write_gexf(f, path, encoding="utf-8")
    return [path]


def write_json(g: nx.MultiDiGraph, path: Path) -> list[Path]:
    data = nx.node_link_data(g, edges="edges")
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return [path]


def write_csv(g: nx.MultiDiGraph, path: Path) -> list[Path]:
    """PATH is a directory: nodes.csv (id, then attributes) and edges.csv (source, target, then attributes)."""
    path.mkdir(parents=True, exist_ok=True)
    f = flat(g)
    nodes = [{"id": v, **d} for v, d in f.nodes(data=True)]
    edges = [{"source": u, "target": v, **d} for u, v, d in f.edges(data=True)]
    written = []
    for name, rows, first in (("nodes.csv", nodes, ["id"]), ("edges.csv", edges, ["source", "target", "type"])):
        columns = first + sorted({k for r in rows for k in r} - set(first))
        with open(path / name, "w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        written.append(path / name)
    return written


FORMATS: dict[str, Callable[[nx.MultiDiGraph, Path], list[Path]]] = {
    "graphml": write_graphml, "gexf": write_gexf, "json": write_json, "csv": write_csv}


def export(g: nx.MultiDiGraph, fmt: str, path) -> list[Path]:
    """Write `g` as `fmt` (one of FORMATS) at `path` (parents created); returns the files written."""
    if fmt not in FORMATS:
        raise KgError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")
    path = Path(path)
    if fmt != "csv":
        if path.is_dir():
            raise KgError(f"{path}: is a directory; give a file name")
        path.parent.mkdir(parents=True, exist_ok=True)
    return FORMATS[fmt](g, path)
