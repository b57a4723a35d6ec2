"""Status changes (hold, resume, kill, revive) are lifecycle history: the domain rule, the file format, the
CLI commands and `set lifecycle.status=...`, and how `diff` and `log` show them."""

from __future__ import annotations

import datetime as _dt

import pytest

from fsdl_tui.domain.codec import project_from_data, project_to_data
from fsdl_tui.domain.lifecycle import MoveRefused, change_status, record_status_change, status_command
from fsdl_tui.gitops.diff import diff_portfolios, format_markdown, format_text
from fsdl_tui.gitops.history import Version, project_history
from fsdl_tui.storage import load
from fsdl_tui.testing import make_portfolio, make_project

DAY = _dt.date(2026, 3, 2)


def building():
    return make_project(
        "a", impact=4, cost=(3, 3, 3), stage="training", history=[("planning", "training", "2026-01-05")]
    )


def test_change_status_records_date_reason_and_keeps_the_stage():
    p = change_status(building(), "killed", "  no budget ", DAY)
    assert p.status == "killed" and p.lifecycle.status_reason == "no budget" and p.stage == "training"
    last = p.lifecycle.history[-1]
    assert (last.status, last.date, last.note, last.from_stage, last.to_stage) == (
        "killed",
        DAY,
        "no budget",
        "training",
        "training",
    )
    assert p.lifecycle.moves == building().lifecycle.history and p.lifecycle.status_changes == (last,)
    revived = change_status(p, "active", "budget back", DAY)
    assert revived.status == "active" and revived.lifecycle.status_reason == ""
    assert [m.status for m in revived.lifecycle.history] == ["", "killed", "active"]


@pytest.mark.parametrize(
    "status, reason, message",
    [
        ("killed", "", "needs a reason"),
        ("active", "x", "already active"),
        ("gone", "x", "unknown status"),
    ],
)
def test_change_status_refusals(status, reason, message):
    with pytest.raises(MoveRefused, match=message):
        change_status(building(), status, reason, DAY)


def test_holding_may_give_no_reason_and_is_recorded_all_the_same():
    held = change_status(building(), "on-hold", "", DAY)
    assert held.status == "on-hold" and held.lifecycle.status_reason == ""
    assert (held.lifecycle.history[-1].status, held.lifecycle.history[-1].date) == ("on-hold", DAY)


def test_status_commands_check_where_they_start_from():
    held = status_command(building(), "hold", "waiting for data", DAY)
    assert held.status == "on-hold"
    assert status_command(held, "resume", date=DAY).status == "active"  # resuming needs no reason
    with pytest.raises(MoveRefused, match="cannot revive 'a': it is on-hold, not killed"):
        status_command(held, "revive", "x", DAY)
    with pytest.raises(MoveRefused, match="cannot resume"):
        status_command(building(), "resume", date=DAY)


def test_a_status_entry_round_trips_as_status_date_note():
    p = change_status(building(), "on-hold", "waiting", DAY)
    data = project_to_data(p)
    assert data["lifecycle"]["history"][-1] == {"status": "on-hold", "date": DAY, "note": "waiting"}
    back, issues = project_from_data(data)
    assert issues == [] and back == p


def test_the_reader_places_a_status_entry_in_the_stage_of_the_moves_around_it():
    data = project_to_data(make_project("a", stage="data"))
    data["lifecycle"]["history"] = [
        {"status": "on-hold", "date": DAY, "note": "x"},  # before any move: the stage the first move leaves
        {"from": "planning", "to": "data", "date": DAY},
        {"status": "active", "date": DAY},
    ]
    p, issues = project_from_data(data)
    assert issues == []
    assert [(m.from_stage, m.to_stage, m.status) for m in p.lifecycle.history] == [
        ("planning", "planning", "on-hold"),
        ("planning", "data", ""),
        ("data", "data", "active"),
    ]


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"status": "killed", "date": DAY}, "killing a project needs a reason"),
        ({"status": "paused", "date": DAY, "note": "x"}, "unknown status 'paused'"),
        ({"status": "killed", "from": "planning", "date": DAY, "note": "x"}, "not both"),
        ({"status": "on-hold", "note": "x"}, "needs a 'date'"),
    ],
)
def test_bad_status_entries_are_reported(entry, message):
    data = project_to_data(make_project("a"))
    data["lifecycle"]["history"] = [entry]
    _, issues = project_from_data(data)
    assert any(message in i.message for i in issues), issues


def test_record_status_change_turns_an_edit_of_the_status_into_history():
    before = building()
    edited = before.replace(
        lifecycle=before.lifecycle.__class__(
            stage="training", status="on-hold", status_reason="waiting", history=before.lifecycle.history
        )
    )
    p = record_status_change(before, edited, DAY)
    assert p.lifecycle.history[-1].status == "on-hold" and p.lifecycle.history[-1].note == "waiting"
    assert record_status_change(before, before, DAY) == before


def test_cli_kill_and_revive_add_one_history_line_each(run_cli, portfolio_file):
    before = portfolio_file.read_text(encoding="utf-8")
    pid = load(portfolio_file).portfolio.projects[0].id
    code, out, err = run_cli("kill", portfolio_file, pid, "--reason", "no budget", "--date", "2026-03-02")
    assert code == 0, err
    assert "active -> killed" in out
    after = portfolio_file.read_text(encoding="utf-8")
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert '  { status = "killed", date = 2026-03-02, note = "no budget" },' in added
    assert len(added) <= 4  # the entry, the status, its reason (and a history array opened if it was empty)
    code, _, err = run_cli("resume", portfolio_file, pid)
    assert code == 1 and "cannot resume" in err
    code, _, err = run_cli("kill", portfolio_file, pid)  # already killed
    assert code == 1 and "cannot kill" in err
    code, _, err = run_cli("revive", portfolio_file, pid, "--reason", "funded", "--date", "2026-04-01")
    assert code == 0, err
    p = load(portfolio_file).portfolio.get(pid)
    assert [(m.status, m.note) for m in p.lifecycle.status_changes] == [("killed", "no budget"), ("active", "funded")]


def test_cli_set_status_records_it_too(run_cli, portfolio_file):
    pid = load(portfolio_file).portfolio.projects[0].id
    code, _, err = run_cli("hold", portfolio_file, pid)  # no reason: fine for a hold, and recorded
    assert code == 0, err
    assert load(portfolio_file).portfolio.get(pid).lifecycle.history[-1].status == "on-hold"
    code, _, err = run_cli("resume", portfolio_file, pid)
    assert code == 0, err
    code, _, err = run_cli("set", portfolio_file, pid, "lifecycle.status=killed")
    assert code == 1 and "needs a 'status_reason'" in err
    code, _, err = run_cli("set", portfolio_file, pid, "lifecycle.status=on-hold", "lifecycle.status_reason=waiting")
    assert code == 0, err
    p = load(portfolio_file).portfolio.get(pid)
    assert (p.status, p.lifecycle.history[-1].status, p.lifecycle.history[-1].note) == ("on-hold", "on-hold", "waiting")


def test_diff_and_log_say_when_and_why():
    old = make_portfolio([building()])
    new = make_portfolio([change_status(building(), "killed", "no budget", DAY)])
    d = diff_portfolios(old, new)
    text = format_text(d)
    assert '    status: killed on 2026-03-02 "no budget"' in text.splitlines()
    assert '| status | | killed on 2026-03-02 "no budget" |' in format_markdown(d)
    steps = project_history([Version("c1", "ann", "2026-03-02", "kill a", "p.toml", new, old)], "a")
    assert steps[0].changed == ("status killed on 2026-03-02: no budget",)


def test_a_status_change_merges_with_a_move_made_on_another_branch():
    from fsdl_tui.domain.lifecycle import move
    from fsdl_tui.gitops.merge import merge_portfolios

    base = make_portfolio([building(), make_project("b", impact=3, cost=(3, 3, 3))])
    ours = base.with_project(change_status(building(), "on-hold", "waiting", DAY))
    theirs = base.with_project(move(base.get("b"), "data", date=DAY, force=True))
    merged = merge_portfolios(base, ours, theirs)
    assert merged.clean, merged.conflicts
    a, b = merged.ours.get("a"), merged.ours.get("b")
    assert a.status == "on-hold" and a.lifecycle.history[-1].status == "on-hold" and b.stage == "data"
