"""The run history under faults: a healthy file is never moved aside, an unusable one always is.

Real SQLite files, real locks held by other connections, a real full disk (a small tmpfs) and a real
read-only folder (a read-only bind mount); "permission denied" from a process of another user.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from robocloud_desktop.core.api_results import RunStatus, TriggeredRun
from robocloud_desktop.core.history import RunHistory
from robocloud_desktop.core.records import HistoryError
from robocloud_desktop.core.target import Target
from tests.support.mounts import fill, read_only, small_disk

TARGET = Target("https://api.eu1.robocloud.eu", "ws-1", "proc-1")
ROOT = Path(__file__).resolve().parents[2]


def triggered(n: int) -> TriggeredRun:
    return TriggeredRun(run_id=f"run-{n}", work_item_id=f"wi-{n}", process_id="proc-1", workspace_id="ws-1")


def with_runs(path: Path, count: int = 3) -> None:
    history = RunHistory(path)
    for n in range(1, count + 1):
        history.record_trigger(triggered(n), TARGET, {"n": n})
    history.close()


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def nothing_kept_aside(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if ".unreadable-" in p.name]


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_history_locked_by_another_program_is_left_alone_and_opened_once_free(tmp_path, journal):
    path = tmp_path / "h.sqlite3"
    with_runs(path)
    other = sqlite3.connect(path, isolation_level=None)  # a database browser, say
    other.execute(f"PRAGMA journal_mode={journal}")
    if journal == "wal":
        other.execute("PRAGMA locking_mode=EXCLUSIVE")  # holds the file even against readers
    other.execute("BEGIN EXCLUSIVE")
    other.execute("UPDATE runs SET state = 'IP' WHERE run_id = 'run-1'")
    try:
        history = RunHistory(path, busy_timeout=0.2)
        assert not history.writable
        assert "locked by another program" in history.problems[0] and str(path) in history.problems[0]
        assert nothing_kept_aside(tmp_path) and path.exists()
        with pytest.raises(HistoryError, match="locked"):
            history.record_trigger(triggered(9), TARGET, {})
        assert not history.retry()  # still locked: still left alone
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert history.retry() and history.problems == []
    assert sorted(r.run_id for r in history.recent()) == ["run-1", "run-2", "run-3"]
    history.record_trigger(triggered(4), TARGET, {})
    history.close()
    assert nothing_kept_aside(tmp_path)


def test_a_write_locked_past_the_wait_is_reported_and_the_next_one_lands(tmp_path):
    path = tmp_path / "h.sqlite3"
    history = RunHistory(path, busy_timeout=0.2)
    record = history.record_trigger(triggered(1), TARGET, {})
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(HistoryError, match="locked by another program"):
            history.record_status(record, RunStatus("run-1", "IP", "", "", 1, {}), finished=False)
    finally:
        other.execute("ROLLBACK")
        other.close()
    history.record_status(record, RunStatus("run-1", "COMPL", "OK", "", 2, {}), finished=True)
    assert history.get("run-1").result == "OK"
    history.close()


def test_a_read_only_history_is_read_and_left_untouched(tmp_path):
    folder = tmp_path / "data"
    path = folder / "h.sqlite3"
    with_runs(path)
    before = files_of(folder)
    with read_only(folder):
        history = RunHistory(path)
        assert sorted(r.run_id for r in history.recent()) == ["run-1", "run-2", "run-3"]
        assert not history.writable and "read-only" in history.problems[0]
        record, warning = history.remember_trigger(triggered(4), TARGET, {})
        assert record.run_id == "run-4" and "is read-only" in warning
        history.close()
    assert files_of(folder) == before


def test_a_full_disk_is_reported_keeps_the_file_and_writing_resumes_once_there_is_room(tmp_path):
    folder = tmp_path / "data"
    with small_disk(folder, 512):
        path = folder / "h.sqlite3"
        history = RunHistory(path)
        record = history.record_trigger(triggered(1), TARGET, {"n": 1})
        filler = fill(folder)
        failures = 0
        # The WAL may still have room for a few small writes; a payload-sized one cannot fit.
        for n in range(2, 40):
            try:
                history.record_trigger(triggered(n), TARGET, {"pad": "x" * 20_000})
            except HistoryError as error:
                assert "is full" in error.message and str(path) in error.message
                failures += 1
        assert failures > 0
        assert nothing_kept_aside(folder)
        filler.unlink()
        history.record_status(record, RunStatus("run-1", "COMPL", "OK", "", 1, {}), finished=True)
        history.close()
        again = RunHistory(path)
        assert again.get("run-1").result == "OK" and again.problems == []
        assert again.count() >= 1
        again.close()
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_permission_denied_is_reported_not_taken_for_a_broken_file(tmp_path):
    folder = tmp_path / "data"
    path = folder / "h.sqlite3"
    with_runs(path)
    os.chmod(tmp_path, 0o755)  # nobody may look into the folder, not into the file
    before = files_of(folder)
    script = textwrap.dedent(f"""
        from pathlib import Path
        from robocloud_desktop.core.history import RunHistory
        history = RunHistory(Path({str(path)!r}), busy_timeout=0.2)
        print(history.readable, history.writable)
        print(history.problems[0])
        """)
    done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", script],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    flags, problem = done.stdout.splitlines()[:2]
    assert flags == "False False"
    assert "cannot be used" in problem and "ermission" in problem
    assert files_of(folder) == before and nothing_kept_aside(folder)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign tables", "runs without our columns"])
def test_a_file_that_is_not_a_history_of_ours_is_kept_aside_and_a_new_one_started(tmp_path, damage):
    path = tmp_path / "h.sqlite3"
    if damage == "garbage":
        path.write_bytes(os.urandom(64 * 1024))
    elif damage == "truncated":
        with_runs(path, 300)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif damage == "foreign tables":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    else:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE runs (run_id TEXT PRIMARY KEY, note TEXT)")
            db.execute("PRAGMA user_version = 2")
    original = path.read_bytes()
    history = RunHistory(path)
    assert history.writable and history.count() == 0
    [problem] = history.problems
    [kept] = [p for p in tmp_path.iterdir() if p.name.startswith("h.sqlite3.unreadable-")]
    assert kept.read_bytes() == original and str(kept) in problem
    history.close()


def test_the_history_is_private_to_the_user(tmp_path):
    folder = tmp_path / "data"
    history = RunHistory(folder / "h.sqlite3")
    history.record_trigger(triggered(1), TARGET, {"invoice": 1})
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("h.sqlite3", "h.sqlite3-wal", "h.sqlite3-shm"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    history.close()


def test_a_history_left_readable_by_others_is_made_private(tmp_path):
    path = tmp_path / "h.sqlite3"
    with_runs(path)
    os.chmod(path, 0o644)
    RunHistory(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_what_a_row_holds_is_read_as_the_app_expects_and_bounded(tmp_path):
    path = tmp_path / "h.sqlite3"
    with_runs(path, 1)
    with sqlite3.connect(path) as db:  # written by something else than this app
        db.execute("UPDATE runs SET triggered_at = 'yesterday', duration = 'long', state = 42, "
                   "last_answer = ?, error_count = 'many'", ("x" * 5_000_000,))
    history = RunHistory(path)
    [record] = history.recent()
    assert record.triggered_at == 0.0 and record.duration == 0.0 and record.state == "42"
    assert record.error_count == 0 and len(record.last_answer) == 64 * 1024
    history.close()
