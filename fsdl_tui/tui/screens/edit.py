"""The project form: every field of `fsdl_tui.domain.fields.FIELDS`, checked as it is typed.

Each change goes through `set_field`, which validates; a refused value shows its message under the field
and leaves the last good value in place. `escape` closes the form and applies the changes as one undo step.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Footer, Header, Input, Label, Select, SelectionList, Static, TextArea

from ...domain import framework as fw
from ...domain.fields import FIELD_BY_PATH, FieldError, FieldSpec, get_field, parse_value, set_field
from ...domain.model import Project
from ...storage import render


def widget_id(path: str) -> str:
    return "f-" + path.replace(".", "--")


def path_of(widget_id_: str) -> str:
    return widget_id_[2:].replace("--", ".")


def shown_value(spec: FieldSpec, value: Any) -> str:
    if value is None:
        return ""
    if spec.kind == "list" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if spec.kind == "data":
        return render.value(value, inline=True)
    return str(value)


class EditScreen(Screen[Project | None]):
    """Edit one project. Returns the edited project (or None when nothing changed or on revert)."""

    BINDINGS = [
        Binding("escape", "done", "Done", id="edit.done", tooltip="Close the form and keep the changes"),
        Binding("ctrl+r", "revert", "Revert", id="edit.revert", tooltip="Close the form and drop the changes"),
    ]

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.original = project
        self.working = project
        self.errors: dict[str, str] = {}

    # --- building the form -------------------------------------------------------------------------------

    def _value(self, path: str) -> Any:
        return get_field(self.working, path)

    def _field(self, path: str, *, beside: str = "", compact_label: bool = False) -> ComposeResult:
        spec = FIELD_BY_PATH[path]
        wid = widget_id(path)
        value = self._value(path)
        with Vertical(classes="field", id=f"box-{wid}"):
            yield Label(spec.label, classes="field-label")
            if spec.help and spec.kind != "bool" and not beside:
                yield Static(spec.help, classes="field-help", markup=False)
            with Horizontal(classes="field-row"):
                if spec.kind == "longtext":
                    yield TextArea(value or "", id=wid, classes="field-input longtext", soft_wrap=True)
                elif spec.kind == "choice":
                    options = [(c, c) for c in spec.choices]
                    yield Select(
                        options,
                        value=value if value in spec.choices else Select.NULL,
                        id=wid,
                        allow_blank=spec.path != "lifecycle.status",
                        classes="field-input",
                    )
                else:
                    yield Input(
                        shown_value(spec, value),
                        id=wid,
                        classes="field-input",
                        placeholder="1-5" if spec.kind == "score" else "",
                    )
                if beside:
                    yield Static(beside, classes="beside", markup=False)
            yield Label("", classes="field-error", id=f"err-{wid}")

    def _check_row(self, group: str, item: fw.Item) -> ComposeResult:
        done = bool(self._value(f"{group}.{item.id}.done"))
        with Horizontal(classes="check-row"):
            yield Checkbox(item.label, done, id=widget_id(f"{group}.{item.id}.done"), tooltip=item.question)
            yield Input(
                self._value(f"{group}.{item.id}.note") or "",
                id=widget_id(f"{group}.{item.id}.note"),
                placeholder=item.question,
                classes="check-note",
            )
        yield Label("", classes="field-error", id=f"err-{widget_id(f'{group}.{item.id}.note')}")

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="form"):
            yield Static(
                f"Editing '{self.original.id}'. Changes are checked as you type; escape closes and keeps "
                "them (one undo step), ctrl+r drops them.",
                classes="hint",
                markup=False,
            )
            yield Label("Project", classes="section")
            for path in ("title", "summary", "owner", "tags", "links", "depends_on"):
                yield from self._field(path)
            yield Label("Archetype and its key questions", classes="section")
            yield from self._field("archetype")
            for arch in fw.ARCHETYPES:
                with Vertical(classes="archetype-questions", id=f"questions-{arch.id.replace('.', '_')}"):
                    yield Static(
                        f"{arch.label}: {arch.description} On the 2x2: {arch.on_2x2}. {arch.lever}",
                        classes="field-help",
                        markup=False,
                    )
                    for q in arch.questions:
                        yield from self._field(f"questions.{q.id}")
            yield Label("Impact", classes="section")
            yield from self._field("impact.overall")
            for lens in fw.IMPACT_LENSES:
                yield from self._field(f"impact.{lens.id}")
            yield from self._field("impact.rationale")
            yield Label("Cost drivers (most important first)", classes="section")
            for d in fw.COST_DRIVERS:
                beside = f"1 {d.low} .. 5 {d.high}\n" + "\n".join("• " + c for c in d.considerations)
                yield from self._field(f"cost.{d.id}", beside=beside)
                yield from self._field(f"cost.{d.id}_note")
            yield Label("Difficulty flags: what is still hard for ML", classes="section")
            flags = set(self.working.cost.flags)
            yield SelectionList[str](
                *[(f"{f.label}: {f.question}", f.id, f.id in flags) for f in fw.DIFFICULTY_FLAGS], id="flags"
            )
            yield Label("Gate: ready / need / ethics", classes="section")
            for g in fw.GATE_ITEMS:
                yield from self._check_row("gate", g)
            yield Label("Feasibility assessment, steps A-G", classes="section")
            for s in fw.FEASIBILITY_STEPS:
                yield from self._check_row("feasibility", s)
            yield Label("Metrics and baselines", classes="section")
            for path in ("metrics.optimizing", "metrics.target", "metrics.satisficing", "metrics.baselines"):
                yield from self._field(path)
            yield Label("Status", classes="section")
            yield from self._field("lifecycle.status")
            yield from self._field("lifecycle.status_reason")
        yield Footer()

    def on_mount(self) -> None:
        self._show_questions()
        self.query_one(f"#{widget_id('title')}", Input).focus()

    def _show_questions(self) -> None:
        for arch in fw.ARCHETYPES:
            box = self.query_one(f"#questions-{arch.id.replace('.', '_')}")
            box.display = arch.id == self.working.archetype

    # --- checking as typed -------------------------------------------------------------------------------

    def set_value(self, path: str, raw: Any) -> bool:
        """Parse and set one field; show the error (and keep the old value) when it is refused."""
        spec = FIELD_BY_PATH[path]
        try:
            value = parse_value(spec, raw) if isinstance(raw, str) else raw
            self.working = set_field(self.working, path, value)
        except FieldError as exc:
            self._error(path, str(exc))
            return False
        self._error(path, "")
        return True

    def _error(self, path: str, message: str) -> None:
        wid = widget_id(path)
        if message:
            self.errors[path] = message
        else:
            self.errors.pop(path, None)
        for err in self.query(f"#err-{wid}"):
            err.update(message)  # type: ignore[attr-defined]
            err.display = bool(message)
        for w in self.query(f"#{wid}"):
            w.set_class(bool(message), "-invalid")

    def _path(self, widget: Widget) -> str | None:
        if widget.id and widget.id.startswith("f-"):
            return path_of(widget.id)
        return None

    @on(Input.Changed)
    def _input(self, event: Input.Changed) -> None:
        path = self._path(event.input)
        if path:
            self.set_value(path, event.value)

    @on(TextArea.Changed)
    def _textarea(self, event: TextArea.Changed) -> None:
        path = self._path(event.text_area)
        if path:
            self.set_value(path, event.text_area.text)

    @on(Select.Changed)
    def _select(self, event: Select.Changed) -> None:
        path = self._path(event.select)
        if path:
            self.set_value(path, None if event.value is Select.NULL else event.value)
            if path == "archetype":
                self._show_questions()

    @on(Checkbox.Changed)
    def _checkbox(self, event: Checkbox.Changed) -> None:
        path = self._path(event.checkbox)
        if path:
            self.set_value(path, event.value)

    @on(SelectionList.SelectedChanged, "#flags")
    def _flags(self, event: SelectionList.SelectedChanged) -> None:
        chosen = set(event.selection_list.selected)
        self.set_value("cost.flags", [f.id for f in fw.DIFFICULTY_FLAGS if f.id in chosen])

    # --- closing -----------------------------------------------------------------------------------------

    def action_done(self) -> None:
        if self.errors:
            self.notify(
                f"{len(self.errors)} refused value(s) were not applied: " + "; ".join(self.errors.values()),
                severity="warning",
                timeout=6,
            )
        self.dismiss(self.working if self.working != self.original else None)

    def action_revert(self) -> None:
        self.dismiss(None)
