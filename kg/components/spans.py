"""Helpers the recognisers share: token lookup, name tracing, anchors.

A name is traced leftwards from its ending (…公司, …论坛) over jieba tokens
until a word that cannot be inside a name: punctuation, function words
(kg/data/boundary_words.txt), or a verb not known to occur in names
(kg/data/name_internal_words.txt).  A traced name must hold an anchor: a
place or proper-noun token, an unknown (out-of-dictionary) word, a Latin
word, a number, or a quoted part; otherwise it is a generic phrase
(专家委员会, 相关企业) and is dropped.
"""
from __future__ import annotations

import bisect
import re
from functools import cache

from kg import data
from kg.model import Doc, EntityType, Mention, Token

CJK_RE = re.compile(r"[\u3400-\u9fff]")
ANCHOR_TAGS = {"ns", "nr", "nrt", "nrfg", "nz", "nt", "j", "eng", "x", "m"}
STOP_TAGS = {"p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "rr", "rz", "d", "y", "e",
             "o", "punct", "space", "t", "tg", "f", "q", "zg", "ad", "l", "i", "z"}
NAME_PUNCT = set("·-（）()&.")


@cache
def boundary_words() -> frozenset[str]:
    return frozenset(data.words("boundary_words.txt"))


@cache
def internal_words() -> frozenset[str]:
    return frozenset(data.words("name_internal_words.txt"))


@cache
def generic_terms() -> frozenset[str]:
    return frozenset(w.lower() for w in data.words("generic_terms.txt"))


def is_generic(name: str) -> bool:
    return name.lower() in generic_terms()


class TokenIndex:
    """Find tokens by character offset."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.starts = [t.start for t in tokens]
        self.ends = {t.end for t in tokens}
        self.start_set = set(self.starts)

    def at(self, pos: int) -> int:
        """Index of the token covering character `pos`."""
        return max(bisect.bisect_right(self.starts, pos) - 1, 0)

    def aligned(self, start: int, end: int) -> bool:
        return start in self.start_set and end in self.ends


def token_index(doc: Doc) -> TokenIndex:
    idx = getattr(doc, "_token_index", None)
    if idx is None or idx.tokens is not doc.tokens:
        idx = TokenIndex(doc.tokens)
        doc._token_index = idx          # cached on the doc: components share it
    return idx


def can_be_in_name(tok: Token) -> bool:
    w = tok.text
    if w in boundary_words():
        return False
    if w in internal_words() or w in NAME_PUNCT:
        return True
    if tok.tag in STOP_TAGS:
        return False
    if tok.tag.startswith("v") and tok.tag != "vn":
        return False
    return True


def trace_left(doc: Doc, start: int, max_len: int, floor: int = 0) -> int:
    """Leftmost offset of the name whose ending starts at `start`."""
    idx = token_index(doc)
    i = idx.at(start) - 1 if start in idx.start_set else idx.at(start)
    left = start
    if start not in idx.start_set:                 # the ending began inside a token
        tok = doc.tokens[i]
        left = tok.start
        i -= 1
    while i >= 0:
        tok = doc.tokens[i]
        if tok.start < floor or start - tok.start > max_len or not can_be_in_name(tok):
            break
        left = tok.start
        i -= 1
    return left


def has_anchor(doc: Doc, start: int, end: int) -> bool:
    """Does the span hold a token that makes it a proper name?"""
    idx = token_index(doc)
    i = idx.at(start)
    while i < len(doc.tokens) and doc.tokens[i].start < end:
        tok = doc.tokens[i]
        if tok.tag == "m":
            if any(c.isdigit() for c in tok.text):
                return True
        elif tok.tag in ANCHOR_TAGS and (len(tok.text) > 1 or tok.tag == "eng"):
            return True
        i += 1
    return bool(re.search(r"[A-Za-z0-9“”\"《]", doc.text[start:end]))


def add_mention(doc: Doc, start: int, end: int, etype: EntityType, rule: str,
                ref: str | None = None) -> Mention | None:
    text = doc.text[start:end]
    if not text.strip() or is_generic(text):
        return None
    m = Mention(start, end, text, etype, rule=rule, sentence=doc.sentence_at(start), ref=ref)
    doc.mentions.append(m)
    return m


def sentence_span(doc: Doc, pos: int) -> tuple[int, int]:
    i = doc.sentence_at(pos)
    if i < 0:
        return 0, len(doc.text)
    s = doc.sentences[i]
    return s.start, s.end
