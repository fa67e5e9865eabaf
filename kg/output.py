"""Render rows and extractions: table, json, jsonl, csv (streamed)."""
from __future__ import annotations

import csv
import json
import sys
import time
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


def write_load_report(report, out: IO[str] | None = None, err: IO[str] | None = None) -> None:
    """What a load changed (stdout), and the first rows it rejected (stderr)."""
    out, err = out or sys.stdout, err or sys.stderr
    c = report.counters
    out.write(f"articles: {report.articles_new} new, {report.articles_changed} changed, "
              f"{report.articles_unchanged} unchanged, {report.articles_rejected} rejected\n"
              f"nodes: {c.nodes_created} created, {report.nodes_updated} updated, {c.nodes_deleted} deleted\n"
              f"relationships: {c.relationships_created} created, {report.relationships_updated} updated, "
              f"{c.relationships_deleted} deleted\n")
    out.flush()
    for line in report.rows_rejected[:20]:
        err.write(f"kg: rejected: {line}\n")
    if len(report.rows_rejected) > 20:
        err.write(f"kg: rejected: … and {len(report.rows_rejected) - 20} more rows\n")


def write_status(info: dict, out: IO[str] | None = None) -> None:
    """`kg status` as a table: the store, nodes by label, relationships by type, the last load."""
    out = out or sys.stdout
    out.write(info["store"] + "\n")
    for label, n in info["nodes"].items():
        out.write(f"  {label:14} {n:8d} nodes\n")
    for rtype, n in info["relationships"].items():
        out.write(f"  {rtype:14} {n:8d} relationships\n")
    last = info["last_load"]
    out.write(f"last load: {last['at']}, {last['articles']} articles "
              f"({last['new']} new, {last['changed']} changed, {last['unchanged']} unchanged, "
              f"{last['rejected']} rejected)\n" if last else "last load: never\n")


class PartitionProgress:
    """A cluster run's progress on stderr: partitions done / all and articles per second, live
    on a terminal (nothing in a pipe or log), then one closing line."""

    def __init__(self, stream: IO[str] | None = None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.start, self.parts, self.articles = time.monotonic(), (0, 0), 0

    def __call__(self, done: int, total: int, articles: int) -> None:
        self.parts, self.articles = (done, total), articles
        if self.live:
            self.stream.write(f"\r{self.line()}…")
            self.stream.flush()

    def line(self) -> str:
        rate = self.articles / max(time.monotonic() - self.start, 1e-9)
        return f"{self.parts[0]}/{self.parts[1]} partitions, {self.articles} articles, {rate:.1f} articles/s"

    def done(self) -> None:
        if self.live:
            self.stream.write("\r" + " " * 70 + "\r")
        if self.parts[1]:
            self.stream.write(f"kg: {self.line()}\n")
        self.stream.flush()
