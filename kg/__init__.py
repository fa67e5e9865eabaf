"""kg: a knowledge-graph builder and explorer for Chinese biomedical industry news.

    sources -> clean -> extract (a pipeline of components) -> resolve -> store -> query / viz

The library's doors (kg.api, imported on first use so `import kg` stays cheap):

    kg.extract(paths, on_error=None, workers=1)        -> iterator of Extraction
    kg.load(paths, store, on_error=None, batch_size=200, workers=1) -> LoadReport
    kg.open_store(uri=None)                             -> GraphStore (embedded .kg/ or Neo4j)
    kg.graph(store=None, center=None, …)                -> networkx.MultiDiGraph of a view or the whole store
"""
__version__ = "0.1.0"
__all__ = ["extract", "load", "open_store", "graph"]


def __getattr__(name: str):
    if name in ("extract", "load"):
        from kg import api
        return getattr(api, name)
    if name == "graph":
        from kg.viz.export import graph
        return graph
    if name == "open_store":
        from kg.store import open_store
        return open_store
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
