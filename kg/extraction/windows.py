"""Long articles in windows: extraction work stays linear in the article's length.

The pipeline's rules look at a sentence and its neighbours, but some of their
bookkeeping grows with the number of mentions in a document.  An article
longer than WINDOW characters (a scraped archive page, a whole OCR'd paper)
is cut at paragraph breaks into windows of about that size; each window is
extracted as a document of its own, and the results are joined: entities by
type and name (their aliases and mentions together), relations once per
fact, sentences and offsets shifted to the whole text.  An article shorter
than WINDOW (nearly all of them) is one window, extracted exactly as before.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kg.model import Entity, Relation, fact_key
from kg.names import norm

WINDOW = 50_000
_BREAKS = ("\n", "。", "！", "？", "；")


@dataclass
class Window:
    start: int          # offset of the window in the whole clean text
    text: str
    offsets: list[int]  # raw offsets of the window's characters


def windows(text: str, offsets, size: int = WINDOW) -> Iterator[Window]:
    """Cut `text` into windows of at most `size` characters, at the last paragraph break (else
    sentence end) in the window's second half, else at `size`."""
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            for mark in _BREAKS:
                cut = text.rfind(mark, start + size // 2, end)
                if cut >= 0:
                    end = cut + 1
                    break
        yield Window(start, text[start:end], offsets[start:end])
        start = end


@dataclass
class Joined:
    entities: list[Entity]
    relations: list[Relation]
    sentences: list[str]


def join(parts: list[tuple[Window, list[Entity], list[Relation], list[str]]]) -> Joined:
    """One article's entities, relations and sentences from its windows' results (in order).
    Mention offsets and sentence indexes are shifted to the whole text."""
    entities: dict[tuple, Entity] = {}
    relations: dict[tuple, Relation] = {}
    sentences: list[str] = []
    for window, ents, rels, sents in parts:
        shift = len(sentences)
        renamed: dict[str, str] = {}          # this window's name -> the joined entity's name
        for e in ents:
            for m in e.mentions:
                m.start += window.start
                m.end += window.start
                m.sentence += shift if m.sentence >= 0 else 0
            key = (e.type, norm(e.name))
            kept = entities.setdefault(key, e)
            renamed[e.name] = kept.name
            if kept is not e:
                forms = {norm(kept.name), *(norm(a) for a in kept.aliases)}
                kept.aliases += [a for a in e.aliases if norm(a) not in forms]
                kept.mentions += e.mentions
        for r in rels:
            r.head, r.tail = renamed.get(r.head, r.head), renamed.get(r.tail, r.tail)
            r.sentence += shift if r.sentence >= 0 else 0
            relations.setdefault(fact_key(r.head, r.type, r.tail), r)
        sentences += sents
    return Joined(list(entities.values()), list(relations.values()), sentences)
