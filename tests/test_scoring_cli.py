"""`fsdl-tui rank`: the table, json and csv outputs, and --explain whose terms add up to the score."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

SAMPLES = sorted((Path(__file__).parent.parent / "sample_portfolios").glob("*.toml"))


def explained_terms(out: str) -> tuple[list[float], float]:
    contributions = [float(m) for m in re.findall(r"=\s+([+-]\d+\.\d{4})", out)]
    score = float(re.search(r"^\s*score\s+(-?\d+\.\d{4})", out, re.MULTILINE).group(1))
    return contributions, score


@pytest.mark.parametrize("scorer", ["fsdl", "weighted", "rice"])
def test_explain_terms_add_up_to_the_score(run_cli, portfolio_file, scorer):
    code, out, err = run_cli("rank", portfolio_file, "--scorer", scorer, "--explain", "grasp-pose")
    assert code == 0, err
    contributions, score = explained_terms(out)
    assert contributions and sum(contributions) == pytest.approx(score, abs=1e-3)
    assert re.search(r"^rank \d+ of \d+; impact ", out, re.MULTILINE)


@pytest.mark.skipif(not SAMPLES, reason="no sample portfolios yet")
def test_explain_on_a_sample_portfolio(run_cli):
    path = SAMPLES[0]
    code, out, _ = run_cli("rank", path, "--format", "json")
    assert code == 0
    first = json.loads(out)["projects"][0]
    code, out, err = run_cli("rank", path, "--explain", first["id"])
    assert code == 0, err
    contributions, score = explained_terms(out)
    assert sum(contributions) == pytest.approx(score, abs=1e-3) and score == pytest.approx(first["score"], abs=1e-4)


def test_explain_a_project_that_is_not_scorable(run_cli, portfolio_file):
    code, out, _ = run_cli("rank", portfolio_file, "--explain", "unscored")
    assert code == 0 and "not scorable: missing impact" in out


def test_explain_an_unknown_project(run_cli, portfolio_file):
    code, _, err = run_cli("rank", portfolio_file, "--explain", "grasp-pos")
    assert code == 1 and "did you mean grasp-pose" in err


def test_rank_table_json_and_csv_agree(run_cli, portfolio_file):
    code, out, _ = run_cli("rank", portfolio_file)
    assert code == 0 and "ranked by FSDL impact x feasibility (fsdl)" in out
    assert "not ranked: unscored: missing impact" in out
    assert "<script>alert(1)</script>" in out  # user text printed as text, not read as markup
    code, out, _ = run_cli("rank", portfolio_file, "--format", "json")
    order = [p["id"] for p in json.loads(out)["projects"]]
    assert json.loads(out)["scorer"] == "fsdl"
    code, out, _ = run_cli("rank", portfolio_file, "--format", "csv")
    assert [row["id"] for row in csv.DictReader(io.StringIO(out, newline=""))] == order
    assert order[-1] == "unscored"


def test_rank_usage_and_input_errors(run_cli, portfolio_file, tmp_path):
    assert run_cli("rank", portfolio_file, "--format", "xml")[0] == 2
    code, _, err = run_cli("rank", tmp_path / "missing.toml")
    assert code == 1 and "no such file" in err
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [\n", encoding="utf-8")
    code, _, err = run_cli("rank", bad)
    assert code == 1 and "bad.toml:" in err and "Traceback" not in err


def test_help_teaches(run_cli):
    for cmd in ("rank", "export", "plugins", "stats"):
        code, out, _ = run_cli(cmd, "--help")
        assert code == 0 and "example" in out and "--plugins-dir" in out
