"""The project form: every editable field of the schema (`fsdl_tui.domain.schema`), under its section, checked
as it is typed.

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
from ...domain import schema as sc
from ...domain.fields import FieldError, FieldSpec, field_by_path, get_field, leaves, parse_value, set_field
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
    if spec.kind == "range":
        return f"{value[0]}-{value[1]}"
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
        spec = field_by_path()[path]
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

    def _schema_field(self, f: sc.Field) -> ComposeResult:
        """The widgets of one schema field, by its kind."""
        if f.kind == "checks":
            for item in f.items:
                yield from self._check_row(f.path, item)
        elif f.kind == "list" and f.items:
            chosen = set(sc.value_of(self.working, f))
            yield SelectionList[str](
                *[(f"{x.label}: {x.question}", x.id, x.id in chosen) for x in f.items],
                id="flags" if f.path == "cost.flags" else widget_id(f.path),
            )
        elif f.kind == "score" and f.scale:
            beside = f"1 {f.scale[0]} .. 5 {f.scale[1]}\n" + "\n".join("• " + c for c in f.considerations)
            yield from self._field(f.path, beside=beside)
        else:
            for leaf in leaves(f):
                yield from self._field(leaf.path)
        if f.path == "archetype":
            yield from self._key_questions()

    def _key_questions(self) -> ComposeResult:
        """Each archetype's key questions, under the archetype (only the chosen one's are shown)."""
        for arch in fw.ARCHETYPES:
            with Vertical(classes="archetype-questions", id=f"questions-{arch.id.replace('.', '_')}"):
                yield Static(
                    f"{arch.label}: {arch.description} On the 2x2: {arch.on_2x2}. {arch.lever}",
                    classes="field-help",
                    markup=False,
                )
                for q in arch.questions:
                    yield from self._field(f"questions.{q.id}")

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="form"):
            yield Static(
                f"Editing '{self.original.id}'. Changes are checked as you type; escape closes and keeps "
                "them (one undo step), ctrl+r drops them.",
                classes="hint",
                markup=False,
            )
            for f in sc.PROJECT_FIELDS:  # the schema's fields, under their sections
                if not f.editable or f.kind == "answers":  # the key questions sit under the archetype
                    continue
                if f.section:
                    yield Label(f.section, classes="section")
                yield from self._schema_field(f)
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
        spec = field_by_path()[path]
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

    @on(SelectionList.SelectedChanged)
    def _choices(self, event: SelectionList.SelectedChanged[str]) -> None:
        widget = event.selection_list
        path = "cost.flags" if widget.id == "flags" else self._path(widget)
        if path:
            chosen = set(widget.selected)
            self.set_value(path, [x.id for x in field_by_path()[path].items if x.id in chosen])

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
