"""End to end: `kg extract seeds` scored against the hand-checked dev gold."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
GOLD = SHARED / "gold" / "dev.jsonl"
SCORER = SHARED / "eval" / "score.py"


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    if not (GOLD.exists() and SCORER.exists()):
        if os.environ.get("CI") == "true":
            pytest.fail(f"the dev gold and scorer must be at {SHARED}")
        pytest.skip(f"no dev gold at {GOLD}")
    out = tmp_path_factory.mktemp("gold") / "seeds.jsonl"
    run = subprocess.run([sys.executable, "-m", "kg", "extract", str(REPO / "seeds"), "--format", "jsonl",
                          "-o", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 56
    scored = subprocess.run([sys.executable, str(SCORER), str(GOLD), str(out), "--json"],
                            capture_output=True, text=True, check=True)
    return json.loads(scored.stdout)


def test_no_gold_article_is_missing(scores):
    assert scores["articles_missing"] == []


def test_entity_and_relation_f1_meet_the_bar(scores):
    print(f"\ndev gold: entity F1 {scores['entities']['ALL']['f']:.3f}, "
          f"relation F1 {scores['relations']['ALL']['f']:.3f}")
    assert scores["entities"]["ALL"]["f"] >= 0.80
    assert scores["relations"]["ALL"]["f"] >= 0.60


@pytest.mark.parametrize("etype", ["Organization", "Person", "Product", "Policy", "Event"])
def test_each_entity_type_f1_meets_the_bar(scores, etype):
    assert scores["entities"][etype]["f"] >= 0.60
