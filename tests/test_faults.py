"""What a hostile input or a damaged store does to kg (issue 10, cases 2-9), on both stores where
it applies: a one-line error naming the file, record and field, exit status 1, the other articles
loaded, and a graph identical to a clean load of the good articles.  Case 1 (the README's install
command) is tests/test_install.py; case 6 (big articles) is here for correctness and in
benchmarks/big_article.py for time and memory."""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, child_env, dump, wipe
from kg import api
from kg.errors import KgError
from kg.store.falkor_store import FalkorStore

NINES = "9" * 320


def kg(*args, env=None, cwd=None, timeout=300, user=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], env=env, cwd=cwd, text=True,
                          capture_output=True, timeout=timeout, user=user, stdin=subprocess.DEVNULL)


def jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def errors_of(lines: str) -> list[str]:
    return [line for line in lines.splitlines() if line.startswith(("kg: error:", "Error:"))]


@pytest.fixture(scope="module")
def records(seed_extractions) -> list[dict]:
    """Ten seed extractions as `kg extract` JSONL records."""
    return [ex.to_json() for ex in seed_extractions[:10]]


def loaded_alone(store, path: Path) -> dict:
    """The graph a clean load of the file at `path` gives (in `store`, which is wiped first)."""
    wipe(store)
    problems = []
    api.load([str(path)], store, on_error=problems.append)
    assert problems == []
    return dump(store)


# -- 2. a bad record is rejected whole, before anything is written ---------------------------------

MUTATIONS = {
    "title is a map": (lambda r: r.update(title={"zh": "标题"}), "title: expected a string, got dict"),
    "entity name is a number": (lambda r: r["entities"][0].update(name=42),
                                "entities[0].name: expected a string, got int"),
    "amount is text": (lambda r: r["relations"][0].setdefault("attrs", {}).update(amount="lots"),
                       "relations[0].attrs.amount: expected a finite number, got the string 'lots'"),
    "aliases is a string": (lambda r: r["entities"][0].update(aliases="abc"),
                            "entities[0].aliases: expected a list of strings, got the string 'abc'"),
    "unknown type": (lambda r: r["entities"][0].update(type="Company"), "entities[0].type: 'Company' is not one of"),
}


@pytest.mark.parametrize("case", MUTATIONS)
def test_a_malformed_extraction_record_is_rejected_and_the_others_load(any_store, records, tmp_path, case):
    mutate, message = MUTATIONS[case]
    bad = copy.deepcopy(records)
    victim = next(i for i, r in enumerate(bad) if r["relations"])
    mutate(bad[victim])
    path = jsonl(tmp_path / "in.jsonl", bad)
    for _ in range(2):                      # a re-run writes nothing twice and says it again
        problems = []
        report = api.load([str(path)], any_store, on_error=problems.append)
        assert [str(p) for p in problems] == [f"{path}:{victim + 1}: malformed kg extract record: {message}"
                                              + str(problems[0]).split(message, 1)[1]]
        assert report.articles_rejected == 1
    got = dump(any_store)
    assert got == loaded_alone(any_store, jsonl(tmp_path / "good.jsonl",
                                                [r for i, r in enumerate(records) if i != victim]))


def test_the_cli_names_the_bad_record_and_exits_1(request, records, tmp_path):
    bad = copy.deepcopy(records[:3])
    bad[1]["title"] = {"zh": "标题"}
    store = tmp_path / "store"
    run = kg("load", jsonl(tmp_path / "in.jsonl", bad), "--store", store, "-w", "1")
    assert run.returncode == 1
    assert errors_of(run.stderr) == [f"kg: error: {tmp_path / 'in.jsonl'}:2: malformed kg extract record: "
                                     "title: expected a string, got dict"]
    assert "articles: 2 new, 0 changed, 0 unchanged, 1 rejected" in run.stdout


class RefusingStore:
    """A real store that refuses (WriteFailed) any batch holding article `bad`, as a store refuses a
    value it cannot take: to see the loader isolate that article and keep the graph whole."""

    def __init__(self, store, bad: str):
        self.store, self.bad = store, bad

    def __getattr__(self, name):
        return getattr(self.store, name)

    def execute(self, statements):
        from kg.errors import WriteFailed
        if any(isinstance(p, dict) and any(isinstance(row, dict) and row.get("id") == self.bad
                                           for row in p.get("rows", ())) for _, p in statements):
            raise WriteFailed(f"{self.store.uri}: refused a value of {self.bad}")
        return self.store.execute(statements)


def test_a_batch_the_store_refuses_is_split_and_only_the_bad_article_is_left_out(any_store, seed_extractions):
    from kg.store.load import load
    problems = []
    bad = seed_extractions[3].doc_id
    report = load(RefusingStore(any_store, bad), seed_extractions[:8], batch_size=5, on_error=problems.append)
    assert [str(p) for p in problems] == [f"{seed_extractions[3].where}: article {bad!r} not loaded: "
                                          f"{any_store.uri}: refused a value of {bad}"]
    assert (report.articles_new, report.articles_rejected) == (7, 1)
    got = dump(any_store)
    wipe(any_store)
    load(any_store, [ex for ex in seed_extractions[:8] if ex.doc_id != bad])
    assert got == dump(any_store)


# -- 3. article ids ---------------------------------------------------------------------------------

def write_article(path: Path, title: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n上海联影医疗科技股份有限公司宣布新品获批。联影医疗首席技术官李明华介绍了新品。",
                    encoding="utf-8")
    return path


def test_files_of_one_name_in_two_folders_are_two_articles(tmp_path):
    write_article(tmp_path / "site" / "a" / "index.html.txt", "第一篇文章的标题")
    write_article(tmp_path / "site" / "b" / "index.html.txt", "第二篇文章的标题")
    ids = [ex.doc_id for ex in api.extract([str(tmp_path / "site")])]
    assert ids == ["a/index.html", "b/index.html"]


def test_two_articles_with_one_id_are_an_error_naming_both_places(tmp_path):
    a = write_article(tmp_path / "a" / "news.txt", "第一篇文章的标题")
    b = write_article(tmp_path / "b" / "news.txt", "第二篇文章的标题")
    run = kg("extract", a, b, "-w", "1")
    assert run.returncode == 1
    assert errors_of(run.stderr) == [f"kg: error: {b}: duplicate article id 'news', first read at {a}; "
                                     "this copy is skipped (give each article its own id)"]
    assert [json.loads(line)["title"] for line in run.stdout.splitlines()] == ["第一篇文章的标题"]
    export = tmp_path / "export.json"
    export.write_text(json.dumps([{"id": "x1", "text": "甲。"}, {"id": "x1", "text": "乙。"}], ensure_ascii=False),
                      encoding="utf-8")
    run = kg("extract", export, "-w", "1")
    assert errors_of(run.stderr) == [f"kg: error: {export}:1: duplicate article id 'x1', first read at "
                                     f"{export}:0; this copy is skipped (give each article its own id)"]


# -- 4. a runaway read -----------------------------------------------------------------------------

def test_a_runaway_query_times_out_in_one_line_and_the_store_answers_right_after(request, any_store, tmp_path):
    any_store.run("UNWIND range(1, 3000) AS i CREATE (:T {v: i})", write=True)
    env = child_env(request, any_store.uri)
    run = kg("query", "--timeout", "2", "-e", "MATCH (a), (b), (c) WHERE a.v + b.v + c.v < 0 RETURN count(*)",
             "--store", any_store.uri, env=env, timeout=120)
    assert run.returncode == 1
    assert len(run.stderr.strip().splitlines()) == 1
    assert "ran past its limit of 2 s and was stopped (kg query --timeout SECONDS)" in run.stderr
    status = kg("status", "--store", any_store.uri, env=env, timeout=60)
    assert status.returncode == 0, status.stderr


# -- 5. amounts beyond any number ------------------------------------------------------------------

def test_an_amount_of_320_nines_is_not_an_amount_and_the_article_loads(any_store, tmp_path):
    text = f"融资快讯\n星辰生物宣布完成{NINES}亿元B轮融资，由高瓴资本领投。"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (extraction,) = api.extract([str(tmp_path / "a.txt")])
    json.dumps(extraction.to_json(), allow_nan=False)              # valid JSON, no Infinity
    assert all(r.attrs.amount is None for r in extraction.relations)
    report = api.load([str(tmp_path / "a.txt")], any_store)
    assert report.articles_new == 1 and report.articles_rejected == 0


def test_a_record_with_an_infinite_amount_is_rejected_naming_the_field(records, tmp_path):
    bad = copy.deepcopy(records[:3])
    victim = next(i for i, r in enumerate(bad) if r["relations"])
    text = jsonl(tmp_path / "in.jsonl", bad).read_text(encoding="utf-8").splitlines()
    record = json.loads(text[victim])
    record["relations"][0].setdefault("attrs", {})["amount"] = 1e308
    text[victim] = json.dumps(record, ensure_ascii=False).replace("1e+308", "1e999")   # parses to inf
    (tmp_path / "in.jsonl").write_text("\n".join(text) + "\n", encoding="utf-8")
    problems = []
    got = list(api.extract([str(tmp_path / "in.jsonl")], on_error=problems.append))
    assert [str(p) for p in problems] == [f"{tmp_path / 'in.jsonl'}:{victim + 1}: malformed kg extract record: "
                                          "relations[0].attrs.amount: expected a finite number, got inf"]
    assert len(got) == 2


# -- 6. a big article is cut into windows, offsets still right --------------------------------------

def test_an_article_longer_than_a_window_keeps_its_offsets_and_entities(tmp_path):
    from kg.extraction import windows
    paragraph = "联影医疗高级副总裁、首席技术官李明华介绍了第{}款新品。上海市药品监督管理局批准该产品上市。\n"
    text = "大文章的标题\n" + "".join(paragraph.format(i) for i in range(2 * windows.WINDOW // len(paragraph) + 5))
    (tmp_path / "big.txt").write_text(text, encoding="utf-8")
    (ex,) = api.extract([str(tmp_path / "big.txt")])
    person = next(e for e in ex.entities if e.name == "李明华")
    assert len(person.mentions) == text.count("李明华")
    assert all(text[m.raw_start:m.raw_end] == "李明华" for m in person.mentions)
    assert {(r.head, str(r.type), r.tail) for r in ex.relations} >= {("李明华", "WORKS_FOR", "联影医疗")}
    assert len(ex.sentences) == text.count("。") + 1


# -- 7. a damaged embedded store is refused in one line, and kg repair keeps what it holds ---------

@pytest.fixture
def loaded_store(tmp_path, records) -> Path:
    path = tmp_path / "store"
    run = kg("load", jsonl(tmp_path / "in.jsonl", records), "--store", path, "--batch-size", "3")
    assert run.returncode == 0, run.stderr
    return path


def test_a_store_cut_in_half_is_refused_and_repaired(loaded_store, records, tmp_path):
    aof = max((loaded_store / "appendonlydir").glob("*.incr.aof"))
    aof.write_bytes(aof.read_bytes()[: aof.stat().st_size // 2])
    run = kg("status", "--store", loaded_store)
    assert run.returncode == 1 and len(run.stderr.strip().splitlines()) == 1
    assert "the store is damaged: it holds" in run.stderr and "kg repair --store" in run.stderr
    assert kg("repair", "--store", loaded_store).returncode == 0
    assert kg("status", "--store", loaded_store).returncode == 0
    again = kg("load", tmp_path / "in.jsonl", "--store", loaded_store)     # writes what was lost
    assert again.returncode == 0 and " new," in again.stdout
    with FalkorStore(loaded_store) as store:
        assert store.run("MATCH (a:Article) WHERE a.sha256 IS NOT NULL RETURN count(a) AS n")[0]["n"] == 10


def test_a_store_without_its_manifest_is_refused_not_emptied(loaded_store):
    (loaded_store / "appendonlydir" / "appendonly.aof.manifest").unlink()
    run = kg("status", "--store", loaded_store)
    assert run.returncode == 1
    assert "appendonly.aof.manifest is missing, so the data files beside it would be ignored" in run.stderr
    assert kg("repair", "--store", loaded_store).returncode == 0
    status = kg("status", "--store", loaded_store, "--format", "json")
    assert json.loads(status.stdout)[0]["nodes"]["Article"] == 10


def test_an_empty_base_file_is_refused_in_one_line(loaded_store):
    with FalkorStore(loaded_store) as store:                        # make the data live in the base file
        store._client.execute_command("BGREWRITEAOF")
        import time
        deadline = time.monotonic() + 30
        while store._client.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < deadline:
            time.sleep(0.1)
    base = next((loaded_store / "appendonlydir").glob("*.base.rdb"))
    base.write_bytes(b"")
    run = kg("status", "--store", loaded_store)
    assert run.returncode == 1 and len(run.stderr.strip().splitlines()) == 1
    assert "its base data file, is empty" in run.stderr


def test_read_only_commands_refuse_a_path_that_holds_no_store(tmp_path):
    run = kg("status", "--store", tmp_path / "typo")
    assert run.returncode == 1
    assert run.stderr.strip() == f"Error: {tmp_path / 'typo'}: no kg store here (kg load makes one; --store " \
                                 "or KG_STORE names another)"
    assert not (tmp_path / "typo").exists()


# -- 8. odd files where the store keeps its own give one line, not a traceback ---------------------

@pytest.mark.parametrize("name", ["redis.sock", "users.lock", "write.lock"])
def test_a_directory_where_the_store_keeps_a_file_is_one_line(loaded_store, tmp_path, name):
    shutil.rmtree(loaded_store / name, ignore_errors=True)
    (loaded_store / name).unlink(missing_ok=True)
    (loaded_store / name).mkdir()
    write_article(tmp_path / "more" / "x.txt", "另一篇文章的标题")
    run = kg("load", tmp_path / "more", "--store", loaded_store)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) <= 2, run.stderr        # "Loading into …" may come first
    assert name in run.stderr


def test_a_store_path_that_is_a_file_is_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    run = kg("status", "--store", tmp_path / "file")
    assert run.returncode == 1 and run.stderr.strip() == f"Error: {tmp_path / 'file'}: is a file, not a store directory"


def without_file_permission_override():
    """preexec_fn: drop root's power to ignore file permissions (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH, from the bounding set so that exec keeps them dropped), so that a
    read-only or unreadable folder is what it is for this child, as for any user."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:          # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def kg_limited(*args, cwd=None) -> subprocess.CompletedProcess:
    """kg as a process that file permissions apply to (root or not)."""
    if os.geteuid() != 0:
        return kg(*args, cwd=cwd)
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], cwd=cwd, text=True, capture_output=True,
                          timeout=300, stdin=subprocess.DEVNULL, preexec_fn=without_file_permission_override)


def test_a_read_only_store_directory_is_one_line(loaded_store):
    loaded_store.chmod(0o555)
    try:
        run = kg_limited("status", "--store", loaded_store)
    finally:
        loaded_store.chmod(0o755)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert run.stderr.startswith(f"Error: {loaded_store}: cannot use the store: Permission denied")


def test_a_parameter_name_with_a_backtick_is_one_line(loaded_store):
    run = kg("query", "search", "-p", "te`xt=联影", "--store", loaded_store)
    assert run.returncode == 2 or run.returncode == 1
    assert run.stderr.strip() == "Error: parameter 'te`xt=联影': expected name=text or name:=json, with a name " \
                                 "of letters, digits and _ (not starting with a digit)"


# -- 9. smaller ones --------------------------------------------------------------------------------

def test_a_changed_date_or_url_with_the_same_text_is_a_change(any_store, tmp_path):
    record = {"id": "m1", "title": "标题", "date": "2025-01-02", "url": "https://a.example/1",
              "text": "上海联影医疗科技股份有限公司宣布新品获批。"}
    path = tmp_path / "a.json"
    path.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    assert api.load([str(path)], any_store).articles_new == 1
    for field, value in (("date", "2025-01-03"), ("url", "https://a.example/2")):
        record[field] = value
        path.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
        assert api.load([str(path)], any_store).articles_changed == 1
    row = any_store.run("MATCH (a:Article {id: 'm1'}) RETURN a.date AS date, a.url AS url")[0]
    assert row == {"date": "2025-01-03", "url": "https://a.example/2"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_text_with_a_bom_is_read(tmp_path, encoding):
    text = "一篇用其他编码保存的文章\n上海联影医疗科技股份有限公司宣布新品获批。"
    data = text.encode(encoding)
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = ("\ufeff" + text).encode(encoding)
    (tmp_path / "a.txt").write_bytes(data)
    (ex,) = api.extract([str(tmp_path / "a.txt")])
    assert ex.title == "一篇用其他编码保存的文章"


def test_an_unreadable_folder_is_reported_and_fails_the_run(tmp_path):
    write_article(tmp_path / "in" / "ok" / "a.txt", "能读的文章标题")
    write_article(tmp_path / "in" / "closed" / "b.txt", "读不到的文章标题")
    (tmp_path / "in" / "closed").chmod(0o000)
    try:
        run = kg_limited("extract", tmp_path / "in", "-w", "1")
    finally:
        (tmp_path / "in" / "closed").chmod(0o755)
    assert run.returncode == 1
    assert errors_of(run.stderr) == [f"kg: error: {tmp_path / 'in' / 'closed'}: cannot read folder: Permission denied"]
    assert [json.loads(line)["doc_id"] for line in run.stdout.splitlines()] == ["ok/a"]


def test_a_json_array_cut_short_keeps_its_complete_records(tmp_path):
    records = [{"id": f"r{i}", "title": f"第{i}篇", "text": "上海联影医疗科技股份有限公司宣布新品获批。"} for i in range(3)]
    full = json.dumps(records, ensure_ascii=False)
    (tmp_path / "cut.json").write_text(full[: full.rindex('{"id": "r2"') + 12], encoding="utf-8")
    problems = []
    got = [ex.doc_id for ex in api.extract([str(tmp_path / "cut.json")], on_error=problems.append)]
    assert got == ["r0", "r1"]
    (problem,) = problems
    assert "at at" not in str(problem) and "the array breaks after 2 complete records, which are read" in str(problem)


def test_a_number_like_parameter_is_text_and_json_needs_colon_equals(loaded_store, tmp_path):
    from kg.query import parse_params
    assert parse_params(["text=999", "n:=10", "names:=[\"a\"]"]) == {"text": "999", "n": 10, "names": ["a"]}
    run = kg("query", "search", "-p", "text=999", "--store", loaded_store, "--format", "json")
    assert run.returncode == 0, run.stderr


def test_control_characters_in_titles_do_not_reach_the_terminal(any_store, tmp_path):
    from kg.output import write_rows
    import io
    out = io.StringIO()
    write_rows([{"title": "标题\x1b[31m红色\x07"}], "table", out)
    assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue() and "␛[31m红色␇" in out.getvalue()


def test_every_error_survives_the_trip_from_a_worker_process():
    """A worker reports a failed article by pickling its error: an error whose class cannot be
    rebuilt from its pickle used to hang `kg extract -w 2` (the pool's result thread died)."""
    import pickle
    import kg.errors as errors
    from kg.store.falkor_health import StoreDamaged
    samples = [errors.ComponentError("a1", "persons", "NameError: x"), errors.SourceError("f.txt:3", "bad", True),
               errors.LoadError("f.jsonl:2", "refused"), errors.StoreError("s: down"), errors.QueryTimeout("q"),
               StoreDamaged(Path("/s"), "cut")]
    assert {type(e) for e in samples} >= {c for c in vars(errors).values()
                                          if isinstance(c, type) and issubclass(c, KgError) and c.__init__
                                          is not KgError.__init__ and c is not KgError}
    for error in samples:
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error) and back.__dict__ == error.__dict__
