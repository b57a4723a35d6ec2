"""One writer at a time: an advisory lock held across read, check and replace.

On POSIX the lock is `flock` on the portfolio file itself, so there is no lock file to leave behind, to
commit to git, or to fail to create in a folder the user may not write. A save replaces the file (a new
inode), so whoever gets the lock checks that the path still names the file it locked, and locks the new one
otherwise. `flock` belongs to the open file, so threads of one process exclude each other too, and the lock
goes with the process when it dies (`kill -9` included). Elsewhere (Windows) a `filelock` lock file in the
state folder (`paths.state_dir()`), named after the file's path, does the same job.

A file that does not exist yet is not locked: its first save creates it only if it still does not exist.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from .atomic import reason, resolve
from .errors import SaveError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_NO_LOCKS = frozenset(
    e for e in (getattr(errno, n, None) for n in ("ENOLCK", "EOPNOTSUPP", "ENOTSUP", "EINVAL")) if e is not None
)
LOCK_TIMEOUT = 30.0  # seconds to wait for another writer before giving up with a message


class LockTimeout(SaveError):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__(path, f"another program has been saving it for {timeout:.0f} s (it holds the lock); try again")


@contextlib.contextmanager
def locked(path: str | Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the writers' lock of `path` (the file a symbolic link points to) for the `with` block."""
    target = resolve(Path(path))
    if fcntl is None:  # pragma: no cover - Windows
        with _filelock(target, timeout):
            yield
        return
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            fd = -1
        except OSError as exc:
            raise SaveError(str(path), reason(exc)) from None
        if fd < 0:
            yield  # not there yet: the first save creates it exclusively
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                supported = True
            except OSError as exc:
                if exc.errno not in _NO_LOCKS and exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise SaveError(str(path), reason(exc)) from None
                supported = exc.errno not in _NO_LOCKS
                if supported:  # someone else holds it: wait a little and try again
                    if time.monotonic() >= deadline:
                        raise LockTimeout(str(path), timeout) from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
                    continue
            if not supported or _same_file(fd, target):  # no locks on this file system: the digest check must do
                yield
                return
            # Replaced while we waited: lock the file that is there now.
        finally:
            os.close(fd)  # releases the lock


def _same_file(fd: int, target: Path) -> bool:
    try:
        now = os.stat(target)
    except OSError:
        return False
    held = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


def tidy(path: str | Path) -> None:
    """Remove the temp files a killed writer left next to `path`, if no writer holds its lock right now
    (never waits, never fails)."""
    from .atomic import remove_stale_temp_files

    with contextlib.suppress(SaveError, OSError), locked(path, timeout=0.0):
        remove_stale_temp_files(resolve(Path(path)))


@contextlib.contextmanager
def _filelock(target: Path, timeout: float) -> Iterator[None]:  # pragma: no cover - Windows
    import filelock

    from ..paths import state_dir

    folder = state_dir() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(os.path.normcase(os.path.abspath(target)).encode("utf-8")).hexdigest()[:32]
    try:
        with filelock.FileLock(str(folder / f"{name}.lock"), timeout=timeout):
            yield
    except filelock.Timeout:
        raise LockTimeout(str(target), timeout) from None
