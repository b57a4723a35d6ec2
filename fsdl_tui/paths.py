"""Where fsdl-tui keeps its own files: user config, state (journals, plugin load markers) and cache.

One place computes them, with `platformdirs`, so every command, the app and the tests agree. An explicit
`$XDG_CONFIG_HOME`, `$XDG_STATE_HOME` or `$XDG_CACHE_HOME` in the given environment wins on every platform
(tests and users point them at a folder of their own); otherwise the platform's convention applies
(`~/.config/fsdl-tui`, `~/.local/state/fsdl-tui`, `~/.cache/fsdl-tui` on Linux).

Standard library and platformdirs only: importable by every layer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP = "fsdl-tui"


def _dir(env: Mapping[str, str] | None, var: str, fallback: str) -> Path:
    env = os.environ if env is None else env
    explicit = env.get(var)
    if explicit:
        return Path(explicit) / APP
    home = env.get("HOME")
    if env is not os.environ and home:
        # An injected environment without the XDG variable: the Linux default under its HOME, never the
        # real user's folder (tests pass such environments).
        return Path(home) / fallback / APP
    return Path(getattr(platformdirs, f"user_{var.split('_')[1].lower()}_dir")(APP, appauthor=False))


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """User settings: `config.toml` (plugins), `app.toml` (theme), `keymap.toml` (key remaps)."""
    return _dir(env, "XDG_CONFIG_HOME", ".config")


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """Machine-local state that must survive a crash: unsaved-change journals, plugin load markers."""
    return _dir(env, "XDG_STATE_HOME", ".local/state")


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Rebuildable data: safe to delete at any time."""
    return _dir(env, "XDG_CACHE_HOME", ".cache")
