"""Values between kg and FalkorDB: parameters checked before they are sent, replies turned into
kg.store values, write statistics, and several statements combined into one query."""
from __future__ import annotations

import re
from datetime import date, time as dtime
from typing import Any

from falkordb import Edge as FEdge, Node as FNode, Path as FPath

from kg.store.base import Counters, GraphPath, Node, Rel

_STATS = {"Nodes created": "nodes_created", "Nodes deleted": "nodes_deleted",
          "Relationships created": "relationships_created",
          "Relationships deleted": "relationships_deleted", "Properties set": "properties_set"}


def combine(statements: list[tuple[str, dict]], tail: str) -> tuple[str, dict]:
    """Several statements as one query, `CALL { s0 } CALL { s1 } … tail`, statement i's
    parameters renamed $p{i}_name."""
    parts, merged = [], {}
    for i, (query, params) in enumerate(statements):
        parts.append("CALL { " + _PARAM.sub(lambda m, i=i: f"$p{i}_{m.group(1)}", query) + " }")
        merged.update({f"p{i}_{name}": value for name, value in (params or {}).items()})
    return " ".join(parts) + " " + tail, merged


_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def plain(value: Any) -> Any:
    """falkordb values → kg.store values: Node/Rel/GraphPath, dicts, lists, ISO strings for times."""
    if isinstance(value, FNode):
        return Node(str(value.id), tuple(sorted(value.labels or ())), plain(value.properties))
    if isinstance(value, FEdge):
        start, end = (n.id if isinstance(n, FNode) else n for n in (value.src_node, value.dest_node))
        return Rel(str(value.id), value.relation, str(start), str(end), plain(value.properties))
    if isinstance(value, FPath):
        return GraphPath(tuple(map(plain, value.nodes())), tuple(map(plain, value.edges())))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (date, dtime)):
        return value.isoformat()
    if type(value).__name__ == "relativedelta":     # a duration
        return str(value)
    return value


def stats_counters(stats: list[str]) -> Counters:
    counters = Counters()
    for line in stats:
        name, _, number = line.partition(":")
        if name in _STATS:
            setattr(counters, _STATS[name], int(float(number)))
    return counters
