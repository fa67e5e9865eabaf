"""kg's word lists as extraction uses them: cached look-ups over kg/data files.

The files say what they hold and where they came from; this module only
turns them into sets, tables and longest-first patterns, once per process.
"""
from __future__ import annotations

import re
from functools import cache

from kg import data


@cache
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(one-character, two-character) surnames."""
    names = data.words("surnames.txt")
    return frozenset(n for n in names if len(n) == 1), frozenset(n for n in names if len(n) == 2)


@cache
def titles() -> dict[str, str]:
    """Job title -> kind (work | honour | role)."""
    return {t: kind for t, kind in data.table("titles.tsv", 2)}


@cache
def title_re() -> re.Pattern:
    return data.alternation_re(tuple(titles()))


@cache
def follow_words() -> tuple[str, ...]:
    return tuple(sorted(set(data.words("follow_words.txt")), key=len, reverse=True))


@cache
def translit_chars() -> frozenset[str]:
    return frozenset("".join(data.words("translit_chars.txt")))


@cache
def org_suffixes() -> dict[str, str]:
    """Organisation ending -> kind (kg/data/org_suffixes.tsv)."""
    return {s: kind for s, kind in data.table("org_suffixes.tsv", 2)}


@cache
def org_suffix_re() -> re.Pattern:
    return data.alternation_re(tuple(org_suffixes()))


@cache
def org_suffixes_longest_first() -> tuple[str, ...]:
    return tuple(sorted(org_suffixes(), key=len, reverse=True))


@cache
def event_suffixes() -> tuple[str, ...]:
    return data.words("event_suffixes.txt")


@cache
def event_suffix_re() -> re.Pattern:
    return data.alternation_re(event_suffixes())


@cache
def boundary_words() -> frozenset[str]:
    return frozenset(data.words("boundary_words.txt"))


@cache
def internal_words() -> frozenset[str]:
    return frozenset(data.words("name_internal_words.txt"))


@cache
def generic_terms() -> frozenset[str]:
    return frozenset(w.lower() for w in data.words("generic_terms.txt"))


@cache
def generic_places() -> frozenset[str]:
    return frozenset(data.words("generic_places.txt"))
