"""The portfolio file format, declared once: one `Field` per key, with its TOML path, kind, range or choices,
default, label, the FSDL question it answers, whether `set` and the form may edit it, and whether an empty
value is left out of the file.

Everything else reads these tables: the reader (`reader.py`: what is valid, and the model built by keyword),
the writer (`writer.py`: the canonical form and key order), storage's pruning of empty values, `set`'s dotted
paths (`fields.py`), the analysis columns and exports, `show`, the app's form and its detail pane.

Adding a field is one entry in `PROJECT_FIELDS` (or `PORTFOLIO_FIELDS`). Plugins extend the schema without
changing these tables: a plugin declares its fields (the `register_fields` hook) and the plugin host turns
each into a `Field` at `plugins.NAME.KEY` (`plugin_field`), of a project (`[projects.plugins.NAME]`) or of the
portfolio (`[plugins.NAME]`); `reader.check_fields` validates their values and `set`, `show` and the form
take them as extra fields. A project-level field (no dot in its
path) needs nothing else: its value lives in `Project.extra` under its key until the model grows an attribute
for it. A field inside a sub-table (`impact.`, `cost.`, `metrics.`, `lifecycle.`) also needs the attribute on
that table's dataclass in `model.py`, with the same name and a default.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import framework as fw

ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")  # \Z, not $: "x\n" is no id (use fullmatch or match)
SCORE_RANGE = (1, 5)

# Kinds of a field's value, as written in the file:
#   id        the project's slug                    text, longtext  a string (longtext: multi-line)
#   score     a whole number in SCORE_RANGE         number          a finite number
#   choice    one of `choices`                      list            a list of strings (of `choices` if any)
#   checks    a checklist table of `items`          answers         a table of strings keyed by `items`
#   history   the lifecycle moves                   satisficing, baselines: arrays of inline tables
#   plugins   a table of tables (plain data)        version, projects: the top-level schema_version and projects
#   bool, data: leaves of `set` paths (a checklist item's `done`; any TOML value)
TABLE_KINDS = frozenset(("checks", "answers", "plugins"))


@dataclass(frozen=True, slots=True)
class Field:
    """One key of the file. `path` is dotted within its record (a project, or the top of the file)."""

    path: str
    kind: str
    label: str
    help: str = ""  # the hint of the form and of `set --help`
    # The framework's question shown beside the answer (`show ID`, detail pane); for a checklist, how each item's
    # question reads, with `{label}` and `{question}` (default: the item's question alone).
    question: str = ""
    range: tuple[int, int] = SCORE_RANGE  # for scores: the whole numbers allowed
    bounds: tuple[float | None, float | None] = (None, None)  # for numbers: the least and most allowed, if any
    choices: tuple[str, ...] = ()
    what: str = ""  # what one choice is called in messages: "unknown {what} 'x'"
    default: Any = None
    blank_is_default: bool = False  # an empty string reads as the default
    editable: bool = True  # by `set` and the app's form
    prunes: bool = False  # an empty value is left out of a new table: its absence reads back as empty
    section: str = ""  # the form's heading for this field
    items: tuple[fw.Item, ...] = ()  # checks and answers: their fixed keys
    scale: tuple[str, ...] = ()  # what 1 and 5 mean, for scores
    considerations: tuple[str, ...] = ()  # for scores: what to think about
    column: str | None = ""  # its column in analysis and exports: "" the path, None no column

    # Worked out from `path` (read on every value of every project, so computed once):
    key: str = dataclasses.field(init=False, repr=False, compare=False)  # the key in its table
    table: str = dataclasses.field(init=False, repr=False, compare=False)  # its sub-table, "" for the record's own
    item_ids: tuple[str, ...] = dataclasses.field(init=False, repr=False, compare=False)  # of `items`, once each

    def __post_init__(self) -> None:
        table, _, key = self.path.rpartition(".")
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "item_ids", tuple(dict.fromkeys(item.id for item in self.items)))

    @property
    def column_name(self) -> str | None:
        return None if self.column is None else (self.column or self.path)

    @property
    def ask(self) -> str:
        """The question to show beside the answer."""
        return self.question or self.help or self.label

    @property
    def is_table(self) -> bool:
        """Written as a `[projects.NAME]` table (or inside one), after the project's own keys."""
        return bool(self.table) or self.kind in TABLE_KINDS


def _scale_help(low: str, high: str, considerations: Iterable[str] = ()) -> str:
    return " ".join([f"1 {low} .. 5 {high}.", *considerations])


def _project_fields() -> tuple[Field, ...]:
    f: list[Field] = [
        Field("id", "id", "Id", "A stable slug: lowercase letters, digits, '-' and '_'.", editable=False, column=None),
        Field("title", "text", "Title", default="", section="Project", column=None),
        Field("summary", "longtext", "Summary", "What the project does and for whom.", default="", prunes=True),
        Field("owner", "text", "Owner", default="", prunes=True),
        Field("tags", "list", "Tags", "Comma-separated.", default=(), prunes=True),
        Field("links", "list", "Links", "Comma-separated URLs.", default=(), prunes=True),
        Field(
            "depends_on",
            "list",
            "Depends on",
            "Ids of projects this one leans on (e.g. infrastructure).",
            default=(),
            prunes=True,
        ),
        Field(
            "archetype",
            "choice",
            "Archetype",
            "Software 2.0, human-in-the-loop or autonomous.",
            choices=tuple(a.id for a in fw.ARCHETYPES),
            what="archetype",
            section="Archetype and its key questions",
        ),
        Field(
            "impact.overall",
            "score",
            "Impact (overall)",
            "1 low .. 5 high: how much value if it works?",
            question="Overall: how much value if it works?",
            section="Impact",
        ),
    ]
    f += [Field(f"impact.{lens.id}", "score", lens.label, lens.question) for lens in fw.IMPACT_LENSES]
    f.append(
        Field(
            "impact.rationale",
            "longtext",
            "Impact rationale",
            "Why this impact score?",
            "Why this impact?",
            default="",
            prunes=True,
        )
    )
    for d in fw.COST_DRIVERS:
        f.append(
            Field(
                f"cost.{d.id}",
                "score",
                d.label,
                _scale_help(d.low, d.high, d.considerations),
                question=" ".join(d.considerations),
                scale=(d.low, d.high),
                considerations=d.considerations,
                section="Cost drivers (most important first)" if d is fw.COST_DRIVERS[0] else "",
            )
        )
        f.append(Field(f"cost.{d.id}_note", "longtext", f"{d.label}: notes", default="", prunes=True))
    f += [
        Field(
            "cost.flags",
            "list",
            "Difficulty flags",
            "What is still hard (FSDL): " + ", ".join(x.id for x in fw.DIFFICULTY_FLAGS),
            question="What is still hard (difficulty flags)?",
            choices=tuple(x.id for x in fw.DIFFICULTY_FLAGS),
            what="difficulty flag",
            default=(),
            prunes=True,
            section="Difficulty flags: what is still hard for ML",
            items=fw.DIFFICULTY_FLAGS,
        ),
        Field(
            "questions",
            "answers",
            "Key questions",
            "The archetype's key questions.",
            items=tuple(fw.Item(q.id, f"{a.label}: {q.label}", q.question) for a in fw.ARCHETYPES for q in a.questions),
            what="key question",
            default={},
            prunes=True,
            column=None,
        ),
        Field(
            "gate",
            "checks",
            "Gate",
            "Before starting: ready? needed? ethical?",
            items=fw.GATE_ITEMS,
            what="gate",
            default={},
            prunes=True,
            section="Gate: ready / need / ethics",
        ),
        Field(
            "feasibility",
            "checks",
            "Feasibility assessment",
            "Steps A-G.",
            question="{label} {question}",  # each step's question, under its letter
            items=fw.FEASIBILITY_STEPS,
            what="feasibility",
            default={},
            prunes=True,
            section="Feasibility assessment, steps A-G",
        ),
        Field(
            "metrics.optimizing",
            "text",
            "Optimizing metric",
            fw.METRIC_QUESTIONS[0],
            default="",
            prunes=True,
            section="Metrics and baselines",
        ),
        Field("metrics.target", "number", "Target", "The value of the optimizing metric that means success."),
        Field(
            "metrics.satisficing",
            "satisficing",
            "Satisficing thresholds",
            fw.METRIC_QUESTIONS[1] + ' TOML: [{ metric = "latency_ms", threshold = 50, direction = "max" }]',
            question=fw.METRIC_QUESTIONS[1],
            default=(),
            prunes=True,
        ),
        Field(
            "metrics.baselines",
            "baselines",
            "Baselines",
            fw.METRIC_QUESTIONS[2] + ' TOML: [{ kind = "human", name = "expert annotator", value = 0.9 }]',
            question=fw.METRIC_QUESTIONS[2],
            default=(),
            prunes=True,
        ),
        Field(
            "effort.weeks",
            "number",
            "Effort (person-weeks)",
            "What the project would take, in person-weeks; `fsdl-tui plan` fits projects into a budget of them.",
            question="How many person-weeks would it take?",
            section="Effort",
        ),
        Field(
            "effort.gpu_days",
            "number",
            "Compute (GPU-days)",
            "GPU-days, where compute is the constraint: `fsdl-tui plan --resource gpu_days=N`.",
            question="How many GPU-days?",
        ),
        *(
            Field(
                f"range.{key}",
                "range",
                f"{label}: range",
                f"How sure is the {label.lower()} score? The lowest and highest it could be, e.g. 3-5 "
                "(fsdl-tui rank --uncertainty samples within it).",
                question=f"How sure? The lowest and highest {label.lower()} could be",
                section="Uncertainty: ranges" if key == "impact" else "",
                column=None,
            )
            for key, label in (
                ("impact", "Impact"),
                ("data_availability", "Data availability"),
                ("accuracy_requirement", "Accuracy requirement"),
                ("problem_difficulty", "Problem difficulty"),
            )
        ),
        Field(
            "lifecycle.stage",
            "choice",
            "Stage",
            "Changes through a lifecycle move.",
            choices=fw.STAGE_IDS,
            what="stage",
            default="planning",
            editable=False,
            column="stage",
        ),
        Field(
            "lifecycle.status",
            "choice",
            "Status",
            "active, on-hold or killed (killed needs a reason).",
            choices=fw.STATUSES,
            what="status",
            default="active",
            section="Status",
            column="status",
        ),
        Field(
            "lifecycle.status_reason",
            "text",
            "Status reason",
            "Why on hold or killed.",
            default="",
            prunes=True,
            column="status_reason",
        ),
        Field(
            "lifecycle.history",
            "history",
            "History",
            "Changes through a lifecycle move.",
            default=(),
            editable=False,
            prunes=True,
        ),
        Field(
            "plugins",
            "plugins",
            "Plugin fields",
            "A plugin's own fields: plugins.NAME.KEY.",
            default={},
            editable=False,
            prunes=True,
            column=None,
        ),
    ]
    return tuple(f)


def _portfolio_fields() -> tuple[Field, ...]:
    return (
        Field("schema_version", "version", "Schema version", editable=False),
        Field("name", "text", "Name", default="Untitled portfolio"),
        Field("description", "longtext", "Description", default="", prunes=True),
        Field(
            "settings.default_scorer",
            "text",
            "Default scorer",
            "fsdl, weighted or a plugin's scorer.",
            default="fsdl",
            blank_is_default=True,
        ),
        Field("settings.impact_threshold", "number", "Impact threshold", "High impact from this on.", default=3.0),
        Field(
            "settings.feasibility_threshold",
            "number",
            "Feasibility threshold",
            "High feasibility from this on.",
            default=3.0,
        ),
        Field(
            "settings.use_consensus",
            "bool",
            "Rank by the raters' consensus",
            "With raters' files beside the portfolio (NAME.ratings/), the command line ranks by their median "
            "instead of the file's own numbers (docs/decide.md).",
            default=False,
            prunes=True,
        ),
        Field("scoring", "plugins", "Scorer settings", default={}, editable=False, prunes=True),
        Field("plugins", "plugins", "Plugin settings", default={}, editable=False, prunes=True),
        Field("projects", "projects", "Projects", default=(), editable=False),
    )


# The kinds a plugin's field may have (a plugin's values are leaves of its own table).
PLUGIN_KINDS = ("text", "longtext", "number", "score", "bool", "choice", "list")


def plugin_field(plugin: str, key: str, kind: str, label: str = "", help: str = "", **options: Any) -> Field:
    """The schema field of a plugin's own value `plugins.PLUGIN.KEY` (ValueError when it cannot be one)."""
    if not ID_RE.fullmatch(plugin) or not ID_RE.fullmatch(key):
        raise ValueError(f"plugin field '{plugin}.{key}': names are lowercase letters, digits, '-' and '_'")
    if kind not in PLUGIN_KINDS:
        raise ValueError(f"plugin field '{key}': kind {kind!r} is not one of {', '.join(PLUGIN_KINDS)}")
    return Field(f"plugins.{plugin}.{key}", kind, label or key, help, column=None, **options)


PROJECT_FIELDS: tuple[Field, ...] = _project_fields()
PORTFOLIO_FIELDS: tuple[Field, ...] = _portfolio_fields()


def top_keys(fields: Iterable[Field]) -> tuple[str, ...]:
    """The keys a record's fields use directly (a sub-table counts once), in order."""
    return tuple(dict.fromkeys(f.path.split(".", 1)[0] for f in fields))


def table_keys(fields: Iterable[Field]) -> dict[str, tuple[str, ...]]:
    """Each sub-table and the keys of its fields, in order."""
    out: dict[str, list[str]] = {}
    for f in fields:
        if f.table:
            out.setdefault(f.table, []).append(f.key)
    return {k: tuple(v) for k, v in out.items()}


def prunable_keys() -> frozenset[str]:
    """The keys whose empty value is left out of new tables (storage); sub-tables prune when empty too."""
    keys = {f.key for f in PROJECT_FIELDS + PORTFOLIO_FIELDS if f.prunes}
    keys |= {f.table for f in PROJECT_FIELDS if f.table}
    return frozenset(keys)


def by_path(fields: Iterable[Field] = PROJECT_FIELDS) -> dict[str, Field]:
    return {f.path: f for f in fields}


def extended(fields: Iterable[Field], new: Field, after: str | None = None) -> tuple[Field, ...]:
    """`fields` with `new` added after the field `after` (default: after the last project-level key)."""
    out = list(fields)
    if after is None:
        at = max(i for i, f in enumerate(out) if not f.is_table) + 1
    else:
        at = next(i for i, f in enumerate(out) if f.path == after) + 1
    out.insert(at, new)
    return tuple(out)


def value_of(record: Any, f: Field) -> Any:
    """The value of field `f` in a model value (a Project or a Portfolio); a project-level field the model has
    no attribute for lives in the record's `extra`."""
    if f.table:
        return getattr(getattr(record, f.table), f.key)
    if f.key in model_attributes(type(record)):
        return getattr(record, f.key)
    extra: Mapping[str, Any] = getattr(record, "extra", {})
    return extra.get(f.key, f.default)


_ATTRIBUTES: dict[type, frozenset[str]] = {}


def model_attributes(cls: type) -> frozenset[str]:
    """The attribute names of a model dataclass."""
    if cls not in _ATTRIBUTES:
        _ATTRIBUTES[cls] = frozenset(x.name for x in dataclasses.fields(cls))
    return _ATTRIBUTES[cls]
