"""One store interface, two engines.

`GraphStore` is what the loader, the query library and the views talk to.  An
engine adapter (neo4j_store, falkor_store) implements only the primitives:
run one statement, run several atomically, hold the writer lock, and the few
dialect differences.  Loading, retracting and exporting subgraphs are shared
code built on those primitives, so both engines behave the same.
"""
from __future__ import annotations

import os
from pathlib import Path

from kg.errors import StoreError
from kg.store.base import Counters, GraphPath, GraphStore, Node, Rel

__all__ = ["Counters", "GraphPath", "GraphStore", "Node", "Rel", "open_store", "resolve_store_uri",
           "lock_timeout", "DEFAULT_STORE", "NEO4J_SCHEMES"]

DEFAULT_STORE = ".kg"
NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def resolve_store_uri(uri: str | None = None) -> str:
    """--store, else KG_STORE, else `.kg` in the working directory."""
    return uri or os.environ.get("KG_STORE") or DEFAULT_STORE


def lock_timeout() -> float:
    """Seconds a load waits for another load's write lock: KG_LOCK_TIMEOUT, default 30."""
    return _seconds("KG_LOCK_TIMEOUT", 30.0)


def read_timeout() -> float:
    """Seconds a read may run before the server stops it: KG_QUERY_TIMEOUT, default 60."""
    return _seconds("KG_QUERY_TIMEOUT", 60.0)


def _seconds(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    try:
        return max(float(value), 0.0) if value else default
    except ValueError:
        raise StoreError(f"{name}={value!r} is not a number of seconds") from None


def repair_store(uri: str | None = None) -> list[str]:
    """Make a damaged embedded store usable with what it still holds; returns what was done."""
    uri = resolve_store_uri(uri)
    if uri.startswith(NEO4J_SCHEMES):
        raise StoreError(f"{uri}: kg repair is for the embedded store; Neo4j recovers its own files "
                         "(neo4j-admin database check)")
    from kg.store.falkor_store import FalkorStore
    return FalkorStore.repair(Path(uri))


def open_store(uri: str | None = None, create: bool = True) -> GraphStore:
    """Open the store named by `uri` (a Neo4j URI or a directory for the embedded engine).
    `create=False` refuses a directory that holds no embedded store instead of making one."""
    uri = resolve_store_uri(uri)
    if uri.startswith(NEO4J_SCHEMES):
        from kg.store.neo4j_store import Neo4jStore
        return Neo4jStore(uri, user=os.environ.get("NEO4J_USER", "neo4j"),
                          password=os.environ.get("NEO4J_PASSWORD"), lock_timeout=lock_timeout(),
                          read_timeout=read_timeout())
    from kg.store.falkor_store import FalkorStore
    return FalkorStore(Path(uri), lock_timeout=lock_timeout(), read_timeout=read_timeout(), create=create)
