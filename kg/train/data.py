"""Reading the external NER data sets into (text, [(start, end, type), ...]) records.

Which split may do what is fixed by shared/external/README.md: CLUENER train.json
and DuIE duie_train_first5000.json may train; CLUENER dev.json, MSRA test.bio and
PeoplesDaily {dev,test}.bio only measure.  Nothing here mines names from any of them.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TRAIN_FILES = {"cluener": "CLUENER2020/train.json", "duie": "DuIE2.0/duie_train_first5000.json"}
MEASURE_FILES = {"cluener_dev": "CLUENER2020/dev.json", "pd_test": "PeoplesDaily/test.bio",
                 "msra_test": "MSRA/test.bio"}

# CLUENER types -> the two output classes (the house scoring convention).
CLUENER_OUTPUT = {"name": "PER", "company": "ORG", "organization": "ORG", "government": "ORG"}

Record = tuple[str, list[tuple[int, int, str]]]


def external_dir(arg: str | None = None) -> Path:
    """--external, else $KG_EXTERNAL, else ../shared/external beside the repository."""
    return Path(arg or os.environ.get("KG_EXTERNAL") or REPO.parent / "shared" / "external")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cluener(path: Path, type_map: dict[str, str]) -> list[Record]:
    """CLUENER json lines; `type_map` renames types (types not in it are dropped).
    CLUENER offsets are end-inclusive."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        spans = [(s, e + 1, type_map[typ]) for typ, names in rec.get("label", {}).items()
                 if typ in type_map for occurrences in names.values() for s, e in occurrences]
        out.append((rec["text"], sorted(spans)))
    return out


def duie(path: Path, type_map: dict[str, str]) -> list[Record]:
    """DuIE sentences with every occurrence of their PER/ORG subjects and objects.
    Only entities in a relation are annotated, so other names in these sentences
    are (wrongly) unlabelled: use only if it measurably helps."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        text, names = rec["text"], {}
        for spo in rec["spo_list"]:
            names.setdefault(spo["subject"], type_map.get(spo["subject_type"]))
            for slot, value in spo["object"].items():
                names.setdefault(value, type_map.get(spo["object_type"].get(slot, "")))
        spans, taken = [], [False] * len(text)
        for name in sorted(names, key=len, reverse=True):        # longest first, no overlaps
            if not names[name] or not name:
                continue
            start = text.find(name)
            while start >= 0:
                end = start + len(name)
                if not any(taken[start:end]):
                    spans.append((start, end, names[name]))
                    taken[start:end] = [True] * len(name)
                start = text.find(name, end)
        out.append((text, sorted(spans)))
    return out


def bio(path: Path) -> list[Record]:
    """BIO files, one `char<TAB or SPACE>tag` per line, blank line between sentences."""
    out, chars, tags = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        parts = line.split()
        if len(parts) == 2:
            chars.append(parts[0])
            tags.append(parts[1])
            continue
        if chars:
            out.append(("".join(chars), bio_spans(tags)))
        chars, tags = [], []
    return out


def bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    spans, start, typ = [], None, None
    for i, tag in enumerate(tags + ["O"]):
        kind, _, t = tag.partition("-")
        if start is not None and (kind != "I" or t != typ):
            spans.append((start, i, typ))
            start = None
        if kind == "B" or (kind == "I" and start is None):
            start, typ = i, t
    return spans
