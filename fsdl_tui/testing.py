"""Helpers and pytest fixtures for testing fsdl-tui plugins (and fsdl-tui itself).

    from fsdl_tui.testing import check_scorer, make_portfolio, make_project, plugin_host

    def test_my_scorer():
        host = plugin_host(my_plugin_module, name="mine")    # built-ins + your plugin, nothing else
        ranked = host.rank(make_portfolio([make_project("a", impact=4, cost=(5, 2, 1))]), "mine")
        assert host.problems == []

Fixtures: `sample_portfolio`, `portfolio_file`, `fsdl_host`, `run_cli`. They are there in every pytest run
where fsdl-tui is installed (this module is a `pytest11` entry point): no conftest.py needed. Each fixture
points the user config and state folders at `tmp_path`, so tests never read or write the user's own.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .domain.model import (
    Baseline,
    Check,
    Cost,
    Impact,
    Lifecycle,
    Metrics,
    Move,
    Portfolio,
    Project,
    Settings,
    Threshold,
)
from .plugins.manager import PluginHost


def make_project(
    id: str = "p",
    title: str | None = None,
    *,
    impact: int | Impact | None = None,
    cost: tuple[int | None, int | None, int | None] | Cost | None = None,
    stage: str = "planning",
    history: Iterable[tuple[str, ...]] = (),
    plugins: Mapping[str, Mapping[str, Any]] | None = None,
    **fields: Any,
) -> Project:
    """A project with short-hands: `impact=4` (overall), `cost=(data availability, accuracy requirement,
    problem difficulty)`, `history=[("planning", "data", "2024-01-10"), ("data", "planning", "2024-02-01",
    "why"), ...]` (from, to, date, optional note: a move back needs one); other keywords go to Project."""
    if isinstance(impact, int):
        impact = Impact(overall=impact)
    if isinstance(cost, tuple):
        cost = Cost(data_availability=cost[0], accuracy_requirement=cost[1], problem_difficulty=cost[2])
    moves = tuple(Move(h[0], h[1], _dt.date.fromisoformat(h[2]), *h[3:]) for h in history)
    return Project(
        id=id,
        title=title if title is not None else id.replace("-", " ").capitalize(),
        impact=impact or Impact(),
        cost=cost or Cost(),
        lifecycle=Lifecycle(stage=stage, history=moves),
        plugins=dict(plugins or {}),
        **fields,
    )


def make_portfolio(
    projects: Iterable[Project] = (),
    *,
    name: str = "Test portfolio",
    scoring: Mapping[str, Mapping[str, Any]] | None = None,
    plugins: Mapping[str, Mapping[str, Any]] | None = None,
    settings: Settings | None = None,
) -> Portfolio:
    return Portfolio(
        name=name,
        settings=settings or Settings(),
        scoring=dict(scoring or {}),
        plugins=dict(plugins or {}),
        projects=tuple(projects),
    )


def sample_projects() -> list[Project]:
    """Projects that cover what a plugin must cope with: complete, partly scored, unscored, hostile text."""
    return [
        make_project(
            "grasp-pose",
            "Grasp pose estimation",
            impact=5,
            cost=(2, 5, 4),
            stage="training",
            archetype="autonomous",
            owner="ana",
            tags=("vision",),
            history=[("planning", "data", "2024-01-08"), ("data", "training", "2024-03-01")],
            plugins={"rice": {"reach": 300, "impact": 2, "confidence": 0.5, "effort": 6}},
        ),
        make_project(
            "defect-detect",
            "Defect detection",
            impact=4,
            cost=(4, 3, 2),
            stage="deploying",
            archetype="human-in-the-loop",
            history=[
                ("planning", "data", "2024-02-01"),
                ("data", "training", "2024-02-20"),
                ("training", "data", "2024-03-15", "Labels are unreliable"),
                ("data", "training", "2024-04-01"),
                ("training", "deploying", "2024-05-01"),
            ],
            gate={"product": Check(True, "line 3"), "data": Check(True)},
            metrics=Metrics(optimizing="recall", target=0.95),
        ),
        make_project(
            "lens-only",
            "Scored by lenses",
            impact=Impact(cheap_prediction=3, automation=4),
            cost=(5, 1, 1),
            archetype="software-2.0",
        ),
        make_project("unscored", "No scores yet"),
        make_project(
            "evil-text",
            "<script>alert(1)</script>",
            impact=2,
            cost=(3, 2, 3),
            summary='=HYPERLINK("http://x.example","click") | -1+1 | @SUM(A1)',
            owner="+cmd",
        ),
    ]


# Text that breaks naive output: rich markup (a closing tag alone crashes rich), a link tag, ANSI escapes,
# right-to-left script and emoji (with a joiner sequence).
MARKUP_TEXT = "[/] [bold]b[/bold] [link=x]l[/link] \x1b[31mred\x1b[0m שלום עולם 🚀👩‍💻"


def markup_project(id: str = "markup-text", text: str = MARKUP_TEXT) -> Project:
    """A project whose every text field holds `text`: it must show literally everywhere, never crash."""
    from .domain import framework as fw

    check = Check(True, text)
    return make_project(
        id,
        text,
        impact=Impact(overall=3, cheap_prediction=2, rationale=text),
        cost=Cost(
            data_availability=3,
            data_availability_note=text,
            accuracy_requirement=2,
            accuracy_requirement_note=text,
            problem_difficulty=3,
            problem_difficulty_note=text,
        ),
        archetype="autonomous",
        summary=text,
        owner=text,
        tags=(text, "[red]"),
        links=(text,),
        questions={q.id: text for q in fw.ARCHETYPE_BY_ID["autonomous"].questions},
        gate={g.id: check for g in fw.GATE_ITEMS},
        feasibility={s.id: check for s in fw.FEASIBILITY_STEPS},
        metrics=Metrics(
            optimizing=text,
            target=0.9,
            satisficing=(Threshold(text, 50.0, "max"),),
            baselines=(Baseline("human", text, 0.8),),
        ),
        plugins={"rice": {"reach": 10, "impact": 1, "confidence": 0.5, "effort": 2, "note": text}},
        extra={"team_note": text},
    ).replace(
        lifecycle=Lifecycle(
            stage="data",
            status="on-hold",
            status_reason=text,
            history=(Move("planning", "data", _dt.date(2024, 1, 15), text),),
        )
    )


def sample() -> Portfolio:
    return make_portfolio(sample_projects() + [markup_project()], name="Sample <portfolio> & co")


def plugin_host(*plugins: object, name: str | None = None, strict: bool = False) -> PluginHost:
    """A host with the built-ins and the given plugin objects (modules, usually) and nothing installed.

    `name` names a single plugin (default: its module's `__name__`); problems land in `host.problems`,
    or raise PluginError when `strict`.
    """
    from . import __version__
    from .plugins import builtin
    from .plugins.manager import BUILTIN_NAME

    host = PluginHost(strict=strict)
    host.register(builtin, BUILTIN_NAME, "built-in", __version__)
    for plugin in plugins:
        plugin_name = name if name is not None and len(plugins) == 1 else getattr(plugin, "__name__", repr(plugin))
        host.register(plugin, plugin_name, "test", getattr(plugin, "__version__", None))
    host.info()
    return host


def check_scorer(scorer: Any, portfolio: Portfolio | None = None) -> None:
    """Assert that a scorer meets the contract on every project of `portfolio` (default: the sample)."""
    from .scoring.base import Score, Scorer, safe_score

    assert isinstance(scorer, Scorer), f"{scorer!r} is not a fsdl_tui.scoring.Scorer"
    assert isinstance(scorer.name, str) and scorer.name, "a scorer needs a name"
    assert isinstance(scorer.label, str) and isinstance(scorer.description, str)
    pf = portfolio or sample()
    for project in pf.projects:
        raw = scorer.score(project, pf.scoring.get(scorer.name, {}))
        assert isinstance(raw, Score), f"{scorer.name} returned {type(raw).__name__} for {project.id}"
        s = safe_score(scorer, project, pf.scoring.get(scorer.name, {}))
        assert not s.error, f"{scorer.name} failed on {project.id}: {s.reason}"
        if s.value is None:
            assert s.reason, f"{scorer.name}: 'not scorable' needs a reason ({project.id})"
        elif s.terms:
            total = sum(t.contribution for t in s.terms)
            assert math.isclose(total, s.value, rel_tol=1e-9, abs_tol=1e-9), (
                f"{scorer.name}: terms add up to {total}, not to the score {s.value} ({project.id})"
            )


def check_exporter(exporter: Any, portfolio: Portfolio | None = None) -> str | bytes:
    """Assert that an exporter meets the contract on `portfolio` (default: the sample); return its output."""
    from .exporters.base import Exporter
    from .scoring import FsdlScorer, rank

    assert isinstance(exporter, Exporter), f"{exporter!r} is not a fsdl_tui.exporters.Exporter"
    assert isinstance(exporter.name, str) and exporter.name and isinstance(exporter.extension, str)
    pf = portfolio or sample()
    out = exporter.export(pf, rank(pf, FsdlScorer()), {})
    assert isinstance(out, (str, bytes)), f"{exporter.name} returned {type(out).__name__}, not str or bytes"
    return out


def isolated_env(tmp: Path, **extra: str) -> dict[str, str]:
    """An environment for `load_plugins(env=...)` with no user config and no local plugins."""
    return {
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "XDG_STATE_HOME": str(tmp / "state"),
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "HOME": str(tmp),
        **extra,
    }


try:
    import pytest
except ImportError:  # pragma: no cover - the helpers above work without pytest
    pytest = None  # type: ignore[assignment]

_PLUGIN_VARS = (
    "FSDL_TUI_PLUGINS_DIR",
    "FSDL_TUI_LOAD_PLUGINS",
    "FSDL_TUI_STRICT_PLUGINS",
    "FSDL_TUI_SCORER_TIMEOUT",
    "FSDL_TUI_EXPORT_TIMEOUT",
)

if pytest is not None:

    @pytest.fixture
    def sample_portfolio() -> Portfolio:
        """A small portfolio with complete, partial, unscored and hostile-text projects."""
        return sample()

    @pytest.fixture
    def portfolio_file(tmp_path: Path) -> Path:
        """The sample portfolio saved as a TOML file in a temporary folder."""
        from .storage import new_document, save

        path = tmp_path / "portfolio.toml"
        doc = new_document(sample())
        save(doc, doc.portfolio, path)
        return path

    @pytest.fixture
    def fsdl_host(tmp_path: Path, monkeypatch: Any) -> PluginHost:
        """The plugins as a user would load them (installed entry points), without any user config."""
        from .plugins.manager import load_plugins

        for var in _PLUGIN_VARS:
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        return load_plugins()

    @pytest.fixture
    def run_cli(tmp_path: Path, monkeypatch: Any, capsys: Any) -> Callable[..., tuple[int, str, str]]:
        """Run the `fsdl-tui` command line in-process: `code, out, err = run_cli("rank", path)`."""
        from .cli.main import main

        for var in _PLUGIN_VARS:
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        monkeypatch.setenv("COLUMNS", "200")

        def run(*argv: Any) -> tuple[int, str, str]:
            capsys.readouterr()
            try:
                code = main([str(a) for a in argv])
            except SystemExit as exc:  # argparse usage errors
                code = exc.code if isinstance(exc.code, int) else 1
            out, err = capsys.readouterr()
            return code, out, err

        return run
