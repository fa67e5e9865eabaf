"""The loader's Cypher, built from kg's fixed labels and relation types.

Values only ever travel as parameters (`UNWIND $rows AS row`).  Labels and
relationship types are interpolated, but only from the enums in kg.model,
never from text.  Every statement runs on Neo4j and on FalkorDB alike.

Graph model
  (:Article {id, title, date, source, url, sha256, loaded_at})
  (:Organization|Person|Product|Policy|Event {key, name, aliases, mentions,
                                              first_seen, last_seen})
  (:Article)-[:MENTIONS {count, forms}]->(entity)
  (head)-[:INVESTS_IN|APPROVED|… {articles, evidence, titles, dates, amounts,
          currencies, amount_texts, title, date, amount, currency, amount_text}]->(tail)
The list properties are aligned: item i of each comes from articles[i].  The
scalar properties repeat the first non-empty item, for easy querying.
"""
from __future__ import annotations

from kg.model import EntityType, RelationType

LABELS = tuple(str(t) for t in EntityType)
TYPES = tuple(str(t) for t in RelationType)
EDGE_LISTS = ("articles", "evidence", "titles", "dates", "amounts", "currencies", "amount_texts")
_ROW_FIELD = {"articles": "article", "evidence": "evidence", "titles": "title", "dates": "date",
              "amounts": "amount", "currencies": "currency", "amount_texts": "amount_text"}


def _label(label: str) -> str:
    if label not in LABELS and label != "Article":
        raise ValueError(f"unknown label {label!r}")
    return label


def _type(rtype: str) -> str:
    if rtype not in TYPES:
        raise ValueError(f"unknown relationship type {rtype!r}")
    return rtype


def _scalars(var: str = "r") -> str:
    """Scalar copies of the first non-empty list item (null removes the property)."""
    return ", ".join([
        f"{var}.title = head([x IN {var}.titles WHERE x <> ''])",
        f"{var}.date = head([x IN {var}.dates WHERE x <> ''])",
        f"{var}.amount = toFloat(head([x IN {var}.amounts WHERE x <> '']))",
        f"{var}.currency = head([x IN {var}.currencies WHERE x <> ''])",
        f"{var}.amount_text = head([x IN {var}.amount_texts WHERE x <> ''])",
    ])


def upsert_articles() -> str:
    return ("UNWIND $rows AS row MERGE (a:Article {id: row.id}) "
            "SET a.title = row.title, a.date = row.date, a.source = row.source, a.url = row.url, "
            "a.sha256 = row.sha256, a.loaded_at = row.loaded_at")


def upsert_nodes(label: str) -> str:
    """Create or update entity nodes: mention counts add up, aliases gather, dates widen."""
    return (f"UNWIND $rows AS row MERGE (n:{_label(label)} {{key: row.key}}) "
            "ON CREATE SET n.name = row.name, n.mentions = 0, n.aliases = [] "
            "SET n.mentions = n.mentions + row.count, "
            "n.aliases = reduce(acc = [], a IN n.aliases + row.forms | "
            "CASE WHEN a IN acc OR a = n.name THEN acc ELSE acc + a END), "
            "n.first_seen = CASE WHEN row.date IS NULL THEN n.first_seen "
            "WHEN n.first_seen IS NULL OR row.date < n.first_seen THEN row.date ELSE n.first_seen END, "
            "n.last_seen = CASE WHEN row.date IS NULL THEN n.last_seen "
            "WHEN n.last_seen IS NULL OR row.date > n.last_seen THEN row.date ELSE n.last_seen END")


def upsert_mentions(label: str) -> str:
    return (f"UNWIND $rows AS row MATCH (a:Article {{id: row.article}}) "
            f"MATCH (n:{_label(label)} {{key: row.key}}) "
            "MERGE (a)-[m:MENTIONS]->(n) SET m.count = row.count, m.forms = row.forms")


def upsert_edges(rtype: str, head_label: str, tail_label: str) -> str:
    """Append this article's evidence to the edge, creating it if needed."""
    appends = ", ".join(f"r.{lst} = r.{lst} + row.{_ROW_FIELD[lst]}" for lst in EDGE_LISTS)
    empties = ", ".join(f"r.{lst} = []" for lst in EDGE_LISTS)
    return (f"UNWIND $rows AS row MATCH (h:{_label(head_label)} {{key: row.head}}) "
            f"MATCH (t:{_label(tail_label)} {{key: row.tail}}) "
            f"MERGE (h)-[r:{_type(rtype)}]->(t) ON CREATE SET {empties} "
            f"SET {appends} SET {_scalars()}")


def article_state() -> str:
    return "UNWIND $ids AS id MATCH (a:Article {id: id}) RETURN a.id AS id, a.sha256 AS sha256"


def article_nodes() -> str:
    """The entity keys an article mentions (to recompute them after a retraction)."""
    return ("UNWIND $ids AS id MATCH (:Article {id: id})-[:MENTIONS]->(n) "
            "RETURN DISTINCT labels(n) AS labels, n.key AS key")


def retract_edges() -> str:
    """Remove one article's evidence from every edge near its entities; delete bare edges."""
    keep = "[i IN range(0, size(r.articles) - 1) WHERE r.articles[i] <> $id]"
    sets = ", ".join(f"r.{lst} = [i IN keep | r.{lst}[i]]" for lst in EDGE_LISTS)
    return ("MATCH (:Article {id: $id})-[:MENTIONS]->(n)-[r]-() "
            "WHERE type(r) <> 'MENTIONS' AND $id IN r.articles "
            f"WITH DISTINCT r, {keep} AS keep SET {sets} "
            f"WITH r SET {_scalars()} "
            "WITH r WHERE size(r.articles) = 0 DELETE r")


def retract_mentions() -> str:
    return ("MATCH (:Article {id: $id})-[m:MENTIONS]->(n) "
            "SET n.mentions = n.mentions - m.count DELETE m")


def refresh_nodes(label: str) -> str:
    """After a retraction: aliases and seen-dates from the mentions left; unmentioned nodes go."""
    lbl = _label(label)
    return (f"UNWIND $keys AS key MATCH (n:{lbl} {{key: key}}) "
            "OPTIONAL MATCH (a:Article)-[m:MENTIONS]->(n) "
            "WITH n, collect(m.forms) AS forms, min(a.date) AS first, max(a.date) AS last, count(m) AS c "
            "SET n.first_seen = first, n.last_seen = last, "
            "n.aliases = reduce(acc = [], f IN reduce(all = [], fs IN forms | all + fs) | "
            "CASE WHEN f IN acc OR f = n.name THEN acc ELSE acc + f END) "
            "WITH n, c WHERE c = 0 DETACH DELETE n")


def record_load() -> str:
    return ("MERGE (l:KgLoad {id: 'last'}) SET l.at = $at, l.articles = $articles, "
            "l.new = $new, l.changed = $changed, l.unchanged = $unchanged, l.rejected = $rejected")


def fetch_known(label: str) -> str:
    """Existing nodes that any of these forms may denote (for cross-article resolution)."""
    return (f"MATCH (n:{_label(label)}) WHERE n.name IN $forms OR any(a IN n.aliases WHERE a IN $forms) "
            "RETURN n.key AS key, n.name AS name, n.aliases AS aliases")
