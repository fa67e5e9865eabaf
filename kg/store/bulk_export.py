"""The graph as the CSV files `neo4j-admin database import full` takes: a cold start for
millions of articles, written offline at import speed instead of through transactions.

    DIR/Article.header.csv, DIR/Article.csv                 nodes, one pair per label
    DIR/APPROVED-Organization-Product.header.csv, ….csv     relationships, one pair per type
                                                            and (head label, tail label)
    DIR/import.sh        neo4j-admin database import full [DATABASE] with every file named
    DIR/after-import.cypher   run once on the started server: fix-ups, then kg's schema

The keys and properties are the loader's (kg.store.writes): nodes keep `key`
(Article: `id`) as their import id, list properties are arrays split at
U+001F.  Two things the import format cannot say are set after the import
(FIXUPS): an empty list (`aliases` of an entity known by one name) and a
list holding one empty string (`titles` of a fact with one article and no
title) both arrive as a missing property.  Reads go page by page on the
key constraints, so memory stays flat however big the store is.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from kg.errors import StoreError
from kg.store.base import GraphStore
from kg.store.writes import EDGE_LISTS, LABELS, TYPES, _label, _type

ARRAY_DELIMITER = "\x1f"          # Unit Separator: no article text kg keeps holds it (checked)
PAGE = 5000

# Each property the loader writes, with its import type ("" is a string).
ARTICLE = {"id": "ID(Article)", "title": "", "date": "", "source": "", "url": "", "sha256": "", "loaded_at": ""}
ENTITY = {"key": "ID({label})", "name": "", "aliases": "string[]", "mentions": "long", "first_seen": "",
          "last_seen": ""}
MENTIONS = {"count": "long", "forms": "string[]"}
FACT = {**{name: "string[]" for name in EDGE_LISTS}, "title": "", "date": "", "currency": "",
        "amount_text": "", "amount": "double"}

# Values neo4j-admin cannot write, set once the database runs: an empty list, and a list of
# one empty string aligned with a fact's single article.
FIXUPS = [f"MATCH (n:{label}) WHERE n.aliases IS NULL SET n.aliases = []" for label in LABELS] + [
    f"MATCH ()-[r:{rtype}]->() WHERE r.{name} IS NULL SET r.{name} = [x IN r.articles | '']"
    for rtype in TYPES for name in EDGE_LISTS if name != "articles"]


@dataclass
class ExportReport:
    directory: Path
    nodes: dict[str, int] = field(default_factory=dict)           # label -> rows
    relationships: dict[str, int] = field(default_factory=dict)   # file stem -> rows
    seconds: float = 0.0

    def summary(self) -> str:
        n, r = sum(self.nodes.values()), sum(self.relationships.values())
        return (f"{n} nodes and {r} relationships in {len(self.nodes) + len(self.relationships)} CSV files "
                f"in {self.directory} ({self.seconds:.1f} s); then {self.directory / 'import.sh'} "
                f"[DATABASE] with the server stopped, start it, and run {self.directory / 'after-import.cypher'}")


def export_neo4j_import(store: GraphStore, directory: str | Path) -> ExportReport:
    """Write every node and relationship of `store` under `directory` for neo4j-admin."""
    started = time.perf_counter()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    report = ExportReport(out)
    with _Files(out) as files:
        for label in ("Article", *LABELS):
            columns = ARTICLE if label == "Article" else {k: v.format(label=label) for k, v in ENTITY.items()}
            ident = "id" if label == "Article" else "key"
            for row in _pages(store, label, ident):
                files.node(label, columns).write(_line(row["props"], columns, f"{label} {row['ident']}"))
                report.nodes[label] = report.nodes.get(label, 0) + 1
            if label == "Article":
                _mentions(store, files, report)
            else:
                _facts(store, label, files, report)
    (out / "import.sh").write_text(_script(files.args()), encoding="utf-8")
    (out / "import.sh").chmod(0o755)
    (out / "after-import.cypher").write_text(after_import_script(), encoding="utf-8")
    report.seconds = time.perf_counter() - started
    return report


def import_arguments(directory: str | Path) -> list[str]:
    """The options of `neo4j-admin database import full` for an export in `directory`."""
    out = Path(directory)
    args = ["--array-delimiter=U+001F", "--multiline-fields=true", f"--report-file={out / 'import.report'}"]
    for header in sorted(out.glob("*.header.csv")):
        stem = header.name.removesuffix(".header.csv")
        data = out / f"{stem}.csv"
        kind = "--nodes" if "-" not in stem else "--relationships"
        name = stem if kind == "--nodes" else stem.split("-")[0]
        args.append(f"{kind}={name}={header},{data}")
    return args


def after_import_statements() -> list[str]:
    """The fix-ups (FIXUPS): run once, on the imported database, before kg's schema."""
    return list(FIXUPS)


def finish_import(store: GraphStore) -> None:
    """After the import, on the running server: the fix-ups, then kg's constraints and indexes."""
    for statement in after_import_statements():
        store.run(statement, write=True)
    store.ensure_schema()


def after_import_script() -> str:
    from kg.store.neo4j_store import cypher_dir
    lines = ["// kg export --neo4j-import: run once on the imported database (cypher-shell -f after-import.cypher)",
             *(s + ";" for s in after_import_statements()),
             cypher_dir().joinpath("schema.cypher").read_text(encoding="utf-8")]
    return "\n".join(lines) + "\n"


def _pages(store: GraphStore, label: str, ident: str):
    """Nodes of a label in pages of PAGE, in key order (the unique constraint's index)."""
    query = (f"MATCH (n:{_label(label)}) WHERE $after IS NULL OR n.{ident} > $after "
             f"RETURN n.{ident} AS ident, properties(n) AS props ORDER BY n.{ident} LIMIT $limit")
    after = None
    while rows := store.run(query, {"after": after, "limit": PAGE}):
        yield from rows
        after = rows[-1]["ident"]


def _mentions(store: GraphStore, files: "_Files", report: ExportReport) -> None:
    query = ("UNWIND $ids AS id MATCH (a:Article {id: id})-[m:MENTIONS]->(n) "
             "RETURN a.id AS article, labels(n) AS labels, n.key AS key, properties(m) AS props")
    ids: list[str] = []
    for row in [*_pages(store, "Article", "id"), None]:
        if row is not None:
            ids.append(row["ident"])
        if ids and (row is None or len(ids) == PAGE):
            for m in store.run(query, {"ids": ids}):
                tail = _entity_label(m["labels"])
                stem = f"MENTIONS-Article-{tail}"
                line = _line({"a": m["article"], "t": m["key"], **m["props"]},
                             {"a": "START_ID(Article)", "t": f"END_ID({tail})", **MENTIONS}, stem)
                files.rel(stem, {"a": "START_ID(Article)", "t": f"END_ID({tail})", **MENTIONS}).write(line)
                report.relationships[stem] = report.relationships.get(stem, 0) + 1
            ids = []


def _facts(store: GraphStore, head: str, files: "_Files", report: ExportReport) -> None:
    """Relationships out of the entities of label `head`, fetched for a page of keys at a time."""
    query = (f"UNWIND $keys AS key MATCH (h:{_label(head)} {{key: key}})-[r]->(t) WHERE type(r) <> 'MENTIONS' "
             "RETURN h.key AS head, type(r) AS type, labels(t) AS labels, t.key AS tail, properties(r) AS props")
    keys: list[str] = []
    for row in [*_pages(store, head, "key"), None]:
        if row is not None:
            keys.append(row["ident"])
        if keys and (row is None or len(keys) == PAGE):
            for r in store.run(query, {"keys": keys}):
                tail = _entity_label(r["labels"])
                stem = f"{_type(r['type'])}-{head}-{tail}"
                columns = {"h": f"START_ID({head})", "t": f"END_ID({tail})", **FACT}
                files.rel(stem, columns).write(_line({"h": r["head"], "t": r["tail"], **r["props"]}, columns,
                                                     f"{stem} {r['head']} -> {r['tail']}"))
                report.relationships[stem] = report.relationships.get(stem, 0) + 1
            keys = []


def _entity_label(labels: list[str]) -> str:
    found = [label for label in labels if label in LABELS]
    if len(found) != 1:
        raise StoreError(f"bulk export: a node labelled {labels} is not one kg entity")
    return found[0]


def _line(props: dict, columns: dict[str, str], what: str) -> str:
    unknown = set(props) - set(columns)
    if unknown:
        raise StoreError(f"bulk export: {what} has properties kg.store.bulk_export does not know: "
                         f"{', '.join(sorted(unknown))} (add them to its column lists)")
    return ",".join(_cell(props.get(name), kind, what) for name, kind in columns.items()) + "\n"


def _cell(value, kind: str, what: str) -> str:
    """One CSV field: null is empty and unquoted (no property); a string is always quoted, so
    an empty string stays one; numbers as Python writes them (shortest exact float)."""
    if value is None:
        return ""
    if kind == "string[]":
        if not isinstance(value, list):
            raise StoreError(f"bulk export: {what}: expected a list, got {type(value).__name__}")
        return _quote(ARRAY_DELIMITER.join(_text(v, what) for v in value)) if value else ""
    if kind in ("long", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise StoreError(f"bulk export: {what}: expected a number, got {value!r}")
        return str(int(value)) if kind == "long" else repr(float(value))
    return _quote(_text(value, what))


def _text(value, what: str) -> str:
    text = str(value)
    if ARRAY_DELIMITER in text:
        raise StoreError(f"bulk export: {what}: a value holds U+001F, the array delimiter")
    return text


def _header(name: str, kind: str) -> str:
    """`key:ID(Organization)`, `:START_ID(Article)` (the ends are not properties), `aliases:string[]`."""
    if kind.startswith(("START_ID", "END_ID")):
        return f":{kind}"
    return f"{name}:{kind}" if kind else name


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class _Files:
    """Header and data files, opened on first use, closed together."""

    def __init__(self, out: Path):
        self.out, self.open_files = out, {}

    def node(self, label: str, columns: dict[str, str]) -> IO[str]:
        return self._get(label, columns)

    def rel(self, stem: str, columns: dict[str, str]) -> IO[str]:
        return self._get(stem, columns)

    def _get(self, stem: str, columns: dict[str, str]) -> IO[str]:
        if stem not in self.open_files:
            header = ",".join(_header(name, kind) for name, kind in columns.items())
            (self.out / f"{stem}.header.csv").write_text(header + "\n", encoding="utf-8")
            self.open_files[stem] = open(self.out / f"{stem}.csv", "w", encoding="utf-8", newline="")
        return self.open_files[stem]

    def args(self) -> list[str]:
        return sorted(self.open_files)

    def __enter__(self) -> "_Files":
        return self

    def __exit__(self, *exc) -> None:
        for f in self.open_files.values():
            f.close()


def _script(stems: list[str]) -> str:
    nodes = " ".join(f"--nodes={s}={s}.header.csv,{s}.csv" for s in stems if "-" not in s)
    rels = " ".join(f"--relationships={s.split('-')[0]}={s}.header.csv,{s}.csv" for s in stems if "-" in s)
    return ("#!/bin/sh\n"
            "# Written by kg export --neo4j-import: a first load into a NEW Neo4j database, the server stopped.\n"
            "# Usage: import.sh [DATABASE]   (neo4j-admin from PATH, or the command in NEO4J_ADMIN)\n"
            "# Then start the server and run after-import.cypher once (cypher-shell -f after-import.cypher).\n"
            'cd "$(dirname "$0")" || exit 1\n'
            f'exec ${{NEO4J_ADMIN:-neo4j-admin}} database import full "${{1:-neo4j}}" '
            f"--array-delimiter=U+001F --multiline-fields=true --report-file=import.report {nodes} {rels}\n")
