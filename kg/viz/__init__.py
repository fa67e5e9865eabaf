"""kg viz: part of the graph as one self-contained HTML page that opens offline and runs nothing from data.

    build_view(store, center=…, depth=…, query=…, …) -> View    view.py: choose and filter the subgraph
    render_html(view, path) -> Path                             page.py: lay it out, write the page
    PALETTE, grass()                                            palette.py: colours, cypher/style.grass
"""
from kg.viz.page import layout, page_data, render_html, script_json
from kg.viz.palette import PALETTE, Look, grass
from kg.viz.view import NoSuchEntity, View, build_view, close_matches

__all__ = ["build_view", "render_html", "View", "NoSuchEntity", "PALETTE", "Look", "grass", "layout",
           "page_data", "script_json", "close_matches"]
