"""kg.extraction.nertagger: the shipped CRF name tagger, on sentences written for these tests
(none is taken from a data set), odd input, block independence and the model's sidecar."""
from __future__ import annotations

import ast
import hashlib
import itertools
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from kg.extraction.nertagger import MAX_CHUNK, Lexicons, NameTagger, Span, chunk_ends, codepoints, decode

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "kg" / "data"
jieba = pytest.importorskip("jieba")


def words_of(text: str) -> list[tuple[int, int]]:
    ends = list(itertools.accumulate(len(w) for w in jieba.lcut(text)))
    return list(zip([0] + ends[:-1], ends))


@pytest.fixture(scope="module")
def tagger() -> NameTagger:
    return NameTagger.load()


def names(tagger, text: str) -> set[tuple[str, str]]:
    return {(text[s.start:s.end], s.label) for s in tagger.tag(text, words_of(text))}


def test_person_after_a_title(tagger):
    found = names(tagger, "据介绍，该公司董事长韩立峰在发布会上宣布了新的五年计划。")
    assert ("韩立峰", "PER") in found


def test_person_with_a_common_surname_reported_speaking(tagger):
    found = names(tagger, "记者昨日采访了李秀芝，她说今年的收成比去年好。")
    assert ("李秀芝", "PER") in found


def test_company_with_a_legal_suffix(tagger):
    found = names(tagger, "苏州凯德隆精密机械有限公司昨天宣布扩建新厂房。")
    orgs = [n for n, label in found if label == "ORG"]
    assert any(n.endswith("凯德隆精密机械有限公司") for n in orgs), found


def test_unknown_foreign_company(tagger):
    found = names(tagger, "总部位于德国的韦斯特霍夫公司宣布将在华投资建厂。")
    orgs = [n for n, label in found if label == "ORG"]
    assert any("韦斯特霍夫" in n for n in orgs), found


def test_government_body(tagger):
    found = names(tagger, "湖南省卫生健康委员会日前发布通知，要求各地加强疫苗管理。")
    assert any(label == "ORG" and n.endswith("卫生健康委员会") for n, label in found), found


def test_plain_sentence_has_no_names(tagger):
    assert names(tagger, "今天天气很好，我们一起去公园散步吧。") == set()


@pytest.mark.parametrize("text", [
    "", " ", "\n\n\n", "。。。！？；", "Hello world, this is only Latin text.",
    "1234567890 3.1415 ２０１９", "😀👍🏽🧬🧪", "\x00\x01\ufeff", "a" * 1000, "。" * 500,
    "张" * 400, "中国" * 300,
])
def test_odd_input_gives_valid_spans(tagger, text):
    spans = tagger.tag(text, words_of(text))
    for s in spans:
        assert isinstance(s, Span) and 0 <= s.start < s.end <= len(text)
        assert s.label in ("PER", "ORG") and 0.0 <= s.score <= 1.0
    assert [(s.start, s.end) for s in spans] == sorted((s.start, s.end) for s in spans)


def test_empty_text_and_no_words(tagger):
    assert tagger.tag("", []) == []
    tagger.tag("没有分词结果也要能标注，比如王小明。", [])           # words missing: still runs


def _long_news() -> str:
    parts = ["北京时间昨日，杭州远帆智能科技有限公司董事长陈志远在年会上发言。",
             "他表示公司将与浙江大学合作研发新一代机器人\n",
             "市场监管总局也派员出席了会议；分析师周慧敏认为前景乐观！",
             "Apple and Google were mentioned too. " * 3,
             "没有标点的长句子" * 40]
    return "".join(parts[i % len(parts)] for i in range(120))


def test_blocks_do_not_change_the_output(tagger):
    """The text is processed in blocks of chunks (bounded memory); tiny blocks
    must give exactly the spans of one big block."""
    text = _long_news()
    w = words_of(text)
    big = tagger.tag(text, w, block_chars=10 ** 9)
    assert big == tagger.tag(text, w, block_chars=MAX_CHUNK)
    assert big == tagger.tag(text, w, block_chars=1000)
    blocks = list(tagger._blocks(text, 1000))             # memory is bounded by the block size
    assert len(blocks) > 10 and all(b - a <= 1000 + MAX_CHUNK + 1 for a, b, _ in blocks)
    assert [b for _, b, _ in blocks[:-1]] == [a for a, _, _ in blocks[1:]] and blocks[-1][1] == len(text)
    assert len({s.label for s in big}) == 2


def test_tag_many_gives_what_tag_gives_each_document(tagger):
    docs = [_long_news()[i * 97:i * 97 + n] for i, n in enumerate((0, 1, 40, 300, 2000, 5, 700))]
    docs += ["", "。", _long_news()]                     # empty, punctuation only, longer than a block
    pairs = [(d, words_of(d)) for d in docs]
    many = tagger.tag_many(pairs, block_chars=1000)
    assert many == [tagger.tag(d, w) for d, w in pairs]
    assert sum(map(len, many)) > 10


def test_chunks_tile_the_text_and_are_bounded():
    text = _long_news() + "x" * 1000
    ends = chunk_ends(codepoints(text))
    lengths = np.diff(np.concatenate([[0], ends]))
    assert ends[-1] == len(text) and (lengths > 0).all() and lengths.max() <= MAX_CHUNK
    cuts = {int(e) for e in ends}
    assert text.index("乐观！") + 3 in cuts                  # a sentence end is a cut


def test_deterministic_and_cached(tagger):
    text = _long_news()[:3000]
    assert tagger.tag(text, words_of(text)) == tagger.tag(text, words_of(text))
    assert NameTagger.load() is tagger


def test_scores_are_optional_and_do_not_change_spans(tagger):
    text = _long_news()[:2000]
    with_scores = tagger.tag(text, words_of(text))
    without = tagger.tag(text, words_of(text), scores=False)
    assert [(s.start, s.end, s.label) for s in with_scores] == [(s.start, s.end, s.label) for s in without]
    assert any(s.score < 1.0 for s in with_scores)


def test_lexicon_matches_the_longest_word_and_not_across_a_pad():
    lex = Lexicons({"suffix": [["公司", 1], ["有限公司", 1]], "title": [["主任", 2]]})
    cp = np.array([0, *codepoints("有限公司"), 0, *codepoints("主任")])
    found = lex.match(cp)
    assert found["suffix_end"][4] == 1 * 8 + 4 and found["suffix_start"][1] == 1 * 8 + 4
    assert found["suffix_start"][3] == 1 * 8 + 2                     # 公司 starts inside 有限公司
    assert found["title_end"][7] == 2 * 8 + 2                         # PAD + 主任 is not a longer word
    assert found["title_end"].sum() == 2 * 8 + 2 and found["suffix_end"].sum() == 1 * 8 + 4


def test_viterbi_and_confidence_match_brute_force():
    """decode() against enumerating every tag sequence of small random chunks."""
    rng = np.random.default_rng(7)
    labels = 3
    for _ in range(25):
        ends = np.cumsum(rng.integers(1, 5, size=rng.integers(1, 5)))
        emit = rng.normal(size=(ends[-1], labels)).astype(np.float32)
        trans = rng.normal(size=(labels, labels)).astype(np.float32)
        tags, conf = decode(emit, ends, trans, np.arange(labels) > 0)    # every label but 0 scored
        for start, end in zip(np.concatenate([[0], ends[:-1]]), ends):
            best = {}                                   # (position, label) -> best path score through it
            for path in itertools.product(range(labels), repeat=end - start):
                score = sum(emit[start + i, y] for i, y in enumerate(path))
                score += sum(trans[a, b] for a, b in zip(path, path[1:]))
                for i, y in enumerate(path):
                    best[i, y] = max(best.get((i, y), -np.inf), score)
            top = max(best.values())
            want = [max(range(labels), key=lambda y: best[i, y]) for i in range(end - start)]
            assert list(tags[start:end]) == want
            if any(want):                               # confidence only where a name was found
                for i in range(end - start):
                    expect = 1 / sum(np.exp(best[i, y] - top) for y in range(labels))
                    assert conf[start + i] == pytest.approx(expect, abs=1e-4)


def test_runtime_imports_only_stdlib_and_numpy():
    tree = ast.parse((REPO / "kg" / "extraction" / "nertagger.py").read_text(encoding="utf-8"))
    modules = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert modules - set(sys.stdlib_module_names) == {"numpy"}


def test_sidecar_describes_the_shipped_model():
    sidecar = json.loads((DATA / "ner-crf.json").read_text(encoding="utf-8"))
    model = DATA / sidecar["model"]
    assert hashlib.sha256(model.read_bytes()).hexdigest() == sidecar["sha256"]
    assert model.stat().st_size == sidecar["bytes"] <= 20 * 2 ** 20
    assert all(re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) for f in sidecar["trained_on"])
    assert {f["file"] for f in sidecar["trained_on"]} <= {"CLUENER2020/train.json",
                                                        "DuIE2.0/duie_train_first5000.json"}
    for corpus in ("cluener_dev", "pd_test", "msra_test"):
        for label in ("PER", "ORG"):
            r = sidecar["scores"][corpus][label]
            assert all(0.0 <= r[k] <= 1.0 for k in ("p", "r", "f1"))
    assert sidecar["numpy_equals_crfsuite"]["differing_tags"] == 0
    for key in ("c1", "c2", "iterations", "algorithm", "seed"):
        assert key in sidecar["training"]
    assert sidecar["labels"] == NameTagger.load().labels
