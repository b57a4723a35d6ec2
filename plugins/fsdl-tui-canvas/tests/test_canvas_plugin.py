"""Tests of the ML Canvas exporter plugin."""

import fsdl_tui_canvas

from fsdl_tui.testing import check_exporter, make_portfolio, make_project, plugin_host, portfolio_file, run_cli, sample  # noqa: F401 - pytest fixtures


def test_every_project_gets_a_canvas_with_escaped_text():
    out = check_exporter(fsdl_tui_canvas.CanvasExporter())
    for p in sample().projects:
        assert f"({p.id})" in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "### Data sources and collection" in out


def test_killed_projects_left_out_unless_asked():
    killed = make_project("dead", cost=(1, 1, 1)).replace(
        lifecycle=make_project().lifecycle.__class__(status="killed", status_reason="no data")
    )
    pf_off = make_portfolio([killed, make_project("alive")])
    host = plugin_host(fsdl_tui_canvas, name="canvas")
    out = host.export(pf_off, "canvas", host.rank(pf_off))
    assert "(dead)" not in out and "(alive)" in out
    pf_on = pf_off.replace(plugins={"canvas": {"include_killed": True}})
    assert "(dead)" in host.export(pf_on, "canvas", host.rank(pf_on))


def test_bad_setting_is_reported_with_the_plugin_name():
    pf = make_portfolio([make_project("a")], plugins={"canvas": {"include_killed": "yes"}})
    host = plugin_host(fsdl_tui_canvas, name="canvas")
    assert "canvas" not in host.exporters(pf)
    assert any(p.plugin == "canvas" and "include_killed" in p.message for p in host.problems)


def test_cli_exports_canvas_through_the_entry_point(run_cli, portfolio_file, tmp_path):
    out = tmp_path / "canvas.md"
    code, _, err = run_cli("export", portfolio_file, "--format", "canvas", "-o", out)
    assert code == 0, err
    assert out.read_text(encoding="utf-8").startswith("# Sample &lt;portfolio&gt; &amp; co: ML canvases")
