"""Bylines, datelines and credits (新华社北京2月25日电（记者 赵文君）, 编辑/田野, 文 | 动脉网).

Their names are the outlet's staff and the outlet itself, not actors of the story
(gold/GUIDE.md); every recogniser's add_mention skips a span inside one.  The
patterns are kg/data/bylines.txt."""
from __future__ import annotations

from kg import data
from kg.extraction.doc import Doc
from kg.extraction.pipeline import component


def find_bylines(text: str) -> list[tuple[int, int]]:
    spans = sorted(m.span() for p in data.patterns("bylines.txt") for m in p.finditer(text) if m.end() > m.start())
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


@component("bylines", assigns=("bylines",))
def bylines(doc: Doc) -> Doc:
    doc.bylines = find_bylines(doc.text)
    return doc
