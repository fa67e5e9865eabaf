"""What is new after a load, on both engines: each load's record, kg report (summary and page), and
kg viz --new.  Expectations come from the graph itself, read before and after a load."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from conftest import child_env
from kg.api import load as load_paths
from kg.cli import cli
from kg.store import history
from kg.store.load import load
from kg.viz import build_view
from kg.viz.report import build_report
from kg.viz.report_page import write_report
from test_load import edit_article
from viz_helpers import HOSTILE_ARTICLE, HOSTILE_TITLE, browser, open_page  # noqa: F401 (fixtures)

FIRST = 20          # the first load: this many seed articles; the second: the rest and one edited


def snapshot(store) -> tuple[set, set, dict]:
    """(entities as (label, key), facts as (type, head key, tail key), name by key), read from the graph."""
    rows = store.run("MATCH (n) WHERE n.key IS NOT NULL RETURN labels(n)[0] AS label, n.key AS key, n.name AS name")
    facts = store.run("MATCH (h)-[r]->(t) WHERE type(r) <> 'MENTIONS' RETURN type(r) AS type, h.key AS h, t.key AS t")
    return ({(r["label"], r["key"]) for r in rows}, {(r["type"], r["h"], r["t"]) for r in facts},
            {r["key"]: r["name"] for r in rows})


def two_loads(store, seed_extractions):
    """Load FIRST articles, then the rest and an edited copy of one of the first; returns the second
    load's report, what the graph held before it and after it, and the edit's facts."""
    first = seed_extractions[:FIRST]
    load(store, first)
    before = snapshot(store)
    _, edited, facts = edit_article(store, first)
    report = load(store, [*seed_extractions[FIRST:], edited])
    return report, before, snapshot(store), edited, facts


@pytest.fixture
def loaded_twice(any_store, seed_extractions):
    return (any_store, *two_loads(any_store, seed_extractions))


def test_a_load_records_what_it_added(loaded_twice, seed_extractions):
    store, report, (e0, f0, _), (e1, f1, _), edited, facts = loaded_twice
    [record] = history.loads(store)
    assert record["id"] == report.load_id and record["status"] == "done"
    assert sorted(record["new_articles"]) == sorted(ex.doc_id for ex in seed_extractions[FIRST:])
    assert record["changed_articles"] == [edited.doc_id] and record["retracted_articles"] == []
    assert (record["new"], record["changed"], record["unchanged"]) == (len(seed_extractions) - FIRST, 1, 0)
    assert {tuple(json.loads(e)) for e in record["new_entities"]} == e1 - e0
    new_facts = {(t, h, tail) for t, _, h, _, tail in map(json.loads, record["new_facts"])}
    assert new_facts == f1 - f0 and len(new_facts) > 20
    assert ("PARTNERS_WITH", *facts["new_pair"]) in new_facts          # the edit's own new fact
    assert record["rejected_rows"] == report.rows_rejected == []


def test_a_fact_taken_back_and_asserted_again_is_not_new(any_store, seed_extractions):
    """An edited article's facts are retracted and written again in one batch: only its new one is new."""
    load(any_store, seed_extractions)
    _, edited, facts = edit_article(any_store, seed_extractions)
    assert len(edited.relations) > 2                      # retracted, and all but one written again
    load(any_store, [edited])
    [record] = history.loads(any_store)
    assert [tuple(json.loads(f))[::2] for f in record["new_facts"]] == [("PARTNERS_WITH", *facts["new_pair"])]
    assert record["new_entities"] == [] and record["new_articles"] == []


def test_reloading_records_a_load_that_added_nothing(any_store, seed_extractions):
    load(any_store, seed_extractions[:5])
    first = history.loads(any_store)[-1]
    load(any_store, seed_extractions[:5])
    records = history.loads(any_store, since="2000")
    assert [r["id"] for r in records][0] == first["id"] and len(records) == 2
    last = records[-1]
    assert (last["new"], last["changed"], last["unchanged"]) == (0, 0, 5)
    assert all(last[k] == [] for k in history.LIST_FIELDS)
    summary = build_report(any_store)
    assert summary.counts() == {"articles new": 0, "articles changed": 0, "articles retracted": 0,
                                "articles rejected": 0, "entities": 0, "facts": 0}
    both = build_report(any_store, since=first["at"][:10])
    assert both.load_ids == [r["id"] for r in records] and both.counts()["articles new"] == 5


def test_rejected_rows_and_refused_inputs_are_recorded(any_store, seed_extractions, tmp_path):
    import copy
    from kg.model import EntityType, Relation, RelationType

    ex = copy.deepcopy(seed_extractions[0])
    person = next(e.name for e in ex.entities if e.type == EntityType.PERSON)
    product = next(e.name for e in ex.entities if e.type == EntityType.PRODUCT)
    ex.relations.append(Relation(person, RelationType.APPROVED, product, 0, "一句不该有的证据。"))
    report = load(any_store, [ex])
    assert history.loads(any_store)[-1]["rejected_rows"] == report.rows_rejected != []
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "ok1", "title": "标题", "text": "联影医疗发布新品。"}, {"id": "bad"}]),
                   encoding="utf-8")
    problems = []
    report = load_paths([str(bad)], any_store, on_error=problems.append)
    record = history.loads(any_store)[-1]
    assert record["problems"] == [str(p) for p in problems if not getattr(p, "warning", False)]
    assert "record has no text field" in record["problems"][0]
    assert record["rejected"] == report.articles_rejected == 1
    assert any_store.run("MATCH (l:KgLoad {id: 'last'}) RETURN l.rejected AS n") == [{"n": 1}]
    assert build_report(any_store).rejected == record["problems"]


def test_the_report_names_what_the_load_added(loaded_twice):
    store, _, (e0, f0, _), (e1, f1, name), edited, _ = loaded_twice
    report = build_report(store)
    assert {(t, e.key) for t, items in report.entities.items() for e in items} == e1 - e0
    assert {(f.type, f.head, f.tail) for items in report.facts.values() for f in items} == \
        {(t, name[h], name[tail]) for t, h, tail in f1 - f0}
    assert [a["id"] for a in report.articles["changed"]] == [edited.doc_id]
    fact = next(f for items in report.facts.values() for f in items if len(f.evidence) > 1)
    assert all(ev["sentence"] and ev["article"] for ev in fact.evidence)
    lines = report.summary_lines()
    assert lines[0] == f"{report.title}:" and lines[1] == (
        f"articles: {len(report.articles['new'])} new, 1 changed, 0 retracted, 0 rejected")
    assert lines[2].startswith(f"new entities: {len(e1 - e0)} (")
    assert lines[3].startswith(f"new facts: {len(f1 - f0)} (")


@pytest.mark.neo4j
def test_both_stores_give_the_same_report(falkor_store, neo4j_store, seed_extractions):
    stores = (falkor_store, neo4j_store)
    for store in stores:
        load(store, seed_extractions[:FIRST])
    _, edited, _ = edit_article(falkor_store, seed_extractions[:FIRST])      # the same edit for both
    for store in stores:
        load(store, [*seed_extractions[FIRST:], edited])

    def key(store):
        r = build_report(store)
        facts = [(f.type, f.head, f.tail, f.head_type, f.tail_type, f.date, f.amount, f.role, f.evidence)
                 for items in r.facts.values() for f in items]
        return (r.articles, r.entities, facts, [(f.type, f.head, f.tail) for f in r.more_evidence], r.rejected,
                r.counts())
    assert key(falkor_store) == key(neo4j_store)
    assert key(falkor_store)[-1]["facts"] > 20


def test_kg_report_prints_a_summary_and_writes_the_pages(loaded_twice, request, tmp_path):
    store = loaded_twice[0]
    out = tmp_path / "out" / "report.html"
    result = CliRunner(env=child_env(request, store.uri)).invoke(
        cli, ["report", "--store", store.uri, "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:4] == build_report(store).summary_lines()[:4]
    assert lines[-1] == f"{out} (the new facts drawn: {out.with_name('report-view.html')})"
    assert out.exists() and out.with_name("report-view.html").exists()
    result = CliRunner(env=child_env(request, store.uri)).invoke(
        cli, ["report", "--store", store.uri, "--since", "10/2025"])
    assert result.exit_code == 1 and "is not a date" in result.output


def test_kg_viz_new_draws_the_new_facts_marked(loaded_twice, request, tmp_path):
    store, _, (e0, f0, _), (e1, f1, name), _, _ = loaded_twice
    view = build_view(store, new=True, limit=1000)
    g = view.graph
    marked = {(d["type"], g.nodes[u]["key"], g.nodes[v]["key"]) for u, v, d in g.edges(data=True) if d["new"]}
    assert marked == f1 - f0
    assert {(d["type"], d["key"]) for _, d in g.nodes(data=True) if d["new"]} == e1 - e0
    assert any(not d["new"] for *_, d in g.edges(data=True))              # and what surrounds them
    out = tmp_path / "new.html"
    result = CliRunner(env=child_env(request, store.uri)).invoke(
        cli, ["viz", "--new", "--store", store.uri, "-o", str(out)])
    assert result.exit_code == 0 and re.fullmatch(rf"{re.escape(str(out))}: \d+ nodes, \d+ relationships.*\n",
                                                  result.output)


@pytest.mark.browser
def test_the_report_page_lists_exactly_what_a_load_added(falkor_store, seed_extractions, open_page, tmp_path):
    from kg.api import extract

    store = falkor_store
    load(store, seed_extractions[:FIRST])
    e0, f0, _ = snapshot(store)
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(HOSTILE_ARTICLE, ensure_ascii=False), encoding="utf-8")
    load(store, [*seed_extractions[FIRST:], *extract([str(hostile)], on_error=lambda e: None)])
    e1, f1, name = snapshot(store)
    _, page_path, view_path = write_report(store, tmp_path / "r" / "report.html")
    opened = open_page(page_path, drawn=False)
    page = opened.page
    facts = page.evaluate("""[...document.querySelectorAll('ol.facts li.fact')].map(li =>
        [li.dataset.type, li.querySelector('.head').textContent, li.querySelector('.tail').textContent])""")
    assert sorted(map(tuple, facts)) == sorted((t, name[h], name[tail]) for t, h, tail in f1 - f0)
    entities = page.evaluate("[...document.querySelectorAll('li.entity')].map(li => [li.dataset.type, "
                             "li.querySelector('.name').textContent])")
    assert sorted(map(tuple, entities)) == sorted((label, name[key]) for label, key in e1 - e0)
    titles = page.locator('ul[data-kind="new"] .title').all_inner_texts()
    assert HOSTILE_TITLE in titles and len(titles) == len(seed_extractions) - FIRST + 1
    assert page.evaluate("document.querySelectorAll('script, img, iframe, object, embed').length") == 0
    links = page.evaluate("[...document.querySelectorAll('a')].map(a => a.protocol + a.rel)")
    assert "javascript:" not in "".join(links) and page.evaluate("window.__pwned") is None
    assert opened.errors == [] and opened.requests == [] and opened.dialogs == []
    # each fact links to the view of what is new, focused on it
    href = page.locator("ol.facts li.fact a.view").first.get_attribute("href")
    head = page.locator("ol.facts li.fact .head").first.inner_text()
    assert re.fullmatch(r"report-view\.html#edge=\S+", href)
    view = open_page(view_path, fragment=href[href.index("#"):])
    assert view.page.evaluate("kgView.network.getSelectedEdges().length") == 1
    assert view.page.locator("#details .tip-title").inner_text().startswith(head)
    assert view.errors == [] and view.requests == []



def test_a_store_without_history_says_so(falkor_store, tmp_path):
    falkor_store.ensure_schema()
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--store", falkor_store.uri, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["No load recorded: kg load records what each load adds.",
                                          f"{out} (the new facts drawn: {out.with_name('report-view.html')})"]
    view = build_view(falkor_store, new=True)
    assert len(view.graph) == 0 and view.notes[0].startswith("No load is recorded")
