"""Split the input of a run into partitions, each read by a worker on its own.

A partition is a list of pieces: whole files, or runs of whole lines of a
JSON Lines file.  The client only lists the files, reads the head of the big
ones (is it JSON Lines?) and cuts byte ranges; no article passes through it.
A run of lines needs its first line's number (a record without an id field
is named `file#line`) and the file must be UTF-8 throughout (otherwise kg
reads it as GB18030 as a whole): `index_file`, run on a worker, scans the
file once for both.  A file that fails the checks is read whole, by the same
rules as a local run, so ids and record places never differ from one.
"""
from __future__ import annotations

import codecs
import math
import mmap
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from kg import sources
from kg.errors import KgError, SourceError

HEAD_BYTES = 1 << 16          # enough to see a file's first lines; more when the first line is longer
MAX_FIRST_LINE = 1 << 24      # a "first line" longer than this is not JSON Lines worth splitting
MIN_RANGE = 1 << 12           # never cut a file into runs smaller than this
SCAN_CHUNK = 1 << 24


@dataclass(frozen=True)
class Piece:
    """One file, or the lines of one JSON Lines file that start in bytes [start, end)."""
    path: str                  # absolute: what the worker opens
    where: str                 # the path as a local run names it (in errors and record places)
    file_id: str               # the article id of a one-article file
    start: int = 0
    end: int | None = None     # None: the whole file, read by kg.sources' rules
    first_line: int = 1        # number of the first line in [start, end)
    data: bytes | None = None  # standard input, read by the client

    @property
    def size(self) -> int:
        """Bytes of a byte range (a whole file's size is known to the planner, not here)."""
        return len(self.data) if self.data is not None else (self.end or 0) - self.start

    def describe(self) -> str:
        return self.where if self.end is None else f"{self.where} bytes {self.start}-{self.end}"


@dataclass
class Partition:
    index: int
    pieces: list[Piece] = field(default_factory=list)

    def describe(self) -> str:
        names = [p.describe() for p in self.pieces]
        return ", ".join(names[:2]) + (f" and {len(names) - 2} more" if len(names) > 2 else "")


@dataclass
class FileIndex:
    """What index_file found: may the file be read in runs, and where its cuts fall."""
    splittable: bool
    starts: dict[int, tuple[int, int]] = field(default_factory=dict)   # cut -> (line start, line number)


def list_pieces(paths: Iterable[str], report: Callable[[KgError], None]) -> list[tuple[Piece, int]]:
    """Every input file as a whole-file piece with its size, in reading order (stdin read now)."""
    out = []
    for f, file_id in sources.files(paths, report):
        if f == "-":
            data = sys.stdin.buffer.read()
            out.append((Piece("-", "-", file_id, data=data), len(data)))
            continue
        try:
            size = f.stat().st_size
        except OSError:
            size = 0                   # the worker reports it as a local run does
        out.append((Piece(os.path.abspath(f), str(f), file_id), size))
    return out


def splittable_head(path: str) -> bool:
    """Does the file start like JSON Lines (kg.sources.json_lines_head)?"""
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
            while b"\n" not in head.lstrip() and len(head) < MAX_FIRST_LINE:
                more = f.read(len(head))
                if not more:
                    break
                head += more
    except OSError:
        return False
    return sources.json_lines_head(head)


def plan(files: list[tuple[Piece, int]], count: int,
         is_jsonl: Callable[[str], bool] = splittable_head) -> list[Partition]:
    """About `count` partitions of even size (exactly `count` where the input can be cut so):
    small files together, big JSON Lines files in byte ranges (aligned to lines later)."""
    total = sum(size for _, size in files)
    block = max(math.ceil(total / max(count, 1)), MIN_RANGE)
    parts: list[Partition] = [Partition(0)]
    room = block
    for piece, size in files:
        if piece.data is None and size > block and size >= 2 * MIN_RANGE and is_jsonl(piece.path):
            start = 0
            while start < size:
                take = size - start if size - start <= room else max(room, MIN_RANGE)
                parts[-1].pieces.append(replace(piece, start=start, end=start + take))
                start += take
                room -= take
                if room <= 0 and start < size:
                    parts.append(Partition(len(parts)))
                    room = block
        else:
            parts[-1].pieces.append(piece)
            room -= size
        if room <= 0:
            parts.append(Partition(len(parts)))
            room = block
    parts = [p for p in parts if p.pieces]
    while len(parts) < count and _split_largest(parts):
        pass
    return [Partition(i, p.pieces) for i, p in enumerate(parts)]


def _split_largest(parts: list[Partition]) -> bool:
    """Cut the largest byte range in two, the partition holding it with it; False if none can be."""
    best = max(((p.size, i, j) for i, part in enumerate(parts) for j, p in enumerate(part.pieces)
                if p.end is not None and p.size >= 2 * MIN_RANGE), default=None)
    if best is None:
        return False
    size, i, j = best
    piece = parts[i].pieces[j]
    middle = piece.start + size // 2
    before = parts[i].pieces[:j] + [replace(piece, end=middle)]
    after = [replace(piece, start=middle)] + parts[i].pieces[j + 1:]
    parts[i:i + 1] = [Partition(0, before), Partition(0, after)]
    return True


def cuts_by_file(parts: list[Partition]) -> dict[str, list[int]]:
    """The byte offsets where each split file is cut (0 aside)."""
    cuts: dict[str, set[int]] = {}
    for part in parts:
        for p in part.pieces:
            if p.end is not None:
                cuts.setdefault(p.path, set()).update(x for x in (p.start, p.end) if x)
    return {path: sorted(c) for path, c in cuts.items()}


def apply_index(parts: list[Partition], indexes: dict[str, FileIndex]) -> list[Partition]:
    """Ranges aligned to line starts, with their line numbers; a file that is not splittable
    after all is read whole by the partition that held its first range."""
    out = []
    for part in parts:
        pieces = []
        for p in part.pieces:
            if p.end is None:
                pieces.append(p)
                continue
            index = indexes[p.path]
            if not index.splittable:
                if p.start == 0:
                    pieces.append(replace(p, start=0, end=None))
                continue
            start, line = index.starts.get(p.start, (0, 1))
            end = index.starts[p.end][0]
            if end > start:
                pieces.append(replace(p, start=start, end=end, first_line=line))
        out.append(Partition(part.index, pieces))
    return out


_NON_SPACE = re.compile(rb"\S")


def index_file(path: str, cuts: list[int]) -> FileIndex:
    """Runs on a worker: one pass over a JSON Lines file.  Splittable when it is UTF-8
    throughout and holds a second record; each cut moves to the next line start."""
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            first = _NON_SPACE.search(mm)
            line_end = mm.find(b"\n", first.start()) if first else -1
            if line_end < 0 or not _NON_SPACE.search(mm, line_end):
                return FileIndex(False)       # one record: read whole, as JSON
            aligned = {c: (len(mm) if (q := mm.find(b"\n", c - 1)) < 0 else q + 1) for c in cuts}
            lines = _line_numbers(mm, sorted(set(aligned.values())))
    except (OSError, ValueError, UnicodeDecodeError):
        return FileIndex(False)
    return FileIndex(True, {c: (q, lines[q]) for c, q in aligned.items()})


def _line_numbers(mm: mmap.mmap, offsets: list[int]) -> dict[int, int]:
    """Line number at each offset (1 + newlines before it); raises if the file is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    out, newlines, k = {}, 0, 0
    for base in range(0, len(mm), SCAN_CHUNK):
        chunk = mm[base:base + SCAN_CHUNK]
        while k < len(offsets) and offsets[k] <= base + len(chunk):
            out[offsets[k]] = 1 + newlines + chunk.count(b"\n", 0, offsets[k] - base)
            k += 1
        newlines += chunk.count(b"\n")
        decoder.decode(chunk)
    decoder.decode(b"", final=True)
    for offset in offsets[k:]:
        out[offset] = 1 + newlines
    return out


def read_piece(piece: Piece, report) -> Iterable:
    """(Article or Extraction, where) of one piece, as a local run reads them."""
    if piece.data is not None:
        return sources.read_located(piece.data, piece.where, piece.file_id, report)
    try:
        with open(piece.path, "rb") as f:
            if piece.end is None:
                data = f.read()
            else:
                f.seek(piece.start)
                data = f.read(piece.end - piece.start)
    except OSError as exc:
        report(SourceError(piece.where, f"cannot read: {exc.strerror or exc}"))
        return ()
    if piece.end is None:
        return sources.read_located(data, piece.where, piece.file_id, report)
    return sources.read_json_lines(data, piece.where, piece.file_id, piece.first_line, report)
