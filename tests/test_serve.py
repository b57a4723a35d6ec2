"""`fsdl-tui serve`: the token guards every request, the page loads nothing from the internet, and the app
opened in headless Chromium (driven over the DevTools protocol) shows the portfolio's projects and answers a
key press. Everything runs on 127.0.0.1 on free ports; every wait has a timeout; everything is stopped."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from fsdl_tui.cli.main import main
from fsdl_tui.storage import load
from fsdl_tui.tui.serve import app_command, is_loopback

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_portfolios" / "full-stack-robotics.toml"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1400,1000",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]

# Page code, run before textual.js: keep a reference to the xterm.js Terminal that textual.js assigns to
# `this.terminal`, so the test reads the screen the page paints (xterm's buffer) rather than the bytes sent.
KEEP_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && !window.__fsdlTerminal) { window.__fsdlTerminal = value; }
  },
});
"""
SCREEN_TEXT = """(() => {
  const t = window.__fsdlTerminal;
  if (!t) { return null; }
  const b = t.buffer.active, lines = [];
  for (let y = 0; y < t.rows; y++) { const l = b.getLine(b.viewportY + y); lines.push(l ? l.translateToString(true) : ""); }
  return lines.join("\\n");
})()"""


def _chromium() -> str | None:
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        env[var] = str(tmp_path / var.lower())
    env["HOME"] = str(tmp_path / "home")
    env["FSDL_TUI_LOAD_PLUGINS"] = ""  # no installed plugin: the same app wherever the test runs
    env.pop("FSDL_TUI_PLUGINS_DIR", None)
    return env


@contextlib.asynccontextmanager
async def served(tmp_path: Path, *args: str) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """`fsdl-tui serve ARGS --port 0` running; yields (the printed URL, the process); stops it after. Its
    output goes to a file (a pipe nobody reads could fill up and stall the server)."""
    out_path = tmp_path / "serve.out"
    with open(out_path, "wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "fsdl_tui",
            "serve",
            *args,
            "--port",
            "0",
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_env(tmp_path),
            cwd=tmp_path,
            start_new_session=True,
        )
    try:
        match = None
        for _ in range(600):  # 30 s at most
            match = re.search(r"(http://127\.0\.0\.1:\d+/[A-Za-z0-9_-]+/)", out_path.read_text(errors="replace"))
            if match or proc.returncode is not None:
                break
            await asyncio.sleep(0.05)
        assert match, f"no address printed: {out_path.read_text(errors='replace')!r}"
        yield match.group(1), proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), timeout=15)
            except TimeoutError:
                os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()


class DevTools:
    """A minimal Chrome DevTools protocol client over one page's websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.next_id = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        msg_id = self.next_id
        await self.ws.send_json({"id": msg_id, "method": method, "params": params})
        while True:  # events in between are skipped
            reply = json.loads(await asyncio.wait_for(self.ws.receive_str(), timeout=30))
            if reply.get("id") == msg_id:
                assert "error" not in reply, reply
                result: dict[str, Any] = reply.get("result", {})
                return result

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def wait_for_screen(self, predicate: Any, what: str, timeout: float = 60) -> str:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        text = ""
        while loop.time() < deadline:
            text = await self.evaluate(SCREEN_TEXT) or ""
            if predicate(text):
                return text
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; the page shows:\n{text}")

    async def press(self, key: str) -> None:
        code = f"Key{key.upper()}" if key.isalpha() else ""
        await self.call("Input.dispatchKeyEvent", type="keyDown", key=key, code=code, text=key)
        await self.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=code)


@contextlib.asynccontextmanager
async def chromium(binary: str, tmp_path: Path, http: aiohttp.ClientSession) -> AsyncIterator[DevTools]:
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    with open(tmp_path / "chromium.log", "wb") as log:
        proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(600):  # 30 s at most
            if port_file.exists() and port_file.read_text().strip():
                break
            assert proc.poll() is None, (tmp_path / "chromium.log").read_text(errors="replace")
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("Chromium did not open its DevTools port in 30 s")
        port = int(port_file.read_text().split()[0])
        async with http.get(f"http://127.0.0.1:{port}/json/list", timeout=aiohttp.ClientTimeout(total=10)) as r:
            pages = [t for t in await r.json() if t["type"] == "page"]
        async with http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            yield DevTools(ws)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


# --- the command line ---------------------------------------------------------------------------------------


def test_loopback_hosts_are_told_from_the_rest() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.3.4.5", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.168.1.20", "example.org", ""]))


def test_the_app_runs_read_only_unless_edits_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "team folder" / "my team.toml"
    read_only = app_command(str(path), read_only=True)
    assert read_only.endswith(f"open --read-only -- '{path}'")  # quoted for the shell textual-serve uses
    assert "--read-only" not in app_command(str(path), read_only=False)


def test_a_missing_file_is_refused_unless_edits_are_allowed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", str(tmp_path / "nope.toml"), "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "nope.toml: no such file" in err and "--allow-edit" in err


def test_a_broken_file_is_reported_before_serving(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('schema_version = 1\nname = "x"\n[[projects]]\nid = \n', encoding="utf-8")
    assert main(["serve", str(bad), "--port", "0"]) == 1
    assert re.search(r"bad\.toml:4:\d+: ", capsys.readouterr().err)


def test_a_port_in_use_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", str(SAMPLE), "--port", str(port)]) == 1
    assert f"cannot serve on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "allow_edit", "warnings"),
    [("127.0.0.1", False, 0), ("::1", True, 0), ("0.0.0.0", False, 1), ("192.0.2.7", True, 2)],
)
def test_serving_beyond_this_machine_warns(
    monkeypatch: pytest.MonkeyPatch, host: str, allow_edit: bool, warnings: int
) -> None:
    import socket

    from fsdl_tui.tui import serve as serve_module

    started: list[serve_module.PortfolioServer] = []
    local = socket.socket()
    # Never listen beyond 127.0.0.1 in a test: the socket is bound there whatever the host asked for.
    monkeypatch.setattr(serve_module, "bind", lambda h, p: (local.bind(("127.0.0.1", 0)), local)[1])
    monkeypatch.setattr(serve_module.PortfolioServer, "serve", lambda self, debug=False: started.append(self))
    said: list[str] = []
    try:
        serve_module.serve(str(SAMPLE), title="t", host=host, port=0, allow_edit=allow_edit, warn=said.append)
    finally:
        local.close()
    assert len(said) == warnings, said
    if warnings:
        assert f"serving on {host}" in said[0] and "token" in said[0]
    if warnings == 2:
        assert "--allow-edit" in said[1]
    (server,) = started
    assert ("--read-only" in server.command) is not allow_edit
    assert server.url.endswith(f"/{server.token}/") and len(server.token) >= 32


# --- the server -----------------------------------------------------------------------------------------------


async def test_every_request_needs_the_token(tmp_path: Path) -> None:
    async with served(tmp_path, str(SAMPLE)) as (url, _), aiohttp.ClientSession() as http:
        origin, token = url.rstrip("/").rsplit("/", 1)
        timeout = aiohttp.ClientTimeout(total=15)
        async with http.get(url, timeout=timeout) as r:
            page = await r.text()
            assert r.status == 200
            assert r.headers["Referrer-Policy"] == "no-referrer"
        assert "(read-only)" in page
        for asset in re.findall(r'(?:src|href)="(static/[^"]+)"', page):
            async with http.get(url + asset, timeout=timeout) as r:
                assert r.status == 200, asset
        wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
        for path in ["/", f"/{wrong}/", f"/{wrong}/static/js/textual.js", "/static/js/textual.js", f"/{token[:-1]}/"]:
            async with http.get(origin + path, timeout=timeout) as r:
                assert r.status == 403, path
                assert token not in await r.text()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"{origin}/{wrong}/ws".replace("http", "ws"), timeout=aiohttp.ClientWSTimeout(10))
        assert refused.value.status == 403
        async with http.get(f"{url}static/../../../etc/passwd", timeout=timeout) as r:
            assert r.status in (403, 404)


async def test_the_page_loads_nothing_from_elsewhere(tmp_path: Path) -> None:
    async with served(tmp_path, str(SAMPLE)) as (url, _), aiohttp.ClientSession() as http:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=15)) as r:
            page = await r.text()
        async with http.get(url + "static/css/xterm.css", timeout=aiohttp.ClientTimeout(total=15)) as r:
            css = await r.text()
    loads = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"|url\(\s*["\']?([^"\')]*)', page + css)
    targets = [a or b for a, b in loads]
    assert any("fonts/RobotoMono" in t for t in targets)  # the font is there, from this server
    assert not [t for t in targets if re.match(r"(https?:)?//", t)], targets


# --- in a browser -------------------------------------------------------------------------------------------


@pytest.mark.slow
async def test_the_app_in_headless_chromium_shows_the_projects_and_answers_a_key(tmp_path: Path) -> None:
    binary = _chromium()
    if binary is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium; .ci/run installs it)")
    portfolio = tmp_path / "team.toml"
    shutil.copyfile(SAMPLE, portfolio)
    titles = [p.title for p in load(portfolio).portfolio.projects]
    assert len(titles) >= 3
    async with (
        served(tmp_path, str(portfolio)) as (url, _),
        aiohttp.ClientSession() as http,
        chromium(binary, tmp_path, http) as page,
    ):
        await page.call("Page.enable")
        await page.call("Page.addScriptToEvaluateOnNewDocument", source=KEEP_TERMINAL)
        await page.call("Page.navigate", url=url)
        # The ranked table: every project's title (at least its start, as wide as the column allows).
        screen = await page.wait_for_screen(
            lambda text: all(t[:12] in text for t in titles), "every project in the table"
        )
        assert "read-only" in screen
        assert "History of" not in screen
        await page.evaluate("window.__fsdlTerminal.focus()")
        await page.press("b")  # the lifecycle board
        await page.wait_for_screen(lambda text: "History of" in text, "the lifecycle board after pressing b")
    assert portfolio.read_bytes() == SAMPLE.read_bytes()


# --- the read-only app ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("read_only", [True, False])
async def test_the_read_only_app_refuses_edits_and_saves(tmp_path: Path, read_only: bool) -> None:
    from fsdl_tui.tui.app import FsdlApp
    from fsdl_tui.tui.screens.edit import EditScreen
    from fsdl_tui.workspace import Session

    portfolio = tmp_path / "team.toml"
    shutil.copyfile(SAMPLE, portfolio)
    env = _env(tmp_path)
    app = FsdlApp(Session(load(portfolio)), env=env, watch_interval=None, load_plugins=False, read_only=read_only)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert ("(read-only)" in app.title) is read_only
        await pilot.press("o")  # put the selected project on hold (asks why: no reason, Enter)
        await pilot.pause()
        if not read_only:
            await pilot.press("enter")
        assert app.session is not None
        assert app.session.dirty is not read_only
        await pilot.press("ctrl+s")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("read-only: saving is off" in m for m in messages) is read_only
        assert (portfolio.read_bytes() == SAMPLE.read_bytes()) is read_only
        from fsdl_tui.tui.commands import ActionsProvider

        palette = [name for name, _, _ in ActionsProvider(app.screen)._commands()]
        assert ("Edit the highlighted project" in palette) is not read_only
        assert "Keys and the FSDL framework" in palette  # what only reads stays
        assert (app.check_action("rate", ()) is False) is read_only  # rating writes the rater's file
        if read_only:
            app.action_export()  # it would write a file: off too
            await pilot.pause()
            assert any("read-only: exporting is off" in n.message for n in app._notifications)
            await pilot.press("e")
            await pilot.pause()
            assert not isinstance(app.screen, EditScreen)
            app.action_edit()  # as a double click on a row does
            await pilot.pause()
            assert not isinstance(app.screen, EditScreen)
            assert any("read-only: editing is off" in n.message for n in app._notifications)
        await app.action_quit()
