"""Organisation names written in Latin letters: capitalised words ending in a word English
company names end in (Venrock Healthcare Capital Partners, Perceptive Advisors, One Bio).

Runs after the rules and the model and only fills gaps: a name that overlaps a rule's mention
is left to it; the model's and a list's shorter spans inside it (One of One Bio) give way.  The endings are kg/data/word_lists.tsv `latin_org_endings`.
"""
from __future__ import annotations

import re
from functools import cache

from kg import data
from kg.extraction.doc import Doc
from kg.extraction.pipeline import component
from kg.extraction.text import add_mention
from kg.model import EntityType


@cache
def latin_name_re() -> re.Pattern:
    """One to five capitalised words (or all-capital ones: RA, LLC) before an ending."""
    ending = data.alternation_re(data.word_list("latin_org_endings")).pattern
    # starts with a literal class, so re scans Chinese text fast; the character before is checked apart
    return re.compile(rf"(?:[A-Z][A-Za-z0-9&'.\-]* ){{1,5}}(?:{ending})(?![A-Za-z0-9])")


_GUESSES = ("model", "list")       # mentions a longer Latin name may take over


def find(doc: Doc) -> list[tuple[int, int]]:
    """Spans of several words that overlap no mention but the model's shorter ones inside them."""
    out = []
    for m in latin_name_re().finditer(doc.text):
        a, b = m.span()
        if re.match(r"[A-Za-z0-9&.]", doc.text[a - 1:a]):
            continue                                  # glued to more Latin letters: part of something else
        overlapping = [x for x in doc.mentions if x.start < b and a < x.end]
        if all(x.rule in _GUESSES and a <= x.start and x.end <= b for x in overlapping):
            out.append((a, b))
    return out


@component("latin_organizations", requires=("tokens", "mentions"), assigns=("mentions",))
def latin_organizations(doc: Doc) -> Doc:
    for a, b in find(doc):
        doc.mentions = [x for x in doc.mentions if not (a <= x.start and x.end <= b)]   # One -> One Bio
        add_mention(doc, a, b, EntityType.ORGANIZATION, "latin")
    return doc
