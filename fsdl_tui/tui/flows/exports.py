"""The export flow: pick a format and a path, confirm a replace, run a plugin's exporter off the UI thread,
write the file."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.worker import get_current_worker

from ...storage.atomic import reason
from ...workspace import DaemonCall, PluginFailure
from ..base import FsdlBase
from ..screens.modals import ConfirmModal


class ExportFlows(FsdlBase):
    """Exports through any exporter, the built-in ones inline, a plugin's on a worker."""

    def action_export(self) -> None:
        from ..screens.modals import ExportModal

        if self.session is None or self.refused_read_only("exporting"):
            return
        if not self.workspace.exporters:
            self.say("no exporters yet (plugins are still loading, or none loaded)", severity="warning")
            return
        formats = [(name, e.label or name, e.extension) for name, e in self.workspace.exporters.items()]
        stem = self.session.target.stem if self.session.target else "portfolio"
        self.push_screen(ExportModal(formats, stem), self._export_to)

    def _export_to(self, answer: tuple[str, Path] | tuple[str, Path, bool] | None, force: bool = False) -> None:
        """Export as `answer` (format, path[, the user agreed to replace it])."""
        if answer is None or self.session is None:
            return
        name, path = answer[0], answer[1]
        force = force or (len(answer) > 2 and bool(answer[2]))
        if path.exists() and not force:
            self.push_screen(
                ConfirmModal(f"{path} exists. Replace it?", "", "Replace"),
                lambda yes: self._export_to(answer, force=True) if yes else None,
            )
            return
        owner = self.workspace.exporter_owner(name)
        call = self.workspace.export_call(name, self.today())  # the CLI's context: scorer, date, settings
        if owner != "fsdl_tui" or not self.workspace.is_builtin(self.scorer):
            # plugin code (the exporter, or the scorer the context's rank odds use): off the UI thread
            self.say(f"exporting {name} (plugin {owner})…" if owner != "fsdl_tui" else f"exporting {name}…", timeout=3)
            self._export_worker(name, owner, path, call)
            return
        try:
            self._export_done(name, path, call())
        except PluginFailure as exc:
            self.say(f"export failed: {exc}", severity="error", timeout=10)

    @work(thread=True, exclusive=True, group="export")
    def _export_worker(self, name: str, owner: str, path: Path, call: Callable[[], str | bytes]) -> None:
        worker = get_current_worker()
        running = DaemonCall(call, name=f"export-{name}")
        started, warned = time.monotonic(), False
        while not running.finished.wait(0.1):
            if worker.is_cancelled:
                return
            if not warned and time.monotonic() - started > self.score_budget:
                warned = True
                message = f"exporter '{name}' (plugin {owner}) has taken more than {self.score_budget:g} s"
                self.call_from_thread(self.say, message, severity="warning", timeout=8)
        with contextlib.suppress(RuntimeError):  # RuntimeError: the app closed meanwhile
            if running.error is not None:
                self.call_from_thread(self.say, f"export failed: {running.error}", severity="error", timeout=10)
            elif running.result is not None:
                self.call_from_thread(self._export_done, name, path, running.result)

    def _export_done(self, name: str, path: Path, out: str | bytes) -> None:
        try:
            path.write_bytes(out if isinstance(out, bytes) else out.encode("utf-8"))
        except OSError as exc:
            self.say(f"export failed: {path}: cannot write: {reason(exc)}", severity="error", timeout=10)
            return
        self.say(f"exported {name} to {path}", timeout=4)
