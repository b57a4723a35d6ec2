"""Containment for calls into plugin code: output, exceptions of every kind, interrupts, and a time budget.

Every call the host makes into a plugin (import, registration hook, `score`, `export`) goes through here:

- **stdout**: while plugin code runs, what it prints never reaches the command's stdout. `sys.stdout` is
  replaced, for the duration of the host's calls, by a router that looks at a *thread-local* marker: text
  written by a thread that is inside a plugin call goes, line by line, to the host's sink (stderr by default,
  each line prefixed with the plugin's name); text written by any other thread (the command printing its JSON,
  the app's own threads) goes to the real stdout unchanged. That is `contextlib.redirect_stdout` made safe
  for a second thread: redirect_stdout swaps the stream for the whole process, so a plugin running in the
  app's worker would capture the main thread's output, and the main thread's would capture the plugin's.
  Writes to `sys.__stdout__`, `os.write(1, ...)` or `sys.stdout.buffer` bypass the router.
- **exceptions**: `BaseException` is contained, so `sys.exit()`, `KeyboardInterrupt` and `GeneratorExit`
  raised by a plugin become a reported failure of that plugin, and the command goes on.
- **ctrl+c**: a plugin's own `KeyboardInterrupt` is contained, but the user's ctrl+c must still stop the
  command. The two are told apart by where they come from: while plugin code runs in the main thread, the
  host's SIGINT handler notes that a real signal arrived before raising `KeyboardInterrupt` as Python does;
  a `KeyboardInterrupt` with that note is the user's and is re-raised, one without it is the plugin's.
  Calls run with a time budget execute in a worker thread, where a signal never arrives (Python delivers
  signals to the main thread), so any `KeyboardInterrupt` there is the plugin's; the user's ctrl+c then
  interrupts the main thread's wait and stops the command.
- **time budget**: with a budget, the call runs in a daemon worker thread and the caller waits at most
  that long. Python cannot stop a thread, so a call over budget is abandoned (the thread keeps running, is
  never waited for, and dies with the process), reported, and its plugin is not called again by that host.
"""

from __future__ import annotations

import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any, TextIO

Sink = Callable[[str, str], None]  # (plugin name, one line it printed)


def stderr_sink(plugin: str, line: str) -> None:
    """The default sink: each printed line on stderr as `[plugin NAME] line`."""
    print(f"[plugin {plugin}] {line}", file=sys.stderr, flush=True)


class CallFailed(Exception):
    """A call into plugin code failed; the message says how (exception type and text, exit, time-out)."""

    def __init__(self, message: str, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


# --- stdout, routed per thread ---------------------------------------------------------------------------

_local = threading.local()
_lock = threading.Lock()
_depth = 0


class _Router:
    """Stands in for `sys.stdout` while plugin code may run: see the module docstring."""

    def __init__(self, target: TextIO) -> None:
        self.target = target

    def write(self, text: str) -> int:
        plugin = getattr(_local, "plugin", None)
        if plugin is None:
            return self.target.write(text)
        buffered: str = _local.partial + str(text)
        *lines, _local.partial = buffered.split("\n")
        for line in lines:
            _emit(plugin, line)
        return len(text)

    def flush(self) -> None:
        if getattr(_local, "plugin", None) is None:
            self.target.flush()

    def isatty(self) -> bool:
        return False if getattr(_local, "plugin", None) is not None else self.target.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


def _emit(plugin: str, line: str) -> None:
    sink: Sink = getattr(_local, "sink", stderr_sink)
    _local.plugin = None  # the sink itself may print: that goes to the real streams
    try:
        sink(plugin, line.rstrip("\r"))
    except Exception:  # noqa: BLE001 - a broken sink must not turn a plugin's print into a failure
        pass
    finally:
        _local.plugin = plugin


@contextmanager
def routed_stdout(plugin: str, sink: Sink | None = None) -> Iterator[None]:
    """While inside, what this thread prints goes to `sink` as `(plugin, line)`; other threads are untouched."""
    global _depth
    with _lock:
        if not isinstance(sys.stdout, _Router):
            sys.stdout = _Router(sys.stdout)
        router = sys.stdout
        _depth += 1
    outer = getattr(_local, "plugin", None), getattr(_local, "partial", ""), getattr(_local, "sink", None)
    _local.plugin, _local.partial, _local.sink = plugin, "", sink or stderr_sink
    try:
        yield
    finally:
        if _local.partial:
            _emit(plugin, _local.partial)
        _local.plugin, _local.partial, _local.sink = outer
        if _local.sink is None:
            del _local.sink
        with _lock:
            _depth -= 1
            if _depth == 0 and sys.stdout is router and isinstance(router, _Router):
                sys.stdout = router.target


# --- ctrl+c from the user vs KeyboardInterrupt from a plugin ---------------------------------------------

_user_interrupt = threading.Event()
_watch_depth = 0


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _user_interrupt.set()
    signal.default_int_handler(signum, frame)


@contextmanager
def watch_interrupts() -> Iterator[None]:
    """In the main thread: note real SIGINTs, so that `contain` re-raises the user's ctrl+c only."""
    global _watch_depth
    main = threading.current_thread() is threading.main_thread()
    installed = False
    if main and _watch_depth == 0:
        _user_interrupt.clear()
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _on_sigint)
            installed = True
    if main:
        _watch_depth += 1
    try:
        yield
    finally:
        if main:
            _watch_depth -= 1
        if installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def describe(exc: BaseException) -> str:
    """How a plugin call ended, for a message."""
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    if isinstance(exc, KeyboardInterrupt):
        return "raised KeyboardInterrupt"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def contain(plugin: str, fn: Callable[..., Any], *args: Any, sink: Sink | None = None, **kwargs: Any) -> Any:
    """Call plugin code in this thread: its output routed, anything it raises turned into `CallFailed`.

    The user's ctrl+c (a real SIGINT noted by `watch_interrupts`) is re-raised.
    """
    try:
        with watch_interrupts(), routed_stdout(plugin, sink):
            return fn(*args, **kwargs)
    except KeyboardInterrupt:
        if threading.current_thread() is threading.main_thread() and _user_interrupt.is_set():
            raise
        raise CallFailed("raised KeyboardInterrupt") from None
    except BaseException as exc:  # noqa: BLE001 - plugin code: SystemExit, GeneratorExit, anything is contained
        raise CallFailed(describe(exc)) from None


# --- a time budget: the call in a worker thread -------------------------------------------------------------


class Runner:
    """Runs plugin calls in one daemon worker thread, waiting at most a budget for each.

    Safe to call from any thread; calls are serialized. After a time-out the worker is abandoned and a new
    one is started for the next call.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], list[Any], threading.Event]] | None = None
        self.abandoned: list[threading.Thread] = []

    def _start(self) -> queue.SimpleQueue[tuple[Callable[[], Any], list[Any], threading.Event]]:
        jobs: queue.SimpleQueue[tuple[Callable[[], Any], list[Any], threading.Event]] = queue.SimpleQueue()

        def work() -> None:
            while True:
                job, slot, done = jobs.get()
                try:
                    slot.append((True, job()))
                except CallFailed as exc:
                    slot.append((False, exc))
                except BaseException as exc:  # noqa: BLE001 - a bug here must never kill the worker silently
                    slot.append((False, CallFailed(describe(exc))))
                done.set()

        thread = threading.Thread(target=work, name="fsdl-tui-plugin-call", daemon=True)
        thread.start()
        self._thread = thread
        return jobs

    def call(
        self, plugin: str, budget: float | None, fn: Callable[..., Any], *args: Any, sink: Sink | None = None
    ) -> Any:
        """`contain(plugin, fn, *args)` with at most `budget` seconds (None or <= 0: no thread, no limit)."""
        if budget is None or budget <= 0:
            return contain(plugin, fn, *args, sink=sink)
        with self._lock:
            if self._jobs is None:
                self._jobs = self._start()
            slot: list[Any] = []
            done = threading.Event()
            self._jobs.put((lambda: contain(plugin, fn, *args, sink=sink), slot, done))
            if not done.wait(budget):  # the user's ctrl+c interrupts this wait and stops the command
                self.abandoned.append(self._thread)
                self._jobs = None
                raise CallFailed(f"took longer than {budget:g} s", timed_out=True)
        ok, value = slot[0]
        if not ok:
            raise value
        return value

    def map(
        self,
        plugin: str,
        budget: float | None,
        fn: Callable[[Any], Any],
        items: Sequence[Any],
        *,
        sink: Sink | None = None,
        progress: Callable[[int], None] | None = None,
        cancelled: threading.Event | None = None,
    ) -> list[tuple[bool, Any]]:
        """`fn(item)` for each item, each call contained, at most `budget` seconds per item, in one job.

        Returns `(True, result)` or `(False, CallFailed)` per item, in order. The list is shorter than
        `items` when `cancelled` was set (checked between items) or an item went over the budget: that item
        is the last, with a `CallFailed` whose `timed_out` is true. `progress(done)` is called as items
        finish (every item without a budget; every few with one: the waiting thread looks every 50 ms).
        Handing the whole batch to the worker at once costs one thread switch, not one per item.
        """
        if budget is None or budget <= 0:
            out: list[tuple[bool, Any]] = []
            for item in items:
                if cancelled is not None and cancelled.is_set():
                    break
                try:
                    out.append((True, contain(plugin, fn, item, sink=sink)))
                except CallFailed as exc:
                    out.append((False, exc))
                if progress is not None:
                    progress(len(out))
            return out
        results: list[tuple[bool, Any]] = []
        clock = time.monotonic
        at = [0]  # the index of the item being called
        since = [clock()]  # when that call started

        def batch() -> None:
            with routed_stdout(plugin, sink):
                for i, item in enumerate(items):
                    if cancelled is not None and cancelled.is_set():
                        return
                    at[0], since[0] = i, clock()
                    try:
                        results.append((True, fn(item)))
                    except BaseException as exc:  # noqa: BLE001 - plugin code: anything is contained
                        results.append((False, CallFailed(describe(exc))))

        with self._lock:
            if self._jobs is None:
                self._jobs = self._start()
            slot: list[Any] = []
            done = threading.Event()
            self._jobs.put((batch, slot, done))
            poll = min(0.05, budget / 4)
            while not done.wait(poll):  # the user's ctrl+c interrupts this wait and stops the command
                index, started = at[0], since[0]
                if clock() - started > budget and len(results) <= index:
                    self.abandoned.append(self._thread)
                    self._jobs = None
                    return results[:index] + [(False, CallFailed(f"took longer than {budget:g} s", timed_out=True))]
                if progress is not None:
                    progress(len(results))
        if slot and not slot[0][0]:  # the batch itself failed (a bug here): every item left fails with it
            failure = slot[0][1]
            results += [(False, failure)] * (len(items) - len(results))
        if progress is not None:
            progress(len(results))
        return results


__all__ = ["CallFailed", "Runner", "Sink", "contain", "describe", "routed_stdout", "stderr_sink", "watch_interrupts"]
