"""Hostile files and folders: targets that must not be written, writers racing, crashes,
standard output that fails, and studies folders that cannot be read or that loop.

Issue 10, items 10 and 12-15. As CI runs as root, for whom permissions do not hold,
"permission denied" is tested twice: with ``os.open``/``os.scandir`` made to fail for
one path, and for real, in a forked child that drops to uid/gid 65534 (``nobody``)
before it runs the command in-process (when the tests already run as a user, the
child simply runs as that user). The real ``/dev/null`` is never a target: a FIFO
and a symbolic link to ``/dev/null`` stand in for it.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import pickle
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from synthesis.cli import main

import synthesis.io as sio
from synthesis.errors import SynthError
from synthesis.io import check_target, write_atomic

REPO = Path(__file__).resolve().parent.parent
ABSTRACT = REPO / "tests" / "data" / "seeds" / "002_51d20a1607e21f2f.txt"
NOBODY = 65534
ONLY_REGULAR = "synth writes only regular files, even with --force: give the name of a file"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is a failure, not an exit code
    return result.exit_code, result.stdout, result.stderr


def exists(target: Path) -> str:
    return f"synth: error: {target}: already exists; use --force to overwrite it\n"


def cannot(target: Path, reason: str, todo: str) -> str:
    return f"synth: error: cannot write {target}: {reason}; {todo}\n"


def record(study_id: str, events: int = 5) -> str:
    return (
        f'id: {study_id}\ncitation: "{study_id}"\nyear: 2020\n'
        f"outcomes:\n  - {{name: ORR, events: {events}, total: 10}}\n"
    )


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def shared() -> Iterator[Path]:
    """A temporary folder that uid 65534 may enter (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="synth-hostile-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


def as_nobody(fn: Callable[[], Any], warm_up: Callable[[], Any] | None = None) -> Any:
    """``fn()`` as a user without privileges: in a forked child that drops to uid 65534
    when the tests run as root (after ``warm_up()`` here, so that every lazy import is
    done before the child, who may not read root's Python, needs it), else here.
    Returns what ``fn`` returned."""
    if os.geteuid() != 0:
        return fn()
    (warm_up or fn)()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            out = pickle.dumps(("ok", os.geteuid(), fn()))
        except BaseException as exc:  # reported to the parent, which fails the test
            out = pickle.dumps(("error", -1, repr(exc)))
        with os.fdopen(write, "wb") as fh:
            fh.write(out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    kind, uid, value = pickle.loads(data)
    assert (kind, uid) == ("ok", NOBODY), value
    return value


# --------------------------------------------------------------------------- item 13: what a
# target may be


def test_a_fifo_is_never_a_target_even_with_force(tmp_path: Path) -> None:
    fifo = tmp_path / "out.yaml"
    os.mkfifo(fifo)
    message = cannot(fifo, "it is a named pipe (FIFO), not a regular file", ONLY_REGULAR)
    for force in ((), ("--force",)):
        assert run("extract", str(ABSTRACT), "-o", str(fifo), *force) == (2, "", message)
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.yaml"]


def test_a_link_to_dev_null_is_refused_and_kept_even_with_force(tmp_path: Path) -> None:
    link = tmp_path / "plot.png"
    link.symlink_to("/dev/null")
    message = cannot(
        link, "it is a symbolic link to /dev/null, which is a character device", ONLY_REGULAR
    )
    for force in ((), ("--force",)):
        code, out, err = run("forest", "--outcome", "ORR", "-o", str(link), *force)
        assert (code, out, err) == (2, "", message)
        assert os.readlink(link) == "/dev/null"


def test_a_socket_is_never_a_target(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        code, _, err = run("extract", str(ABSTRACT), "-o", str(path), "--force")
    assert (code, err) == (2, cannot(path, "it is a socket, not a regular file", ONLY_REGULAR))
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_a_dangling_link_exists_and_is_never_replaced(tmp_path: Path) -> None:
    link = tmp_path / "draft.yaml"
    link.symlink_to(tmp_path / "elsewhere.yaml")
    message = cannot(
        link,
        f"it is a symbolic link to {tmp_path / 'elsewhere.yaml'}, which does not exist "
        "(a dangling link)",
        "remove the link or give another name (--force does not replace a link)",
    )
    for force in ((), ("--force",)):
        assert run("extract", str(ABSTRACT), "-o", str(link), *force) == (2, "", message)
        assert link.is_symlink() and not (tmp_path / "elsewhere.yaml").exists()


def test_force_through_a_link_replaces_the_file_it_points_to_and_keeps_the_link(
    tmp_path: Path,
) -> None:
    real = tmp_path / "kept" / "draft.yaml"
    real.parent.mkdir()
    real.write_text("mine: 1\n")
    real.chmod(0o600)
    link = tmp_path / "draft.yaml"
    link.symlink_to(real)
    code, _, err = run("extract", str(ABSTRACT), "-o", str(link))
    assert (code, err) == (
        2,
        f"synth: error: {link}: already exists (a symbolic link to {real}); "
        "use --force to overwrite the file it points to\n",
    )
    assert real.read_text() == "mine: 1\n"
    code, printed, _ = run("extract", str(ABSTRACT))
    code, _, err = run("extract", str(ABSTRACT), "-o", str(link), "--force")
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == printed
    assert stat.S_IMODE(real.stat().st_mode) == 0o600  # the file keeps its permissions
    assert sorted(p.name for p in real.parent.iterdir()) == ["draft.yaml"]


def test_the_target_is_checked_before_the_work(tmp_path: Path) -> None:
    """A refused target is reported even when the records are broken: nothing was read."""
    broken = tmp_path / "studies"
    broken.mkdir()
    (broken / "bad.yaml").write_text("id: [\n")
    fifo = tmp_path / "report.html"
    os.mkfifo(fifo)
    code, _, err = run("report", "-o", str(fifo), "--studies", str(broken))
    assert (code, err) == (2, cannot(fifo, "it is a named pipe (FIFO), not a regular file",
                                     ONLY_REGULAR))  # fmt: skip


# --------------------------------------------------------------------------- item 10: targets
# that cannot be written


def test_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "no" / "such"
    target = folder / "draft.yaml"
    assert run("extract", str(ABSTRACT), "-o", str(target)) == (
        2,
        "",
        cannot(
            target,
            f"folder {folder} does not exist",
            f"create it first (mkdir -p {folder}) or give another folder",
        ),
    )


@pytest.mark.parametrize(
    ("code", "reason", "todo"),
    [
        (errno.EROFS, "the file system is read-only", "write to another folder"),
        (errno.EACCES, "permission denied", "write elsewhere, or ask for write access to {folder}"),
        (errno.EDQUOT, "disk quota exceeded", "free some space or write to another disk"),
    ],
)
def test_a_folder_that_refuses_new_files_is_refused_before_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, reason: str, todo: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    broken = tmp_path / "studies"
    broken.mkdir()
    (broken / "bad.yaml").write_text("id: [\n")
    real_open = os.open
    creating = os.O_WRONLY | os.O_CREAT | getattr(os, "O_TMPFILE", 0)

    def refusing(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & creating:
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
    target = folder / "report.html"
    result = run("report", "-o", str(target), "--studies", str(broken))
    assert result == (2, "", cannot(target, reason, todo.format(folder=folder)))
    assert list(folder.iterdir()) == []


def test_no_space_left_while_writing_is_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    target = tmp_path / "draft.yaml"
    assert run("extract", str(ABSTRACT), "-o", str(target)) == (
        2,
        "",
        cannot(target, "no space left on the device", "free some space or write to another disk"),
    )
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_folder_for_a_real_user(shared: Path) -> None:
    """uid 65534 in a folder it may not write (0o555, root's): one line, nothing written."""
    folder = shared / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    abstract = shared / "a.txt"
    shutil.copy(ABSTRACT, abstract)
    abstract.chmod(0o644)

    def attempt(folder: Path) -> tuple[int, str, str]:
        return run("extract", str(abstract), "-o", str(folder / "draft.yaml"))

    writable = shared / "rw"  # the warm-up, as root, writes here
    writable.mkdir()
    result = as_nobody(lambda: attempt(folder), warm_up=lambda: attempt(writable))
    assert result == (
        2,
        "",
        cannot(
            folder / "draft.yaml",
            "permission denied",
            f"write elsewhere, or ask for write access to {folder}",
        ),
    )
    assert list(folder.iterdir()) == []


def _synth(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "synthesis", *args], cwd=REPO, stderr=subprocess.PIPE, **kwargs
    )


def test_standard_output_on_a_full_device_is_one_line() -> None:
    line = (
        "synth: error: cannot write standard output: no space left on the device; "
        "send the output (> FILE) where it can be written\n"
    )
    for args in (("table", "--format", "json"), ("--help",), ("validate",)):
        with open("/dev/full", "wb") as full:
            done = _synth(*args, stdout=full)
        err = done.stderr.decode()
        assert done.returncode == 2, err
        assert "Traceback" not in err and err.endswith(line), err
    with open("/dev/full", "wb") as full:  # the warnings cannot be written: status 2 too
        done = subprocess.run(
            [sys.executable, "-m", "synthesis", "pool", "--outcome", "ORR"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=full,
        )
    assert (done.returncode, done.stdout) == (2, b"")


def test_a_broken_pipe_on_standard_output_is_quiet() -> None:
    """Guard: click already ends a broken pipe quietly with status 1; it must stay so."""
    read, write = os.pipe()
    os.close(read)  # nobody will read: the first write fails with EPIPE
    try:
        done = _synth("pool", "--outcome", "ORR", "--format", "json", stdout=write)
    finally:
        os.close(write)
    err = done.stderr.decode()
    assert done.returncode == 1 and "Traceback" not in err and "Error" not in err, err


# --------------------------------------------------------------------------- item 12: atomic
# and exclusive


@pytest.fixture(params=["tmpfile", "named", "no-links"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How the file system behaves: O_TMPFILE and links; no O_TMPFILE; no hard links."""
    if request.param == "named":  # open(O_TMPFILE) refused, as on a file system without it
        real_open = os.open
        tmpfile = os.O_TMPFILE  # the suite runs on Linux

        def no_tmpfile(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if flags & tmpfile == tmpfile:
                raise OSError(errno.EOPNOTSUPP, "Operation not supported")
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", no_tmpfile)
    elif request.param == "no-links":  # link(2) refused, as on FAT: EPERM

        def no_link(*args: Any, **kwargs: Any) -> None:
            raise OSError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(os, "link", no_link)
    return request.param


def test_two_threads_racing_for_one_name_one_wins(tmp_path: Path, mode: str) -> None:
    rounds = 60
    barrier = threading.Barrier(2)
    outcome: dict[tuple[int, int], str] = {}

    def writer(n: int) -> None:
        for r in range(rounds):
            target = tmp_path / f"r{r}.txt"
            barrier.wait()
            try:
                write_atomic(target, f"writer {n}\n" * 2000)
                outcome[r, n] = "won"
            except SynthError as exc:
                outcome[r, n] = str(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in range(rounds):
        target = tmp_path / f"r{r}.txt"
        results = sorted([outcome[r, 0], outcome[r, 1]])
        assert results == [exists(target)[len("synth: error: ") : -1], "won"], (r, results)
        winner = 0 if outcome[r, 0] == "won" else 1
        assert target.read_text() == f"writer {winner}\n" * 2000
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"r{r}.txt" for r in range(rounds))


def _race(folder: str, n: int, names: list[str], barrier: Any, queue: Any) -> None:
    won: list[str] = []
    other: list[str] = []
    barrier.wait()
    for name in names:
        try:
            write_atomic(Path(folder) / name, f"process {n}\n")
            won.append(name)
        except SynthError as exc:
            other.append(str(exc))
    queue.put((n, won, other))


def test_processes_racing_for_the_same_names_one_wins_each(tmp_path: Path) -> None:
    names = [f"t{i}.txt" for i in range(40)]
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    queue = context.Queue()
    workers = [
        context.Process(target=_race, args=(str(tmp_path), n, names, barrier, queue))
        for n in range(4)
    ]
    for w in workers:
        w.start()
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join()
    winners: dict[str, list[int]] = {name: [] for name in names}
    for n, won, other in results:
        for name in won:
            winners[name].append(n)
        for message in other:
            assert message.endswith(": already exists; use --force to overwrite it"), message
    assert {name: len(w) for name, w in winners.items()} == dict.fromkeys(names, 1)
    for name, (n,) in winners.items():
        assert (tmp_path / name).read_text() == f"process {n}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


def test_every_way_of_writing_creates_replaces_and_leaves_no_temporary(
    tmp_path: Path, mode: str
) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, "first\n")
    with pytest.raises(SynthError) as refused:
        write_atomic(target, "second\n")
    assert str(refused.value) == exists(target)[len("synth: error: ") : -1]
    target.chmod(0o640)
    write_atomic(target, "third\n", force=True)
    assert target.read_text() == "third\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    check_target(tmp_path / "new.txt")  # probes the folder, leaves nothing
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


# --------------------------------------------------------------------------- item 14: a crash
# in the middle of a write


def _killed_while_writing(target: Path, *, named: bool) -> int:
    """Fork a writer, kill -9 it inside its write (at fsync), return its pid."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            if named:
                sio._O_TMPFILE = None

            def stuck(fd: int) -> None:
                os.write(write, b"x")
                time.sleep(600)  # killed long before

            os.fsync = stuck
            write_atomic(target, b"data\n" * 10_000)
        finally:
            os._exit(1)
    os.close(write)
    assert os.read(read, 1) == b"x"  # the child is in the middle of its write
    os.close(read)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return pid


def test_kill_9_during_a_write_leaves_nothing_visible(tmp_path: Path) -> None:
    _killed_while_writing(tmp_path / "plot.png", named=False)
    assert list(tmp_path.iterdir()) == []


def test_kill_9_with_a_named_temporary_is_cleaned_up_by_the_next_write(tmp_path: Path) -> None:
    pid = _killed_while_writing(tmp_path / "plot.png", named=True)
    (left,) = tmp_path.iterdir()
    assert left.name.startswith(f".synth-tmp-{pid}-") and left.name.endswith("-plot.png")
    write_atomic(tmp_path / "other.png", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == [left.name, "other.png"]  # too young
    old = time.time() - 120
    os.utime(left, (old, old))
    write_atomic(tmp_path / "third.png", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.png", "third.png"]


def test_only_stale_temporaries_of_our_own_naming_are_removed(tmp_path: Path) -> None:
    gone = dead_pid()
    old = time.time() - 120
    ancient = time.time() - 2 * 86_400
    files = {
        f".synth-tmp-{gone}-abcdefgh-a.png": old,  # dead and old: removed
        f".synth-tmp-{gone}-abcdefgh-b.png": time.time(),  # dead but young: kept
        f".synth-tmp-{os.getpid()}-abcdefgh-c.png": old,  # alive: kept
        f".synth-tmp-{os.getppid()}-abcdefgh-d.png": ancient,  # alive but a day old: removed
        f".synth-tmp-{gone}-ABCDEFGH-e.png": old,  # not our naming: kept
        f".e.png.{gone}abc.tmp": old,  # someone else's temporary: kept
        "notes.txt": old,
    }
    for name, when in files.items():
        (tmp_path / name).write_text("x")
        os.utime(tmp_path / name, (when, when))
    folder = tmp_path / f".synth-tmp-{gone}-abcdefgh-f"  # a folder: kept
    folder.mkdir()
    os.utime(folder, (old, old))
    write_atomic(tmp_path / "new.png", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [
            f".synth-tmp-{gone}-abcdefgh-b.png",
            f".synth-tmp-{os.getpid()}-abcdefgh-c.png",
            f".synth-tmp-{gone}-ABCDEFGH-e.png",
            f".e.png.{gone}abc.tmp",
            "notes.txt",
            folder.name,
            "new.png",
        ]
    )


# --------------------------------------------------------------------------- item 15: the
# studies folder walk


@pytest.fixture
def studies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path/s with one record, a.yaml; the tests run from tmp_path (shown as s/...)."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "a.yaml").write_text(record("a"))
    return folder


def ok(records: int, warnings: int = 0, skipped: str = "") -> str:
    line = (
        f"OK: {records} record{'s' if records != 1 else ''}, {records} outcome entries "
        f"(1 outcome), {warnings} warning{'s' if warnings != 1 else ''}"
    )
    return line + (f"; {skipped}" if skipped else "") + "\n"


def errors(n: int, files: int) -> str:
    return f"synth: {n} error(s) in {files} file(s); fix them and run again\n"


def test_an_unreadable_folder_is_an_error(studies: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = studies / "locked"
    locked.mkdir()
    (locked / "b.yaml").write_text(record("b"))
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(os.fspath(path)).resolve() == locked:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert run("validate", "--studies", "s") == (
        2,
        "",
        "s/locked: folder: cannot be read: Permission denied; make it readable (chmod u+rx) "
        "or move it out of the studies folder\n" + errors(1, 1),
    )


def test_an_unreadable_folder_for_a_real_user(
    shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = shared / "s"
    locked = folder / "locked"
    locked.mkdir(parents=True)
    (folder / "a.yaml").write_text(record("a"))
    (locked / "b.yaml").write_text(record("b"))
    for path in (folder / "a.yaml", locked / "b.yaml"):
        path.chmod(0o644)
    folder.chmod(0o755)
    monkeypatch.chdir(shared)

    locked.chmod(0o000)  # root reads it anyway (the warm-up); uid 65534 cannot
    result = as_nobody(lambda: run("validate", "--studies", "s"))
    assert result == (
        2,
        "",
        f"s/locked: folder: cannot be read: {os.strerror(errno.EACCES)}; make it readable "
        "(chmod u+rx) or move it out of the studies folder\n" + errors(1, 1),
    )


def test_links_are_followed_once_and_cycles_are_not(studies: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "b.yaml").write_text(record("b"))
    (outside / "c.yml").write_text(record("c"))
    (studies / "more").symlink_to(outside)  # a linked folder: read
    (studies / "c-again.yml").symlink_to(outside / "c.yml")  # a second name: read once
    (studies / "sub").mkdir()
    (studies / "sub" / "d.yaml").write_text(record("d"))
    (studies / "sub" / "up").symlink_to("..")  # a cycle
    (studies / "also-sub").symlink_to("sub")  # a second way into sub
    assert run("validate", "--studies", "s") == (
        0,
        ok(4, warnings=3),
        "s/also-sub: folder: warning: the same folder as s/sub, already read; not read twice\n"
        "s/more/c.yml: file: warning: the same file as s/c-again.yml, already read; "
        "not read twice\n"
        "s/sub/up: folder: warning: symbolic link to s, a folder that contains it (a cycle); "
        "not followed\n",
    )


def test_a_dangling_link_or_a_loop_named_as_a_record_is_an_error(studies: Path) -> None:
    (studies / "gone.yaml").symlink_to("nowhere.yaml")
    (studies / "loop.yml").symlink_to("loop.yml")
    (studies / "notes").symlink_to("missing-folder")
    code, out, err = run("validate", "--studies", "s")
    assert (code, out) == (2, "")
    assert err == (
        "s/gone.yaml: file: symbolic link to nowhere.yaml, which does not exist; "
        "fix the link or remove it\n"
        "s/loop.yml: file: symbolic link to loop.yml, in a loop of links; "
        "fix the link or remove it\n"
        "s/notes: file: warning: symbolic link to missing-folder, which does not exist; "
        "nothing read from it\n" + errors(2, 2)
    )


def test_record_suffixes_in_any_case_are_read(studies: Path) -> None:
    (studies / "B.YAML").write_text(record("b"))
    (studies / "c.Yml").write_text(record("c"))
    (studies / "d.yaml.bak").write_text(record("d"))
    assert run("validate", "--studies", "s") == (0, ok(3), "")


def test_hidden_folders_are_skipped_and_said(studies: Path) -> None:
    (studies / ".git").mkdir()
    (studies / ".git" / "broken.yaml").write_text("id: [\n")
    (studies / "sub" / ".venv").mkdir(parents=True)
    (studies / "sub" / ".venv" / "x.yml").write_text("not: a record\n")
    (studies / "._a.yaml").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (studies / "__pycache__").mkdir()
    (studies / "__pycache__" / "x.yaml").write_text("id: [\n")
    (studies / "__init__.py").write_text("")
    (studies / ".hidden-notes.txt").write_text("")
    assert run("validate", "--studies", "s") == (
        0,
        ok(1, skipped="skipped 2 hidden folders (.git, sub/.venv) and 1 hidden file (._a.yaml)"),
        "",
    )


def test_a_fifo_named_as_a_record_is_an_error_not_a_hang(studies: Path) -> None:
    os.mkfifo(studies / "b.yaml")
    assert run("validate", "--studies", "s") == (
        2,
        "",
        "s/b.yaml: file: it is a named pipe (FIFO), not a regular file; a study record is a "
        "plain text file\n" + errors(1, 1),
    )


def test_folders_nested_too_deep_are_an_error(studies: Path) -> None:
    deep = studies.joinpath(*["d"] * 33)
    deep.mkdir(parents=True)
    (deep / "b.yaml").write_text(record("b"))
    shown = "s/" + "/".join(["d"] * 33)
    assert run("validate", "--studies", "s") == (
        2,
        "",
        f"{shown}: folder: more than 32 folders deep; not read (move its records nearer the "
        "studies folder)\n" + errors(1, 1),
    )
