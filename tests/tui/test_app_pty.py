"""The real thing, in a pseudo-terminal: start `fsdl-tui FILE`, make an edit, `kill -9` it, start it again and
get the recovery offer; accept it, and the edit is back."""

from __future__ import annotations

import fcntl
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from tui_helpers import FIXTURES

from fsdl_tui.paths import state_dir
from fsdl_tui.storage import load
from fsdl_tui.storage.journal import journal_path, read_journal

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty"),
]

ANSI = re.compile(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


class Terminal:
    """One run of the app on a pty of 100x30."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.master = master
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True
        )
        os.close(slave)
        self.seen = ""

    def read_until(self, text: str, rounds: int = 600) -> str:
        """Read the screen output until `text` shows (bounded: at most `rounds` reads of 0.1 s)."""
        raw = b""
        for _ in range(rounds):
            if text in self.seen:
                return self.seen
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    raw += os.read(self.master, 65536)
                except OSError:  # the app is gone
                    break
                self.seen = ANSI.sub("", raw.decode("utf-8", "replace"))
        assert text in self.seen, f"never showed {text!r}"
        return self.seen

    def wait_exit(self, rounds: int = 600) -> int | None:
        """Keep reading (a full pty would block the app's writes) until the app exits."""
        for _ in range(rounds):
            if self.proc.poll() is not None:
                break
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    os.read(self.master, 65536)
                except OSError:
                    break
        return self.proc.wait(30)

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)
        os.close(self.master)


def _wait(condition, rounds: int = 300) -> None:  # type: ignore[no-untyped-def]
    for _ in range(rounds):
        if condition():
            return
        select.select([], [], [], 0.1)
    assert condition()


def test_kill_9_then_recover(tmp_path: Path) -> None:
    exe = shutil.which("fsdl-tui", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("the fsdl-tui script is not installed")
    file = tmp_path / "team.toml"
    shutil.copy(FIXTURES / "small.toml", file)
    original = file.read_bytes()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "FSDL_TUI_LOAD_PLUGINS": "",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    state = state_dir(env)
    first = Terminal([exe, "team.toml"], env, tmp_path)
    try:
        first.read_until("Labeling tool")
        first.send("o")  # put the first project on hold: an unsaved change
        first.read_until("on hold: why?")
        first.send("\r")  # no reason
        first.read_until("modified")
        _wait(lambda: journal_path(state, file).exists())
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(30)
    finally:
        first.close()
    assert file.read_bytes() == original and read_journal(state, file) is not None

    second = Terminal([exe, "team.toml"], env, tmp_path)
    try:
        second.read_until("Recover unsaved changes?")
        screen = second.read_until('"active" -> "on-hold"')  # the semantic diff of what was lost
        assert "label-tool" in screen
        second.send("r")
        second.read_until("modified")
        second.send("\x13")  # ctrl+s
        second.read_until("saved team.toml")  # (not "not saved yet" of the offer, maybe still in the buffer)
        assert not journal_path(state, file).exists()
        second.send("q")
        assert second.wait_exit() == 0
    finally:
        second.close()
    assert load(file).portfolio.get("label-tool").status == "on-hold"  # type: ignore[union-attr]
