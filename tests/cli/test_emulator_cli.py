"""`robocloud-desktop emulator`: what it prints works, and it refuses what it cannot do in a sentence."""

from __future__ import annotations

import contextlib
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
import requests

from tests.cli.test_cli import run_cli
from tests.support.waiting import wait_for


@pytest.mark.parametrize(("flag", "value", "says"), [
    ("--port", "70000", "is not a port"), ("--port", "-1", "is not a port"), ("--port", "http", "is not a port"),
    ("--run-duration", "-1", "from 0 to 86400"), ("--run-duration", "nan", "from 0 to 86400"),
    ("--run-duration", "inf", "from 0 to 86400"), ("--latency", "-0.5", "from 0 to 86400"),
    ("--latency", "1e999", "from 0 to 86400"),
])
def test_flags_out_of_range_are_refused(flag, value, says):
    done = run_cli("emulator", flag, value)
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr


def test_a_port_in_use_is_said_with_what_to_do():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli("emulator", "--port", str(port))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"port {port}" in done.stderr and "in use" in done.stderr and "Pick another --port" in done.stderr


@contextlib.contextmanager
def running_emulator(*args: str) -> Iterator[dict[str, str]]:
    """`robocloud-desktop emulator` in a process of its own, with what it printed by label; stopped with Ctrl+C."""
    command = [sys.executable, "-m", "robocloud_desktop", "emulator", "--run-duration", "0", *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        # Read on a thread, so a command that never prints the line fails the test instead of hanging it.
        arriving: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=lambda: [arriving.put(line) for line in proc.stdout], daemon=True)
        reader.start()
        try:
            lines: list[str] = []
            while not (lines and "trigger --api v1" in lines[-1]):
                try:
                    lines.append(arriving.get(timeout=20).rstrip("\n"))
                except queue.Empty:
                    pytest.fail("the emulator command did not print its v1 example:\n" + "\n".join(lines))
            printed = {"text": "\n".join(lines)}
            section = ""
            for line in lines:
                if not line.startswith(" "):
                    section = line
                    continue
                label, _, value = line.strip().partition(":")
                if section.startswith("Control Room API v1") and label in ("base URL", "API key", "read-only key"):
                    printed[label] = value.split()[0]
            yield printed
        finally:
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=10) == 0
            reader.join(timeout=10)  # the pipe ends with the process; done before Popen closes it


def test_the_command_prints_the_v1_url_and_keys_that_work():
    with running_emulator() as printed, requests.Session() as http:
        text, base = printed["text"], printed["base URL"]
        assert base.startswith("http://127.0.0.1:") and base.endswith("/api/v1")
        workspace = re.search(r"workspace id: (\S+)", text)[1]
        full = {"Authorization": f"RC-WSKEY {printed['API key']}"}
        processes = http.get(f"{base}/workspaces/{workspace}/processes", headers=full, timeout=10).json()["data"]
        assert len(processes) == 2
        for process in processes:
            assert f"{process['id']}  {process['name']}" in text
        first = processes[0]["id"]
        assert f"export ROBOCLOUD_API_KEY='{printed['API key']}'" in text
        assert f"robocloud-desktop trigger --api v1 --base-url {base} --workspace {workspace} --process {first}" in text
        runs = f"{base}/workspaces/{workspace}/process-runs"
        assert http.post(f"{base}/workspaces/{workspace}/processes/{first}/process-runs", headers=full,
                         timeout=10).json()["started"] is True
        read_only = {"Authorization": f"RC-WSKEY {printed['read-only key']}"}
        assert len(http.get(runs, headers=read_only, timeout=10).json()["data"]) == 1
        refused = http.post(f"{base}/workspaces/{workspace}/processes/{first}/process-runs", headers=read_only,
                            timeout=10)
        assert refused.status_code == 403 and "Processes.trigger_processes" in refused.text
        assert "schedule" not in text  # off unless asked for


def test_schedule_starts_runs_of_the_first_process_by_itself():
    with running_emulator("--schedule", "0.05") as printed, requests.Session() as http:
        assert "every 0.05 s" in printed["text"]
        workspace = re.search(r"workspace id: (\S+)", printed["text"])[1]
        url = f"{printed['base URL']}/workspaces/{workspace}/process-runs"
        headers = {"Authorization": f"RC-WSKEY {printed['API key']}"}
        found: list[dict] = []

        def started() -> bool:
            found[:] = http.get(url, headers=headers, timeout=10).json()["data"]
            return len(found) >= 2

        wait_for(started)
        assert {run["started_by"]["type"] for run in found} == {"schedule"}


def test_processes_gives_the_workspace_that_many_each_printed():
    with running_emulator("--processes", "5") as printed, requests.Session() as http:
        workspace = re.search(r"workspace id: (\S+)", printed["text"])[1]
        url = f"{printed['base URL']}/workspaces/{workspace}/processes"
        listed = http.get(url, headers={"Authorization": f"RC-WSKEY {printed['API key']}"}, timeout=10).json()["data"]
        assert len(listed) == 5
        assert all(f"process:      {p['id']}  {p['name']}" in printed["text"] for p in listed)


@pytest.mark.parametrize("count", ["0", "101", "two"])
def test_processes_is_refused_out_of_range(count):
    done = run_cli("emulator", "--processes", count)
    assert done.returncode == 2 and "from 1 to 100" in done.stderr and "Traceback" not in done.stderr


def test_schedule_is_refused_out_of_range():
    done = run_cli("emulator", "--schedule", "-1")
    assert done.returncode == 2 and "from 0 to 86400" in done.stderr and "Traceback" not in done.stderr
