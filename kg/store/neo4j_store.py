"""Neo4j through the official driver: connection, the primitives, the writer lease."""
from __future__ import annotations

import contextlib
import importlib.resources
import os
import socket
import time
import uuid
from importlib.resources.abc import Traversable
from pathlib import Path as FsPath
from typing import Any, Iterator

import neo4j
from neo4j.exceptions import AuthError, DriverError, Neo4jError, TransientError
from neo4j.graph import Node as NNode, Path as NPath, Relationship as NRel
from neo4j.spatial import Point
from neo4j.time import Date, DateTime, Duration, Time

from kg.errors import KgError, QueryError, QueryTimeout, StoreBusy, StoreError, WriteFailed
from kg.store.base import READ_ONLY_REFUSAL, Counters, GraphPath, GraphStore, Node, Rel, check_params

LEASE_MS = 10 * 60 * 1000       # the writer lease; renew() per batch keeps it
LOCK_ID = "load"
_COUNTERS = ("nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted",
             "properties_set")

# The lease is a node that stays (release only clears its holder: a deleted node could
# still be "taken" by a transaction that was waiting for its lock).  Setting `touched`
# takes the node's write lock before the WHERE reads the holder, so two takers serialise
# instead of both seeing it free.
_TAKE = """
MERGE (l:KgLock {id: $id})
SET l.touched = timestamp()
WITH l
WHERE l.holder IS NULL OR l.holder = $token OR l.expires < timestamp()
SET l.holder = $token, l.expires = timestamp() + $lease_ms, l.pid = $pid, l.host = $host
RETURN l.holder AS holder
"""
_HOLDER = """
MATCH (l:KgLock {id: $id}) WHERE l.holder IS NOT NULL
RETURN l.holder AS holder, l.host AS host, l.pid AS pid, (l.expires - timestamp()) / 1000 AS seconds_left
"""
# A holder that died on this host (kill -9, a crash) cannot renew: take its lease over at
# once instead of waiting up to LEASE_MS for it to expire.  Only that exact holder's.
_TAKE_OVER = """
MATCH (l:KgLock {id: $id}) WHERE l.holder = $stale
SET l.holder = $token, l.expires = timestamp() + $lease_ms, l.pid = $pid, l.host = $host
RETURN l.holder AS holder
"""
_RENEW = """
MATCH (l:KgLock {id: $id}) WHERE l.holder = $token
SET l.expires = timestamp() + $lease_ms
RETURN count(l) AS renewed
"""
_RELEASE = "MATCH (l:KgLock {id: $id}) WHERE l.holder = $token REMOVE l.holder, l.expires, l.pid, l.host"
_LOCK_CONSTRAINT = "CREATE CONSTRAINT kg_lock_id IF NOT EXISTS FOR (l:KgLock) REQUIRE l.id IS UNIQUE"


def cypher_dir() -> Traversable:
    """The query library: package data `kg.cypher` once installed, else the repo's cypher/."""
    try:
        return importlib.resources.files("kg.cypher")
    except ModuleNotFoundError:
        return FsPath(__file__).resolve().parents[2] / "cypher"


def split_statements(text: str) -> list[str]:
    """Statements end with `;` at a line end; `//` comment lines are skipped."""
    statements, current = [], []
    for line in text.splitlines():
        if line.strip().startswith("//"):
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current).strip().rstrip(";").strip())
            current = []
    statements.append("\n".join(current).strip())
    return [s for s in statements if s]


class Neo4jStore(GraphStore):
    kind = "neo4j"

    def __init__(self, uri: str, user: str = "neo4j", password: str | None = None,
                 database: str | None = None, lock_timeout: float = 30.0, read_timeout: float = 60.0):
        self.uri, self.user, self.database, self.lock_timeout = uri, user, database, lock_timeout
        self.read_timeout = read_timeout
        self._token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._lock_constraint_made = False
        auth = (user, password) if password is not None else None
        try:
            # short timeouts: an unreachable server must fail in seconds, not retry for a minute
            self._driver = neo4j.GraphDatabase.driver(
                uri, auth=auth, connection_timeout=5, connection_acquisition_timeout=8,
                notifications_min_severity="OFF")
            self._driver.verify_connectivity()
        except AuthError:
            self._close_driver()
            raise StoreError(f"Neo4j at {uri} refused user {user!r}: wrong credentials") from None
        except (DriverError, Neo4jError, OSError, ValueError) as e:
            self._close_driver()
            raise StoreError(f"cannot reach Neo4j at {uri}: {one_line(e)}") from None

    # -- the GraphStore primitives ------------------------------------------------------

    def run(self, query: str, params: dict | None = None, *, write: bool = False,
            timeout: float | None = None) -> list[dict[str, Any]]:
        """A READ session makes the server itself refuse writes, and reads carry a server-side
        transaction timeout.  Writes run auto-commit, which also allows schema commands and
        CALL {…} IN TRANSACTIONS."""
        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        limit = None if write else (timeout or self.read_timeout)
        check_params(params)
        try:
            with self._session(mode) as session:
                result = session.run(neo4j.Query(query, timeout=limit), params or {})
                return [{key: plain(value) for key, value in record.items()} for record in result]
        except (Neo4jError, DriverError) as e:
            raise self._failed(e, query, write, limit) from None
        except (TypeError, ValueError, OverflowError) as e:      # the driver cannot send a parameter
            raise StoreError(f"Neo4j at {self.uri}: bad parameter: {e}") from None

    def execute(self, statements: list[tuple[str, dict]]) -> Counters:
        """One explicit write transaction: commit at the end, roll back on any error."""
        counters = Counters()
        query = ""
        try:
            for _, params in statements:
                check_params(params)
        except StoreError as e:
            raise WriteFailed(f"Neo4j at {self.uri}: {e}") from None
        try:
            with self._session(neo4j.WRITE_ACCESS) as session, session.begin_transaction() as tx:
                for query, params in statements:
                    counters += to_counters(tx.run(query, params or {}).consume().counters)
                tx.commit()
        except (Neo4jError, DriverError) as e:
            error = self._failed(e, query, True)
            if isinstance(e, Neo4jError) and (e.code or "").startswith("Neo.ClientError.Statement"):
                raise WriteFailed(str(error)) from None       # the data, not the server: rolled back
            raise error from None
        except (TypeError, ValueError, OverflowError) as e:
            raise WriteFailed(f"Neo4j at {self.uri}: bad parameter: {e}") from None
        return counters

    @contextlib.contextmanager
    def lock(self) -> Iterator["Neo4jStore"]:
        """A lease node (:KgLock {id: 'load'}) with holder and expiry (server clock).  A holder
        that crashed loses it when the lease runs out; renew() per batch keeps it alive."""
        self._make_lock_constraint()
        deadline = time.monotonic() + self.lock_timeout
        while not (self._take_lease() or self._take_over_dead_holder()):
            if time.monotonic() > deadline:
                raise StoreBusy(f"Neo4j at {self.uri}: store is busy: {self._lease_holder()} holds its "
                                f"write lock (waited {self.lock_timeout:g} s)")
            time.sleep(0.2)
        try:
            yield self
        finally:
            with contextlib.suppress(StoreError):      # unreachable now: the lease just expires
                self.run(_RELEASE, {"id": LOCK_ID, "token": self._token}, write=True)

    def nodes_by_id(self, ids: list[str]) -> list[Node]:
        rows = self.run("MATCH (n) WHERE elementId(n) IN $ids RETURN n", {"ids": sorted(ids)})
        return [r["n"] for r in rows]

    def renew(self) -> None:
        """Push the lease's expiry 10 minutes ahead; fails if another process took it over."""
        rows = self.run(_RENEW, {"id": LOCK_ID, "token": self._token, "lease_ms": LEASE_MS}, write=True)
        if rows[0]["renewed"] != 1:
            raise StoreBusy(f"Neo4j at {self.uri}: lost the write lock (the lease expired and "
                            f"{self._lease_holder()} took it)")

    def schema_statements(self) -> list[str]:
        text = cypher_dir().joinpath("schema.cypher").read_text(encoding="utf-8")
        return split_statements(text)

    def ensure_schema(self) -> None:
        """Constraints and indexes (all IF NOT EXISTS, so re-running is harmless)."""
        for statement in self.schema_statements():
            self._schema(statement)
        self._schema("CALL db.awaitIndexes(300)")

    def close(self) -> None:
        self._close_driver()

    # -- helpers ----------------------------------------------------------------------

    def _session(self, mode: str) -> neo4j.Session:
        return self._driver.session(database=self.database, default_access_mode=mode)

    def _close_driver(self) -> None:
        driver, self._driver = getattr(self, "_driver", None), None
        if driver is not None:
            driver.close()

    def _failed(self, error: Exception, query: str, write: bool, timeout: float | None = None) -> KgError:
        where = " ".join(query.split())[:120]
        code = getattr(error, "code", None) or ""
        if code == "Neo.ClientError.Statement.AccessMode":
            return QueryError(f"Neo4j at {self.uri}: {READ_ONLY_REFUSAL}: {where}")
        if "TransactionTimedOut" in code:
            return QueryTimeout(f"Neo4j at {self.uri}: the query ran past its limit of {timeout:g} s "
                                f"and was stopped (kg query --timeout SECONDS): {where}")
        if not isinstance(error, Neo4jError) or code.startswith("Neo.TransientError"):
            return StoreError(f"Neo4j at {self.uri}: {one_line(error)}")
        kind = StoreError if write else QueryError
        return kind(f"Neo4j at {self.uri}: {one_line(error)}: in {where}")

    def _make_lock_constraint(self) -> None:
        """Without it two first MERGEs of the lease node could create two nodes."""
        if not self._lock_constraint_made:
            self._schema(_LOCK_CONSTRAINT)
            self._lock_constraint_made = True

    def _schema(self, statement: str, attempts: int = 20) -> None:
        """Run a schema command.  Two processes making the schema at once (two first loads)
        deadlock on its locks, or one waits for an index the other's rolled-back command
        dropped: both pass when tried again."""
        for attempt in range(attempts):
            try:
                with self._session(neo4j.WRITE_ACCESS) as session:
                    session.run(statement).consume()
                return
            except TransientError as e:
                error = e
            except Neo4jError as e:
                if "awaitIndexes" not in statement or attempt == attempts - 1:
                    raise self._failed(e, statement, True) from None
                error = e
            except DriverError as e:
                raise self._failed(e, statement, True) from None
            time.sleep(0.05 * (attempt + 1))
        raise self._failed(error, statement, True)

    def _take_lease(self) -> bool:
        params = {"id": LOCK_ID, "token": self._token, "lease_ms": LEASE_MS,
                  "pid": os.getpid(), "host": socket.gethostname()}
        try:
            return bool(self.run(_TAKE, params, write=True))
        except StoreError as e:
            if "ConstraintValidationFailed" in str(e) or "DeadlockDetected" in str(e):
                return False      # lost a race for the first MERGE: just try again
            raise

    def _take_over_dead_holder(self) -> bool:
        """The lease of a process that is gone from this host is free."""
        rows = self.run(_HOLDER, {"id": LOCK_ID})
        if not rows or rows[0]["host"] != socket.gethostname() or _alive(rows[0]["pid"]):
            return False
        params = {"id": LOCK_ID, "stale": rows[0]["holder"], "token": self._token, "lease_ms": LEASE_MS,
                  "pid": os.getpid(), "host": socket.gethostname()}
        return bool(self.run(_TAKE_OVER, params, write=True))

    def _lease_holder(self) -> str:
        rows = self.run(_HOLDER, {"id": LOCK_ID})
        if not rows:
            return "another process"
        row = rows[0]
        return f"pid {row['pid']} on {row['host']} (lease ends in {max(row['seconds_left'], 0)} s)"


def _alive(pid: Any) -> bool:
    """Is process `pid` (of this host) still running?  Unknown counts as alive."""
    if not isinstance(pid, int) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:            # EPERM: it exists, under another user
        return True
    return True


def one_line(error: Exception) -> str:
    """The server's message without the driver's decorations, on one line."""
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return " ".join(message.split())


def to_counters(summary_counters: Any) -> Counters:
    return Counters(**{name: getattr(summary_counters, name) for name in _COUNTERS})


def plain(value: Any) -> Any:
    """Driver values → kg.store values; temporal and spatial values become strings."""
    if isinstance(value, NNode):
        return Node(value.element_id, tuple(sorted(value.labels)), plain(dict(value)))
    if isinstance(value, NRel):
        return Rel(value.element_id, value.type, value.start_node.element_id,
                   value.end_node.element_id, plain(dict(value)))
    if isinstance(value, NPath):
        return GraphPath(tuple(map(plain, value.nodes)), tuple(map(plain, value.relationships)))
    if isinstance(value, (Date, DateTime, Time)):
        return value.iso_format()
    if isinstance(value, Duration):
        return value.iso_format()
    if isinstance(value, Point):
        coordinates = ", ".join(f"{axis}: {c}" for axis, c in zip("xyz", value))
        return f"point({{srid: {value.srid}, {coordinates}}})"
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
