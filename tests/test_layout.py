"""The house rules a newcomer relies on: data flows one way, modules stay small, the CLI is thin,
Cypher lives behind the store, vocabulary lives in data files."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

KG = Path(__file__).resolve().parent.parent / "kg"
# Stages, left to right: a module may import only from its own stage or to its left.
STAGES = [
    {"model", "errors", "data", "names"},   # plain data and identity: no I/O beyond kg/data
    {"sources"}, {"clean"}, {"extraction"}, {"resolve"}, {"store"},
    {"api", "cluster"},                      # the conductor: sources -> ... -> store (here or on Dask)
    {"query", "output"}, {"viz"}, {"cli", "train"},  # kg.train: tools that rebuild kg/data files
]
MAX_LINES = 400
MODULES = sorted(p for p in KG.rglob("*.py") if "__pycache__" not in p.parts)
CJK = re.compile(r"[\u4e00-\u9fff]")
CYPHER = re.compile(r"\b(?:MATCH|MERGE|CREATE)\b\s*[(\[]|\bCREATE\s+(?:INDEX|CONSTRAINT|FULLTEXT)\b")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(KG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULE_NAMES = {module_name(p) for p in MODULES}


def stage_of(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    return next((i for i, names in enumerate(STAGES) if top in names), -1)


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def kg_imports(path: Path) -> list[str]:
    """kg modules a file imports when it runs (anywhere in it; `if TYPE_CHECKING:` blocks aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {id(n) for block in ast.walk(tree) if _type_checking_block(block) for n in ast.walk(block)}
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kg"):
            for alias in node.names:       # `from kg.extraction import apposition` imports a module
                sub = f"{node.module}.{alias.name}"
                out.append(sub if sub in MODULE_NAMES else node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("kg")]
    return [m for m in out if m in MODULE_NAMES]


def import_graph(modules: list[Path]) -> dict[str, set[str]]:
    return {module_name(p): set(kg_imports(p)) - {module_name(p)} for p in modules}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of imports, as the modules in it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def back_edges(graph: dict[str, set[str]]) -> list[str]:
    out = []
    for module, targets in sorted(graph.items()):
        here = stage_of(module)
        if here < 0:                          # kg/__init__.py, kg/__main__.py
            continue
        out += [f"{module} -> {t}" for t in sorted(targets) if stage_of(t) > here]
    return out


def test_no_import_cycle_between_files():
    assert find_cycle(import_graph(MODULES)) is None


def test_imports_flow_left_to_right():
    assert back_edges(import_graph(MODULES)) == []


def test_every_module_has_a_stage():
    assert [m for m in MODULE_NAMES if stage_of(m) < 0 and m not in ("kg", "kg.__main__")] == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(KG)))
def test_modules_stay_readable(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_the_checks_see_a_cycle_a_back_edge_and_a_long_module(tmp_path):
    """The rules above fail on the trees they are meant to refuse."""
    pkg = tmp_path / "kg"
    (pkg / "store").mkdir(parents=True)
    (pkg / "sources.py").write_text("from kg.store import writes\n")
    (pkg / "store" / "__init__.py").write_text("")
    (pkg / "store" / "writes.py").write_text("import kg.store.reads\n")
    (pkg / "store" / "reads.py").write_text("from kg.store import writes\n" + "x = 1\n" * MAX_LINES)
    mods = sorted(pkg.rglob("*.py"))
    names = {".".join(p.relative_to(tmp_path).with_suffix("").parts).removesuffix(".__init__") for p in mods}
    global MODULE_NAMES, KG
    saved = MODULE_NAMES, KG
    MODULE_NAMES, KG = names, pkg
    try:
        graph = import_graph(mods)
        assert find_cycle(graph) is not None
        assert back_edges(graph) == ["kg.sources -> kg.store.writes"]
        assert len((pkg / "store" / "reads.py").read_text().splitlines()) > MAX_LINES
    finally:
        MODULE_NAMES, KG = saved


def _string_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            out.append((node.lineno, text))
    return out


def test_cypher_lives_behind_the_store():
    found = [f"{p.relative_to(KG)}:{line}" for p in MODULES if "store" not in p.relative_to(KG).parts
             for line, text in _string_literals(p) if CYPHER.search(text) and not _is_help_text(text)]
    assert found == []


def _is_help_text(text: str) -> bool:
    """Examples in --help and docstrings are shown to people, not run: they start with prose."""
    return bool(re.search(r"kg query|Example|e\.g\.", text))


def test_no_literal_list_of_chinese_words_in_code():
    found = []
    for p in MODULES:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            items = node.elts if isinstance(node, (ast.List, ast.Tuple, ast.Set)) else \
                node.keys if isinstance(node, ast.Dict) else []
            chinese = [e for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str)
                       and CJK.search(e.value)]
            if len(chinese) >= 8:
                found.append(f"{p.relative_to(KG)}:{node.lineno}")
    assert found == []


def test_only_the_cli_imports_click():
    users = {p.relative_to(KG).parts[0] for p in MODULES if any(
        isinstance(n, (ast.Import, ast.ImportFrom)) and "click" in ast.unparse(n).split()
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))}
    assert users == {"cli"}


def test_no_module_shadows_the_standard_library():
    import sys
    clashes = [m for m in MODULE_NAMES if m.split(".")[-1] in sys.stdlib_module_names]
    assert clashes == []


def test_data_files_say_what_they_are_and_where_they_came_from():
    for f in sorted((KG / "data").glob("*.t*")):
        header = "\n".join(line for line in f.read_text(encoding="utf-8").splitlines()[:24]
                           if line.startswith("#"))
        assert "Source:" in header or "source" in header.lower(), f.name
