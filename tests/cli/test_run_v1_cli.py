"""`trigger`, `status`, `--wait`, `runs --remote` and `watch` for Control Room API v1 as a user runs
them: real HTTP to the emulator's /api/v1, a real Secret Service where a profile keeps its workspace
key, and the key never on screen or in a file. The command line runs in this process, but for a
cycle run as a user does and `watch`, stopped with Ctrl+C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from robocloud_desktop.emulator import EmulatedProcess, Emulator, Fault
from tests.cli.test_profile_cli import files_containing
from tests.support.cli import as_process, in_process
from tests.support.waiting import wait_for

PERMISSIONS = ("Processes.trigger_processes", "Processes.read_runs", "Processes.read_processes",
               "Processes.read_work_items", "Processes.write_work_items", "Processes.read_run_outputs")


def _environ(key: str | None) -> dict[str, str | None]:
    """ROBOCLOUD_API_KEY is `key` (unset when None), and no other key or secret is in the environment."""
    unset: dict[str, str | None] = {name: None for name in os.environ
                                    if name.startswith(("ROBOCLOUD_API_KEY", "ROBOCLOUD_PROCESS"))}
    return {**unset, "ROBOCLOUD_API_KEY": key}


def run(home: Path, *args: str, key: str | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The command line, called in this process."""
    return in_process([*args, "--config-dir", str(home)], stdin=stdin, env=_environ(key))


def run_process(home: Path, *args: str, key: str | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own, as a user runs it."""
    return as_process([*args, "--config-dir", str(home)], stdin=stdin, env=_environ(key))


def flags(emulator: Emulator, process: EmulatedProcess, *, root: bool = False) -> list[str]:
    """The target as flags; the host alone (without /api/v1) is taken like a profile's base URL."""
    return ["--api", "v1", "--base-url", emulator.v1_base_url if root else emulator.base_url,
            "--workspace", process.workspace_id, "--process", process.process_id]


def add_profile(home: Path, emulator: Emulator, process: EmulatedProcess, key: str, name: str = "Invoices",
                *extra: str) -> None:
    added = run(home, "profile", "add", name, "--api", "v1", "--base-url", emulator.base_url,
                "--workspace", process.workspace_id, "--process", process.process_id, "--api-key-stdin", *extra,
                stdin=key + "\n")
    assert added.returncode == 0, added.stderr


def assert_key_hidden(key: str, home: Path, *done: subprocess.CompletedProcess[str]) -> None:
    for d in done:
        assert key not in d.stdout + d.stderr
    assert files_containing(home, key) == []


@pytest.fixture
def key(emulator: Emulator, secret_guard) -> str:
    return secret_guard.add(emulator.default_key)


def limited_key(emulator: Emulator, secret_guard, lacking: str) -> str:
    return secret_guard.add(emulator.add_key(permissions=[p for p in PERMISSIONS if p != lacking]))


def test_a_v1_profile_triggers_reads_and_waits_with_its_stored_key(secret_service, emulator, process, key, app_home):
    add_profile(app_home, emulator, process, key)
    # As a user runs them: trigger and status each a process that finds the Secret Service on its own.
    started = run_process(app_home, "trigger", "Invoices", "--payload", '{"simulate_duration": 30}', "--json")
    assert started.returncode == 0, started.stderr
    answer = json.loads(started.stdout)
    assert (answer["started"], answer["api"]) == (True, "v1") and answer["runId"]
    assert emulator.requests[-1].secret_via == "authorization" and "/api/v1/" in emulator.requests[-1].path

    status = run_process(app_home, "status", "Invoices", answer["runId"])
    assert status.returncode == 0, status.stderr
    assert f"Run {answer['runId']}: " in status.stdout
    assert "started by API" in status.stdout and "process Process 1" in status.stdout
    assert "created " in status.stdout and "(local time)" in status.stdout
    read = json.loads(run_process(app_home, "status", "Invoices", answer["runId"], "--json").stdout)
    assert (read["api"], read["startedBy"], read["startedByType"]) == ("v1", "API", "api")
    assert read["state"] in ("new", "in_progress") and read["endedAt"] is None
    assert read["createdAt"] <= (read["startedAt"] or read["createdAt"])

    waited = run_process(app_home, "trigger", "Invoices", "--payload", '{"simulate_duration": 0.5}', "--wait")
    assert waited.returncode == 0, waited.stderr
    assert "Completed (completed)" in waited.stdout
    done = json.loads(run_process(app_home, "status", "Invoices", waited.stdout.split()[2], "--json").stdout)
    assert done["state"] == "completed" and done["ended"] and done["endedAt"] >= done["createdAt"]
    assert_key_hidden(key, app_home, started, status, waited)


def test_flags_and_the_environment_key_trigger_status_and_wait_without_a_profile(emulator, process, key, app_home):
    started = run(app_home, "trigger", *flags(emulator, process), "--json", key=key)
    assert started.returncode == 0, started.stderr
    run_id = json.loads(started.stdout)["runId"]
    status = run(app_home, "status", *flags(emulator, process, root=True), run_id, "--json", key=key)
    assert status.returncode == 0 and json.loads(status.stdout)["runId"] == run_id

    piped = run(app_home, "status", *flags(emulator, process), run_id, "--api-key-stdin", stdin=key + "\n")
    assert piped.returncode == 0 and "started by API" in piped.stdout

    unresolved = run(app_home, "trigger", *flags(emulator, process), "--payload",
                     '{"simulate": "fail", "simulate_duration": 0.5}', "--wait", key=key)
    assert unresolved.returncode == 1
    assert "Needs attention (unresolved)" in unresolved.stdout and "needs attention" in unresolved.stderr
    history = json.loads(run(app_home, "runs", "--json").stdout)
    assert {(r["api"], r["startedBy"]) for r in history} == {("v1", "")}  # started here, by this computer
    assert_key_hidden(key, app_home, started, status, piped, unresolved)


def test_the_wrong_credential_or_host_for_the_api_is_refused_in_words_before_sending(
        secret_service, emulator, process, key, app_home):
    add_profile(app_home, emulator, process, key)
    old = run(app_home, "profile", "add", "Old", "--base-url", emulator.base_url, "--workspace", "w", "--process", "p")
    assert old.returncode == 0, old.stderr
    cases = [
        (["trigger", "Invoices", "--secret-stdin"], "uses its workspace's API key, not a process secret"),
        (["trigger", "Old", "--api-key-stdin"], "uses a per-process secret, not a workspace API key"),
        (["trigger", *flags(emulator, process), "--secret-stdin"], "--api v1 takes a workspace API key"),
        (["trigger", "--base-url", emulator.base_url, "--workspace", "w", "--process", "p", "--api-key-stdin"],
         "--api-key-stdin is for Control Room API v1"),
        (["trigger", "--api", "v1", "--region", "eu1", "--workspace", "w", "--process", "p"],
         "--region names the per-process secret API's hosts"),
        (["trigger", "--base-url", emulator.v1_base_url, "--workspace", "w", "--process", "p"],
         "is the address of Control Room API v1"),
        (["trigger", *flags(emulator, process), "--secret-in-query"], "travels in a header only"),
        (["trigger", *flags(emulator, process)], "No workspace API key. Set ROBOCLOUD_API_KEY"),
        (["trigger", "--api", "v1", "--workspace", "w"], "--api v1 with --workspace and --process"),
        (["trigger", "Invoices", "--api", "v1"], "not both"),
    ]
    for args, words in cases:
        done = run(app_home, *args, stdin=key + "\n")
        assert done.returncode == 2, (args, done.stderr)
        assert words in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert emulator.count("POST") == 0
    assert_key_hidden(key, app_home)


def test_an_array_payload_is_one_run_with_a_work_item_per_element(secret_service, emulator, process, key, app_home,
                                                                  tmp_path):
    items = tmp_path / "items.json"
    items.write_text(json.dumps([{"invoice": n} for n in range(3)], indent=2))
    add_profile(app_home, emulator, process, key)
    done = run(app_home, "trigger", "Invoices", "--payload", f"@{items}")
    assert done.returncode == 0, done.stderr
    assert "3 work items" in done.stdout
    run_id = done.stdout.split()[2]
    assert emulator.runs_created == 1
    assert emulator.work_items_of(run_id) == 3

    empty = run(app_home, "trigger", "Invoices", "--payload", "[]")
    assert empty.returncode == 2 and "empty array" in empty.stderr

    old = run(app_home, "profile", "add", "Old", "--base-url", emulator.base_url, "--workspace", process.workspace_id,
              "--process", process.process_id)
    assert old.returncode == 0, old.stderr
    refused = run(app_home, "trigger", "Old", "--payload", f"@{items}")
    assert refused.returncode == 2
    assert "must be a JSON object" in refused.stderr and "workspace API key" in refused.stderr
    assert emulator.runs_created == 1


def test_started_false_says_no_run_was_started_and_exits_0(emulator, process, key, app_home):
    # The app sends only payloads; Control Room answers {"started": false} to a body asking for queued
    # inputs, which the app never sends: the answer is injected, over the same real HTTP.
    for extra in ([], ["--json"], ["--wait"]):
        emulator.inject(Fault("status", status=200, body='{"started": false}', method="POST"))
        done = run(app_home, "trigger", *flags(emulator, process), "--payload", '[{"a": 1}, {"b": 2}]', *extra,
                   key=key)
        assert done.returncode == 0, done.stderr
        if extra == ["--json"]:
            answer = json.loads(done.stdout)
            assert answer["started"] is False and answer["runId"] is None
            assert "No run was started" in answer["message"]
        else:
            assert "No run was started" in done.stdout and "2 work items" in done.stdout
        if extra == ["--wait"]:
            assert "nothing to wait for" in done.stdout
    assert emulator.runs_created == 0
    assert json.loads(run(app_home, "runs", "--json").stdout) == []  # no run, so nothing in the history


@pytest.mark.parametrize("named", [True, False], ids=["named-by-server", "inferred-from-route"])
def test_a_key_without_a_permission_exits_3_naming_it(emulator, process, secret_guard, app_home, named):
    emulator.name_permission_in_403 = named
    cannot_trigger = limited_key(emulator, secret_guard, "Processes.trigger_processes")
    cannot_read = limited_key(emulator, secret_guard, "Processes.read_runs")
    run_id = emulator.start_run(process)
    attempts = [
        (["trigger", *flags(emulator, process)], cannot_trigger, "Processes.trigger_processes"),
        (["status", *flags(emulator, process), run_id], cannot_read, "Processes.read_runs"),
        (["runs", "--remote", *flags(emulator, process)], cannot_read, "Processes.read_runs"),
    ]
    for args, key, permission in attempts:
        done = run(app_home, *args, key=key)
        assert done.returncode == 3, (args, done.stderr)
        assert f"lacks the permission {permission}" in done.stderr, done.stderr
        assert "API keys" in done.stderr  # where to grant it
        assert key not in done.stdout + done.stderr
        as_json = json.loads(run(app_home, *args, "--json", key=key).stdout)
        assert as_json["error"]["type"] == "PermissionMissing" and as_json["error"]["status"] == 403
    assert emulator.runs_created == 1


def test_a_revoked_key_exits_3_saying_so(secret_service, emulator, process, secret_guard, app_home):
    key = secret_guard.add(emulator.add_key())
    add_profile(app_home, emulator, process, key)
    run_id = json.loads(run(app_home, "trigger", "Invoices", "--json").stdout)["runId"]
    emulator.revoke_key(key)
    for args in (["trigger", "Invoices"], ["status", "Invoices", run_id], ["runs", "--remote", "Invoices"]):
        done = run(app_home, *args)
        assert done.returncode == 3, done.stderr
        assert "rejected the workspace API key (HTTP 401)" in done.stderr and "revoked" in done.stderr
        assert key not in done.stdout + done.stderr
    assert emulator.runs_created == 1
    assert_key_hidden(key, app_home)


def test_runs_remote_lists_the_servers_runs_over_pages_newest_first(secret_service, emulator, process, key, app_home):
    other = emulator.add_process(workspace_id=process.workspace_id)
    ended = {emulator.start_run(process, duration=0) for _ in range(150)}
    going = {emulator.start_run(process, started_by="user", duration=3600) for _ in range(100)}
    emulator.start_run(other)  # another process of the workspace: not listed
    add_profile(app_home, emulator, process, key)
    emulator.clear_requests()

    everything = run(app_home, "runs", "--remote", "Invoices", "--limit", "0", "--json")
    assert everything.returncode == 0, everything.stderr
    listed = json.loads(everything.stdout)
    assert {r["runId"] for r in listed} == ended | going and len(listed) == 250
    created = [r["createdAt"] for r in listed]
    assert created == sorted(created, reverse=True)  # newest first
    assert emulator.count("GET", "/process-runs") == 3  # 100 + 100 + 50, following `next`

    assert len(json.loads(run(app_home, "runs", "--remote", "Invoices", "--json").stdout)) == 20  # the default
    some = run(app_home, "runs", "--remote", "--limit", "120", "--json", *flags(emulator, process), key=key)
    assert [r["runId"] for r in json.loads(some.stdout)] == [r["runId"] for r in listed[:120]]
    completed = json.loads(run(app_home, "runs", "--remote", "Invoices", "--state", "completed", "--limit", "0",
                               "--json").stdout)
    assert {r["runId"] for r in completed} == ended and {r["state"] for r in completed} == {"completed"}
    human = run(app_home, "runs", "--remote", "Invoices", "--state", "new", "--limit", "2").stdout
    assert human.count("Queued (new), started by Ada Lovelace") == 2
    assert "--limit 0" in human

    wrong = run(app_home, "runs", "--remote", "Invoices", "--state", "running")
    assert wrong.returncode == 2 and "new, in_progress, stopping, completed, unresolved" in wrong.stderr
    old = run(app_home, "profile", "add", "Old", "--base-url", emulator.base_url, "--workspace", "w", "--process", "p")
    assert old.returncode == 0
    per_process = run(app_home, "runs", "--remote", "Old")
    assert per_process.returncode == 2 and "needs a workspace API key" in per_process.stderr
    assert_key_hidden(key, app_home, everything, some)


class Lines:
    """The lines a running command prints, read as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)

    def having(self, *words: str) -> list[str]:
        return [line for line in list(self.lines) if all(word in line for word in words)]


@pytest.fixture
def watcher(app_home) -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def start_watch(home: Path, started: list[subprocess.Popen[str]]) -> tuple[subprocess.Popen[str], Lines]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ROBOCLOUD_")}
    process = subprocess.Popen([sys.executable, "-m", "robocloud_desktop", "watch", "--config-dir", str(home)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ)
    started.append(process)
    return process, Lines(process)


def test_watch_shows_a_run_started_elsewhere_once_and_none_from_before_the_profile(
        secret_service, emulator, process, key, app_home, watcher):
    before = emulator.start_run(process, duration=3600)  # started before the profile was added
    add_profile(app_home, emulator, process, key)
    first, lines = start_watch(app_home, watcher)
    wait_for(lambda: lines.having("Showing runs of 'Invoices' started elsewhere"), timeout=30)
    elsewhere = emulator.start_run(process, started_by="schedule", duration=3)
    wait_for(lambda: lines.having(elsewhere, "Completed"), timeout=30)
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=30)
    assert first.returncode == 130
    assert len(lines.having(elsewhere, "started by schedule")) == 1  # read on several lists, shown once
    assert not lines.having(before)
    assert key not in "".join(lines.lines) + err

    kept = {r["runId"]: r for r in json.loads(run(app_home, "runs", "--json").stdout)}
    assert set(kept) == {elsewhere} and kept[elsewhere]["startedBy"] == "schedule"
    assert ", started by schedule" in run(app_home, "runs").stdout

    # Watched again: the run already in the history is not shown as new; a later one is.
    second, again = start_watch(app_home, watcher)
    wait_for(lambda: again.having("Showing runs of"), timeout=30)
    later = emulator.start_run(process, started_by="email", duration=0)
    wait_for(lambda: again.having(later, "started by e-mail"), timeout=30)
    second.send_signal(signal.SIGINT)
    second.communicate(timeout=30)
    assert not again.having(elsewhere) and not again.having(before)
    assert_key_hidden(key, app_home)


def test_watch_until_ended_looks_for_nothing_and_a_key_without_read_runs_is_named(
        secret_service, emulator, process, secret_guard, app_home):
    key = limited_key(emulator, secret_guard, "Processes.read_runs")
    add_profile(app_home, emulator, process, key)
    until = run(app_home, "watch", "--until-ended")
    assert until.returncode == 0 and until.stdout.startswith("No runs to follow")
    refused = run(app_home, "watch")
    assert refused.returncode == 3
    assert "Not looking for runs of 'Invoices' started elsewhere" in refused.stderr
    assert "Processes.read_runs" in refused.stderr
    assert_key_hidden(key, app_home, until, refused)
