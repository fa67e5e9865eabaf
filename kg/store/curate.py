"""A curator's decision, applied to the graph at once (and by every later load, kg.store.load).

Merges, splits and renames move records between nodes: resolving the nodes the decision names
again (kg.store.region) rewrites the articles whose records move.  A rejection or a removed alias
changes the records themselves (an entity left out, a form hidden), so the articles holding the
names are written again from their kept extraction; undoing a rejection finds the articles that
had the name through `Article.rejected`.
"""
from __future__ import annotations

from collections import defaultdict

from kg.model import EntityType
from kg.resolve import Curation, Decision
from kg.store import writes
from kg.store.base import GraphStore
from kg.store.load import LoadReport, reresolve
from kg.store.region import stored_facts

LABELS = tuple(str(t) for t in EntityType)


def _holders(label: str) -> str:
    """Articles mentioning nodes of `label` that hold one of $keys."""
    return (f"MATCH (n:{writes._label(label)}) WHERE any(k IN n.norms WHERE k IN $keys) "
            "MATCH (a:Article)-[:MENTIONS]->(n) RETURN DISTINCT a.id AS id")


_REJECTED = "MATCH (a:Article) WHERE any(k IN a.rejected WHERE k IN $keys) RETURN a.id AS id"
_NODES = ("MATCH (n) WHERE (n:Organization OR n:Person OR n:Product OR n:Policy OR n:Event) "
          "AND ($key IN n.norms OR n.key = $node) "
          "RETURN labels(n) AS labels, n.key AS key, n.name AS name, n.norms AS norms, n.mentions AS mentions")


def nodes_named(store: GraphStore, key: str, node: str | None = None) -> list[dict]:
    """Entity nodes that hold the normal form `key` (any name or alias), or whose key is `node`."""
    out = []
    for row in store.run(_NODES, {"key": key, "node": node}):
        label = next((lbl for lbl in row["labels"] if lbl in LABELS), None)
        if label:
            out.append({**row, "label": label})
    return sorted(out, key=lambda r: (-(r["mentions"] or 0), r["key"]))


def apply(store: GraphStore, curation: Curation, decision: Decision) -> LoadReport:
    """Resolve again what `decision` touches, under `curation` (which holds it, or, after an undo,
    no longer does)."""
    labels = LABELS if decision.label == "*" else (decision.label,)
    keys = sorted(decision.keys)
    forced: set[str] = set()
    if decision.action in ("reject", "alias-remove", "split"):
        for label in labels:
            forced |= {r["id"] for r in store.run(_holders(label), {"keys": keys})}
        forced |= {r["id"] for r in store.run(_REJECTED, {"keys": keys})}
    report = LoadReport()
    seeds: dict[str, set[str]] = defaultdict(set)
    for label in labels:
        seeds[label] |= set(keys)
    with store.lock():
        ids = sorted(forced)
        reresolve(store, stored_facts(store, ids), ids, report, curation, seeds, full=True)
    return report
