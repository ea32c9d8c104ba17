"""What the command line leaves in the log file, and prints with -v/--verbose: each request's method,
host, route and status, never a secret, a key or a download link's signature. Real HTTP to the
emulator; the command line runs in this process (its stderr captured), or as a process where the
whole command is the point."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from robocloud_desktop.core.logs import LOG_FILE
from robocloud_desktop.emulator import EmulatedProcess, Emulator
from tests.cli.test_cli import run_cli, run_cli_process, where
from tests.cli.test_run_v1_cli import flags
from tests.cli.test_run_v1_cli import run as run_v1
from tests.support.waiting import wait_for

REQUEST = re.compile(r"(POST|GET) 127\.0\.0\.1:\d+ /\S* -> \d{3} in \d+ ms")


def log_text(home: Path) -> str:
    return (home / "logs" / LOG_FILE).read_text(encoding="utf-8")


@pytest.mark.parametrize("placed", ["before", "after"])
def test_verbose_prints_each_request_on_stderr_and_no_secret(emulator: Emulator, process: EmulatedProcess,
                                                              app_home: Path, placed: str):
    command = ["trigger", *where(emulator, process), "--secret-in-query", "--config-dir", str(app_home)]
    words = ["-v", *command] if placed == "before" else [*command, "--verbose"]
    done = run_cli(*words, secret=process.secret)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Run started: ")
    posted = [line for line in done.stderr.splitlines() if REQUEST.search(line)]
    assert len(posted) == 1
    assert "INFO robocloud_desktop.core.transport: POST 127.0.0.1:" in posted[0]
    assert "/workspace-v1/workspaces/*/processes/*/runs -> 200 in " in posted[0]
    for private in (process.secret, process.workspace_id, process.process_id, "robocloud-process-secret"):
        assert private not in done.stderr


def test_without_verbose_stderr_stays_quiet_and_the_log_file_has_the_command_and_its_requests(
        emulator: Emulator, process: EmulatedProcess, app_home: Path):
    done = run_cli_process("trigger", *where(emulator, process), "--wait", "--config-dir", str(app_home),
                           secret=process.secret)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    text = log_text(app_home)
    first = text.splitlines()[0]
    assert "Started the command line (trigger), pid " in first and "robocloud-desktop " in first
    assert "Python " in first and "keyring " in first and "OS " in first
    assert len(REQUEST.findall(text)) >= 2  # the trigger, and at least one look at the run
    assert process.secret not in text and process.workspace_id not in text


def test_a_failed_command_says_why_in_the_log_in_its_own_words(emulator: Emulator, process: EmulatedProcess,
                                                                app_home: Path):
    done = run_cli("status", *where(emulator, process), "no-such-run", "--config-dir", str(app_home),
                   secret=process.secret)
    assert done.returncode == 3
    text = log_text(app_home)
    assert "The command ended with exit code 3: NotFound (HTTP 404)" in text
    missing = run_cli("trigger", *where(emulator, process), "--config-dir", str(app_home), secret=None)
    assert missing.returncode == 2
    assert "The command ended with exit code 2: UsageError: " in log_text(app_home)


def test_a_download_link_never_reaches_the_log_or_the_verbose_lines(emulator: Emulator, process: EmulatedProcess,
                                                                      app_home: Path, tmp_path: Path, secret_guard):
    key = secret_guard.add(emulator.default_key)
    run_id = emulator.start_run(process, started_by="api", payloads=[{}], duration=0.0)
    wait_for(lambda: emulator.run_state(run_id) == "completed")
    done = run_v1(app_home, "artifacts", *flags(emulator, process), run_id, "--download", str(tmp_path / "files"),
                  "--json", "-v", key=key)
    assert done.returncode == 0, done.stderr
    assert all(item["error"] is None for item in json.loads(done.stdout))
    assert emulator.storage_requests  # the files came from the storage host, through presigned links
    text = log_text(app_home)
    assert "/artifacts/* -> 200" in text and "/artifacts/* -> 200" in done.stderr
    for where_ in (text, done.stderr):
        for part in ("X-Signature", "X-Expires", "/storage/", key):
            assert part not in where_


def test_an_unknown_option_is_still_refused(emulator: Emulator, process: EmulatedProcess):
    done = run_cli("trigger", *where(emulator, process), "-v", "--no-such-option")
    assert done.returncode == 2
    assert "unrecognized arguments: --no-such-option" in done.stderr
    assert emulator.runs_created == 0
