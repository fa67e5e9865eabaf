"""Organisation names from the train splits' gazetteer (kg/data/org_gazetteer.txt, built by
`python -m kg.train gazetteer`), where no rule and no model found a name.

Runs after the organisation rules and the model: a gazetteer hit only fills a gap.  A hit
must line up with jieba's words at both ends (万科 is not found inside 千万科技), must not
touch other Latin letters, and is not taken inside a longer word jieba knows as one.
"""
from __future__ import annotations

import re
from functools import cache

import ahocorasick

from kg import data
from kg.extraction.doc import Doc
from kg.extraction.pipeline import factory
from kg.extraction.text import add_mention, token_index
from kg.model import EntityType

_LATIN = re.compile(r"[A-Za-z0-9]")


@cache
def gazetteer() -> tuple[str, ...]:
    return tuple(data.words("org_gazetteer.txt"))


def build_automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for name in gazetteer():
        auto.add_word(name, name)
    auto.make_automaton()
    return auto


def find(doc: Doc, automaton: ahocorasick.Automaton) -> list[tuple[int, int]]:
    """Longest gazetteer hits on word boundaries that overlap no mention, left to right."""
    text = doc.text
    idx = token_index(doc)
    hits = []
    for last, name in automaton.iter(text):
        end, start = last + 1, last + 1 - len(name)
        if name.isascii():
            if _LATIN.match(text[start - 1:start] or " ") or _LATIN.match(text[end:end + 1] or " "):
                continue
        elif start not in idx.start_set or end not in idx.ends:
            continue
        hits.append((start, end))
    hits.sort(key=lambda h: (h[0], h[0] - h[1]))
    taken = sorted((m.start, m.end) for m in doc.mentions)
    out, last_end = [], -1
    for a, b in hits:
        if a >= last_end and not any(s < b and a < e for s, e in taken):
            out.append((a, b))
            last_end = b
    return out


@factory("gazetteer", requires=("tokens", "mentions"), assigns=("mentions",))
def make_gazetteer(vocab):
    automaton = build_automaton()

    def gazetteer_names(doc: Doc) -> Doc:
        for a, b in find(doc, automaton):
            add_mention(doc, a, b, EntityType.ORGANIZATION, "gazetteer")
        return doc
    return gazetteer_names
