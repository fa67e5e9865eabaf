"""Render rows and extractions: table, json, jsonl, csv (streamed)."""
from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

from kg.model import Extraction
from kg.store import GraphPath, Node, Rel


def plain(value: Any) -> Any:
    """Graph values as JSON-friendly data."""
    if isinstance(value, Node):
        return {"labels": list(value.labels), **value.props}
    if isinstance(value, Rel):
        return {"type": value.type, **value.props}
    if isinstance(value, GraphPath):
        return {"nodes": [plain(n) for n in value.nodes], "rels": [plain(r) for r in value.rels]}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def cell(value: Any) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        if isinstance(value, dict) and "name" in value:
            return str(value["name"])
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_rows(rows: Iterable[dict], fmt: str, out: IO[str] = sys.stdout) -> int:
    """Write query rows; returns how many were written."""
    rows = iter(rows)
    n = 0
    if fmt == "json":
        out.write("[")
        for n, row in enumerate(rows, 1):
            out.write(("," if n > 1 else "") + "\n  " + json.dumps(plain(row), ensure_ascii=False))
        out.write("\n]\n" if n else "]\n")
        return n
    if fmt == "jsonl":
        for n, row in enumerate(rows, 1):
            out.write(json.dumps(plain(row), ensure_ascii=False) + "\n")
        return n
    if fmt == "csv":
        writer = None
        for n, row in enumerate(rows, 1):
            if writer is None:
                writer = csv.writer(out)
                writer.writerow(list(row))
            writer.writerow([cell(v) for v in row.values()])
        return n
    materialised = [{k: cell(v) for k, v in row.items()} for row in rows]
    write_table(materialised, out)
    return len(materialised)


def write_table(rows: list[dict[str, str]], out: IO[str]) -> None:
    if not rows:
        out.write("(no rows)\n")
        return
    cols = list(rows[0])
    widths = {c: max(display_width(c), *(display_width(r.get(c, "")) for r in rows)) for c in cols}
    widths = {c: min(w, 60) for c, w in widths.items()}
    out.write("  ".join(pad(c, widths[c]) for c in cols).rstrip() + "\n")
    out.write("  ".join("-" * widths[c] for c in cols) + "\n")
    for r in rows:
        out.write("  ".join(pad(clip(r.get(c, ""), widths[c]), widths[c]) for c in cols).rstrip() + "\n")


def display_width(s: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def clip(s: str, width: int) -> str:
    if display_width(s) <= width:
        return s
    out, w = [], 0
    for ch in s:
        cw = 2 if ord(ch) > 0x2E80 else 1
        if w + cw > width - 1:
            break
        out.append(ch)
        w += cw
    return "".join(out) + "…"


def pad(s: str, width: int) -> str:
    return s + " " * max(width - display_width(s), 0)


def extraction_rows(extractions: Iterable[Extraction]) -> Iterator[dict]:
    """One table row per entity and per relation (for `kg extract --format table`)."""
    for ex in extractions:
        for e in ex.entities:
            yield {"doc_id": ex.doc_id, "kind": str(e.type), "what": e.name,
                   "detail": "、".join(e.aliases)}
        for r in ex.relations:
            yield {"doc_id": ex.doc_id, "kind": str(r.type), "what": f"{r.head} -> {r.tail}",
                   "detail": r.evidence}


def print_load(report) -> None:
    """What `kg load` prints of a kg.store.load.LoadReport: a summary, and rejected rows on stderr."""
    c = report.counters
    lines = [f"articles: {report.articles_new} new, {report.articles_changed} changed, "
             f"{report.articles_unchanged} unchanged, {report.articles_rejected} rejected",
             f"nodes: {c.nodes_created} created, {report.nodes_updated} updated, {c.nodes_deleted} deleted",
             f"relationships: {c.relationships_created} created, {report.relationships_updated} updated, "
             f"{c.relationships_deleted} deleted"]
    rejected = [f"kg: rejected: {line}" for line in report.rows_rejected[:20]]
    if len(report.rows_rejected) > 20:
        rejected.append(f"kg: rejected: … and {len(report.rows_rejected) - 20} more rows")
    print("\n".join(lines), flush=True)
    if rejected:
        print("\n".join(rejected), file=sys.stderr, flush=True)


def status_lines(info: dict) -> list[str]:
    """`kg status` as text: the store, its counts by label and type, the last load."""
    lines = [info["store"]]
    lines += [f"  {label:14} {n:8d} nodes" for label, n in info["nodes"].items()]
    lines += [f"  {rtype:14} {n:8d} relationships" for rtype, n in info["relationships"].items()]
    last = info["last_load"]
    lines.append(f"last load: {last['at']}, {last['articles']} articles "
                 f"({last['new']} new, {last['changed']} changed, {last['unchanged']} unchanged, "
                 f"{last['rejected']} rejected)" if last else "last load: never")
    return lines


class Problems:
    """Collects per-input problems: each printed as one line on stderr, errors fail the run."""

    def __init__(self):
        self.errors = 0
        self.warnings = 0

    def __call__(self, exc) -> None:
        if getattr(exc, "warning", False):
            self.warnings += 1
            print(f"kg: warning: {exc}", file=sys.stderr, flush=True)
        else:
            self.errors += 1
            print(f"kg: error: {exc}", file=sys.stderr, flush=True)

    def exit_code(self) -> int:
        return 1 if self.errors else 0


class ProgressLine:
    """Progress on stderr: a live count on a terminal, nothing in a pipe or log."""

    def __init__(self, what: str):
        self.what, self.n = what, 0
        self.live = sys.stderr.isatty()

    def __call__(self, k: int) -> None:
        self.n += k
        if self.live:
            print(f"\r{self.n} {self.what}…", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.live:
            print("\r" + " " * 30 + "\r", end="", file=sys.stderr, flush=True)
