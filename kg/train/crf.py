"""Training the CRF with python-crfsuite on exactly the feature ids kg.extraction.nertagger computes,
and converting crfsuite's weights into the numpy tables the tagger reads.

Feature ids come from kg.extraction.nertagger.Features (one code path for training and tagging);
crfsuite sees each id as the attribute string "template:id".  A vocabulary built
from the training texts gives the ids during training; the shipped model keeps
only the n-grams that received a weight, re-numbered (see `to_arrays`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pycrfsuite  # training-only dependency (the `train` extra)

from kg.extraction.nertagger import Features, codepoints, fold, word_codes


def tags_for(n: int, spans, scheme: str) -> list[str]:
    """Per-character tags of one text in scheme BIO or BIOES."""
    tags = ["O"] * n
    for start, end, typ in spans:
        if any(t != "O" for t in tags[start:end]):   # overlapping gold: keep the first
            continue
        for i in range(start, end):
            tags[i] = f"I-{typ}"
        tags[start] = f"B-{typ}"
        if scheme == "BIOES":
            if end - start == 1:
                tags[start] = f"S-{typ}"
            else:
                tags[end - 1] = f"E-{typ}"
    return tags


def training_features(texts: list[str], meta: dict) -> Features:
    """A Features whose vocabulary is every char / bigram / trigram of `texts` (laid out
    as the tagger lays them out, PAD gaps included)."""
    cps = [fold(codepoints(t)) for t in texts]
    chars = np.unique(np.concatenate(cps + [np.zeros(1, np.int64)]))
    empty = np.zeros(0, np.int64)
    feats = Features({"chars": chars[chars > 0], "bigrams": empty, "trigrams": empty}, meta)
    bis, tris = [], []
    for cp in cps:
        flat, _, _ = feats.layout(cp, feats.chunk_ends(cp), np.zeros(len(cp), np.int64))
        bi, tri = feats.ngram_keys(feats.char_ids(flat))
        bis.append(bi)
        tris.append(tri)
    return Features({"chars": feats.chars, "bigrams": np.unique(np.concatenate(bis)),
                     "trigrams": np.unique(np.concatenate(tris))}, meta)


def featurise(feats: Features, text: str, words: np.ndarray):
    """(ids [chars, templates], chunk ends) of one text."""
    cp = fold(codepoints(text))
    ends = feats.chunk_ends(cp)
    flat, fw, at = feats.layout(cp, ends, word_codes(words, len(cp)))
    src = feats.sources(flat, fw)
    return np.stack([src[name][at + k] for name, k in feats.templates], axis=1), ends


def attributes(ids: np.ndarray) -> list[list[str]]:
    """crfsuite attributes "template:id" of each position (id 0 = no feature)."""
    return [[f"{t}:{v}" for t, v in enumerate(row) if v] for row in ids.tolist()]


def sequences(feats: Features, text: str, words: np.ndarray, tags: list[str] | None = None):
    """(attribute lists, tags) per chunk of one text."""
    ids, ends = featurise(feats, text, words)
    xs = attributes(ids)
    start = 0
    for end in ends.tolist():
        yield xs[start:end], (tags[start:end] if tags is not None else None)
        start = end


def train(feats: Features, records, words, scheme: str, settings: dict, model_path: Path) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    for (text, spans), w in zip(records, words):
        for xseq, yseq in sequences(feats, text, w, tags_for(len(text), spans, scheme)):
            trainer.append(xseq, yseq)
    trainer.select("lbfgs")
    trainer.set_params({"c1": settings["c1"], "c2": settings["c2"],
                        "max_iterations": settings["iterations"],
                        "feature.possible_transitions": True})
    trainer.train(str(model_path))


def source_size(feats: Features, name: str) -> int:
    """How many ids a source has (the size of its block in the row map): fixed by how
    kg.extraction.nertagger computes the ids (char classes < 16, word codes < 40, lexicon kind*8+len)."""
    sizes = {"bias": 2, "type": 16, "type3": 16 ** 3, "word": 40, "char": feats.base,
             "bi": len(feats.bi) + 1, "tri": len(feats.tri) + 1}
    return sizes.get(name) or 8 * (feats.lexicons.max_kind[name.rsplit("_", 1)[0]] + 1)


def to_arrays(model_path: Path, feats: Features, meta: dict) -> dict[str, np.ndarray]:
    """crfsuite model -> the numpy arrays of the shipped model (see NameTagger)."""
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model_path))
    info = tagger.info()
    labels = meta["labels"]
    col = {lab: i for i, lab in enumerate(labels)}
    active: dict[tuple[int, int], dict[str, float]] = {}
    for (attr, lab), weight in info.state_features.items():
        t, v = map(int, attr.split(":"))
        active.setdefault((t, v), {})[lab] = weight
    templates = [(src, k) for src, k in meta["templates"]]
    # keep only n-grams that carry a weight, re-numbered 1.. in key order
    kept = {}
    for src, table in (("bi", feats.bi), ("tri", feats.tri)):
        ids = sorted({v for (t, v) in active if templates[t][0] == src})
        kept[src] = (table[np.array(ids, np.int64) - 1] if ids else np.zeros(0, np.int64))
    runtime = Features({"chars": feats.chars, "bigrams": kept["bi"], "trigrams": kept["tri"]}, meta)
    sizes = [source_size(runtime, src) for src, _ in templates]
    offset = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    rowmap = np.zeros(int(offset[-1]), np.int32)
    rows = [np.zeros(len(labels))]
    for t, old in sorted(active):
        weights = active[(t, old)]
        if not any(weights.values()):
            continue
        src, new = templates[t][0], old
        if src in kept:                               # training vocabulary id -> shipped id
            table = feats.bi if src == "bi" else feats.tri
            new = int(np.searchsorted(kept[src], table[old - 1])) + 1
        row = np.zeros(len(labels))
        for lab, weight in weights.items():
            row[col[lab]] = weight
        rowmap[offset[t] + new] = len(rows)
        rows.append(row)
    trans = np.zeros((len(labels), len(labels)))
    for (a, b), weight in info.transitions.items():
        trans[col[a], col[b]] = weight
    tagger.close()
    return {"chars": feats.chars.astype(np.int64), "bigrams": kept["bi"], "trigrams": kept["tri"],
            "weights": np.array(rows, np.float32), "rowmap": rowmap, "tmpl_offset": offset,
            "transitions": trans.astype(np.float32)}
