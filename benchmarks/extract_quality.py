"""Extraction quality: the dev gold score, and outside checks of generalisation.

    python -m benchmarks.extract_quality [--errors]

- dev gold (../shared/gold/dev.jsonl) scored by ../shared/eval/score.py;
- CLUENER2020 dev: Person and Organization F1 on per-sentence name sets
  (name -> Person; company, organization, government -> Organization);
- DuIE 2.0 dev: recall of WORKS_FOR on its person-organisation role triples;
- FinRE test: how often INVESTS_IN / PARTNERS_WITH fire on pairs the data
  labels as investment or cooperation, against its other pairs.
Outside data lives in ../shared/external (dev/test splits: measuring only);
a missing set is reported, not faked.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import REPO, SHARED, save, table, timer

EXTERNAL = SHARED / "external"
ORG_LABELS = {"company", "organization", "government"}
WORK_ROLES = {"董事长", "创始人", "校长", "总裁", "首席执行官", "总经理", "院长", "主席", "社长", "董事", "CEO"}
INVEST_WORDS = ("投资", "注资", "入股", "参股", "控股", "收购")
PARTNER_WORDS = ("合作", "签约", "合资", "联合", "战略")


def dev_gold(errors: bool) -> dict:
    gold, scorer = SHARED / "gold" / "dev.jsonl", SHARED / "eval" / "score.py"
    if not gold.exists():
        print(f"dev gold: not found at {gold}")
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "seeds.jsonl"
        subprocess.run([sys.executable, "-m", "kg", "extract", str(REPO / "seeds"), "-o", str(out)],
                       check=False, capture_output=True)
        args = [sys.executable, str(scorer), str(gold), str(out)]
        if errors:
            print(subprocess.run(args + ["--errors"], capture_output=True, text=True).stdout)
        scores = json.loads(subprocess.run(args + ["--json"], capture_output=True, text=True, check=True).stdout)
    rows = [{"part": part, "type": t, "P": f"{s['p']:.3f}", "R": f"{s['r']:.3f}", "F1": f"{s['f']:.3f}",
             "gold": s["gold"], "pred": s["pred"]}
            for part in ("entities", "relations") for t, s in scores[part].items()]
    print("dev gold (kg extract seeds, ../shared/eval/score.py)")
    print(table(rows))
    return {"entity_f1": scores["entities"]["ALL"]["f"], "relation_f1": scores["relations"]["ALL"]["f"],
            "per_type": {t: s["f"] for t, s in scores["entities"].items()}}


def _find(*names: str) -> Path | None:
    for name in names:
        hits = sorted(EXTERNAL.rglob(name)) if EXTERNAL.exists() else []
        if hits:
            return hits[0]
    return None


def _doc_for(text: str):
    from kg.extraction.extractor import run
    from kg.model import Article
    return run(Article(id="x", title="", text=text))


def _prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def cluener() -> dict:
    path = _find("dev.json")
    if path is None or "cluener" not in str(path).lower():
        path = _find("cluener*dev*.json", "dev.json")
    if path is None:
        print(f"CLUENER dev: not available under {EXTERNAL}")
        return {}
    counts = {"Person": [0, 0, 0], "Organization": [0, 0, 0]}
    n = 0
    with timer() as t:
        for line in path.open(encoding="utf-8"):
            rec = json.loads(line)
            gold = {"Person": set(rec["label"].get("name", {})),
                    "Organization": set().union(*(rec["label"].get(k, {}) for k in ORG_LABELS))}
            doc = _doc_for(rec["text"])
            pred = {"Person": set(), "Organization": set()}
            for e in doc.entities:
                if str(e.type) in pred:
                    pred[str(e.type)].add(e.name)
                    pred[str(e.type)].update(a for a in e.aliases if a in rec["text"])
            for k in counts:
                hit = {g for g in gold[k] if g in pred[k]}
                counts[k][0] += len(hit)
                counts[k][1] += len(pred[k])
                counts[k][2] += len(gold[k])
            n += len(rec["text"])
    out = {}
    rows = []
    for k, (tp, pred, gold) in counts.items():
        p, r, f = _prf(tp, pred, gold)
        out[k] = f
        rows.append({"type": k, "P": f"{p:.3f}", "R": f"{r:.3f}", "F1": f"{f:.3f}"})
    print(f"CLUENER dev ({path}), {n / t['seconds']:,.0f} chars/s")
    print(table(rows))
    return out


def duie() -> dict:
    path = _find("duie_dev.json", "duie_dev.jsonl")
    if path is None:
        print(f"DuIE dev: not available under {EXTERNAL}")
        return {}
    found = total = 0
    for line in path.open(encoding="utf-8"):
        rec = json.loads(line)
        pairs = {(s["object"]["@value"] if isinstance(s["object"], dict) else s["object"], s["subject"])
                 for s in rec.get("spo_list", []) if s.get("predicate") in WORK_ROLES}
        if not pairs:
            continue
        rels = {(r.head, r.tail) for r in _doc_for(rec["text"]).relations if str(r.type) == "WORKS_FOR"}
        total += len(pairs)
        found += len(pairs & rels)
    recall = found / total if total else 0.0
    print(f"DuIE dev ({path}): WORKS_FOR recall {recall:.3f} on {total} person-organisation role triples")
    return {"works_for_recall": recall, "pairs": total}


def finre() -> dict:
    path = _find("test.txt")
    if path is None or "finre" not in str(path).lower():
        print(f"FinRE test: not available under {EXTERNAL}")
        return {}
    fired = {"invest/partner pairs": [0, 0], "other pairs": [0, 0]}
    for line in path.open(encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 4:
            continue
        head, tail, relation, sentence = parts[:4]
        group = "invest/partner pairs" if relation.startswith(INVEST_WORDS + PARTNER_WORDS) else "other pairs"
        rels = {(r.head, r.tail, str(r.type)) for r in _doc_for(sentence).relations
                if str(r.type) in ("INVESTS_IN", "PARTNERS_WITH")}
        hit = any({x[0], x[1]} == {head, tail} for x in rels)
        fired[group][0] += hit
        fired[group][1] += 1
    rows = [{"pairs": g, "fired": a, "of": b, "rate": f"{a / b:.3f}" if b else "-"} for g, (a, b) in fired.items()]
    print(f"FinRE test ({path}): INVESTS_IN / PARTNERS_WITH firing")
    print(table(rows))
    return {g: (a / b if b else None) for g, (a, b) in fired.items()}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--errors", action="store_true", help="list missed and spurious items per article")
    args = ap.parse_args(argv)
    result = {"dev": dev_gold(args.errors), "cluener": cluener(), "duie": duie(), "finre": finre()}
    save("extract_quality", result)
    return result


if __name__ == "__main__":
    main()
