"""Where the app keeps its user settings: `$XDG_CONFIG_HOME/fsdl-tui/` (default `~/.config/fsdl-tui/`).

- `keymap.toml`: key remaps by binding id (see `keymap.py` and docs/app.md);
- `app.toml`: `theme = "textual-dark"`, the theme to start with; `columns = ["impact", ...]`, the optional
  table columns to show when they fit (the column chooser, `C`, writes it); `screenshots = "DIR"`, where
  screenshots go.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..paths import config_dir

__all__ = ["app_settings", "config_dir", "read_toml", "write_app_setting"]


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
    columns = data.get("columns")
    if columns is not None and not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
        problems.append(f"{path}: columns must be a list of column names")
        data.pop("columns")
    shots = data.get("screenshots")
    if shots is not None and not isinstance(shots, str):
        problems.append(f"{path}: screenshots must be a folder name")
        data.pop("screenshots")
    return data, problems


def screenshot_folder(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """Where screenshots go: `screenshots = "DIR"` of app.toml (created when missing), else the user's
    downloads folder when it exists, else the current folder."""
    import platformdirs

    here = cwd or Path.cwd()
    folder = app_settings(env)[0].get("screenshots")
    if folder:
        path = Path(folder).expanduser()
        try:
            path.mkdir(parents=True, exist_ok=True)
            return path
        except OSError:
            return here
    downloads = Path(platformdirs.user_downloads_dir())
    return downloads if downloads.is_dir() else here


def write_app_setting(key: str, value: Any, env: Mapping[str, str] | None = None) -> Path:
    """Set one key of `app.toml`, keeping the rest of the file (comments included); atomic. Raises OSError
    (or SaveError) when the file cannot be written, ValueError when it is not valid TOML."""
    import tomlkit

    from ..storage.atomic import atomic_write

    path = config_dir(env) / "app.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ValueError(f"{path}: {exc}") from None
    doc[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, tomlkit.dumps(doc).encode("utf-8"))
    return path
