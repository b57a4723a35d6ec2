"""Safe file I/O: bounded reads of regular files only, and atomic replacement that keeps the file's identity.

A save writes a temp file next to the target, gives it the target's owner, group, mode, extended attributes
and POSIX ACLs, flushes it to disk and renames it over the target: a crash at any point leaves either the old
file or the new one, never half. Temp files are named `.NAME.fsdl-tui.PID.XXXXXXXX.tmp`, so a temp file left
by a killed writer is recognisably ours and is removed by the next command on that file once its writer is
gone (`remove_stale_temp_files`). Every failure is a `SaveError` with the reason in words.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import stat
import time
from collections.abc import Iterable
from pathlib import Path

from .errors import SaveError
from .limits import max_file_bytes, size_text

TEMP_TAG = "fsdl-tui"
_LEGACY_TEMP_AGE = 3600.0  # seconds: temp files of older versions (no pid in the name) older than this go


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class NotRegularFile(OSError):
    """The path names a FIFO, a device, a socket or the like: never read, never replaced."""

    def __init__(self, path: str, kind: str) -> None:
        self.kind = kind
        super().__init__(errno.EINVAL, f"is {kind}, not a regular file", path)


class FileTooLarge(OSError):
    def __init__(self, path: str, size: int, limit: int) -> None:
        self.size = size
        super().__init__(
            errno.EFBIG,
            f"is {size_text(size)}; portfolio files are limited to {size_text(limit)} "
            f"(set FSDL_TUI_MAX_FILE_MIB to allow more)",
            path,
        )


def file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_file(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them (default: `limits.max_file_bytes()`).

    Checks with `os.stat` before opening, opens without blocking (a FIFO swapped in meanwhile does not hang)
    and checks the opened file again. Raises FileNotFoundError, IsADirectoryError, NotRegularFile,
    FileTooLarge or another OSError.
    """
    name = str(path)
    limit = max_file_bytes() if limit is None else limit
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a portfolio file", name)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFile(name, file_kind(st.st_mode))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(name, file_kind(st.st_mode))
        if st.st_size > limit:
            raise FileTooLarge(name, st.st_size, limit)
        # One read of the whole size (no second copy from joining chunks: 362 MiB at 100,000 projects),
        # then reads until the end, in case it grew meanwhile.
        chunks = [os.read(fd, min(st.st_size + 1, limit + 1))]
        total = len(chunks[0])
        if total > limit:
            raise FileTooLarge(name, total, limit)
        while chunks[-1]:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise FileTooLarge(name, total, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_digest(path: Path) -> str | None:
    """The digest of the file now; None when there is no file. Something that is not a regular file, or that
    cannot be read, gets a digest no file has, so it never passes for the file that was read. Read and
    hashed a block at a time (as `read_file` reads it, never a copy of the whole file)."""
    h = hashlib.sha256()
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return f"unreadable: {file_kind(st.st_mode)}"
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"unreadable: {exc.strerror}"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "unreadable: not a regular file"
        total, limit = 0, max_file_bytes()
        while block := os.read(fd, 1 << 22):
            total += len(block)
            if total > limit:
                return "unreadable: too large"
            h.update(block)
    except OSError as exc:
        return f"unreadable: {exc.strerror}"
    finally:
        os.close(fd)
    return h.hexdigest()


# --- reasons in words -------------------------------------------------------------------------------------

_REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is mounted read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted (is the file or its folder immutable, `chattr +i`?)",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EIO: "input/output error",
    errno.EFBIG: "the file is too large",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ELOOP: "too many levels of symbolic links",
}


def reason(exc: OSError) -> str:
    """An OSError as words without `[Errno N]`."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


# --- temp files -------------------------------------------------------------------------------------------


def _temp_prefix(name: str) -> str:
    return f".{name[:180]}.{TEMP_TAG}."


def temp_name(name: str) -> str:
    return f"{_temp_prefix(name)}{os.getpid()}.{secrets.token_hex(4)}.tmp"


_OURS_RE = re.compile(r"(\d+)\.[0-9a-f]{8}\.tmp\Z")
_LEGACY_RE = re.compile(r"[a-z0-9_]{8}\.tmp\Z")  # tempfile.mkstemp names of older versions


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would signal it there: assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return True
    return True


def remove_stale_temp_files(path: Path) -> list[Path]:
    """Remove the temp files of ours for `path` whose writer is gone (its pid no longer runs); also the temp
    files of older versions (`.NAME.XXXXXXXX.tmp`) untouched for an hour. Never fails; returns what went."""
    folder = path.parent
    prefix = _temp_prefix(path.name)
    legacy_prefix = f".{path.name}."
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    now = time.time()
    for entry in names:
        candidate = folder / entry
        if entry.startswith(prefix):
            m = _OURS_RE.fullmatch(entry[len(prefix) :])
            if not m or int(m.group(1)) == os.getpid() or _pid_alive(int(m.group(1))):
                continue
        elif entry.startswith(legacy_prefix) and _LEGACY_RE.fullmatch(entry[len(legacy_prefix) :]):
            try:
                if now - os.lstat(candidate).st_mtime < _LEGACY_TEMP_AGE:
                    continue
            except OSError:
                continue
        else:
            continue
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.lstat(candidate).st_mode):
                os.unlink(candidate)
                removed.append(candidate)
    return removed


# --- writing ----------------------------------------------------------------------------------------------


def resolve(path: Path) -> Path:
    """The file a save replaces: a symbolic link stays a link, the file it points to is the one written."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)


def _writable(path: Path, st: os.stat_result) -> bool:
    """False for a file the user has no write permission on (for root: no write bit at all), as editors see it."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # root may write anything: go by the mode bits
        return bool(st.st_mode & 0o222)
    if os.access in os.supports_effective_ids:
        return os.access(path, os.W_OK, effective_ids=True)
    return os.access(path, os.W_OK)


def check_replaceable(path: Path, *, force: bool = False) -> os.stat_result | None:
    """The stat of the existing file at `path` (None: no file), after refusing what a save must not replace:
    anything but a regular file always; a read-only file or one with other hard links unless `force`."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SaveError(str(path), reason(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise SaveError(str(path), f"it is {file_kind(st.st_mode)}, not a regular file")
    if force:
        return st
    if not _writable(path, st):
        raise SaveError(
            str(path),
            "the file is read-only (no write permission); make it writable (chmod u+w) to save it",
            forceable=True,
        )
    if st.st_nlink > 1:
        raise SaveError(
            str(path),
            f"the file has {st.st_nlink} hard links; a save would give only this name the new content and the "
            "others would keep the old one; give it a file of its own (cp, then mv over it) to save it",
            forceable=True,
        )
    return st


def _copy_identity(src: Path, st: os.stat_result, fd: int) -> None:
    """Give the temp file (`fd`) the owner, group, mode, extended attributes and ACLs of `src`."""
    if hasattr(os, "fchown"):
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
        except PermissionError:
            with contextlib.suppress(OSError):  # not allowed to give it away: at least keep the group if we may
                os.fchown(fd, -1, st.st_gid)
        except OSError:
            pass
    if hasattr(os, "fchmod"):
        os.fchmod(fd, stat.S_IMODE(st.st_mode))
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(src)
    except OSError:
        return  # the file system has no extended attributes
    for attr in names:
        with contextlib.suppress(OSError):  # e.g. security.* or trusted.* the user may not set
            os.setxattr(fd, attr, os.getxattr(src, attr))


def atomic_write(
    path: Path, data: bytes | Iterable[bytes | memoryview], *, force: bool = False, exclusive: bool = False
) -> None:
    """Write `data` to `path` through a temp file in the same folder: write, keep the identity, fsync, replace.
    `data` may be parts (slices of the bytes read, say, or made one at a time by a generator), written one
    after another; one that raises leaves `path` untouched, as any failure does.

    Refuses (SaveError) what `check_replaceable` refuses; with `exclusive`, refuses to replace a file that
    appeared meanwhile (FileExistsError). If anything fails, or the process is interrupted, before the
    replace, the temp file is removed and `path` is untouched.
    """
    path = resolve(path)
    folder = path.parent if str(path.parent) else Path(".")
    st = check_replaceable(path, force=force)
    if st is not None and exclusive:
        raise FileExistsError(errno.EEXIST, "exists", str(path))
    tmp = folder / temp_name(path.name)
    try:
        fd = os.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
            0o600 if st is not None else 0o666,  # a new file gets the umask's permissions
        )
    except OSError as exc:
        raise SaveError(str(path), _folder_reason(exc, folder)) from None
    try:
        try:
            if st is not None:
                _copy_identity(path, st, fd)
            for part in (data,) if isinstance(data, bytes | bytearray | memoryview) else data:
                view = memoryview(part)
                while view:
                    view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if st is not None and not hasattr(os, "fchmod"):  # pragma: no cover - Windows
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
        if exclusive:
            _link_new(tmp, path)
        else:
            os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, FileExistsError):
            raise
        if isinstance(exc, OSError):
            raise SaveError(str(path), reason(exc)) from None
        raise
    _fsync_dir(folder)


def _folder_reason(exc: OSError, folder: Path) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"no permission to create files in the folder {folder}"
    return reason(exc)


def _link_new(tmp: Path, path: Path) -> None:
    """Put `tmp` in place as `path` only if `path` does not exist (never replacing a file made meanwhile)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links on this file system: the check in `atomic_write` has to do
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, "exists", str(path)) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
