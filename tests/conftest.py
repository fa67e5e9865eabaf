"""Shared fixtures: real stores only (a FalkorDB under tmp_path, a real Neo4j server)."""
from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parent.parent
NEO4J_TEST_PORT = 17687
NEO4J_TEST_PASSWORD = "kg-test-password"     # the tests' own server runs with auth, to test refusal


# Parameter values that break naive quoting, for both engines.
HOSTILE = {
    "quotes": "it's \"quoted\" '' \"\"",
    "backslashes": "C:\\path\\n\\\\ \\' \\\" end\\",
    "newlines": "line1\nline2\r\nline3\t\x0b",
    "braces": "}{ ]) `x` $p ; MATCH (n) DETACH DELETE n //",
    "chinese": "上海市药品监督管理局（以下简称“上海药监局”）",
    "emoji": "😀👍🏽🧬",
    "empty": "",
    "none": None,
    "int_max": 2**63 - 1,
    "int_min": -2**63,
    "big_float": 1.5e300,
    "tiny_float": 5e-324,
    "neg_float": -0.1,
    "true": True,
    "false": False,
    "nested": [{"a": [1, [2, "'"]], "b": None, "c": "x\"y", "中文": "值"}, {"d": {"e": [True, 1.5]}}],
    "empty_list": [],
    "empty_map": {},
    "list_of_strings": ["a'b", "c\"d", "e\\f", "}"],
}


# -- FalkorDB ----------------------------------------------------------------------

def store_processes(root: Path) -> list[psutil.Process]:
    """Live redis-servers and supervisors whose command line names a path under `root`."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or ())
        except psutil.Error:
            continue
        if proc.info["status"] != psutil.STATUS_ZOMBIE and str(root) in cmdline and (
                "redis-server" in cmdline or "_supervise" in cmdline) and proc.pid != os.getpid():
            found.append(proc)
    return found


def wait_no_store_processes(root: Path, timeout: float = 5.0) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while (left := store_processes(root)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.fixture(scope="session", autouse=True)
def no_leftover_servers(tmp_path_factory):
    """At the end of the run no redis-server started under the pytest tmp dirs may remain."""
    root = tmp_path_factory.getbasetemp()
    yield
    left = wait_no_store_processes(root)
    for proc in left:
        proc.kill()
    if left:
        pytest.fail(f"tests left {len(left)} store server process(es) running: {[p.pid for p in left]}")


@pytest.fixture
def falkor_store(tmp_path):
    from kg.store.falkor_store import FalkorStore
    store = FalkorStore(tmp_path / "store", lock_timeout=2.0)
    yield store
    store.close()


# -- Neo4j -------------------------------------------------------------------------

def _neo4j_home() -> Path:
    """A scripts/neo4j-local home of the tests' own: the default home may hold a developer's
    server, which `start` would report as already running and the tests would then wipe."""
    if home := os.environ.get("KG_TEST_NEO4J_HOME"):
        return Path(home)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "kg" / "neo4j-pytest"


def _start_neo4j(data_dir: Path) -> tuple[str | None, str, dict]:
    """(uri or None, why not, env) from `scripts/neo4j-local start`."""
    script = REPO / "scripts" / "neo4j-local"
    if not script.exists():
        return None, f"{script} does not exist", {}
    env = {**os.environ, "KG_NEO4J_HOME": str(_neo4j_home()), "KG_NEO4J_DATA": str(data_dir),
           "NEO4J_BOLT_PORT": str(NEO4J_TEST_PORT), "NEO4J_PASSWORD": NEO4J_TEST_PASSWORD}
    try:
        done = subprocess.run([str(script), "start"], env=env, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"scripts/neo4j-local start: {e}", env
    match = re.search(r"^NEO4J_URI=(\S+)$", done.stdout, re.M)
    if done.returncode != 0 or not match:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return None, f"scripts/neo4j-local start failed ({done.returncode}): {tail}", env
    if not match.group(1).endswith(f":{NEO4J_TEST_PORT}"):
        return None, f"scripts/neo4j-local reports a server already running at {match.group(1)}", {}
    return match.group(1), "", env


@pytest.fixture(scope="session")
def neo4j_uri(tmp_path_factory):
    """NEO4J_URI if set, else a throw-away server from scripts/neo4j-local (stopped at the end).
    Under CI=true not getting a server fails the run; elsewhere the Neo4j tests are skipped."""
    if uri := os.environ.get("NEO4J_URI"):
        yield uri
        return
    uri, why, env = _start_neo4j(tmp_path_factory.mktemp("neo4j-data"))
    if uri is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Neo4j server for the tests: {why}")
        pytest.skip(f"no Neo4j server: {why}")
    try:
        yield uri
    finally:
        subprocess.run([str(REPO / "scripts" / "neo4j-local"), "stop"], env=env,
                       capture_output=True, timeout=120)


@pytest.fixture(scope="session")
def neo4j_password(neo4j_uri):
    """NEO4J_PASSWORD for a server named by NEO4J_URI (None: no auth), else our server's."""
    return os.environ.get("NEO4J_PASSWORD") if os.environ.get("NEO4J_URI") else NEO4J_TEST_PASSWORD


@pytest.fixture
def neo4j_store(neo4j_uri, neo4j_password):
    from kg.store.neo4j_store import Neo4jStore
    store = Neo4jStore(neo4j_uri, password=neo4j_password, lock_timeout=2.0)
    store.run("MATCH (n) DETACH DELETE n", write=True)
    yield store
    store.close()
