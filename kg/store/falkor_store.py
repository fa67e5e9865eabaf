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
import os
import subprocess
import time
from pathlib import Path as FsPath
from typing import Any, Iterator

import redis
from falkordb import Graph, QueryResult
from filelock import FileLock, Timeout
from redis.backoff import NoBackoff
from redis.retry import Retry

from kg.errors import QueryError, QueryTimeout, StoreBusy, StoreError, WriteFailed
from kg.store import falkor_health as health
from kg.store.base import READ_ONLY_REFUSAL, Counters, GraphStore, Node, check_params
from kg.store.falkor_values import combine, plain, stats_counters
from kg.store.falkor_server import (exit_on_sigterm, flock, is_ours, read_pids, socket_path,
                                    start_supervisor, terminate, try_flock)

GRAPH = "kg"
ENTITY_LABELS = ("Organization", "Person", "Product", "Policy", "Event")
UNIQUE_KEYS = [(label, "key") for label in ENTITY_LABELS] + [("Article", "id")]
START_TIMEOUT = 120.0          # seconds for redis to load its AOF; a big store takes a while


class FalkorStore(GraphStore):
    kind = "embedded"
    _accept_damage = False            # set by repair() only

    def __init__(self, path: FsPath, lock_timeout: float = 30.0, read_timeout: float = 60.0,
                 create: bool = True):
        """Open the store at `path`; `create=False` (read-only commands) refuses a path that
        holds no store instead of making an empty one."""
        self.path = FsPath(path).absolute()
        self.uri = str(path)
        self.lock_timeout = lock_timeout
        self.read_timeout = read_timeout
        self._pid = os.getpid()
        self._users_fd: int | None = None
        self._supervisor: subprocess.Popen | None = None
        self._client: redis.Redis | None = None
        self._closed = False
        try:
            if self.path.exists() and not self.path.is_dir():
                raise StoreError(f"{self.uri}: is a file, not a store directory")
            if not create and not health.is_store(self.path):
                raise StoreError(f"{self.uri}: no kg store here (kg load makes one; --store or KG_STORE "
                                 "names another)")
            self.path.mkdir(parents=True, exist_ok=True)
            self._write_lock = FileLock(str(self.path / "write.lock"))
            self._attach()
        except OSError as e:
            self.close()
            raise StoreError(f"{self.uri}: cannot use the store: {e.strerror or e}"
                             + (f" ({e.filename})" if e.filename else "")) from None
        except BaseException:
            self.close()
            raise
        atexit.register(self.close)
        exit_on_sigterm()

    # -- the GraphStore primitives ------------------------------------------------------

    def run(self, query: str, params: dict | None = None, *, write: bool = False,
            timeout: float | None = None) -> list[dict[str, Any]]:
        """Reads run on FalkorDB's worker threads with a server-side time limit, so a runaway
        query neither blocks other clients nor outlives its limit; a write is one query."""
        params = check_params(params)
        args = [GRAPH, self._graph._build_params_header(params) + query, "--compact"]
        if not write:
            args += ["TIMEOUT", max(1, int(1000 * (timeout or self.read_timeout)))]
        try:
            reply = self._send("GRAPH.QUERY" if write else "GRAPH.RO_QUERY", args)
            result = QueryResult(self._graph, reply)
        except redis.ResponseError as e:         # an error reported inside the result set
            raise self._query_failed(str(e), query, write, timeout) from None
        columns = [name for _, name in result.header]
        return [{c: plain(v) for c, v in zip(columns, row)} for row in result.result_set]

    def execute(self, statements: list[tuple[str, dict]]) -> Counters:
        """Run the statements as ONE query, each a `CALL { … }` subquery: FalkorDB holds the
        graph's write lock for the whole query, so readers see all of it or none, and a
        statement that fails at run time undoes the whole query (tested).  A crash mid-write
        leaves the AOF without the query (appendfsync always: a reply means it is on disk)."""
        if not statements:
            return Counters()
        try:
            query, params = combine(statements, health.COUNTER_QUERY)
            params = check_params(params)
        except StoreError as e:              # a value FalkorDB cannot take: nothing was sent
            raise WriteFailed(str(e)) from None
        header = self._graph._build_params_header(params)
        try:
            reply = self._send("GRAPH.QUERY", [GRAPH, header + query, "--compact"])
            writes = QueryResult(self._graph, reply).result_set[0][0]
        except redis.ResponseError as e:
            failed = self._query_failed(f"{e} (nothing of the batch was applied)", query, True)
            raise WriteFailed(str(failed)) from None
        health.record_writes(self.path, writes)       # the batch is on disk: confirm it
        counters = stats_counters(reply[-1])
        created = writes == 1                          # the counter's own node and properties
        counters.nodes_created -= created
        counters.properties_set -= 2 if created else 1
        return counters

    def _send(self, command: str, args: list) -> Any:
        """One command; redis.ResponseError (the query failed) is the caller's to word."""
        if self._closed:
            raise StoreError(f"{self.uri}: the store is closed")
        try:
            return self._client.execute_command(command, *args)
        except (redis.ConnectionError, OSError) as e:
            raise StoreError(f"{self.uri}: lost the FalkorDB server: {e}") from None

    @contextlib.contextmanager
    def lock(self) -> Iterator["FalkorStore"]:
        try:
            self._write_lock.acquire(timeout=self.lock_timeout)
        except Timeout:
            raise StoreBusy(f"{self.path}: store is busy: {self._lock_holder()} holds its write lock "
                            f"(waited {self.lock_timeout:g} s)") from None
        except OSError as e:
            raise StoreError(f"{self.uri}: cannot take the write lock: {e.strerror or e} ({e.filename})") from None
        try:
            (self.path / "write.holder").write_text(f"{os.getpid()}\n")
            yield self
        finally:
            self._write_lock.release()

    def nodes_by_id(self, ids: list[str]) -> list[Node]:
        rows = self.run("MATCH (n) WHERE id(n) IN $ids RETURN n", {"ids": sorted(int(i) for i in ids)})
        return [r["n"] for r in rows]

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

    def _query_failed(self, message: str, query: str, write: bool, timeout: float | None = None) -> Exception:
        where = " ".join(query.split())[:120]
        if "RO_QUERY is to be executed only on read-only" in message:
            return QueryError(f"{self.uri}: {READ_ONLY_REFUSAL}: {where}")
        if "Query timed out" in message:
            return QueryTimeout(f"{self.uri}: the query ran past its limit of {timeout or self.read_timeout:g} s "
                                f"and was stopped (kg query --timeout SECONDS): {where}")
        error = StoreError if write else QueryError
        return error(f"{self.uri}: FalkorDB: {message}: in {where}")

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
                health.check_files(self.path)
                health.check_writable(self.path)
                self._start_server(sock)
        self._graph = Graph(self._client, GRAPH)
        if not self._client.exists(GRAPH):      # a read of a graph that does not exist is an error
            self._client.execute_command("GRAPH.QUERY", GRAPH, "RETURN 0")
        self._check_counts()

    def _check_counts(self) -> None:
        rows = self.run(health.READ_COUNTER)
        writes = rows[0]["writes"] if rows else 0
        if health.confirmed_writes(self.path) is None or self._accept_damage:
            health.record_writes(self.path, writes)   # a new store, one made before the file, a repair
        health.check_counts(self.path, writes)

    @classmethod
    def repair(cls, path: FsPath) -> list[str]:
        """Make a damaged store usable with what it still holds; returns what was done."""
        path = FsPath(path).absolute()
        if not health.is_store(path):
            raise StoreError(f"{path}: no kg store here")
        done = health.repair(path)
        before = health.confirmed_writes(path)
        store = cls.__new__(cls)
        store._accept_damage = True
        store.__init__(path, create=False)
        with store:
            after = health.confirmed_writes(path)
        if before is not None and after is not None and after < before:
            done.append(f"accepted {after} of the {before} write batches it had confirmed")
        return done or ["nothing to repair"]

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
                raise StoreError(f"{self.path}: could not start the FalkorDB server: "
                                 f"{health.startup_failure(self._log_lines())}")
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

    def _log_lines(self) -> list[str]:
        try:
            return (self.path / "server.log").read_text(errors="replace").strip().splitlines()[-20:]
        except OSError:
            return []


# -- values in and out -------------------------------------------------------------
