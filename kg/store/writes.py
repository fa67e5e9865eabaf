"""The loader's Cypher, built from kg's fixed labels and relation types.

Values only ever travel as parameters (`UNWIND $rows AS row`).  Labels and
relationship types are interpolated, but only from the enums in kg.model,
never from text.  Every statement runs on Neo4j and on FalkorDB alike.

Graph model
  (:Article {id, title, date, source, url, sha256, loaded_at, extraction, rejected})
  (:Organization|Person|Product|Policy|Event {key, name, aliases, norms, mentions,
                                              first_seen, last_seen})
  (:Article)-[:MENTIONS {count, forms, names, norms, records}]->(entity)
  (head)-[:INVESTS_IN|APPROVED|… {articles, evidence, titles, dates, amounts,
          currencies, amount_texts, title, date, amount, currency, amount_text}]->(tail)
The list properties are aligned: item i of each comes from articles[i], and
items are kept in article-id order (an article's own items in text order).
The scalar properties repeat the first non-empty item.  `aliases` and `norms` (the
normal forms of every key that finds the node, kg.names) are sorted sets.  A mention
keeps the article's names for the node and its records' identities (kg.resolve), and
the article its extraction (JSON), so that resolution can place them again.  Neither depends on the order articles were loaded in, so re-loading an
edited article gives the graph a clean load gives.

Rules both engines need (FalkorDB and Neo4j differ otherwise):
- one statement never MERGEs the same key or the same edge twice: with
  duplicates Neo4j runs ON CREATE for the first row, FalkorDB for the last,
  and they append list items in different orders (the loader aggregates
  rows per key and per edge first, see kg.store.load);
- a SET reads values written by an earlier clause, never by an earlier item
  of the same SET; and `SET a … SET b …` needs a `WITH` between them, or
  FalkorDB's second SET reads the values from before the first;
- a statement reads what an earlier statement of the same batch wrote only
  from nodes found by key, and without a label on the other end of a
  relationship: FalkorDB runs a batch as one query, whose label scans and
  labelled expansions miss the nodes and relationships it created
  (`(a)-[:MENTIONS]->(n)`, not `(a:Article)-[:MENTIONS]->(n)`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kg.model import EntityType, RelationType
from kg.resolve.rows import EdgeRow, NodeRow

LABELS = tuple(str(t) for t in EntityType)
TYPES = tuple(str(t) for t in RelationType)
EDGE_LISTS = ("articles", "evidence", "titles", "dates", "amounts", "currencies", "amount_texts")


@dataclass
class NodeUpdate:
    """What one batch adds to one node: the rows of upsert_nodes()."""
    key: str
    name: str
    forms: list[str] = field(default_factory=list)
    norms: list[str] = field(default_factory=list)
    count: int = 0
    first: str | None = None
    last: str | None = None

    def add(self, row: NodeRow) -> None:
        self.count += row.count
        self.forms += [f for f in row.forms if f not in self.forms]
        self.norms += [k for k in row.norms if k not in self.norms]
        if row.date:
            self.first = min(self.first or row.date, row.date)
            self.last = max(self.last or row.date, row.date)


def amount_key(amount: float | None) -> str:
    """How an amount is kept in an edge's `amounts` list: exact text of the float, "" for none
    (a graph list cannot hold null; retract_edges maps the text back to the number)."""
    return "" if amount is None else repr(float(amount))


def edge_item(e: EdgeRow) -> list:
    """One item of upsert_edges()'s row.items: the EDGE_LISTS values in order, then the number."""
    return [e.article, e.evidence or "", e.title or "", e.date or "", amount_key(e.amount), e.currency or "",
            e.amount_text or "", e.amount]


def _label(label: str) -> str:
    if label not in LABELS and label != "Article":
        raise ValueError(f"unknown label {label!r}")
    return label


def _type(rtype: str) -> str:
    if rtype not in TYPES:
        raise ValueError(f"unknown relationship type {rtype!r}")
    return rtype


_NONE = "null"      # _sorted_set() excluding nothing (x = null is never true)


def _sorted_set(items: str, exclude: str) -> str:
    """Cypher for the distinct strings of list `items`, sorted, without `exclude` (no APOC)."""
    return (f"reduce(acc = [], x IN {items} | CASE WHEN x IN acc OR x = {exclude} THEN acc "
            "ELSE [y IN acc WHERE y < x] + x + [y IN acc WHERE y > x] END)")


def _scalars(var: str = "r") -> str:
    """Scalar copies of the first non-empty list item (null removes the property); `amount`
    is set apart (see upsert_edges), as FalkorDB's toFloat() parses text to 32-bit floats."""
    return ", ".join([
        f"{var}.title = head([x IN {var}.titles WHERE x <> ''])",
        f"{var}.date = head([x IN {var}.dates WHERE x <> ''])",
        f"{var}.currency = head([x IN {var}.currencies WHERE x <> ''])",
        f"{var}.amount_text = head([x IN {var}.amount_texts WHERE x <> ''])",
    ])


def upsert_articles() -> str:
    """Articles without their sha256: seal_articles() writes it last (see kg.store.load)."""
    return ("UNWIND $rows AS row MERGE (a:Article {id: row.id}) "
            "SET a.title = row.title, a.date = row.date, a.source = row.source, a.url = row.url, "
            "a.loaded_at = row.loaded_at, a.extraction = row.extraction, a.rejected = row.rejected")


def seal_articles() -> str:
    """The last statement of a batch: an article's sha256 says it is fully loaded."""
    return "UNWIND $rows AS row MATCH (a:Article {id: row.id}) SET a.sha256 = row.sha256"


def upsert_nodes(label: str) -> str:
    """Create or update entity nodes (one row per key): the name resolution gave it, mention
    counts add up, aliases and norms gather, seen-dates widen."""
    return (f"UNWIND $rows AS row MERGE (n:{_label(label)} {{key: row.key}}) "
            "ON CREATE SET n.mentions = 0, n.aliases = [], n.norms = [] "
            "SET n.name = row.name, n.mentions = n.mentions + row.count, "
            f"n.aliases = {_sorted_set('n.aliases + row.forms', 'row.name')}, "
            f"n.norms = {_sorted_set('n.norms + row.norms', _NONE)}, "
            "n.first_seen = CASE WHEN row.first IS NULL THEN n.first_seen "
            "WHEN n.first_seen IS NULL OR row.first < n.first_seen THEN row.first ELSE n.first_seen END, "
            "n.last_seen = CASE WHEN row.last IS NULL THEN n.last_seen "
            "WHEN n.last_seen IS NULL OR row.last > n.last_seen THEN row.last ELSE n.last_seen END")


def upsert_mentions(label: str) -> str:
    """One row per (article, key)."""
    return (f"UNWIND $rows AS row MATCH (a:Article {{id: row.article}}) "
            f"MATCH (n:{_label(label)} {{key: row.key}}) "
            "MERGE (a)-[m:MENTIONS]->(n) SET m.count = row.count, m.forms = row.forms, m.names = row.names, "
            "m.norms = row.norms, m.records = row.records")


def name_nodes(label: str) -> str:
    """Resolution's name for nodes ($rows: key, name), before refresh_nodes() derives the rest."""
    return f"UNWIND $rows AS row MATCH (n:{_label(label)} {{key: row.key}}) SET n.name = row.name"


def add_aliases(label: str) -> str:
    """Aliases a curator gave nodes ($rows: key, added, added_norms), after refresh_nodes()."""
    return (f"UNWIND $rows AS row MATCH (n:{_label(label)} {{key: row.key}}) "
            f"SET n.aliases = {_sorted_set('n.aliases + row.added', 'n.name')}, "
            f"n.norms = {_sorted_set('n.norms + row.added_norms', _NONE)}")


def upsert_edges(rtype: str, head_label: str, tail_label: str) -> str:
    """One row per edge; row.items are [article, evidence, title, date, amount, currency,
    amount_text, amount as a number] sorted by article.  Each is inserted after the edge's
    items of articles <= its own, which keeps the aligned lists in article order.  The
    number `amount` comes from the first item with an amount: a new item carries it, and if
    that item is an old one, it is the one r.amount already came from."""
    empties = ", ".join(f"r.{lst} = []" for lst in EDGE_LISTS)
    current = "[i IN range(0, size(r.articles) - 1) | [" + ", ".join(
        f"r.{lst}[i]" for lst in EDGE_LISTS) + "]]"
    merged = (f"reduce(acc = {current}, it IN row.items | "
              "[x IN acc WHERE x[0] <= it[0]] + [it] + [x IN acc WHERE x[0] > it[0]])")
    unzip = ", ".join(f"r.{lst} = [x IN items | x[{i}]]" for i, lst in enumerate(EDGE_LISTS))
    n = len(EDGE_LISTS)
    return (f"UNWIND $rows AS row MATCH (h:{_label(head_label)} {{key: row.head}}) "
            f"MATCH (t:{_label(tail_label)} {{key: row.tail}}) "
            f"MERGE (h)-[r:{_type(rtype)}]->(t) ON CREATE SET {empties} "
            f"WITH r, {merged} AS items "
            "WITH r, items, head([x IN items WHERE x[4] <> '']) AS first "
            f"SET {unzip}, r.amount = CASE WHEN first IS NULL THEN null "
            f"WHEN size(first) > {n} THEN first[{n}] ELSE r.amount END "
            f"WITH r SET {_scalars()}")


def article_state() -> str:
    return "UNWIND $ids AS id MATCH (a:Article {id: id}) RETURN a.id AS id, a.sha256 AS sha256"


def article_nodes() -> str:
    """The entity keys these articles mention (to recompute them after a retraction)."""
    return ("UNWIND $ids AS id MATCH (:Article {id: id})-[:MENTIONS]->(n) "
            "RETURN DISTINCT labels(n) AS labels, n.key AS key")


def retracted_amounts() -> str:
    """The amounts (text) on edges these articles support: retract_edges needs their values."""
    return ("UNWIND $ids AS id MATCH (:Article {id: id})-[:MENTIONS]->()-[r]-() "
            "WHERE type(r) <> 'MENTIONS' AND id IN r.articles "
            "UNWIND r.amounts AS amount WITH DISTINCT amount WHERE amount <> '' RETURN amount")


def _drop_items(keep: str) -> str:
    """Keep the aligned list items at indexes `keep` of the edges `r`, re-derive the scalars, delete
    edges left without evidence.  $amount_texts / $amount_values map each amount text to its number."""
    sets = ", ".join(f"r.{lst} = [i IN keep | r.{lst}[i]]" for lst in EDGE_LISTS)
    amount = ("$amount_values[head([i IN range(0, size($amount_texts) - 1) "
              "WHERE $amount_texts[i] = head([x IN r.amounts WHERE x <> ''])])]")
    return (f"WITH DISTINCT r, {keep} AS keep SET {sets} "
            f"WITH r SET {_scalars()}, r.amount = {amount} "
            "WITH r WHERE size(r.articles) = 0 DELETE r")


def retract_edges() -> str:
    """Remove one article's evidence from every edge near its entities; delete bare edges."""
    return ("MATCH (:Article {id: $id})-[:MENTIONS]->(n)-[r]-() "
            "WHERE type(r) <> 'MENTIONS' AND $id IN r.articles "
            + _drop_items("[i IN range(0, size(r.articles) - 1) WHERE r.articles[i] <> $id]"))


def withdraw_edges(rtype: str, head_label: str, tail_label: str) -> str:
    """Remove articles $ids' evidence from the edges $rows ({head, tail} keys), found by their ends,
    not through mentions: a failed batch may have written edges whose mentions it did not write."""
    return (f"UNWIND $rows AS row MATCH (h:{_label(head_label)} {{key: row.head}})"
            f"-[r:{_type(rtype)}]->(t:{_label(tail_label)} {{key: row.tail}}) "
            "WHERE any(a IN r.articles WHERE a IN $ids) "
            + _drop_items("[i IN range(0, size(r.articles) - 1) WHERE NOT r.articles[i] IN $ids]"))


def unseal_articles() -> str:
    """An article without sha256 is not fully loaded: the next load retracts it and writes it again.
    Its extraction goes too, unless it is in $keep (an article placed again from it, see
    kg.store.load.repair)."""
    return ("UNWIND $ids AS id MATCH (a:Article {id: id}) REMOVE a.sha256 "
            "WITH a WHERE NOT a.id IN $keep REMOVE a.extraction")


def retract_mentions() -> str:
    return "MATCH (:Article {id: $id})-[m:MENTIONS]->() DELETE m"


def _survivors(label: str, where: str) -> str:
    """Nodes of `label` in $keys with what the mentions matching `where` say about them."""
    return (f"UNWIND $keys AS key MATCH (n:{_label(label)} {{key: key}}) "
            f"OPTIONAL MATCH (a)-[m:MENTIONS]->(n) WHERE {where} "
            "WITH n, collect(m.forms) AS forms, collect(m.norms) AS norms, collect(m.count) AS counts, "
            "min(a.date) AS first, max(a.date) AS last "
            "WITH n, reduce(all = [], fs IN forms | all + fs) AS forms, reduce(all = [], ks IN norms | all + ks) "
            "AS norms, reduce(s = 0, c IN counts | s + c) AS mentions, first, last ")


def refresh_nodes(label: str) -> str:
    """Counts, aliases, norms and seen-dates from the mentions a node has (after a retraction,
    or a batch that moved mentions); nodes no article mentions any more go."""
    return (_survivors(label, "true") +
            "SET n.mentions = mentions, n.first_seen = first, n.last_seen = last, "
            f"n.aliases = {_sorted_set('forms', 'n.name')}, n.norms = {_sorted_set('norms', _NONE)} "
            "WITH n, mentions WHERE mentions = 0 DETACH DELETE n")


def record_load() -> str:
    return ("MERGE (l:KgLoad {id: 'last'}) SET l.at = $at, l.articles = $articles, "
            "l.new = $new, l.changed = $changed, l.unchanged = $unchanged, l.rejected = $rejected")

