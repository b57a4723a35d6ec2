"""A cache of parsed portfolio files, so a large portfolio is parsed once, not by every command.

An entry holds the plain data `tomllib` made of a file (what the codec reads), keyed by the sha256 of the
file's bytes, in JSON: data only, so an entry can never run code, whoever wrote it. Dates, times and
date-times, which JSON has no words for, are written as one-key objects under a key no TOML key can be
(see `_TAG`). Each entry starts with a line that names the cache format, the Python version (whose `tomllib`
made the data), the content hash it stands for and the sha256 of the rest of the entry; an entry whose line
does not match, or whose rest does not hash to it, is deleted and the file parsed again. The file is always
read: the cache only ever replaces the parse of bytes it has seen, so a hit gives the same document, the
same problems and the same warnings as a cold load.

Entries live in `paths.cache_dir()/parsed/`, are written atomically (a temp file, then a rename), and the
folder is kept under `MAX_TOTAL_BYTES` by removing the entries used least recently. A missing or read-only
cache folder only means no cache. `FSDL_TUI_NO_CACHE=1` turns it off. Small files (under `MIN_FILE_BYTES`)
are not cached: parsing them costs less than reading an entry; nor are files over `MAX_FILE_BYTES`, whose
entry would take more memory than a cold load.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from .. import paths

FORMAT = 1
ENV_OFF = "FSDL_TUI_NO_CACHE"
MIN_FILE_BYTES = 128 * 1024  # about 35 projects; below it a parse is a few milliseconds
# An entry is read whole, the data of every project at once: over a GiB for a 100,000-project file, where a
# cold load builds one project at a time and stays under one. Larger files are not cached.
MAX_FILE_BYTES = 64 * 1024 * 1024  # about 18,000 projects
MAX_TOTAL_BYTES = 512 * 1024 * 1024
_SUFFIX = ".json"
# TOML can spell a NUL in a quoted key only as an escape; a file with such an escape is never cached, so no
# key in a cached file's data is this one.
_TAG = "\x00"
_PY = f"{sys.version_info[0]}.{sys.version_info[1]}"


def enabled() -> bool:
    return os.environ.get(ENV_OFF, "") not in ("1", "true", "yes")


def folder() -> Path:
    return paths.cache_dir() / "parsed"


def cacheable(text: str, size: int) -> bool:
    """Whether a file of `size` bytes with this text may be cached at all."""
    return (
        MIN_FILE_BYTES <= size <= MAX_FILE_BYTES and enabled() and "\\u0000" not in text and "\\U00000000" not in text
    )


def _entry(sha: str) -> Path:
    return folder() / f"{sha}{_SUFFIX}"


def _header(sha: str, body_sha: str) -> str:
    return json.dumps({"format": FORMAT, "python": _PY, "sha256": sha, "body_sha256": body_sha}, sort_keys=True)


def _encode_default(v: Any) -> Any:
    if isinstance(v, _dt.datetime):
        return {_TAG: ["datetime", v.isoformat()]}
    if isinstance(v, _dt.date):
        return {_TAG: ["date", v.isoformat()]}
    if isinstance(v, _dt.time):
        return {_TAG: ["time", v.isoformat()]}
    raise TypeError(f"cannot cache a value of type {type(v).__name__}")


_DECODERS = {"datetime": _dt.datetime.fromisoformat, "date": _dt.date.fromisoformat, "time": _dt.time.fromisoformat}


def _decode_hook(d: dict[str, Any]) -> Any:
    if _TAG in d:
        kind, iso = d[_TAG]
        return _DECODERS[kind](iso)
    return d


def encode(data: dict[str, Any]) -> str:
    return json.dumps(data, default=_encode_default, ensure_ascii=False, check_circular=False, allow_nan=True)


def decode(body: str) -> dict[str, Any]:
    data = json.loads(body, object_hook=_decode_hook)
    if not isinstance(data, dict):
        raise ValueError("not a table")
    return data


def get(sha: str) -> dict[str, Any] | None:
    """The data cached for the file whose bytes hash to `sha`, or None (no entry, or a bad one, now removed)."""
    path = _entry(sha)
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    try:
        nl = raw.index(b"\n")
        body = raw[nl + 1 :]
        if raw[:nl].decode("utf-8") != _header(sha, hashlib.sha256(body).hexdigest()):
            raise ValueError("stale or corrupt entry")
        data = decode(body.decode("utf-8"))
    except (ValueError, TypeError, KeyError, RecursionError):
        _remove(path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: eviction removes the entries used least recently
    return data


def put(sha: str, data: dict[str, Any]) -> None:
    """Store the parsed data of the file whose bytes hash to `sha`; quietly nothing if the folder is unusable."""
    try:
        body = encode(data).encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        return
    entry = (_header(sha, hashlib.sha256(body).hexdigest()) + "\n").encode("utf-8") + body
    target = _entry(sha)
    if _write_entry(target, entry):
        evict(keep=target)


def _write_entry(target: Path, entry: bytes) -> bool:
    """Write `entry` to `target` atomically (a temp file, then a rename); False where the folder is unusable."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(entry)
        os.replace(tmp, target)
    except OSError:
        _remove(Path(tmp))
        return False
    return True


def evict(max_total: int | None = None, keep: Path | None = None) -> None:
    """Remove the least recently used entries until the folder holds at most `max_total` bytes."""
    _evict_in(folder(), MAX_TOTAL_BYTES if max_total is None else max_total, keep)


def _evict_in(where: Path, limit: int, keep: Path | None) -> None:
    try:
        found = []
        with os.scandir(where) as it:
            for e in it:
                if e.name.endswith(_SUFFIX) and e.is_file(follow_symlinks=False):
                    st = e.stat(follow_symlinks=False)
                    found.append((st.st_mtime_ns, st.st_size, Path(e.path)))
    except OSError:
        return
    total = sum(size for _, size, _ in found)
    for _, size, path in sorted(found, key=lambda x: x[0]):
        if total <= limit:
            break
        if keep is not None and path == keep:
            continue
        _remove(path)
        total -= size


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


# --- the index of a file's projects (`one_project.py`) ------------------------------------------------------
#
# Beside the parsed entries, in `paths.cache_dir()/index/`: for a file that loaded without a problem, where
# each project's segment lies in its bytes (and what a one-project edit must know of the others), keyed by
# the sha256 of the file's bytes. Data only (JSON of strings and integers), with a first line like a parsed
# entry's: its own format, the Python version, the content hash, a stamp of the code that validated the
# file (`one_project.stamp`) and the sha256 of the rest. Anything that does not match is removed and not used.

INDEX_FORMAT = 1
INDEX_MAX_TOTAL_BYTES = 64 * 1024 * 1024


def index_folder() -> Path:
    return paths.cache_dir() / "index"


def _index_entry(sha: str) -> Path:
    return index_folder() / f"{sha}{_SUFFIX}"


def _index_header(sha: str, stamp: str, body_sha: str) -> str:
    head = {"format": INDEX_FORMAT, "python": _PY, "sha256": sha, "stamp": stamp, "body_sha256": body_sha}
    return json.dumps(head, sort_keys=True)


def has_index(sha: str, stamp: str) -> bool:
    """Whether an index by the code `stamp` names is stored for these bytes (only its first line is read)."""
    if not enabled():
        return False
    try:
        with _index_entry(sha).open("rb") as f:
            head = json.loads(f.readline())
        body_sha = head.pop("body_sha256")
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return False
    return isinstance(body_sha, str) and _index_header(sha, stamp, body_sha) == json.dumps(
        head | {"body_sha256": body_sha}, sort_keys=True
    )


def get_index(sha: str, stamp: str) -> dict[str, Any] | None:
    """The index stored for the file whose bytes hash to `sha` by the code `stamp` names, or None (no entry,
    or a stale or corrupt one, now removed)."""
    path = _index_entry(sha)
    if not enabled() or not path.is_file():
        return None
    data: Any = None
    with contextlib.suppress(OSError, ValueError, RecursionError):
        head, body = path.read_bytes().split(b"\n", 1)
        if head.decode("utf-8") == _index_header(sha, stamp, hashlib.sha256(body).hexdigest()):
            data = json.loads(body)
    if not isinstance(data, dict):  # stale, corrupt or unreadable
        _remove(path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)
    return data


def put_index(sha: str, stamp: str, data: dict[str, Any]) -> None:
    """Store the index of the file whose bytes hash to `sha`; quietly nothing if the folder is unusable."""
    if not enabled():
        return
    try:
        body = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        return
    entry = (_index_header(sha, stamp, hashlib.sha256(body).hexdigest()) + "\n").encode("utf-8") + body
    target = _index_entry(sha)
    if _write_entry(target, entry):
        _evict_in(index_folder(), INDEX_MAX_TOTAL_BYTES, target)
