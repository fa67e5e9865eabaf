"""Shared fixtures: real stores only (a FalkorDB under tmp_path, a real Neo4j server)."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parent.parent
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

def _neo4j_cache() -> Path:
    """Where scripts/neo4j-local keeps the tests' Neo4j jars (downloaded once)."""
    if home := os.environ.get("KG_TEST_NEO4J_HOME"):
        return Path(home)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "kg" / "neo4j-pytest"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_neo4j(root: Path) -> tuple[str | None, str, dict]:
    """(uri or None, why not, env) from `scripts/neo4j-local start`.

    The server is this test session's own: its home (conf, logs, pid) and data live under
    `root`, only the jars are shared, and it listens on a free port.  A shared home would
    hand a second pytest session (another developer's, a CI job) the same server, and each
    would wipe the other's graph."""
    script = REPO / "scripts" / "neo4j-local"
    if not script.exists():
        return None, f"{script} does not exist", {}
    cache = _neo4j_cache()
    try:
        install = subprocess.run([str(script), "install"], env={**os.environ, "KG_NEO4J_HOME": str(cache)},
                                 capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"scripts/neo4j-local install: {e}", {}
    if install.returncode != 0:
        return None, f"scripts/neo4j-local install failed: {install.stderr.strip()[-300:]}", {}
    home = root / "home"
    home.mkdir()
    (home / "lib").symlink_to(cache / "lib", target_is_directory=True)
    port = int(os.environ.get("KG_TEST_NEO4J_PORT") or _free_port())
    env = {**os.environ, "KG_NEO4J_HOME": str(home), "KG_NEO4J_DATA": str(root / "data"),
           "NEO4J_BOLT_PORT": str(port), "NEO4J_PASSWORD": NEO4J_TEST_PASSWORD}
    try:
        done = subprocess.run([str(script), "start"], env=env, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"scripts/neo4j-local start: {e}", env
    match = re.search(r"^NEO4J_URI=(\S+)$", done.stdout, re.M)
    if done.returncode != 0 or not match:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return None, f"scripts/neo4j-local start failed ({done.returncode}): {tail}", env
    return match.group(1), "", env


@pytest.fixture(scope="session")
def neo4j_uri(tmp_path_factory):
    """NEO4J_URI if set, else a throw-away server from scripts/neo4j-local (stopped at the end).
    Under CI=true not getting a server fails the run; elsewhere the Neo4j tests are skipped."""
    if uri := os.environ.get("NEO4J_URI"):
        yield uri
        return
    uri, why, env = _start_neo4j(tmp_path_factory.mktemp("neo4j"))
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
    wipe(store)
    yield store
    store.close()


# -- both engines, the seeds, and comparing graphs ------------------------------------

ENGINES = ("falkor", "neo4j")


@pytest.fixture(params=ENGINES)
def any_store(request):
    """A fresh FalkorStore under tmp_path, then a wiped Neo4jStore (the same tests on both)."""
    return request.getfixturevalue(f"{request.param}_store")


def child_env(request, store_uri: str, **extra) -> dict[str, str]:
    """Environment for a child process (or CliRunner) that opens the store at `store_uri`:
    kg importable, and the Neo4j test server's password when it is Neo4j."""
    from kg.store import NEO4J_SCHEMES
    env = {k: v for k, v in os.environ.items() if k != "KG_STORE"}
    env["PYTHONPATH"] = str(REPO)
    if store_uri.startswith(NEO4J_SCHEMES):
        password = request.getfixturevalue("neo4j_password")
        env.pop("NEO4J_PASSWORD", None)
        if password is not None:
            env["NEO4J_PASSWORD"] = password
    return {**env, **extra}


def wipe(store) -> None:
    """Delete every node and relationship (constraints and indexes stay)."""
    store.run("MATCH (n) DETACH DELETE n", write=True)


@pytest.fixture(scope="session")
def seed_extractions():
    """The extraction of seeds/, run once per test session (a list of kg.model.Extraction)."""
    from kg import api

    problems = []

    def on_error(exc):
        if not getattr(exc, "warning", False):
            problems.append(str(exc))
    extractions = list(api.extract([str(REPO / "seeds")], on_error=on_error))
    assert not problems, problems
    return extractions


@pytest.fixture(scope="session")
def seed_jsonl(seed_extractions, tmp_path_factory) -> Path:
    """The seeds' extraction as `kg extract` JSONL (for child processes and `kg load`)."""
    path = tmp_path_factory.mktemp("seeds") / "seeds.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for ex in seed_extractions:
            f.write(json.dumps(ex.to_json(), ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="session")
def corpus300(tmp_path_factory) -> Path:
    """The first 300 lines of ../shared/corpus/news2018.jsonl (JSON Lines without ids); the
    corpus must be there under CI=true."""
    import itertools
    corpus = REPO.parent / "shared" / "corpus" / "news2018.jsonl"
    if not corpus.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the corpus must be at {corpus}")
        pytest.skip(f"no corpus at {corpus}")
    path = tmp_path_factory.mktemp("corpus") / "news300.jsonl"
    with corpus.open(encoding="utf-8") as src:
        path.write_text("".join(itertools.islice(src, 300)), encoding="utf-8")
    return path


# Volatile bookkeeping that differs between two loads of the same data.
DUMP_SKIP_LABELS = ("KgLoad", "KgLock", "KgStore")
DUMP_SKIP_PROPS = ("loaded_at",)


def canonical(value):
    """Engine-neutral values: 1.0 and 1 compare equal (FalkorDB and Neo4j differ on
    whole floats), maps with sorted keys."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    return repr(value)


def _props(props: dict) -> str:
    return json.dumps(canonical({k: v for k, v in props.items() if k not in DUMP_SKIP_PROPS}),
                      ensure_ascii=False, sort_keys=True)


def dump(store) -> dict[str, list]:
    """A canonical dump of the graph: sorted (labels, key, props) node entries and sorted
    (start, type, end, props) edges, nodes named by `key` (entities) or `id` (articles).
    KgLoad/KgLock and `loaded_at` are left out.  List properties keep their order: the
    loader defines it (article order; aliases sorted), so both engines must agree on it."""
    skip = " AND ".join(f"NOT n:{label}" for label in DUMP_SKIP_LABELS)
    nodes = sorted(
        (tuple(row["labels"]), row["ident"], _props(row["props"]))
        for row in store.run(f"MATCH (n) WHERE {skip} "
                             "RETURN labels(n) AS labels, coalesce(n.key, n.id) AS ident, "
                             "properties(n) AS props"))
    edges = sorted(
        (row["start"], row["type"], row["end"], _props(row["props"]))
        for row in store.run("MATCH (a)-[r]->(b) RETURN coalesce(a.key, a.id) AS start, type(r) AS type, "
                             "coalesce(b.key, b.id) AS end, properties(r) AS props"))
    return {"nodes": nodes, "edges": edges}
