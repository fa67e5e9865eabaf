"""kg export --neo4j-import: the files neo4j-admin imports build kg load's graph, exactly."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO, _neo4j_cache, _start_neo4j, child_env, dump
from kg.store.bulk_export import ARRAY_DELIMITER, _cell, finish_import, import_arguments
from kg.errors import StoreError


def kg(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], env=env, capture_output=True, text=True, timeout=900)


def test_cells_keep_empty_strings_nulls_and_floats():
    assert _cell(None, "", "x") == ""
    assert _cell("", "", "x") == '""'
    assert _cell('say "hi"\nnow', "", "x") == '"say ""hi""\nnow"'
    assert _cell(["", "a"], "string[]", "x") == f'"{ARRAY_DELIMITER}a"'
    assert _cell(0.1 + 0.2, "double", "x") == "0.30000000000000004"
    assert _cell(3, "long", "x") == "3"
    with pytest.raises(StoreError, match="U\\+001F"):
        _cell(["a\x1fb"], "string[]", "x")


@pytest.mark.neo4j
@pytest.mark.slow
def test_bulk_import_builds_the_graph_kg_load_builds(request, neo4j_store, corpus300, tmp_path):
    """Seeds + 300 corpus articles: kg load into the embedded store, kg export --neo4j-import,
    neo4j-admin database import full into a new data dir (scripts/neo4j-local admin, the same
    jars), a server on it, the after-import fix-ups: the graph equals the embedded store's and
    that of kg load straight into Neo4j (every node, edge and property but loaded_at)."""
    embedded, bulk = str(tmp_path / "embedded"), tmp_path / "bulk"
    env = child_env(request, embedded)
    for args in (["load", str(REPO / "seeds"), str(corpus300), "--store", embedded, "-w", "2"],
                 ["export", "--neo4j-import", str(bulk), "--store", embedded]):
        done = kg(*args, env=env)
        assert done.returncode == 0, done.stderr
    assert "import.sh" in done.stdout and (bulk / "import.sh").exists()

    root = tmp_path / "imported"
    admin_home = root / "admin"
    admin_home.mkdir(parents=True)
    (admin_home / "lib").symlink_to(_neo4j_cache() / "lib", target_is_directory=True)
    admin_env = {**os.environ, "KG_NEO4J_HOME": str(admin_home), "KG_NEO4J_DATA": str(root / "data")}
    imported = subprocess.run([str(REPO / "scripts" / "neo4j-local"), "admin", "--", "database", "import", "full",
                               "neo4j", *import_arguments(bulk)], env=admin_env, capture_output=True, text=True,
                              timeout=900)
    assert imported.returncode == 0, imported.stdout[-2000:] + imported.stderr[-2000:]
    uri, why, server_env = _start_neo4j(root)
    assert uri, why
    try:
        from conftest import NEO4J_TEST_PASSWORD
        from kg.store.falkor_store import FalkorStore
        from kg.store.neo4j_store import Neo4jStore
        with Neo4jStore(uri, password=NEO4J_TEST_PASSWORD) as store:
            finish_import(store)
            bulk_graph = dump(store)
        with FalkorStore(tmp_path / "embedded") as store:
            loaded = dump(store)
    finally:
        subprocess.run([str(REPO / "scripts" / "neo4j-local"), "stop"], env=server_env, capture_output=True,
                       timeout=120)
    assert bulk_graph == loaded
    assert len(loaded["nodes"]) > 1000 and len(loaded["edges"]) > 1000

    done = kg("load", str(REPO / "seeds"), str(corpus300), "--store", neo4j_store.uri, "-w", "2",
              env=child_env(request, neo4j_store.uri))
    assert done.returncode == 0, done.stderr
    assert dump(neo4j_store) == bulk_graph
