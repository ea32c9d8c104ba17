"""`trigger --wait`, `runs` and `watch` as a user runs them, against the emulator."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys

from tests.cli.test_cli import run_cli, run_cli_process, where
from tests.support.cli import at_once


def cli(home, emulator, process, *args, **kwargs):  # type: ignore[no-untyped-def]
    return run_cli(*args, "--config-dir", str(home), secret=process.secret, **kwargs)


def trigger(home, emulator, process, payload: str, *extra: str):  # type: ignore[no-untyped-def]
    return cli(home, emulator, process, "trigger", *where(emulator, process), "--payload", payload, *extra)


def test_wait_exits_0_on_success_and_1_on_failure(app_home, emulator, process):
    def waiting(payload: str, *extra: str) -> list[str]:
        return ["trigger", *where(emulator, process), "--payload", payload, "--wait", *extra,
                "--config-dir", str(app_home)]

    # Three commands waiting at once, as three shells would.
    ok, failed, pending = at_once(waiting('{"simulate_duration": 0.5}'),
                                  waiting('{"simulate": "fail", "simulate_duration": 0.5}', "--json"),
                                  waiting('{"simulate": "pending", "simulate_duration": 0.2}'),
                                  env={"ROBOCLOUD_PROCESS_SECRET": process.secret})
    assert ok.returncode == 0, ok.stderr
    assert "Completed (COMPL/OK)" in ok.stdout
    assert failed.returncode == 1
    answer = json.loads(failed.stdout)
    assert (answer["state"], answer["result"], answer["errorCode"]) == ("COMPL", "ERR", "EMULATED_FAILURE")
    assert pending.returncode == 1 and "Needs attention" in pending.stdout


def test_wait_times_out_with_exit_5_and_the_run_id(app_home, emulator, process):
    done = trigger(app_home, emulator, process, '{"simulate_duration": 60}', "--wait", "--timeout", "0.5")
    assert done.returncode == 5
    run_id = done.stdout.split("Run started: ")[1].split()[0]
    assert run_id in done.stderr and "Timed out" in done.stderr


def test_runs_lists_the_history_with_filters(app_home, emulator, process):
    trigger(app_home, emulator, process, '{"simulate_duration": 0}', "--wait")
    trigger(app_home, emulator, process, '{"simulate": "fail", "simulate_duration": 0}', "--wait")
    trigger(app_home, emulator, process, '{"simulate_duration": 60}')
    everything = json.loads(cli(app_home, emulator, process, "runs", "--json").stdout)
    assert [r["outcome"] for r in everything] == ["queued", "failed", "succeeded"]  # newest first
    failed = json.loads(cli(app_home, emulator, process, "runs", "--state", "failed", "--json").stdout)
    assert [r["errorCode"] for r in failed] == ["EMULATED_FAILURE"]
    assert len(json.loads(cli(app_home, emulator, process, "runs", "--state", "COMPL", "--json").stdout)) == 2
    assert len(json.loads(cli(app_home, emulator, process, "runs", "--limit", "1", "--json").stdout)) == 1
    human = cli(app_home, emulator, process, "runs").stdout
    assert "Failed EMULATED_FAILURE" in human and "Completed" in human


def test_watch_killed_and_started_again_finishes_every_run(app_home, emulator, process):
    run_ids = [json.loads(trigger(app_home, emulator, process, f'{{"simulate_duration": {3 + i}}}', "--json")
                          .stdout)["runId"] for i in range(4)]
    environ = {**os.environ, "ROBOCLOUD_PROCESS_SECRET": process.secret}
    first = subprocess.Popen([sys.executable, "-m", "robocloud_desktop", "watch", "--config-dir", str(app_home)],
                             stdout=subprocess.PIPE, text=True, env=environ)
    assert first.stdout is not None
    assert first.stdout.readline().startswith("Following 4 run(s)")
    assert first.stdout.readline().strip()  # it has polled and printed a change: kill it mid-way
    first.send_signal(signal.SIGKILL)
    first.wait()

    again = run_cli_process("watch", "--config-dir", str(app_home), secret=process.secret)  # as a user starts it again
    assert again.returncode == 0, again.stderr
    assert "Following" in again.stdout
    runs = {r["runId"]: r for r in json.loads(cli(app_home, emulator, process, "runs", "--json").stdout)}
    assert all(runs[run_id]["ended"] and runs[run_id]["outcome"] == "succeeded" for run_id in run_ids)
    assert cli(app_home, emulator, process, "watch").stdout.startswith("No runs to follow")


def test_runs_and_watch_lines_show_invisible_characters_as_escapes(app_home):
    from robocloud_desktop.core.api_results import TriggeredRun
    from robocloud_desktop.core.history import RunHistory
    from robocloud_desktop.core.paths import app_paths
    from robocloud_desktop.core.target import Target

    history = RunHistory(app_paths(app_home).history_db)
    record = history.record_trigger(TriggeredRun("run-1", "wi", "p", "w"), Target("https://h.example", "w", "p"), {})
    with sqlite3.connect(app_paths(app_home).history_db) as db:  # as an old or foreign file may hold it
        db.execute("UPDATE runs SET state = 'COMPL', result = ?, error_code = ? WHERE run_id = ?",
                   ("OK\x1b[2J", "E\u202eX", record.run_id))
    history.close()
    done = run_cli("runs", "--config-dir", str(app_home))
    assert done.returncode == 0
    assert "\x1b" not in done.stdout and "\u202e" not in done.stdout and "E\\u202eX" in done.stdout
