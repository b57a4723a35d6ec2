"""Plugins that write, hang, exit, interrupt, print, crash or clash: the host contains each one, the command
stays correct, its stdout stays valid JSON/CSV, and nothing changes on disk."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fsdl_tui.plugins.guard import CallFailed, Runner, contain, routed_stdout
from fsdl_tui.plugins.manager import PluginError, enable_plugin, load_plugins, quarantined
from fsdl_tui.plugins.progress import ProgressLine
from fsdl_tui.plugins.views import FrozenDict, freeze, project_view
from fsdl_tui.scoring import RankCancelled
from fsdl_tui.storage import load, render_text
from fsdl_tui.testing import isolated_env, make_portfolio, make_project, sample

FIXTURES = Path(__file__).parent / "plugin_fixtures"
HOSTILE = FIXTURES / "hostile"
CRASH = FIXTURES / "crash"

N_SAMPLE = len(sample().projects)


def problems_of(host, plugin):
    return [p.message for p in host.problems if p.plugin == plugin]


def hostile(tmp_path, *names, **extra):
    env = isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS=",".join(names), **extra)
    return load_plugins(plugins_dir=str(HOSTILE), env=env)


def allow(monkeypatch, *names):
    monkeypatch.setenv("FSDL_TUI_LOAD_PLUGINS", ",".join(names))


# --- read-only views ---------------------------------------------------------------------------------------


def test_a_plugin_that_writes_into_everything_changes_nothing(tmp_path, portfolio_file):
    text = portfolio_file.read_text(encoding="utf-8")
    # A hand-written comment inside the block of the project that has plugin fields.
    text = text.replace('id = "grasp-pose"', 'id = "grasp-pose"\n# keep this comment', 1)
    portfolio_file.write_text(text, encoding="utf-8")
    doc = load(portfolio_file)
    before = json.dumps([p.plugins for p in doc.portfolio.projects], default=repr)
    host = hostile(tmp_path, "writer")
    ranked = host.rank(doc.portfolio, "writer")
    assert [r.score.value for r in ranked] == [0.0] * len(ranked), host.problems  # every write refused
    assert host.export(doc.portfolio, "writer-export", ranked) == f"refused {4 + 2 * len(ranked)}\n"
    assert host.problems == []
    assert json.dumps([p.plugins for p in doc.portfolio.projects], default=repr) == before
    assert all(p.gate is not None for p in doc.portfolio.projects)
    assert render_text(doc, doc.portfolio) == text  # the next save writes the file as it was


def test_writer_through_the_cli_leaves_the_file_byte_identical(run_cli, portfolio_file, monkeypatch):
    allow(monkeypatch, "writer")
    data = portfolio_file.read_bytes()
    code, out, err = run_cli("rank", portfolio_file, "--plugins-dir", HOSTILE, "--scorer", "writer", "--format", "json")
    assert code == 0, err
    assert {row["score"] for row in json.loads(out)["projects"]} == {0.0}
    code, out, err = run_cli("export", portfolio_file, "--plugins-dir", HOSTILE, "--format", "writer-export")
    assert code == 0 and out.startswith("refused "), err
    assert portfolio_file.read_bytes() == data


def test_frozen_views_refuse_every_change_and_read_like_dicts():
    view = freeze({"a": {"b": [1, {"c": 2}]}, "s": {1, 2}})
    assert isinstance(view, dict) and isinstance(view["a"], FrozenDict)
    assert view["a"]["b"] == (1, {"c": 2}) and view["s"] == frozenset({1, 2})
    assert json.loads(json.dumps(view, default=list)) == {"a": {"b": [1, {"c": 2}]}, "s": [1, 2]}
    for change in (
        lambda: view.__setitem__("x", 1),
        lambda: view.__delitem__("a"),
        lambda: view.update(x=1),
        lambda: view.pop("a"),
        lambda: view.popitem(),
        lambda: view.setdefault("x", 1),
        lambda: view.clear(),
        lambda: view["a"]["b"][1].__setitem__("c", 3),
    ):
        with pytest.raises(TypeError, match="read-only"):
            change()
    with pytest.raises(TypeError):
        view |= {"x": 1}
    assert dict(view) | {"x": 1} == {**view, "x": 1}  # copying out is the way to change


def test_a_project_view_is_a_copy():
    p = make_project("p", plugins={"rice": {"reach": 1}})
    v = project_view(p)
    dict.__setitem__(v.plugins["rice"], "reach", 99)  # around the API: only the copy changes
    assert p.plugins == {"rice": {"reach": 1}}


# --- exceptions of every kind ------------------------------------------------------------------------------


def test_sys_exit_in_a_scorer_and_in_a_hook_is_contained(tmp_path):
    host = hostile(tmp_path, "exits")
    assert any("register_exporters failed: called sys.exit(4)" in m for m in problems_of(host, "exits"))
    by_id = {r.project.id: r for r in host.rank(sample(), "exits")}
    assert by_id["lens-only"].score.error and by_id["lens-only"].score.reason == "called sys.exit(3)"
    assert by_id["grasp-pose"].score.value == 1.0
    assert any("'exits' failed on project 'lens-only': called sys.exit(3)" in m for m in problems_of(host, "exits"))


@pytest.mark.parametrize("budget", ["0", "10"], ids=["in-the-calling-thread", "in-a-worker-thread"])
def test_a_plugins_own_keyboard_interrupt_is_contained(tmp_path, budget):
    host = hostile(tmp_path, "interrupts", FSDL_TUI_SCORER_TIMEOUT=budget)
    assert any("register_exporters failed: raised KeyboardInterrupt" in m for m in problems_of(host, "interrupts"))
    by_id = {r.project.id: r for r in host.rank(sample(), "interrupts")}
    assert by_id["lens-only"].score.error and "KeyboardInterrupt" in by_id["lens-only"].score.reason
    assert by_id["defect-detect"].score.value == 1.0


def test_cli_with_exiting_and_interrupting_plugins_exits_0_with_valid_json(run_cli, portfolio_file, monkeypatch):
    allow(monkeypatch, "exits", "interrupts")
    for scorer in ("exits", "interrupts"):
        code, out, err = run_cli(
            "rank", portfolio_file, "--plugins-dir", HOSTILE, "--scorer", scorer, "--format", "json"
        )
        assert code == 0, err
        rows = {r["id"]: r for r in json.loads(out)["projects"]}
        assert rows["lens-only"]["score_error"] and rows["grasp-pose"]["score"] == 1.0
        assert f"fsdl-tui: plugin {scorer}: scorer '{scorer}' failed on project 'lens-only'" in err


@pytest.mark.slow
@pytest.mark.parametrize("budget", ["0", "10"], ids=["plugin-in-main-thread", "plugin-in-worker-thread"])
def test_ctrl_c_from_the_user_still_stops_the_command(tmp_path, portfolio_file, budget):
    ready = tmp_path / "ready"
    env = {**os.environ, **isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS="sleeps", FSDL_TUI_SCORER_TIMEOUT=budget)}
    env["FSDL_TEST_READY"] = str(ready)
    argv = [sys.executable, "-m", "fsdl_tui", "rank", str(portfolio_file), "--plugins-dir", str(CRASH)]
    proc = subprocess.Popen([*argv, "--scorer", "sleeps"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(600):  # up to a minute for the interpreter to start and reach the scorer
            if ready.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert ready.exists(), proc.communicate()
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=25)
    finally:
        proc.kill()
    assert proc.returncode == 130, err


# --- a hanging scorer ---------------------------------------------------------------------------------------


@pytest.fixture
def release_hang():
    yield
    module = sys.modules.get("fsdl_tui_local_plugins.hangs")
    if module is not None:
        module.RELEASE.set()  # let the abandoned worker thread finish


def test_a_hanging_scorer_is_abandoned_after_its_budget_and_not_called_again(tmp_path, release_hang):
    host = hostile(tmp_path, "hangs", FSDL_TUI_SCORER_TIMEOUT="1")
    by_id = {r.project.id: r for r in host.rank(sample(), "sleepy")}
    assert [by_id[i].score.value for i in ("grasp-pose", "defect-detect", "lens-only")] == [1.0, 1.0, 1.0]
    assert by_id["unscored"].score.error and "took longer than 1 s" in by_id["unscored"].score.reason
    assert "FSDL_TUI_SCORER_TIMEOUT" in by_id["unscored"].score.reason
    assert by_id["evil-text"].score.error and "hung earlier" in by_id["evil-text"].score.reason
    assert any("'sleepy' failed on project 'unscored'" in m for m in problems_of(host, "hangs"))


def test_cli_with_a_hanging_scorer_reports_it_and_prints_valid_json(run_cli, portfolio_file, monkeypatch, release_hang):
    allow(monkeypatch, "hangs")
    monkeypatch.setenv("FSDL_TUI_SCORER_TIMEOUT", "1")
    code, out, err = run_cli("rank", portfolio_file, "--plugins-dir", HOSTILE, "--scorer", "sleepy", "--format", "json")
    assert code == 0, err
    assert [r["id"] for r in json.loads(out)["projects"] if r["rank"]] == ["grasp-pose", "defect-detect", "lens-only"]
    assert "plugin hangs: scorer 'sleepy' failed on project 'unscored': took longer than 1 s" in err


def test_a_hanging_registration_hook_is_abandoned_and_loading_goes_on(tmp_path):
    try:
        host = hostile(tmp_path, "hangs_in_hook", FSDL_TUI_SCORER_TIMEOUT="1")
        (msg,) = problems_of(host, "hangs_in_hook")
        assert msg.startswith("register_scorers failed: took longer than 1 s (FSDL_TUI_SCORER_TIMEOUT); abandoned")
        assert {"fsdl", "weighted"} <= set(host.scorers()) and "csv" in host.exporters()
    finally:
        module = sys.modules.get("fsdl_tui_local_plugins.hangs_in_hook")
        if module is not None:
            module.RELEASE.set()


def test_runner_reports_a_time_out_and_starts_a_new_worker():
    runner = Runner()
    gate = threading.Event()
    with pytest.raises(CallFailed) as info:
        runner.call("slow", 0.05, gate.wait, 30)
    assert info.value.timed_out and len(runner.abandoned) == 1
    assert runner.call("quick", 5, lambda: 42) == 42
    gate.set()


# --- output -------------------------------------------------------------------------------------------------


def test_what_plugins_print_goes_to_stderr_with_their_name_and_stdout_stays_valid(run_cli, portfolio_file, monkeypatch):
    allow(monkeypatch, "prints", "writer")
    code, out, err = run_cli("plugins", "--json", "--plugins-dir", HOSTILE)
    assert code == 0 and {p["name"] for p in json.loads(out)} >= {"prints", "fsdl_tui"}
    assert "[plugin prints] hello from import" in err and "[plugin prints] registering scorers" in err
    code, out, err = run_cli("rank", portfolio_file, "--plugins-dir", HOSTILE, "--scorer", "chatty", "--format", "json")
    assert code == 0 and len(json.loads(out)["projects"]) == N_SAMPLE
    assert "[plugin prints] scoring grasp-pose" in err and "[plugin prints] no newline" in err
    code, out, err = run_cli("rank", portfolio_file, "--plugins-dir", HOSTILE, "--scorer", "chatty", "--format", "csv")
    assert code == 0 and len(list(csv.DictReader(io.StringIO(out)))) == N_SAMPLE
    for fmt in ("json", "csv"):
        code, out, err = run_cli(
            "export", portfolio_file, "--plugins-dir", HOSTILE, "--format", fmt, "--scorer", "chatty"
        )
        assert code == 0, err
        json.loads(out) if fmt == "json" else list(csv.reader(io.StringIO(out)))
        assert "hello" not in out and "scoring" not in out
    code, out, err = run_cli("export", portfolio_file, "--plugins-dir", HOSTILE, "--format", "chatty-export")
    assert code == 0 and out == "exported\n" and "[plugin prints] exporting" in err


def test_output_is_routed_per_thread(capsys):
    inside = threading.Event()
    done = threading.Event()

    def plugin_code():
        with routed_stdout("bg"):
            inside.set()
            print("from the plugin")
            done.wait(5)

    thread = threading.Thread(target=plugin_code)
    thread.start()
    inside.wait(5)
    print("from the command")  # while the plugin's call is still open in the other thread
    done.set()
    thread.join()
    out, err = capsys.readouterr()
    assert out == "from the command\n"
    assert err == "[plugin bg] from the plugin\n"


def test_contain_turns_every_base_exception_into_a_failure():
    def gen_exit():
        raise GeneratorExit

    for fn, text in ((lambda: sys.exit(2), "called sys.exit(2)"), (gen_exit, "GeneratorExit")):
        with pytest.raises(CallFailed, match=text.replace("(", r"\(").replace(")", r"\)")):
            contain("p", fn)


# --- pluggy: tryfirst, trylast, wrappers, monitoring --------------------------------------------------------


def test_tryfirst_and_trylast_order_the_calls_and_the_listing(tmp_path):
    host = hostile(tmp_path, "tryfirst_plugin", "trylast_plugin", "exits")
    assert host.call_order("register_scorers")[0] == "tryfirst_plugin"
    assert host.call_order("register_scorers")[-1] == "trylast_plugin"
    names = list(host.scorers())
    assert names[0] == "first" and names[-1] == "last"
    assert names.index("fsdl") < names.index("exits")  # the built-ins (tryfirst themselves) before the rest
    assert problems_of(host, "tryfirst_plugin") == [] and problems_of(host, "trylast_plugin") == []


def test_a_hook_wrapper_wraps_its_own_plugins_hook(tmp_path):
    host = hostile(tmp_path, "wrapper_plugin")
    assert problems_of(host, "wrapper_plugin") == []
    scorers = host.scorers()
    assert scorers["wrapped-plain"].label == "after the wrapper" and "wrapped-added" in scorers
    (info,) = [p for p in host.info() if p["name"] == "wrapper_plugin"]
    assert info["status"] == "loaded" and info["provides"]["scorers"] == ["wrapped-plain", "wrapped-added"]


def test_hooks_go_through_pluggy_so_hook_call_monitoring_sees_them(tmp_path):
    host = hostile(tmp_path, "tryfirst_plugin")
    seen = []
    undo = host.pm.add_hookcall_monitoring(
        lambda name, impls, kwargs: seen.append((name, [i.plugin_name for i in impls])), lambda *a: None
    )
    host._cache.clear()
    host.scorers()
    undo()
    assert ("register_scorers", ["tryfirst_plugin"]) in seen and ("register_scorers", ["fsdl_tui"]) in seen


# --- what registration refuses ------------------------------------------------------------------------------


def test_registration_refuses_generators_scorers_without_score_and_unsafe_extensions(tmp_path):
    host = hostile(tmp_path, "generator_hook", "no_score", "refused")
    status = {p["name"]: p["status"] for p in host.info()}
    assert status["generator_hook"] == "failed"
    assert any(
        "register_scorers is a generator" in m and "wrapper=True" in m for m in problems_of(host, "generator_hook")
    )
    assert any("Can't instantiate abstract class Forgetful" in m for m in problems_of(host, "no_score"))
    msgs = problems_of(host, "refused")
    assert any("exporter 'unsafe' has an unsafe file extension" in m for m in msgs)
    assert any("exporter 'hidden' has an unsafe file extension" in m for m in msgs)
    assert not {"unsafe", "hidden"} & set(host.exporters()) and "forgetful" not in host.scorers()


# --- name clashes -------------------------------------------------------------------------------------------


def test_a_name_claimed_by_two_plugins_is_refused_for_both_and_each_message_names_the_other(tmp_path):
    host = hostile(tmp_path, "clash_a", "clash_b")
    assert "shared" not in host.scorers()
    (a,) = problems_of(host, "clash_a")
    (b,) = problems_of(host, "clash_b")
    assert "scorer 'shared' is also provided by plugin clash_b; refused for both" in a
    assert "scorer 'shared' is also provided by plugin clash_a; refused for both" in b
    with pytest.raises(PluginError, match="no scorer named 'shared'"):
        host.scorer(sample(), "shared")


# --- a plugin that kills the process while being imported --------------------------------------------------


@pytest.mark.slow
def test_a_plugin_that_kills_the_process_at_import_is_skipped_next_time_until_enabled(tmp_path):
    env = {**os.environ, **isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS="exits_at_import")}

    def cli(*argv):
        return subprocess.run(
            [sys.executable, "-m", "fsdl_tui", *argv], env=env, capture_output=True, text=True, timeout=120
        )

    first = cli("plugins", "--json", "--plugins-dir", str(CRASH))
    assert first.returncode == 3  # os._exit: nothing could report it
    second = cli("plugins", "--json", "--plugins-dir", str(CRASH))
    assert second.returncode == 0, second.stderr
    (info,) = [p for p in json.loads(second.stdout) if p["name"] == "exits_at_import"]
    assert info["status"] == "disabled" and "--enable exits_at_import" in info["note"]
    assert "fsdl-tui: plugin exits_at_import: skipped: an earlier run ended while importing it" in second.stderr
    assert "exits_at_import" in quarantined(isolated_env(tmp_path))
    enabled = cli("plugins", "--enable", "exits_at_import")
    assert enabled.returncode == 0 and "enabled again" in enabled.stderr
    assert quarantined(isolated_env(tmp_path)) == {}
    assert cli("plugins", "--json", "--plugins-dir", str(CRASH)).returncode == 3  # imported again


def test_an_import_marker_of_a_running_process_is_left_alone(tmp_path):
    env = isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS="")
    folder = Path(env["XDG_STATE_HOME"]) / "fsdl-tui"
    folder.mkdir(parents=True)
    parent = os.getppid()  # alive, and not this process
    (folder / f"importing-plugin-{parent}.json").write_text(json.dumps({"plugin": "x", "pid": parent}))
    load_plugins(env=env)
    assert quarantined(env) == {} and (folder / f"importing-plugin-{parent}.json").exists()
    assert enable_plugin("x", env) is False


# --- progress and cancellation --------------------------------------------------------------------------------


class FakeTty(io.StringIO):
    def isatty(self):
        return True


def test_progress_line_only_on_a_terminal_and_only_after_a_second():
    now = [0.0]
    stream = FakeTty()
    line = ProgressLine(stream, "scoring", clock=lambda: now[0])
    line.update(1, 3)
    assert stream.getvalue() == ""  # quick work shows nothing
    now[0] = 1.5
    line.update(2, 3)
    assert "scoring: 2/3 projects" in stream.getvalue()
    line.close()
    assert stream.getvalue().endswith("\r\x1b[K")
    pipe = io.StringIO()
    piped = ProgressLine(pipe, "scoring", clock=lambda: now[0] + 10)
    piped.update(3, 3)
    assert pipe.getvalue() == ""


def test_rank_reports_progress_and_can_be_cancelled_between_projects(tmp_path):
    host = load_plugins(env=isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS=""))
    pf = make_portfolio([make_project(str(i), impact=3, cost=(3, 3, 3)) for i in range(5)])
    seen = []
    assert len(host.rank(pf, "fsdl", progress=lambda done, total: seen.append((done, total)))) == 5
    assert seen == [(i, 5) for i in range(1, 6)]
    stop = threading.Event()
    calls = []

    def progress(done, total):
        calls.append(done)
        if done == 2:
            stop.set()

    with pytest.raises(RankCancelled, match="after 2 of 5"):
        host.rank(pf, "fsdl", progress=progress, cancelled=stop)
    assert calls == [1, 2]


def test_the_testing_fixtures_are_a_pytest11_entry_point(request):
    import importlib.metadata as md

    import fsdl_tui.testing

    assert any(ep.value == "fsdl_tui.testing" for ep in md.entry_points(group="pytest11"))
    assert request.config.pluginmanager.get_plugin("fsdl_tui.testing") is fsdl_tui.testing


@pytest.mark.parametrize("budget", ["0", "10"], ids=["in-the-calling-thread", "in-a-worker-thread"])
def test_a_plugin_scorer_reports_progress_and_can_be_cancelled(tmp_path, budget):
    host = hostile(tmp_path, "tryfirst_plugin", FSDL_TUI_SCORER_TIMEOUT=budget)
    pf = sample()
    seen = []
    ranked = host.rank(pf, "first", progress=lambda done, total: seen.append((done, total)))
    assert [r.score.value for r in ranked] == [1.0] * N_SAMPLE
    assert seen and seen[-1] == (N_SAMPLE, N_SAMPLE) and all(total == N_SAMPLE for _, total in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    stop = threading.Event()
    stop.set()
    with pytest.raises(RankCancelled, match=f"after 0 of {N_SAMPLE}"):
        host.rank(pf, "first", cancelled=stop)
