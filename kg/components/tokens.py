"""Words with offsets and dictionary part-of-speech tags, from kg's own jieba.

Tags come from jieba's dictionary (word -> tag), not from jieba.posseg's HMM
tagger: a lookup costs nothing, while posseg runs at a fifth of the speed of
plain cutting.  Words jieba invents (not in the dictionary) get tag "x".
The dictionary is also kept as an indexed SQLite file in the user cache
directory, so a short run (one new article) starts in milliseconds and a long
one switches to jieba's in-memory prefix dictionary after a few documents.
"""
from __future__ import annotations

import logging
import marshal
import os
import sqlite3
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import jieba

from kg.model import Doc, Token
from kg.pipeline import factory

jieba.setLogLevel(logging.WARNING)


def cache_dir() -> Path:
    base = os.environ.get("KG_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "kg")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


@cache
def tag_table() -> dict[str, str]:
    """jieba's dictionary tags in memory, cached as marshal keyed by the dictionary's mtime."""
    source = Path(jieba.__file__).with_name("dict.txt")
    cached = cache_dir() / f"jieba-tags-{int(source.stat().st_mtime)}.marshal"
    try:
        return marshal.loads(cached.read_bytes())
    except (OSError, ValueError, EOFError):
        pass
    tags = {}
    with source.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    fd, tmp = tempfile.mkstemp(dir=cache_dir())
    with os.fdopen(fd, "wb") as fh:
        fh.write(marshal.dumps(tags))
    os.replace(tmp, cached)            # atomic: a concurrent reader never sees half a file
    return tags


class DictionaryFile:
    """jieba's dictionary as an indexed SQLite file in the cache directory.

    Loading jieba's prefix dictionary takes half a second or more, which a
    `kg load` of one new article cannot afford (issue: under 2 s in all).  A
    SQLite table answers the few thousand look-ups one article needs in a
    few milliseconds; a process that goes on to extract many articles swaps
    in the full in-memory dictionary (see `Words`)."""

    def __init__(self):
        source = Path(jieba.__file__).with_name("dict.txt")
        self.path = cache_dir() / f"jieba-dict-{int(source.stat().st_mtime)}.sqlite"
        if not self.path.exists():
            self._build(source)
        self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        self.total = self.db.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()[0]

    def _build(self, source: Path) -> None:
        freq, tags, total = {}, {}, 0
        with source.open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) < 2:
                    continue
                word, count = parts[0], int(parts[1])
                freq[word] = count
                total += count
                if len(parts) > 2:
                    tags[word] = parts[2]
                for i in range(1, len(word)):
                    freq.setdefault(word[:i], 0)
        fd, tmp = tempfile.mkstemp(dir=cache_dir(), suffix=".sqlite")
        os.close(fd)
        db = sqlite3.connect(tmp)
        db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER, tag TEXT) WITHOUT ROWID")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER)")
        db.executemany("INSERT INTO words VALUES (?, ?, ?)", ((w, f, tags.get(w)) for w, f in freq.items()))
        db.execute("INSERT INTO meta VALUES ('total', ?)", (total,))
        db.commit()
        db.close()
        os.replace(tmp, self.path)       # atomic: a concurrent reader never sees half a file

    def lookup(self, word: str) -> tuple[int, str | None] | None:
        return self.db.execute("SELECT freq, tag FROM words WHERE word = ?", (word,)).fetchone()


class Words(Mapping):
    """jieba's FREQ (and our tag table) answered from SQLite, memoised; after
    `SWITCH_AFTER` documents the full in-memory dictionaries take over."""

    SWITCH_AFTER = 16

    def __init__(self, dictionary: DictionaryFile):
        self.dictionary = dictionary
        self.memo: dict[str, tuple[int, str | None] | None] = {}

    def _get(self, word: str):
        try:
            return self.memo[word]
        except KeyError:
            hit = self.memo[word] = self.dictionary.lookup(word)
            return hit

    def __getitem__(self, word: str) -> int:
        hit = self._get(word)
        if hit is None:
            raise KeyError(word)
        return hit[0]

    def __contains__(self, word) -> bool:
        return self._get(word) is not None

    def get(self, word, default=None):
        hit = self._get(word)
        return default if hit is None else hit[0]

    def __iter__(self):
        raise TypeError("the on-disk dictionary cannot be iterated")

    def __len__(self) -> int:
        raise TypeError("the on-disk dictionary has no cheap length")


class TagLookup:
    """word -> jieba dictionary tag, from SQLite until the full table is loaded."""

    def __init__(self, words: Words):
        self.words = words

    def get(self, word: str, default=None):
        hit = self.words._get(word)
        return default if hit is None or hit[1] is None else hit[1]

    def __contains__(self, word) -> bool:
        hit = self.words._get(word)
        return hit is not None and hit[1] is not None

    def __getitem__(self, word: str) -> str:
        tag = self.get(word)
        if tag is None:
            raise KeyError(word)
        return tag


_STATE = {"docs": 0, "full": False}


@cache
def _light() -> tuple[jieba.Tokenizer, TagLookup]:
    """A tokenizer that starts in milliseconds, reading the dictionary from SQLite."""
    words = Words(DictionaryFile())
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total, tok.initialized = words, words.dictionary.total, True
    return tok, TagLookup(words)


@cache
def _full() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(cache_dir())
    tok.initialize()
    return tok


def tokenizer() -> jieba.Tokenizer:
    return _full() if _STATE["full"] else _light()[0]


def word_tags():
    """word -> dictionary tag (a dict once the full dictionary is loaded)."""
    return tag_table() if _STATE["full"] else _light()[1]


def use_full_dictionary() -> None:
    """Load jieba's whole dictionary now (worth it before many documents)."""
    _STATE["full"] = True
    _full(), tag_table()


def tokenize(text: str) -> list[Token]:
    _STATE["docs"] += 1
    if not _STATE["full"] and _STATE["docs"] > Words.SWITCH_AFTER:
        use_full_dictionary()
    tags_ = word_tags()
    out, pos = [], 0
    for word in tokenizer().cut(text, HMM=True):
        end = pos + len(word)
        out.append(Token(pos, end, word, tags_.get(word) or _shape_tag(word)))
        pos = end
    return out


def _shape_tag(word: str) -> str:
    if word.isspace():
        return "space"
    if word.replace(".", "").isdigit():
        return "m"
    if word.isascii() and any(c.isalnum() for c in word):
        return "eng"
    if not any(c.isalnum() for c in word):
        return "punct"
    return "x"


@factory("tokens", assigns=("tokens",))
def make_tokens():
    tokenizer()                       # the SQLite dictionary opens here; see Words for the switch

    def tokens(doc: Doc) -> Doc:
        doc.tokens = tokenize(doc.text)
        return doc
    return tokens
