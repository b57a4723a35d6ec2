"""The plugin host: discovery, validation, containment of broken plugins, and the user's controls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fsdl_tui.plugins.manager import PluginError, load_plugins
from fsdl_tui.testing import isolated_env, make_portfolio, make_project, plugin_host, sample

# The fixtures (portfolio_file, run_cli, ...) come from fsdl_tui.testing's pytest11 entry point.

FIXTURES = Path(__file__).parent / "plugin_fixtures"
BROKEN = FIXTURES / "broken"
GOOD = FIXTURES / "good"
ENTRY_POINTS = FIXTURES / "entry_points"
BUILTIN_SCORERS = {"fsdl", "weighted"}
BUILTIN_EXPORTERS = {"csv", "json", "markdown", "html"}


def problems_of(host, plugin):
    return [p.message for p in host.problems if p.plugin == plugin]


@pytest.fixture
def env(tmp_path):
    # Only the built-ins plus what a test adds: installed example plugins are kept out by the allowlist.
    return isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS="")


def test_builtins_are_registered_through_the_hooks(env):
    host = load_plugins(env=env)
    assert set(host.scorers()) == BUILTIN_SCORERS and set(host.exporters()) == BUILTIN_EXPORTERS
    (info,) = [p for p in host.info() if p["name"] == "fsdl_tui"]
    assert info["hooks"] == ["register_exporters", "register_fields", "register_scorers"]
    assert info["provides"] == {
        "scorers": ["fsdl", "weighted"],
        "exporters": ["csv", "json", "markdown", "html"],
        "fields": ["exclude_inactive", "plan_budget", "top_k"],
    }
    assert info["status"] == "loaded" and host.problems == []


def test_info_has_the_documented_keys(env):
    for row in load_plugins(env=env).info():
        assert {"name", "version", "source", "hooks", "provides", "status", "errors"} <= set(row)
        json.dumps(row)  # plain data


def test_local_plugin_from_plugins_dir_with_its_settings(env):
    host = load_plugins(plugins_dir=str(GOOD), env=env | {"FSDL_TUI_LOAD_PLUGINS": "hello_local"})
    assert host.problems == []
    pf = make_portfolio(
        [make_project("a", impact=3), make_project("b", impact=5)],
        plugins={"hello_local": {"factor": 2.0, "header": "ids:\n"}},
    )
    ranked = host.rank(pf, "impact-only")
    assert [(r.project.id, r.score.value) for r in ranked] == [("b", 10.0), ("a", 6.0)]
    assert host.export(pf, "ids", ranked) == "ids:\nb\na\n"
    (info,) = [p for p in host.info() if p["name"] == "hello_local"]
    assert info["version"] == "1.2.3" and info["source"].startswith("file ")
    assert info["provides"] == {"scorers": ["impact-only"], "exporters": ["ids"], "fields": []}


def test_plugins_dir_from_the_environment_variable(tmp_path):
    host = load_plugins(env=isolated_env(tmp_path, FSDL_TUI_PLUGINS_DIR=str(GOOD), FSDL_TUI_LOAD_PLUGINS="hello_local"))
    assert "impact-only" in host.scorers()


def test_plugins_dir_and_disabled_plugins_from_the_user_config(tmp_path):
    env = isolated_env(tmp_path)
    config = Path(env["XDG_CONFIG_HOME"]) / "fsdl-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'plugins_dir = "{GOOD.as_posix()}"\n', encoding="utf-8")
    assert "impact-only" in load_plugins(env=env).scorers()
    config.write_text(f'plugins_dir = "{GOOD.as_posix()}"\ndisabled_plugins = ["hello_local", "rice"]\n')
    host = load_plugins(env=env)
    assert "impact-only" not in host.scorers() and "rice" not in host.scorers()
    (info,) = [p for p in host.info() if p["name"] == "hello_local"]
    assert info["status"] == "disabled" and "disabled_plugins" in info["note"]


def test_relative_plugins_dir_in_the_user_config_is_relative_to_the_config_file(tmp_path):
    import shutil

    env = isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS="hello_local")
    folder = Path(env["XDG_CONFIG_HOME"]) / "fsdl-tui"
    shutil.copytree(GOOD, folder / "my-plugins")
    (folder / "config.toml").write_text('plugins_dir = "my-plugins"\n', encoding="utf-8")
    assert "impact-only" in load_plugins(env=env).scorers()


def test_allowlist_applies_to_local_files_too(tmp_path):
    host = load_plugins(plugins_dir=str(GOOD), env=isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS="rice"))
    assert "impact-only" not in host.scorers()
    (info,) = [p for p in host.info() if p["name"] == "hello_local"]
    assert info["status"] == "disabled" and "FSDL_TUI_LOAD_PLUGINS" in info["note"]


def test_a_broken_user_config_is_reported_not_raised(tmp_path):
    env = isolated_env(tmp_path)
    config = Path(env["XDG_CONFIG_HOME"]) / "fsdl-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("plugins_dir = [1\n", encoding="utf-8")
    host = load_plugins(env=env)
    assert problems_of(host, "config") and set(host.scorers()) >= BUILTIN_SCORERS
    config.write_text("disabled_plugins = 'rice'\n", encoding="utf-8")
    assert any("list of plugin names" in m for m in problems_of(load_plugins(env=env), "config"))


def test_a_missing_plugins_dir_is_reported(env, tmp_path):
    host = load_plugins(plugins_dir=str(tmp_path / "nope"), env=env)
    assert problems_of(host, "plugins-dir") and set(host.scorers()) == BUILTIN_SCORERS


# --- broken plugins ------------------------------------------------------------------------------------


@pytest.fixture
def broken_host(tmp_path):
    names = ",".join(p.stem for p in BROKEN.glob("*.py"))
    return load_plugins(plugins_dir=str(BROKEN), env=isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS=names))


def test_each_broken_plugin_is_reported_with_its_name(broken_host):
    h = broken_host
    assert any("RuntimeError: boom at import" in m for m in problems_of(h, "a_raises_on_import"))
    garbage = problems_of(h, "b_returns_garbage")
    assert any("str 'not a scorer', not a Scorer" in m for m in garbage)
    assert any("int 42" in m for m in garbage)
    assert any("class NotInstantiated, not an instance" in m for m in garbage)
    assert any("register_exporters returned int" in m for m in garbage)
    assert any("'fsdl' is already provided by plugin fsdl_tui" in m for m in problems_of(h, "d_duplicate_name"))
    assert any("register_scorer" in m and "unknown hook" in m for m in problems_of(h, "e_typo_hook"))
    assert any("KeyError" in m for m in problems_of(h, "f_hook_raises"))
    status = {p["name"]: p["status"] for p in h.info()}
    assert status["a_raises_on_import"] == "failed" and status["e_typo_hook"] == "failed"
    assert status["b_returns_garbage"] == "loaded"  # loaded, but what it returned was skipped


def test_everything_else_keeps_working_next_to_broken_plugins(broken_host):
    h = broken_host
    assert set(h.scorers()) == BUILTIN_SCORERS | {"fragile"}
    assert set(h.exporters()) == BUILTIN_EXPORTERS | {"exploding"}
    assert h.scorers()["fsdl"].label != "Not the real one"  # the built-in keeps its name
    pf = sample()
    assert h.export(pf, "csv", h.rank(pf, "fsdl")).startswith("rank,id,")


def test_scorer_raising_on_one_project_marks_only_that_project(broken_host):
    ranked = broken_host.rank(sample(), "fragile")
    by_id = {r.project.id: r for r in ranked}
    assert by_id["grasp-pose"].score.error and "ZeroDivisionError" in by_id["grasp-pose"].score.reason
    assert by_id["lens-only"].score.error and "not a finite number" in by_id["lens-only"].score.reason
    assert [r.score.value for r in ranked if not r.score.error] == [1.0] * (len(ranked) - 2)
    msgs = problems_of(broken_host, "c_raises_on_one")
    assert any("'fragile' failed on project 'grasp-pose'" in m for m in msgs)
    assert any("'fragile' failed on project 'lens-only'" in m for m in msgs)


def test_exporter_that_raises_is_reported_and_refused(broken_host):
    pf = sample()
    with pytest.raises(PluginError, match="plugin d_duplicate_name: exporter 'exploding' failed: OSError"):
        broken_host.export(pf, "exploding", broken_host.rank(pf))
    assert any("disk on fire" in m for m in problems_of(broken_host, "d_duplicate_name"))


def test_strict_mode_raises_at_the_first_problem(tmp_path):
    env = isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS="a_raises_on_import", FSDL_TUI_STRICT_PLUGINS="1")
    with pytest.raises(PluginError, match="plugin a_raises_on_import: failed to import"):
        load_plugins(plugins_dir=str(BROKEN), env=env)


def test_strict_mode_raises_on_a_scoring_error():
    import importlib.util

    spec = importlib.util.spec_from_file_location("fixture_fragile", BROKEN / "c_raises_on_one.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    host = plugin_host(module, name="fragile-plugin", strict=True)
    with pytest.raises(PluginError, match="plugin fragile-plugin: scorer 'fragile' failed on project 'grasp-pose'"):
        host.rank(sample(), "fragile")


def test_unknown_scorer_is_a_clear_error(env):
    with pytest.raises(PluginError, match="no scorer named 'nope' \\(available: fsdl, weighted\\)"):
        load_plugins(env=env).scorer(sample(), "nope")


def test_default_scorer_comes_from_the_portfolio_settings(env):
    from fsdl_tui.domain.model import Settings

    host = load_plugins(env=env)
    assert host.scorer(make_portfolio(settings=Settings(default_scorer="weighted"))).name == "weighted"
    assert host.scorer(make_portfolio(settings=Settings(default_scorer="gone"))).name == "fsdl"


# --- entry points ----------------------------------------------------------------------------------------


def test_entry_points_load_one_at_a_time(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ENTRY_POINTS))
    host = load_plugins(env=isolated_env(tmp_path))
    info = {p["name"]: p for p in host.info()}
    assert info["ep_good"]["status"] == "loaded" and info["ep_good"]["version"] == "0.1"
    assert info["ep_good"]["source"] == "entry point of fsdl-tui-fixtures"
    assert "ep-constant" in host.scorers()
    assert info["ep_broken"]["status"] == "failed" and "ModuleNotFoundError" in info["ep_broken"]["errors"][0]
    assert info["ep_missing"]["status"] == "failed"
    assert problems_of(host, "ep_broken") and problems_of(host, "ep_missing")


def test_allowlist_controls_entry_points(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ENTRY_POINTS))
    host = load_plugins(env=isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS="ep_good"))
    info = {p["name"]: p for p in host.info()}
    assert info["ep_good"]["status"] == "loaded"
    assert info["ep_broken"]["status"] == "disabled" and info["ep_broken"]["errors"] == []
    assert host.problems == []
    none = load_plugins(env=isolated_env(tmp_path, FSDL_TUI_LOAD_PLUGINS=""))
    assert set(none.scorers()) == BUILTIN_SCORERS


def test_installed_example_plugins_are_found(tmp_path):
    host = load_plugins(env=isolated_env(tmp_path))
    assert {"rice", "ice"} <= set(host.scorers()) and "canvas" in host.exporters()
    assert host.provider("scorers", "rice") == "rice" and host.provider("exporters", "canvas") == "canvas"


# --- the command line --------------------------------------------------------------------------------------


def test_cli_ranks_and_exports_next_to_broken_plugins(run_cli, portfolio_file, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ENTRY_POINTS))
    code, out, err = run_cli("rank", portfolio_file, "--plugins-dir", BROKEN, "--format", "json")
    assert code == 0
    assert json.loads(out)["projects"][0]["id"] == "lens-only"
    for name in ("a_raises_on_import", "b_returns_garbage", "e_typo_hook", "ep_broken"):
        assert f"fsdl-tui: plugin {name}: " in err
    code, out, err = run_cli("rank", portfolio_file, "--plugins-dir", BROKEN, "--scorer", "fragile")
    assert code == 0 and "plugin c_raises_on_one: scorer 'fragile' failed on project 'grasp-pose'" in err
    target = tmp_path / "out.html"
    code, _, err = run_cli("export", portfolio_file, "--format", "html", "-o", target, "--plugins-dir", BROKEN)
    assert code == 0 and target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "plugin a_raises_on_import" in err
    code, _, err = run_cli("export", portfolio_file, "--format", "exploding", "--plugins-dir", BROKEN)
    assert code == 1 and "exporter 'exploding' failed" in err


def test_cli_plugins_json(run_cli):
    code, out, _ = run_cli("plugins", "--json", "--plugins-dir", GOOD)
    assert code == 0
    info = {p["name"]: p for p in json.loads(out)}
    assert info["rice"]["provides"]["scorers"] == ["rice", "ice"]
    assert info["canvas"]["provides"]["exporters"] == ["canvas"]
    assert info["hello_local"]["hooks"] == ["register_exporters", "register_scorers"]


def test_cli_plugins_table_and_strict_mode(run_cli, monkeypatch):
    code, out, _ = run_cli("plugins")
    assert code == 0 and "rice" in out and "built-in" in out
    monkeypatch.setenv("FSDL_TUI_STRICT_PLUGINS", "1")
    code, _, err = run_cli("plugins", "--plugins-dir", BROKEN)
    assert code == 1 and "fsdl-tui: plugin " in err and "Traceback" not in err


def test_cli_unknown_scorer_exits_1(run_cli, portfolio_file):
    code, _, err = run_cli("rank", portfolio_file, "--scorer", "nope")
    assert code == 1 and "no scorer named 'nope'" in err


# --- a plugins/ folder beside a portfolio is never executed --------------------------------------------------


def test_plugins_folder_beside_a_portfolio_is_never_executed(run_cli, portfolio_file, tmp_path, monkeypatch):
    marker = tmp_path / "executed.txt"
    evil = f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n"
    for folder in (tmp_path / "plugins", tmp_path / ".fsdl-tui" / "plugins", tmp_path / "fsdl_tui_plugins"):
        folder.mkdir(parents=True)
        (folder / "evil.py").write_text(evil + "from fsdl_tui import hookimpl\n", encoding="utf-8")
        (folder / "__init__.py").write_text(evil, encoding="utf-8")
    (tmp_path / "conftest_like.py").write_text(evil, encoding="utf-8")
    # The portfolio asks for the plugin too: a portfolio's plugin tables are data, never code.
    text = portfolio_file.read_text(encoding="utf-8")
    evil_table = '[plugins.evil]\npath = "plugins/evil.py"\n\n[[projects]]'
    portfolio_file.write_text(text.replace("[[projects]]", evil_table, 1))
    assert "[plugins.evil]" in portfolio_file.read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for argv in (
        ["rank", portfolio_file],
        ["export", portfolio_file, "--format", "json"],
        ["plugins", "--json"],
        ["stats", portfolio_file],
        ["rank", "portfolio.toml", "--scorer", "weighted"],
    ):
        code, _out, err = run_cli(*argv)
        assert code == 0, (argv, err)
        assert "evil" not in err
    assert not marker.exists()
    assert "evil" not in {p["name"] for p in load_plugins(env=isolated_env(tmp_path)).info()}
