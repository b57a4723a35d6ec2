"""Where the app keeps its user settings: `$XDG_CONFIG_HOME/fsdl-tui/` (default `~/.config/fsdl-tui/`).

- `keymap.toml`: key remaps by binding id (see `keymap.py` and docs/app.md);
- `app.toml`: `theme = "textual-dark"`, the theme to start with.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..paths import config_dir

__all__ = ["app_settings", "config_dir", "read_toml"]


def read_toml(path: Path) -> tuple[dict[str, Any], list[str]]:
    """A TOML file as a dict, and problems (a missing file is not a problem, just empty)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), []
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path}: {exc}"]


def app_settings(env: Mapping[str, str] | None = None) -> tuple[dict[str, Any], list[str]]:
    path = config_dir(env) / "app.toml"
    data, problems = read_toml(path)
    theme = data.get("theme")
    if theme is not None and not isinstance(theme, str):
        problems.append(f"{path}: theme must be a string")
        data.pop("theme")
    return data, problems
