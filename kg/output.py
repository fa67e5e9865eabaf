"""Render rows and extractions: table, json, jsonl, csv (streamed)."""
from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

from kg.errors import KgError
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


def write_rows(rows: Iterable[dict], fmt: str, out: IO[str] | None = None) -> int:
    """Write query rows (to standard output unless `out`); returns how many were written."""
    out = out or sys.stdout
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


def report_lines(report) -> tuple[list[str], list[str]]:
    """What `kg load` says about a LoadReport: (lines for stdout, lines for stderr)."""
    c = report.counters
    out = [f"articles: {report.articles_new} new, {report.articles_changed} changed, "
           f"{report.articles_unchanged} unchanged, {report.articles_rejected} rejected",
           f"nodes: {c.nodes_created} created, {report.nodes_updated} updated, {c.nodes_deleted} deleted",
           f"relationships: {c.relationships_created} created, {report.relationships_updated} updated, "
           f"{c.relationships_deleted} deleted"]
    if report.articles_moved:
        out.append(f"re-resolved: {report.articles_moved} articles already loaded, whose entities moved")
    err = [f"kg: rejected: {line}" for line in report.rows_rejected[:20]]
    if len(report.rows_rejected) > 20:
        err.append(f"kg: rejected: … and {len(report.rows_rejected) - 20} more rows")
    return out, err


def curation_lines(done, undone: bool = False) -> list[str]:
    """What `kg curate` says: the decision kept (or undone) and what it changed in the graph."""
    c, r = done.report.counters, done.report
    return [f"{'undone' if undone else 'kept'} in {done.path}: {done.decision.line()}",
            f"graph: {r.articles_written} articles placed again; nodes {c.nodes_created} created, "
            f"{c.nodes_deleted} deleted; relationships {c.relationships_created} created, "
            f"{c.relationships_deleted} deleted"]


def status_lines(info: dict) -> list[str]:
    """`kg status` as text."""
    out = [info["store"]]
    out += [f"  {label:14} {n:8d} nodes" for label, n in info["nodes"].items()]
    out += [f"  {rtype:14} {n:8d} relationships" for rtype, n in info["relationships"].items()]
    last = info["last_load"]
    out.append(f"last load: {last['at']}, {last['articles']} articles ({last['new']} new, {last['changed']} "
               f"changed, {last['unchanged']} unchanged, {last['rejected']} rejected)" if last else "last load: never")
    return out


def _err(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


class Problems:
    """Collects per-input problems: each printed as one line, errors fail the run."""

    def __init__(self):
        self.errors = 0
        self.warnings = 0

    def __call__(self, exc: KgError) -> None:
        if getattr(exc, "warning", False):
            self.warnings += 1
            _err(f"kg: warning: {exc}\n")
        else:
            self.errors += 1
            _err(f"kg: error: {exc}\n")

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
            _err(f"\r{self.n} {self.what}…")

    def done(self) -> None:
        if self.live:
            _err("\r" + " " * 30 + "\r")
