"""Dictionary matcher: known regulators, government bodies and companies.

One Aho-Corasick automaton over every form in kg/data/regulators.tsv and
kg/data/companies.tsv.  A Chinese match must line up with jieba's word
boundaries (so 强生 is not found inside 加强生产); a Latin match must not
touch other Latin letters or digits.  Mentions carry the lexicon's
canonical name in `ref`, which cross-article resolution uses as the key.
"""
from __future__ import annotations

import re

import ahocorasick

from kg.extraction.doc import Doc
from kg.extraction.pipeline import factory
from kg.extraction.text import add_mention, token_index
from kg.model import EntityType
from kg.names import LexiconEntry, lexicon


def build_automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for e in lexicon():
        auto.add_word(e.form.lower(), e)
    auto.make_automaton()
    return auto


_LATIN = re.compile(r"[A-Za-z0-9]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def find(doc: Doc, automaton: ahocorasick.Automaton) -> list[tuple[int, int, LexiconEntry]]:
    """Longest non-overlapping lexicon matches, left to right."""
    text = doc.text.lower()
    idx = token_index(doc)
    hits = []
    for end_inclusive, entry in automaton.iter(text):
        end = end_inclusive + 1
        start = end - len(entry.form)
        if _acceptable(doc.text, start, end, entry.form, idx):
            hits.append((start, end, entry))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    out, last_end = [], -1
    for start, end, entry in hits:
        if start >= last_end:
            out.append((start, end, entry))
            last_end = end
    return out


def _acceptable(text: str, start: int, end: int, form: str, idx) -> bool:
    if form.isascii():
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        return not _LATIN.match(before) and not _LATIN.match(after)
    left = start in idx.start_set or start == 0 or not _CJK.match(text[start - 1])
    right = end in idx.ends or end == len(text) or not _CJK.match(text[end])
    if len(form) <= 3:
        return left and right          # 强生 must not be found inside 加强生产
    return left or right


@factory("lexicon", requires=("tokens",), assigns=("mentions",))
def make_lexicon(vocab):
    automaton = build_automaton()

    def lexicon_matches(doc: Doc) -> Doc:
        for start, end, entry in find(doc, automaton):
            add_mention(doc, start, end, EntityType.ORGANIZATION, "lexicon", ref=entry.canonical)
        return doc
    return lexicon_matches
