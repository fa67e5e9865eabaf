"""A trained Chinese name recogniser (PER / ORG): a linear-chain CRF applied in numpy.

Weights come from python-crfsuite (kg/train); building crfsuite's feature strings would
cost more than jieba, so here integer feature ids over code-point arrays are looked up in
sorted tables instead.  Call `tag` once per document (numpy costs ~0.5 ms per call) with
jieba's words.  Chunks (sentence ends; commas if the model says so) go through in blocks
of ~block_chars chars, bounding memory; chunking is greedy, so blocks never change output.
"""
from __future__ import annotations

import bisect
import json
import threading
from dataclasses import dataclass
from importlib.resources import files
from itertools import chain
from operator import itemgetter

import numpy as np

MAX_CHUNK = 150                       # chars; measured: see kg/train/README.md
BLOCK_CHARS = 16384                   # chars per numpy block: bounds memory
SENTENCE_ENDS = "。！？；!?;\n"
SOFT_BREAKS = "，,、：:"
MODEL_FILE = "ner-crf.npz"
_HASH_MUL = np.uint64(1000003)        # polynomial hash of lexicon windows (mod 2**64)
# Character classes (ids start at 1: id 0 always means "no feature").
PAD_T, HAN, UPPER, LOWER, DIGIT, PUNCT, SPACE, OTHER, NUMERAL, NAME_DOT, LATIN_X = range(1, 12)
_NUMERALS = np.array(sorted(map(ord, "〇一二三四五六七八九十百千万亿零两")), np.int64)
_NAME_DOTS = np.array(sorted(map(ord, "·•‧・･")), np.int64)
_SPACES = np.array(sorted(map(ord, " \t\n\r\x0b\x0c\xa0")), np.int64)
W_B, W_M, W_E, W_S = 1, 2, 3, 4      # jieba position of a character in its word


@dataclass(frozen=True)
class Span:
    start: int          # offset into the text
    end: int            # exclusive
    label: str          # "PER" or "ORG"
    score: float = 1.0  # min over the span of the chosen tags' max-marginal confidence


def codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def fold(cp: np.ndarray) -> np.ndarray:
    """Full-width ASCII to ASCII, ideographic space to space, every digit to '0':
    so ＡＢＣ and ABC share features, and numbers do not each need their own."""
    cp = cp.copy()
    cp[(cp >= 0xFF01) & (cp <= 0xFF5E)] -= 0xFEE0
    cp[cp == 0x3000] = 0x20
    return np.where((cp >= 0x30) & (cp <= 0x39), 0x30, cp)


def _classify(cp: np.ndarray) -> np.ndarray:
    """Class of each (folded) code point; cp 0 is PAD.  Later rules win."""
    def within(*ranges):
        return np.logical_or.reduce([(cp >= lo) & (cp <= hi) for lo, hi in ranges])
    t = np.full(cp.shape, OTHER, np.int64)
    for cls, mask in (
            (HAN, within((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))),
            (NUMERAL, np.isin(cp, _NUMERALS)),
            (PUNCT, within((0x21, 0x7E), (0x2000, 0x206F), (0x3000, 0x303F), (0xFE30, 0xFE4F),
                           (0xFF00, 0xFFEF))),
            (UPPER, within((0x41, 0x5A))), (LOWER, within((0x61, 0x7A))), (LATIN_X, within((0xC0, 0x24F))),
            (DIGIT, cp == 0x30), (NAME_DOT, np.isin(cp, _NAME_DOTS)), (SPACE, np.isin(cp, _SPACES)),
            (PAD_T, cp == 0)):
        t[mask] = cls
    return t


def _bmp_table(chars) -> np.ndarray:
    """Boolean membership table over the BMP (every set used here is in the BMP)."""
    return np.isin(np.arange(0x10000), [ord(c) for c in chars])


def char_types(cp: np.ndarray) -> np.ndarray:
    t = _BMP_TYPES[np.minimum(cp, 0xFFFF)].astype(np.int64)
    t[cp > 0xFFFF] = _classify(cp[cp > 0xFFFF])       # rare: classified one by one
    return t


_BMP_TYPES = _classify(np.arange(0x10000)).astype(np.int8)   # look-up beats 12 comparisons


def chunk_ends(cp: np.ndarray, max_chunk: int = MAX_CHUNK, split_soft: bool = False) -> np.ndarray:
    """End offsets of the chunks of `cp` (last = len(cp)): after each sentence end (and comma
    if split_soft); a longer run is cut greedily after its last break or space in the second
    half of max_chunk, else at max_chunk -- so cutting resumes identically at any chunk end."""
    n = len(cp)
    if not n:
        return np.zeros(0, np.int64)
    clipped = np.minimum(cp, 0xFFFF)
    stops = np.flatnonzero((_SENT_SOFT if split_soft else _SENT)[clipped]) + 1
    bounds = np.unique(np.concatenate([stops, [n]]))
    starts = np.concatenate([[0], bounds[:-1]])
    soft, extra = np.flatnonzero(_CUTS[clipped]) + 1, []
    for i in np.flatnonzero(bounds - starts > max_chunk):   # only over-long runs loop in Python
        pos, end = int(starts[i]), int(bounds[i])
        while end - pos > max_chunk:
            j = bisect.bisect_right(soft, pos + max_chunk) - 1
            pos = int(soft[j]) if j >= 0 and soft[j] > pos + max_chunk // 2 else pos + max_chunk
            extra.append(pos)
    return np.unique(np.concatenate([bounds, np.array(extra, np.int64)]))


_SENT, _SENT_SOFT, _CUTS = (_bmp_table(SENTENCE_ENDS), _bmp_table(SENTENCE_ENDS + SOFT_BREAKS),
                             _bmp_table(SOFT_BREAKS + " \t\u3000"))


def word_codes(words: np.ndarray, n: int) -> np.ndarray:
    """Per char of an n-char text: jieba position (B/M/E/S) * 8 + word length (max 7), from
    word spans (rows of start, end) relative to that text; 0 where no word covers it."""
    out = np.zeros(n, np.int64)
    s, e = np.clip(words[:, 0], 0, n), np.clip(words[:, 1], 0, n)   # words may overrun the block
    keep = e > s
    s, lens, full, s0 = s[keep], (e - s)[keep], (words[:, 1] - words[:, 0])[keep], words[keep, 0]
    pos = np.repeat(s - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
    off, size = pos - np.repeat(s0, lens), np.repeat(full, lens)
    kind = np.where(size == 1, W_S, np.where(off == 0, W_B, np.where(off == size - 1, W_E, W_M)))
    out[pos] = kind * 8 + np.minimum(size, 7)
    return out


def lookup(table: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """1 + index of each key in the sorted `table`, 0 where absent."""
    idx = np.minimum(np.searchsorted(table, keys), max(len(table) - 1, 0))
    return np.where(table[idx] == keys, idx + 1, 0) if len(table) else np.zeros(len(keys), np.int64)


class Lexicons:
    """Named word lists (a kind per word) matched together by a polynomial hash, for all
    lengths at once, only where a char can end a word (few positions)."""

    def __init__(self, lexicons: dict[str, list]):     # {name: [[word, kind id >= 1], ...]}
        self.names = list(lexicons)
        self.max_kind = {name: max((int(k) for _, k in ws), default=0) for name, ws in lexicons.items()}
        found: dict[int, list[int]] = {}              # hash -> value per lexicon
        for j, name in enumerate(self.names):
            for word, kind in lexicons[name]:
                cp, h = fold(codepoints(word)).tolist(), 0
                for c in cp:
                    h = (h * int(_HASH_MUL) + c) & 0xFFFFFFFFFFFFFFFF
                found.setdefault(h, [0] * len(self.names))[j] = int(kind) * 8 + min(len(cp), 7)
        self.keys = np.array(sorted(found), np.uint64)
        self.vals = np.array([[0] * len(self.names)] + [found[h] for h in sorted(found)], np.int64)
        words = [fold(codepoints(w)) for ws in lexicons.values() for w, _ in ws]
        self.last = _bmp_table(chr(min(int(w[-1]), 0xFFFF)) for w in words if len(w))
        self.max_len = max(map(len, words), default=0)
        self.powers = [np.uint64(pow(int(_HASH_MUL), n, 2 ** 64)) for n in range(self.max_len)]

    def match(self, cp: np.ndarray) -> dict[str, np.ndarray]:
        """NAME_end / NAME_start: kind*8+len of the longest word ending / starting here, or 0."""
        out = {f"{n}_{side}": np.zeros(len(cp), np.int64) for n in self.names for side in ("end", "start")}
        at = np.flatnonzero(self.last[np.minimum(cp, 0xFFFF)])
        hashes = np.zeros((len(at), self.max_len), np.uint64)   # [:, n-1]: the n chars ending at `at`
        h = np.zeros(len(at), np.uint64)
        for n, power in enumerate(self.powers):
            hashes[:, n] = h = h + cp[np.maximum(at - n, 0)].astype(np.uint64) * power
        rows = lookup(self.keys, hashes.ravel()).reshape(hashes.shape)
        first = at[:, None] - np.arange(self.max_len)          # where each window starts
        rows[(first < 0) | (cp[np.maximum(first, 0)] == 0)] = 0   # a leading PAD hashes as nothing
        for j, name in enumerate(self.names):
            value = self.vals[rows, j]
            i, n = np.nonzero(value)                   # row-major: by position, then length
            last = np.append(i[1:] != i[:-1], True)[:len(i)]    # the longest word ending at at[i]
            out[f"{name}_end"][at[i[last]]] = value[i[last], n[last]]
            start = at[i] - n
            order = np.lexsort((n, start))             # the longest word starting at `start`
            start, n, i = start[order], n[order], i[order]
            last = np.append(start[1:] != start[:-1], True)[:len(i)]
            out[f"{name}_start"][start[last]] = value[i[last], n[last]]
        return out


class Features:
    """Feature ids per position of a flat (PAD-separated) code-point array.  A *source*
    gives one id per position (0 = none); a *template* is a source read at an offset."""

    def __init__(self, arrays: dict, meta: dict):
        self.templates = [(src, int(k)) for src, k in meta["templates"]]
        self.pad = max(max(abs(k) for _, k in self.templates) + 2, 3)
        self.chars = arrays["chars"]                   # sorted folded code points
        self.bi, self.tri = arrays["bigrams"], arrays["trigrams"]
        self.base = len(self.chars) + 2                # char ids: 0 unknown, 1 PAD, 2.. known
        self._bmp_ids = np.zeros(0x10000, np.int64)    # BMP code point -> char id
        self._bmp_ids[self.chars[self.chars < 0x10000]] = np.flatnonzero(self.chars < 0x10000) + 2
        self._bmp_ids[0] = 1
        self.lexicons = Lexicons(meta["lexicons"])
        chunking = meta.get("chunking", {})                # chunks as the model was trained on
        self.max_chunk = int(chunking.get("max_chunk", MAX_CHUNK))
        self.split_soft = bool(chunking.get("split_soft"))

    def chunk_ends(self, cp: np.ndarray) -> np.ndarray:
        return chunk_ends(cp, self.max_chunk, self.split_soft)

    def char_ids(self, cp: np.ndarray) -> np.ndarray:
        ids, astral = self._bmp_ids[np.minimum(cp, 0xFFFF)], cp > 0xFFFF
        ids[astral] = np.where((found := lookup(self.chars, cp[astral])) > 0, found + 1, 0)
        return ids

    def ngram_keys(self, cid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Integer keys of the bigram and trigram starting at each position."""
        bi = cid * self.base + np.append(cid[1:], 1)
        return bi, bi * self.base + np.append(cid[2:], [1, 1])

    def sources(self, cp: np.ndarray, wcode: np.ndarray) -> dict[str, np.ndarray]:
        """Every source over the flat array `cp` (folded, 0 = PAD); `wcode` from word_codes."""
        cid = self.char_ids(cp)
        bi, tri = self.ngram_keys(cid)
        ty = char_types(cp)
        type3 = (np.insert(ty[:-1], 0, PAD_T) * 16 + ty) * 16 + np.append(ty[1:], PAD_T)
        return self.lexicons.match(cp) | {"bias": np.ones(len(cp), np.int64), "char": cid, "word": wcode,
                                          "bi": lookup(self.bi, bi), "tri": lookup(self.tri, tri),
                                          "type": ty, "type3": type3}

    def layout(self, cp: np.ndarray, ends: np.ndarray, wcode: np.ndarray):
        """Flat array with PAD gaps: (flat cps, flat word codes, flat index of each char)."""
        lens = np.diff(ends, prepend=0)
        at = np.arange(len(cp)) + self.pad * (np.repeat(np.arange(len(lens)), lens) + 1)
        flat, fw = np.zeros((2, len(cp) + self.pad * (len(lens) + 1)), np.int64)
        flat[at], fw[at] = cp, wcode
        return flat, fw, at


class NameTagger:
    """Tags PER and ORG spans; one instance per process via `load()`."""

    _cache: dict[str, "NameTagger"] = {}
    _lock = threading.Lock()

    def __init__(self, arrays: dict, meta: dict):
        self.meta, self.labels = meta, list(meta["labels"])
        self.features = Features(arrays, meta)
        dense = arrays["weights"].astype(np.float32)[arrays["rowmap"]]   # file: distinct rows once
        off = arrays["tmpl_offset"]                    # template t's [ids, labels] table (~9 MB in all)
        self._tables = [dense[a:b] for a, b in zip(off[:-1], off[1:])]
        self.trans = arrays["transitions"].astype(np.float32)   # [from, to]
        self.output = dict(meta["output_map"])                  # model type -> PER / ORG
        kinds, types = [lab[0] for lab in self.labels], [lab[2:] for lab in self.labels]  # "B-PER"
        self._type_names = [""] + sorted(set(types) - {""})
        self._lab_type = np.array([self._type_names.index(t) for t in types], np.int64)
        self._lab_opens, self._lab_closes = (np.array([k in ks for k in kinds]) for ks in ("BS", "ES"))
        self._named = np.array([t in self.output for t in types])   # labels of PER/ORG spans

    @classmethod
    def load(cls, path=None) -> "NameTagger":
        """The model at `path`, default the one shipped in kg/data; one load per process."""
        key = str(path or MODEL_FILE)
        with cls._lock:
            if key not in cls._cache:
                with (open(path, "rb") if path else files("kg.data").joinpath(MODEL_FILE).open("rb")) as fh, \
                        np.load(fh, allow_pickle=False) as npz:
                    arrays = {k: npz[k] for k in npz.files}
                meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
                cls._cache[key] = cls(arrays, meta)
            return cls._cache[key]

    def tag(self, text: str, words: list[tuple[int, int]], *, scores: bool = True,
            block_chars: int = BLOCK_CHARS) -> list[Span]:
        """PER/ORG spans of `text`, in text order.  `words`: jieba's word spans of the whole
        text, in order (jieba.Tokenizer().cut(text, HMM=True) as offsets).  scores=False
        skips the backward max pass and leaves every score at 1.0."""
        spans: list[Span] = []
        for a, b, ends in self._blocks(text, max(block_chars, self.features.max_chunk)):
            i0 = max(bisect.bisect_right(words, a, key=itemgetter(0)) - 1, 0)   # may overlap a
            i1 = bisect.bisect_left(words, b, key=itemgetter(0))
            w = np.fromiter(chain.from_iterable(words[i0:i1]), np.int64, 2 * (i1 - i0)).reshape(-1, 2) - a
            spans += [Span(a + s, a + e, lab, sc) for s, e, lab, sc in
                      self._block_spans(fold(codepoints(text[a:b])), w, ends, scores)]
        return spans

    def tag_many(self, docs, *, scores: bool = True, block_chars: int = BLOCK_CHARS) -> list[list[Span]]:
        """tag() of each (text, words) document, with short ones sharing numpy passes."""
        out, batch = [], []
        for text, words in docs:
            if batch and sum(len(t) for t, _ in batch) + len(text) > block_chars:
                out, batch = out + self._tag_batch(batch, scores), []
            if len(text) > block_chars:
                out.append(self.tag(text, words, scores=scores, block_chars=block_chars))
            else:
                batch.append((text, words))
        return out + (self._tag_batch(batch, scores) if batch else [])

    def _tag_batch(self, docs: list, scores: bool) -> list[list[Span]]:
        """Short documents laid end to end as one block; each is chunked as on its own."""
        starts = np.cumsum([0] + [len(t) for t, _ in docs])
        out: list[list[Span]] = [[] for _ in docs]
        if not starts[-1]:
            return out
        ends = np.concatenate([self.features.chunk_ends(codepoints(t)) + a for (t, _), a in zip(docs, starts)])
        words = np.concatenate([np.array(w, np.int64).reshape(-1, 2) + a for (_, w), a in zip(docs, starts)])
        cp = fold(codepoints("".join(t for t, _ in docs)))
        for s, e, lab, sc in self._block_spans(cp, words, ends, scores):
            d = int(np.searchsorted(starts, s, side="right")) - 1
            out[d].append(Span(s - int(starts[d]), e - int(starts[d]), lab, sc))
        return out

    def _blocks(self, text: str, block: int):
        """(start, end, chunk ends from start) of consecutive blocks, cut at chunk ends."""
        a, n = 0, len(text)
        while a < n:
            window = text[a:a + block + self.features.max_chunk + 1]
            ends = self.features.chunk_ends(codepoints(window))
            if a + len(window) < n:                    # the window's last run may be cut short
                ends = ends[ends <= block]             # never empty: chunks <= max_chunk <= block
            yield a, a + int(ends[-1]), ends
            a += int(ends[-1])

    def emissions(self, cp, words, ends) -> np.ndarray:
        """[chars, labels] emission scores of a block: per template, one gather of weight rows."""
        f = self.features
        flat, fw, at = f.layout(cp, ends, word_codes(words, len(cp)))
        src = f.sources(flat, fw)
        n, p = len(flat), f.pad
        emit = np.zeros((n - 2 * p, len(self.labels)), np.float32)
        rows = np.empty_like(emit)
        for (name, k), table in zip(f.templates, self._tables):   # ids are < len(table) by
            table.take(src[name][p + k:n - p + k], axis=0, out=rows, mode="clip")   # construction
            emit += rows
        return emit[at - p]

    def _block_spans(self, cp: np.ndarray, words: np.ndarray, ends: np.ndarray, scores: bool):
        """Spans of a block: maximal runs of one type (lenient about ill-formed B/I/E/S)."""
        tags, marg = decode(self.emissions(cp, words, ends), ends, self.trans, self._named if scores else None)
        typ, first, last = self._lab_type[tags], np.zeros(len(tags), bool), np.zeros(len(tags), bool)
        first[ends[:-1]], first[0], last[ends - 1] = True, True, True
        prev_typ, prev_closes = np.insert(typ[:-1], 0, 0), np.insert(self._lab_closes[tags][:-1], 0, True)
        opens = (typ > 0) & (self._lab_opens[tags] | first | (prev_typ != typ) | prev_closes)
        closes = (typ > 0) & (last | np.append(opens[1:], True) | (np.append(typ[1:], 0) != typ))
        s, e = np.flatnonzero(opens), np.flatnonzero(closes) + 1
        span_score = np.minimum.reduceat(np.where(typ > 0, marg, np.inf), s) if marg is not None and len(s) \
            else np.ones(len(s))
        for i in range(len(s)):
            if name := self.output.get(self._type_names[typ[s[i]]]):
                yield int(s[i]), int(e[i]), name, round(float(span_score[i]), 4)


def _steps(lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chunks (longest first) still running at each step t, and where step t starts in cells."""
    alive = np.searchsorted(-lens, -np.arange(int(lens[0])), side="left")
    return alive, np.concatenate([[0], np.cumsum(alive)])


def decode(emit: np.ndarray, ends: np.ndarray, trans: np.ndarray, scored: np.ndarray | None = None):
    """Viterbi tags of every chunk and, in chunks with a tag `scored` (bool per label) marks,
    each tag's max-marginal confidence 1 / sum_y exp(best score via y - best score), else 1.
    The loop runs once per step of the longest chunk over all chunks; arrays are [labels, cells]."""
    if not len(emit):
        return np.zeros(0, np.int64), None
    lens = np.diff(ends, prepend=0)
    order = np.argsort(-lens, kind="stable")
    rank, chunk_of = np.argsort(order), np.repeat(np.arange(len(lens)), lens)   # rank: longest first
    row, col = rank[chunk_of], np.arange(len(emit)) - (ends - lens)[chunk_of]
    alive, offsets = _steps(lens[order])
    cell = offsets[col] + row
    packed = np.empty(emit.shape[::-1], emit.dtype)
    packed[:, cell] = emit.T
    path, forward = _viterbi(packed, alive, offsets, trans)
    tags = path[cell]
    if scored is None:
        return tags, None
    need = np.unique(row[scored[tags]])               # only chunks with a name need scores
    conf = np.ones(len(emit))
    if len(need):
        mine = np.flatnonzero(np.isin(row, need))
        alive, offsets = _steps(lens[order][need])
        sub = offsets[col[mine]] + np.searchsorted(need, row[mine])
        packed, best = np.empty((2, emit.shape[1], len(mine)), emit.dtype)
        packed[:, sub], best[:, sub] = emit[mine].T, forward[:, cell[mine]]
        best = (best + _backward_max(packed, alive, offsets, trans))[:, sub]   # best path via (y, t)
        conf[mine] = 1 / np.exp(best - best.max(axis=0)).sum(axis=0)
    return tags, conf


def _viterbi(packed: np.ndarray, alive: np.ndarray, offsets: np.ndarray, trans: np.ndarray):
    """(best path, best score of a path ending in each [label, cell]) of every packed chunk."""
    n, forward, from_to = alive[0], packed.copy(), trans[:, :, None]
    for t in range(1, len(alive)):
        a, k, p = offsets[t], alive[t], offsets[t - 1]
        forward[:, a:a + k] += (forward[:, None, p:p + k] + from_to).max(axis=0)
    path, lens = np.empty(packed.shape[1], np.intp), np.searchsorted(-alive, -np.arange(n), side="left")
    y = forward[:, offsets[lens - 1] + np.arange(n)].argmax(axis=0)  # best last label
    for t in range(len(alive) - 1, 0, -1):              # back-track from the stored scores
        a, k, p = offsets[t], alive[t], offsets[t - 1]
        path[a:a + k] = y[:k]
        y[:k] = (forward[:, p:p + k] + trans[:, y[:k]]).argmax(axis=0)
    path[:n] = y
    return path, forward


def _backward_max(packed: np.ndarray, alive: np.ndarray, offsets: np.ndarray, trans: np.ndarray):
    """Best score of the rest of the chunk after each [label, cell] (0 at each chunk's end)."""
    after, to_from = np.zeros_like(packed), trans.T[:, :, None]
    for t in range(len(alive) - 2, -1, -1):
        a, k = offsets[t + 1], alive[t + 1]             # chunks that have a step t+1
        after[:, offsets[t]:offsets[t] + k] = ((packed[:, a:a + k] + after[:, a:a + k])[:, None, :]
                                               + to_from).max(axis=0)
    return after
