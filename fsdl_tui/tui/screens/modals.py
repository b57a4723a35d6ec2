"""Modal dialogs. One confirmation modal serves every destructive action; the others ask for one answer."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from ...domain import framework as fw
from ...domain.codec import ID_RE
from ...domain.lifecycle import loop_back_reasons, slugify
from ..view import one_line, printable
from ..widgets.plain import PlainInput


class Dialog(ModalScreen[Any]):
    """What every dialog shares: a title with an optional detail, and `escape` answering None."""

    def header(self, title: str, detail: str = "") -> ComposeResult:
        yield Label(one_line(title), classes="dialog-title", markup=False)
        if detail:
            yield Static(printable(detail), classes="dialog-detail", markup=False)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(Dialog, ModalScreen[bool]):
    """Yes / no. `y` or the Yes button answers True; `n`, `escape` or the No button answer False."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Confirm"),
        Binding("n", "answer(False)", "No", id="confirm.no", tooltip="Cancel"),
        Binding("escape", "answer(False)", "Cancel", id="confirm.cancel", tooltip="Cancel"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question, self.detail, self.yes, self.no = question, detail, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.header(self.question, self.detail)
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button(f"{self.no} (n)", id="no")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class ChoiceModal(Dialog):
    """Pick one of a few choices, each with a key; `escape` answers None (cancel)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice.cancel", tooltip="Close without choosing")]

    def __init__(self, title: str, choices: list[tuple[str, str]], detail: str = "") -> None:
        """`choices`: (key, label) pairs; the key is what the modal returns and the key to press."""
        super().__init__()
        self.title_text, self.choices, self.detail = title, choices, detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.header(self.title_text, self.detail)
            yield OptionList(
                *[Option(Text(f"[{key}] {one_line(label)}"), id=key) for key, label in self.choices], id="choices"
            )

    def on_key(self, event: events.Key) -> None:
        for key, _ in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(key)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class PickModal(Dialog):
    """Pick one item of a longer list (scorers, themes): enter picks, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick.cancel", tooltip="Close without choosing")]

    def __init__(self, title: str, items: list[tuple[str, str]], current: str | None = None) -> None:
        super().__init__()
        self.title_text, self.items, self.current = title, items, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.header(self.title_text)
            options = [
                Option(Text(("● " if key == self.current else "  ") + one_line(label)), id=key)
                for key, label in self.items
            ]
            yield OptionList(*options, id="items")

    def on_mount(self) -> None:
        keys = [k for k, _ in self.items]
        if self.current in keys:
            self.query_one(OptionList).highlighted = keys.index(self.current)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class PathModal(Dialog):
    """Ask for a file path; enter accepts, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="path.cancel", tooltip="Close without a path")]

    def __init__(self, title: str, value: str = "", detail: str = "") -> None:
        super().__init__()
        self.title_text, self.value, self.detail = title, value, detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.header(self.title_text, self.detail)
            yield PlainInput(self.value, placeholder="path/to/file", id="path")
            yield Label("", id="error", classes="error", markup=False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.query_one("#error", Label).update("type a path, or escape to cancel")
            return
        path = Path(text).expanduser()
        if path.is_dir():
            self.query_one("#error", Label).update(f"{path} is a folder: name a file in it")
            return
        self.dismiss(path)


class ExportModal(Dialog):
    """Choose an export format and where to write it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel", tooltip="Close without exporting")]

    def __init__(self, formats: list[tuple[str, str, str]], stem: str) -> None:
        """`formats`: (name, label, extension)."""
        super().__init__()
        self.formats, self.stem = formats, stem

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Export the ranked portfolio", classes="dialog-title")
            options = [(Text(one_line(f"{label} ({name})")), name) for name, label, _ in self.formats]
            yield Select(options, value=self.formats[0][0], allow_blank=False, id="format")
            yield PlainInput(self._default_path(self.formats[0][0]), id="path")
            yield Label("", id="error", classes="error")
            yield Label("enter: export (an existing file is only replaced after you confirm)", classes="hint")

    def _default_path(self, name: str) -> str:
        ext = next(e for n, _, e in self.formats if n == name)
        return f"{self.stem}.{ext}"

    @on(Select.Changed, "#format")
    def _format(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#path", Input).value = self._default_path(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Check the path here, so a mistake (or "No" to replacing a file) keeps the dialog open."""
        fmt = self.query_one("#format", Select).value
        if not event.value.strip() or not isinstance(fmt, str):
            return
        path = Path(event.value.strip()).expanduser()
        error = self.query_one("#error", Label)
        folder = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            error.update(Text(f"{one_line(str(path))} is a folder: name a file in it"))
        elif not folder.is_dir():
            error.update(Text(f"there is no folder {one_line(str(folder))}: create it first or pick another"))
        elif path.exists():
            self.app.push_screen(
                ConfirmModal(f"{path} exists. Replace it?", "", "Replace"),
                partial(self._replace_answer, fmt, path),
            )
        else:
            self.dismiss((fmt, path, False))

    def _replace_answer(self, fmt: str, path: Path, yes: bool | None) -> None:
        if yes:
            self.dismiss((fmt, path, True))


class NewProjectModal(Dialog):
    """Title and id of a new project: the id is proposed from the title until edited, and must be unique."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="new.cancel", tooltip="Close without adding")]

    def __init__(self, taken: set[str], title: str = "") -> None:
        super().__init__()
        self.taken = taken
        self.initial_title = title
        self._id_edited = False
        self._proposed = slugify(title or "project", taken)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("New project", classes="dialog-title")
            yield Label("Title")
            yield PlainInput(self.initial_title, placeholder="What would the model do?", id="title")
            yield Label("Id (a slug: lowercase letters, digits, - and _; unique)")
            yield PlainInput(self._proposed, id="id")
            yield Label("", id="error", classes="error", markup=False)
            yield Label("enter: add and edit it", classes="hint")

    @on(Input.Changed, "#title")
    def _title_changed(self, event: Input.Changed) -> None:
        if not self._id_edited:
            self._proposed = slugify(event.value or "project", self.taken)
            self.query_one("#id", Input).value = self._proposed

    @on(Input.Changed, "#id")
    def _id_changed(self, event: Input.Changed) -> None:
        if event.value != self._proposed:
            self._id_edited = True
        self.query_one("#error", Label).update(self._id_problem(event.value))

    def _id_problem(self, pid: str) -> str:
        if not ID_RE.fullmatch(pid):
            return "an id is a slug: lowercase letters, digits, '-' and '_'"
        if pid in self.taken:
            return f"'{pid}' is taken"
        return ""

    @on(Input.Submitted)
    def _submitted(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        pid = self.query_one("#id", Input).value.strip()
        problem = self._id_problem(pid) or ("" if title else "a project needs a title")
        self.query_one("#error", Label).update(problem)
        if not problem:
            self.dismiss((pid, title))


class ReasonModal(Dialog):
    """Why a project moves back: the lecture's loop-back reasons for this stage, or free text.

    Returns (target stage, reason). Picking a lecture reason also picks its target stage.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reason.cancel", tooltip="Do not move")]

    def __init__(self, project_title: str, from_stage: str, to_stage: str) -> None:
        super().__init__()
        self.project_title, self.from_stage, self.to_stage = project_title, from_stage, to_stage
        earlier = fw.STAGE_IDS[: fw.STAGE_INDEX[from_stage]]
        self.reasons = [
            (target, reason) for target in reversed(earlier) for reason in loop_back_reasons(from_stage, target)
        ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                f"Move '{one_line(self.project_title)}' back from {self.from_stage}: why?",
                classes="dialog-title",
                markup=False,
            )
            if self.reasons:
                yield Label("Loop-back reasons from FSDL lecture 1 (enter picks one):", classes="hint")
                options = [
                    Option(Text(f"→ {target}: {reason}"), id=str(i)) for i, (target, reason) in enumerate(self.reasons)
                ]
                yield OptionList(*options, id="reasons")
            earlier = fw.STAGE_IDS[: fw.STAGE_INDEX[self.from_stage]]
            yield Select([(s, s) for s in earlier], value=self.to_stage, allow_blank=False, id="stage")
            yield PlainInput(placeholder="or type your own reason, then enter", id="note")
            yield Label("", id="error", classes="error", markup=False)

    @on(OptionList.OptionSelected)
    def _reason(self, event: OptionList.OptionSelected) -> None:
        target, reason = self.reasons[int(event.option.id or 0)]
        self.dismiss((target, reason))

    @on(Input.Submitted)
    def _note(self, event: Input.Submitted) -> None:
        note = event.value.strip()
        if not note:
            self.query_one("#error", Label).update("a backward move needs a reason")
            return
        stage = self.query_one("#stage", Select).value
        self.dismiss((str(stage), note))


class TextModal(Dialog):
    """One line of text (a reason for killing or holding a project)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="text.cancel", tooltip="Close without an answer")]

    def __init__(self, title: str, placeholder: str = "", required: bool = True) -> None:
        super().__init__()
        self.title_text, self.placeholder, self.required = title, placeholder, required

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self.header(self.title_text)
            yield PlainInput(placeholder=self.placeholder, id="text")
            yield Label("", id="error", classes="error", markup=False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if self.required and not event.value.strip():
            self.query_one("#error", Label).update("this needs an answer (escape cancels)")
            return
        self.dismiss(event.value.strip())
