"""A cache of parsed portfolio files, so a large portfolio is parsed once, not by every command.

An entry stands for the bytes of a file, keyed by their sha256, and holds what was made of them, in JSON:
data only, so an entry can never run code, whoever wrote it. It has three lines after its first: the
file's header (every table but the projects), as `tomllib` made it; the projects, each a plain project in
its flat form (`domain/flat.py`: its values in the model's order, the checks, history entries and other
small records it shares with other projects kept once), or the number of its table in the third line, the
tables of the projects that are not plain (a problem or a warning to give, a date among their extra keys),
and of every project when the file has a problem. A warm load builds a plain project from its flat form
without reading a table, and every other from its table as a cold load does. In the first and third lines,
dates, times and date-times, which JSON has no words for, are written as one-key objects under a key no TOML
key can be (see `_TAG`); in the flat form a date is text where the model has a date, and nowhere else.

Each entry starts with a line that names the cache format, the kind of entry, the layout of the model, the
Python version (whose `tomllib` made the data), the content hash it stands for and the sha256 of the rest of
the entry; an entry whose line does not match, or whose rest does not hash to it, or does not read, is
deleted and the file parsed again. The file is always read: the cache only ever replaces the parse of bytes
it has seen, so a hit gives the same document, the same problems and the same warnings as a cold load.
`get` and `put` keep plain data of any other kind the same way (one line of JSON after the first).

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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import paths
from ..domain.flat import LAYOUT, Reader, Writer
from ..domain.model import Project
from ..domain.reader import project_key_warnings

FORMAT = 2
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
# The layout of the model the flat form is read into: an entry made for another one is not read.
_MODEL = hashlib.sha256(LAYOUT.encode("utf-8")).hexdigest()[:16]


def enabled() -> bool:
    return os.environ.get(ENV_OFF, "") not in ("1", "true", "yes")


def folder() -> Path:
    return paths.cache_dir() / "parsed"


def may_hold(size: int) -> bool:
    """Whether the cache may hold an entry for a file of `size` bytes: one to look for."""
    return MIN_FILE_BYTES <= size <= MAX_FILE_BYTES and enabled()


def text_cacheable(text: str) -> bool:
    """Whether a file with this text may be cached: not one that escapes a NUL (see `_TAG`). `put_parsed`
    checks it; a read need not: an entry stands for the very bytes it was written for."""
    return "\\u0000" not in text and "\\U00000000" not in text


def cacheable(text: str, size: int) -> bool:
    """Whether a file of `size` bytes with this text may be cached at all."""
    return may_hold(size) and text_cacheable(text)


def _entry(sha: str) -> Path:
    return folder() / f"{sha}{_SUFFIX}"


def _header(sha: str, body_sha: str, kind: str = "data") -> str:
    fields = {"format": FORMAT, "kind": kind, "model": _MODEL, "python": _PY, "sha256": sha, "body_sha256": body_sha}
    return json.dumps(fields, sort_keys=True)


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


def encode(data: Any) -> str:
    return json.dumps(data, default=_encode_default, ensure_ascii=False, check_circular=False, allow_nan=True)


def decode(body: str) -> dict[str, Any]:
    data = json.loads(body, object_hook=_decode_hook)
    if not isinstance(data, dict):
        raise ValueError("not a table")
    return data


def _read_entry(sha: str, kind: str) -> bytes | None:
    """The body of the entry of `kind` for the bytes hashing to `sha`, checked against its first line; or None
    (no entry, or a bad one, now removed)."""
    path = _entry(sha)
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    nl = raw.find(b"\n")
    body = raw[nl + 1 :]
    if nl < 0 or raw[:nl] != _header(sha, hashlib.sha256(body).hexdigest(), kind).encode("utf-8"):
        _remove(path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: eviction removes the entries used least recently
    return body


def _store(sha: str, body: bytes, kind: str) -> None:
    """Write the entry of `kind` with this body for the bytes hashing to `sha`, then keep the folder's size."""
    entry = (_header(sha, hashlib.sha256(body).hexdigest(), kind) + "\n").encode("utf-8") + body
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


def get(sha: str) -> dict[str, Any] | None:
    """The plain data stored by `put` for `sha`, or None (no entry, or a bad one, now removed)."""
    body = _read_entry(sha, "data")
    if body is None:
        return None
    try:
        return decode(body.decode("utf-8"))
    except (ValueError, TypeError, KeyError, RecursionError):
        _remove(_entry(sha))
        return None


def put(sha: str, data: dict[str, Any]) -> None:
    """Store plain data (as `tomllib` makes) under `sha`; quietly nothing if the folder is unusable."""
    try:
        body = encode(data).encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        return
    _store(sha, body, "data")


# --- a parsed portfolio file ------------------------------------------------------------------------------

Items = list[Project | dict[str, Any]]


def get_parsed(sha: str) -> tuple[dict[str, Any], Items] | None:
    """The parsed file whose bytes hash to `sha`, as `put_parsed` stored it: its header's data (every table
    but the projects) and its projects in file order, each a `Project` (built from its flat form, as the
    reader would build it from its table) or, where the project is not plain, its table. None when there is
    no entry or a bad one (now removed)."""
    body = _read_entry(sha, "parsed")
    if body is None:
        return None
    try:
        head, flats, tables = body.decode("utf-8").split("\n")
        header = decode(head)
        kept = json.loads(tables, object_hook=_decode_hook)
        if not isinstance(kept, list) or not all(isinstance(t, dict) for t in kept):
            raise ValueError("not a list of tables")
        pools, flat = json.loads(flats)
        read = Reader(pools).project
        items: Items = [read(f) if type(f) is list else kept[f] for f in flat]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        _remove(_entry(sha))
        return None
    return header, items


def put_parsed(
    sha: str, text: str, header: dict[str, Any], tables: list[Any], projects: Sequence[Project] | None
) -> None:
    """Store the parsed file whose bytes hash to `sha` (and which has this `text`): its header's data, its
    project tables and, when the file loaded without a problem, the projects built from them (one per table,
    in order). A project is kept in its flat form (`domain/flat.py`) when it has no warning to give
    (`project_key_warnings`) and the form can hold it, else, and when `projects` is None, as its table.
    Quietly nothing if the text escapes a NUL or the folder is unusable."""
    if not text_cacheable(text):
        return
    if projects is not None and len(projects) != len(tables):
        projects = None
    flats: list[Any] = []
    kept: list[Any] = []
    writer = Writer()
    for i, table in enumerate(tables):
        flat = None
        if projects is not None and not project_key_warnings(table, ()):
            flat = writer.project(projects[i])
        if flat is None:
            flats.append(len(kept))
            kept.append(table)
        else:
            flats.append(flat)
    try:
        plain = json.dumps([writer.pools(), flats], ensure_ascii=False, check_circular=False, allow_nan=True)
        body = "\n".join((encode(header), plain, encode(kept))).encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        return
    _store(sha, body, "parsed")


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
