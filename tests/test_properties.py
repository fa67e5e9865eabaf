"""Property-based: random and mutated inputs never give a traceback and never a partial write.

- raw files (random bytes, random text, broken JSON and JSON Lines, records with odd field
  types) through kg extract: every problem is a KgError handed to on_error, naming the file;
- `kg extract` records with one field replaced by a random JSON value, through kg load: the
  graph equals a clean load of exactly the records that are valid."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import dump, wipe
from kg import api
from kg.errors import KgError
from kg.model import Extraction
from kg.store.falkor_store import FalkorStore
from kg.store.load import load

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


def extract_file(tmp_path: Path, data: bytes) -> tuple[list[Extraction], list[KgError]]:
    path = tmp_path / "input"
    path.write_bytes(data)
    problems: list[KgError] = []
    got = list(api.extract([str(path)], on_error=problems.append))     # anything else is a traceback
    assert all(str(path) in str(p) for p in problems), problems
    return got, problems


@SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes_never_give_a_traceback(tmp_path, data):
    extract_file(tmp_path, data)


@SETTINGS
@given(text=st.text(max_size=300))
def test_random_text_never_gives_a_traceback(tmp_path, text):
    extract_file(tmp_path, text.encode("utf-8"))


@SETTINGS
@given(records=st.lists(st.dictionaries(st.sampled_from(["id", "title", "text", "date", "url", "source",
                                                         "finalContent", "doc_id", "entities", "sha256"]),
                                        json_values, max_size=6), max_size=4),
       cut=st.integers(min_value=0, max_value=400), lines=st.booleans())
def test_broken_json_and_odd_records_never_give_a_traceback(tmp_path, records, cut, lines):
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) if lines else json.dumps(records)
    data = text.encode("utf-8")
    extract_file(tmp_path, data[:cut] if cut < len(data) else data)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = FalkorStore(tmp_path_factory.mktemp("prop") / "store")
    yield s
    s.close()


@pytest.fixture(scope="module")
def base_records(seed_extractions) -> list[dict]:
    return [ex.to_json() for ex in seed_extractions if ex.relations][:3]


def paths_of(value, prefix=()):
    """Every place in a JSON value that can be replaced: (path to it)."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths_of(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths_of(v, prefix + (i,))


def replaced(record: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(record)
    if not path:
        return value
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


@SETTINGS
@given(which=st.integers(min_value=0, max_value=2), pick=st.integers(min_value=0, max_value=10**6),
       value=json_values)
def test_a_mutated_record_is_loaded_whole_or_not_at_all(store, base_records, tmp_path, which, pick, value):
    places = list(paths_of(base_records[which]))[1:]            # not the whole record
    records = list(base_records)
    records[which] = replaced(records[which], places[pick % len(places)], value)
    valid, ids = [], set()
    for r in records:                      # what kg should keep: valid records, the first of each id
        try:
            doc_id = Extraction.from_json(copy.deepcopy(r)).doc_id
        except ValueError:
            continue
        if doc_id not in ids:
            ids.add(doc_id)
            valid.append(r)
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False, allow_nan=True) + "\n" for r in records),
                    encoding="utf-8")
    wipe(store)
    problems: list[KgError] = []
    api.load([str(path)], store, on_error=problems.append)
    got = dump(store)
    wipe(store)
    load(store, [Extraction.from_json(copy.deepcopy(r)) for r in valid])
    assert got == dump(store)
    assert len(problems) == len(records) - len(valid)
    assert all(str(p).startswith(f"{path}:") for p in problems)
