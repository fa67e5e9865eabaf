"""kg's domain knowledge, as data files with provenance headers.

Every file here opens with `#` lines saying what it holds, where it came from
and its licence.  Loaders skip comments and blank lines and name `file:line`
when a line is bad.
"""
from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

from kg.errors import DataFileError


def _lines(name: str):
    text = files(__package__).joinpath(name).read_text(encoding="utf-8")
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield n, line


@cache
def words(name: str) -> tuple[str, ...]:
    """One entry per line (first tab-separated column)."""
    return tuple(line.split("\t")[0].strip() for _, line in _lines(name))


@cache
def table(name: str, columns: int) -> tuple[tuple[str, ...], ...]:
    """Tab-separated rows with exactly `columns` columns."""
    rows = []
    for n, line in _lines(name):
        cells = tuple(c.strip() for c in line.split("\t"))
        if len(cells) != columns:
            raise DataFileError(f"kg/data/{name}:{n}: expected {columns} tab-separated columns, "
                                f"found {len(cells)}")
        rows.append(cells)
    return tuple(rows)


@cache
def patterns(name: str) -> tuple[re.Pattern, ...]:
    """One regular expression per line."""
    out = []
    for n, line in _lines(name):
        try:
            out.append(re.compile(line))
        except re.error as exc:
            raise DataFileError(f"kg/data/{name}:{n}: bad regular expression: {exc}") from None
    return tuple(out)


@cache
def alternation_re(items: tuple[str, ...]) -> re.Pattern:
    """One compiled pattern matching any of `items`, longest first (so 行动计划 wins over 计划)."""
    unique = sorted(dict.fromkeys(w for w in items if w), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in unique))


@cache
def word_list(name: str) -> tuple[str, ...]:
    """A named list from kg/data/word_lists.tsv (`name<TAB>word|word|…`), in file order."""
    for n, line in _lines("word_lists.tsv"):
        key, sep, items = line.partition("\t")
        if not sep:
            raise DataFileError(f"kg/data/word_lists.tsv:{n}: expected name<TAB>word|word|…")
        if key.strip() == name:
            return tuple(w.strip() for w in items.split("|") if w.strip())
    raise DataFileError(f"kg/data/word_lists.tsv: no list named {name!r}")
