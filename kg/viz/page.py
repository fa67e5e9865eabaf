"""Drawing a View: a seeded layout computed in Python, and one self-contained UTF-8 HTML page.

The page is kg's own template (template.html), not pyvis's: pyvis 0.3.2's template links bootstrap from a
CDN in every `cdn_resources` mode, `local` writes a lib/ folder into the working directory, and its filter
menus load tom-select from a CDN.  Only pyvis's bundled copy of vis-network 9.1.2 is used, inlined.
Data reaches the page as JSON in a non-executed script element with `<`, `>`, `&`, U+2028 and U+2029
escaped, and the page's script shows it through textContent only.  A Content-Security-Policy allows
the page's own two scripts (by hash) and nothing else: no fetch, no image, no inline handler.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections import Counter
from dataclasses import asdict
from functools import cache
from importlib.resources import files
from pathlib import Path

import networkx as nx

from kg.errors import KgError
from kg.model import SYMMETRIC
from kg.viz.palette import OTHER, PALETTE
from kg.viz.view import View

UNDIRECTED = frozenset(str(t) for t in SYMMETRIC)
LAYOUT_SEED = 20251011


def layout(graph: nx.Graph, seed: int = LAYOUT_SEED) -> dict[str, tuple[float, float]]:
    """Pixel positions, the same for the same view: networkx's spring layout below 500 nodes; from 500
    the same Fruchterman-Reingold forces computed blockwise with numpy (networkx needs scipy there and
    loops over nodes in Python: 53 s for 5,000 nodes on 2 cores, against 5-10 s here).  networkx's
    layouts need numpy, which networkx itself does not require."""
    simple = nx.Graph()
    simple.add_nodes_from(graph)
    simple.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    n = len(simple)
    if n <= 1:
        return {v: (0.0, 0.0) for v in simple}
    if n < 500:
        pos = nx.spring_layout(simple, seed=seed, iterations=100 if n <= 100 else 50)
    else:
        pos = _force_layout(simple, seed)
    half = 80 * math.sqrt(n) + 100
    return {v: (round(float(x) * half, 1), round(float(y) * half, 1)) for v, (x, y) in pos.items()}


def _force_layout(graph: nx.Graph, seed: int, iterations: int = 50, block: int = 1024) -> dict:
    """Fruchterman-Reingold as in networkx's dense spring_layout, repulsion in row blocks through
    matrix products (|a-b|² = |a|² + |b|² - 2a·b), so memory stays O(n·block)."""
    import numpy as np

    nodes = list(graph)
    n, index = len(nodes), {v: i for i, v in enumerate(nodes)}
    pos = np.random.RandomState(seed).rand(n, 2)
    ends = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=int).reshape(-1, 2)
    k2 = 1.0 / n
    k, t = math.sqrt(k2), 0.1
    disp = np.empty((n, 2))
    for _ in range(iterations):
        sq = (pos ** 2).sum(1)
        for s in range(0, n, block):
            p = pos[s:s + block]
            w = sq[s:s + block, None] + sq[None, :] - 2.0 * (p @ pos.T)
            np.maximum(w, 1e-4, out=w)
            np.divide(k2, w, out=w)                     # repulsion k²/d along (a-b)/d
            disp[s:s + block] = p * w.sum(1)[:, None] - w @ pos
        delta = pos[ends[:, 0]] - pos[ends[:, 1]]
        pull = delta * (np.sqrt((delta ** 2).sum(1)) / k)[:, None]   # attraction d²/k along edges
        np.subtract.at(disp, ends[:, 0], pull)
        np.add.at(disp, ends[:, 1], pull)
        length = np.maximum(np.sqrt((disp ** 2).sum(1)), 0.01)
        pos += disp * (t / length)[:, None]
        t -= 0.1 / (iterations + 1)
    return dict(zip(nodes, nx.rescale_layout(pos, scale=1.0)))


def render_html(view: View, path, *, title: str | None = None) -> Path:
    """Write `view` as one self-contained UTF-8 HTML page at `path` (parents created); returns the path."""
    title = title or view.title
    css, js = _vis_assets()
    template = _template()
    scripts = [js if s == "@@KG_VIS_JS@@" else s for s in re.findall(r"<script>(.*?)</script>", template, re.S)]
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                      for s in scripts)
    csp = (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
           "font-src data:; base-uri 'none'; form-action 'none'")
    page = _fill(template, {"CSP": csp, "TITLE": html.escape(title), "VIS_CSS": css, "VIS_JS": js,
                            "DATA": script_json(page_data(view, layout(view.graph), title))})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def page_data(view: View, pos: dict, title: str) -> dict:
    """Everything the page shows, as plain JSON values."""
    g = view.graph
    counts = Counter(d["type"] for _, d in g.nodes(data=True))
    legend = [{"type": t, "count": counts[t], **asdict(PALETTE.get(t, OTHER))}
              for t in list(PALETTE) + sorted(set(counts) - set(PALETTE)) if counts[t]]
    nodes = [dict(d, id=v, x=pos[v][0], y=pos[v][1], label=_short(d["name"]),
                  size=round(min(40.0, 8 + 5 * math.log2(1 + d["mentions"])), 1)) for v, d in g.nodes(data=True)]
    pairs = Counter(frozenset((u, v)) for u, v in g.edges())
    seen: Counter = Counter()
    edges = []
    for u, v, key, d in g.edges(keys=True, data=True):
        pair = frozenset((u, v))
        seen[pair] += 1
        curve = 0.0 if pairs[pair] == 1 else round(0.15 * seen[pair], 2)
        edges.append(dict(d, id=key, **{"from": u, "to": v}, arrow=d["type"] not in UNDIRECTED, curve=curve,
                          fromName=g.nodes[u]["name"], toName=g.nodes[v]["name"]))
    return {"title": title, "notes": view.notes, "legend": legend, "nodes": nodes, "edges": edges}


def script_json(value) -> str:
    """JSON safe inside <script>: no `<`, `>` or `&` (so no `</script>`), no raw U+2028/9."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def _short(name: str, width: int = 16) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


def _fill(template: str, parts: dict[str, str]) -> str:
    """One pass over the template only, so nothing inserted is read as a marker."""
    return re.sub(r"@@KG_([A-Z_]+)@@", lambda m: parts.get(m.group(1), m.group(0)), template)


@cache
def _template() -> str:
    return files("kg.viz").joinpath("template.html").read_text(encoding="utf-8")


@cache
def _vis_assets() -> tuple[str, str]:
    """vis-network's CSS and JS as bundled with pyvis, checked to be inlinable."""
    lib = files("pyvis").joinpath("templates", "lib", "vis-9.1.2")
    css = lib.joinpath("vis-network.css").read_text(encoding="utf-8")
    js = lib.joinpath("vis-network.min.js").read_text(encoding="utf-8")
    if "</style" in css.lower() or "</script" in js.lower() or "<!--" in js:
        raise KgError("pyvis's vis-network files cannot be inlined safely")
    return css, js
