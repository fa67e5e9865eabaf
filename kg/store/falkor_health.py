"""Is an embedded store whole?  Checks before its server starts and once it has loaded.

A store directory holds kg-store.json with the number of write batches the store
has confirmed (rewritten after each batch committed), and the graph holds the
same counter, raised by each batch inside its own query.  So after a start the
graph's count must be at least the file's; fewer means the append-only file lost
writes that were confirmed (cut short, a file deleted), which redis itself
would load without a word.  A crash mid-write only loses the write in flight,
which was never confirmed, so the counts still agree.

Before the server starts: the append-only manifest must be there when data
files are, and the files it names must exist and not be empty.

`repair()` keeps what a damaged store still holds and makes it usable again;
re-running `kg load` on the articles then writes what is missing (articles are
idempotent by sha256).
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from kg.errors import StoreError

MARKER = "kg-store.json"
AOF_DIR = "appendonlydir"
MANIFEST = "appendonly.aof.manifest"
COUNTER_QUERY = "MERGE (m:KgStore {id: 'store'}) SET m.writes = coalesce(m.writes, 0) + 1 RETURN m.writes"
READ_COUNTER = "MATCH (m:KgStore {id: 'store'}) RETURN m.writes AS writes"


class StoreDamaged(StoreError):
    """The store's files do not hold what it confirmed; nothing was changed."""

    def __init__(self, store: Path, reason: str):
        super().__init__(f"{store}: the store is damaged: {reason}; nothing was changed. "
                         f"`kg repair --store {store}` keeps what it still holds; then run kg load "
                         "again on your articles to write what is missing")


def is_store(path: Path) -> bool:
    return (path / MARKER).exists() or (path / AOF_DIR).is_dir()


def confirmed_writes(store: Path) -> int | None:
    """The batch count kg-store.json records, or None when there is no readable file."""
    try:
        return int(json.loads((store / MARKER).read_text(encoding="utf-8"))["writes"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record_writes(store: Path, writes: int) -> None:
    """Rewrite kg-store.json atomically (a reader never sees half of it)."""
    fd, tmp = tempfile.mkstemp(dir=store, prefix=".kg-store.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"format": 1, "engine": "falkordb", "writes": writes}, fh)
        fh.write("\n")
    os.replace(tmp, store / MARKER)


def manifest_files(store: Path) -> list[tuple[str, str]]:
    """(file name, type b|h|i) of each line of the append-only manifest."""
    out = []
    for line in (store / AOF_DIR / MANIFEST).read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"file (\S+) seq \d+ type ([bhi])", line)
        if m:
            out.append((m.group(1), m.group(2)))
    return out


def check_files(store: Path) -> None:
    """Before the server starts: refuse a store whose data files redis would silently ignore."""
    aof = store / AOF_DIR
    data = [f for f in aof.glob("appendonly.aof.*") if f.name != MANIFEST] if aof.is_dir() else []
    if not data:
        return
    if not (aof / MANIFEST).exists():
        raise StoreDamaged(store, f"{AOF_DIR}/{MANIFEST} is missing, so the data files beside it "
                                  "would be ignored and the store would start empty")
    for name, kind in manifest_files(store):
        path = aof / name
        if not path.exists():
            raise StoreDamaged(store, f"{AOF_DIR}/{name}, named in its manifest, is missing")
        if kind == "b" and path.stat().st_size == 0:
            raise StoreDamaged(store, f"{AOF_DIR}/{name}, its base data file, is empty")


def check_writable(store: Path) -> None:
    """The server writes its append-only file and socket here: say so plainly if it cannot."""
    try:
        fd, probe = tempfile.mkstemp(dir=store, prefix=".kg-probe.")
    except OSError as e:
        raise StoreError(f"{store}: cannot use the store: {e.strerror or e} (the folder must be writable)") from None
    os.close(fd)
    os.unlink(probe)


def check_counts(store: Path, graph_writes: int) -> None:
    """Once loaded: the graph must hold every batch kg-store.json says was confirmed."""
    confirmed = confirmed_writes(store)
    if confirmed is not None and graph_writes < confirmed:
        raise StoreDamaged(store, f"it holds {graph_writes} of the {confirmed} write batches it confirmed "
                                  "(its append-only file lost data)")


def startup_failure(log_tail: list[str]) -> str:
    """One line on why redis did not start, from the end of server.log."""
    for line in reversed(log_tail):
        text = re.sub(r"^\d+:[A-Z] [^#*.-]*[#*.-] ?", "", line).strip()
        if "WARNING" in text:
            continue
        if re.search(r"(?i)bad file format|unexpected end|short read|corrupt|can't|cannot|fail|error", text):
            return text
    return next((line.strip() for line in reversed(log_tail) if line.strip()), "no log")


def repair(store: Path) -> list[str]:
    """Make a damaged store usable with what it still holds; returns what was done.
    The caller starts the server afterwards and calls accept() with the graph's count."""
    done = []
    aof = store / AOF_DIR
    data = sorted(f for f in aof.glob("appendonly.aof.*") if f.name != MANIFEST) if aof.is_dir() else []
    if data and not (aof / MANIFEST).exists():
        lines = _manifest_for(data)
        (aof / MANIFEST).write_text("".join(lines), encoding="utf-8")
        done.append(f"wrote a new {AOF_DIR}/{MANIFEST} naming {len(lines)} data file(s)")
    elif data:
        kept = []
        for line in (aof / MANIFEST).read_text(encoding="utf-8").splitlines(keepends=True):
            m = re.match(r"file (\S+) seq \d+ type ([bhi])", line)
            gone = m and (not (aof / m.group(1)).exists()
                          or m.group(2) == "b" and (aof / m.group(1)).stat().st_size == 0)
            if gone:
                done.append(f"dropped {m.group(1)} (missing or empty) from the manifest")
            else:
                kept.append(line)
        (aof / MANIFEST).write_text("".join(kept), encoding="utf-8")
    return done


def _manifest_for(files: list[Path]) -> list[str]:
    """Manifest lines for the base and incremental files present, in sequence order."""
    lines = []
    for f in files:
        m = re.match(r"appendonly\.aof\.(\d+)\.(base\.(?:rdb|aof)|incr\.aof)$", f.name)
        if m:
            kind = "b" if m.group(2).startswith("base") else "i"
            lines.append((kind != "b", int(m.group(1)), f"file {f.name} seq {m.group(1)} type {kind}\n"))
    return [line for _, _, line in sorted(lines)]
