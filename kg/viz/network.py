"""A view as a pyvis Network, rendered through kg's own offline template.

`network(view)` returns a real `pyvis.network.Network`: one node per entity (label, group = its
type, title, size, position, and kg's attributes: name, aliases, articles, …), one edge per fact
(label = its type, title, arrows, and its evidence), the palette as vis-network `groups`, and
vis-network options.  The nodes and edges one hop further out (`view.reserve`) are there too,
`hidden` and marked `reserve`: the page reveals them on a double-click.

Its template is kg's (template.html, with page.css, page.js and filters.js beside it), set through
pyvis's template environment, so `net.generate_html()`, `net.write_html(path)` and, in a notebook,
`net.show("view.html")` all give the page `kg viz` writes.  pyvis 0.3.2's own template links
bootstrap from a CDN in every `cdn_resources` mode, `local` writes a lib/ folder into the working
directory, and its filter menus load tom-select from a CDN: none of that is used.  Only pyvis's
bundled copy of vis-network 9.1.2 is, inlined.

Data reaches the page as JSON in a non-executed script element, built at render time from the
network's nodes and edges (so changes made to `net` show), with `<`, `>`, `&`, U+2028 and U+2029
escaped; the page's scripts show it through textContent only.  A Content-Security-Policy allows the
page's own scripts (by hash) and nothing else: no fetch, no image, no inline handler.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
from dataclasses import asdict
from functools import cache
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from pyvis.edge import Edge
from pyvis.network import Network
from pyvis.node import Node

from kg.errors import KgError
from kg.model import SYMMETRIC
from kg.viz.layout import layout
from kg.viz.palette import OTHER, PALETTE
from kg.viz.view import View

UNDIRECTED = frozenset(str(t) for t in SYMMETRIC)
SCRIPTS = ("page.js", "filters.js")
NEW_COLOR = "#CF222E"


def network(view: View, *, title: str | None = None, positions: dict | None = None) -> Network:
    """`view` as a pyvis Network whose template is kg's offline page.  `positions` (node id -> (x, y))
    default to kg.viz.layout.layout(view.graph)."""
    if positions is None:
        positions = layout(view.graph)
    net = Network(height="100vh", width="100%", directed=True, heading=title or view.title,
                  cdn_resources="in_line")
    net.options = vis_options(view)
    for v, d in view.graph.nodes(data=True):
        _add_node(net, v, d, positions.get(v), False)
    for v, d in view.reserved_nodes():
        _add_node(net, v, d, None, True)
    for g, reserve in ((view.graph, False), (view.reserve, True)):
        pairs: dict = {}
        for u, v, key, d in g.edges(keys=True, data=True):
            pairs.setdefault(frozenset((u, v)), []).append(key)
        for u, v, key, d in g.edges(keys=True, data=True):
            same = pairs[frozenset((u, v))]
            curve = 0.0 if len(same) == 1 else round(0.15 * (same.index(key) + 1), 2)
            _add_edge(net, u, v, key, d, curve, reserve, net.node_map)
    use_kg_template(net, notes=view.notes, articles=view.articles)
    return net


def render_html(view: View, path, *, title: str | None = None) -> Path:
    """Write `view` as one self-contained UTF-8 HTML page at `path` (parents created); returns the path.
    The page is network(view).generate_html(): what a notebook gets from the same Network."""
    page = network(view, title=title).generate_html()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def use_kg_template(net: Network, *, notes=(), articles=None) -> Network:
    """Render `net` through kg's template from now on (generate_html, write_html, show)."""
    env = Environment(loader=FileSystemLoader(str(files("kg.viz"))), autoescape=False)
    env.globals["kg"] = Page(list(notes), dict(articles or {}))
    net.templateEnv, net.template_dir, net.path = env, str(files("kg.viz")), "template.html"
    net.template = env.get_template("template.html")          # what notebook mode renders
    net.cdn_resources = "in_line"                              # write_html copies no lib/ folder
    return net


def vis_options(view: View) -> dict:
    big = view.graph.number_of_nodes() > 500
    types = sorted({d["type"] for _, d in [*view.graph.nodes(data=True), *view.reserved_nodes()]})
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": big, "hideEdgesOnZoom": big},
        "nodes": {"font": {"size": 13, "color": "#1f2328", "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {"width": 1, "selectionWidth": 2,
                  "color": {"color": "#9aa1ac", "highlight": "#1f2328", "hover": "#57606a"},
                  "font": {"size": 10, "color": "#57606a", "strokeWidth": 3, "strokeColor": "#ffffff",
                           "align": "middle"}},
        "groups": {t: _group(t) for t in types},
    }


def _group(label: str) -> dict:
    look = PALETTE.get(label, OTHER)
    return {"shape": look.shape, "color": {"background": look.color, "border": look.border,
                                           "highlight": {"background": look.color, "border": "#1f2328"},
                                           "hover": {"background": look.color, "border": "#1f2328"}}}


def _add_node(net: Network, v: str, d: dict, pos, reserve: bool) -> None:
    """Like net.add_node (same Node record, same bookkeeping), without its O(n) duplicate check."""
    look = PALETTE.get(d["type"], OTHER)
    size = round(min(40.0, 8 + 5 * math.log2(1 + d["mentions"])), 1)
    opts = dict(d, group=d["type"], title=_node_title(d), size=size,
                borderWidth=4 if d.get("center") else 3 if d.get("new") else 1.5)
    if d.get("new"):
        opts["color"] = {"background": look.color, "border": NEW_COLOR,
                         "highlight": {"background": look.color, "border": "#1f2328"}}
    if pos is not None:
        opts["x"], opts["y"] = pos
    if reserve:
        opts["hidden"], opts["reserve"] = True, True
    node = Node(v, look.shape, label=_short(d["name"]), **opts).options
    net.nodes.append(node)
    net.node_ids.append(v)
    net.node_map[v] = node


def _add_edge(net: Network, u, v, key, d: dict, curve: float, reserve: bool, ends: dict) -> None:
    """Like net.add_edge for a directed network, without its O(n) checks that both ends exist."""
    opts = dict(d, id=key, label=d["type"], arrows={"to": {"enabled": d["type"] not in UNDIRECTED,
                                                              "scaleFactor": 0.5}},
                smooth={"enabled": True, "type": "curvedCW", "roundness": curve} if curve else False,
                title=f"{ends[u]['name']} —{d['type']}→ {ends[v]['name']}")
    if d.get("new"):
        opts["color"], opts["width"] = {"color": NEW_COLOR, "highlight": NEW_COLOR, "hover": NEW_COLOR}, 2
    if reserve:
        opts["hidden"], opts["reserve"] = True, True
    net.edges.append(Edge(u, v, True, **opts).options)


def _node_title(d: dict) -> str:
    """The plain-text tooltip pyvis's own template would show (kg's page builds a richer one)."""
    seen = " – ".join(x for x in (d.get("first_seen"), d.get("last_seen")) if x)
    return " · ".join(x for x in (d["name"], d["type"], f"{d['mentions']} mentions", seen) if x)


def _short(name: str, width: int = 16) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


class Page:
    """What kg's template reads besides pyvis's own render arguments: the inlined assets, the CSP,
    and data(…) that turns the network's nodes and edges into the page's JSON."""

    def __init__(self, notes: list[str], articles: dict[str, dict]):
        self.notes, self.articles = notes, articles
        self.vis_css, self.vis_js = _vis_assets()
        self.page_css = _asset("page.css")
        self.scripts = [_asset(name) for name in SCRIPTS]
        hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                          for s in [self.vis_js, *self.scripts])
        self.csp = (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
                    "font-src data:; base-uri 'none'; form-action 'none'")

    def data(self, nodes: list[dict], edges: list[dict], heading: str, options) -> str:
        options = json.loads(options) if isinstance(options, str) else options
        articles = dict(self.articles)
        out_edges = []
        for i, e in enumerate(edges):
            items = []
            for ev in e.get("evidence") or ():
                if ev.get("article") is not None and ev["article"] not in articles:
                    articles[ev["article"]] = {k: ev.get(k) for k in ("title", "date", "url")}
                items.append({k: v for k, v in ev.items() if v and k not in ("title", "date", "url")})
            out_edges.append(dict(e, id=e.get("id", f"edge-{i}"), evidence=items))
        present = {n.get("type") or n.get("group") or "" for n in nodes}
        order = [t for t in PALETTE if t in present] + sorted(present - set(PALETTE))
        legend = [{"type": t, **asdict(PALETTE.get(t, OTHER))} for t in order]
        return script_json({"title": heading, "notes": self.notes, "legend": legend, "options": options,
                            "articles": articles, "nodes": nodes, "edges": out_edges})


def script_json(value) -> str:
    """JSON safe inside <script>: no `<`, `>` or `&` (so no `</script>`), no raw U+2028/9."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


@cache
def _asset(name: str) -> str:
    text = files("kg.viz").joinpath(name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise KgError(f"kg/viz/{name} cannot be inlined safely")
    return text


@cache
def _vis_assets() -> tuple[str, str]:
    """vis-network's CSS and JS as bundled with pyvis, checked to be inlinable."""
    lib = files("pyvis").joinpath("templates", "lib", "vis-9.1.2")
    css = lib.joinpath("vis-network.css").read_text(encoding="utf-8")
    js = lib.joinpath("vis-network.min.js").read_text(encoding="utf-8")
    if "</style" in css.lower() or "</script" in js.lower() or "<!--" in js:
        raise KgError("pyvis's vis-network files cannot be inlined safely")
    return css, js
