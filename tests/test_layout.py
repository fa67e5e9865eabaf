"""The house rules a newcomer relies on: data flows one way, the CLI is thin."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

KG = Path(__file__).resolve().parent.parent / "kg"
# Stages, left to right; a module may import only from its own stage or to its left.
STAGES = ["model", "errors", "data", "sources", "clean", "pipeline", "components", "extract",
          "resolve", "store", "query", "output", "viz", "cli"]
# The one deliberate exception: the registry loads the built-in components it names.
ALLOWED = {("kg.pipeline", "kg.components")}
MODULES = sorted(p for p in KG.rglob("*.py") if "__pycache__" not in p.parts)


def stage_of(module: str) -> int:
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else "__init__"
    return STAGES.index(name) if name in STAGES else -1


def module_name(path: Path) -> str:
    rel = path.relative_to(KG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def kg_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kg"):
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("kg")]
    return out


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(KG)))
def test_imports_flow_left_to_right(path):
    here = stage_of(module_name(path))
    if here < 0:                              # kg/__init__.py, kg/__main__.py
        return
    for target in kg_imports(path):
        if (module_name(path), target) in ALLOWED:
            continue
        assert stage_of(target) <= here, f"{module_name(path)} imports {target}, to its right"


def test_only_the_cli_imports_click():
    users = [p.name for p in MODULES if any(
        isinstance(n, (ast.Import, ast.ImportFrom)) and "click" in ast.unparse(n).split()
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
    assert users == ["cli.py"]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(KG)))
def test_modules_stay_readable(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 450


def test_data_files_say_what_they_are_and_where_they_came_from():
    for f in sorted((KG / "data").glob("*.t*")):
        header = "\n".join(line for line in f.read_text(encoding="utf-8").splitlines()[:24]
                           if line.startswith("#"))
        assert "Source:" in header or "source" in header.lower(), f.name
