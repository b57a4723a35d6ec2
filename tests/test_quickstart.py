"""The README's Quick start: two commands that make their own virtual environment (so they work where the
system Python refuses installs, PEP 668), and CI runs the second one verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = "python3 -m venv .venv && . .venv/bin/activate && "


def _quick_start() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "no sh block in the Quick start"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_both_commands_install_into_a_virtual_environment() -> None:
    run, test = _quick_start()
    assert run.startswith(VENV) and run.endswith("fsdl-tui")
    assert test.startswith(VENV) and "&& python -m pytest -q" in test
    for command in (run, test):  # nothing is installed before the environment is active
        assert command.index("pip install") > command.index(". .venv/bin/activate")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test = _quick_start()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in ci
    assert any("apt-get install -y" in line and "chromium" in line for line in ci)  # for the browser test
