"""The curated Cypher library in cypher/ and running queries by name or file.

Each library file holds one query, headed by comment lines:

    // name: speakers
    // description: Who spoke at an event…
    // params: $event: an event name or alias, e.g. "2025上海国际生物医药产业周"

The same text runs in Neo4j Browser (`:param event => '…'`) and through
`kg query speakers -p event …` on either store.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from kg.errors import QueryError
from kg.store import GraphStore, reads

_HEADER = re.compile(r"^//\s*(name|description|params):\s?(.*)$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass
class LibraryQuery:
    name: str
    description: str
    params: str
    text: str
    path: str

    @property
    def parameters(self) -> list[str]:
        """Parameter names the query uses, in order of first use."""
        body = "\n".join(line for line in self.text.splitlines() if not line.lstrip().startswith("//"))
        return list(dict.fromkeys(_PARAM.findall(body)))

    def example(self, param: str) -> str | None:
        """The example value the header gives for `param`, if any."""
        m = re.search(rf"\${param}:[^$]*?e\.g\.\s*\"([^\"]+)\"", self.params)
        return m.group(1) if m else None


def library_dir():
    return files("kg.cypher")


def parse(text: str, path: str = "<query>") -> LibraryQuery:
    fields: dict[str, list[str]] = {"name": [], "description": [], "params": []}
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if m:
            fields[m.group(1)].append(m.group(2).strip())
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")).strip()
    if body.endswith(";"):
        body = body[:-1].rstrip()
    name = " ".join(fields["name"]) or Path(path).stem
    return LibraryQuery(name, " ".join(fields["description"]), " ".join(fields["params"]), body, path)


def library() -> dict[str, LibraryQuery]:
    """Every query in cypher/ except the schema, by name."""
    out = {}
    for entry in sorted(library_dir().iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".cypher") and entry.name != "schema.cypher":
            q = parse(entry.read_text(encoding="utf-8"), entry.name)
            out[q.name] = q
    return out


def resolve_query(name_or_file: str | None, inline: str | None = None) -> LibraryQuery:
    """A library query by name, a .cypher file, or inline text (`-e`)."""
    if inline is not None:
        return parse(inline, "-e")
    assert name_or_file is not None
    lib = library()
    if name_or_file in lib:
        return lib[name_or_file]
    path = Path(name_or_file)
    if path.suffix == ".cypher" or path.exists():
        try:
            return parse(path.read_text(encoding="utf-8"), str(path))
        except OSError as exc:
            raise QueryError(f"{path}: cannot read query file: {exc.strerror or exc}") from None
    close = [n for n in lib if name_or_file.lower() in n or n in name_or_file.lower()]
    hint = f"; did you mean {', '.join(close)}?" if close else f"; library: {', '.join(lib)}"
    raise QueryError(f"no library query or file named {name_or_file!r}{hint}")


_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_params(pairs: list[str]) -> dict:
    """`name=value` gives text as written (999 stays the text "999"); `name:=json` gives a JSON
    value (`limit:=10`, `names:=["a","b"]`).  Names are Cypher parameter names."""
    out = {}
    for item in pairs:
        key, sep, value = item.partition("=")
        as_json = key.endswith(":")
        key = key.removesuffix(":")
        if not sep or not _PARAM_NAME.fullmatch(key):
            raise QueryError(f"parameter {item!r}: expected name=text or name:=json, with a name of "
                             "letters, digits and _ (not starting with a digit)")
        if as_json:
            try:
                value = json.loads(value)
            except json.JSONDecodeError as e:
                raise QueryError(f"parameter {key}: {value!r} is not JSON ({e.msg})") from None
        out[key] = value
    return out


def run_query(store: GraphStore, query: LibraryQuery, params: dict | None = None,
              write: bool = False, timeout: float | None = None) -> list[dict]:
    """Run a query; missing parameters are a clear error, not an engine error."""
    params = dict(params or {})
    missing = [p for p in query.parameters if p not in params]
    if missing:
        hints = [f"-p {p}={query.example(p)}" if query.example(p) else f"-p {p}=VALUE" for p in missing]
        raise QueryError(f"query {query.name!r} needs {', '.join('$' + m for m in missing)}: "
                         f"add {' '.join(hints)}")
    return store.run(query.text, params, write=write, timeout=timeout)


def why(store: GraphStore, head: str, tail: str, relation: str | None = None) -> list[dict]:
    """Every evidence sentence behind facts from `head` to `tail` (by name or alias)."""
    from kg.model import RelationType
    if relation is not None:
        try:
            relation = str(RelationType(relation.upper()))
        except ValueError:
            known = ", ".join(t.value for t in RelationType)
            raise QueryError(f"unknown relation {relation!r}; one of {known}") from None
    return reads.evidence(store, head, tail, relation)


def status(store: GraphStore) -> dict:
    """Which store, what it holds, and the last load."""
    labels, types, last = reads.counts(store)
    return {"store": store.describe(), "nodes": labels, "relationships": types, "last_load": last}
