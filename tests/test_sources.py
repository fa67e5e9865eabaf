"""Reading article sources: formats sniffed from content, ids, titles, dates, bad input."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.clean import clean_article
from kg.errors import SourceError
from kg.model import Extraction
from kg.sources import decode, find_date, parse_date, read

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def read_all(paths):
    problems = []
    items = list(read([str(p) for p in paths], on_error=problems.append))
    return items, problems


def test_seeds_give_56_articles_and_report_the_empty_one():
    items, problems = read_all([SEEDS])
    assert len(items) == 56
    assert [str(p) for p in problems] == [
        f"{SEEDS}/001_e9e33704546ddb5a.txt:41 (id 2650187712_1): empty article, skipped"]
    assert all(p.warning for p in problems)


def test_export_ids_and_file_stems_are_the_article_ids():
    items, _ = read_all([SEEDS])
    ids = [a.id for a in items]
    assert ids[0] == "000_6ad172b1da2a758b"
    assert "2650190700_1" in ids and "004_7fc48dc5be17505f" in ids
    assert len(set(ids)) == len(ids)


def test_wechat_export_fields_are_mapped():
    items, _ = read_all([SEEDS / "001_e9e33704546ddb5a.txt"])
    first = items[0]
    assert first.id == "2650190717_1"
    assert first.title == "一张图，带你了解党的二十届四中全会"
    assert first.date == "2025-10-20"
    assert first.source == "上海科技"
    assert first.url.startswith("http://mp.weixin.qq.com/")
    assert first.record == 0


@pytest.mark.parametrize("stem, title, date", [
    ("000_6ad172b1da2a758b", "上海生物医药如何突围全球抗癌主赛道", None),
    ("002_4f0c1d9f4ef4fb55", "争夺“关键变量”，上海搭建医学创新“超级跑道”", "2025-11-19"),
    ("003_998bc4114cecbfa7", "行业动态丨阿斯利康全球CEO发声:大量细胞疗法技术在中国涌现，并取得国际领先!",
     "2025-04-07"),
    ("004_7fc48dc5be17505f", "张江科学城再添全球生物医药产业重磅项目", "2026-03-20"),
])
def test_plain_text_seed_titles_and_dates(stem, title, date):
    (article,), _ = read_all([SEEDS / f"{stem}.txt"])
    clean_article(article)
    assert (article.id, article.title, article.date) == (stem, title, date)


@pytest.mark.parametrize("text, expected", [
    ("日期:2025-11-19 【 来源 : 新民周刊 】", "2025-11-19"),
    ("作者: 中启源\n发布于: 2025-04-07 14:39\n阅读: 8", "2025-04-07"),
    ("2026-03-20 14:41:59张江科学城再添全球生物医药产业重磅项目。", "2026-03-20"),
    ("发布时间：2024年3月5日 10:00", "2024-03-05"),
    ("没有日期的正文。", None),
])
def test_dates_announced_in_the_text(text, expected):
    assert find_date(text) == expected


def test_record_dates_are_normalised():
    assert parse_date("2025/10/19 08:00") == "2025-10-19"
    assert parse_date("2025年1月2日") == "2025-01-02"
    assert parse_date("not a date") is None


def test_json_lines_with_plain_keys(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(
        json.dumps({"id": "a1", "title": "标题一", "text": "联影医疗发布新品。", "date": "2025-01-02"},
                   ensure_ascii=False) + "\n\n"
        + json.dumps({"id": "a2", "title": "标题二", "text": "正文二。", "source": "新民周刊"},
                     ensure_ascii=False) + "\n", encoding="utf-8")
    items, problems = read_all([path])
    assert [(a.id, a.title, a.date, a.source) for a in items] == [
        ("a1", "标题一", "2025-01-02", None), ("a2", "标题二", None, "新民周刊")]
    assert problems == []


def test_json_lines_end_at_newlines_only(tmp_path):
    """JSON keeps U+2028, U+0085 and form feeds inside strings as they are: not line ends."""
    f = tmp_path / "w.jsonl"
    f.write_text("".join(json.dumps({"title": f"t{i}", "text": f"甲\u2028乙\x85丙\x0c丁{i}"}, ensure_ascii=False) + "\n"
                         for i in range(3)), encoding="utf-8")
    articles = list(read([str(f)]))
    assert [(a.id, a.record, a.text) for a in articles] == [(f"w#{i + 1}", i + 1, f"甲\u2028乙\x85丙\x0c丁{i}")
                                                             for i in range(3)]


def test_kg_extract_output_is_read_back_as_extractions(tmp_path):
    record = {"doc_id": "x", "title": "t", "date": None, "source": None, "url": None, "sha256": "0" * 64,
              "entities": [{"name": "联影医疗", "type": "Organization", "aliases": [], "mentions": []}],
              "relations": []}
    path = tmp_path / "extracted.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    (item,), _ = read_all([path])
    assert isinstance(item, Extraction) and item.entities[0].name == "联影医疗"


def test_directories_are_read_recursively_and_hidden_files_skipped(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("第二篇文章的标题\n正文。", encoding="utf-8")
    (tmp_path / "a.txt").write_text("第一篇文章的标题\n正文。", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("不读\n", encoding="utf-8")
    items, _ = read_all([tmp_path])
    assert [a.id for a in items] == ["a", "sub/b"]       # ids are paths under the folder given


def test_gb18030_and_bom_files_are_decoded(tmp_path):
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("国家药品监督管理局批准上市\n正文。".encode("gb18030"))
    bom = tmp_path / "bom.txt"
    bom.write_bytes("\ufeff联影医疗新闻标题\n正文。".encode("utf-8"))
    items, problems = read_all([gbk, bom])
    assert problems == []
    assert items[0].text.startswith("国家药品监督管理局")
    assert items[1].text.startswith("联影医疗")


def test_html_pages_are_reduced_to_their_main_text(tmp_path):
    body = "".join(f"<p>第{i}段：联影医疗自主研发的uMR Ultra获得国家药品监督管理局批准上市，这是重要进展。</p>"
                   for i in range(6))
    page = (f"<!DOCTYPE html><html><head><title>联影医疗新品获批</title></head><body>"
            f"<nav><a href='/'>首页</a> &gt; <a href='/news'>新闻</a></nav>"
            f"<article><h1>联影医疗新品获批</h1>{body}</article>"
            f"<footer>版权所有 © 2025 某网站 联系我们</footer></body></html>")
    path = tmp_path / "page.data"
    path.write_text(page, encoding="utf-8")
    (article,), problems = read_all([path])
    assert problems == []
    assert article.id == "page" and article.title == "联影医疗新品获批"
    assert "uMR Ultra" in article.text and "版权所有" not in article.text and "首页" not in article.text


def test_binary_files_are_refused():
    with pytest.raises(SourceError, match="binary file"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "img.png")


@pytest.mark.parametrize("name, content, message", [
    ("binary.txt", b"\x00\x01\x02\x03" * 50, "binary file, not text"),
    ("broken.json", b'[{"id": "1", "text": "x"', "invalid JSON"),
    ("empty.txt", b"", "empty file"),
    ("notext.json", '[{"id": "r1", "title": "无正文"}]'.encode(), "(id r1): record has no text field"),
])
def test_bad_inputs_give_one_line_and_the_good_articles_still_come(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("一篇好文章的标题\n国家药品监督管理局批准了新药。", encoding="utf-8")
    items, problems = read_all([tmp_path])
    assert [a.id for a in items] == ["good"]
    assert len(problems) == 1 and name in str(problems[0]) and message in str(problems[0])


def test_missing_and_unreadable_paths_are_reported(tmp_path):
    link = tmp_path / "dangling.txt"
    link.symlink_to(tmp_path / "nowhere.txt")
    _, problems = read_all([tmp_path / "missing.txt", link])
    assert [p.problem for p in problems] == ["no such file or directory", "no such file or directory"]


def test_cli_reads_stdin_and_reports_bad_input_with_exit_status(tmp_path):
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["extract", "-", str(tmp_path / "bad.json"), "-w", "1"],
                           input="联影医疗发布新品\n联影医疗高级副总裁、首席技术官李弘棣介绍了新品。")
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert doc["doc_id"] == "stdin"
    assert {"李弘棣", "联影医疗"} <= {e["name"] for e in doc["entities"]}
    assert result.stderr.strip() == f"kg: error: {tmp_path / 'bad.json'}: invalid JSON at line 1 column 2: " \
                                    "Expecting property name enclosed in double quotes"


def test_extraction_locates_mentions_and_evidence_in_the_raw_text():
    from kg.extraction.extractor import extract
    raw = "您现在的位置:首页 > 正文\r\n联影医疗新品\r\n联影医疗高级副总裁、首席技术官李弘 棣介绍了新品。"
    (article,) = list(read_bytes_helper(raw))
    ex = extract(article)
    person = next(e for e in ex.entities if e.name == "李弘棣")
    m = person.mentions[0]
    assert raw[m.raw_start:m.raw_end] == "李弘 棣"
    rel = next(r for r in ex.relations if r.head == "李弘棣")
    assert raw[rel.raw_start:rel.raw_end] == "联影医疗高级副总裁、首席技术官李弘 棣介绍了新品。"


def read_bytes_helper(raw: str):
    from kg.sources import read_bytes
    return read_bytes(raw.encode("utf-8"), "mem.txt", "mem", lambda e: None)
