"""The Doc that extraction's components annotate, and its parts.

A Doc is one article's clean text plus what components add to it: sentences,
tokens, mentions, stated aliases, entities and relations.  It also carries
the pipeline's Vocab (tokenizer, dictionary tags), so a component or helper
reaches shared state through the document it works on, never through module
globals.  Nothing here does I/O.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kg.model import Article, Entity, Mention, Relation

if TYPE_CHECKING:                      # only for type names: no import at run time
    from kg.extraction.vocab import Vocab


@dataclass
class Sentence:
    start: int
    end: int
    text: str


@dataclass(slots=True)
class Token:
    start: int
    end: int
    text: str
    tag: str                         # jieba dictionary part of speech; "x" when unknown


@dataclass
class Doc:
    """One article under extraction: clean text plus everything components add."""
    article: Article
    text: str
    offsets: list[int] = field(default_factory=list)   # Doc.text index -> raw index (-1: title)
    vocab: "Vocab | None" = field(default=None, repr=False)
    sentences: list[Sentence] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)   # (full form, alias)
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    model_spans: list = field(default_factory=list)    # the name recogniser's spans (nertagger.Span)
    bylines: list[tuple[int, int]] = field(default_factory=list)   # sorted spans of bylines and credits
    _starts: tuple[list, list[int]] | None = field(default=None, repr=False, compare=False)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Where clean text [start, end) came from in the raw input ((-1, -1) if inserted)."""
        inside = [p for p in self.offsets[start:end] if p >= 0]
        return (inside[0], inside[-1] + 1) if inside else (-1, -1)

    def sentence_at(self, pos: int) -> int:
        """Index of the sentence holding character `pos` (binary search), -1 between sentences."""
        if self._starts is None or self._starts[0] is not self.sentences:
            self._starts = (self.sentences, [s.start for s in self.sentences])
        i = bisect.bisect_right(self._starts[1], pos) - 1
        return i if i >= 0 and pos < self.sentences[i].end else -1
