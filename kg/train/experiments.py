"""Train and score several variants in one process (shared jieba cuts), with tagger speed.

    python -m kg.train.experiments [--out DIR] [VARIANT ...]
    python -m kg.train.experiments --speed [--out DIR] [VARIANT ...]   # re-time saved models
    python -m kg.train.experiments --table [--out DIR] [VARIANT ...]   # markdown from saved runs

Prints one row per variant; the table in kg/train/README.md comes from --table.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from kg.extraction.nertagger import NameTagger
from kg.train.data import REPO, external_dir
from kg.train.ner import build, jieba_words, measure_sets
from kg.train.variants import VARIANTS

CORPUS = REPO.parent / "shared" / "corpus" / "news2018.jsonl"


def news_texts(max_chars: int) -> list[str]:
    texts, total = [], 0
    with CORPUS.open(encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text") or ""
            texts.append(text)
            total += len(text)
            if total >= max_chars:
                break
    return texts


def chars_per_second(tagger: NameTagger, texts, words, scores: bool = True) -> float:
    start = time.perf_counter()
    for text, w in zip(texts, words):
        tagger.tag(text, w, scores=scores)
    return sum(map(len, texts)) / (time.perf_counter() - start)


def speed(tagger: NameTagger, texts, words) -> dict:
    chars_per_second(tagger, texts[:20], words[:20])          # warm-up
    return {"chars_per_s": round(chars_per_second(tagger, texts, words)),
            "chars_per_s_no_scores": round(chars_per_second(tagger, texts, words, False))}


def retime(out: Path, names: list[str], texts: list[str], rounds: int = 2) -> None:
    """Tagger speed of saved models, each next to jieba.lcut on the same texts (taking turns,
    fastest of `rounds`): the machine is shared, so only the ratio to jieba is comparable."""
    import jieba
    words = [w.tolist() for w in jieba_words(texts)]
    chars = sum(map(len, texts))
    for name in names:
        path = out / f"{name}.json"
        if not path.exists():
            continue
        tagger, best = NameTagger.load(out / f"{name}.npz"), [float("inf")] * 3
        tagger.tag(texts[0], words[0])
        for _ in range(rounds):
            for i, run in enumerate((lambda: [jieba.lcut(t) for t in texts],
                                     lambda: [tagger.tag(t, w) for t, w in zip(texts, words)],
                                     lambda: [tagger.tag(t, w, scores=False) for t, w in zip(texts, words)])):
                start = time.perf_counter()
                run()
                best[i] = min(best[i], time.perf_counter() - start)
        r = json.loads(path.read_text())
        r["speed"] = {"chars_per_s": round(chars / best[1]), "chars_per_s_no_scores": round(chars / best[2]),
                      "jieba_chars_per_s": round(chars / best[0]), "ratio_to_jieba": round(best[1] / best[0], 2),
                      "ratio_to_jieba_no_scores": round(best[2] / best[0], 2)}
        path.write_text(json.dumps(r, ensure_ascii=False, indent=1))
        print(name, r["speed"], flush=True)


def markdown(out: Path, names: list[str]) -> str:
    head = ("| variant | labels | CLUENER dev PER P/R/F1 | ORG P/R/F1 | PD test PER F1 | ORG F1 "
            "| MSRA test PER F1 | ORG F1 | size MB | train s | tagger / jieba time (no scores) |")
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for name in names:
        path = out / f"{name}.json"
        if not path.exists():
            continue
        r = json.loads(path.read_text())
        s = r["scores"]
        prf = lambda d, c: "/".join(f"{s[d][c][m]:.3f}" for m in ("p", "r", "f1"))  # noqa: E731
        rows.append(f"| {name} | {len(r['labels'])} | {prf('cluener_dev', 'PER')} | {prf('cluener_dev', 'ORG')} "
                    f"| {s['pd_test']['PER']['f1']:.3f} | {s['pd_test']['ORG']['f1']:.3f} "
                    f"| {s['msra_test']['PER']['f1']:.3f} | {s['msra_test']['ORG']['f1']:.3f} "
                    f"| {r['bytes'] / 1e6:.2f} | {r['training']['train_seconds']:.0f} "
                    f"| {r['speed']['ratio_to_jieba']:.2f} ({r['speed']['ratio_to_jieba_no_scores']:.2f}) |")
    return "\n".join(rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("variants", nargs="*", default=list(VARIANTS))
    ap.add_argument("--out", default="/tmp/ner-experiments")
    ap.add_argument("--news-chars", type=int, default=1_000_000)
    ap.add_argument("--table", action="store_true", help="print the markdown table of saved runs")
    ap.add_argument("--speed", action="store_true", help="re-time saved models with the current code")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if args.table:
        print(markdown(out, args.variants))
        return
    texts = news_texts(args.news_chars)
    if args.speed:
        retime(out, args.variants, texts)
        return
    out.mkdir(parents=True, exist_ok=True)
    ext = external_dir()
    sets = measure_sets(ext)
    set_words = {k: jieba_words([t for t, _ in v]) for k, v in sets.items()}
    words = [w.tolist() for w in jieba_words(texts)]
    for name in args.variants:
        sidecar = build(name, ext, out / f"{name}.npz", sets, set_words)
        sidecar["speed"] = speed(NameTagger.load(out / f"{name}.npz"), texts, words)
        (out / f"{name}.json").write_text(json.dumps(sidecar, ensure_ascii=False, indent=1))
        s = sidecar["scores"]
        cells = [f"{s[d][c][m]:.3f}" for d in ("cluener_dev", "pd_test", "msra_test")
                 for c in ("PER", "ORG") for m in ("p", "r", "f1")]
        print(" | ".join([name] + cells + [f"{sidecar['bytes'] / 1e6:.2f} MB",
                                           f"{sidecar['training']['train_seconds']:.0f} s",
                                           f"{sidecar['speed']['chars_per_s']:,}",
                                           f"{sidecar['speed']['chars_per_s_no_scores']:,}"]), flush=True)


if __name__ == "__main__":
    main()
