"""Likely duplicates: pairs of nodes resolution kept apart that may be one thing, for a curator.

Each pair comes with the reasons it is listed, ranked by their weight and how alike the names are:
- a shared alias: a short form both nodes carry (联影 for 联影集团 and 联影医疗), or the same English
  name;
- the same name for two people of different employers (张伟 of 联影医疗 and 张伟 of 华山医院), or
  one name the start of the other's for two people of one employer (曹宏 / 曹宏明 of 上海市科委);
- containment once wrappers are gone: one name inside the other (上海医药 / 上海医药集团股份有限公司,
  东方医院 / 同济大学附属东方医院);
- an abbreviation: a short name whose characters come in order in a long one (中科院 / 中国科学院);
- shared neighbours: two alike names linked to the same nodes.
The command to merge them is ready to paste (`kg curate merge A B`).
"""
from __future__ import annotations

import difflib
import re
import shlex
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations

from kg import data
from kg.model import EntityType
from kg.names import cores, distinctive, ending, leading_place, norm, parents
from kg.store.base import GraphStore

LABELS = tuple(str(t) for t in EntityType)
_NODES = ("MATCH (n) WHERE n:Organization OR n:Person OR n:Product OR n:Policy OR n:Event "
          "RETURN labels(n) AS labels, n.key AS key, n.name AS name, n.norms AS norms, n.mentions AS mentions")
_LINKS = ("MATCH (a)-[r]-(b) WHERE type(r) <> 'MENTIONS' AND NOT a:Article AND NOT b:Article "
          "RETURN DISTINCT a.key AS a, b.key AS b")
_LATIN = re.compile(r"^[a-z0-9&.,+\-]+$")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
WEIGHTS = {"alias": 3.0, "english": 3.5, "employer": 3.0, "colleague": 3.0, "qualified": 3.0, "company": 3.0,
           "contained": 2.0, "abbreviation": 2.5, "neighbours": 1.0}
_REASONS = {"alias": "shared alias {}", "english": "same English name {}", "employer": "same name, different employers",
            "colleague": "one name the start of the other, one employer ({})",
            "qualified": "the other with its place or parent ({})", "contained": "contains {} (wrappers aside)",
            "abbreviation": "{} abbreviates the other", "company": "the other with a company ending ({})",
            "neighbours": "{} shared neighbours"}
_LINKING = re.compile(r"^(?:附属|下属|旗下|所属|的)")
CROWD = 6          # a key more nodes share than this is a common word, not a clue


@dataclass
class Candidate:
    label: str
    a: str                     # node keys
    b: str
    a_name: str
    b_name: str
    score: float = 0.0
    clues: dict[str, list[str]] = field(default_factory=dict)     # kind -> what was seen

    @property
    def reasons(self) -> list[str]:
        return [_REASONS[kind].format(", ".join(seen[:3]) + (" …" if len(seen) > 3 else ""))
                for kind, seen in self.clues.items()]

    @property
    def command(self) -> str:
        return f"kg curate merge {shlex.quote(self._ref(self.a, self.a_name))} {shlex.quote(self._ref(self.b, self.b_name))}"

    @staticmethod
    def _ref(key: str, name: str) -> str:
        return name if norm(name) == key.split(":", 1)[1] else key


def candidates(store: GraphStore, limit: int = 50) -> list[Candidate]:
    """The `limit` likeliest pairs."""
    nodes: dict[str, dict] = {}
    for row in store.run(_NODES):
        label = next((lbl for lbl in row["labels"] if lbl in LABELS), None)
        if label and row["key"]:
            nodes[row["key"]] = {**row, "label": label, "norms": set(row["norms"] or ())}
    found: dict[tuple[str, str], Candidate] = {}

    def add(a: str, b: str, kind: str, seen: str) -> None:
        if a == b or nodes[a]["label"] != nodes[b]["label"] or _apart(nodes[a]["key"], nodes[b]["key"]):
            return
        a, b = sorted((a, b))
        c = found.setdefault((a, b), Candidate(nodes[a]["label"], a, b, nodes[a]["name"], nodes[b]["name"]))
        if seen not in c.clues.setdefault(kind, []):
            c.clues[kind].append(seen)

    _shared_keys(nodes, add)
    _containment(nodes, add)
    _abbreviations(nodes, add)
    _colleagues(nodes, add)
    _neighbours(store, nodes, add)
    for c in found.values():
        a, b = _bare(c.a_name), _bare(c.b_name)          # names compared without their wrappers
        similar = difflib.SequenceMatcher(None, a, b).ratio()
        parts = [x for kind in ("alias", "english", "contained") for x in c.clues.get(kind, ())]
        share = min(max(map(len, parts)) / max(len(a), len(b)), 1.0) if parts else similar
        c.score = round(sum(WEIGHTS[kind] for kind in c.clues) * (0.5 + share) + similar, 3)
    return sorted(found.values(), key=lambda c: (-c.score, c.a, c.b))[:limit]


_YEAR = re.compile(r"^((?:19|20)\d{2})")


def _apart(a: str, b: str) -> bool:
    """Nodes kg keeps apart on purpose: a generic policy title of two articles, two editions of an event."""
    if "#" in a or "#" in b:
        return True
    ya, yb = _YEAR.match(a.split(":", 1)[1]), _YEAR.match(b.split(":", 1)[1])
    return bool(ya and yb and ya.group(1) != yb.group(1))


def _bare(name: str) -> str:
    """A name's shortest form without legal and regional wrappers (上海医药集团股份有限公司 -> 上海医药集团)."""
    return min((norm(name), *cores(name)), key=len)


def _shared_keys(nodes: dict[str, dict], add) -> None:
    holders: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, n in nodes.items():
        for k in n["norms"]:
            holders[(n["label"], k)].append(key)
    for (label, k), keys in holders.items():
        if not 2 <= len(keys) <= CROWD:
            continue
        for a, b in combinations(sorted(keys), 2):
            if label == "Person" and norm(nodes[a]["name"]) == norm(nodes[b]["name"]) == k:
                add(a, b, "employer", k)
            elif _LATIN.match(k):
                add(a, b, "english", k)
            else:
                add(a, b, "alias", k)


def _containment(nodes: dict[str, dict], add) -> None:
    """One node's name (without wrappers) inside another's: a dictionary of the short forms, and
    every substring of the long ones looked up in it."""
    short: dict[tuple[str, str], list[str]] = defaultdict(list)
    forms: dict[str, set[str]] = {}
    for key, n in nodes.items():
        if n["label"] == "Person":
            continue
        forms[key] = {norm(n["name"]), *cores(n["name"])}
        for f in forms[key]:
            if distinctive(f):
                short[(n["label"], f)].append(key)
    for key, fs in forms.items():
        label = nodes[key]["label"]
        for f in fs:
            for i in range(len(f)):
                for j in range(i + 2, len(f) + (i > 0)):
                    others = short.get((label, f[i:j]), ())
                    for other in others if len(others) <= CROWD else ():
                        if other == key:
                            continue
                        if j == len(f) and _qualifier(f[:i]):
                            add(key, other, "qualified", f[:i])
                        elif i == 0 and f[j:] in _company_tails():
                            add(key, other, "company", f[j:])
                        else:
                            add(key, other, "contained", f[i:j])


@cache
def _company_tails() -> frozenset[str]:
    """What a company's name may add to its short name (上海医药集团, 凯莱英医药): 集团, 控股 and the
    industry words of kg/data/org_suffixes.tsv, alone or before 集团."""
    words = {s for s, kind in data.table("org_suffixes.tsv", 2) if kind == "industry"} | {"集团", "控股"}
    return frozenset(words | {w + "集团" for w in words})


def _qualifier(head: str) -> bool:
    """What a name may have in front of another's without being another thing: a place (烟台市 in
    烟台市烟台山医院) or its parent institution (同济大学附属 in 同济大学附属东方医院)."""
    place = leading_place(head)
    if place and head[len(place.name):].lstrip("市省区") == "":
        return True
    return any(_LINKING.match(head[len(p):]) and not _LINKING.sub("", head[len(p):])
               for p in parents(head + "x") if head.startswith(p))


def _abbreviations(nodes: dict[str, dict], add) -> None:
    """A Chinese short name (2-5 characters) whose characters come in order in a longer name of the same
    type, from within its first two, that cuts the long one's ending short (中科院 / 中国科学院,
    华东师大 / 华东师范大学); not a name with the whole ending (上海大学 is no 上海交通大学), nor one
    merely inside the other (that is containment)."""
    longs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, n in nodes.items():
        name = norm(n["name"])
        if n["label"] != "Person" and len(name) >= 4:
            for head in set(name[:2]):
                longs[(n["label"], head)].append(key)
    for key, n in nodes.items():
        short = norm(n["name"])
        if n["label"] == "Person" or not 2 <= len(short) <= 5 or not _CJK.match(short):
            continue
        hits = [other for other in longs.get((n["label"], short[0]), ())
                if _abbreviates(short, norm(nodes[other]["name"]))]
        for other in hits if len(hits) <= CROWD else ():
            add(key, other, "abbreviation", nodes[key]["name"])


def _abbreviates(short: str, long: str) -> bool:
    end = ending(long)
    if len(end) < 2 or short.endswith(end) or short[-1] not in end or len(long) <= len(short) or short in long:
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)


def _colleagues(nodes: dict[str, dict], add) -> None:
    """People of one employer whose names differ by a character at the end (a name cut short)."""
    staff: dict[str, set[str]] = defaultdict(set)
    for key, n in nodes.items():
        if n["label"] == "Person":
            for k in n["norms"]:
                if "@" in k:
                    staff[k.split("@", 1)[1]].add(key)
    for employer, keys in staff.items():
        if len(keys) > 200:
            continue
        for a, b in combinations(sorted(keys), 2):
            na, nb = sorted((norm(nodes[a]["name"]), norm(nodes[b]["name"])), key=len)
            if len(nb) == len(na) + 1 and nb.startswith(na) and len(na) >= 2:
                add(a, b, "colleague", employer)


def _neighbours(store: GraphStore, nodes: dict[str, dict], add) -> None:
    around: dict[str, set[str]] = defaultdict(set)
    for row in store.run(_LINKS):
        if row["a"] in nodes and row["b"] in nodes:
            around[row["a"]].add(row["b"])
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for hub, keys in around.items():
        if len(keys) > 50:              # a hub's neighbours have nothing else in common
            continue
        for a, b in combinations(sorted(keys), 2):
            pairs[(a, b)] += 1
    for (a, b), shared in pairs.items():
        if shared >= 2 and nodes[a]["label"] == nodes[b]["label"]:
            na, nb = norm(nodes[a]["name"]), norm(nodes[b]["name"])
            if difflib.SequenceMatcher(None, na, nb).ratio() >= 0.5:
                add(a, b, "neighbours", str(shared))
