"""A run's story on the command line (Control Room API v1): `steps`, `items`, `logs`, `artifacts`,
`stop`, `retry` and `mark-done` as a user runs them: real HTTP to the emulator's /api/v1 and its
storage host, a real Secret Service where a profile keeps its workspace key, and neither the key nor
a download link ever on screen. The command line runs in this process, but where a real pipe or
terminal is the point: `logs` streaming into a pipe, a download's progress and `stop`'s question on
a terminal run it as a process, as a user does."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from robocloud_desktop.emulator import EmulatedProcess, Emulator, Fault
from tests.cli.test_run_v1_cli import PERMISSIONS, add_profile, assert_key_hidden, flags, limited_key, run
from tests.support.waiting import wait_for

LONG = 3600.0  # a run that stays `new` for the whole test
TIMED = re.compile(r"^(\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d  \S")  # the date only when it changes


@pytest.fixture
def key(emulator: Emulator, secret_guard) -> str:
    return secret_guard.add(emulator.default_key)


@pytest.fixture
def profile(secret_service, emulator: Emulator, process: EmulatedProcess, key: str, app_home: Path) -> str:
    add_profile(app_home, emulator, process, key)
    return "Invoices"


def start(emulator: Emulator, *payloads: object, duration: float = 0.0) -> str:
    return emulator.start_run(emulator.default_process, started_by="api", payloads=list(payloads) or [{}],
                              duration=duration)


def ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def no_link_shown(*done: subprocess.CompletedProcess[str]) -> None:
    for d in done:
        for part in ("X-Signature", "X-Expires", "/storage/"):
            assert part not in d.stdout + d.stderr


# -- reading -----------------------------------------------------------------------------------------


def test_steps_and_items_tell_why_a_run_needs_attention(profile, emulator, key, app_home):
    run_id = start(emulator, {"order": 1}, {"simulate": "fail", "simulate_code": "NO_INVOICE",
                                            "simulate_message": "Invoice 42 is missing"}, {"order": 3})
    steps = ok(run(app_home, "steps", profile, run_id)).stdout
    producer, consumer = steps.splitlines()[:2]
    assert "Producer" in producer and "Completed" in producer and not producer.startswith("!")
    assert consumer.startswith("!") and "Failed" in consumer and "error NO_INVOICE" in consumer
    assert "2 step runs, 1 failed" in steps
    listed = json.loads(ok(run(app_home, "steps", profile, run_id, "--json")).stdout)
    assert [(s["number"], s["name"], s["state"], s["failed"], s["errorCode"]) for s in listed] == [
        (1, "Producer", "completed", False, ""), (2, "Consumer", "failed", True, "NO_INVOICE")]
    assert [s["id"] for s in listed] == [s["id"] for s in emulator.step_runs_of(run_id)]

    failed = ok(run(app_home, "items", profile, run_id, "--failed")).stdout
    assert "Business exception NO_INVOICE: Invoice 42 is missing" in failed and "1 failed work item" in failed
    assert "Done" not in failed
    items = json.loads(ok(run(app_home, "items", profile, run_id, "--json")).stdout)
    assert [i["state"] for i in items] == ["failed", "done", "done"]  # failed first
    assert items[0]["exception"] == {"type": "business", "code": "NO_INVOICE", "message": "Invoice 42 is missing"}
    assert {i["id"] for i in items} == set(emulator.work_item_states(run_id))
    only_failed = json.loads(ok(run(app_home, "items", profile, run_id, "--failed", "--json")).stdout)
    assert [i["id"] for i in only_failed] == [items[0]["id"]]
    every = ok(run(app_home, "items", profile, run_id)).stdout
    assert every.splitlines()[0].startswith("! ") and "3 work items: 1 failed, 2 done." in every

    payload = ok(run(app_home, "items", profile, run_id, "--payload", items[0]["id"])).stdout
    assert json.loads(payload) == {"simulate": "fail", "simulate_code": "NO_INVOICE",
                                   "simulate_message": "Invoice 42 is missing"}
    other = next(iter(emulator.work_item_states(start(emulator))))
    elsewhere = run(app_home, "items", profile, run_id, "--payload", other)
    assert elsewhere.returncode == 3 and f"has no work item {other}" in elsewhere.stderr
    assert_key_hidden(key, app_home)


def test_logs_streams_every_line_of_every_step_over_pages_oldest_first(profile, emulator, app_home):
    lines = 3000  # about 250 KB: far more than a pipe holds
    run_id = start(emulator, {"simulate_console_lines": lines})
    emulator.clear_requests()
    command = [sys.executable, "-m", "robocloud_desktop", "logs", profile, run_id, "--config-dir", str(app_home)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as logs:
        assert logs.stdout is not None and logs.stderr is not None
        first = logs.stdout.readline()
        # The first lines arrived while most pages were still to come: printed as they came, not held.
        assert emulator.count("GET", "/console-messages") < lines // 100
        rest = logs.stdout.read()
        err = logs.stderr.read()
    assert logs.returncode == 0, err
    out = (first + rest).splitlines()
    assert out[0] == "=== Step 1 of 2: Producer (Completed) ==="
    second = out.index("=== Step 2 of 2: Consumer (Completed) ===")
    producer, consumer = out[1:second], out[second + 1:]
    assert len(producer) == 300 and len(consumer) == lines
    assert f"Step Consumer of process run {run_id} started" in consumer[0]
    numbers = [int(line.split("[", 1)[1][:5]) for line in consumer if "] Consumer: working on" in line]
    assert numbers == list(range(1, lines - 1))  # oldest first, none twice, none left out
    assert consumer[-1].endswith("Step Consumer completed")
    assert all(TIMED.match(line) for line in producer + consumer)  # each with its time
    assert emulator.count("GET", "/console-messages") == 3 + lines // 100

    only = ok(run(app_home, "logs", profile, run_id, "--step", "consumer")).stdout.splitlines()
    assert len(only) == lines and "===" not in only[0]
    assert ok(run(app_home, "logs", profile, run_id, "--step", "1")).stdout.count("\n") == 300
    wrong = run(app_home, "logs", profile, run_id, "--step", "3")
    assert wrong.returncode == 2 and "1 Producer, 2 Consumer" in wrong.stderr


def test_logs_of_a_run_not_started_say_so(profile, emulator, app_home):
    run_id = start(emulator, duration=LONG)
    out = ok(run(app_home, "logs", profile, run_id)).stdout
    assert out.count("(no console output: the step has not started)") == 2


# -- artifacts -----------------------------------------------------------------------------------------


def test_artifacts_are_listed_and_downloaded_from_the_storage_host_without_the_key(
        profile, emulator, key, app_home, tmp_path):
    run_id = start(emulator)
    producer, consumer = (s["id"] for s in emulator.step_runs_of(run_id))
    listed = ok(run(app_home, "artifacts", profile, run_id))
    assert "1 Producer" in listed.stdout and "2 Consumer" in listed.stdout and "4 artifacts" in listed.stdout
    as_json = json.loads(ok(run(app_home, "artifacts", profile, run_id, "--json")).stdout)
    assert [(a["stepNumber"], a["name"]) for a in as_json] == [(1, "log.html"), (1, "output.xml"),
                                                               (2, "log.html"), (2, "output.xml")]
    assert all(a["size"] == len(emulator.artifact_content(a["stepRunId"], a["name"])) for a in as_json)
    assert set(as_json[0]) == {"stepNumber", "step", "stepRunId", "id", "name", "size"}

    folder = tmp_path / "downloads"
    saved = ok(run(app_home, "artifacts", profile, run_id, "--download", str(folder)))
    paths = [Path(line) for line in saved.stdout.splitlines()]
    expected = {folder / "1-Producer" / "log.html": (producer, "log.html"),
                folder / "1-Producer" / "output.xml": (producer, "output.xml"),
                folder / "2-Consumer" / "log.html": (consumer, "log.html"),
                folder / "2-Consumer" / "output.xml": (consumer, "output.xml")}
    assert [p.resolve() for p in paths] == [p.resolve() for p in expected]
    for path, (step_run, name) in expected.items():
        assert path.read_bytes() == emulator.artifact_content(step_run, name)
    assert saved.stderr == ""  # no progress line: stderr is not a terminal
    stored = emulator.storage_requests
    assert len(stored) == 4 and all(r.status == 200 and not r.authorization for r in stored)
    assert emulator.count(path_contains="/storage/") == 0

    again = json.loads(ok(run(app_home, "artifacts", profile, run_id, "--download", str(folder), "--json")).stdout)
    assert Path(again[0]["path"]).name == "log (2).html" and again[0]["error"] is None  # never overwritten
    assert (folder / "1-Producer" / "log.html").read_bytes() == emulator.artifact_content(producer, "log.html")
    assert not list(folder.rglob("*.part"))
    assert all(not r.authorization for r in emulator.storage_requests)
    no_link_shown(listed, saved)
    assert_key_hidden(key, app_home, listed, saved)


def test_a_download_cut_half_way_leaves_no_file_under_its_name_and_exits_4(profile, emulator, app_home, tmp_path):
    run_id = start(emulator, {"simulate_artifact_bytes": 300_000})
    emulator.inject(Fault("storage_cut", cut_after=100_000))  # the first download stops a third of the way
    folder = tmp_path / "downloads"
    done = run(app_home, "artifacts", profile, run_id, "--download", str(folder))
    assert done.returncode == 4, done.stderr
    assert "log.html" in done.stderr and "1 of 4 artifacts were not saved" in done.stderr
    assert emulator.storage_requests[0].fault == "storage_cut"
    assert not (folder / "1-Producer" / "log.html").exists()
    assert not [p for p in folder.rglob("*") if p.is_file() and p.name.endswith(".part")]
    assert len(done.stdout.splitlines()) == 3  # the others were saved
    consumer = emulator.step_runs_of(run_id)[1]["id"]
    assert (folder / "2-Consumer" / "log.html").read_bytes() == emulator.artifact_content(consumer, "log.html")
    no_link_shown(done)


def test_a_download_shows_its_progress_on_a_terminal(profile, emulator, app_home, tmp_path):
    run_id = start(emulator, {"simulate_artifact_bytes": 2_000_000})
    main, terminal = os.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "robocloud_desktop", "artifacts", profile, run_id, "--download",
                               str(tmp_path / "d"), "--config-dir", str(app_home)],
                              stdout=subprocess.PIPE, stderr=terminal, text=True, timeout=60)
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal's other end has closed
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(main)
    assert done.returncode == 0
    assert b"Downloading 1-Producer/log.html: " in shown and b"(100%)" in shown
    assert b"X-Signature" not in shown and b"/storage/" not in shown
    assert len(done.stdout.splitlines()) == 4


# -- acting ----------------------------------------------------------------------------------------------


def test_stop_with_and_without_terminate_or_mark_done_changes_the_run(profile, emulator, app_home):
    emulator.stop_seconds = 0.3
    stopped, marked, ended = (start(emulator, {}, {}, duration=LONG) for _ in range(3))

    done = ok(run(app_home, "stop", profile, stopped, "--yes", "--reason", "Wrong input file"))
    assert f"Run {stopped} is stopping: the work item in progress finishes first" in done.stdout
    assert "not yet processed fail" in done.stdout
    wait_for(lambda: emulator.run_state(stopped) == "unresolved")  # once stopping is over
    assert emulator.step_runs_of(stopped)[0]["error"] == {"code": "PROCESS_RUN_STOPPED"}
    failed = json.loads(ok(run(app_home, "items", profile, stopped, "--json")).stdout)
    assert {i["exception"]["code"] for i in failed} == {"PROCESS_RUN_STOPPED"}
    assert all("Wrong input file" in i["exception"]["message"] for i in failed)

    answer = json.loads(ok(run(app_home, "stop", profile, marked, "--mark-done", "--yes", "--json")).stdout)
    assert answer == {"runId": marked, "action": "stop", "accepted": True, "remainingWorkItems": "done",
                      "reason": "", "message": answer["message"]}
    assert "marked done without being processed" in answer["message"]
    wait_for(lambda: emulator.run_state(marked) == "completed")

    terminated = ok(run(app_home, "stop", profile, ended, "--terminate", "--yes"))
    assert "is being terminated: every step run ends now" in terminated.stdout
    assert emulator.run_state(ended) == "unresolved"  # at once
    assert emulator.step_runs_of(ended)[0]["error"] == {"code": "PROCESS_RUN_TERMINATED"}

    again = run(app_home, "stop", profile, ended, "--yes")
    assert again.returncode == 2 and "already ended" in again.stderr


def test_stop_asks_on_a_terminal_and_without_one_needs_yes(profile, emulator, app_home):
    run_id = start(emulator, duration=LONG)
    refused = run(app_home, "stop", profile, run_id)
    assert refused.returncode == 2 and "Give --yes" in refused.stderr and "not a terminal" in refused.stderr
    assert emulator.count("POST") == 0 and emulator.run_state(run_id) == "new"

    for answer, code in (("n\n", 2), ("y\n", 0)):
        main, terminal = os.openpty()
        try:
            os.write(main, answer.encode())
            done = subprocess.run([sys.executable, "-m", "robocloud_desktop", "stop", profile, run_id, "--terminate",
                                   "--config-dir", str(app_home)], stdin=terminal, capture_output=True, text=True,
                                  timeout=60)
        finally:
            os.close(terminal)
            os.close(main)
        assert done.returncode == code, done.stderr
        assert f"Terminate run {run_id}? Then every step run ends now" in done.stderr and "[y/N]" in done.stderr
        if code:
            assert "Nothing was stopped" in done.stderr and emulator.run_state(run_id) == "new"
    assert emulator.run_state(run_id) == "unresolved"


def test_retry_brings_an_unresolved_run_to_completed(profile, emulator, app_home):
    run_id = start(emulator, {}, {"simulate": "fail"})
    assert emulator.run_state(run_id) == "unresolved"
    done = ok(run(app_home, "retry", profile, run_id, "--wait", "--timeout", "30"))
    assert "Asked Control Room to retry 1 failed work item" in done.stdout
    assert done.stdout.splitlines()[-1] == f"Run {run_id}: Completed (completed)"
    assert emulator.run_state(run_id) == "completed"
    assert set(emulator.work_item_states(run_id).values()) == {"done"}

    nothing = json.loads(ok(run(app_home, "retry", profile, run_id, "--json")).stdout)
    assert nothing["count"] == 0 and nothing["accepted"] is None and "nothing to retry" in nothing["message"]

    other = start(emulator, {"simulate": "fail"}, {"simulate": "fail"}, {})
    failed = [i for i, state in emulator.work_item_states(other).items() if state == "failed"]
    done_item = next(i for i, state in emulator.work_item_states(other).items() if state == "done")
    one = json.loads(ok(run(app_home, "retry", profile, other, "--item", failed[0], "--item", done_item,
                            "--json")).stdout)
    assert (one["count"], one["workItemIds"], one["accepted"]) == (1, [failed[0]], True)
    assert one["skipped"] == [{"id": done_item, "state": "done"}]
    wait_for(lambda: emulator.work_item_states(other)[failed[0]] == "done")
    assert emulator.run_state(other) == "unresolved"  # the other failed item still waits
    unknown = run(app_home, "retry", profile, other, "--item", "no-such-item")
    assert unknown.returncode == 3 and "has no work item no-such-item" in unknown.stderr

    marked = ok(run(app_home, "mark-done", profile, other))
    assert "Marked 1 failed work item" in marked.stdout
    assert emulator.run_state(other) == "completed"


def test_retry_wait_exits_1_when_the_run_is_left_unresolved(profile, emulator, app_home):
    run_id = start(emulator, {"simulate": "fail"}, {"simulate": "fail"})
    first = next(iter(emulator.work_item_states(run_id)))
    done = run(app_home, "retry", profile, run_id, "--item", first, "--wait", "--json")
    assert done.returncode == 1, done.stderr
    answer = json.loads(done.stdout)
    assert answer["items"] == [{"id": first, "state": "done"}] and answer["run"]["state"] == "unresolved"
    timeout_alone = run(app_home, "retry", profile, run_id, "--timeout", "5")
    assert timeout_alone.returncode == 2 and "give --wait too" in timeout_alone.stderr


# -- keys, permissions, profiles ---------------------------------------------------------------------------


def test_a_key_without_a_permission_a_command_needs_exits_3_naming_it(emulator, process, secret_guard, app_home):
    ended = start(emulator, {"simulate": "fail"})
    live = start(emulator, duration=LONG)
    needs = [  # (command, what it needs that the key lacks)
        (["steps", ended], "Processes.read_processes"),
        (["items", ended], "Processes.read_work_items"),
        (["logs", ended], "Processes.read_processes"),
        (["logs", ended], "Processes.read_run_outputs"),
        (["artifacts", ended], "Processes.read_run_outputs"),
        (["stop", live, "--yes"], "Processes.trigger_processes"),
        (["retry", ended], "Processes.read_work_items"),
        (["retry", ended], "Processes.write_work_items"),
        (["mark-done", ended], "Processes.write_work_items"),
    ]
    for (command, *rest), permission in needs:
        lacking = limited_key(emulator, secret_guard, permission)
        done = run(app_home, command, *flags(emulator, process), *rest, key=lacking)
        assert done.returncode == 3, (command, permission, done.stderr)
        assert f"lacks the permission {permission}" in done.stderr and "API keys" in done.stderr
        assert lacking not in done.stdout + done.stderr
    assert emulator.run_state(live) == "new" and emulator.run_state(ended) == "unresolved"
    lacking = limited_key(emulator, secret_guard, "Processes.read_work_items")
    as_json = json.loads(run(app_home, "items", *flags(emulator, process), ended, "--json", key=lacking).stdout)
    assert as_json["error"]["type"] == "PermissionMissing" and as_json["error"]["status"] == 403
    assert all(p in PERMISSIONS for _, p in needs)


def test_a_per_process_secret_profile_is_told_these_need_a_workspace_key(emulator, process, app_home):
    old = run(app_home, "profile", "add", "Old", "--base-url", emulator.base_url, "--workspace",
              process.workspace_id, "--process", process.process_id)
    assert old.returncode == 0, old.stderr
    run_id = start(emulator)
    for args in (["steps"], ["items"], ["logs"], ["artifacts"], ["stop", "--yes"], ["retry"], ["mark-done"]):
        done = run(app_home, args[0], "Old", run_id, *args[1:])
        assert done.returncode == 2, (args, done.stderr)
        assert f"`{args[0]}` needs a workspace API key" in done.stderr
        assert f"profile add-from-workspace --workspace {process.workspace_id}" in done.stderr
    assert emulator.count() == 0


def test_bad_usage_is_refused_before_anything_is_sent(profile, emulator, key, app_home):
    run_id = start(emulator, {"simulate": "fail"})
    emulator.clear_requests()
    cases = [
        (["items", profile, run_id, "--failed", "--payload", "x"], "Give one of them"),
        (["stop", profile, run_id, "--yes", "--reason", "a\nb"], "--reason is text"),
        (["stop", profile, run_id, "--api-key-stdin"], "stdin holds the API key"),
        (["steps", profile, ".."], "is not an id"),
        (["steps", "--api", "v1", "--workspace", "w", run_id], "--workspace and --process"),
        (["artifacts", profile, run_id, "--download", str(app_home / "a-file")], "not a folder"),
    ]
    (app_home / "a-file").write_text("")
    for args, words in cases:
        done = run(app_home, *args, stdin=key + "\n")
        assert done.returncode == 2, (args, done.stderr)
        assert words in done.stderr, (args, done.stderr)
    assert emulator.count() == 0
