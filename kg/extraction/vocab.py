"""The pipeline's shared state: jieba's tokenizer and its dictionary tags.

A pipeline owns one Vocab and every Doc it makes carries it (doc.vocab), so
components and helpers reach the tokenizer through the document, never
through module globals.

Tags come from jieba's dictionary (word -> tag), not from jieba.posseg's HMM
tagger: a lookup costs nothing, while posseg runs at a fifth of the speed of
plain cutting.  Words jieba invents (not in the dictionary) get a shape tag
("x" for unknown Chinese).

Start-up: loading jieba's prefix dictionary takes half a second or more,
which a `kg load` of one new article cannot afford.  So the dictionary is
also kept as an indexed SQLite file in the user cache directory; a Vocab
answers from it until it has tokenized SWITCH_AFTER documents, then loads
the whole dictionary into memory.  Both give the same cuts (tested).
"""
from __future__ import annotations

import logging
import marshal
import os
import sqlite3
import tempfile
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path

import jieba

from kg.extraction.doc import Token

jieba.setLogLevel(logging.WARNING)


def cache_dir() -> Path:
    base = os.environ.get("KG_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "kg")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _dictionary_source() -> Path:
    return Path(jieba.__file__).with_name("dict.txt")


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)            # a concurrent reader never sees half a file


@cache
def tag_table() -> dict[str, str]:
    """jieba's dictionary tags in memory, cached as marshal keyed by the dictionary's mtime."""
    source = _dictionary_source()
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
    _atomic_write(cached, marshal.dumps(tags))
    return tags


class DictionaryFile:
    """jieba's dictionary as an indexed SQLite file in the cache directory: a few
    thousand look-ups (one article) take milliseconds."""

    def __init__(self):
        source = _dictionary_source()
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
        os.replace(tmp, self.path)

    def lookup(self, word: str) -> tuple[int, str | None] | None:
        return self.db.execute("SELECT freq, tag FROM words WHERE word = ?", (word,)).fetchone()


class Words(Mapping):
    """jieba's FREQ answered from the SQLite file, memoised (what a jieba.Tokenizer reads)."""

    def __init__(self, dictionary: DictionaryFile):
        self.dictionary = dictionary
        self.memo: dict[str, tuple[int, str | None] | None] = {}

    def entry(self, word: str) -> tuple[int, str | None] | None:
        try:
            return self.memo[word]
        except KeyError:
            hit = self.memo[word] = self.dictionary.lookup(word)
            return hit

    def __getitem__(self, word: str) -> int:
        hit = self.entry(word)
        if hit is None:
            raise KeyError(word)
        return hit[0]

    def __contains__(self, word) -> bool:
        return self.entry(word) is not None

    def get(self, word, default=None):
        hit = self.entry(word)
        return default if hit is None else hit[0]

    def __iter__(self):
        raise TypeError("the on-disk dictionary cannot be iterated")

    def __len__(self) -> int:
        raise TypeError("the on-disk dictionary has no cheap length")


class TagLookup:
    """word -> jieba dictionary tag, from the SQLite file."""

    def __init__(self, words: Words):
        self.words = words

    def get(self, word: str, default=None):
        hit = self.words.entry(word)
        return default if hit is None or hit[1] is None else hit[1]

    def __contains__(self, word) -> bool:
        hit = self.words.entry(word)
        return hit is not None and hit[1] is not None

    def __getitem__(self, word: str) -> str:
        tag = self.get(word)
        if tag is None:
            raise KeyError(word)
        return tag


# The loaded dictionaries are read-only resources: one copy per process serves every Vocab.

@cache
def _light() -> tuple[jieba.Tokenizer, TagLookup]:
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


class Vocab:
    """Tokenizer and dictionary tags for one pipeline (see the module docstring)."""

    SWITCH_AFTER = 16

    def __init__(self, full: bool = False):
        self.docs = 0
        self.full = False
        if full:
            self.use_full_dictionary()
        else:
            _light()

    @property
    def tokenizer(self) -> jieba.Tokenizer:
        return _full() if self.full else _light()[0]

    @property
    def tags(self) -> Mapping[str, str] | TagLookup:
        """word -> dictionary tag (a dict once the full dictionary is loaded)."""
        return tag_table() if self.full else _light()[1]

    def use_full_dictionary(self) -> None:
        """Load jieba's whole dictionary now (worth it before many documents)."""
        _full(), tag_table()
        self.full = True

    def cut(self, text: str, hmm: bool = True) -> list[str]:
        return list(self.tokenizer.cut(text, HMM=hmm))

    def tokenize(self, text: str) -> list[Token]:
        self.docs += 1
        if not self.full and self.docs > self.SWITCH_AFTER:
            self.use_full_dictionary()
        tags = self.tags
        out, pos = [], 0
        for word in self.tokenizer.cut(text, HMM=True):
            end = pos + len(word)
            out.append(Token(pos, end, word, tags.get(word) or shape_tag(word)))
            pos = end
        return out


@lru_cache(maxsize=65536)
def shape_tag(word: str) -> str:
    """A tag from the shape of a word jieba's dictionary does not know."""
    if word.isspace():
        return "space"
    if word.replace(".", "").isdigit():
        return "m"
    if word.isascii() and any(c.isalnum() for c in word):
        return "eng"
    if not any(c.isalnum() for c in word):
        return "punct"
    return "x"
