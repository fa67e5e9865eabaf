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


_CONTROLS = {c: 0x2400 + c for c in range(32)} | {0x7F: 0x2421} | {c: 0xFFFD for c in range(0x80, 0xA0)}


def printable(text: str) -> str:
    """Text safe for a terminal: control characters (an escape sequence in a title could
    move the cursor or recolour the screen) become visible symbols (␛, ␊ …)."""
    return text.translate(_CONTROLS)


def write_table(rows: list[dict[str, str]], out: IO[str]) -> None:
    if not rows:
        out.write("(no rows)\n")
        return
    rows = [{printable(k): printable(v) for k, v in r.items()} for r in rows]
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
