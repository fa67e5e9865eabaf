"""python -m kg.train ner: rebuild the CRF name recogniser from the TRAIN splits.

    python -m kg.train ner [--external DIR] [--out kg/data/ner-crf.npz] [--variant NAME]

Writes the model (.npz) and its sidecar (.json: data and sha256, features, labels,
settings, date, scores on CLUENER dev / PeoplesDaily test / MSRA test), checks
that the numpy tagger gives crfsuite's tags on CLUENER dev, and prints the scores.
Training is deterministic (fixed data order, L-BFGS; nothing is sampled), so a
rerun gives a byte-identical .npz (the .json differs only in date and timings).
"""
from __future__ import annotations

import argparse
import datetime
import json
import logging
import tempfile
import time
from pathlib import Path

import numpy as np

from kg import data as kgdata
from kg.extraction.nertagger import SENTENCE_ENDS, SOFT_BREAKS, NameTagger, codepoints, decode, fold
from kg.train import crf
from kg.train.data import CLUENER_OUTPUT, MEASURE_FILES, REPO, TRAIN_FILES, bio, cluener, duie, \
    external_dir, sha256
from kg.train.score import evaluate
from kg.train.variants import DEFAULT, VARIANTS, describe

LEXICON_FILES = {"surname": ("surnames.txt", None),
                 "org_suffix": ("org_suffixes.tsv", ("org", "industry", "unit")),
                 "title": ("titles.tsv", ("work", "honour", "role"))}


def jieba_words(texts: list[str]) -> list[np.ndarray]:
    """jieba's word spans, cut exactly as the pipeline cuts (jieba.lcut, HMM on)."""
    import jieba
    jieba.setLogLevel(logging.WARNING)
    out = []
    for text in texts:
        ends = np.cumsum([len(w) for w in jieba.cut(text, HMM=True)], dtype=np.int64)
        out.append(np.stack([ends - np.diff(ends, prepend=0), ends], axis=1) if len(ends)
                   else np.zeros((0, 2), np.int64))
    return out


def lexicons(names) -> tuple[dict, list[dict]]:
    """Lexicon entries [[word, kind id]] (embedded in the model, so a later edit of
    kg/data cannot change what the shipped weights see) and their provenance."""
    entries, sources = {}, []
    for name in names:
        file, kinds = LEXICON_FILES[name]
        rows = kgdata.table(file, 2) if kinds else [(w, "") for w in kgdata.words(file)]
        entries[name] = [[w, kinds.index(k) + 1 if kinds else 1] for w, k in rows]
        path = REPO / "kg" / "data" / file
        sources.append({"file": f"kg/data/{file}", "sha256": sha256(path), "entries": len(rows)})
    return entries, sources


def training_records(cfg: dict, ext: Path) -> tuple[list, list[dict]]:
    records = cluener(ext / TRAIN_FILES["cluener"], cfg["types"])
    used = [TRAIN_FILES["cluener"]]
    if cfg.get("duie"):
        records += duie(ext / TRAIN_FILES["duie"], cfg["duie"])
        used.append(TRAIN_FILES["duie"])
    return records, [{"file": f, "sha256": sha256(ext / f)} for f in used]


def measure_sets(ext: Path) -> dict[str, list]:
    """The MEASURE-ONLY splits, as (text, gold PER/ORG spans)."""
    return {"cluener_dev": cluener(ext / MEASURE_FILES["cluener_dev"], CLUENER_OUTPUT),
            "pd_test": bio(ext / MEASURE_FILES["pd_test"]),
            "msra_test": bio(ext / MEASURE_FILES["msra_test"])}


THRESHOLDS = (0.5, 0.7, 0.9)


def scores(tagger: NameTagger, sets: dict, words: dict) -> tuple[dict, dict]:
    """Scores on each measuring set, and on each with spans below a score threshold dropped."""
    out, by_score = {}, {}
    for name, records in sets.items():
        spans = {text: [(s.start, s.end, s.label, s.score) for s in tagger.tag(text, w.tolist())]
                 for (text, _), w in zip(records, words[name])}
        out[name] = evaluate(records, spans.__getitem__)
        by_score[name] = {str(t): evaluate(records, spans.__getitem__, t) for t in THRESHOLDS}
    return out, by_score


def numpy_matches_crfsuite(tagger: NameTagger, feats, model_path: Path, records, words) -> dict:
    """Tag every chunk of `records` with crfsuite and with the numpy tagger; count differences."""
    import pycrfsuite
    ref = pycrfsuite.Tagger()
    ref.open(str(model_path))
    chunks = differ = 0
    for (text, _), w in zip(records, words):
        cp = fold(codepoints(text))
        ends = feats.chunk_ends(cp)
        mine, _ = decode(tagger.emissions(cp, w, ends), ends, tagger.trans)
        theirs = [lab for xseq, _ in crf.sequences(feats, text, w) for lab in ref.tag(xseq)]
        chunks += len(ends)
        differ += sum(tagger.labels[a] != b for a, b in zip(mine.tolist(), theirs))
    ref.close()
    return {"corpus": MEASURE_FILES["cluener_dev"], "chunks": chunks, "differing_tags": differ}


def save_model(path: Path, arrays: dict, meta: dict) -> None:
    blob = np.frombuffer(json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8"), np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, meta=blob, **arrays)     # zip entries carry a fixed date: reproducible


def build(variant: str, ext: Path, out: Path, sets=None, set_words=None, log=print) -> dict:
    """Train one variant, write out (.npz) and its .json sidecar; return the sidecar."""
    cfg = VARIANTS[variant]
    lex, lex_sources = lexicons(cfg["lexicons"])
    labels = ["O"] + sorted({f"{k}-{t}" for t in set(cfg["types"].values()) | set((cfg["duie"] or {}).values())
                             for k in cfg["scheme"] if k != "O"})
    meta = {"format": 1, "templates": cfg["templates"], "labels": labels, "lexicons": lex,
            "output_map": cfg["output_map"], "chunking": cfg["chunking"]}
    records, train_sources = training_records(cfg, ext)
    t0 = time.perf_counter()
    words = jieba_words([t for t, _ in records])
    feats = crf.training_features([t for t, _ in records], meta)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "model.crfsuite"
        crf.train(feats, records, words, cfg["scheme"], cfg, model_path)
        train_seconds = time.perf_counter() - t0
        arrays = crf.to_arrays(model_path, feats, meta)
        save_model(out, arrays, meta)
        NameTagger._cache.pop(str(out), None)
        tagger = NameTagger.load(out)
        sets = sets or measure_sets(ext)
        set_words = set_words or {k: jieba_words([t for t, _ in v]) for k, v in sets.items()}
        check = numpy_matches_crfsuite(tagger, feats, model_path, sets["cluener_dev"],
                                       set_words["cluener_dev"])
    log(f"numpy vs crfsuite on CLUENER dev: {check['differing_tags']} differing tags "
        f"in {check['chunks']} chunks")
    result, by_score = scores(tagger, sets, set_words)
    sidecar = {
        "model": out.name, "sha256": sha256(out), "bytes": out.stat().st_size, "variant": variant,
        "trained_on": train_sources, "lexicons": lex_sources,
        "features": {"templates": cfg["templates"], "description": describe(cfg)},
        "labels": labels, "output_map": cfg["output_map"],
        "training": {"algorithm": f"lbfgs (python-crfsuite {_version()})", "c1": cfg["c1"],
                     "c2": cfg["c2"], "iterations": cfg["iterations"], "scheme": cfg["scheme"],
                     "seed": 0, "seed_note": "nothing is sampled: fixed data order and L-BFGS are "
                                             "deterministic, so the seed is recorded but unused",
                     "train_seconds": round(train_seconds, 1)},
        "chunking": {**cfg["chunking"], "sentence_ends": SENTENCE_ENDS, "soft_breaks": SOFT_BREAKS},
        "date": datetime.date.today().isoformat(),
        "scores": result, "scores_min_span_score": by_score, "numpy_equals_crfsuite": check,
    }
    out.with_suffix(".json").write_text(json.dumps(sidecar, ensure_ascii=False, indent=1) + "\n",
                                        encoding="utf-8")
    return sidecar


def _version() -> str:
    from importlib.metadata import version
    return version("python-crfsuite")


def print_scores(sidecar: dict) -> None:
    for name, res in sidecar["scores"].items():
        print(f"{name:12s} " + "  ".join(f"{c} P {r['p']:.3f} R {r['r']:.3f} F1 {r['f1']:.3f}"
                                         for c, r in res.items()))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kg.train ner", description=__doc__.split("\n")[0])
    ap.add_argument("--external", help="folder of the external data (default: $KG_EXTERNAL "
                                       "or ../shared/external beside the repository)")
    ap.add_argument("--out", default=str(REPO / "kg" / "data" / "ner-crf.npz"),
                    help="model file; its sidecar goes beside it as .json (default: the shipped one)")
    ap.add_argument("--variant", default=DEFAULT, choices=sorted(VARIANTS))
    args = ap.parse_args(argv)
    np.random.seed(0)
    sidecar = build(args.variant, external_dir(args.external), Path(args.out))
    print(f"model {args.out}: {sidecar['bytes'] / 1e6:.2f} MB, sha256 {sidecar['sha256'][:16]}…, "
          f"trained in {sidecar['training']['train_seconds']} s")
    print_scores(sidecar)
    return 0 if sidecar["numpy_equals_crfsuite"]["differing_tags"] == 0 else 1
