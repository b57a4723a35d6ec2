"""The project form: every editable field of the schema (`fsdl_tui.domain.schema`), under its section, then
one section per plugin with the fields it declares (`register_fields`, `plugins.NAME.KEY`), checked as they
are typed.

Each change goes through `set_fields`, which validates (a plugin's field against its kind and range); a
refused value shows its message under the field and leaves the last good value in place. `escape` closes the
form and applies the changes as one undo step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.compose import compose
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Header, Input, Label, Select, SelectionList, Static, TextArea

from ...domain import framework as fw
from ...domain import schema as sc
from ...domain.fields import FieldError, FieldSpec, field_by_path, leaves, parse_value, set_fields, value_at
from ...domain.model import Project
from ...domain.writer import project_to_data
from ...plugins.fields import field_help
from ...scoring.base import feasibility_of, impact_of
from ...storage import render
from ..widgets.footer import Footer
from ..widgets.plain import PlainInput, PlainTextArea
from .reused import keep_styles, lay_out_and_paint_hidden, still_hidden, styled_as_shown


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


def check_label(label: str, done: bool) -> str:
    """A gate or step checkbox's label with its state as a character: `✓ label` or `· label`."""
    return f"{'✓' if done else '·'} {label}"


def readable_error(message: str, extra: tuple[sc.Field, ...] = ()) -> str:
    """A field error with the schema's labels instead of internal paths (`cost.accuracy_requirement: ...`);
    `extra`: the plugins' fields, named by their labels too."""
    labels = {**field_by_path(), **{f.path: f for f in extra}}
    parts = []
    for part in message.split("; "):
        path, sep, rest = part.partition(": ")
        spec = labels.get(path)
        parts.append(f"{spec.label}: {rest}" if sep and spec is not None else (rest if sep and "." in path else part))
    return "; ".join(parts)


# Tab and shift+tab as priority bindings: the app runs them as each key arrives, so a key typed right after Tab
# goes to the next field. (As plain bindings, Tab travels as a message from the field up to the screen, and a
# key that comes meanwhile is delivered to the field that still has the focus.)
FOCUS_BINDINGS = [
    Binding(
        "tab", "app.focus_next", "Next field", id="form.next", tooltip="Go to the next field", show=False, priority=True
    ),
    Binding(
        "shift+tab",
        "app.focus_previous",
        "Previous field",
        id="form.previous",
        tooltip="Go to the previous field",
        show=False,
        priority=True,
    ),
]


class StateCheckbox(Checkbox):
    """A checkbox whose label shows its state (`check_label`). Its size never depends on its label (the form
    gives each a fixed width, and a label of one line): `relabel` repaints it without laying the form out
    again, as the `label` setter does."""

    def relabel(self, done: bool) -> None:
        label = check_label(str(self.label)[2:], done)
        if hasattr(self, "_label"):  # Textual keeps the label there; else the setter, which lays out again
            self._label = self._make_label(label)
            self.refresh()
        else:
            self.label = label


def update_in_place(static: Static, content: str | Text) -> None:
    """Update `static`, laying the screen out again only when its height changes (a value of fixed-size
    widgets does not move anything: a layout of the form's hundreds of widgets is most of an open's time)."""
    height = static.content_size.height
    static.update(content, layout=False)
    width = static.content_size.width
    if not width or static.get_content_height(static.container_size, static.app.size, width) != height:
        static.refresh(layout=True)


def set_value_in_place(widget: Input, text: str) -> None:
    """Set an input's value without laying the screen out again. The value's watcher gives the input the
    virtual size of its new text, and a new virtual size lays the whole screen out (most of the time a
    reused form takes to open); an input's own size does not depend on its value (the form's are of fixed
    size). So the input gets that virtual size first, without a layout; the watcher then finds it unchanged
    and does the rest (its Changed message, the cursor) as for any value."""
    old = widget.value
    widget.set_reactive(Input.value, text)
    size = Size(widget.content_width, 1)  # the virtual size the watcher gives it (its text's width)
    widget.set_reactive(Input.value, old)
    widget.set_reactive(Widget.virtual_size, size)
    widget.value = text


BASELINE_HELP = "Kinds: " + ", ".join(f"{k.id} ({k.label.lower()})" for k in fw.BASELINE_KINDS) + "."


class EditScreen(Screen[Project | None]):
    """Edit one project. Returns the edited project (or None when nothing changed or on revert)."""

    BINDINGS = [
        Binding("escape", "done", "Done", id="edit.done", tooltip="Close the form and keep the changes"),
        Binding("ctrl+r", "revert", "Revert", id="edit.revert", tooltip="Close the form and drop the changes"),
        Binding("ctrl+g,f4", "jump", "Section", id="edit.jump", tooltip="Go to a section of the form"),
        *FOCUS_BINDINGS,
    ]
    # No focus as the form composes: `on_mount` (or the last step of `build_ahead`) focuses the title. Textual's
    # default focuses the first focusable widget, the form's scroll container, whose focus and then blur each
    # restyle every widget of the form; naming the title here would scroll to it before the form is laid out.
    AUTO_FOCUS = ""

    def __init__(self, project: Project, plugin_fields: tuple[sc.Field, ...] = (), *, ahead: bool = False) -> None:
        """`plugin_fields`: the fields plugins declare for each project (`PluginHost.fields(portfolio)`).
        `ahead`: built ahead, hidden (`build_ahead`): it composes an empty form, then mounts its fields in steps."""
        super().__init__()
        self.complete = not ahead  # every field is there (a form built ahead: once its last step ran)
        self.original = project
        self.working = project
        self.plugin_fields = plugin_fields
        self.specs = {**field_by_path(), **{f.path: f for f in plugin_fields}}  # every path the form edits
        self.errors: dict[str, str] = {}
        self.sections: list[str] = []  # the form's section headings, in order (ctrl+g jumps to one)
        self._data_of: Project | None = None  # the project whose data `_data` is
        self._data: dict[str, Any] = {}
        self._inputs: list[tuple[Widget, str]] | None = None  # every value widget and its path, found once
        self._previewed: Text | None = None  # what the score line shows

    # --- building the form -------------------------------------------------------------------------------

    def _value(self, path: str) -> Any:
        if self._data_of is not self.working:  # the project's data once, not once per field
            self._data_of, self._data = self.working, project_to_data(self.working)
        return value_at(self._data, path)

    def _field(self, path: str, *, beside: str = "", help_text: str | None = None) -> ComposeResult:
        spec = self.specs[path]
        wid = widget_id(path)
        value = self._value(path)
        help_text = spec.help if help_text is None else help_text
        with Vertical(classes="field", id=f"box-{wid}"):
            yield Label(Text(spec.label), classes="field-label")
            if help_text and spec.kind != "bool" and not beside:
                yield Static(help_text, classes="field-help", markup=False)
            if beside:  # the field's scale beside its input
                with Horizontal(classes="field-row"):
                    yield self._editor(spec, wid, value)
                    yield Static(beside, classes="beside", markup=False)
            else:  # alone under its label (in a row of its own, it would look the same: one widget less)
                yield self._editor(spec, wid, value)

    def _editor(self, spec: FieldSpec, wid: str, value: Any) -> Widget:
        """The widget that edits a field, by its kind."""
        if spec.kind == "longtext":
            return PlainTextArea(value or "", id=wid, classes="field-input longtext", soft_wrap=True)
        if spec.kind == "choice":
            return Select(
                [(c, c) for c in spec.choices],
                value=value if value in spec.choices else Select.NULL,
                id=wid,
                allow_blank=spec.path != "lifecycle.status",
                classes="field-input",
            )
        if spec.kind == "bool":
            return StateCheckbox(check_label(spec.label, bool(value)), bool(value), id=wid, classes="field-input")
        return PlainInput(
            shown_value(spec, value), id=wid, classes="field-input", placeholder="1-5" if spec.kind == "score" else ""
        )

    def _check_row(self, group: str, item: fw.Item) -> ComposeResult:
        done = bool(self._value(f"{group}.{item.id}.done"))
        with Horizontal(classes="check-row"):
            yield StateCheckbox(
                check_label(item.label, done), done, id=widget_id(f"{group}.{item.id}.done"), tooltip=item.question
            )
            yield PlainInput(
                self._value(f"{group}.{item.id}.note") or "",
                id=widget_id(f"{group}.{item.id}.note"),
                placeholder=item.question,
                classes="check-note",
            )

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
        if f.path == "metrics.baselines":
            yield Static(BASELINE_HELP, classes="field-help", markup=False)
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

    def _plugin_sections(self) -> ComposeResult:
        """One section per plugin: the fields it declares, each with its type, range and help."""
        by_plugin: dict[str, list[sc.Field]] = {}
        for f in self.plugin_fields:
            by_plugin.setdefault(f.table.split(".", 1)[1], []).append(f)
        for plugin, fields in by_plugin.items():
            heading = f"Plugin: {plugin}"
            yield Label(Text(heading), classes="section", id=f"sec-{len(self.sections)}")
            self.sections.append(heading)
            for f in fields:
                yield from self._plugin_field(f)

    def _plugin_field(self, f: sc.Field) -> ComposeResult:
        yield from self._field(f.path, help_text=field_help(f))

    def _parts(self) -> Iterator[ComposeResult]:
        """The form under its hint, in parts: a schema field at a time (with the heading of the section it
        opens; the key questions sit under the archetype), then the plugins' sections. `compose` yields them
        all; a form built ahead mounts one per step."""
        for f in sc.PROJECT_FIELDS:
            if f.editable and f.kind != "answers":
                yield self._schema_part(f)
        yield self._plugin_sections()

    def _schema_part(self, f: sc.Field) -> ComposeResult:
        if f.section:
            yield Label(f.section, classes="section", id=f"sec-{len(self.sections)}")
            self.sections.append(f.section)
        yield from self._schema_field(f)

    def compose(self) -> ComposeResult:
        styled_as_shown(self)  # its hundreds of widgets styled once, not three times
        yield Header()
        yield Static(id="preview")
        with VerticalScroll(id="form"):
            yield Static(self._hint(), classes="hint", id="form-hint", markup=False)
            if self.complete:
                for part in self._parts():
                    yield from part
        yield Footer()

    def build_ahead(self) -> Iterator[None]:
        """Started hidden (`reused.start_hidden`) with an empty form: mount a part of the form per step, then
        lay it out. It stops when the form goes (an open before the last step builds a whole one instead)."""
        while not self.is_mounted:
            yield
        form = self.query_one("#form", VerticalScroll)
        for part in self._parts():
            form.mount_all(compose(self, part))
            yield
            if not (self.is_attached and self.app.is_screen_installed(self)):
                return  # replaced by a whole form (opened before this one was complete)
        self.complete = True
        self._show_questions()
        self.query_one(f"#{widget_id('title')}", Input).focus()
        while self.is_attached and not all(w.is_mounted for w in self.walk_children(Widget)):
            yield
        if still_hidden(self):
            yield from lay_out_and_paint_hidden(self)

    def _hint(self) -> str:
        return (
            f"Editing '{self.original.id}'. Changes are checked as you type; escape closes and keeps "
            "them (one undo step), ctrl+r drops them."
        )

    def on_mount(self) -> None:
        self._preview()
        if self.complete:  # else once built (`build_ahead`)
            self._show_questions()
            self.query_one(f"#{widget_id('title')}", Input).focus()

    # --- reusing the form --------------------------------------------------------------------------------

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        keep_styles(self, event)

    def load(self, project: Project) -> None:
        """Show `project` in the widgets already built, as a fresh form would: its values, no errors, scrolled
        to the top, the focus on the title. The app builds the form once and calls this on each later open
        (building its widgets is most of the cost of opening it)."""
        self.original = self.working = project
        for refused in list(self.errors):
            self._error(refused, "")
        changed = (Input.Changed, TextArea.Changed, Select.Changed, Checkbox.Changed, SelectionList.SelectedChanged)
        if self._inputs is None:
            self._inputs = [
                (widget, path)
                for widget in self.query("Input, TextArea, Select, Checkbox, SelectionList")
                if (path := "cost.flags" if widget.id == "flags" else self._path(widget)) is not None
            ]
        with self.prevent(*changed):
            for widget, path in self._inputs:
                self._load_widget(widget, path)
        hint = self.query_one("#form-hint", Static)
        if str(hint.render()) != self._hint():  # an update repaints the form: only when it differs
            update_in_place(hint, self._hint())
        self._show_questions()
        self._preview()
        self.query_one("#form", VerticalScroll).scroll_home(animate=False, immediate=True)
        title = self.query_one(f"#{widget_id('title')}", Input)
        title.focus(scroll_visible=False)
        if title.select_on_focus:  # as the focus of a fresh form selects it (this one may have kept its focus)
            title.select_all()

    def _load_widget(self, widget: Widget, path: str) -> None:
        """Set one widget to the project's value (only when it differs: each change costs a refresh)."""
        spec = self.specs[path]
        value = self._value(path)
        if isinstance(widget, SelectionList):
            chosen = set(value or ())
            if set(widget.selected) != chosen:
                widget.deselect_all()
                for x in spec.items:
                    if x.id in chosen:
                        widget.select(x.id)
            widget.highlighted = None
        elif isinstance(widget, TextArea):
            if widget.text != (value or ""):
                widget.load_text(value or "")
        elif isinstance(widget, Select):
            shown = value if value in spec.choices else Select.NULL
            if widget.value != shown:
                widget.value = shown
        elif isinstance(widget, Checkbox):
            if widget.value != bool(value):
                widget.value = bool(value)
                if isinstance(widget, StateCheckbox):
                    widget.relabel(bool(value))
                else:
                    widget.label = check_label(str(widget.label)[2:], bool(value))
        elif isinstance(widget, Input):
            text = shown_value(spec, value)
            if widget.value != text:
                set_value_in_place(widget, text)
            widget.cursor_position = len(text)

    def _show_questions(self) -> None:
        for arch in fw.ARCHETYPES:
            box = self.query_one(f"#questions-{arch.id.replace('.', '_')}")
            box.display = arch.id == self.working.archetype

    # --- checking as typed -------------------------------------------------------------------------------

    def set_value(self, path: str, raw: Any) -> bool:
        """Parse and set one field; show the error (and keep the old value) when it is refused."""
        spec = self.specs[path]
        if isinstance(raw, str) and path not in self.errors and raw == shown_value(spec, self._value(path)):
            return True  # what the field shows already (a field just mounted): nothing changes
        if isinstance(raw, str) and spec.kind in ("text", "longtext") and not raw.strip():
            raw = None if path.startswith("plugins.") else ""  # whitespace only is no text: nothing is saved
        try:
            value = parse_value(spec, raw) if isinstance(raw, str) else raw
            self.working = set_fields(self.working, [(path, value)], self.plugin_fields)
        except FieldError as exc:
            self._error(path, readable_error(str(exc), self.plugin_fields))
            return False
        self._error(path, "")
        self._preview()
        return True

    def _preview(self) -> None:
        """The live score line: what the project scores with the values in the form."""
        from ..base import fsdl_app
        from ..view import num

        ws = fsdl_app(self).workspace
        r = ws.preview(self.working)
        line = Text("Now: ", style="bold")
        impact, feas = (r.impact, r.feasibility) if r is not None else (impact_of(self.working), None)
        feas = feas if r is not None else feasibility_of(self.working)
        line.append(f"impact {num(impact)} · feasibility {num(feas)}")
        if r is not None:
            line.append(f" · score {num(r.score.value, 2)}")
            if r.rank is not None:
                line.append(f" · rank {r.rank}")
        quadrant = r.quadrant if r is not None else None
        if quadrant:
            line.append(f" · {fw.QUADRANT_BY_ID[quadrant].label}", style="bold")
        line.append("   (ctrl+g: go to a section)", style="dim")
        if line != self._previewed:  # an update lays the form out again: only when it differs
            self._previewed = line
            update_in_place(self.query_one("#preview", Static), line)

    def action_jump(self) -> None:
        """Pick a section of the form and scroll to it."""
        from .modals import PickModal

        sections = [(f"sec-{i}", label) for i, label in enumerate(self.sections)]
        self.app.push_screen(PickModal("Go to section", sections), self._jump_to)

    def _jump_to(self, section: str | None) -> None:
        if section:
            target = self.query_one(f"#{section}")
            self.query_one("#form", VerticalScroll).scroll_to_widget(target, animate=False, top=True, immediate=True)
            for widget in self.query(".field-input"):  # focus the first field after the heading
                if widget.region.y >= target.region.y and widget.focusable:
                    widget.focus(scroll_visible=False)
                    break

    def _error(self, path: str, message: str) -> None:
        if not message and path not in self.errors:
            return  # no error shown: nothing to clear
        wid = widget_id(path)
        if message:
            self.errors[path] = message
        else:
            self.errors.pop(path, None)
        errs: list[Label] = list(self.query(f"#err-{wid}").results(Label))
        if message and not errs:
            errs = self._error_label(wid)
        for err in errs:
            err.update(message)
            err.display = bool(message)
        for w in self.query(f"#{wid}"):
            w.set_class(bool(message), "-invalid")

    def _error_label(self, wid: str) -> list[Label]:
        """The line that shows a field's error, mounted when it first shows one (few fields ever do, and
        each widget costs time on every open): the last line of the field's box, or the line under a gate
        or step's row for its note. None for a field without one (a checkbox of a row)."""
        label = Label("", classes="field-error", id=f"err-{wid}", markup=False)  # it quotes what was typed
        if boxes := self.query(f"#box-{wid}"):
            boxes.first().mount(label)
        elif wid.endswith("--note") and (row := self.query_one(f"#{wid}").parent) and row.has_class("check-row"):
            assert isinstance(row, Widget) and isinstance(row.parent, Widget)
            row.parent.mount(label, after=row)
        else:
            return []
        return [label]

    def _path(self, widget: Widget) -> str | None:
        if widget.id and widget.id.startswith("f-"):
            path = path_of(widget.id)
            return path if path in self.specs else None
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
            if isinstance(event.checkbox, StateCheckbox):  # the state in words, not only a colour
                event.checkbox.relabel(event.value)
            else:
                event.checkbox.label = check_label(str(event.checkbox.label)[2:], event.value)

    @on(SelectionList.SelectedChanged)
    def _choices(self, event: SelectionList.SelectedChanged[str]) -> None:
        widget = event.selection_list
        path = "cost.flags" if widget.id == "flags" else self._path(widget)
        if path:
            chosen = set(widget.selected)
            self.set_value(path, [x.id for x in self.specs[path].items if x.id in chosen])

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
