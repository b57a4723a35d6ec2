"""Saves that never lose data: concurrent writers, failed saves, killed saves and the file's identity."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from helpers_storage import ROOT, concurrent_cli, make_portfolio_text, run_cli

from fsdl_tui.domain.fields import set_field
from fsdl_tui.storage import (
    FileChangedError,
    SaveError,
    atomic,
    edit_file,
    load,
    new_document,
    save,
    update,
)
from fsdl_tui.storage.atomic import TEMP_TAG, remove_stale_temp_files
from fsdl_tui.storage.lock import locked

ROUNDS = 50


def _portfolio(tmp_path: Path, projects: int = 2) -> Path:
    path = tmp_path / "team.toml"
    path.write_text(make_portfolio_text(projects), encoding="utf-8")
    return path


def _temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --- concurrent writers -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_concurrent_sets_on_different_fields_never_lose_a_change(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    pid = load(path).portfolio.projects[0].id
    for r in range(ROUNDS):
        (rc1, err1), (rc2, err2) = concurrent_cli(
            [["set", str(path), pid, f"title=Title {r}"], ["set", str(path), pid, f"owner=owner-{r}"]], tmp_path
        )
        p = load(path).portfolio.get(pid)
        assert p is not None
        assert (rc1 == 0 and p.title == f"Title {r}") or (rc1 == 1 and str(path) in err1), (r, rc1, err1)
        assert (rc2 == 0 and p.owner == f"owner-{r}") or (rc2 == 1 and str(path) in err2), (r, rc2, err2)
        assert "Traceback" not in err1 + err2
    assert _temp_files(tmp_path) == []


@pytest.mark.slow
def test_two_concurrent_adds_never_lose_a_project(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    for r in range(ROUNDS):
        (rc1, err1), (rc2, err2) = concurrent_cli(
            [["add", str(path), f"one-{r}", "--title", "One"], ["add", str(path), f"two-{r}", "--title", "Two"]],
            tmp_path,
        )
        pf = load(path).portfolio
        assert (rc1 == 0 and f"one-{r}" in pf) or (rc1 == 1 and str(path) in err1), (r, rc1, err1)
        assert (rc2 == 0 and f"two-{r}" in pf) or (rc2 == 1 and str(path) in err2), (r, rc2, err2)
    assert len(load(path).portfolio.projects) >= 2 + ROUNDS  # most rounds saved both


def test_threads_editing_one_file_each_apply_their_edit_to_the_others_result(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    pid = load(path).portfolio.projects[0].id
    start = threading.Barrier(8)

    def tag(n: int) -> None:
        start.wait(timeout=30)

        def change(pf):  # type: ignore[no-untyped-def]
            p = pf.get(pid)
            return pf.with_project(set_field(p, "tags", [*p.tags, f"t{n}"]))

        update(path, change)

    threads = [threading.Thread(target=tag, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    tags = load(path).portfolio.get(pid).tags  # type: ignore[union-attr]
    assert sorted(t for t in tags if t.startswith("t") and t[1:].isdigit()) == [f"t{n}" for n in range(8)]


def _save_racing(doc: object, new: object, start: threading.Barrier, outcome: dict[int, str], n: int) -> None:
    start.wait(timeout=30)
    try:
        save(doc, new)  # type: ignore[arg-type]
        outcome[n] = "saved"
    except FileChangedError:
        outcome[n] = "refused"


def test_two_apps_saving_the_same_file_at_once_one_wins_and_the_other_is_told(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    for r in range(20):
        docs = [load(path), load(path)]  # two sessions opened the same file
        pid = docs[0].portfolio.projects[0].id
        news = [
            d.portfolio.with_project(set_field(d.portfolio.get(pid), "owner", f"app{n}-{r}"))
            for n, d in enumerate(docs)
        ]
        start = threading.Barrier(2)
        outcome: dict[int, str] = {}
        threads = [threading.Thread(target=_save_racing, args=(docs[n], news[n], start, outcome, n)) for n in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(outcome.values()) == ["refused", "saved"], (r, outcome)
        winner = next(n for n, what in outcome.items() if what == "saved")
        assert load(path).portfolio.get(pid).owner == f"app{winner}-{r}"  # type: ignore[union-attr]


@pytest.mark.slow
def test_the_shell_and_the_app_saving_at_once_lose_nothing_silently(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    pid = load(path).portfolio.projects[0].id
    for r in range(20):
        app_doc = load(path)  # the app has the file open
        app_new = app_doc.portfolio.with_project(set_field(app_doc.portfolio.get(pid), "title", f"App {r}"))
        app: list[str] = []

        def app_save(doc=app_doc, new=app_new, outcome=app):  # type: ignore[no-untyped-def]
            try:
                save(doc, new)
                outcome.append("saved")
            except FileChangedError:
                outcome.append("refused")  # the app then offers reload / overwrite / merge

        [(rc, err)] = concurrent_cli([["set", str(path), pid, f"owner=shell-{r}"]], tmp_path, also=app_save)
        p = load(path).portfolio.get(pid)
        assert p is not None
        assert rc == 0 and p.owner == f"shell-{r}", (r, rc, err)  # the shell's edit always lands
        assert (app == ["saved"] and p.title == f"App {r}") or app == ["refused"], (r, app, p.title)


def test_a_stale_document_is_refused_after_another_writer_saved(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    app_doc = load(path)  # the app opened it
    pid = app_doc.portfolio.projects[0].id
    rc, _out, err = run_cli(["set", str(path), pid, "owner=cli"])  # the shell saved meanwhile
    assert rc == 0, err
    app_edit = app_doc.portfolio.with_project(set_field(app_doc.portfolio.get(pid), "title", "From the app"))
    with pytest.raises(FileChangedError, match="changed on disk"):
        save(app_doc, app_edit)
    assert load(path).portfolio.get(pid).owner == "cli"  # type: ignore[union-attr]


def test_a_writer_waits_for_the_lock_and_then_sees_the_new_content(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    pid = load(path).portfolio.projects[0].id
    results: list[tuple[int, str]] = []
    with edit_file(path) as edit:
        t = threading.Thread(target=lambda: results.append(run_cli(["set", str(path), pid, "owner=second"])[::2]))
        t.start()
        t.join(timeout=0.3)  # it cannot get past the lock while we hold it
        assert t.is_alive()
        pf = edit.doc.portfolio
        edit.save(pf.with_project(set_field(pf.get(pid), "title", "First")))
    t.join(timeout=30)
    assert results == [(0, "")]
    p = load(path).portfolio.get(pid)
    assert p is not None and (p.title, p.owner) == ("First", "second")


def test_a_lock_that_is_never_released_ends_in_a_message(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    before = path.read_bytes()
    gate = threading.Event()
    done = threading.Event()

    def hold() -> None:
        with locked(path):
            gate.set()
            done.wait(timeout=30)

    t = threading.Thread(target=hold)
    t.start()
    gate.wait(timeout=30)
    try:
        with (
            pytest.raises(SaveError, match=r"team\.toml: cannot save: another program has been saving it"),
            locked(path, timeout=0.2),
        ):
            pass
    finally:
        done.set()
        t.join(timeout=30)
    assert path.read_bytes() == before


def test_an_edit_saves_once(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    with edit_file(path) as edit:
        pf = edit.doc.portfolio
        edit.save(pf.with_project(set_field(pf.projects[0], "owner", "once")))
        with pytest.raises(RuntimeError, match="saves once"):
            edit.save(pf)
    assert load(path).portfolio.projects[0].owner == "once"


def test_the_first_save_of_a_new_document_never_replaces_a_file_made_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "new.toml"
    doc = new_document(load(_portfolio(tmp_path)).portfolio)
    path.write_text("# someone else's\n", encoding="utf-8")
    with pytest.raises(FileChangedError):
        save(doc, doc.portfolio, path)
    assert path.read_text(encoding="utf-8") == "# someone else's\n"


# --- failed saves -----------------------------------------------------------------------------------------


def test_disk_full_is_a_message_and_leaves_the_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _portfolio(tmp_path)
    before = path.read_bytes()
    pid = load(path).portfolio.projects[0].id

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "write", full)
    rc, out, err = run_cli(["set", str(path), pid, "owner=x"])
    monkeypatch.undo()
    assert (rc, out) == (1, "")
    assert err == f"{path}: cannot save: no space left on the device\n"
    assert path.read_bytes() == before
    assert _temp_files(tmp_path) == []


def _mount_tmpfs(folder: Path, size: str) -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    folder.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode(errors='replace').strip()}")


def test_a_really_full_disk_and_a_read_only_mount(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "256k")
    try:
        path = disk / "team.toml"
        path.write_text(make_portfolio_text(10), encoding="utf-8")  # about 36 KB
        before = path.read_bytes()
        pid = load(path).portfolio.projects[0].id
        fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
        try:  # fill the disk up
            with pytest.raises(OSError):
                while True:
                    os.write(fd, b"\0" * 4096)
        finally:
            os.close(fd)
        rc, _out, err = run_cli(["set", str(path), pid, "summary=" + "long " * 2000])
        assert rc == 1
        assert err == f"{path}: cannot save: no space left on the device\n"
        assert path.read_bytes() == before
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "team.toml"]
        (disk / "filler").unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, capture_output=True)
        rc, _out, err = run_cli(["set", str(path), pid, "owner=x"])
        assert rc == 1
        assert err.startswith(f"{path}: cannot save: ")
        assert "read-only" in err and "Errno" not in err
        assert path.read_bytes() == before
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_an_immutable_file_is_a_message(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    before = path.read_bytes()
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here (tool, permission or file system)")
    try:
        pid = load(path).portfolio.projects[0].id
        rc, _out, err = run_cli(["set", str(path), pid, "owner=x"])
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    assert rc == 1
    assert err.startswith(f"{path}: cannot save: ") and "Traceback" not in err and "Errno" not in err
    assert path.read_bytes() == before
    assert _temp_files(tmp_path) == []


def test_a_folder_the_user_may_not_write_is_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _portfolio(tmp_path)
    before = path.read_bytes()
    pid = load(path).portfolio.projects[0].id
    real_open = atomic.os.open

    def no_create(p: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(p))
        return real_open(p, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(atomic.os, "open", no_create)
    rc, _out, err = run_cli(["set", str(path), pid, "owner=x"])
    monkeypatch.undo()
    assert rc == 1
    assert err == f"{path}: cannot save: no permission to create files in the folder {tmp_path}\n"
    assert path.read_bytes() == before


def test_every_writing_command_reports_a_failed_save_as_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _portfolio(tmp_path)
    pid = load(path).portfolio.projects[0].id
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    for argv in (
        ["set", str(path), pid, "owner=x"],
        ["add", str(path), "brand-new", "--title", "New"],
        ["remove", str(path), load(path).portfolio.projects[-1].id, "--yes"],
        ["move", str(path), pid, "data", "--force", "--note", "back to data"],
        ["new", str(tmp_path / "other.toml")],
    ):
        rc, _out, err = run_cli(argv)
        assert rc == 1, argv
        assert err.endswith(": cannot save: input/output error\n"), (argv, err)
    monkeypatch.undo()
    assert _temp_files(tmp_path) == []
    assert not (tmp_path / "other.toml").exists()


# --- temp files -------------------------------------------------------------------------------------------


def test_temp_files_are_recognisably_ours_and_only_a_dead_writers_are_removed(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    dead = tmp_path / f".team.toml.{TEMP_TAG}.{_dead_pid()}.0123abcd.tmp"
    alive = tmp_path / f".team.toml.{TEMP_TAG}.{os.getppid()}.0123abcd.tmp"
    other_file = tmp_path / f".other.toml.{TEMP_TAG}.{_dead_pid()}.0123abcd.tmp"
    user_file = tmp_path / ".team.toml.notes.tmp"
    for p in (dead, alive, other_file, user_file):
        p.write_text("x", encoding="utf-8")
    load(path)  # any command that reads the file tidies up
    assert not dead.exists()
    assert alive.exists() and other_file.exists() and user_file.exists()


def test_temp_files_of_older_versions_are_removed_once_old(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    old, recent = tmp_path / ".team.toml.k2j4_x9a.tmp", tmp_path / ".team.toml.abcd1234.tmp"
    old.write_text("x", encoding="utf-8")
    recent.write_text("x", encoding="utf-8")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    assert remove_stale_temp_files(path) == [old]
    assert recent.exists()


_SAVER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    from fsdl_tui.domain.fields import set_field
    from fsdl_tui.storage import load, save
    doc = load(sys.argv[1])
    pf = doc.portfolio
    p = pf.projects[0]
    versions = [pf.with_project(set_field(p, "owner", name)) for name in ("a", "b")]
    if sys.argv[3] == "pause":  # stop inside the save, with the temp file written, and say so
        import os, time
        from fsdl_tui.storage import atomic
        real_fsync = atomic.os.fsync
        def fsync(fd):
            if os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):
                print("in the save", flush=True)
                time.sleep(60)
            real_fsync(fd)
        atomic.os.fsync = fsync
    print("ready", flush=True)
    n = 0
    while True:
        doc = save(doc, versions[n % 2])
        n += 1
    """
)


def _start_saver(tmp_path: Path, path: Path, mode: str) -> subprocess.Popen[bytes]:
    script = tmp_path / "saver.py"
    script.write_text(_SAVER, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path), str(ROOT), mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    return proc


def _kill(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""


@pytest.mark.slow
def test_a_save_killed_at_any_moment_leaves_the_old_or_new_file_and_the_next_load_tidies(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text(make_portfolio_text(200), encoding="utf-8")  # about 0.7 MB: the write takes a while
    first = load(path).portfolio.projects[0]
    for trial in range(8):
        proc = _start_saver(tmp_path, path, "run")
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.01 + 0.017 * trial)  # a different moment each trial
        _kill(proc)
        p = load(path).portfolio.get(first.id)  # whole and valid: the old or the new version
        assert p is not None and p.owner in ("a", "b", first.owner)
        assert _temp_files(tmp_path) == [], f"trial {trial}"


def test_a_save_killed_with_its_temp_file_written_leaves_the_old_file_and_the_next_load_removes_it(
    tmp_path: Path,
) -> None:
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to see which file is being flushed")
    path = tmp_path / "big.toml"
    path.write_text(make_portfolio_text(50), encoding="utf-8")
    before = path.read_bytes()
    proc = _start_saver(tmp_path, path, "pause")
    assert proc.stdout is not None and proc.stdout.readline() == b"in the save\n"
    _kill(proc)
    assert path.read_bytes() == before  # the old file, whole
    assert [name.split(".")[4] for name in _temp_files(tmp_path)] == [str(proc.pid)]  # the killed one's
    load(path)
    assert _temp_files(tmp_path) == []


# --- the file's identity ----------------------------------------------------------------------------------


def _one_edit(path: Path, owner: str = "someone", *, force: bool = False) -> None:
    doc = load(path)
    p = doc.portfolio.projects[0]
    save(doc, doc.portfolio.with_project(set_field(p, "owner", owner)), force=force)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")
def test_owner_and_group_are_kept(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    os.chown(path, 4321, 8765)
    _one_edit(path)
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (4321, 8765)
    assert load(path).portfolio.projects[0].owner == "someone"


def test_extended_attributes_are_kept(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    try:
        os.setxattr(path, "user.reviewed-by", b"marta")
    except OSError as exc:
        pytest.skip(f"no user extended attributes on this file system: {exc.strerror}")
    _one_edit(path)
    assert os.getxattr(path, "user.reviewed-by") == b"marta"


def test_posix_acls_are_kept(tmp_path: Path) -> None:
    if not shutil.which("setfacl") or not shutil.which("getfacl"):
        pytest.skip("setfacl/getfacl are not installed (Debian package acl)")
    path = _portfolio(tmp_path)
    proc = subprocess.run(["setfacl", "-m", "u:4321:rw,g:8765:r", str(path)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"no POSIX ACLs on this file system: {proc.stderr.strip()}")

    def acl() -> str:
        return subprocess.run(["getfacl", "-cp", str(path)], capture_output=True, text=True, check=True).stdout

    before = acl()
    assert "user:4321:rw-" in before
    _one_edit(path)
    assert acl() == before
    assert load(path).portfolio.projects[0].owner == "someone"


def test_mode_is_kept(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    os.chmod(path, 0o640)
    _one_edit(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_a_file_with_other_hard_links_is_refused_unless_forced(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    other = tmp_path / "link.toml"
    os.link(path, other)
    before = path.read_bytes()
    with pytest.raises(SaveError, match=r"team\.toml: cannot save: the file has 2 hard links") as info:
        _one_edit(path)
    assert info.value.forceable
    assert path.read_bytes() == before == other.read_bytes()
    pid = load(path).portfolio.projects[0].id
    rc, _out, err = run_cli(["set", str(path), pid, "owner=x"])
    assert rc == 1 and "hard links" in err and "Traceback" not in err
    _one_edit(path, force=True)  # forced: this name gets the new content, the other link keeps the old
    assert other.read_bytes() == before != path.read_bytes()


def test_a_read_only_file_is_refused_unless_forced(tmp_path: Path) -> None:
    path = _portfolio(tmp_path)
    os.chmod(path, 0o444)
    before = path.read_bytes()
    pid = load(path).portfolio.projects[0].id
    rc, _out, err = run_cli(["set", str(path), pid, "owner=x"])
    assert rc == 1
    assert err.startswith(f"{path}: cannot save: the file is read-only")
    assert path.read_bytes() == before
    _one_edit(path, force=True)
    assert load(path).portfolio.projects[0].owner == "someone"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o444


def test_a_symbolic_link_stays_a_link(tmp_path: Path) -> None:
    real = _portfolio(tmp_path)
    link = tmp_path / "link.toml"
    link.symlink_to(real.name)
    _one_edit(link)
    assert link.is_symlink()
    assert load(real).portfolio.projects[0].owner == "someone"
