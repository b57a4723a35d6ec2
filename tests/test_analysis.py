"""The portfolio table (pandas, imported lazily) and statistics: counts, time in stage, loop-backs."""

from __future__ import annotations

import datetime as _dt
import json
import subprocess
import sys

import pytest

from fsdl_tui.analysis import frame, record_columns, stage_intervals, stats
from fsdl_tui.scoring import FsdlScorer, WeightedScorer
from fsdl_tui.testing import make_portfolio, portfolio_file, run_cli, sample, sample_projects  # noqa: F401 - pytest fixtures

TODAY = _dt.date(2024, 6, 1)


def test_importing_analysis_exporters_and_plugins_does_not_import_pandas_or_ui():
    code = (
        "import sys, fsdl_tui.analysis, fsdl_tui.exporters.formats, fsdl_tui.exporters.html, "
        "fsdl_tui.plugins.manager, fsdl_tui.cli.analysis, fsdl_tui.testing\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'textual', 'rich'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_frame_has_one_row_per_project_with_fields_and_scores():
    pf = sample()
    df = frame(pf, FsdlScorer(), extra_scorers=[WeightedScorer()])
    assert len(df) == len(pf.projects) and list(df.index) == list(df["id"])
    assert list(df.columns[: len(record_columns())]) == list(record_columns())
    assert {"score.weighted", "rank.weighted", "cost.accuracy_requirement", "impact.automation"} <= set(df.columns)
    assert df.loc["grasp-pose", "cost.accuracy_requirement"] == 5
    assert df.loc["lens-only", "impact"] == pytest.approx(3.5)
    assert df["rank"].tolist()[:4] == [1, 2, 3, 4] and str(df.loc["unscored", "rank"]) == "<NA>"
    assert df.loc["defect-detect", "lifecycle.loop_backs"] == 1


def test_stage_intervals_from_history_dates():
    stays = [s for s in stage_intervals(sample(), TODAY) if s["project"] == "grasp-pose"]
    assert [(s["stage"], s["days"], s["current"]) for s in stays] == [("data", 53, False), ("training", 92, True)]


def test_stats_counts_time_in_stage_and_loop_backs():
    s = stats(make_portfolio(sample_projects()), FsdlScorer(), today=TODAY)
    assert s["projects"] == 5
    assert s["by_stage"] == {"planning": 3, "data": 0, "training": 1, "deploying": 1, "production": 0}
    assert s["by_archetype"]["(none)"] == 2 and s["by_archetype"]["autonomous"] == 1
    assert sum(s["by_quadrant"].values()) == 5 and s["by_quadrant"]["(unscored)"] == 1
    # defect-detect: data 19 days, training 24, back to data 17, training 30, deploying since 2024-05-01 (31)
    assert s["time_in_stage"]["data"] == {
        "stays": 3,
        "mean_days": pytest.approx((53 + 19 + 17) / 3, abs=0.05),
        "median_days": 19.0,
        "max_days": 53,
    }
    assert s["time_in_stage"]["deploying"]["max_days"] == 31
    assert s["time_in_stage"]["production"] == {"stays": 0, "mean_days": None, "median_days": None, "max_days": None}
    assert s["days_in_current_stage"] == {
        "grasp-pose": 92,
        "defect-detect": 31,
        "lens-only": None,
        "unscored": None,
        "evil-text": None,
    }
    assert s["loop_backs"]["total"] == 1 and s["loop_backs"]["by_project"] == {"defect-detect": 1}
    assert s["loop_backs"]["from_stage"]["training"] == 1 and s["loop_backs"]["to_stage"]["data"] == 1
    json.dumps(s)


def test_stats_on_an_empty_portfolio():
    from fsdl_tui.testing import make_portfolio

    s = stats(make_portfolio(), FsdlScorer(), today=TODAY)
    assert s["projects"] == 0 and s["loop_backs"]["total"] == 0 and s["by_stage"]["planning"] == 0


def test_cli_stats(run_cli, portfolio_file):
    code, out, err = run_cli("stats", portfolio_file, "--json", "--as-of", "2024-06-01")
    assert code == 0, err
    assert json.loads(out)["days_in_current_stage"]["grasp-pose"] == 92
    code, out, _ = run_cli("stats", portfolio_file, "--as-of", "2024-06-01")
    assert code == 0 and "time in stage" in out and "defect-detect 1" in out
    code, _, err = run_cli("stats", portfolio_file, "--as-of", "June")
    assert code == 1 and "YYYY-MM-DD" in err
