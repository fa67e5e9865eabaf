"""The read queries kg's own commands run (kg why, kg status, kg viz, kg demo).

Every statement is parameterised; labels and relationship types are only
interpolated from kg's enums.  The user-facing query library lives in
cypher/ (kg query); these are the fixed reads the product itself needs, kept
here so that no module outside kg.store speaks Cypher.
"""
from __future__ import annotations

from kg.model import EntityType
from kg.names import norm
from kg.store.base import GraphStore, Node, Rel

ENTITY_LABELS = tuple(str(t) for t in EntityType)
_IS_ENTITY = "(" + " OR ".join(f"n:{label}" for label in ENTITY_LABELS) + ")"


def _label(label: str) -> str:
    if label not in ENTITY_LABELS:
        raise ValueError(f"unknown label {label!r}")
    return label


_WHY = """
MATCH (h) WHERE $head IN h.norms
MATCH (h)-[r]-(t)
WHERE $tail IN t.norms AND type(r) <> 'MENTIONS' AND ($type IS NULL OR type(r) = $type)
  AND (startNode(r) = h OR type(r) = 'PARTNERS_WITH')
UNWIND range(0, size(r.articles) - 1) AS i
OPTIONAL MATCH (a:Article {id: r.articles[i]})
RETURN startNode(r).name AS head, type(r) AS relation, endNode(r).name AS tail,
       r.articles[i] AS article, a.title AS title, a.date AS date, a.url AS url, r.evidence[i] AS evidence
ORDER BY date, article
"""


def evidence(store: GraphStore, head: str, tail: str, rtype: str | None) -> list[dict]:
    """Every evidence sentence of facts from `head` to `tail` (any name or alias, in any case or width)."""
    return store.run(_WHY, {"head": norm(head), "tail": norm(tail), "type": rtype})


_STATUS_LABELS = """
MATCH (n) WHERE n:Article OR n:Organization OR n:Person OR n:Product OR n:Policy OR n:Event
RETURN labels(n)[0] AS label, count(*) AS count ORDER BY label
"""
_STATUS_TYPES = "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS count ORDER BY type"
_STATUS_LAST = ("MATCH (l:KgLoad {id: 'last'}) RETURN l.at AS at, l.articles AS articles, l.new AS new, "
                "l.changed AS changed, l.unchanged AS unchanged, l.rejected AS rejected")


def counts(store: GraphStore) -> tuple[dict[str, int], dict[str, int], dict | None]:
    """(nodes by label, relationships by type, the last load's record or None)."""
    labels = {r["label"]: int(r["count"]) for r in store.run(_STATUS_LABELS)}
    types = {r["type"]: int(r["count"]) for r in store.run(_STATUS_TYPES)}
    last = store.run(_STATUS_LAST)
    return labels, types, (last[0] if last else None)


def most_mentioned_organization(store: GraphStore) -> str | None:
    rows = store.run("MATCH (a:Article)-[m:MENTIONS]->(o:Organization) RETURN o.name AS name, "
                     "sum(m.count) AS n ORDER BY n DESC, name LIMIT 1")
    return rows[0]["name"] if rows else None


def articles(store: GraphStore, ids: list[str]) -> list[dict]:
    """Title, date and link of articles by id."""
    return store.run("MATCH (a:Article) WHERE a.id IN $ids "
                     "RETURN a.id AS id, a.title AS title, a.date AS date, a.url AS url", {"ids": ids})


def fact_neighbours(store: GraphStore, label: str, keys: list[str],
                    rels: list[str] | None) -> list[tuple[Rel, Node]]:
    """(relationship, node at the other end) of the entities `keys`, mentions and articles aside."""
    rows = store.run(f"MATCH (n:{_label(label)}) WHERE n.key IN $keys MATCH (n)-[r]-(m) "
                     "WHERE type(r) <> 'MENTIONS' AND NOT m:Article "
                     "AND ($rels IS NULL OR type(r) IN $rels) RETURN r, m", {"keys": keys, "rels": rels})
    return [(row["r"], row["m"]) for row in rows]


def entities_named(store: GraphStore, name: str) -> list[Node]:
    """Entities named `name` or having it as an alias (in any case or width: kg.names.norm)."""
    rows = store.run(f"MATCH (n) WHERE {_IS_ENTITY} AND $key IN n.norms RETURN n", {"key": norm(name)})
    return [r["n"] for r in rows]


def entity_names(store: GraphStore) -> list[dict]:
    """name, aliases and mentions of every entity (for suggestions)."""
    return store.run(f"MATCH (n) WHERE {_IS_ENTITY} RETURN n.name AS name, n.aliases AS aliases, "
                     "n.mentions AS mentions")


def entities_with_mentions(store: GraphStore, label: str, at_least: int) -> list[Node]:
    return [r["n"] for r in store.run(f"MATCH (n:{_label(label)}) WHERE n.mentions >= $min RETURN n",
                                      {"min": at_least})]


def fact_relationships(store: GraphStore) -> list[Rel]:
    """Every fact (relationship between entities)."""
    return [r["r"] for r in store.run(f"MATCH (n)-[r]->(m) WHERE {_IS_ENTITY} AND type(r) <> 'MENTIONS' RETURN r")]


def recent_articles(store: GraphStore, label: str, keys: list[str], k: int) -> list[dict]:
    """For entities `keys`: the `k` latest articles that mention each ([date, id] pairs, latest
    first) and how many mention it in all."""
    return store.run(f"MATCH (n:{_label(label)}) WHERE n.key IN $keys MATCH (a:Article)-[:MENTIONS]->(n) "
                     "WITH n, a ORDER BY coalesce(a.date, '') DESC, a.id "
                     "RETURN n.key AS key, collect([a.date, a.id])[..$k] AS latest, count(a) AS total",
                     {"keys": keys, "k": k})
