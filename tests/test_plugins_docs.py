"""docs/plugins.md is enough to write a plugin: every hook is documented (and tested), and the example
plugin on that page, copied out of it verbatim, installs, shows in `fsdl-tui plugins --json` and works."""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from fsdl_tui.plugins import hookspecs

ROOT = Path(__file__).parent.parent
DOC = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
HOOKS = [
    (name, fn)
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, hookspecs.PROJECT_NAME + "_spec")
]


def test_there_are_hooks():
    assert {name for name, _ in HOOKS} >= {"register_scorers", "register_exporters"}


@pytest.mark.parametrize("name, fn", HOOKS, ids=[n for n, _ in HOOKS])
def test_every_hook_is_documented_with_its_signature(name, fn):
    args = ", ".join(inspect.signature(fn).parameters)
    assert f"### `{name}({args})`" in DOC, f"docs/plugins.md has no section for the hook {name}({args})"


@pytest.mark.parametrize("name, fn", HOOKS, ids=[n for n, _ in HOOKS])
def test_every_hook_is_implemented_by_a_tested_plugin(name, fn):
    sources = [*(ROOT / "tests" / "plugin_fixtures").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]
    assert any(f"def {name}(" in p.read_text(encoding="utf-8") for p in sources), f"no test plugin implements {name}"


def code_blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, re.DOTALL)


def write_example(tmp_path: Path) -> Path:
    """The three files of the example plugin, exactly as docs/plugins.md shows them."""
    pyproject = code_blocks("toml")[0]
    module, test = code_blocks("python")[:2]
    root = tmp_path / "fsdl-tui-readiness"
    (root / "fsdl_tui_readiness").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (root / "fsdl_tui_readiness" / "__init__.py").write_text(module, encoding="utf-8")
    (root / "tests" / "test_readiness_plugin.py").write_text(test, encoding="utf-8")
    return root


def test_the_example_files_are_consistent(tmp_path):
    root = write_example(tmp_path)
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["entry-points"]["fsdl_tui"] == {"readiness": "fsdl_tui_readiness"}
    compile((root / "fsdl_tui_readiness" / "__init__.py").read_text(), "example", "exec")


def install(root: Path, site: Path) -> Path:
    """Install the package at `root` into the folder `site`, as pip would, without the network.

    With hatchling available: a real build and install (no build isolation). Without it (a CI that installed
    fsdl-tui with build isolation): copy the package and write the `*.dist-info` that pip would write, with
    the metadata and entry points taken from the pyproject.toml.
    """
    if importlib.util.find_spec("hatchling") is not None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "--target",
                str(site),
                str(root),
            ],
            check=True,
            capture_output=True,
        )
        return site
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    meta = pyproject["project"]
    for package in pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]:
        shutil.copytree(root / package, site / package)
    info = site / f"{meta['name'].replace('-', '_')}-{meta['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n")
    lines = []
    for group, entry_points in meta["entry-points"].items():
        lines += [f"[{group}]"] + [f"{name} = {value}" for name, value in entry_points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return site


@pytest.mark.slow
def test_the_example_plugin_installs_and_works_from_the_cli(tmp_path, run_cli, portfolio_file, monkeypatch):
    root = write_example(tmp_path)
    site = install(root, tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("FSDL_TUI_STRICT_PLUGINS", "1")  # any problem with the example fails the test

    code, out, err = run_cli("plugins", "--json")
    assert code == 0, err
    info = {p["name"]: p for p in json.loads(out)}["readiness"]
    assert info["status"] == "loaded" and info["version"] == "0.1.0"
    assert info["provides"] == {"scorers": ["readiness"], "exporters": ["todo"], "fields": []}
    assert info["source"] == "entry point of fsdl-tui-readiness"

    code, out, err = run_cli("rank", portfolio_file, "--scorer", "readiness", "--explain", "defect-detect")
    assert code == 0, err
    assert "gate items done" in out and re.search(r"score\s+2\.0000", out)
    target = tmp_path / "todo.md"
    code, _, err = run_cli("export", portfolio_file, "--format", "todo", "-o", target)
    assert code == 0, err
    assert "- [ ] Is it ethical to solve this with ML?" in target.read_text(encoding="utf-8")

    # The example's own tests pass against the installed package.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env.pop("FSDL_TUI_LOAD_PLUGINS", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(root), str(root / "tests")],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


# --- the reference parts of the page say what the code does --------------------------------------------------


def doc_signature(fn) -> str:
    """`name(a="x", *, b=None, **kw)` as docs/plugins.md writes a signature."""
    parts = []
    star = False
    for p in inspect.signature(fn).parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            star = True
            continue
        if p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
            continue
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        default = "" if p.default is p.empty else "=" + repr(p.default).replace("'", '"')
        parts.append(p.name + default)
    return f"{fn.__name__}({', '.join(parts)})"


@pytest.mark.parametrize("name", ["make_project", "make_portfolio", "plugin_host"])
def test_testing_helpers_are_documented_with_their_real_defaults(name):
    import fsdl_tui.testing

    sig = doc_signature(getattr(fsdl_tui.testing, name))
    assert f"`{sig}`" in DOC, f"docs/plugins.md should show {sig}"


def test_plugin_host_names_a_plugin_by_its_module_by_default():
    import types

    from fsdl_tui.testing import plugin_host

    module = types.ModuleType("some_module")
    host = plugin_host(module)
    assert "some_module" in {p["name"] for p in host.info()}
    assert "by default each plugin is named by its module's `__name__`" in DOC


def section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end != -1 else len(DOC)]


def test_the_portfolio_view_table_lists_every_attribute_and_only_real_ones():
    import dataclasses

    from fsdl_tui.domain.model import Portfolio
    from fsdl_tui.plugins.views import portfolio_view
    from fsdl_tui.testing import sample

    table = section("### The portfolio view")
    documented = set(re.findall(r"`(\w+)`", table.split("\n\n", 2)[1]))
    view = portfolio_view(sample())
    fields = {f.name for f in dataclasses.fields(Portfolio)}
    assert fields <= documented
    for name in documented - {"id", "in", "portfolio"}:
        assert hasattr(view, name) or hasattr(view.settings, name), name


def test_the_quadrant_table_matches_quadrant_of_and_the_threshold_counts_as_high():
    from fsdl_tui.scoring import quadrant_of

    rows = re.findall(
        r"^\| `([\w-]+)` \| (upper|lower) (left|right) \| (high|low) \| (high|low) \|$", DOC, re.MULTILINE
    )
    assert len(rows) == 4
    for quadrant, vertical, horizontal, impact, feasibility in rows:
        assert (vertical == "upper") == (impact == "high") and (horizontal == "right") == (feasibility == "high")
        assert quadrant_of(4.0 if impact == "high" else 2.0, 4.0 if feasibility == "high" else 2.0) == quadrant
        # exactly at the threshold counts as high
        at = quadrant_of(3.0 if impact == "high" else 2.9, 3.0 if feasibility == "high" else 2.9)
        assert at == quadrant
    assert "**at or above** the threshold" in DOC


def test_impact_of_and_feasibility_of_compute_what_the_page_says():
    from fsdl_tui.domain.model import Impact
    from fsdl_tui.scoring import feasibility_of, impact_of
    from fsdl_tui.testing import make_project

    assert impact_of(make_project(impact=Impact(overall=2, automation=5))) == 2
    assert impact_of(make_project(impact=Impact(cheap_prediction=3, automation=4))) == 3.5
    assert impact_of(make_project()) is None
    da, acc, diff = 4, 3, 2
    documented = 5 - 4 * (0.5 * (5 - da) / 4 + 0.3 * (2 ** (acc - 1) - 1) / 15 + 0.2 * (diff - 1) / 4)
    assert feasibility_of(make_project(cost=(da, acc, diff))) == pytest.approx(documented)
    assert feasibility_of(make_project(cost=(da, None, diff))) is None
    assert "`5 - 4 x (0.5 x data cost + 0.3 x accuracy cost + 0.2 x" in DOC


def test_a_bare_float_is_not_a_score_as_the_page_says():
    from fsdl_tui.scoring import Scorer, safe_score
    from fsdl_tui.testing import make_project

    class Bare(Scorer):
        name = "bare"

        def score(self, project, settings):
            return 3.5

    s = safe_score(Bare(), make_project(), {})
    assert s.error and "scorer returned float, not a Score" in s.reason
    assert '"scorer returned float,\n  not a Score"' in DOC or "scorer returned float, not a Score" in DOC.replace(
        "\n  ", " "
    )


def test_the_documented_plugins_json_shape_is_the_real_one(run_cli):
    code, out, err = run_cli("plugins", "--json")
    assert code == 0, err
    real = json.loads(out)
    (example,) = json.loads(code_blocks("json")[0])
    assert isinstance(real, list) and real[0]["name"] == "fsdl_tui"
    for row in real:
        assert set(row) == set(example)
        assert set(row["provides"]) == set(example["provides"])
        assert row["status"] in ("loaded", "failed", "disabled")
