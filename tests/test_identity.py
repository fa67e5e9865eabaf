"""Identity without a store: normal forms, wrappers, an article's place, the matching rule, and
components that do not depend on the order records come in (kg.names, kg.resolve)."""
from __future__ import annotations

import random

import pytest

from kg.model import Entity, EntityType, Extraction, Relation, RelationType
from kg.names import article_place, cores, identity, norm, parents, qualify
from kg.resolve import Curation, Decision, cluster, groups_of, resolve
from kg.resolve.records import Facts, article_records

ORG, PER, EVT = EntityType.ORGANIZATION, EntityType.PERSON, EntityType.EVENT


def article(doc_id: str, entities: list[Entity], relations: list[Relation] = (), title: str = "",
            source: str | None = None, date: str | None = "2025-06-01") -> Extraction:
    return Extraction(doc_id, title, date, source, None, f"sha-{doc_id}", entities, list(relations))


def nodes_of(rows) -> dict[tuple[str, str], str]:
    """(article, the article's name) -> node key."""
    return {(r.article.id, name): n.key for r in rows for n in r.nodes for name in n.names}


# -- names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [("ＡｓｔｒａＺｅｎｅｃａ", "astrazeneca"), ("uMR Ultra", "UMR ULTRA"),
                                  ("《若干措施》", "若干措施"), ("联影医疗", "联影医疗")])
def test_any_case_or_width_is_one_normal_form(a, b):
    assert norm(a) == norm(b)


def test_wrappers_come_off_but_a_place_in_a_public_name_stays():
    assert cores("上海联影医疗科技股份有限公司")[-1] == "联影医疗"
    assert "复星医药" in cores("上海复星医药(集团)股份有限公司")
    assert cores("美国阿斯利康") == ("阿斯利康",)
    assert cores("上海交通大学") == () and cores("美国科学院") == ()       # 交通大学, 科学院 name nothing
    assert parents("清华大学生物医学工程学院") == ("清华大学",)


def test_an_articles_place_and_its_bare_bodies():
    assert article_place("上海发布新政", "上海科技", [("华山医院", 2)]) == ("上海", "上海")
    assert article_place("", "", [("北京市科委", 1), ("上海交通大学", 1)]) == (None, None)
    assert qualify("市科委", "上海", "上海") == "上海市科委"
    assert qualify("省科技厅", None, "浙江") == "浙江省科技厅"
    assert qualify("市场监管总局", "上海", "上海") is None


def test_strong_and_weak_keys():
    united = identity("Organization", "联影医疗", ["联影", "上海联影医疗科技股份有限公司"])
    assert united.strong[:2] == ("联影医疗", "上海联影医疗科技股份有限公司")     # the fuller form names it
    assert "联影" in united.weak                                                  # a short form may
    bare = identity("Organization", "市科委", city="上海")
    assert bare.display == "上海市科委" and bare.canonical == "上海市科学技术委员会" and "市科委" in bare.weak
    assert identity("Organization", "市科委").canonical is None                   # no city: no guess
    person = identity("Person", "张伟", employers=["华山医院"])
    assert person.strong == ("张伟@华山医院",) and person.weak == ("张伟",)
    assert identity("Organization", "美国科学院", ["中国科学院"]).weak == ()       # conflicting homelands


# -- components ----------------------------------------------------------------------------

def test_a_short_form_two_names_share_joins_neither():
    rows = resolve([article("a", [Entity("联影集团", ORG, ["联影"])]),
                    article("b", [Entity("联影医疗", ORG, ["联影"])]),
                    article("c", [Entity("联影", ORG)])])
    keys = nodes_of(rows)
    assert len({keys[("a", "联影集团")], keys[("b", "联影医疗")], keys[("c", "联影")]}) == 3


def test_a_short_form_one_name_claims_joins_it():
    keys = nodes_of(resolve([article("a", [Entity("联影医疗", ORG, ["联影"])]), article("c", [Entity("联影", ORG)])]))
    assert keys[("a", "联影医疗")] == keys[("c", "联影")] == "Organization:联影医疗"


def test_wrappers_english_names_and_a_bare_body_in_its_city():
    rows = resolve([
        article("a", [Entity("博睿康科技", ORG)]),
        article("b", [Entity("博睿康公司", ORG), Entity("星辰生物", ORG, ["Xingchen Bio"])]),
        article("c", [Entity("XINGCHEN BIO", ORG)]),
        article("d", [Entity("市科委", ORG)], title="上海市科创新政发布", source="上海科技"),
        article("e", [Entity("上海市科学技术委员会", ORG)]),
        article("f", [Entity("市科委", ORG), Entity("北京市人民政府", ORG)], title="北京推进科创", source="北京日报"),
    ])
    keys = nodes_of(rows)
    assert keys[("a", "博睿康科技")] == keys[("b", "博睿康公司")]
    assert keys[("b", "星辰生物")] == keys[("c", "XINGCHEN BIO")]          # an English name, any case
    assert keys[("d", "市科委")] == keys[("e", "上海市科学技术委员会")] == "Organization:上海市科学技术委员会"
    assert keys[("f", "市科委")] == "Organization:北京市科委"


def test_a_unit_is_its_body_but_a_body_of_its_own_is_not():
    keys = nodes_of(resolve([article("a", [Entity("星辰集团", ORG)]), article("b", [Entity("星辰集团战略发展部", ORG)]),
                             article("c", [Entity("星辰集团附属医院", ORG)]), article("d", [Entity("星辰集团研究院", ORG)])]))
    assert keys[("b", "星辰集团战略发展部")] == keys[("a", "星辰集团")]            # gold/GUIDE.md H3
    assert len({keys[("a", "星辰集团")], keys[("c", "星辰集团附属医院")], keys[("d", "星辰集团研究院")]}) == 3


def test_same_name_people_of_different_employers_stay_apart():
    def works(doc_id, org):
        return article(doc_id, [Entity("张伟", PER), Entity(org, ORG)],
                       [Relation("张伟", RelationType.WORKS_FOR, org, 0, f"{org}院长张伟表示。")])
    rows = resolve([works("a", "华山医院"), works("b", "联影医疗"), works("c", "华山医院"),
                    article("d", [Entity("张伟", PER)])])
    keys = nodes_of(rows)
    assert keys[("a", "张伟")] == keys[("c", "张伟")] != keys[("b", "张伟")]
    assert keys[("d", "张伟")] not in (keys[("a", "张伟")], keys[("b", "张伟")])     # which one? nobody says
    one = nodes_of(resolve([works("a", "华山医院"), article("d", [Entity("张伟", PER)])]))
    assert one[("a", "张伟")] == one[("d", "张伟")] == "Person:张伟"                 # only one 张伟 known


def test_a_foreign_name_in_full_names_one_person_whoever_employs_them():
    def works(doc_id, person, org):
        return article(doc_id, [Entity(person, PER), Entity(org, ORG)],
                       [Relation(person, RelationType.WORKS_FOR, org, 0, f"{org}首席执行官{person}表示。")])
    keys = nodes_of(resolve([works("a", "安德烈·科瓦奇", "星辰生物"), works("b", "安德烈·科瓦奇", "蓝鲸资本"),
                             works("c", "王建国", "星辰生物"), works("d", "王建国", "蓝鲸资本")]))
    assert keys[("a", "安德烈·科瓦奇")] == keys[("b", "安德烈·科瓦奇")] == "Person:安德烈科瓦奇"
    assert keys[("c", "王建国")] != keys[("d", "王建国")]


def test_an_event_without_its_edition_is_the_articles_years():
    rows = resolve([article("a", [Entity("2025上海国际生物医药产业周", EVT)]),
                    article("b", [Entity("上海国际生物医药产业周", EVT)], date="2025-10-19"),
                    article("c", [Entity("2021上海国际生物医药产业周", EVT)], date="2021-10-12")])
    keys = nodes_of(rows)
    assert keys[("a", "2025上海国际生物医药产业周")] == keys[("b", "上海国际生物医药产业周")]
    assert keys[("c", "2021上海国际生物医药产业周")] != keys[("a", "2025上海国际生物医药产业周")]


def test_components_do_not_depend_on_the_order_of_records():
    exs = [article(f"a{i}", [Entity(n, ORG, al)]) for i, (n, al) in enumerate([
        ("联影医疗", ["联影"]), ("联影集团", ["联影"]), ("联影", []), ("上海联影医疗科技股份有限公司", []),
        ("复星医药", ["复星"]), ("上海复星医药(集团)股份有限公司", []), ("复星", ["Fosun"]), ("Fosun", [])])]
    curation = Curation([Decision("split", "Organization", "复星医药", "复星")])
    rules = curation.all_rules()
    records = [r for ex in exs for r in article_records(Facts.of(ex), rules)]
    first = cluster(groups_of(records), rules)
    for seed in range(5):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        again = cluster(groups_of(shuffled), rules)
        assert {s: (c.key, c.name) for s, c in again.items()} == {s: (c.key, c.name) for s, c in first.items()}


def test_decisions_later_override_earlier():
    c = Curation([Decision("merge", "Organization", "A公司", "B公司"), Decision("split", "Organization", "A公司", "B公司")])
    rules = c.rules("Organization")
    assert rules.merges == [] and frozenset({"a公司", "b公司"}) in rules.splits
    c.decisions.append(Decision("merge", "Organization", "b公司", "a公司"))
    rules = c.rules("Organization")
    assert rules.merges == [("b公司", "a公司")] and not rules.splits
