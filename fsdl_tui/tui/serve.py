"""The app in a browser: `fsdl-tui serve` runs the full-screen app once per browser tab with textual-serve.

Every request needs the token: the URL is `http://HOST:PORT/TOKEN/`, and the page, its assets and the
websocket all live under that path (assets by relative URLs, so the token never has to be written twice).
The token is compared in constant time (`hmac.compare_digest`) before any route runs; a request without it
gets 403 and learns nothing. The page loads nothing from the internet: textual-serve's own template pulls
its font from Google Fonts, ours uses the copy in textual-serve's static folder.
"""

from __future__ import annotations

import hmac
import html
import ipaddress
import secrets
import shlex
import socket
import string
import sys
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path

import textual_serve
from aiohttp import web
from textual_serve.server import Server

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
STATIC_DIR = Path(textual_serve.__file__).parent / "static"
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",  # the token is in the path: never send it on to another site
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def is_loopback(host: str) -> bool:
    """True for a host name or address that only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


def app_command(path: str | None, *, read_only: bool, plugins_dir: str | None = None) -> str:
    """The shell command textual-serve runs for each browser tab: this Python, this fsdl-tui, the same file.
    It runs in this folder, so PATH stays as given (the app's title shows it; no need to show where it lives)."""
    argv = [sys.executable, "-m", "fsdl_tui", "open"]
    if read_only:
        argv.append("--read-only")
    if plugins_dir is not None:
        argv += ["--plugins-dir", plugins_dir]
    if path is not None:
        argv += ["--", path]
    return shlex.join(argv)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free port). Raises OSError (address in use, bad host)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def url_host(host: str) -> str:
    """How `host` reads in a URL: the machine's name for a wildcard bind, brackets around IPv6."""
    if host in ("0.0.0.0", "::", ""):
        return socket.gethostname()
    return f"[{host}]" if ":" in host else host


class PortfolioServer(Server):
    """textual-serve's Server with the token, the offline page, and a socket bound before it starts."""

    def __init__(self, command: str, *, title: str, token: str, sock: socket.socket, url: str) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(command, host=host, port=port, title=f"fsdl-tui · {title}")
        self.label = title
        self.token = token
        self.sock = sock
        self.url = url
        self.page = string.Template(files("fsdl_tui.tui").joinpath("web", "index.html").read_text(encoding="utf-8"))
        # Only the files textual-serve ships, by their relative name: no path from a request reaches the disk.
        self.assets = {p.relative_to(STATIC_DIR).as_posix(): p for p in STATIC_DIR.rglob("*") if p.is_file()}

    def has_token(self, path: str) -> bool:
        first = path.lstrip("/").split("/", 1)[0]
        return hmac.compare_digest(first.encode("utf-8", "replace"), self.token.encode())

    @web.middleware
    async def require_token(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not self.has_token(request.raw_path.split("?", 1)[0]):
            return web.Response(status=403, text="403: this address needs the token printed by fsdl-tui serve\n")
        response = await handler(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.require_token])
        app.add_routes(
            [
                web.get("/{token}", self.handle_bare),
                web.get("/{token}/", self.handle_index),
                web.get("/{token}/ws", self.handle_websocket),
                web.get("/{token}/static/{name:.+}", self.handle_static),
            ]
        )
        app.on_startup.append(self.on_startup)
        return app

    async def handle_bare(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"{request.path}/")

    async def handle_index(self, request: web.Request) -> web.Response:
        try:
            font_size = max(6, min(64, int(request.query.get("fontsize", "16"))))
        except ValueError:
            font_size = 16
        scheme = "wss" if request.secure else "ws"
        text = self.page.substitute(
            title=html.escape(self.title),
            websocket_url=html.escape(f"{scheme}://{request.host}/{self.token}/ws"),
            font_size=font_size,
        )
        return web.Response(text=text, content_type="text/html")

    async def handle_static(self, request: web.Request) -> web.StreamResponse:
        asset = self.assets.get(request.match_info["name"])
        if asset is None:
            raise web.HTTPNotFound()
        return web.FileResponse(asset)

    async def on_startup(self, app: web.Application) -> None:
        print(f"fsdl-tui: serving {self.label} at {self.url}", flush=True)
        print("Open that address in a browser (it holds the token). Press Ctrl+C to stop.", flush=True)

    def serve(self, debug: bool = False) -> None:
        self.debug = debug
        web.run_app(self._make_app(), sock=self.sock, print=None, access_log=None, shutdown_timeout=5)


def serve(
    path: str | None,
    *,
    title: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    allow_edit: bool = False,
    plugins_dir: str | None = None,
    token: str | None = None,
    warn: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True),
) -> int:
    """Serve the app on host:port until Ctrl+C or SIGTERM. Returns the exit code."""
    sock = bind(host, port)
    bound_port = sock.getsockname()[1]
    token = token or new_token()
    url = f"http://{url_host(host)}:{bound_port}/{token}/"
    if not is_loopback(host):
        warn(
            f"fsdl-tui: warning: serving on {host}, beyond this machine: anyone who can reach port {bound_port} "
            "and has the address (with its token) can use the app; the connection is plain http, not encrypted."
        )
        if allow_edit:
            warn("fsdl-tui: warning: --allow-edit: everyone with the address can change and save the portfolio.")
    command = app_command(path, read_only=not allow_edit, plugins_dir=plugins_dir)
    PortfolioServer(command, title=title, token=token, sock=sock, url=url).serve()
    return 0
