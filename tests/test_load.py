"""The loader on both engines: seed facts, idempotent re-load, retraction, rejected rows."""
from __future__ import annotations

import copy
import hashlib

import pytest

from conftest import dump, wipe
from kg.model import Attrs, Entity, EntityType, Extraction, Relation, RelationType
from kg.resolve import resolve
from kg.store.load import load
from kg.store.writes import EDGE_LISTS, LABELS

ALLOWED_LABELS = {"Article", "Organization", "Person", "Product", "Policy", "Event", "KgLoad", "KgStore", "KgLock"}


def one(store, query: str, **params) -> dict:
    rows = store.run(query, params)
    assert len(rows) == 1, (query, rows)
    return rows[0]


def edge(store, head: str, rtype: str, tail: str) -> dict:
    return one(store, f"MATCH (h {{name: $head}})-[r:{rtype}]->(t {{name: $tail}}) RETURN properties(r) AS r",
               head=head, tail=tail)["r"]


def evidence_by_article(extractions) -> dict[str, set[str]]:
    return {ex.doc_id: {r.evidence for r in ex.relations} for ex in extractions}


# -- 1. the seeds, read back ------------------------------------------------------------

@pytest.fixture
def seeded(any_store, seed_extractions):
    report = load(any_store, seed_extractions)
    return any_store, report


def test_first_load_reports_every_article_new(seeded, seed_extractions):
    store, report = seeded
    assert (report.articles_new, report.articles_changed, report.articles_unchanged) == (56, 0, 0)
    assert len(seed_extractions) == 56
    assert one(store, "MATCH (a:Article) RETURN count(a) AS n")["n"] == 56
    assert report.counters.nodes_created == one(store, "MATCH (n) WHERE NOT n:KgLock AND NOT n:KgLoad AND NOT n:KgStore "
                                                       "RETURN count(n) AS n")["n"]


def test_regulator_approved_umr_ultra_with_evidence(seeded, seed_extractions):
    store, _ = seeded
    r = edge(store, "国家药品监督管理局", "APPROVED", "uMR Ultra")
    assert len(r["articles"]) >= 2 and r["articles"] == sorted(r["articles"])
    evidence = evidence_by_article(seed_extractions)
    for article, sentence in zip(r["articles"], r["evidence"]):
        assert "uMR Ultra" in sentence and sentence in evidence[article]
    assert "000_6ad172b1da2a758b" in r["articles"]


def test_developer_and_people(seeded):
    store, _ = seeded
    r = edge(store, "联影医疗", "DEVELOPS", "uMR Ultra")
    assert r["articles"] and all("联影医疗" in s and "uMR Ultra" in s for s in r["evidence"])
    works = edge(store, "李弘棣", "WORKS_FOR", "联影医疗")
    assert works["title"] == "高级副总裁" and works["titles"] == ["高级副总裁"]
    assert "李弘棣" in works["evidence"][0]


def test_regulator_node_has_its_aliases(seeded):
    store, _ = seeded
    node = one(store, "MATCH (n:Organization {name: '国家药品监督管理局'}) RETURN properties(n) AS n")["n"]
    assert node["key"] == "Organization:国家药品监督管理局"
    assert {"NMPA", "国家药监局"} <= set(node["aliases"])
    assert node["aliases"] == sorted(set(node["aliases"])) and node["name"] not in node["aliases"]
    assert node["mentions"] >= 5 and node["first_seen"] <= node["last_seen"]


def test_only_the_closed_set_of_labels(seeded):
    store, _ = seeded
    labels = {label for row in store.run("MATCH (n) RETURN DISTINCT labels(n) AS labels")
              for label in row["labels"]}
    assert labels <= ALLOWED_LABELS and {"Article", "Organization", "Person", "Product"} <= labels
    for row in store.run("MATCH (n) RETURN labels(n) AS labels"):
        assert len(row["labels"]) == 1


def test_fact_edges_carry_aligned_lists(seeded):
    store, _ = seeded
    rows = store.run("MATCH ()-[r]->() WHERE type(r) <> 'MENTIONS' RETURN type(r) AS type, properties(r) AS r")
    assert len(rows) > 50
    for row in rows:
        lengths = {len(row["r"][name]) for name in EDGE_LISTS}
        assert len(lengths) == 1 and lengths.pop() >= 1, row
        assert row["r"]["articles"] == sorted(row["r"]["articles"]), row
        assert all(isinstance(x, str) for name in EDGE_LISTS for x in row["r"][name]), row
        assert_scalars_follow_lists(row["r"])


def assert_scalars_follow_lists(r: dict) -> None:
    """Scalars repeat the first non-empty item; `amount` is that text's number (to the 15
    significant digits FalkorDB replies with)."""
    for scalar, items in (("title", "titles"), ("date", "dates"), ("currency", "currencies"),
                          ("amount_text", "amount_texts")):
        assert r.get(scalar) == next((x for x in r[items] if x), None), (scalar, r)
    text = next((x for x in r["amounts"] if x), None)
    if text is None:
        assert "amount" not in r, r
    else:
        assert float(f"{r['amount']:.15g}") == float(f"{float(text):.15g}"), r


def test_mention_counts_and_aliases_agree_with_mentions(seeded):
    store, _ = seeded
    assert_nodes_consistent(store)


def assert_nodes_consistent(store) -> None:
    """Every entity's mentions and aliases are what its MENTIONS edges say."""
    rows = store.run("MATCH (a:Article)-[m:MENTIONS]->(n) RETURN n.key AS key, n.name AS name, "
                     "n.mentions AS mentions, n.aliases AS aliases, collect(m.count) AS counts, "
                     "collect(m.forms) AS forms")
    assert rows
    for row in rows:
        assert row["mentions"] == sum(row["counts"]), row
        forms = {f for fs in row["forms"] for f in fs if f != row["name"]}
        assert row["aliases"] == sorted(forms), row
    orphans = store.run("MATCH (n) WHERE n.key IS NOT NULL AND NOT ()-[:MENTIONS]->(n) RETURN n.key AS key")
    assert orphans == []


# -- 2. idempotent re-load --------------------------------------------------------------

def test_reloading_the_seeds_changes_nothing(seeded, seed_extractions):
    store, _ = seeded
    before = dump(store)
    again = load(store, seed_extractions)
    assert (again.articles_new, again.articles_changed, again.articles_unchanged) == (0, 0, 56)
    c = again.counters
    assert (c.nodes_created, c.relationships_created, c.nodes_deleted, c.relationships_deleted,
            c.properties_set) == (0, 0, 0, 0, 0)
    assert dump(store) == before


def test_the_graph_does_not_depend_on_the_batch_size(any_store, seed_extractions):
    load(any_store, seed_extractions, batch_size=200)
    whole = dump(any_store)
    wipe(any_store)
    load(any_store, seed_extractions, batch_size=3)
    assert dump(any_store) == whole


# -- 3. an edited article ---------------------------------------------------------------

def edit_article(store, extractions):
    """A modified copy of a real seed article: one entity only it mentions is gone (with its
    relations), a relation it alone supports is gone, its evidence for a fact other articles
    also support is gone, and a new PARTNERS_WITH appears.  Returns (index, copy, facts)."""
    # the article with the most entities nobody else mentions, among those sharing a fact
    only = {row["key"]: row["article"] for row in store.run(
        "MATCH (a:Article)-[:MENTIONS]->(n) WITH n, collect(a.id) AS arts WHERE size(arts) = 1 "
        "RETURN n.key AS key, arts[0] AS article")}
    shared = store.run("MATCH (h)-[r]->(t) WHERE type(r) <> 'MENTIONS' AND size(r.articles) > 1 "
                       "RETURN h.key AS head, type(r) AS type, t.key AS tail, r.articles AS articles "
                       "ORDER BY head, type, tail")          # a fixed choice below, whatever the store's order
    candidates = {a for row in shared for a in row["articles"]}
    article = max(candidates, key=lambda a: (list(only.values()).count(a), a))
    index = next(i for i, ex in enumerate(extractions) if ex.doc_id == article)
    old = extractions[index]
    key_of = {}
    for row in store.run("MATCH (:Article {id: $id})-[m:MENTIONS]->(n) RETURN n.key AS key, m.forms AS forms "
                         "ORDER BY key", {"id": article}):
        for form in row["forms"]:
            key_of.setdefault(form, row["key"])

    lonely = [e for e in old.entities if only.get(key_of.get(e.name)) == article
              and any(e.name in (r.head, r.tail) for r in old.relations)]
    dropped_entity = lonely[0]
    sole = {(row["head"], row["type"], row["tail"]) for row in store.run(
        "MATCH (h)-[r]->(t) WHERE type(r) <> 'MENTIONS' AND r.articles = [$id] "
        "RETURN h.key AS head, type(r) AS type, t.key AS tail", {"id": article})}

    def fact(r):
        return key_of[r.head], str(r.type), key_of[r.tail]
    kept = [r for r in old.relations if dropped_entity.name not in (r.head, r.tail)]
    dropped_fact = next(fact(r) for r in kept if fact(r) in sole)
    # WORKS_FOR last: a person's employers are part of who they are, and taking one back can
    # rightly split namesakes, which is not what the tests of an edit look at
    shared_fact = next(row for row in sorted(shared, key=lambda r: r["type"] == "WORKS_FOR")
                       if article in row["articles"] and key_of[dropped_entity.name] not in (row["head"], row["tail"]))
    new = copy.deepcopy(old)
    new.entities = [e for e in new.entities if e.name != dropped_entity.name]
    new.relations = [r for r in new.relations if dropped_entity.name not in (r.head, r.tail)
                     and fact(r) not in (dropped_fact, (shared_fact["head"], shared_fact["type"],
                                                        shared_fact["tail"]))]
    orgs = [e.name for e in new.entities if e.type == EntityType.ORGANIZATION]
    linked = {frozenset((key_of[r.head], key_of[r.tail])) for r in old.relations}
    a, b = next((x, y) for x in orgs for y in orgs if key_of[x] < key_of[y]
                and frozenset((key_of[x], key_of[y])) not in linked)
    sentence = f"{a}与{b}宣布达成战略合作。"
    new.relations.append(Relation(a, RelationType.PARTNERS_WITH, b, len(new.sentences), sentence))
    new.sentences = [*new.sentences, sentence]
    new.sha256 = hashlib.sha256(("edited" + old.sha256).encode()).hexdigest()
    facts = {"article": article, "dropped_key": key_of[dropped_entity.name],
             "dropped_fact": dropped_fact, "shared_fact": shared_fact,
             "old_evidence": {r.evidence for r in old.relations} - {r.evidence for r in new.relations},
             "new_pair": (key_of[a], key_of[b]), "new_sentence": sentence}
    return index, new, facts


def test_an_edited_article_replaces_its_contributions(any_store, seed_extractions):
    store = any_store
    load(store, seed_extractions)
    index, new, facts = edit_article(store, seed_extractions)
    article = facts["article"]
    report = load(store, [new])
    assert (report.articles_new, report.articles_changed, report.articles_unchanged) == (0, 1, 0)
    assert report.counters.relationships_deleted > 0 and report.counters.nodes_deleted > 0

    # its old evidence left every edge; edges it alone supported are gone
    for row in store.run("MATCH ()-[r]->() WHERE type(r) <> 'MENTIONS' RETURN r.articles AS a, r.evidence AS e"):
        assert not any(aid == article and ev in facts["old_evidence"] for aid, ev in zip(row["a"], row["e"]))
    head, rtype, tail = facts["dropped_fact"]
    assert store.run(f"MATCH ({{key: $h}})-[r:{rtype}]->({{key: $t}}) RETURN r", {"h": head, "t": tail}) == []
    shared = facts["shared_fact"]
    left = one(store, f"MATCH ({{key: $h}})-[r:{shared['type']}]->({{key: $t}}) RETURN properties(r) AS r",
               h=shared["head"], t=shared["tail"])["r"]
    assert left["articles"] == [a for a in shared["articles"] if a != article]
    # an entity no article mentions any more is gone
    assert store.run("MATCH (n {key: $key}) RETURN n", {"key": facts["dropped_key"]}) == []
    # the new fact is there
    a, b = facts["new_pair"]
    made = one(store, "MATCH ({key: $a})-[r:PARTNERS_WITH]->({key: $b}) RETURN properties(r) AS r",
               a=a, b=b)["r"]           # a symmetric type: stored from the smaller key
    assert made["articles"] == [article] and made["evidence"] == [facts["new_sentence"]]
    assert_nodes_consistent(store)

    incremental = dump(store)
    wipe(store)
    corpus = [*seed_extractions[:index], new, *seed_extractions[index + 1:]]
    load(store, corpus)
    assert incremental == dump(store)


# -- 7. rejected rows --------------------------------------------------------------------

def test_a_row_breaking_the_schema_is_rejected_and_the_rest_loads(any_store, seed_extractions):
    ex = copy.deepcopy(next(e for e in seed_extractions if e.doc_id == "000_6ad172b1da2a758b"))
    person = next(e.name for e in ex.entities if e.type == EntityType.PERSON)
    product = next(e.name for e in ex.entities if e.type == EntityType.PRODUCT)
    ex.relations.append(Relation(person, RelationType.APPROVED, product, 0, "一句不该有的证据。"))
    report = load(any_store, [ex])
    assert report.rows_rejected == [
        f"{ex.doc_id}: APPROVED cannot run Person -> Product ({person} -> {product})"]
    assert any_store.run("MATCH (:Person)-[r:APPROVED]->() RETURN r") == []
    assert any_store.run("MATCH ()-[r]->() WHERE '一句不该有的证据。' IN r.evidence RETURN r") == []
    expected = resolve([ex])[0].edges              # what an empty store gets from this article
    facts = one(any_store, "MATCH ()-[r]->() WHERE type(r) <> 'MENTIONS' RETURN count(r) AS n")["n"]
    assert facts == len({(e.type, e.head, e.tail) for e in expected}) > 5
    assert one(any_store, "MATCH (a:Article {id: $id}) RETURN a.sha256 AS s", id=ex.doc_id)["s"] == ex.sha256


def test_edge_items_that_are_null_are_stored_as_empty_strings(any_store, seed_extractions):
    ex = copy.deepcopy(seed_extractions[0])
    ex.relations = [r for r in ex.relations if r.type == RelationType.APPROVED][:1]
    ex.relations[0].evidence = None
    ex.relations[0].attrs = Attrs(amount=None, currency=None, title=None)
    load(any_store, [ex])
    r = one(any_store, "MATCH ()-[r:APPROVED]->() RETURN properties(r) AS r")["r"]
    assert r["evidence"] == [""] and r["titles"] == [""] and "title" not in r


def test_a_big_batch_loads_in_one_transaction(any_store):
    """One batch of 2000 articles with 20k entities and 10k facts: no parameter size limit hit."""
    articles = []
    for i in range(2000):
        ents = [Entity(f"机构{i}-{j}", EntityType.ORGANIZATION, [f"简称{i}-{j}"]) for j in range(10)]
        rels = [Relation(ents[j].name, RelationType.PARTNERS_WITH, ents[j + 1].name, 0, f"句子{i}-{j}" * 20)
                for j in range(0, 10, 2)]
        articles.append(Extraction(f"a{i:05d}", f"标题{i}", "2025-01-01", None, None, f"sha{i}", ents, rels))
    report = load(any_store, articles, batch_size=5000)
    assert report.counters.nodes_created == 2000 + 20000
    assert report.counters.relationships_created == 20000 + 10000
    assert one(any_store, "MATCH ()-[r:PARTNERS_WITH]->() RETURN count(r) AS n")["n"] == 10000


@pytest.mark.parametrize("label", LABELS)
def test_labels_come_from_the_enum(label):
    from kg.store import writes
    assert f":{label} " in writes.upsert_nodes(label)
    with pytest.raises(ValueError):
        writes.upsert_nodes("Organization {key: 'x'}) DETACH DELETE n //")


def invests(doc_id: str, amount: float | None, sha: str) -> Extraction:
    ents = [Entity("上海生物医药产业母基金", EntityType.ORGANIZATION), Entity("天泽云泰", EntityType.ORGANIZATION)]
    attrs = Attrs(amount=amount, currency="CNY" if amount else None, amount_text="若干" if amount else None)
    rel = Relation(ents[0].name, RelationType.INVESTS_IN, ents[1].name, 0, f"{doc_id}: 母基金投资天泽云泰。", attrs)
    return Extraction(doc_id, doc_id, "2025-01-01", None, None, sha, ents, [rel])


def test_amounts_stay_exact_through_loads_and_retractions(any_store):
    """FalkorDB's toFloat('22500000000.0') is 22499999744.0: amounts never go through it."""
    load(any_store, [invests("b", 22500000000.0, "b1"), invests("a", 110000000.00000001, "a1")])
    query = "MATCH ()-[r:INVESTS_IN]->() RETURN properties(r) AS r"
    r = one(any_store, query)["r"]
    assert r["articles"] == ["a", "b"] and r["amounts"] == ["110000000.00000001", "22500000000.0"]
    assert float(f"{r['amount']:.15g}") == float(f"{110000000.00000001:.15g}")
    load(any_store, [invests("a", None, "a2")])               # a's amount goes: b's is the first
    r = one(any_store, query)["r"]
    assert r["amounts"] == ["", "22500000000.0"] and r["amount"] == 22500000000.0
    load(any_store, [invests("c", 1.6, "c1")])                 # a later article changes nothing
    assert one(any_store, query)["r"]["amount"] == 22500000000.0
    load(any_store, [invests("b", None, "b2")])
    r = one(any_store, query)["r"]
    assert r["amount"] == 1.6 and r["amount_text"] == "若干" and r["currency"] == "CNY"
    assert_scalars_follow_lists(r)
