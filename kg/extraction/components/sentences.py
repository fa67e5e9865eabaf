"""Split the text into sentences with offsets.

A sentence ends at 。！？；… (and ASCII !?;) or a line break; closing quotes
and brackets that follow the terminal stay with the sentence they close."""
from __future__ import annotations

import re

from kg.extraction.doc import Doc, Sentence
from kg.extraction.pipeline import component

_END = re.compile(r"[。！？!?；;]+|…+|\n+")
_CLOSERS = "”’\"'」』）)】》"


def split_sentences(text: str) -> list[Sentence]:
    out, start = [], 0
    for m in _END.finditer(text):
        end = m.end()
        if m.group(0)[0] != "\n":
            while end < len(text) and text[end] in _CLOSERS:
                end += 1
        _add(out, text, start, end)
        start = end
    _add(out, text, start, len(text))
    return out


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    stop = end
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    if stop > start:
        out.append(Sentence(start, stop, text[start:stop]))


@component("sentences", assigns=("sentences",))
def sentences(doc: Doc) -> Doc:
    doc.sentences = split_sentences(doc.text)
    return doc
