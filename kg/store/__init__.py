"""One store interface, two engines.

`GraphStore` is what the loader, the query library and the views talk to.  An
engine adapter (neo4j_store, falkor_store) implements only the primitives:
run one statement, run several atomically, hold the writer lock, and the few
dialect differences.  Loading, retracting and exporting subgraphs are shared
code built on those primitives, so both engines behave the same.
"""
from __future__ import annotations

import os
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields
from pathlib import Path as FsPath
from typing import Any

from kg.errors import StoreError

DEFAULT_STORE = ".kg"
NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


@dataclass(frozen=True)
class Node:
    """A node returned by a query, engine-neutral."""
    id: str
    labels: tuple[str, ...]
    props: dict = field(hash=False, compare=False)


@dataclass(frozen=True)
class Rel:
    """A relationship returned by a query, engine-neutral (start/end are Node ids)."""
    id: str
    type: str
    start: str
    end: str
    props: dict = field(hash=False, compare=False)


@dataclass(frozen=True)
class Path:
    nodes: tuple[Node, ...]
    rels: tuple[Rel, ...]


@dataclass
class Counters:
    """What a write changed, summed over statements."""
    nodes_created: int = 0
    nodes_deleted: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0

    def __iadd__(self, other: "Counters") -> "Counters":
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


class GraphStore(ABC):
    """Engine primitives; everything else is shared (see kg.store.load)."""

    uri: str
    kind: str            # "embedded" or "neo4j"

    @abstractmethod
    def run(self, query: str, params: dict | None = None, *, write: bool = False) -> list[dict[str, Any]]:
        """Run one statement; rows are dicts of plain values, Node, Rel and Path.

        With write=False the engine refuses statements that write."""

    @abstractmethod
    def execute(self, statements: list[tuple[str, dict]]) -> Counters:
        """Run statements in order as one atomic unit: all land or none do."""

    @abstractmethod
    def lock(self) -> AbstractContextManager:
        """Exclusive writer lock for a whole load; raises StoreBusy if it cannot be had."""

    @abstractmethod
    def schema_statements(self) -> list[str]:
        """Constraint and index statements in this engine's dialect (idempotent)."""

    def renew(self) -> None:
        """Keep the writer lock alive during a long load (Neo4j leases expire)."""

    def ensure_schema(self) -> None:
        """Create constraints and indexes if missing (idempotent)."""
        for statement in self.schema_statements():
            self.run(statement, write=True)

    def close(self) -> None:
        pass

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def describe(self) -> str:
        return f"{self.kind} store at {self.uri}"


def resolve_store_uri(uri: str | None = None) -> str:
    """--store, else KG_STORE, else `.kg` in the working directory."""
    return uri or os.environ.get("KG_STORE") or DEFAULT_STORE


def lock_timeout() -> float:
    """Seconds a load waits for another load's write lock: KG_LOCK_TIMEOUT, default 30."""
    value = os.environ.get("KG_LOCK_TIMEOUT", "")
    try:
        return max(float(value), 0.0) if value else 30.0
    except ValueError:
        raise StoreError(f"KG_LOCK_TIMEOUT={value!r} is not a number of seconds") from None


def open_store(uri: str | None = None) -> GraphStore:
    """Open the store named by `uri` (a Neo4j URI or a directory for the embedded engine)."""
    uri = resolve_store_uri(uri)
    if uri.startswith(NEO4J_SCHEMES):
        from kg.store.neo4j_store import Neo4jStore
        return Neo4jStore(uri, user=os.environ.get("NEO4J_USER", "neo4j"),
                          password=os.environ.get("NEO4J_PASSWORD"), lock_timeout=lock_timeout())
    from kg.store.falkor_store import FalkorStore
    return FalkorStore(FsPath(uri), lock_timeout=lock_timeout())
