"""The CRF variants compared in kg/train/README.md; DEFAULT is the shipped one.

A variant fixes the feature templates (source, offset), the lexicons, the label
scheme and types, the DuIE augmentation and the crfsuite settings."""
from __future__ import annotations

PER_ORG = {"name": "PER", "company": "ORG", "organization": "ORG", "government": "ORG"}
# CLUENER's other types as extra labels: they sharpen boundaries ("北京市" next to
# "政府", "记者" before a name) and are dropped at output.
CONTEXT = {**PER_ORG, "address": "LOC", "position": "TTL", "scene": "LOC",
           "book": "WRK", "game": "WRK", "movie": "WRK"}
CONTEXT4 = {**PER_ORG, "address": "LOC", "position": "TTL", "scene": "LOC"}
FINE = {**CONTEXT, "company": "COM", "government": "GOV"}
OUT = {"PER": "PER", "ORG": "ORG"}
OUT_FINE = {**OUT, "COM": "ORG", "GOV": "ORG"}
# DuIE subject/object types that name people or organisations.  企业/品牌 is left out:
# it mixes brands (products) with companies.
DUIE = {"人物": "PER", "娱乐人物": "PER", "历史人物": "PER", "企业": "ORG", "机构": "ORG", "学校": "ORG"}

LEX_TEMPLATES = {"surname": [["surname_start", 0], ["surname_start", -1]],
                 "org_suffix": [["org_suffix_end", 0], ["org_suffix_start", 1]],
                 "title": [["title_end", -1], ["title_start", 1]]}


def templates(window: int = 2, lexicons=("surname", "org_suffix"), word: bool = True) -> list:
    """Char n-grams in a +-window, char classes, jieba position+length, lexicon flags."""
    t = [["bias", 0]]
    t += [["char", k] for k in range(-window, window + 1)]
    t += [["bi", k] for k in range(-window, window)]
    t += [["tri", k] for k in range(-window, window - 1)]
    t += [["type", k] for k in (-1, 0, 1)] + [["type3", 0]]
    if word:
        t += [["word", k] for k in (-1, 0, 1)]
    for name in lexicons:
        t += LEX_TEMPLATES[name]
    return t


def variant(scheme="BIO", types=PER_ORG, output=OUT, window=2, lexicons=("surname", "org_suffix"),
            c1=0.1, c2=0.01, iterations=200, duie=None, max_chunk=150, split_soft=False) -> dict:
    return {"chunking": {"max_chunk": max_chunk, "split_soft": split_soft}, "scheme": scheme, "types": types, "output_map": output, "lexicons": list(lexicons),
            "templates": templates(window, lexicons), "window": window, "c1": c1, "c2": c2,
            "iterations": iterations, "duie": duie}


_LEX3 = ("surname", "org_suffix", "title")
VARIANTS = {
    "note": variant(),                                                  # the note's CRF
    "bioes": variant(scheme="BIOES"),
    "bioes_ctx": variant(scheme="BIOES", types=CONTEXT),
    "bioes_ctx_title": variant(scheme="BIOES", types=CONTEXT, lexicons=_LEX3),
    "bioes_fine_title": variant(scheme="BIOES", types=FINE, output=OUT_FINE, lexicons=_LEX3),
}
# split_soft: chunks end at commas too (2.7x fewer Viterbi steps on news; see README)
VARIANTS.update({
    "bio_soft": variant(split_soft=True),
    "bioes_soft": variant(scheme="BIOES", split_soft=True),
    "bio_ctx4_title_soft": variant(types=CONTEXT4, lexicons=_LEX3, split_soft=True),
    "bioes_fine_title_soft": variant(scheme="BIOES", types=FINE, output=OUT_FINE, lexicons=_LEX3,
                                     split_soft=True),
    "bio_ctx4_title_soft_c1": variant(types=CONTEXT4, lexicons=_LEX3, split_soft=True, c1=0.02, c2=0.01),
    "bio_ctx4_title_soft_c1b": variant(types=CONTEXT4, lexicons=_LEX3, split_soft=True, c1=0.005, c2=0.005),
    "bio_ctx_title_soft_c1": variant(types=CONTEXT, lexicons=_LEX3, split_soft=True, c1=0.02, c2=0.01),
    "bio_ctx4_title_soft_c1_w3": variant(types=CONTEXT4, lexicons=_LEX3, split_soft=True, window=3,
                                         c1=0.02, c2=0.01),
    "bio_ctx4_title_soft_c1_duie": variant(types=CONTEXT4, lexicons=_LEX3, split_soft=True, duie=DUIE,
                                           c1=0.02, c2=0.01),
})
DEFAULT = "bio_ctx4_title_soft_c1"


def describe(cfg: dict) -> str:
    w = cfg["window"]
    return (f"char unigrams at -{w}..{w}, bigrams and trigrams inside that window, char class "
            f"at -1..1 and their triple, jieba word position (B/M/E/S) x length at -1..1, "
            f"lexicon flags ({', '.join(cfg['lexicons'])}), bias; "
            f"chars NFKC-like folded (full-width to ASCII, digits to 0)")
