"""Every hook a plugin can implement, in one module (as datasette and llm do).

A plugin is a module (or any object) with functions decorated by `@hookimpl` and named like the specs below.
Registration hooks return objects that the host validates: a plugin that returns the wrong kind of object,
raises, or reuses a name is reported with the plugin's name and skipped, and the rest keeps working.

The host calls each hook through pluggy one plugin at a time (`pm.subset_hook_caller`), in pluggy's order
(`tryfirst`/`trylast` honoured), with the plugin's own wrappers around its own implementations. An
implementation gets only the arguments it names, so it may take fewer than its spec (pluggy's rule), and
`settings` is always the calling plugin's own table, read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pluggy

PROJECT_NAME = "fsdl_tui"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_scorers(settings: Mapping[str, Any]) -> Any:
    """Return the scorers this plugin provides: a list of `fsdl_tui.scoring.Scorer` instances (or one, or None).

    `settings` is the plugin's own `[plugins.NAME]` table from the open portfolio file (plain data, read-only;
    empty when no portfolio is open or the table is absent). Each scorer's `name` must be unique across all
    plugins; it is what `fsdl-tui rank --scorer NAME` and `[scoring.NAME]` refer to.
    """


@hookspec
def register_exporters(settings: Mapping[str, Any]) -> Any:
    """Return the exporters this plugin provides: a list of `fsdl_tui.exporters.Exporter` instances (or one, or None).

    `settings` is the plugin's own `[plugins.NAME]` table, as for `register_scorers`. Each exporter's `name`
    must be unique across all plugins; it is what `fsdl-tui export --format NAME` refers to.
    """


@hookspec
def register_fields(settings: Mapping[str, Any]) -> Any:
    """Return the fields this plugin reads: a list of `fsdl_tui.plugins.fields.PluginField` (or one, or None).

    Each names a value of the plugin's own tables: `scope="project"` (the default) for
    `[projects.plugins.NAME] KEY`, `scope="portfolio"` for the setting `[plugins.NAME] KEY` (NAME: the
    plugin's name), with its kind (number, score, text, longtext, bool, choice, list), range (`min`, `max`,
    `choices`), `label` and `help`. The host turns them into schema fields (`PluginHost.fields()`): `set`
    parses and checks them, `validate` reports bad values at FILE:LINE:COL, `show ID` and the HTML export list them.
    `settings` is the plugin's own `[plugins.NAME]` table, as for `register_scorers`.
    """
