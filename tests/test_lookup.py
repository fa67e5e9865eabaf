"""Any name or alias of a node, in any case or width, finds it: kg why, kg viz --center and the
query library's name parameters, on both engines (kg.names.norm and the nodes' `norms`)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import child_env
from kg.cli import cli
from kg.model import Attrs, Entity, EntityType, Extraction, Relation, RelationType
from kg.store.load import load

FORMS = ["星辰生物", "Xingchen Bio", "XINGCHEN BIO", "ｘｉｎｇｃｈｅｎ　ｂｉｏ", "上海星辰生物科技有限公司"]


@pytest.fixture
def star(request, any_store, tmp_path, monkeypatch):
    """A store where 星辰生物 (English name Xingchen Bio, legal name 上海星辰生物科技有限公司) employs 王建国."""
    monkeypatch.chdir(tmp_path)
    entities = [Entity("星辰生物", EntityType.ORGANIZATION, ["Xingchen Bio", "上海星辰生物科技有限公司"]),
                Entity("王建国", EntityType.PERSON), Entity("白鹭医院", EntityType.ORGANIZATION)]
    relations = [Relation("王建国", RelationType.WORKS_FOR, "星辰生物", 0, "星辰生物首席执行官王建国表示。",
                          Attrs(title="首席执行官")),
                 Relation("星辰生物", RelationType.PARTNERS_WITH, "白鹭医院", 1, "星辰生物与白鹭医院签约。")]
    load(any_store, [Extraction("l1", "星辰生物签约", "2025-06-01", None, None, "l1", entities, relations)])
    env = child_env(request, any_store.uri)
    return lambda *args: CliRunner().invoke(cli, [*args, "--store", any_store.uri], env=env)


@pytest.mark.parametrize("form", FORMS)
def test_kg_why_takes_any_form(star, form):
    done = star("why", "王建国", "WORKS_FOR", form, "--format", "csv")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[1].startswith("王建国,WORKS_FOR,星辰生物,l1,")
    assert star("why", form, "白鹭医院", "--format", "csv").exit_code == 0


@pytest.mark.parametrize("form", FORMS)
def test_kg_viz_centers_on_any_form(star, form, tmp_path):
    page = tmp_path / "view.html"
    done = star("viz", "--center", form, "-o", str(page))
    assert done.exit_code == 0, done.output
    assert done.output.endswith("3 nodes, 2 relationships\n") and "星辰生物" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("form", FORMS)
def test_library_name_parameters_take_any_form(star, form):
    done = star("query", "people", "-p", f"org={form}", "--format", "csv")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[1:] == ['星辰生物,王建国,首席执行官,"[""首席执行官""]",1']


def test_a_name_nothing_has_finds_nothing(star):
    assert star("why", "王建国", "星辰").exit_code == 1
    assert star("query", "people", "-p", "org=星辰", "--format", "csv").output == ""
