"""The embedded engine: FalkorDB in a private redis-server per store directory.

A store is a directory (default `.kg/`) holding:
  appendonlydir/  the data: redis AOF (RDB preamble + incremental part)
  redis.sock      the server's unix socket (or a short path in the temp dir, see falkor_server.socket_path)
  server.pid      "<supervisor pid> <redis pid>" while a server runs;  server.log: its log
  server.lock     serialises starting and stopping the server
  users.lock      every process that has the store open holds a shared flock on it
  write.lock      the writer lock taken by lock(); write.holder names its holder

Server lifecycle.  The first process to open the store starts a supervisor: a
stdlib-only python in its own session (so a terminal's Ctrl-C cannot hit it)
that runs redis-server as its child with PR_SET_PDEATHSIG, and stops redis as
soon as no process holds users.lock.  The kernel drops a dead process's flocks
however it died, SIGKILL included, so a crashed user never leaves a server
behind, while other processes can share the running server.  The last user to
close() stops the server at once instead of waiting for the supervisor's poll.
The supervisor and the process and lock helpers live in kg.store.falkor_server.
"""
from __future__ import annotations

import atexit
import contextlib
import fcntl
import math
import os
import subprocess
import time
from datetime import date, time as dtime
from pathlib import Path as FsPath
from typing import Any, Iterator

import redis
from falkordb import Edge as FEdge, Graph, Node as FNode, Path as FPath, QueryResult
from filelock import FileLock, Timeout
from redis.backoff import NoBackoff
from redis.retry import Retry

from kg.errors import QueryError, StoreBusy, StoreError
from kg.store import Counters, GraphStore, Node, Path, Rel
from kg.store.falkor_server import (exit_on_sigterm, flock, is_ours, read_pids, socket_path,
                                    start_supervisor, terminate, try_flock)

GRAPH = "kg"
ENTITY_LABELS = ("Organization", "Person", "Product", "Policy", "Event")
UNIQUE_KEYS = [(label, "key") for label in ENTITY_LABELS] + [("Article", "id")]
START_TIMEOUT = 120.0          # seconds for redis to load its AOF; a big store takes a while
_STATS = {"Nodes created": "nodes_created", "Nodes deleted": "nodes_deleted",
          "Relationships created": "relationships_created",
          "Relationships deleted": "relationships_deleted", "Properties set": "properties_set"}


class FalkorStore(GraphStore):
    kind = "embedded"

    def __init__(self, path: FsPath, lock_timeout: float = 30.0):
        self.path = FsPath(path).absolute()
        self.uri = str(path)
        self.lock_timeout = lock_timeout
        self._pid = os.getpid()
        self._users_fd: int | None = None
        self._supervisor: subprocess.Popen | None = None
        self._client: redis.Redis | None = None
        self._closed = False
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._write_lock = FileLock(str(self.path / "write.lock"))
            self._attach()
        except BaseException:
            self.close()
            raise
        atexit.register(self.close)
        exit_on_sigterm()

    # -- the GraphStore primitives ------------------------------------------------------

    def run(self, query: str, params: dict | None = None, *, write: bool = False) -> list[dict[str, Any]]:
        command = "GRAPH.QUERY" if write else "GRAPH.RO_QUERY"
        [reply] = self._multi([(command, query, check_params(params))])
        if isinstance(reply, Exception):
            raise self._query_failed(str(reply), query, write)
        try:
            result = QueryResult(self._graph, reply)
        except redis.ResponseError as e:         # an error reported inside the result set
            raise self._query_failed(str(e), query, write) from None
        columns = [name for _, name in result.header]
        return [{c: plain(v) for c, v in zip(columns, row)} for row in result.result_set]

    def execute(self, statements: list[tuple[str, dict]]) -> Counters:
        """Run the statements in one MULTI/EXEC transaction.

        Isolated: run() sends its reads in MULTI too, so FalkorDB runs them on redis's main
        thread, never between two statements of a transaction (a plain GRAPH.RO_QUERY runs on
        a worker thread and can see half a transaction: tested).  All-or-nothing across a
        crash: the AOF holds the whole transaction or, if cut short, redis drops the
        incomplete MULTI on load (tested).  But redis does NOT roll back: if a statement fails
        at run time (e.g. a type error on a value), FalkorDB undoes that statement, and the
        others of the transaction stay applied.  Compile errors are caught before anything
        is sent, by EXPLAINing every statement first.
        """
        checked = [("GRAPH.QUERY", query, check_params(params)) for query, params in statements]
        self._preflight([(query, params) for _, query, params in checked])
        counters = Counters()
        for (_, query, _), reply in zip(checked, self._multi(checked)):
            error = reply if isinstance(reply, Exception) else next(
                (x for x in reply if isinstance(x, Exception)), None)
            if error is not None:
                others = " (the other statements of the batch were applied)" if len(checked) > 1 else ""
                raise self._query_failed(f"{error}{others}", query, True)
            counters += stats_counters(reply[-1])
        return counters

    def _multi(self, commands: list[tuple[str, str, dict | None]]) -> list[Any]:
        """Send (command, query, params) triples as one MULTI/EXEC; replies or exceptions."""
        if self._closed:
            raise StoreError(f"{self.uri}: the store is closed")
        pipe = self._client.pipeline(transaction=True)
        for command, query, params in commands:
            # the client's own encoding of params= (a CYPHER header), as Graph.query sends it
            header = self._graph._build_params_header(params)
            pipe.execute_command(command, GRAPH, header + query, "--compact")
        try:
            return pipe.execute(raise_on_error=False)
        except redis.ConnectionError as e:
            raise StoreError(f"{self.uri}: lost the FalkorDB server: {e}") from None

    @contextlib.contextmanager
    def lock(self) -> Iterator["FalkorStore"]:
        try:
            self._write_lock.acquire(timeout=self.lock_timeout)
        except Timeout:
            raise StoreBusy(f"{self.path}: store is busy: {self._lock_holder()} holds its write lock "
                            f"(waited {self.lock_timeout:g} s)") from None
        try:
            (self.path / "write.holder").write_text(f"{os.getpid()}\n")
            yield self
        finally:
            self._write_lock.release()

    def renew(self) -> None:
        """The file lock cannot expire, so there is nothing to renew (Neo4jStore has a lease)."""

    def schema_statements(self) -> list[str]:
        """Range indexes and full-text indexes; unique constraints are not Cypher (see ensure_schema)."""
        props = [(label, p) for label in ENTITY_LABELS for p in ("key", "name")] + [("Article", "id")]
        ranges = [f"CREATE INDEX FOR (n:{label}) ON (n.{p})" for label, p in props]
        # language 'chinese' segments names into words (friso); only string values are indexed,
        # so a list-valued `aliases` is skipped.  Query strings are NOT segmented: callers must
        # separate words with spaces.
        fulltext = [f"CALL db.idx.fulltext.createNodeIndex({{label: '{label}', language: 'chinese'}}, "
                    f"'name', 'aliases')" for label in ENTITY_LABELS]
        return ranges + fulltext

    def ensure_schema(self) -> None:
        """Create indexes and unique constraints; re-running is harmless."""
        for statement in self.schema_statements():
            try:
                self.run(statement, write=True)
            except StoreError as e:
                if "already indexed" not in str(e):
                    raise
        for label, prop in UNIQUE_KEYS:     # needs the range index made above
            try:
                self._client.execute_command("GRAPH.CONSTRAINT", "CREATE", GRAPH, "UNIQUE", "NODE",
                                             label, "PROPERTIES", 1, prop)
            except redis.ResponseError as e:
                if "already exists" not in str(e):
                    raise StoreError(f"{self.uri}: unique constraint on {label}.{prop}: {e}") from None
        self._await_constraints()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        if os.getpid() != self._pid:      # a forked child: the parent owns the server and locks
            return
        if self._client is not None:
            self._client.close()
        if self._users_fd is not None:
            self._leave()

    # -- errors, preflight, constraints -------------------------------------------------

    def _query_failed(self, message: str, query: str, write: bool) -> Exception:
        where = " ".join(query.split())[:120]
        if "RO_QUERY is to be executed only on read-only" in message:
            return QueryError(f"{self.uri}: a read-only run refused a statement that writes "
                              f"(pass write=True): {where}")
        error = StoreError if write else QueryError
        return error(f"{self.uri}: FalkorDB: {message}: in {where}")

    def _preflight(self, statements: list[tuple[str, dict | None]]) -> None:
        """Compile every statement before the MULTI.  EXPLAIN is cheap; it needs the parameter
        names declared (FalkorDB refuses `{id: $id}` in a pattern otherwise), not their values."""
        pipe = self._client.pipeline(transaction=False)
        unique = {self._graph._build_params_header(dict.fromkeys(params or ())) + query: query
                  for query, params in statements}
        for text in unique:
            pipe.execute_command("GRAPH.EXPLAIN", GRAPH, text)
        for query, reply in zip(unique.values(), pipe.execute(raise_on_error=False)):
            if isinstance(reply, Exception):
                raise self._query_failed(f"{reply} (nothing of the batch was applied)", query, True)

    def _await_constraints(self) -> None:
        """Constraints build in the background; a FAILED one means duplicate keys in the data."""
        deadline = time.monotonic() + 60
        while True:
            rows = self.run("CALL db.constraints() YIELD type, label, properties, status "
                            "RETURN label, properties, status")
            failed = [r for r in rows if r["status"] == "FAILED"]
            for r in failed:     # drop it, so that ensure_schema() can retry after the data is fixed
                self._client.execute_command("GRAPH.CONSTRAINT", "DROP", GRAPH, "UNIQUE", "NODE",
                                             r["label"], "PROPERTIES", len(r["properties"]), *r["properties"])
            if failed:
                names = ", ".join(f"{r['label']}.{'.'.join(r['properties'])}" for r in failed)
                raise StoreError(f"{self.uri}: unique constraint on {names} failed: duplicate values")
            if all(r["status"] == "OPERATIONAL" for r in rows) or time.monotonic() > deadline:
                return
            time.sleep(0.05)

    def _lock_holder(self) -> str:
        try:
            return f"pid {int((self.path / 'write.holder').read_text())}"
        except (OSError, ValueError):
            return "another process"

    # -- the server ------------------------------------------------------------------

    def _attach(self) -> None:
        """Share the running server, or start one; start-up is serialised by server.lock."""
        with self._server_lock():
            self._users_fd = flock(self.path / "users.lock", fcntl.LOCK_SH)
            sock = socket_path(self.path)
            # socket_timeout=None: redis-py's default of 5 s would abandon long queries;
            # retries=0: replaying a write after a dropped connection could apply it twice
            self._client = redis.Redis(unix_socket_path=str(sock), decode_responses=True,
                                       socket_timeout=None, socket_connect_timeout=5,
                                       retry=Retry(NoBackoff(), 0))
            if not self._ping():
                self._clear_stale(sock)
                self._start_server(sock)
        self._graph = Graph(self._client, GRAPH)
        if not self._client.exists(GRAPH):      # EXPLAIN (see _preflight) needs the graph to exist
            self._client.execute_command("GRAPH.QUERY", GRAPH, "RETURN 0")

    @contextlib.contextmanager
    def _server_lock(self) -> Iterator[None]:
        lock = FileLock(str(self.path / "server.lock"))
        try:
            lock.acquire(timeout=self.lock_timeout)
        except Timeout:
            raise StoreBusy(f"{self.path}: another process is starting or stopping its server "
                            f"(waited {self.lock_timeout:g} s)") from None
        try:
            yield
        finally:
            lock.release()

    def _ping(self) -> bool:
        """True once the server answers; waits while it is still loading its data."""
        while True:
            try:
                return bool(self._client.ping())
            except redis.BusyLoadingError:
                time.sleep(0.05)
            except (redis.ConnectionError, OSError):
                return False

    def _clear_stale(self, sock: FsPath) -> None:
        """A crash leaves a pid file, a dead socket and maybe a hung server: remove them."""
        for pid in read_pids(self.path / "server.pid"):
            if is_ours(pid, self.path):
                terminate(pid, self.path, grace=5)
        for stale in (self.path / "server.pid", sock):
            stale.unlink(missing_ok=True)

    def _start_server(self, sock: FsPath) -> None:
        self._supervisor = start_supervisor(self.path, sock)
        deadline = time.monotonic() + START_TIMEOUT
        while not self._ping():
            if self._supervisor.poll() is not None or time.monotonic() > deadline:
                raise StoreError(f"{self.path}: could not start the FalkorDB server: {self._log_tail()}")
            time.sleep(0.005)

    def _leave(self) -> None:
        """Drop our share of the server; the last user stops it."""
        try:
            with self._server_lock():
                os.close(self._users_fd)
                self._users_fd = None
                last = try_flock(self.path / "users.lock", fcntl.LOCK_EX)
                if last is not None:
                    self._stop_server()
                    os.close(last)
        except StoreBusy:
            pass     # the supervisor stops the server once it sees nobody holds users.lock
        finally:
            if self._users_fd is not None:
                os.close(self._users_fd)
                self._users_fd = None

    def _stop_server(self) -> None:
        """SHUTDOWN redis (it fsyncs the AOF; SIGTERM would wait for its next 100 ms tick),
        then wait for the supervisor, which removes server.pid and exits."""
        pids = read_pids(self.path / "server.pid")
        with contextlib.suppress(redis.RedisError):
            self._client.execute_command("SHUTDOWN")
        if self._supervisor is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._supervisor.wait(timeout=30)     # our child: wait() also reaps it
        for pid in pids:                              # normally gone already
            terminate(pid, self.path, grace=30, term=False)

    def _log_tail(self) -> str:
        try:
            lines = (self.path / "server.log").read_text(errors="replace").strip().splitlines()
            return lines[-1] if lines else "no log"
        except OSError:
            return "no log"


# -- values in and out -------------------------------------------------------------

def check_params(params: dict | None) -> dict | None:
    """Refuse what the client would silently mangle (ints beyond int64 become INT64_MAX)
    or write unquoted into the CYPHER header (any type it does not know goes through str())."""
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


def plain(value: Any) -> Any:
    """falkordb values → kg.store values: Node/Rel/Path, dicts, lists, ISO strings for times."""
    if isinstance(value, FNode):
        return Node(str(value.id), tuple(sorted(value.labels or ())), plain(value.properties))
    if isinstance(value, FEdge):
        start, end = (n.id if isinstance(n, FNode) else n for n in (value.src_node, value.dest_node))
        return Rel(str(value.id), value.relation, str(start), str(end), plain(value.properties))
    if isinstance(value, FPath):
        return Path(tuple(map(plain, value.nodes())), tuple(map(plain, value.edges())))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (date, dtime)):
        return value.isoformat()
    if type(value).__name__ == "relativedelta":     # a duration
        return str(value)
    return value


def stats_counters(stats: list[str]) -> Counters:
    counters = Counters()
    for line in stats:
        name, _, number = line.partition(":")
        if name in _STATS:
            setattr(counters, _STATS[name], int(float(number)))
    return counters
