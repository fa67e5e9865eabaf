"""A curator's decisions, on both engines: applied at once, kept in a plain-text file, applied again
by every load (also after the graph is rebuilt), and undone."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import child_env, dump, wipe
from kg import api
from kg.cli import cli
from kg.model import Entity, EntityType, Extraction, Relation, RelationType
from kg.query import why
from kg.resolve.curation import CurationError
from kg.store.load import load

ORG = EntityType.ORGANIZATION


def says(doc_id: str, *pairs: tuple[str, str], aliases: dict | None = None, sha: str = "1") -> Extraction:
    names = sorted({n for p in pairs for n in p})
    entities = [Entity(n, ORG, (aliases or {}).get(n, [])) for n in names]
    relations = [Relation(a, RelationType.PARTNERS_WITH, b, 0, f"{a}与{b}签署战略合作协议。") for a, b in pairs]
    return Extraction(doc_id, doc_id, "2025-06-01", None, None, f"{doc_id}-{sha}", entities, relations)


def keys(store, name: str) -> list[str]:
    from kg.names import norm
    return sorted(r["k"] for r in store.run("MATCH (n) WHERE $x IN n.norms RETURN n.key AS k", {"x": norm(name)}))


def partners_of(store, name: str) -> list[str]:
    """The partners of the node `name` (any name or alias) stands for."""
    from kg.names import norm
    rows = store.run("MATCH (n) WHERE $x IN n.norms MATCH (n)-[:PARTNERS_WITH]-(o) RETURN o.name AS o",
                     {"x": norm(name)})
    return sorted(r["o"] for r in rows)


A1, A2 = says("a1", ("蓝海药业", "白鹭医院")), says("a2", ("碧波制药", "青松大学"))


@pytest.fixture
def decisions(tmp_path):
    return tmp_path / "decisions.tsv"


def test_a_merge_lasts_through_a_rebuild_and_new_articles_and_undo_restores(any_store, decisions):
    load(any_store, [A1, A2])
    before = dump(any_store)
    done = api.curate(any_store, "merge", ["蓝海药业", "碧波制药"], path=decisions)
    assert keys(any_store, "蓝海药业") == keys(any_store, "碧波制药") and len(keys(any_store, "碧波制药")) == 1
    assert done.report.articles_moved == 1
    assert partners_of(any_store, "蓝海药业") == ["白鹭医院", "青松大学"]
    merged = dump(any_store)

    wipe(any_store)                                            # the graph rebuilt from the articles
    curation = api.decisions_file.read(decisions)
    load(any_store, [A2, A1], batch_size=1, curation=curation)
    assert dump(any_store) == merged
    load(any_store, [says("a3", ("碧波制药", "红杉医院"))], curation=curation)    # a new article names one side
    assert len(keys(any_store, "碧波制药")) == 1 and keys(any_store, "碧波制药") == keys(any_store, "蓝海药业")
    assert partners_of(any_store, "蓝海药业") == ["白鹭医院", "红杉医院", "青松大学"]

    undone = api.undo(any_store, path=decisions)
    assert undone.decision == done.decision and api.decisions(any_store, decisions) == []
    assert keys(any_store, "蓝海药业") != keys(any_store, "碧波制药")
    after = dump(any_store)
    wipe(any_store)
    load(any_store, [A1, A2, says("a3", ("碧波制药", "红杉医院"))])
    assert dump(any_store) == after
    wipe(any_store)
    load(any_store, [A1, A2])
    assert dump(any_store) == before


def test_a_rejected_name_never_reappears(any_store, decisions):
    load(any_store, [says("r1", ("本刊", "白鹭医院"), ("白鹭医院", "青松大学"))])
    api.curate(any_store, "reject", ["本刊"], path=decisions)
    assert keys(any_store, "本刊") == [] and partners_of(any_store, "白鹭医院") == ["青松大学"]
    load(any_store, [says("r2", ("本刊", "红杉医院"))], curation=api.decisions_file.read(decisions))
    assert keys(any_store, "本刊") == []
    assert any_store.run("MATCH (n) WHERE '本刊' IN n.aliases RETURN n") == []
    api.undo(any_store, path=decisions)
    assert len(keys(any_store, "本刊")) == 1 and partners_of(any_store, "本刊") == ["白鹭医院", "红杉医院"]


def test_split_alias_and_rename(any_store, decisions):
    load(any_store, [says("s1", ("联星生物", "白鹭医院"), aliases={"联星生物": ["联星"]}),
                     says("s2", ("联星", "青松大学"))])
    assert keys(any_store, "联星") == keys(any_store, "联星生物")                # a short form one name claims
    api.curate(any_store, "split", ["联星生物", "联星"], path=decisions)
    assert keys(any_store, "联星生物") != keys(any_store, "联星") == ["Organization:联星"]

    api.curate(any_store, "alias", ["add", "联星生物", "Lianxing Bio"], path=decisions)
    assert why(any_store, "LIANXING BIO", "白鹭医院")                           # any case finds it
    node = any_store.run("MATCH (n {key: 'Organization:联星生物'}) RETURN n.aliases AS a")[0]["a"]
    assert "Lianxing Bio" in node
    api.curate(any_store, "alias", ["remove", "联星生物", "Lianxing Bio"], path=decisions)
    assert not why(any_store, "Lianxing Bio", "白鹭医院")

    api.curate(any_store, "rename", ["联星生物", "联星生物科技集团"], path=decisions)
    assert any_store.run("MATCH (n:Organization) WHERE n.name = '联星生物科技集团' RETURN n.key AS k") \
        == [{"k": "Organization:联星生物科技集团"}]
    assert partners_of(any_store, "联星生物科技集团") == ["白鹭医院"]
    lines = decisions.read_text(encoding="utf-8").splitlines()
    assert [line.split("\t") for line in lines if not line.startswith("#")] == [
        ["split", "Organization", "联星生物", "联星"],
        ["alias-add", "Organization", "联星生物", "Lianxing Bio"],
        ["alias-remove", "Organization", "联星生物", "Lianxing Bio"],
        ["rename", "Organization", "联星生物", "联星生物科技集团"]]


def test_decisions_that_make_no_sense_are_refused(any_store, decisions):
    load(any_store, [says("x1", ("联影集团", "白鹭医院"), aliases={"联影集团": ["联影"]}),
                     says("x2", ("联影医疗", "白鹭医院"), aliases={"联影医疗": ["联影"]})])
    with pytest.raises(CurationError, match="names 2 nodes"):
        api.curate(any_store, "merge", ["联影", "白鹭医院"], path=decisions)
    with pytest.raises(CurationError, match="no entity is named"):
        api.curate(any_store, "merge", ["不存在的公司", "白鹭医院"], path=decisions)
    with pytest.raises(CurationError, match="one node already"):
        api.curate(any_store, "merge", ["白鹭医院", "白鹭医院"], path=decisions)
    with pytest.raises(CurationError, match="no decision to undo"):
        api.undo(any_store, path=decisions)
    assert not decisions.exists()


def test_the_cli_keeps_decisions_with_the_store_and_lists_them(request, any_store, tmp_path, monkeypatch):
    load(any_store, [A1, A2])
    monkeypatch.chdir(tmp_path)                  # Neo4j's default file is ./kg-curation.tsv
    env = child_env(request, any_store.uri)
    run = CliRunner().invoke
    done = run(cli, ["curate", "merge", "ＢＩＢＯ", "蓝海药业", "--store", any_store.uri], env=env)
    assert done.exit_code == 1 and "no entity is named 'ＢＩＢＯ'" in done.output
    done = run(cli, ["curate", "merge", "碧波制药", "蓝海药业", "--store", any_store.uri], env=env)
    assert done.exit_code == 0, done.output
    file = any_store.curation_file() if any_store.kind == "embedded" else tmp_path / "kg-curation.tsv"
    assert done.output.startswith(f"kept in {file}: merge\tOrganization\t碧波制药\t蓝海药业\n")
    assert file.read_text(encoding="utf-8").endswith("merge\tOrganization\t碧波制药\t蓝海药业\n")
    listed = run(cli, ["curate", "list", "--store", any_store.uri, "--format", "csv"], env=env)
    assert listed.output.splitlines() == ["action,type,name,other", "merge,Organization,碧波制药,蓝海药业"]
    assert len(keys(any_store, "蓝海药业")) == 1 and keys(any_store, "蓝海药业") == keys(any_store, "碧波制药")


def test_a_decisions_file_that_cannot_be_read_or_written_is_one_line(any_store, tmp_path):
    load(any_store, [A1, A2])
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with pytest.raises(CurationError, match="cannot read the curation file"):
        api.decisions(any_store, folder)
    bad = tmp_path / "bad.tsv"
    bad.write_text("merge\tOrganization\t蓝海药业\n", encoding="utf-8")
    with pytest.raises(CurationError, match=r"bad.tsv:1: merge takes two names"):
        api.decisions(any_store, bad)
    blocked = tmp_path / "decisions.tsv"
    (tmp_path / "decisions.tsv.tmp").mkdir()                        # where the new file is written first
    with pytest.raises(CurationError, match="decisions.tsv: cannot write the curation file"):
        api.curate(any_store, "merge", ["蓝海药业", "碧波制药"], path=blocked)
    assert len(keys(any_store, "碧波制药")) == 1 and keys(any_store, "碧波制药") != keys(any_store, "蓝海药业")
