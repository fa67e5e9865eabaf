"""The engine-neutral parts of a graph store: values a query returns, write counters, and the
GraphStore interface each engine implements (kg.store.falkor_store, kg.store.neo4j_store)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields
import math
from pathlib import Path
from typing import Any

from kg.errors import StoreError

READ_ONLY_REFUSAL = ("a read-only query refused a statement that writes "
                     "(allow writes with kg query --write, or write=True in Python)")


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
class GraphPath:
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
    read_timeout: float = 60.0
    # Does a failed execute() leave the statements before the failing one applied?  (FalkorDB:
    # redis MULTI has no rollback.)  The loader then withdraws what the batch may have written.
    partial_on_failure: bool = False
    # Can an index answer `x IN n.list`?  (FalkorDB: yes; Neo4j: no, a label scan does.)
    indexes_lists: bool = False

    @abstractmethod
    def run(self, query: str, params: dict | None = None, *, write: bool = False,
            timeout: float | None = None) -> list[dict[str, Any]]:
        """Run one statement; rows are dicts of plain values, Node, Rel and GraphPath.

        With write=False the engine refuses statements that write, and the server stops the
        read after `timeout` seconds (default: the store's read_timeout), raising QueryTimeout."""

    @abstractmethod
    def execute(self, statements: list[tuple[str, dict]]) -> Counters:
        """Run statements in order as one atomic unit: all land or none do."""

    @abstractmethod
    def lock(self) -> AbstractContextManager:
        """Exclusive writer lock for a whole load; raises StoreBusy if it cannot be had."""

    @abstractmethod
    def schema_statements(self) -> list[str]:
        """Constraint and index statements in this engine's dialect (idempotent)."""

    @abstractmethod
    def nodes_by_id(self, ids: list[str]) -> list[Node]:
        """Nodes by the engine's own ids (Node.id): elementId in Neo4j, id() in FalkorDB."""

    def curation_file(self) -> Path:
        """Where a curator's decisions about this store live by default (kg.resolve.curation): a
        server's store has no directory of ours, so the working directory's kg-curation.tsv."""
        return Path("kg-curation.tsv").absolute()

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


def check_params(params: dict | None) -> dict | None:
    """Refuse, on every engine alike, what is not a value kg stores: integers beyond 64 bits,
    floats that are not finite, types other than JSON's, map keys that would need quoting.
    (FalkorDB's client would mangle the first and str() unknown types into the query.)"""
    if params is None:
        return None
    for name, value in params.items():
        _check_value(value, f"${name}")
    return params


def _check_value(value: Any, where: str) -> None:
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if not -2**63 <= value < 2**63:
            raise StoreError(f"parameter {where}: integer {value} does not fit in 64 bits")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise StoreError(f"parameter {where}: {value} is not a finite number")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_value(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key or "`" in key:
                raise StoreError(f"parameter {where}: map key {key!r} must be a non-empty string without `")
            _check_value(item, f"{where}.{key}")
    else:
        raise StoreError(f"parameter {where}: unsupported type {type(value).__name__}")
