"""A run that started is never lost: the command line with a history that cannot be written, Ctrl+C at
every moment of a trigger, and input refused before anything is sent. Real processes where Ctrl+C is
sent (the rest call the command line in this process), real HTTP to the emulator, real SQLite files,
a real read-only folder and a real full disk."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from robocloud_desktop.core.history import SCHEMA_VERSION, RunHistory
from robocloud_desktop.core.paths import app_paths
from robocloud_desktop.emulator import Emulator, Fault
from tests.cli.test_cli import run_cli, where
from tests.support.mounts import fill, read_only, small_disk
from tests.support.waiting import wait_for


def history_of(home: Path) -> Path:
    return app_paths(home).history_db


def make_history(home: Path) -> Path:
    path = history_of(home)
    RunHistory(path).close()
    return path


def runs_in(home: Path) -> list[str]:
    history = RunHistory(history_of(home))
    try:
        return [r.run_id for r in history.recent(limit=0)]
    finally:
        history.close()


def no_traceback(done: subprocess.CompletedProcess[str] | tuple[int, str, str]) -> None:
    stderr = done.stderr if isinstance(done, subprocess.CompletedProcess) else done[2]
    assert "Traceback" not in stderr, stderr


def test_a_read_only_history_still_prints_the_run_with_a_warning(emulator, process, app_home):
    make_history(app_home)
    with read_only(history_of(app_home).parent):
        done = run_cli("trigger", *where(emulator, process), "--json", "--config-dir", str(app_home),
                       secret=process.secret)
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["runId"] and "not in the run history" in answer["warning"] and "read-only" in answer["warning"]
    assert "not in the run history" in done.stderr
    assert emulator.runs_created == 1
    assert runs_in(app_home) == []


def test_a_history_from_a_newer_version_still_prints_the_run(emulator, process, app_home):
    path = make_history(app_home)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    done = run_cli("trigger", *where(emulator, process), "--config-dir", str(app_home), secret=process.secret)
    no_traceback(done)
    assert done.returncode == 0
    assert done.stdout.startswith("Run started: ")
    assert "newer version" in done.stderr and "not in the run history" in done.stderr


def test_a_history_locked_past_the_wait_still_prints_the_run(emulator, process, app_home):
    path = make_history(app_home)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        done = run_cli("trigger", *where(emulator, process), "--json", "--config-dir", str(app_home),
                       secret=process.secret)
    finally:
        other.execute("ROLLBACK")
        other.close()
    no_traceback(done)
    assert done.returncode == 0
    assert json.loads(done.stdout)["runId"] and "locked by another program" in done.stderr


def test_a_full_disk_after_the_trigger_still_prints_the_run(emulator, process, app_home):
    with small_disk(app_home, 512):
        make_history(app_home)
        filler = fill(app_home)
        try:
            done = run_cli("trigger", *where(emulator, process), "--payload", json.dumps({"pad": "x" * 60_000}),
                           "--config-dir", str(app_home), secret=process.secret)
        finally:
            filler.unlink()
        no_traceback(done)
        assert done.returncode == 0
        assert done.stdout.startswith("Run started: ") and "is full" in done.stderr
        assert emulator.runs_created == 1


class Running:
    """The command in a process of its own, so that it can be sent Ctrl+C (SIGINT) at a chosen moment."""

    def __init__(self, *args: str, secret: str) -> None:
        environ = {**os.environ, "ROBOCLOUD_PROCESS_SECRET": secret}
        self.proc = subprocess.Popen([sys.executable, "-m", "robocloud_desktop", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=environ)

    def interrupt(self) -> None:
        self.proc.send_signal(signal.SIGINT)

    def result(self) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, out, err


def post_status(emulator: Emulator) -> int | None:
    posts = [r for r in emulator.requests if r.method == "POST"]
    return posts[0].status if posts else None


def test_ctrl_c_while_the_trigger_is_sent_says_it_may_have_started(emulator, process, app_home):
    emulator.inject(Fault("delay", seconds=10, method="POST"))
    running = Running("trigger", *where(emulator, process), "--config-dir", str(app_home), secret=process.secret)
    wait_for(lambda: post_status(emulator) == 0, timeout=30)  # the request is at the server, unanswered
    running.interrupt()
    code, out, err = running.result()
    no_traceback((code, out, err))
    assert code == 4
    assert "may or may not have started" in err and "Check Control Room" in err


def test_ctrl_c_once_the_run_id_arrived_still_records_and_prints_the_run(emulator, process, app_home):
    path = make_history(app_home)
    emulator.inject(Fault("delay", seconds=0.5, method="POST"))  # room to take the lock before the answer
    running = Running("trigger", *where(emulator, process), "--config-dir", str(app_home), secret=process.secret)
    wait_for(lambda: post_status(emulator) == 0, timeout=30)  # sent: the history was opened before that
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # the run's record will have to wait for this lock
    try:
        wait_for(lambda: post_status(emulator) == 200, timeout=30)
        # Nothing outside the process shows the moment it starts waiting on the lock; the answer it
        # has just been sent is parsed in far less than this.
        time.sleep(0.5)
        running.interrupt()
        time.sleep(0.5)
    finally:
        other.execute("ROLLBACK")
        other.close()
    code, out, err = running.result()
    no_traceback((code, out, err))
    assert code == 0, err
    run_id = out.splitlines()[0].removeprefix("Run started: ")
    assert runs_in(app_home) == [run_id]


def test_ctrl_c_during_wait_prints_the_run_and_that_watch_follows_it(emulator, process, app_home):
    running = Running("trigger", *where(emulator, process), "--payload", '{"simulate_duration": 60}', "--wait",
                      "--config-dir", str(app_home), secret=process.secret)
    assert running.proc.stdout is not None
    first = running.proc.stdout.readline()
    assert first.startswith("Run started: ")
    running.interrupt()
    code, _, err = running.result()
    no_traceback((code, first, err))
    assert code == 130
    run_id = first.strip().removeprefix("Run started: ")
    assert run_id in err and "`robocloud-desktop watch` follows it" in err
    assert runs_in(app_home) == [run_id]


def test_ctrl_c_before_anything_is_sent_says_no_run_started(emulator, process, app_home):
    path = make_history(app_home)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode=DELETE")  # so that an exclusive lock holds off readers too
    other.execute("BEGIN EXCLUSIVE")  # opening the history waits for this lock, before sending
    try:
        running = Running("trigger", *where(emulator, process), "--config-dir", str(app_home),
                          secret=process.secret)
        # The process cannot be seen waiting on the lock from outside; starting Python and reaching the
        # history takes well under this on this machine, and the wait for the lock is 5 s.
        time.sleep(2.0)
        running.interrupt()
        code, _, err = running.result()
    finally:
        other.execute("ROLLBACK")
        other.close()
    no_traceback((code, "", err))
    assert code == 130 and "no run was started" in err
    assert emulator.count("POST") == 0


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "inf", "abc", "1e999"])
def test_a_wait_timeout_that_is_not_a_positive_number_is_refused_before_sending(emulator, process, timeout):
    done = run_cli("trigger", *where(emulator, process), "--wait", "--timeout", timeout, secret=process.secret)
    no_traceback(done)
    assert done.returncode == 2 and "positive number of seconds" in done.stderr
    assert emulator.count() == 0


def test_a_timeout_without_wait_is_refused(emulator, process):
    done = run_cli("trigger", *where(emulator, process), "--timeout", "5", secret=process.secret)
    assert done.returncode == 2 and "--wait" in done.stderr
    assert emulator.count() == 0


def test_empty_payload_sources_are_refused_before_sending(emulator, process, tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    for args, stdin, says in ((["--payload", f"@{empty}"], "", "is empty"),
                              (["--payload", "-"], "", "stdin held no payload"),
                              (["--payload", ""], "", "--payload is empty")):
        done = run_cli("trigger", *where(emulator, process), *args, stdin=stdin, secret=process.secret)
        no_traceback(done)
        assert done.returncode == 2 and says in done.stderr and "{}" in done.stderr, done.stderr
    assert emulator.count() == 0


def test_payload_files_that_cannot_be_payloads_get_a_sentence(emulator, process, tmp_path):
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"city": "Jyväskylä"}'.encode("latin-1"))
    over = tmp_path / "over.json"
    over.write_text(json.dumps({"blob": "x" * (100 * 1024 - len('{"blob":""}') + 10)}, separators=(",", ":")))
    deep = tmp_path / "deep.json"
    deep.write_text('{"a": ' + "[" * 50_000 + "]" * 50_000 + "}")
    cases = ((f"@{latin1}", "not UTF-8 text: byte 0xe4"), (f"@{over}", "102,410 bytes"),
             (f"@{deep}", "nested more than"), (f"@{tmp_path}", "is a folder"),
             ("@/dev/zero", "goes on past 1 MB"), ('{"a": "\\ud800"}', "surrogate"))
    for spec, says in cases:
        done = run_cli("trigger", *where(emulator, process), "--payload", spec, secret=process.secret)
        no_traceback(done)
        assert done.returncode == 2 and says in done.stderr, (spec, done.stderr)
    assert emulator.count() == 0


@pytest.mark.parametrize("run_id", ["..", ".", " "])
def test_a_run_id_that_is_a_path_step_is_refused(emulator, process, run_id):
    done = run_cli("status", *where(emulator, process), run_id, secret=process.secret)
    no_traceback(done)
    assert done.returncode == 2 and "run id" in done.stderr
    assert emulator.count() == 0


def test_watch_says_which_runs_control_room_no_longer_knows_and_exits_3(emulator, process, app_home):
    done = run_cli("trigger", *where(emulator, process), "--payload", '{"simulate_duration": 0}', "--json",
                   "--config-dir", str(app_home), secret=process.secret)
    run_id = json.loads(done.stdout)["runId"]
    with sqlite3.connect(history_of(app_home)) as db:  # a run Control Room will answer 404 for
        db.execute("UPDATE runs SET run_id = 'deleted-run-0001'")
    watched = run_cli("watch", "--config-dir", str(app_home), secret=process.secret)
    no_traceback(watched)
    assert watched.returncode == 3
    assert "deleted-run-0001" in watched.stderr and "no longer knows" in watched.stderr
    assert run_id not in watched.stdout
    history = RunHistory(history_of(app_home))
    assert history.get("deleted-run-0001").gone
    history.close()


def test_watch_stops_waiting_for_a_run_whose_secret_is_rejected_and_says_why(emulator, process, app_home):
    done = run_cli("trigger", *where(emulator, process), "--payload", '{"simulate_duration": 60}', "--json",
                   "--config-dir", str(app_home), secret=process.secret)
    run_id = json.loads(done.stdout)["runId"]
    watched = run_cli("watch", "--config-dir", str(app_home), secret="a-secret-control-room-rejects-00")
    no_traceback(watched)
    assert watched.returncode == 3
    assert run_id in watched.stderr and "rejected the process secret" in watched.stderr


@pytest.mark.parametrize(("stdin", "says"), [("x" * 100_000 + "\n", "longer than 4,096 characters"),
                                            ("two words\n", "spaces, control characters"),
                                            ("s\u00e9cret\n", "outside ASCII")])
def test_a_secret_on_stdin_that_cannot_be_one_is_refused_before_sending(emulator, process, stdin, says):
    done = run_cli("trigger", *where(emulator, process), "--secret-stdin", stdin=stdin)
    no_traceback(done)
    assert done.returncode == 2 and says in done.stderr
    assert emulator.count() == 0


def test_a_secret_in_the_environment_that_cannot_be_one_is_refused_before_sending(emulator, process):
    done = run_cli("trigger", *where(emulator, process), secret="abc\x1bdef")
    no_traceback(done)
    assert done.returncode == 2 and "ROBOCLOUD_PROCESS_SECRET" in done.stderr and "control characters" in done.stderr
    assert emulator.count() == 0


def test_request_timeout_ends_a_trickling_trigger_which_says_it_may_have_started(emulator, process):
    emulator.inject(Fault("trickle", seconds=0.25, where="headers", method="POST"))
    done = run_cli("trigger", *where(emulator, process), "--request-timeout", "0.5", secret=process.secret)
    no_traceback(done)
    assert done.returncode == 4 and "within 0.5 s" in done.stderr and "may or may not have started" in done.stderr
    assert emulator.count("POST") == 1  # never sent again


def test_runs_lists_a_read_only_history(emulator, process, app_home):
    done = run_cli("trigger", *where(emulator, process), "--json", "--config-dir", str(app_home), secret=process.secret)
    run_id = json.loads(done.stdout)["runId"]
    with read_only(history_of(app_home).parent):
        listed = run_cli("runs", "--config-dir", str(app_home))
    no_traceback(listed)
    assert listed.returncode == 0 and run_id in listed.stdout and "read-only" in listed.stderr


@pytest.mark.parametrize(("flag", "value", "says"), [("--workspace", "..", "workspace id"),
                                                     ("--process", ".", "process id"),
                                                     ("--base-url", "https://api.eu1.robocloud.eu:99999", "port")])
def test_a_target_that_is_not_what_the_user_meant_is_refused_when_given(emulator, process, app_home, flag, value, says):
    args = {"--base-url": emulator.base_url, "--workspace": process.workspace_id, "--process": process.process_id,
            flag: value}
    flat = [word for pair in args.items() for word in pair]
    done = run_cli("trigger", *flat, secret=process.secret)
    no_traceback(done)
    assert done.returncode == 2 and says in done.stderr
    added = run_cli("profile", "add", "p", *flat, "--config-dir", str(app_home))
    no_traceback(added)
    assert added.returncode == 2 and says in added.stderr
    assert emulator.count() == 0


def test_trigger_wait_and_another_follower_of_the_same_history_poll_a_run_once(emulator, process, app_home):
    from robocloud_desktop.core.api import ProcessApiClient
    from robocloud_desktop.core.monitor import RunMonitor

    def trigger_and_wait(home: Path) -> tuple[Running, str]:
        payload = json.dumps({"simulate_duration": 2})
        running = Running("trigger", *where(emulator, process), "--payload", payload, "--wait", "--config-dir",
                          str(home), secret=process.secret)
        assert running.proc.stdout is not None
        return running, running.proc.stdout.readline().strip().removeprefix("Run started: ")

    # Two runs at once, each with a history of its own: one followed by `trigger --wait` alone, the
    # other by `trigger --wait` and the window, open on the same history, which finds the run and
    # follows it too.
    alone, alone_id = trigger_and_wait(app_home / "alone")
    shared, shared_id = trigger_and_wait(app_home / "shared")
    history = RunHistory(history_of(app_home / "shared"))
    try:
        with ProcessApiClient() as client:
            monitor = RunMonitor(client, history, lambda _: process.secret)
            monitor.start(resume=True)
            try:
                for running in (alone, shared):
                    code, _, err = running.result()
                    assert code == 0, err
            finally:
                monitor.stop()
    finally:
        history.close()
    gets_alone, gets_shared = emulator.count("GET", alone_id), emulator.count("GET", shared_id)
    assert gets_shared <= gets_alone + 1, (gets_alone, gets_shared)  # each follower on its own would double it
