"""python -m kg.train gazetteer: the organisation names of the TRAIN splits, as a gazetteer.

kg/data/org_gazetteer.txt lists organisation names that annotators of three public train
splits marked (CLUENER2020 train: company, organization, government; FinRE train: the
entities of its company relations; DuIE 2.0 train prefix: subjects and objects typed
企业, 机构, 学校).  The extraction's gazetteer component finds them on jieba's word
boundaries where no rule or model found a name: short company names (万科, 中金岭南) that
neither a suffix rule nor the model reads as names.

Only names that stand on their own are kept: not a place, not a generic phrase (上市公司,
商业银行), not an ordinary word jieba knows (平安, 海星), and a two-character name only
when jieba files it as a proper name or does not know it.  Dev and test splits are never
read.  Deterministic: sorted output, no sampling.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from kg import data
from kg.train.data import external_dir, sha256

OUT = Path(__file__).resolve().parents[1] / "data" / "org_gazetteer.txt"
CLUENER_TYPES = ("company", "organization", "government")
DUIE_TYPES = ("企业", "机构", "学校", "企业/品牌")
# FinRE labels every pair of companies it relates; "unknown" pairs are companies too, "自己" is one name twice.
FINRE_SKIP = frozenset({"自己"})


def names(external: Path) -> tuple[Counter, dict[str, str]]:
    """name -> how many train records mark it, and the sha256 of each file read."""
    count: Counter = Counter()
    files = {"CLUENER2020/train.json": None, "FinRE/train.txt": None, "DuIE2.0/duie_train_first5000.json": None}
    cl = external / "CLUENER2020" / "train.json"
    for line in cl.read_text(encoding="utf-8").splitlines():
        if line.strip():
            label = json.loads(line)["label"]
            count.update(n for t in CLUENER_TYPES for n in label.get(t, {}))
    fin = external / "FinRE" / "train.txt"
    for line in fin.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[2] not in FINRE_SKIP:
            count.update(parts[:2])
    du = external / "DuIE2.0" / "duie_train_first5000.json"
    for line in du.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        for spo in json.loads(line).get("spo_list", []):
            if spo["subject_type"] in DUIE_TYPES:
                count[spo["subject"]] += 1
            for key, kind in spo["object_type"].items():
                if kind in DUIE_TYPES:
                    count[spo["object"][key]] += 1
    for rel in files:
        files[rel] = sha256(external / rel)
    return count, files


def keep(name: str, tags) -> bool:
    """Does `name` stand on its own as an organisation's name?"""
    from kg.extraction.orgnames import CATEGORY_NOUNS
    from kg.extraction.text import is_generic
    from kg.extraction.words import generic_places, org_suffixes
    from kg.extraction.words import event_suffix_re
    if not 2 <= len(name) <= 20 or name != name.strip() or any(c in name for c in "<>《》“”\"()（）、，,。 ") \
            or name[0].isdigit():
        return False
    if name.endswith(data.word_list("gazetteer_rejected_endings")) or event_suffix_re().search(name):
        return False                    # places, generic bodies, events
    if name.isascii():
        return len(name) >= 3 and name[0].isupper() and not name.isupper() or len(name) >= 3 and name.isupper()
    from kg.extraction.words import titles
    if is_generic(name) or name in generic_places() or name in CATEGORY_NOUNS or name in org_suffixes() \
            or name in titles() or name in data.word_list("gazetteer_rejected_names"):
        return False
    place = next((p for p in sorted(generic_places(), key=len, reverse=True) if name.startswith(p)), "")
    if place and name[len(place):] in data.word_list("gazetteer_rejected_after_place"):
        return False                    # 上海国际: a place and an adjective
    if name.endswith(("公司", "集团")) and len(name) <= 4 \
            and name[:-2] in generic_places() | set(data.word_list("gazetteer_rejected_company_stems")):
        return False                    # 上市公司, 子公司, 该公司: a company, not its name
    tag = tags.get(name)
    if len(name) == 2:
        return tag in (None, "nt", "nz", "j")
    return tag in (None, "nt", "nz", "j", "nr", "nrt", "ns") or len(name) >= 4


def build(external: Path, out: Path = OUT) -> int:
    from kg.extraction.vocab import Vocab
    vocab = Vocab(full=True)
    count, files = names(external)
    kept = sorted(n for n in count if keep(n, vocab.tags))
    header = [
        "# Organisation names from the TRAIN splits of public data sets, one per line: a gazetteer",
        "# for short company names no rule reads (kg/extraction/components/gazetteer.py).",
        "# Built by `python -m kg.train gazetteer` (kg/train/gazetteer.py says which names are kept).",
        "# Sources (../shared/external, train splits only; dev/test never read):",
        *(f"#   {rel} sha256 {digest}" for rel, digest in files.items()),
        "# Licences: CLUENER2020 states none; FinRE states none; DuIE 2.0 is under Baidu's dataset",
        "# terms (research use).  Names only; no text of any record.",
        f"# {len(kept)} names of {len(count)} marked.",
    ]
    out.write_text("\n".join(header + kept) + "\n", encoding="utf-8")
    print(f"{out}: {len(kept)} names kept of {len(count)} marked in the train splits")
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m kg.train gazetteer", description=__doc__.splitlines()[0])
    ap.add_argument("--external", help="the shared external data folder (default: $KG_EXTERNAL or ../shared/external)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    external = external_dir(args.external)
    if not (external / "CLUENER2020" / "train.json").exists():
        print(f"kg.train gazetteer: no train data under {external}", file=sys.stderr)
        return 1
    return build(external, args.out)
