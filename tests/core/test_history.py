"""RunHistory on real SQLite files: records, removal, schema versions, unreadable files, kill -9."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from robocloud_desktop.core.api_results import RunStatus, TriggeredRun
from robocloud_desktop.core.history import _MIGRATIONS, SCHEMA_VERSION, RunHistory, payload_hash
from robocloud_desktop.core.records import LOCAL_RUN_PREFIX, OUTCOME_UNKNOWN_LABEL, HistoryError
from robocloud_desktop.core.target import Target
from tests.support.waiting import wait_for

TARGET = Target("https://api.eu1.robocloud.eu", "ws-1", "proc-1")


def triggered(n: int) -> TriggeredRun:
    return TriggeredRun(run_id=f"run-{n}", work_item_id=f"wi-{n}", process_id="proc-1", workspace_id="ws-1")



def test_a_run_is_kept_from_trigger_to_end(tmp_path):
    history = RunHistory(tmp_path / "h.sqlite3")
    record = history.record_trigger(triggered(1), TARGET, {"invoice": 7}, profile_id="p1", profile_name="Invoices")
    assert history.unfinished() == [record]
    running = history.record_status(record, RunStatus("run-1", "IP", "", "", 3, {"state": "IP"}), finished=False)
    assert running.ended_at is None
    done = history.record_status(running, RunStatus("run-1", "COMPL", "ERR", "BOOM", 9, {}), finished=True)
    history.close()

    again = RunHistory(tmp_path / "h.sqlite3")
    saved = again.get("run-1")
    assert saved == done
    assert (saved.state, saved.result, saved.error_code, saved.duration) == ("COMPL", "ERR", "BOOM", 9)
    assert saved.payload == '{"invoice": 7}' and saved.payload_sha256 == payload_hash('{"invoice": 7}')
    assert saved.target() == TARGET and saved.ended_at is not None
    assert again.unfinished() == []


def test_keeping_payloads_off_keeps_only_the_hash(tmp_path):
    history = RunHistory(tmp_path / "h.sqlite3", keep_payloads=False)
    record = history.record_trigger(triggered(1), TARGET, {"ssn": "123-45-6789"})
    assert record.payload is None and record.payload_sha256 == payload_hash('{"ssn": "123-45-6789"}')
    history.close()
    assert b"123-45-6789" not in (tmp_path / "h.sqlite3").read_bytes()


def test_errors_are_counted_and_cleared_by_the_next_answer(tmp_path):
    history = RunHistory(tmp_path / "h.sqlite3")
    record = history.record_trigger(triggered(1), TARGET, {})
    failing = history.record_error(history.record_error(record, "HTTP 503"), "HTTP 502")
    assert (failing.last_error, failing.error_count) == ("HTTP 502", 2)
    fine = history.record_status(failing, RunStatus("run-1", "IP", "", "", 1, {}), finished=False)
    assert (fine.last_error, fine.error_count) == ("", 2)


def test_removing_runs_deletes_their_rows_and_payloads(tmp_path):
    history = RunHistory(tmp_path / "h.sqlite3")
    for n in (1, 2, 3):
        history.record_trigger(triggered(n), TARGET, {"invoice": n})
    assert history.remove(iter(["run-1", "run-3", "run-unknown"])) == 2
    assert history.get("run-1") is None and history.get("run-3") is None
    assert history.remove(["run-1"]) == 0 and history.remove([]) == 0
    history.close()

    again = RunHistory(tmp_path / "h.sqlite3")
    assert [r.run_id for r in again.recent()] == ["run-2"]
    assert again.get("run-2").payload == '{"invoice": 2}'
    again.close()
    with sqlite3.connect(tmp_path / "h.sqlite3") as db:
        assert db.execute("SELECT run_id, payload FROM runs").fetchall() == [("run-2", '{"invoice": 2}')]


def test_a_status_or_error_written_after_removal_does_not_bring_the_run_back(tmp_path):
    history = RunHistory(tmp_path / "h.sqlite3")
    record = history.record_trigger(triggered(1), TARGET, {"invoice": 1})
    kept = history.record_trigger(triggered(2), TARGET, {"invoice": 2})
    assert history.remove(["run-1"]) == 1
    # What a poll that was under way when the user removed the run writes when it comes back.
    history.record_status(record, RunStatus("run-1", "COMPL", "OK", "", 2, {}), finished=True)
    history.record_error(record, "HTTP 503")
    history.record_status(kept, RunStatus("run-2", "IP", "", "", 1, {}), finished=False)
    assert history.get("run-1") is None
    history.close()

    again = RunHistory(tmp_path / "h.sqlite3")
    assert again.get("run-1") is None and again.count() == 1
    assert again.get("run-2").state == "IP"  # other runs' updates are still written
    again.close()


@pytest.mark.parametrize("writer", ["this window", "another process"])
def test_removal_wins_over_a_monitor_writing_at_the_same_time(tmp_path, writer):
    history = RunHistory(tmp_path / "h.sqlite3")
    record = history.record_trigger(triggered(1), TARGET, {})
    # `watch` in a shell follows the same runs through its own connection to the same file.
    polling = history if writer == "this window" else RunHistory(tmp_path / "h.sqlite3")
    writes = 0
    stop = threading.Event()

    def monitor() -> None:
        nonlocal writes
        while not stop.is_set():
            polling.record_status(record, RunStatus("run-1", "IP", "", "", writes, {}), finished=False)
            writes += 1

    thread = threading.Thread(target=monitor)
    thread.start()
    try:
        wait_for(lambda: writes >= 20)
        assert history.remove(["run-1"]) == 1
        after_removal = writes
        wait_for(lambda: writes >= after_removal + 20)
    finally:
        stop.set()
        thread.join()
    history.close()
    polling.close()
    again = RunHistory(tmp_path / "h.sqlite3")
    assert again.count() == 0
    again.close()


def test_a_removed_run_is_not_resumed(tmp_path):
    history = RunHistory(tmp_path / "h.sqlite3")
    running = history.record_trigger(triggered(1), TARGET, {})
    history.record_status(running, RunStatus("run-1", "IP", "", "", 1, {}), finished=False)
    waiting = history.record_trigger(triggered(2), TARGET, {})
    assert {r.run_id for r in history.unfinished()} == {"run-1", "run-2"}
    history.remove(["run-1"])
    assert history.unfinished() == [waiting]
    history.close()
    again = RunHistory(tmp_path / "h.sqlite3")
    assert again.unfinished() == [waiting]
    again.close()


def test_a_removed_run_id_triggered_again_is_recorded_again(tmp_path):
    history = RunHistory(tmp_path / "h.sqlite3")
    history.record_trigger(triggered(1), TARGET, {})
    history.remove(["run-1"])
    record = history.record_trigger(triggered(1), TARGET, {"again": True})
    done = history.record_status(record, RunStatus("run-1", "COMPL", "OK", "", 1, {}), finished=True)
    history.close()
    again = RunHistory(tmp_path / "h.sqlite3")
    assert again.get("run-1") == done
    again.close()


def test_a_history_from_the_first_schema_is_brought_up_to_date_and_can_remove_runs(tmp_path):
    path = tmp_path / "h.sqlite3"
    with sqlite3.connect(path) as db:  # as the first version of the app left it, with a run
        db.executescript(_MIGRATIONS[0])
        db.execute("PRAGMA user_version = 1")
    RunHistory(path).record_trigger(triggered(1), TARGET, {})  # opening it brings the schema up to date
    history = RunHistory(path)
    record = history.get("run-1")
    assert history.remove(["run-1"]) == 1
    history.record_status(record, RunStatus("run-1", "COMPL", "OK", "", 1, {}), finished=True)
    assert history.get("run-1") is None
    history.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5


def test_runs_recorded_by_another_process_are_noticed_and_found(tmp_path):
    window = RunHistory(tmp_path / "h.sqlite3")  # the window's connection
    own = window.record_trigger(triggered(1), TARGET, {})
    window.record_status(own, RunStatus("run-1", "IP", "", "", 1, {}), finished=False)
    assert not window.changed_elsewhere()  # its own writes are not news to it

    shell = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        from pathlib import Path
        from robocloud_desktop.core.history import RunHistory
        from robocloud_desktop.core.api_results import TriggeredRun
        from robocloud_desktop.core.target import Target
        RunHistory(Path({str(tmp_path / "h.sqlite3")!r})).record_trigger(
            TriggeredRun("run-2", "wi-2", "proc-1", "ws-1"), Target("https://api.eu1.robocloud.eu", "ws-1", "proc-1"),
            {{}}, profile_name="Invoices")
        """)], cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=60)
    assert shell.returncode == 0, shell.stderr

    assert window.changed_elsewhere()
    assert not window.changed_elsewhere()  # told once
    assert [r.run_id for r in window.triggered_since(own.triggered_at)] == ["run-1", "run-2"]
    assert window.triggered_since(own.triggered_at + 3600) == []


def test_schema_is_versioned_and_a_newer_one_is_read_but_not_changed(tmp_path):
    path = tmp_path / "h.sqlite3"
    old = RunHistory(path)
    old.record_trigger(triggered(1), TARGET, {})
    old.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = path.read_bytes()
    history = RunHistory(path)
    assert [r.run_id for r in history.recent()] == ["run-1"]  # its runs are still shown
    assert not history.writable and "newer version" in history.problems[0]
    with pytest.raises(HistoryError, match="newer version"):
        history.record_trigger(triggered(2), TARGET, {})
    history.close()
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_kept_aside(tmp_path):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    history = RunHistory(path)
    assert history.count() == 0
    [problem] = history.problems
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("h.sqlite3.unreadable-")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"this is not sqlite" * 100
    assert str(kept[0]) in problem


WRITER = textwrap.dedent(
    """
    import sys
    from robocloud_desktop.core.history import RunHistory
    from robocloud_desktop.core.api_results import RunStatus, TriggeredRun
    from robocloud_desktop.core.target import Target

    history = RunHistory(__import__("pathlib").Path(sys.argv[1]))
    target = Target("https://api.eu1.robocloud.eu", "ws", "proc")
    n = 0
    while True:
        n += 1
        run = TriggeredRun(f"run-{n}", f"wi-{n}", "proc", "ws")
        record = history.record_trigger(run, target, {"n": n, "pad": "x" * 2000})
        record = history.record_status(record, RunStatus(run.run_id, "IP", "", "", 1, {}), finished=False)
        if n % 2 == 0:
            history.record_status(record, RunStatus(run.run_id, "COMPL", "OK", "", 2, {}), finished=True)
            print(run.run_id, flush=True)  # said only once the commit has returned
    """
)


def test_kill_9_loses_no_finished_run_and_corrupts_nothing(tmp_path):
    path = tmp_path / "h.sqlite3"
    for _ in range(3):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None
        finished = [writer.stdout.readline().strip() for _ in range(200)]
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        finished += [line.strip() for line in writer.stdout.read().splitlines() if line.strip()]

        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        history = RunHistory(path)
        for run_id in finished:
            saved = history.get(run_id)
            assert saved is not None and saved.finished and saved.result == "OK"
        # Killed mid-way, some runs were left unfinished: they are there to be resumed.
        assert all(r.state in ("", "IP") for r in history.unfinished())
        history.close()
        path.unlink()
        for side in ("-wal", "-shm"):
            Path(str(path) + side).unlink(missing_ok=True)


def test_a_run_that_started_is_reported_even_when_the_history_cannot_save_it(tmp_path):
    history = RunHistory(tmp_path / "h.sqlite3")
    history.close()  # a real sqlite3 error on write; root ignores file permissions, so no chmod here
    record, warning = history.remember_trigger(triggered(1), TARGET, {"a": 1}, profile_name="Invoices")
    assert record.run_id == "run-1" and record.profile_name == "Invoices"
    assert warning.startswith("The run started, but it is not in the run history:")


def test_a_run_found_on_the_server_is_added_once_and_never_after_its_removal(tmp_path):
    history = RunHistory(tmp_path / "h.sqlite3")
    found = replace(RunHistory.record_for(triggered(1), TARGET, {}), api="v1", started_by="schedule",
                    started_by_type="schedule", created_at=1_764_000_000.0)
    assert history.add_found(found)
    assert not history.add_found(replace(found, started_by="someone else"))  # a second finder, or a restart
    assert history.get("run-1").started_by == "schedule"
    other = RunHistory(tmp_path / "h.sqlite3")  # another process finding it too
    assert not other.add_found(found)
    history.remove(["run-1"])
    assert not other.add_found(found) and other.get("run-1") is None
    assert [r.run_id for r in history.unfinished_of(TARGET.base_url, "ws-1", "proc-1")] == []
    history.close()
    other.close()


def test_a_trigger_whose_answer_was_lost_is_kept_under_a_local_id_that_is_never_followed(tmp_path):
    history = RunHistory(tmp_path / "h.sqlite3")
    record, warning = history.remember_unsure_trigger(TARGET, {"invoice": 7}, profile_id="p1",
                                                      profile_name="Invoices")
    assert warning == ""
    assert record.run_id.startswith(LOCAL_RUN_PREFIX) and record.outcome_unknown and record.finished
    assert record.label == OUTCOME_UNKNOWN_LABEL and record.is_ended
    assert record.payload == '{"invoice": 7}' and record.triggered_at > 0
    assert history.unfinished() == []  # no follower, here or in a shell, asks Control Room about it
    other, _ = history.remember_unsure_trigger(TARGET, {})
    assert other.run_id != record.run_id
    history.close()

    again = RunHistory(tmp_path / "h.sqlite3")  # after a restart
    assert again.get(record.run_id) == record
    assert again.remove([record.run_id]) == 1 and again.get(record.run_id) is None
    again.close()


def test_a_trigger_whose_answer_was_lost_is_reported_even_when_the_history_cannot_save_it(tmp_path):
    history = RunHistory(tmp_path / "h.sqlite3")
    history.close()
    record, warning = history.remember_unsure_trigger(TARGET, {"invoice": 7})
    assert record.outcome_unknown and "not in the run history" in warning
