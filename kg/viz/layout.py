"""Where a view's nodes go: a seeded layout computed in Python, the same for the same view."""
from __future__ import annotations

import math
import networkx as nx


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
