"""Extraction quality on text the rules were not written from, and on the dev gold.

    python -m benchmarks.extract_quality [--errors] [--only dev dev2 cluener duie finre speed]

- dev (13 seed articles, ../shared/gold/dev.jsonl) and dev2 (30 fresh articles from other
  sites, dev2.jsonl + dev2-articles.json), scored by ../shared/eval/score.py;
- CLUENER2020 dev: Person and Organization F1 over per-sentence sets of normalised names
  (name -> Person; company, organization, government -> Organization); each sentence is an
  article whose title field is a placeholder, so the sentence is body text;
- DuIE 2.0 dev: WORKS_FOR recall on its 董事长/创始人/校长 triples, and how often WORKS_FOR
  fires in sentences that have no such triple;
- FinRE test: how often INVESTS_IN fires on pairs labelled 注资/入股/增持/买资/持股/成立,
  PARTNERS_WITH on 合作/签约/合资 pairs, and either on 竞争/纠纷/unknown pairs;
- speed: the whole pipeline, model included, against jieba.lcut on the same news text.
Outside data lives in ../shared/external; its dev/test splits only measure (README there).
Every figure of the README's extraction section comes from one run of this.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import CORPUS, REPO, SHARED, machine, save, table, timer

EXTERNAL = SHARED / "external"
GOLD = SHARED / "gold"
SCORER = SHARED / "eval" / "score.py"
ORG_LABELS = {"company", "organization", "government"}
DUIE_ROLES = {"董事长", "创始人", "校长"}
FINRE_INVEST = {"注资", "入股", "增持", "买资", "持股", "成立"}
FINRE_PARTNER = {"合作", "签约", "合资"}
FINRE_NONE = {"竞争", "纠纷", "unknown"}
PLACEHOLDER_TITLE = "新闻"


def norm(s: str) -> str:
    from kg.names import norm as kg_norm
    return kg_norm(s)


def extractions(records: list[dict]) -> dict:
    """doc_id -> Extraction for article records, through the library (1 worker)."""
    from kg import api
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.json"
        path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        return {ex.doc_id: ex for ex in api.extract([str(path)], on_error=lambda e: None)}


def gold_score(name: str, gold: Path, source: Path, errors: bool) -> dict:
    if not gold.exists() or not source.exists():
        print(f"{name}: not found at {gold}")
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        subprocess.run([sys.executable, "-m", "kg", "extract", str(source), "-o", str(out)],
                       check=False, capture_output=True)
        args = [sys.executable, str(SCORER), str(gold), str(out)]
        if errors:
            print(subprocess.run(args + ["--errors"], capture_output=True, text=True).stdout)
        scores = json.loads(subprocess.run(args + ["--json"], capture_output=True, text=True, check=True).stdout)
    rows = [{"part": part, "type": t, "P": f"{s['p']:.3f}", "R": f"{s['r']:.3f}", "F1": f"{s['f']:.3f}",
             "gold": s["gold"], "pred": s["pred"]}
            for part in ("entities", "relations") for t, s in scores[part].items()]
    print(f"{name} ({gold.name}, ../shared/eval/score.py)")
    print(table(rows))
    return {"entity_f1": scores["entities"]["ALL"]["f"], "relation_f1": scores["relations"]["ALL"]["f"],
            "entities": {t: s["f"] for t, s in scores["entities"].items()},
            "relations": {t: s["f"] for t, s in scores["relations"].items()},
            "gold_counts": {t: s["gold"] for part in ("entities", "relations") for t, s in scores[part].items()}}


def _prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def cluener() -> dict:
    path = EXTERNAL / "CLUENER2020" / "dev.json"
    if not path.exists():
        print(f"CLUENER dev: not available at {path}")
        return {}
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    with timer() as t:
        got = extractions([{"id": f"c{i}", "title": PLACEHOLDER_TITLE, "text": r["text"]} for i, r in enumerate(rows)])
    counts = {"Person": [0, 0, 0], "Organization": [0, 0, 0]}
    for i, r in enumerate(rows):
        gold = {"Person": {norm(x) for x in r["label"].get("name", {})},
                "Organization": {norm(x) for lab in ORG_LABELS for x in r["label"].get(lab, {})}}
        ex = got.get(f"c{i}")
        for k in counts:
            pred = {norm(e.name) for e in (ex.entities if ex else []) if str(e.type) == k}
            counts[k][0] += len(pred & gold[k])
            counts[k][1] += len(pred)
            counts[k][2] += len(gold[k])
    out, table_rows = {}, []
    for k, (tp, pred, gold) in counts.items():
        p, r, f = _prf(tp, pred, gold)
        out[k] = {"p": p, "r": r, "f": f}
        table_rows.append({"type": k, "P": f"{p:.3f}", "R": f"{r:.3f}", "F1": f"{f:.3f}", "gold": gold, "pred": pred})
    print(f"CLUENER2020 dev: {len(rows)} sentences, per-sentence name sets ({t['seconds']:.0f} s)")
    print(table(table_rows))
    return out


def _forms(ex) -> dict[str, set[str]]:
    """entity name -> its normalised name and aliases."""
    return {e.name: {norm(e.name), *(norm(a) for a in e.aliases)} for e in ex.entities}


def _linked(ex, rtype: str, a: str, b: str, directed: bool) -> bool:
    forms = _forms(ex)
    a, b = norm(a), norm(b)
    for r in ex.relations:
        if str(r.type) != rtype:
            continue
        h, t = forms.get(r.head, set()), forms.get(r.tail, set())
        if a in h and b in t or (not directed and b in h and a in t):
            return True
    return False


def duie() -> dict:
    path = EXTERNAL / "DuIE2.0" / "duie_dev.json"
    if not path.exists():
        print(f"DuIE dev: not available at {path}")
        return {}
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    got = extractions([{"id": f"d{i}", "title": PLACEHOLDER_TITLE, "text": r["text"]} for i, r in enumerate(rows)])
    found = total = fired = without = 0
    for i, r in enumerate(rows):
        pairs = {(s["object"]["@value"], s["subject"]) for s in r.get("spo_list", []) if s["predicate"] in DUIE_ROLES}
        ex = got.get(f"d{i}")
        if pairs:
            total += len(pairs)
            found += sum(bool(ex) and _linked(ex, "WORKS_FOR", person, org, True) for person, org in pairs)
        else:
            without += 1
            fired += bool(ex) and any(str(x.type) == "WORKS_FOR" for x in ex.relations)
    recall, rate = found / total if total else 0.0, fired / without if without else 0.0
    print(f"DuIE 2.0 dev: WORKS_FOR recall {recall:.3f} on {total} 董事长/创始人/校长 triples; "
          f"fires in {rate:.3f} of the {without} sentences without one")
    return {"works_for_recall": recall, "triples": total, "false_fire_rate": rate, "sentences_without": without}


def finre() -> dict:
    path = EXTERNAL / "FinRE" / "test.txt"
    if not path.exists():
        print(f"FinRE test: not available at {path}")
        return {}
    items = [line.rstrip("\n").split("\t") for line in path.open(encoding="utf-8") if line.strip()]
    # FinRE masks every digit run as <N>; a digit puts the numbers back in the shape news has them.
    items = [[f.replace("<N>", "1") for f in x] for x in items if len(x) == 4]
    sentences = sorted({x[3] for x in items})
    index = {s: i for i, s in enumerate(sentences)}
    got = extractions([{"id": f"f{i}", "title": PLACEHOLDER_TITLE, "text": s} for i, s in enumerate(sentences)])
    groups = {"invest": [0, 0], "partner": [0, 0], "none": [0, 0]}
    seen = set()
    for head, tail, rel, sentence in items:
        pair = (frozenset((head, tail)), sentence, rel.removeprefix("被"))
        if pair in seen:                       # each pair is listed in both directions
            continue
        seen.add(pair)
        ex = got.get(f"f{index[sentence]}")
        base = rel.removeprefix("被")
        if base in FINRE_INVEST:
            g, hit = "invest", bool(ex) and _linked(ex, "INVESTS_IN", head, tail, False)
        elif base in FINRE_PARTNER:
            g, hit = "partner", bool(ex) and _linked(ex, "PARTNERS_WITH", head, tail, False)
        elif base in FINRE_NONE:
            g = "none"
            hit = bool(ex) and (_linked(ex, "INVESTS_IN", head, tail, False)
                                or _linked(ex, "PARTNERS_WITH", head, tail, False))
        else:
            continue
        groups[g][0] += hit
        groups[g][1] += 1
    names = {"invest": "INVESTS_IN on 注资/入股/增持/买资/持股/成立 pairs",
             "partner": "PARTNERS_WITH on 合作/签约/合资 pairs", "none": "either on 竞争/纠纷/unknown pairs"}
    rows = [{"what": names[g], "fired": a, "of": b, "rate": f"{a / b:.3f}" if b else "-"} for g, (a, b) in groups.items()]
    print(f"FinRE test: {len(sentences)} sentences")
    print(table(rows))
    return {g: (a / b if b else None) for g, (a, b) in groups.items()}


def speed(articles: int = 2000, chunk: int = 64) -> dict:
    """The whole pipeline (1 worker, model included) against jieba.lcut on the same news text.
    The two take turns chunk by chunk, so a busy machine slows both alike."""
    if not CORPUS.exists():
        return {}
    import logging
    import time
    import tracemalloc

    import jieba
    jieba.setLogLevel(logging.WARNING)
    from benchmarks.common import corpus_articles
    from kg.extraction.extractor import extract_all, pipeline
    items = list(corpus_articles(articles))
    chars = sum(len(a.text) for a in items)
    jieba.initialize()
    pipeline().vocab.use_full_dictionary()
    list(extract_all(items[:16], on_error=lambda e: None))        # warm: model loaded, caches filled
    base = ours = 0.0
    for i in range(0, len(items), chunk):
        part = items[i:i + chunk]
        t = time.perf_counter()
        for a in part:
            jieba.lcut(a.text)
        base += time.perf_counter() - t
        t = time.perf_counter()
        for _ in extract_all(part, on_error=lambda e: None):
            pass
        ours += time.perf_counter() - t
    tracemalloc.start()                                              # memory while streaming
    peaks = []
    for n, _ in enumerate(extract_all(iter(items), on_error=lambda e: None)):
        if n % 500 == 499:
            peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
            tracemalloc.reset_peak()
    tracemalloc.stop()
    ratio = ours / base
    print(f"speed: {articles} news articles, {chars:,} chars, taking turns in chunks of {chunk}: "
          f"jieba.lcut {chars / base:,.0f} chars/s, kg {chars / ours:,.0f} chars/s: kg takes {ratio:.2f}x jieba's time")
    print(f"memory while streaming: peak per 500 articles {', '.join(f'{p:.0f}' for p in peaks)} MB (flat = bounded)")
    return {"ratio_to_jieba": ratio, "kg_chars_per_s": chars / ours, "jieba_chars_per_s": chars / base,
            "memory_peaks_mb": peaks}


PARTS = ("dev", "dev2", "cluener", "duie", "finre", "speed")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--errors", action="store_true", help="list missed and spurious items per article")
    ap.add_argument("--only", nargs="*", choices=PARTS, help="run only these parts")
    args = ap.parse_args(argv)
    parts = args.only or PARTS
    result = {"machine": machine()}
    if "dev" in parts:
        result["dev"] = gold_score("dev", GOLD / "dev.jsonl", REPO / "seeds", args.errors)
    if "dev2" in parts:
        result["dev2"] = gold_score("dev2", GOLD / "dev2.jsonl", GOLD / "dev2-articles.json", args.errors)
    for name in ("cluener", "duie", "finre", "speed"):
        if name in parts:
            result[name] = globals()[name]()
    if not args.only:
        save("extract_quality", result)
    return result


if __name__ == "__main__":
    main()
