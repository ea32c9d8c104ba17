"""`robocloud-desktop emulator` refuses what it cannot do in a sentence: flags out of range, a port in use."""

from __future__ import annotations

import socket

import pytest

from tests.cli.test_cli import run_cli


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
