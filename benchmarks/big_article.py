"""One huge article against the same text as many 1 MB articles: extraction stays linear.

    python -m benchmarks.big_article [--mb 20]

Builds a text of MB megabytes (UTF-8) from the news corpus, writes it once as one
article and once as MB articles of about 1 MB, and runs `kg extract -w 1` on each in a
child process, timing it and reading each child's peak resident memory.  The issue's
bar: the big article takes at most 2x the time of the split one, under 1 GB.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import CORPUS, machine, save, table

# Runs `kg extract` in this child and prints its own peak RSS (resource reads the whole child tree's
# maximum otherwise, which would mix the two runs).
CHILD = """
import resource, sys
from kg.cli import cli
try:
    cli(["extract", "-w", "1", sys.argv[1], "-o", "/dev/null"], standalone_mode=False)
finally:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)
"""


def build_text(megabytes: int) -> str:
    out, size = [], 0
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            text = json.loads(line).get("text") or ""
            out.append(text)
            size += len(text.encode("utf-8")) + 1
            if size >= megabytes * 2**20:
                break
    return "\n".join(out)


def run_kg(path: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of `kg extract -w 1 path` in a child process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], check=True, capture_output=True, text=True)
    return time.perf_counter() - start, float(done.stderr.strip().splitlines()[-1])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=int, default=20, help="size of the big article in MB (default 20)")
    args = ap.parse_args(argv)
    if not CORPUS.exists():
        print(f"big_article: no corpus at {CORPUS}; skipped")
        return {}
    text = build_text(args.mb)
    lines = text.split("\n")
    with tempfile.TemporaryDirectory() as tmp:
        split = Path(tmp) / "split.jsonl"
        with split.open("w", encoding="utf-8") as f:
            per = max(len(lines) // args.mb, 1)
            for i in range(0, len(lines), per):
                f.write(json.dumps({"id": f"part{i}", "title": "分段", "text": "\n".join(lines[i:i + per])},
                                   ensure_ascii=False) + "\n")
        big = Path(tmp) / "big.json"
        big.write_text(json.dumps({"id": "big", "title": "整篇", "text": text}, ensure_ascii=False), encoding="utf-8")
        split_s, split_mb = run_kg(split)
        big_s, big_mb = run_kg(big)
    mb = len(text.encode("utf-8")) / 2**20
    rows = [{"input": f"{args.mb} articles of ~1 MB (baseline)", "seconds": f"{split_s:.1f}", "x baseline": "1.00",
             "peak RSS MB": f"{split_mb:.0f}"},
            {"input": f"one article of {mb:.1f} MB", "seconds": f"{big_s:.1f}", "x baseline": f"{big_s / split_s:.2f}",
             "peak RSS MB": f"{big_mb:.0f}"}]
    print(f"big article — {len(text):,} characters, {mb:.1f} MB; {machine()}")
    print(table(rows))
    result = {"machine": machine(), "chars": len(text), "mb": mb, "split_seconds": split_s, "big_seconds": big_s,
              "ratio": big_s / split_s, "split_peak_rss_mb": split_mb, "big_peak_rss_mb": big_mb}
    save("big_article", result)
    return result


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
