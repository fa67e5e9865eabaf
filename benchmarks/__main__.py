"""Run every benchmark: python -m benchmarks [--quick]

--quick uses the first 2,000 corpus articles instead of all 11,686."""
from __future__ import annotations

import argparse
import importlib

BENCHMARKS = ("extract_quality", "extract_speed", "ner_speed", "big_article", "load_speed", "viz_build", "scale",
              "scale_out")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2,000 corpus articles instead of all")
    ap.add_argument("--only", nargs="*", choices=BENCHMARKS, help="run only these")
    args = ap.parse_args()
    for name in args.only or BENCHMARKS:
        print(f"\n=== benchmarks.{name} ===", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        argv = ["--articles", "2000"] if args.quick and name in ("extract_speed", "load_speed", "scale", "scale_out") else []
        module.main(argv)


if __name__ == "__main__":
    main()
