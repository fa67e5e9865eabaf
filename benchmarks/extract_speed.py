"""Extraction throughput: kg's full pipeline with 1 and N workers against
jieba.lcut (precise mode) on the same text, in the same run.

    python -m benchmarks.extract_speed [--articles N] [--workers N]

Memory: articles stream through the pipeline and results are discarded as
they come, so peak RSS should not grow with the corpus; it is printed.
"""
from __future__ import annotations

import argparse
import os
import sys

from benchmarks.common import CORPUS, corpus_articles, machine, peak_rss_mb, save, table, timer


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=None, help="first N articles (default: all)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args(argv)
    if not CORPUS.exists():
        print(f"extract_speed: no corpus at {CORPUS}; skipped")
        return {}

    import logging

    import jieba
    jieba.setLogLevel(logging.WARNING)
    from kg.extraction.extractor import extract_all, pipeline

    texts = [a.text for a in corpus_articles(args.articles)]
    chars = sum(len(t) for t in texts)
    jieba.initialize()
    pipeline()
    with timer() as base:
        for t in texts:
            jieba.lcut(t)
    rows = [{"run": "jieba.lcut (baseline)", "seconds": f"{base['seconds']:.1f}",
             "chars/s": f"{chars / base['seconds']:,.0f}", "x baseline time": "1.00"}]
    result = {"machine": machine(), "articles": len(texts), "chars": chars,
              "jieba_chars_per_s": chars / base["seconds"]}
    del texts
    for workers in sorted({1, args.workers}):
        n = 0
        with timer() as t:
            for _ in extract_all(corpus_articles(args.articles), on_error=lambda e: None, workers=workers):
                n += 1
        rows.append({"run": f"kg pipeline, {workers} worker{'s' if workers > 1 else ''}",
                     "seconds": f"{t['seconds']:.1f}", "chars/s": f"{chars / t['seconds']:,.0f}",
                     "x baseline time": f"{t['seconds'] / base['seconds']:.2f}"})
        result[f"kg_{workers}_chars_per_s"] = chars / t["seconds"]
        result[f"kg_{workers}_ratio_to_jieba"] = t["seconds"] / base["seconds"]
    if args.workers > 1:
        result["speedup"] = result[f"kg_{args.workers}_chars_per_s"] / result["kg_1_chars_per_s"]
    result["peak_rss_mb"] = peak_rss_mb()
    print(f"extraction speed — {result["articles"]} articles, {chars:,} chars; {machine()}")
    print(table(rows))
    if "speedup" in result:
        print(f"speed-up with {args.workers} workers: {result['speedup']:.2f}x one worker")
    print(f"peak RSS of this process: {result['peak_rss_mb']:.0f} MB")
    save("extract_speed", result)
    return result


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
