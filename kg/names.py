"""Identity: how names are compared, keyed and looked up in kg's lexicons.

One place for it, used by extraction (in-article clustering), resolution
(node keys across articles) and the loader alike:
- norm(): the form names are compared in (NFKC, lower case, no quotes, marks
  or spaces);
- node_key(): `Label:normalised name`, a node's key in the graph;
- the lexicon (kg/data/regulators.tsv, companies.tsv): every known form of a
  regulator, government body or company, and its canonical name and role.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from kg import data

_NORM_STRIP = re.compile(r"[\s\"'“”‘’《》〈〉「」『』®™·・•]")


def norm(form: str) -> str:
    """The form names are compared in: NFKC, lower case, no quotes, marks or spaces."""
    return _NORM_STRIP.sub("", unicodedata.normalize("NFKC", form)).lower()


def node_key(label: str, name: str) -> str:
    return f"{label}:{norm(name)}"


@dataclass(frozen=True)
class LexiconEntry:
    form: str
    canonical: str
    role: str              # regulator | gov | company


@cache
def lexicon() -> tuple[LexiconEntry, ...]:
    """Every form of every lexicon entry, canonical names included."""
    out = []
    for canonical, aliases, role in data.table("regulators.tsv", 3):
        for form in [canonical, *aliases.split("|")]:
            out.append(LexiconEntry(form.strip(), canonical, role))
    for canonical, aliases in data.table("companies.tsv", 2):
        for form in [canonical, *aliases.split("|")]:
            out.append(LexiconEntry(form.strip(), canonical, "company"))
    return tuple(e for e in out if e.form)


@cache
def role_of() -> dict[str, str]:
    """canonical name -> role, for relation rules (who can approve)."""
    return {e.canonical: e.role for e in lexicon()}


@cache
def canonical_of() -> dict[str, str]:
    """any lexicon form (lower case) -> canonical name."""
    return {e.form.lower(): e.canonical for e in lexicon()}


def lexicon_canonical(forms: list[str]) -> str | None:
    """The canonical name of the first form the lexicon knows."""
    table = canonical_of()
    for f in forms:
        hit = table.get(f.lower())
        if hit:
            return hit
    return None


def lexicon_forms(canonical: str) -> list[str]:
    """Every form the lexicon gives one canonical name (AstraZeneca for 阿斯利康)."""
    return [e.form for e in lexicon() if e.canonical == canonical]
