"""kg viz: part of the graph as one self-contained HTML page that opens offline and runs nothing from
data, as a pyvis Network, or as a networkx graph to export.

    build_view(store, center=…, depth=…, query=…, new=…, …) -> View   view.py: choose the subgraph
    network(view) -> pyvis.network.Network                             network.py: nodes, edges, kg's template
    render_html(view, path) -> Path                                    network.py: the page, offline
    layout(graph) -> positions                                         layout.py: seeded, numpy above 500 nodes
    graph(store, …) -> networkx.MultiDiGraph; export(graph, fmt, path) export.py: Gephi, Cytoscape, JSON, CSV
    build_report(store, since=…) -> Report; write_report(…)            report.py, report_page.py: what is new
    PALETTE, grass()                                                   palette.py: colours, cypher/style.grass
"""
from kg.viz.layout import layout
from kg.viz.network import network, render_html, script_json, use_kg_template
from kg.viz.palette import PALETTE, Look, grass
from kg.viz.view import NoSuchEntity, View, build_view, close_matches

__all__ = ["build_view", "render_html", "network", "use_kg_template", "View", "NoSuchEntity", "PALETTE",
           "Look", "grass", "layout", "script_json", "close_matches"]
