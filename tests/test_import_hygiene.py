"""The core must load without the UI stack: importing it in a fresh interpreter pulls in no textual, rich or
pandas (the app pays for those only when it starts)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("textual", "rich", "pandas")


def _loaded_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {name.split(".")[0] for name in json.loads(out)}


@pytest.mark.parametrize(
    ("statement", "forbidden"),
    [
        ("import fsdl_tui.domain, fsdl_tui.storage", HEAVY),
        ("import fsdl_tui.domain.codec, fsdl_tui.domain.fields, fsdl_tui.domain.lifecycle", HEAVY),
        ("from fsdl_tui.storage import load, save, render_text", HEAVY),
        ("import fsdl_tui.scoring", ("textual", "pandas")),
        ("import fsdl_tui.workspace", HEAVY),
        ("import fsdl_tui.storage.journal", HEAVY),
        ("import fsdl_tui.storage.ratings", (*HEAVY, "numpy", "scipy")),
        # The app's start: the decision math (numpy, scipy) and pandas wait until a screen needs them.
        ("import fsdl_tui.tui.app", ("pandas", "numpy", "scipy")),
        ("import fsdl_tui.cli.main; fsdl_tui.cli.main.build_parser()", ("textual", "pandas", "numpy", "scipy")),
    ],
)
def test_core_imports_leave_ui_and_dataframe_libraries_out(statement: str, forbidden: tuple[str, ...]) -> None:
    loaded = _loaded_after(statement)
    assert "fsdl_tui" in loaded  # the statement really ran
    assert not loaded & set(forbidden), f"{statement!r} imported {sorted(loaded & set(forbidden))}"


def test_the_check_itself_sees_a_heavy_import() -> None:
    # Guard against a check that could never fail: an import of rich is seen.
    assert "rich" in _loaded_after("import rich")
