"""The command line as a user runs it: real HTTP to the emulator, exit codes. Most calls run the
command line in this process (tests/support/cli.py); those about the command as a process run one."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from robocloud_desktop.cli import NO_ARGUMENTS, build_parser, parse
from robocloud_desktop.emulator import EmulatedProcess, Emulator, Fault
from tests.support.cli import as_process, in_process
from tests.support.waiting import wait_for


def _environ(secret: str | None, env: dict[str, str] | None) -> dict[str, str | None]:
    return {"ROBOCLOUD_PROCESS_SECRET": secret, **(env or {})}


def run_cli(*args: str, secret: str | None = None, stdin: str = "", env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    """The command line, called in this process; ROBOCLOUD_PROCESS_SECRET is `secret` (unset when None)."""
    return in_process(list(args), stdin=stdin, env=_environ(secret, env))


def run_cli_process(*args: str, secret: str | None = None, stdin: str = "", env: dict[str, str] | None = None,
                    timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own, as a user runs it."""
    return as_process(list(args), stdin=stdin, env=_environ(secret, env), timeout=timeout)


def where(emulator: Emulator, process: EmulatedProcess) -> list[str]:
    return ["--base-url", emulator.base_url, "--workspace", process.workspace_id, "--process", process.process_id]


def assert_no_secret(done: subprocess.CompletedProcess[str], secret: str) -> None:
    assert secret not in done.stdout and secret not in done.stderr


def test_trigger_json_then_status_shows_state_and_result(emulator, process):
    # As a user runs it: the installed command, a process each time.
    done = run_cli_process("trigger", *where(emulator, process), "--payload", '{"a": 1}', "--json", secret=process.secret)
    assert done.returncode == 0, done.stderr
    run_id = json.loads(done.stdout)["runId"]
    assert run_id and emulator.runs_created == 1

    wait_for(lambda: emulator.run_state(run_id) == "completed")  # then asked about, once
    status = run_cli_process("status", *where(emulator, process), run_id, "--json", secret=process.secret)
    answer = json.loads(status.stdout)
    assert status.returncode == 0 and answer["ended"]
    assert (answer["state"], answer["result"]) == ("COMPL", "OK")
    human = run_cli_process("status", *where(emulator, process), run_id, secret=process.secret)
    assert "Completed" in human.stdout and "state COMPL, result OK" in human.stdout
    for d in (done, status, human):
        assert_no_secret(d, process.secret)


def test_secret_can_come_from_stdin(emulator, process):
    # A real pipe, as a shell gives the command.
    done = run_cli_process("trigger", *where(emulator, process), "--secret-stdin", "--json",
                           stdin=process.secret + "\n")
    assert done.returncode == 0, done.stderr
    assert emulator.count("POST") == 1 and emulator.requests[0].secret_via == "header"


def test_secret_in_query_on_request(emulator, process):
    done = run_cli("trigger", *where(emulator, process), "--secret-in-query", secret=process.secret)
    assert done.returncode == 0, done.stderr
    assert emulator.requests[0].secret_via == "query"
    assert_no_secret(done, process.secret)


@pytest.mark.parametrize(
    ("payload", "where_error"),
    [('{"a": 1,\n "b": }', "line 2, column 7"), ("[1, 2]", "JSON object"), ("{'a': 1}", "line 1, column 2")],
)
def test_invalid_payload_exits_2_and_sends_nothing(emulator, process, payload, where_error):
    done = run_cli("trigger", *where(emulator, process), "--payload", payload, secret=process.secret)
    assert done.returncode == 2
    assert where_error in done.stderr
    assert emulator.count() == 0


def test_payload_from_file_and_from_stdin(emulator, process, tmp_path):
    path = tmp_path / "payload.json"
    path.write_text('{"simulate": "fail", "simulate_duration": 0}', encoding="utf-8")
    done = run_cli("trigger", *where(emulator, process), "--payload", f"@{path}", "--json", secret=process.secret)
    run_id = json.loads(done.stdout)["runId"]
    status = run_cli("status", *where(emulator, process), run_id, "--json", secret=process.secret)
    assert status.returncode == 1  # the run finished with a failed result
    assert json.loads(status.stdout)["errorCode"]
    piped = run_cli("trigger", *where(emulator, process), "--payload", "-", stdin='{"x": 2}', secret=process.secret)
    assert piped.returncode == 0, piped.stderr
    missing = run_cli("trigger", *where(emulator, process), "--payload", f"@{tmp_path / 'nope.json'}",
                      secret=process.secret)
    assert missing.returncode == 2 and "Cannot read the payload file" in missing.stderr


def test_no_secret_is_a_usage_error_that_says_how_to_give_one(emulator, process):
    done = run_cli("trigger", *where(emulator, process))
    assert done.returncode == 2
    assert "ROBOCLOUD_PROCESS_SECRET" in done.stderr and "--secret-stdin" in done.stderr
    assert emulator.count() == 0


def test_there_is_no_secret_argument():
    done = run_cli("trigger", "--base-url", "https://api.eu1.robocloud.eu", "--workspace", "w", "--process", "p",
                   "--secret", "abc")
    assert done.returncode == 2


def test_rejected_secret_and_unknown_run_exit_3(emulator, process):
    wrong = run_cli("trigger", *where(emulator, process), "--json", secret="not-the-secret-at-all-0000")
    assert wrong.returncode == 3
    assert json.loads(wrong.stdout)["error"]["type"] == "SecretRejected"
    assert "not-the-secret-at-all-0000" not in wrong.stdout + wrong.stderr
    unknown = run_cli("status", *where(emulator, process), "no-such-run", secret=process.secret)
    assert unknown.returncode == 3 and "HTTP 404" in unknown.stderr


def test_network_problems_and_unknown_outcome_exit_4(emulator, process):
    emulator.inject(Fault("drop", method="POST"))
    lost = run_cli("trigger", *where(emulator, process), secret=process.secret)
    assert lost.returncode == 4
    assert "Check Control Room before triggering again" in lost.stderr
    assert emulator.count("POST") == 1
    refused = run_cli("status", "--base-url", "http://127.0.0.1:9", "--workspace", "w", "--process", "p", "r",
                      secret=process.secret)
    assert refused.returncode == 4 and "refused" in refused.stderr


def test_plain_http_to_a_remote_host_exits_2(process):
    done = run_cli("trigger", "--base-url", "http://api.eu1.robocloud.eu", "--workspace", "w", "--process", "p",
                   secret=process.secret)
    assert done.returncode == 2 and "https" in done.stderr


def test_emulator_command_prints_what_a_user_needs():
    proc = subprocess.Popen([sys.executable, "-m", "robocloud_desktop", "emulator", "--run-duration", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(5)]  # type: ignore[union-attr]
        fields = dict(line.strip().split(":", 1) for line in lines[1:])
        base_url, ws, pid, secret = (fields[k].strip() for k in ("base URL", "workspace id", "process id", "secret"))
        done = run_cli("trigger", "--base-url", base_url, "--workspace", ws, "--process", pid, "--json", secret=secret)
        assert done.returncode == 0, done.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_nan_and_huge_numbers_are_refused_before_sending(emulator, process):
    for payload in ('{"a": NaN}', '{"a": 1e400}'):
        done = run_cli("trigger", *where(emulator, process), "--payload", payload, secret=process.secret)
        assert done.returncode == 2 and "payload cannot be sent: it contains" in done.stderr
    assert emulator.count() == 0


def test_the_window_without_a_display_says_what_to_do_instead():
    environ = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "robocloud_desktop"], capture_output=True, text=True,
                          env=environ, timeout=60)
    assert done.returncode == 2
    assert "no display" in done.stderr and "--help" in done.stderr


def test_no_arguments_are_read_as_the_full_parser_reads_them() -> None:
    assert vars(parse([])) == vars(build_parser().parse_args([])) == NO_ARGUMENTS
    assert vars(parse(["--demo", "--config-dir", "d"])) == {**NO_ARGUMENTS, "demo": True, "config_dir": "d"}
    assert parse(["--config-dir=d"]).config_dir == "d"
    for words in (["--help"], ["--version"], ["--config-dir"], ["--config-dir", " "], ["--config-dir="]):
        with pytest.raises(SystemExit):
            parse(words)


def test_help_still_lists_every_command() -> None:
    done = run_cli_process("--help")
    assert done.returncode == 0
    for command in ("trigger", "status", "profile", "runs", "watch", "emulator"):
        assert command in done.stdout
