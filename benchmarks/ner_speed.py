"""Name tagger throughput (kg.extraction.nertagger, jieba's words given) against jieba.lcut on
the same news text, in the same run.

    python -m benchmarks.ner_speed [--chars N] [--repeat N]

The tagger is called once per article (and, in the last row, through tag_many,
which lets short articles share numpy passes); its input words are jieba's cut
of each article, made before the clock starts (the pipeline cuts once and shares
the words).  Target: tagger time <= 0.5 x jieba.lcut time.
"""
from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys

from benchmarks.common import CORPUS, machine, peak_rss_mb, save, table, timer


def news(max_chars: int) -> list[str]:
    """Article texts from the start of the corpus, up to about max_chars characters."""
    texts, total = [], 0
    with CORPUS.open(encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text") or ""
            if text:
                texts.append(text)
                total += len(text)
            if total >= max_chars:
                break
    return texts


def spans(words: list[str]) -> list[tuple[int, int]]:
    ends = list(itertools.accumulate(map(len, words)))
    return list(zip([0] + ends[:-1], ends))


def interleaved_best(repeat: int, runs: dict) -> dict:
    """Least time of each run over `repeat` rounds, the runs taking turns within a round:
    the machine is shared, so load drifts; taking turns exposes every run to the same drift."""
    best = {name: float("inf") for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            with timer() as t:
                fn()
            best[name] = min(best[name], t["seconds"])
    return best


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chars", type=int, default=1_500_000, help="about this many characters of news")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; each row reports its fastest")
    args = ap.parse_args(argv)
    if not CORPUS.exists():
        print(f"ner_speed: no corpus at {CORPUS}; skipped")
        return {}

    import jieba
    jieba.setLogLevel(logging.WARNING)
    from kg.extraction.nertagger import NameTagger

    texts = news(args.chars)
    chars = sum(map(len, texts))
    jieba.initialize()
    tagger = NameTagger.load()
    words = [spans(jieba.lcut(t)) for t in texts]
    tagger.tag(texts[0], words[0])                     # warm-up (numpy, caches)

    runs = interleaved_best(args.repeat, {
        "jieba.lcut (baseline)": lambda: [jieba.lcut(t) for t in texts],
        "tagger, with scores": lambda: [tagger.tag(t, w) for t, w in zip(texts, words)],
        "tagger, no scores": lambda: [tagger.tag(t, w, scores=False) for t, w in zip(texts, words)],
        "tagger.tag_many, with scores": lambda: tagger.tag_many(list(zip(texts, words))),
    })
    base = runs["jieba.lcut (baseline)"]
    rows = [{"run": name, "seconds": f"{s:.2f}", "chars/s": f"{chars / s:,.0f}",
             "x baseline time": f"{s / base:.2f}"} for name, s in runs.items()]
    result = {"machine": machine(), "articles": len(texts), "chars": chars,
              "jieba_chars_per_s": chars / base,
              "tagger_chars_per_s": chars / runs["tagger, with scores"],
              "tagger_no_scores_chars_per_s": chars / runs["tagger, no scores"],
              "ratio_to_jieba": runs["tagger, with scores"] / base,
              "ratio_to_jieba_no_scores": runs["tagger, no scores"] / base,
              "ratio_to_jieba_tag_many": runs["tagger.tag_many, with scores"] / base,
              "peak_rss_mb": peak_rss_mb()}
    print(f"name tagger speed — {len(texts)} articles, {chars:,} chars; {machine()}")
    print(table(rows))
    print(f"tagger time / jieba.lcut time: {result['ratio_to_jieba']:.2f} per article, "
          f"{result['ratio_to_jieba_tag_many']:.2f} with tag_many (target <= 0.5)")
    print(f"peak RSS of this process: {result['peak_rss_mb']:.0f} MB")
    save("ner_speed", result)
    return result


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
