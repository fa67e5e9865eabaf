"""Each extraction component alone, on short sentences written for these tests."""
from __future__ import annotations

import pytest

from kg.errors import KgError
from kg.extraction import vocab as vocab_module
from kg.extraction.components import DEFAULT_PIPELINE, persons
from kg.extraction.components.sentences import split_sentences
from kg.extraction.doc import Doc
from kg.extraction.pipeline import REGISTRY, build_pipeline
from kg.extraction.relations import attributes
from kg.extraction.vocab import Vocab
from kg.model import Article, EntityType, RelationType

ORG, PER, PRO, POL, EVT = (EntityType.ORGANIZATION, EntityType.PERSON, EntityType.PRODUCT,
                           EntityType.POLICY, EntityType.EVENT)
VOCAB = Vocab()


def make_doc(text: str, upto: str | None = None, date: str | None = "2025-10-18") -> Doc:
    """A Doc run through the default pipeline up to and including component `upto`."""
    names = DEFAULT_PIPELINE if upto is None else DEFAULT_PIPELINE[:DEFAULT_PIPELINE.index(upto) + 1]
    nlp = build_pipeline(names, VOCAB)
    return nlp(nlp.make_doc(Article(id="t", title="", text=text, date=date), text, list(range(len(text)))))


def mentions(doc: Doc, etype: EntityType) -> list[str]:
    return sorted({m.text for m in doc.mentions if m.type == etype})


def entities(text: str) -> dict[str, tuple[EntityType, list[str]]]:
    doc = make_doc(text)
    return {e.name: (e.type, e.aliases) for e in doc.entities}


def relations(text: str) -> set[tuple[str, str, str]]:
    return {(r.head, str(r.type), r.tail) for r in make_doc(text).relations}


# --- the pipeline itself -----------------------------------------------------

def test_every_registered_component_is_in_the_default_pipeline():
    build_pipeline(DEFAULT_PIPELINE, VOCAB)
    assert set(DEFAULT_PIPELINE) == set(REGISTRY)


def test_a_component_whose_requirement_is_missing_is_refused():
    with pytest.raises(KgError, match="requires tokens"):
        build_pipeline(["sentences", "lexicon"])


def test_an_unknown_component_is_refused():
    with pytest.raises(KgError, match="unknown pipeline component 'nope'"):
        build_pipeline(["sentences", "nope"])


# --- sentences and tokens ----------------------------------------------------

def test_sentences_keep_closing_quotes_and_offsets():
    text = "他说：“项目已经启动。”随后离开！第二段？\n标题行\n最后一句；分号后"
    sents = split_sentences(text)
    assert [s.text for s in sents] == ["他说：“项目已经启动。”", "随后离开！", "第二段？", "标题行",
                                       "最后一句；", "分号后"]
    assert all(text[s.start:s.end] == s.text for s in sents)


def test_tokens_carry_offsets_and_dictionary_tags():
    toks = VOCAB.tokenize("上海市政府发布2025年计划")
    assert "".join(t.text for t in toks) == "上海市政府发布2025年计划"
    assert all(toks[i].end == toks[i + 1].start for i in range(len(toks) - 1))
    assert {t.text: t.tag for t in toks}["发布"] == "v"


# --- entity recognisers ------------------------------------------------------

def test_lexicon_finds_regulators_and_respects_word_boundaries():
    doc = make_doc("美国FDA与国家药监局均已受理。公司加强生产管理。", upto="lexicon")
    assert mentions(doc, ORG) == ["国家药监局", "美国FDA"]       # not 强生 inside 加强生产


@pytest.mark.parametrize("text, name", [
    ("据星辰生物首席执行官张伟明介绍，项目进展顺利。", "张伟明"),
    ("会上，市卫健委副主任刘红表示支持。", "刘红"),
    ("复旦大学附属华山医院神经外科主任医师王磊用数据说明了进展。", "王磊"),
    ("本次研究由周晓东教授团队完成。", "周晓东"),
    ("哈佛大学教授迈克尔·约翰逊发表了演讲。", "迈克尔·约翰逊"),
])
def test_person_names_come_from_titles_and_transliteration(text, name):
    doc = make_doc(text, upto="persons")
    assert name in mentions(doc, PER)


def test_person_names_in_a_list_with_a_known_person():
    doc = make_doc("院长陈立新、赵一鸣、孙海燕等专家出席。", upto="persons")
    assert {"陈立新", "赵一鸣", "孙海燕"} <= set(mentions(doc, PER))


def test_ordinary_words_are_not_names():
    doc = make_doc("公司表示，和平发展是共同目标。", upto="persons")
    assert mentions(doc, PER) == []


@pytest.mark.parametrize("name", ["华东理工大学", "上海市第六人民医院", "星辰生物", "苏州创启医疗器械有限公司",
                                  "国际肿瘤免疫学会"])
def test_organisations_by_suffix(name):
    doc = make_doc(f"据悉，{name}近日召开了会议。", upto="organizations")
    assert name in mentions(doc, ORG)


def test_generic_phrases_are_not_organisations():
    doc = make_doc("多家企业和研究中心参与其中，上海生物医药产业快速发展。", upto="organizations")
    assert mentions(doc, ORG) == []


def test_organisations_without_suffix_from_apposition_and_lists():
    doc = make_doc("云杉智药创始人林涛介绍。蓝鲸科技、云杉智药等本土企业参与签约。", upto="organizations")
    assert {"云杉智药", "蓝鲸科技"} <= set(mentions(doc, ORG))


@pytest.mark.parametrize("text, name", [
    ("该公司研发的奥莫替尼片已上市。", "奥莫替尼片"),
    ("新药瑞泽达单抗注射液进入临床。", "瑞泽达单抗注射液"),
    ("联影推出了产品“uCT Atlas”。", "uCT Atlas"),
    ("该系统名为SkyNav手术导航系统。", "SkyNav手术导航系统"),
])
def test_products(text, name):
    doc = make_doc(text, upto="products")
    assert name in mentions(doc, PRO)


def test_generic_technology_is_not_a_product():
    doc = make_doc("CAR-T疗法与ADC药物都在快速发展，PET/CT设备需求旺盛。", upto="products")
    assert mentions(doc, PRO) == []


@pytest.mark.parametrize("text, name", [
    ("市政府印发《关于促进生物医药产业高质量发展的若干意见》。", "关于促进生物医药产业高质量发展的若干意见"),
    ("《北京市医疗器械监督管理条例(草案)》进入审议。", "北京市医疗器械监督管理条例(草案)"),
    ("本市推进“春苗行动计划”。", "春苗行动计划"),
    ("试点医疗器械注册人制度成效明显。", "医疗器械注册人制度"),
])
def test_policies(text, name):
    doc = make_doc(text, upto="policies")
    assert name in mentions(doc, POL)


def test_reports_and_journals_are_not_policies():
    doc = make_doc("《2025年生物医药产业白皮书》发布，论文登上《自然》。", upto="policies")
    assert mentions(doc, POL) == []


@pytest.mark.parametrize("text, name", [
    ("2024长三角生物医药创新论坛在苏州举行。", "2024长三角生物医药创新论坛"),
    ("第五届中国医疗器械博览会开幕。", "第五届中国医疗器械博览会"),
    ("在脑科学前沿专题研讨会上，专家发言。", "脑科学前沿专题研讨会"),
])
def test_events(text, name):
    doc = make_doc(text, upto="events")
    assert name in mentions(doc, EVT)


def test_generic_event_parts_are_not_events():
    doc = make_doc("开幕式上，嘉宾致辞。本次会议圆满结束。", upto="events")
    assert mentions(doc, EVT) == []


# --- aliases and resolution -------------------------------------------------

def test_stated_short_forms_and_english_names_become_aliases():
    ents = entities("上海市质子重离子医院（以下简称“质子医院”）与德国海德堡大学（Heidelberg University）合作。"
                    "质子医院表示将扩大规模。")
    assert ents["上海市质子重离子医院"] == (ORG, ["质子医院"])
    assert ents["德国海德堡大学"][1] == ["Heidelberg University", "海德堡大学"] or \
        set(ents["德国海德堡大学"][1]) == {"Heidelberg University", "海德堡大学"}


def test_country_prefix_and_lexicon_identity_merge_forms():
    ents = entities("美国FDA批准了该药。FDA此前已受理。国家药品监督管理局（NMPA）也批准了。国家药监局表示欢迎。")
    assert set(ents["美国FDA"][1]) == {"FDA"}
    assert set(ents["国家药品监督管理局"][1]) == {"NMPA", "国家药监局"}


def test_distinct_long_names_sharing_a_short_form_stay_apart():
    ents = entities("星辰集团与星辰生物都发布了年报。星辰表示满意。")
    assert "星辰集团" in ents and "星辰生物" in ents
    assert "星辰" not in ents["星辰集团"][1] and "星辰" not in ents["星辰生物"][1]


def test_units_fold_into_their_organisation():
    ents = entities("科技部国际合作司司长王强出席。")
    assert ents["科技部"] == (ORG, ["科技部国际合作司"])


# --- relations ------------------------------------------------------------

def test_works_for_from_title_apposition_with_title_attribute():
    doc = make_doc("星辰生物高级副总裁、首席科学官张伟明介绍了进展。")
    (r,) = [r for r in doc.relations if r.type == RelationType.WORKS_FOR]
    assert (r.head, r.tail, r.attrs.title) == ("张伟明", "星辰生物", "高级副总裁")
    assert r.evidence == "星辰生物高级副总裁、首席科学官张伟明介绍了进展。"


def test_honours_are_not_works_for():
    assert relations("中国工程院院士陈立新出席。") == set()


def test_approved_and_develops():
    rels = relations("星辰生物自主研发的奥莫替尼片获得国家药品监督管理局批准上市。")
    assert ("星辰生物", "DEVELOPS", "奥莫替尼片") in rels
    assert ("国家药品监督管理局", "APPROVED", "奥莫替尼片") in rels


def test_partners_with_is_symmetric_and_listed_once():
    rels = relations("蓝鲸科技与星辰生物正式签署战略合作协议。")
    partner = [r for r in rels if r[1] == "PARTNERS_WITH"]
    assert len(partner) == 1 and {partner[0][0], partner[0][2]} == {"蓝鲸科技", "星辰生物"}


def test_spoke_at_needs_the_event_frame():
    rels = relations("在2025上海国际医疗器械论坛上，星辰生物首席执行官张伟明发表主旨演讲。")
    assert ("张伟明", "SPOKE_AT", "2025上海国际医疗器械论坛") in rels


def test_talking_to_a_reporter_is_not_spoke_at():
    rels = relations("2025上海国际医疗器械论坛期间，星辰生物首席执行官张伟明告诉记者，产品将上市。")
    assert not [r for r in rels if r[1] == "SPOKE_AT"]


def test_investment_round_with_amount():
    doc = make_doc("在星辰生物B轮融资中，蓝鲸资本领投2亿元人民币。")
    (r,) = [r for r in doc.relations if r.type == RelationType.INVESTS_IN]
    assert (r.head, r.tail) == ("蓝鲸资本", "星辰生物")
    assert (r.attrs.amount, r.attrs.currency) == (2e8, "CNY")


def test_founding_a_fund_is_investment_and_co_founders_partner():
    rels = relations("蓝鲸资本与星辰生物联合发起设立星辰创新基金。")
    assert ("蓝鲸资本", "INVESTS_IN", "星辰创新基金") in rels and ("星辰生物", "INVESTS_IN", "星辰创新基金") in rels
    assert any(r[1] == "PARTNERS_WITH" for r in rels)


def test_issues_policy():
    rels = relations("上海市人民政府印发《关于促进生物医药产业高质量发展的若干意见》。")
    assert ("上海市人民政府", "ISSUES", "关于促进生物医药产业高质量发展的若干意见") in rels


# --- attributes -------------------------------------------------------------

@pytest.mark.parametrize("text, value, currency", [
    ("总投资约11亿元人民币", 1.1e9, "CNY"),
    ("融资1000万美元", 1e7, "USD"),
    ("投入6.2亿元", 6.2e8, "CNY"),
])
def test_amounts_are_normalised(text, value, currency):
    got = attributes.find_amount(text)
    assert got[0] == pytest.approx(value) and got[1] == currency


@pytest.mark.parametrize("text, expected", [
    ("去年7月16日，论文发表", "2024-07-16"),
    ("上月8日，项目开工", "2025-09-08"),
    ("今年完成", "2025"),
    ("2023年6月获批", "2023-06"),
])
def test_relative_dates_resolve_against_the_article_date(text, expected):
    assert attributes.find_date(text, "2025-10-18") == expected


def test_name_length_follows_the_next_word():
    assert persons.name_at("李明华介绍", 0) == 3
    assert persons.name_at("陆雯用数据", 0) == 2
    assert persons.name_at("杜冰、刘明", 0) == 2


def test_on_disk_and_in_memory_dictionaries_cut_alike():
    text = "联影医疗高级副总裁、首席技术官李弘棣介绍，uMR Ultra获得国家药品监督管理局批准上市。"
    light, light_tags = vocab_module._light()
    full, full_tags = vocab_module._full(), vocab_module.tag_table()
    assert [(w, light_tags.get(w)) for w in light.cut(text)] == [(w, full_tags.get(w)) for w in full.cut(text)]


def test_lead_and_follow_investors_of_a_round():
    rels = relations("云帆医疗完成5亿元B轮融资，由北辰资本领投，远山创投跟投。")
    assert {r for r in rels if r[1] == "INVESTS_IN"} == {
        ("北辰资本", "INVESTS_IN", "云帆医疗"), ("远山创投", "INVESTS_IN", "云帆医疗")}


def test_an_ending_glued_to_a_title_still_ends_the_name():
    ents = entities("复旦大学附属中山医院院长樊嘉教授出席。")
    assert "复旦大学附属中山医院" in ents


def test_a_brand_and_its_generic_name_in_brackets_are_one_product():
    ents = entities("百济神州自主研发的BTK抑制剂百悦泽®（泽布替尼胶囊）获批。")
    assert ents["泽布替尼胶囊"] == (PRO, ["百悦泽"]) or ents.get("百悦泽") == (PRO, ["泽布替尼胶囊"])


def test_adjacent_inn_stems_make_one_drug_name_and_class_prefixes_go():
    doc = make_doc("新药1类创新药瑞维鲁胺片与特瑞普利单抗获批。", upto="products")
    assert {"瑞维鲁胺片", "特瑞普利单抗"} <= set(mentions(doc, PRO))
