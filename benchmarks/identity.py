"""Identity across articles: does kg make one node of what is one thing, and only of that?

    python -m benchmarks.identity [--top N] [--errors]

Loads the seed articles and ../shared/gold/dev2-articles.json (kg extract, then kg load into a
throw-away embedded store) and scores the nodes against benchmarks/data/identity_gold.tsv, the
entities of the 43 hand-annotated articles with which of them across articles are one thing.
Each gold entity is found in the graph as the node its article mentions under the entity's name
or an alias (entities extraction missed are left out, and counted).  Over every pair of found
entities of two different articles:

- precision: of the pairs kg puts on one node, the share that are one thing;
- recall: of the pairs that are one thing, the share kg puts on one node;
- dupes: of the pairs that are one thing but on two nodes, the share `kg dupes` lists among its
  top N candidates (default 30, its own default).
"""
from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from benchmarks.common import REPO, SHARED, save, table

GOLD = REPO / "benchmarks" / "data" / "identity_gold.tsv"
ARTICLES = [REPO / "seeds", SHARED / "gold" / "dev2-articles.json"]


def gold_items(path: Path = GOLD) -> list[dict]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            thing, label, article, name, aliases = (line.split("\t") + [""])[:5]
            items.append({"thing": (label, thing), "label": label, "article": article, "name": name,
                          "forms": [name, *(a for a in aliases.split("|") if a)]})
    return items


def locate(store, items: list[dict]) -> dict[int, str]:
    """item index -> the key of the node its article mentions under its name (else an alias)."""
    from kg.names import norm
    mentioned: dict[tuple[str, str], list[tuple[str, set[str]]]] = defaultdict(list)
    for row in store.run("MATCH (a:Article)-[m:MENTIONS]->(n) RETURN a.id AS article, labels(n) AS labels, "
                         "n.key AS key, m.forms AS forms, m.names AS names"):
        forms = {norm(f) for f in [*(row["forms"] or ()), *(row["names"] or ())]}
        for label in row["labels"]:
            mentioned[(row["article"], label)].append((row["key"], forms))
    found = {}
    for i, item in enumerate(items):
        nodes = mentioned.get((item["article"], item["label"]), [])
        for form in item["forms"]:
            hit = next((key for key, forms in nodes if norm(form) in forms), None)
            if hit:
                found[i] = hit
                break
    return found


def score(items: list[dict], found: dict[int, str]) -> dict:
    tp = fp = fn = 0
    missed: set[tuple[str, str]] = set()
    wrong: list[tuple[str, str]] = []
    for i, j in combinations(sorted(found), 2):
        a, b = items[i], items[j]
        if a["article"] == b["article"] or a["label"] != b["label"]:
            continue
        same, merged = a["thing"] == b["thing"], found[i] == found[j]
        tp += same and merged
        fp += merged and not same
        fn += same and not merged
        if same and not merged:
            missed.add(tuple(sorted((found[i], found[j]))))
        if merged and not same:
            wrong.append((f"{a['name']} ({a['article']})", f"{b['name']} ({b['article']})"))
    return {"tp": tp, "fp": fp, "fn": fn, "missed": missed, "wrong": wrong,
            "precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--top", type=int, default=30, help="kg dupes candidates to look at")
    ap.add_argument("--errors", action="store_true", help="list wrong merges and missed pairs")
    args = ap.parse_args(argv)
    from kg import api
    from kg.store.falkor_store import FalkorStore

    items = gold_items()
    with tempfile.TemporaryDirectory(prefix="kg-identity-") as tmp, FalkorStore(Path(tmp) / "store") as store:
        api.load([str(p) for p in ARTICLES], store, on_error=lambda e: None)
        found = locate(store, items)
        s = score(items, found)
        listed = {tuple(sorted((c.a, c.b))) for c in api.dupes(store, args.top)}
    covered = len(s["missed"] & listed)
    dupes = covered / len(s["missed"]) if s["missed"] else 1.0
    result = {"gold entities": len(items), "found in the graph": len(found),
              "same-thing pairs": s["tp"] + s["fn"], "merged pairs": s["tp"] + s["fp"],
              "precision": round(s["precision"], 3), "recall": round(s["recall"], 3),
              "missed node pairs": len(s["missed"]), f"in kg dupes top {args.top}": covered,
              "dupes coverage": round(dupes, 3)}
    print(table([{"measure": k, "value": v} for k, v in result.items()]))
    print("targets: precision >= 0.95, recall >= 0.85, dupes coverage >= 0.80")
    if args.errors:
        for a, b in s["wrong"]:
            print(f"wrong merge: {a} = {b}")
        for a, b in sorted(s["missed"]):
            print(f"missed{' (in dupes)' if (a, b) in listed else ''}: {a} / {b}")
    save("identity", result)
    return result


if __name__ == "__main__":
    main()
