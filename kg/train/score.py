"""The house NER score: per sentence, SETS of normalised surface strings per class;
micro precision / recall / F1 over all sentences."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

_STRIP = re.compile(r"[\s\"'“”‘’《》〈〉「」『』®™·・•]")
CLASSES = ("PER", "ORG")


def norm(s: str) -> str:
    return _STRIP.sub("", unicodedata.normalize("NFKC", s).lower())


def name_sets(text: str, spans: Iterable, min_score: float = 0.0) -> dict[str, set[str]]:
    """{class: {normalised surface}} of (start, end, class[, score]) spans."""
    out: dict[str, set[str]] = {c: set() for c in CLASSES}
    for start, end, label, *score in spans:
        if score and score[0] < min_score:
            continue
        if label in out and norm(text[start:end]):
            out[label].add(norm(text[start:end]))
    return out


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4),
            "tp": tp, "pred": n_pred, "gold": n_gold}


def evaluate(records, predict: Callable[[str], list], min_score: float = 0.0) -> dict[str, dict]:
    """records: (text, gold spans); predict(text) -> (start, end, class[, score]) spans;
    predictions scored below min_score are dropped."""
    counts = {c: [0, 0, 0] for c in CLASSES}
    for text, gold in records:
        g, p = name_sets(text, gold), name_sets(text, predict(text), min_score)
        for c in CLASSES:
            counts[c][0] += len(g[c] & p[c])
            counts[c][1] += len(p[c])
            counts[c][2] += len(g[c])
    return {c: prf(*counts[c]) for c in CLASSES}
