"""Cleaning rules, each alone, and on the real seed files."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg import clean
from kg.clean import Text, clean_article, clean_text
from kg.sources import read

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed(stem: str):
    (article,) = list(read([str(SEEDS / f"{stem}.txt")]))
    return article, clean_article(article)


def apply(rule, raw: str) -> str:
    return rule(Text.of(raw)).s


def test_newlines_and_widths_are_normalised():
    assert apply(clean.normalise_newlines, "a\r\nb\rc") == "a\nb\nc"
    assert apply(clean.normalise_width, "ＦＤＡ批准１２３号") == "FDA批准123号"
    assert apply(clean.normalise_width, "（中国），。") == "（中国），。"       # Chinese punctuation stays


def test_whitespace_runs_collapse_and_lines_are_stripped():
    assert apply(clean.collapse_spaces, "  联影  医疗 \t发布\u3000新品  \n  第二行 ") == "联影 医疗 发布 新品\n第二行"


def test_spaces_inside_chinese_are_removed_but_not_around_latin():
    assert apply(clean.join_cjk_spaces, "第一三 共(中国)投资") == "第一三共(中国)投资"
    assert apply(clean.join_cjk_spaces, "uMR Ultra 搭载 uAIFI.LIVE 成像平台") == "uMR Ultra 搭载 uAIFI.LIVE 成像平台"


def test_ascii_commas_beside_chinese_become_chinese_ones_and_offsets_hold():
    text = clean.widen_cjk_punctuation(Text.of("半年之后,随着公告,银河基金;融资1,000万元; A, B and C."))
    assert text.s == "半年之后，随着公告，银河基金；融资1,000万元; A, B and C."
    assert list(text.pos) == list(range(len(text.s)))       # one character for one: offsets unchanged


@pytest.mark.parametrize("line", [
    "您现在的位置:首页 封面 > 正文", "编辑推荐", "精彩图文", "点击蓝字 关注我们", "↓分享", "↓点赞", "↓在看",
    "阅读: 8", "作者: 中启源", "编辑：蓝悦", "来源：央视新闻", "■ 位于张江的医药企业 本报记者 陶磊 摄",
    "长按识别二维码关注", "本篇文章来源于微信公众号:中启源生物科技", "俱乐部专区 / CLUB EVENT",
])
def test_page_furniture_lines_are_dropped(line):
    assert clean.is_furniture(line)


@pytest.mark.parametrize("line", [
    "上海临转院董事长王兴鹏表示，将继续推进临床研究。",
    "记者了解到，作为中国生物医药产业的“标杆区域”，浦东已形成完整的产业链条。",
    "阅读提示:上海临转院以一套组合拳试图系统性地疏通堵点。",
    "来源于实验室的成果正在加速转化。",
])
def test_real_sentences_are_not_furniture(line):
    assert not clean.is_furniture(line)


def test_spam_lines_go_and_sentences_with_one_weak_term_stay():
    text = ("<黑料吃瓜:聚焦事件背后故事:多维度深度剖析热议话题>\n{随机干扰码}{随机干扰码}\n"
            "涩涩屋官方版:探秘私享乐园:高品质官方应用下载指引\n"
            "体育彩票公益金支持了社区医院的建设。\n"
            "联影医疗发布新品。")
    assert apply(clean.drop_spam, text) == "体育彩票公益金支持了社区医院的建设。\n联影医疗发布新品。"


def test_repeated_paragraphs_are_kept_once():
    text = "第一段很长的正文内容。\n短\n第二段很长的正文内容。\n第一段很长的正文内容。\n短"
    assert apply(clean.drop_repeated_paragraphs, text) == "第一段很长的正文内容。\n短\n第二段很长的正文内容。\n短"


def test_glued_timestamps_are_removed():
    assert apply(clean.split_glued_timestamps, "2026-03-20 14:41:59张江科学城再添项目") == "张江科学城再添项目"


def test_broken_ocr_lines_are_joined_but_headings_keep_their_breaks():
    text = ("2019年12月,美国阿斯利康与日本第一三共公司联合开发的药物获批,开启了ADC药物研发与产业化的\n\n热潮。在这一全球竞争的核心赛道上,上海凭借完善的产业基础吸引目光。\n\n"
            "精确\"出击\" 竞速细胞疗法新赛道\n\n在癌症治疗领域,免疫细胞疗法正以颠覆性姿态改写规则。")
    out = apply(clean.repair_broken_lines, text)
    assert "产业化的热潮。" in out
    assert "新赛道\n\n在癌症治疗领域" in out


def test_offsets_map_clean_text_back_to_the_raw_text():
    raw = "您现在的位置:首页 > 正文\r\n第一三 共(中国)投资有限公司\r\n正式宣布开工。"
    text = clean_text(raw)
    i = text.s.index("第一三共")
    start, end = text.pos[i], text.pos[i + len("第一三共(中国)投资有限公司") - 1] + 1
    assert raw[start:end] == "第一三 共(中国)投资有限公司"


def test_seed_004_holds_its_body_once_and_no_spam():
    _, doc = seed("004_7fc48dc5be17505f")
    assert doc.text.count("3月19日，阿斯利康正式宣布在此建设细胞疗法创新中心") == 1
    assert doc.text.count("外资深耕浦东的进阶之路") == 1
    for spam in ("黑料", "吃瓜", "涩涩", "随机干扰码", "官方版", "以用户为中心", "14:41:59"):
        assert spam not in doc.text
    assert doc.text.rstrip().endswith("成为全球生物医药创新的重要“价值洼地”。")


def test_seed_002_has_no_navigation_or_footer():
    _, doc = seed("002_4f0c1d9f4ef4fb55")
    for furniture in ("您现在的位置", "编辑推荐", "精彩图文", "俱乐部专区", "阅读数", "CLUB EVENT"):
        assert furniture not in doc.text
    assert doc.text.startswith("争夺“关键变量”，上海搭建医学创新“超级跑道”")
    assert "上海临转院董事长王兴鹏表示" in doc.text


def test_seed_000_ocr_breaks_are_repaired():
    _, doc = seed("000_6ad172b1da2a758b")
    assert "第一三共(中国)投资有限公司正式宣布" in doc.text
    assert "ADC药物研发与产业化的热潮。在这一全球竞争的核心赛道上" in doc.text
    assert "英矽智能、迈威生物与上海皓元" in doc.text
    assert "本报记者" not in doc.text
    assert "精确\"出击\" 竞速细胞疗法新赛道\n\n在癌症治疗领域" in doc.text     # a real heading survives


def test_seed_003_calls_to_action_are_gone():
    _, doc = seed("003_998bc4114cecbfa7")
    for furniture in ("点击蓝字", "关注我们", "发布于", "阅读: 8", "本篇文章来源于", "分享"):
        assert furniture not in doc.text


def test_links_and_photo_credits_are_not_prose():
    assert apply(clean.drop_urls, "设备获批上市。 详见：http://s.mrw.so/bLVW2 下一条") == "设备获批上市。  下一条"
    assert apply(clean.strip_photo_credits, "工作人员展示芯片。王翔 摄\n安清公司遇到难题。") == \
        "工作人员展示芯片。\n安清公司遇到难题。"
