"""User key remaps: `$XDG_CONFIG_HOME/fsdl-tui/keymap.toml` maps binding ids to keys.

    # keymap.toml
    save = "ctrl+s,f2"        # several keys: comma-separated
    "board.forward" = "l"

Every binding of the app has an id (the help screen lists them); the map goes to `App.set_keymap`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from .config import config_dir, read_toml

_KEY_RE = re.compile(r"^[a-z0-9_+\-]+(,[a-z0-9_+\-]+)*$")


def load_keymap(
    env: Mapping[str, str] | None = None, known_ids: set[str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """The remaps from the user's keymap file, and a problem message for each entry that is ignored."""
    path: Path = config_dir(env) / "keymap.toml"
    data, problems = read_toml(path)
    keymap: dict[str, str] = {}
    table = data.get("keys", data) if isinstance(data.get("keys"), dict) else data
    for binding_id, keys in table.items():
        if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
            keys = ",".join(keys)
        if not isinstance(keys, str) or not _KEY_RE.match(keys.replace(" ", "").lower()):
            problems.append(f"{path}: '{binding_id}': expected keys such as \"ctrl+s,f2\"")
            continue
        if known_ids is not None and binding_id not in known_ids:
            problems.append(f"{path}: unknown binding id '{binding_id}' (the help screen, F1, lists them)")
            continue
        keymap[binding_id] = keys.replace(" ", "").lower()
    return keymap, problems


_NAMES = {"delete": "Del", "escape": "Esc", "enter": "Enter", "tab": "Tab", "space": "Space", "backspace": "Backspace"}
_NAMES |= {"pageup": "PgUp", "pagedown": "PgDn", "home": "Home", "end": "End", "insert": "Ins"}


def key_label(key: str) -> str:
    """A key as people write it: `]` for right_square_bracket, `?`, `/`, `Del`, `F1`, `ctrl+s`."""
    from textual.keys import format_key

    *mods, base = key.split("+") if key != "+" else [key]
    if base in _NAMES:
        name = _NAMES[base]
    elif re.fullmatch(r"f\d{1,2}", base):
        name = base.upper()
    else:
        name = format_key(base)
    return "+".join([*mods, name])


def keys_label(keys: list[str] | str) -> str:
    """Several keys (a list, or comma-separated as in a Binding) as people write them, comma-separated."""
    items = keys.split(",") if isinstance(keys, str) else keys
    return ", ".join(key_label(k.strip()) for k in items if k.strip())
