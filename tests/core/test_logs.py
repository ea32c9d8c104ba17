"""The log file a user sends when something went wrong: what it holds (the versions, each request's
method, host, route and status), what it never holds (a secret, a key, an id, a query string), how
it is rotated, and that the window and commands can write it at once. Real files, real HTTP to the
emulator."""

from __future__ import annotations

import io
import logging
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from robocloud_desktop import __version__
from robocloud_desktop.core.api import ProcessApiClient
from robocloud_desktop.core.errors import ProcessApiError
from robocloud_desktop.core.logs import LOG_FILE, AppLog, mask_in_logs, masked, start_logging, tail
from robocloud_desktop.core.retry import NO_RETRY
from robocloud_desktop.core.target import API_V1, Target
from robocloud_desktop.emulator import EmulatedProcess, Emulator, Fault

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_log() -> Iterator[AppLog]:
    started = start_logging()
    yield started
    started.close()


def lines_of(log_dir: Path) -> list[str]:
    return (log_dir / LOG_FILE).read_text(encoding="utf-8").splitlines()


def test_the_file_starts_with_the_versions_and_holds_each_request_but_no_secret_or_id(
        app_log, emulator: Emulator, process: EmulatedProcess, tmp_path: Path):
    log_dir = tmp_path / "logs"
    assert app_log.open_file(log_dir, "the test") == log_dir / LOG_FILE
    in_header = Target(emulator.base_url, process.workspace_id, process.process_id)
    in_query = Target(emulator.base_url, process.workspace_id, process.process_id, secret_in_query=True)
    v1 = Target(emulator.v1_base_url, process.workspace_id, process.process_id, api=API_V1)
    with ProcessApiClient(retry=NO_RETRY) as client:
        run = client.trigger(in_header, process.secret, {"invoice": "payload-content-42"})
        client.get_run(in_query, process.secret, run.run_id)
        client.v1.trigger(v1, emulator.default_key, {"n": 1})
    app_log.close()

    lines = lines_of(log_dir)
    port = emulator.base_url.rsplit(":", 1)[1]
    assert f"Started the test, pid {os.getpid()}: robocloud-desktop {__version__}; Python " in lines[0]
    assert all(f"; {part} " in lines[0] for part in ("PySide6", "keyring", "requests", "OS"))
    assert any(f"INFO robocloud_desktop.core.transport: POST 127.0.0.1:{port} "
               "/workspace-v1/workspaces/*/processes/*/runs -> 200 in " in line for line in lines)
    assert any(f"GET 127.0.0.1:{port} /workspace-v1/workspaces/*/processes/*/runs/* -> 200 in " in line
               for line in lines)
    assert any(f"POST 127.0.0.1:{port} /api/v1/workspaces/*/processes/*/process-runs -> 200" in line for line in lines)
    text = "\n".join(lines)
    for private in (process.secret, emulator.default_key, process.workspace_id, process.process_id, run.run_id,
                    "payload-content-42", "robocloud-process-secret"):
        assert private not in text
    # Readable by the user only, in a folder of the user's only.
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((log_dir / LOG_FILE).stat().st_mode) == 0o600


def test_an_error_answer_has_its_status_and_a_lost_connection_is_a_warning(
        app_log, emulator: Emulator, target: Target, process: EmulatedProcess, tmp_path: Path):
    app_log.open_file(tmp_path, "the test")
    emulator.inject(Fault("status", status=503, method="GET"))
    emulator.inject(Fault("drop", method="GET"))
    with ProcessApiClient(retry=NO_RETRY) as client:
        for _ in range(2):
            with pytest.raises(ProcessApiError):
                client.get_run(target, process.secret, "some-run")
    app_log.close()
    port = emulator.base_url.rsplit(":", 1)[1]
    lines = lines_of(tmp_path)
    assert any(f"INFO robocloud_desktop.core.transport: GET 127.0.0.1:{port} "
               "/workspace-v1/workspaces/*/processes/*/runs/* -> 503 in " in line for line in lines)
    assert any(f"WARNING robocloud_desktop.core.transport: GET 127.0.0.1:{port} "
               "/workspace-v1/workspaces/*/processes/*/runs/* failed after " in line and "ms: CannotConnect" in line
               for line in lines)


def test_a_secret_in_a_message_or_a_traceback_and_every_url_query_are_masked(app_log, tmp_path: Path):
    app_log.open_file(tmp_path, "the test")
    secret = "s3cr3t/with+odd=chars"
    mask_in_logs(secret)
    log = logging.getLogger("robocloud_desktop.test")
    log.warning("a message that should never hold %s", secret)
    try:
        raise ValueError(f"an error holding {secret}")
    except ValueError:
        log.exception("it failed")
    log.warning("a link https://storage.example/a/log.html?X-Expires=1&X-Signature=abcdef and a secret in a "
                "URL https://h/runs?robocloud-process-secret=plain-secret-value")
    app_log.close()
    text = (tmp_path / LOG_FILE).read_text()
    assert secret not in text and "s3cr3t%2Fwith%2Bodd%3Dchars" not in text
    assert "an error holding ***" in text and "Traceback" in text
    assert "X-Signature" not in text and "abcdef" not in text and "plain-secret-value" not in text
    assert "https://storage.example/a/log.html?***" in text


def test_records_made_before_the_file_opens_come_after_the_start_line(app_log, tmp_path: Path):
    # The window opens its file once it is drawn; what was logged before is not lost.
    logging.getLogger("robocloud_desktop.test").warning("before the file")
    app_log.open_file(tmp_path, "the test")
    logging.getLogger("robocloud_desktop.test").warning("after it")
    app_log.close()
    lines = lines_of(tmp_path)
    assert "Started the test" in lines[0]
    assert "before the file" in lines[1] and "after it" in lines[2]


def test_with_verbose_the_start_line_with_the_versions_is_on_stderr_too(app_log, tmp_path: Path):
    # What a support person asks for first (`robocloud-desktop -v`) says which versions were running.
    stream = io.StringIO()
    app_log.to_stream(stream)
    logging.getLogger("robocloud_desktop.test").info("before the file")
    app_log.open_file(tmp_path, "the test")
    logging.getLogger("robocloud_desktop.test").info("after it")
    shown = stream.getvalue().splitlines()
    assert "before the file" in shown[0]
    assert f"Started the test, pid {os.getpid()}: robocloud-desktop {__version__}" in shown[1]
    assert "after it" in shown[2]
    # The file has it all too: what came before it had a stream to go to is not lost to it.
    kept = lines_of(tmp_path)
    assert "Started the test" in kept[0] and "before the file" in kept[1] and "after it" in kept[2]


def test_other_libraries_debug_lines_stay_out_and_their_warnings_come_in(app_log, tmp_path: Path):
    app_log.open_file(tmp_path, "the test")
    other = logging.getLogger("urllib3.connectionpool")
    other.setLevel(logging.DEBUG)
    try:
        other.debug('"GET /workspace-v1/workspaces/ws-private/runs HTTP/1.1" 200 12')
        other.warning("Connection pool is full, discarding connection: example.com")
    finally:
        other.setLevel(logging.NOTSET)
    app_log.close()
    text = (tmp_path / LOG_FILE).read_text()
    assert "ws-private" not in text and "Connection pool is full" in text


def test_the_file_is_rotated_at_its_size_keeping_a_few_private_backups(app_log, tmp_path: Path):
    app_log.open_file(tmp_path, "the test", max_bytes=4000, backups=2)
    log = logging.getLogger("robocloud_desktop.test")
    for number in range(300):
        log.info("line %03d %s", number, "x" * 60)
    app_log.close()
    files = sorted(path.name for path in tmp_path.iterdir())
    assert files == [LOG_FILE, f"{LOG_FILE}.1", f"{LOG_FILE}.2", f"{LOG_FILE}.lock"]  # the lock: empty, 0600
    for name in files:
        assert (tmp_path / name).stat().st_size <= 4000
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert "line 299" in lines_of(tmp_path)[-1]  # the newest lines are in the file itself
    assert "line 000" not in "\n".join(tail(tmp_path / LOG_FILE, 1000))


WRITER = textwrap.dedent("""
    import logging, sys
    from pathlib import Path
    from robocloud_desktop.core.logs import start_logging

    app_log = start_logging()
    app_log.open_file(Path(sys.argv[1]), "writer " + sys.argv[2], max_bytes=6000, backups=100)
    log = logging.getLogger("robocloud_desktop.writer")
    for number in range(400):
        log.info("writer %s line %03d %s", sys.argv[2], number, "y" * 40)
    app_log.close()
""")


def test_two_processes_writing_at_once_lose_no_line_across_rotations(tmp_path: Path):
    # The window and a command (or two commands) write the same file, each rotating it when full.
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), name], cwd=ROOT) for name in "ab"]
    for writer in writers:
        assert writer.wait(timeout=60) == 0
    logs = [path for path in tmp_path.iterdir() if path.suffix != ".lock"]
    lines = [line for path in logs for line in path.read_text().splitlines()]
    for name in "ab":
        numbers = sorted(int(line.split(f"writer {name} line ")[1][:3]) for line in lines
                         if f"writer {name} line " in line)
        assert numbers == list(range(400))
    assert len(logs) > 3  # it was rotated, several times
    assert all(path.stat().st_size < 6000 * 1.2 for path in logs)


def test_a_log_folder_that_cannot_be_made_leaves_the_app_without_a_file(app_log, tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert app_log.open_file(blocker / "logs", "the test") is None
    assert "cannot be written" in app_log.file_problem
    logging.getLogger("robocloud_desktop.test").warning("goes nowhere, and raises nothing")


def test_tail_gives_the_last_lines_masked(tmp_path: Path):
    secret = "tail-secret-value-123"
    mask_in_logs(secret)
    path = tmp_path / "some.log"
    path.write_text("".join(f"line {n} {secret if n == 98 else ''}\n" for n in range(100)))
    last = tail(path, 3)
    assert last == ["line 97 ", "line 98 ***", "line 99 "]
    assert tail(tmp_path / "missing.log", 3) == []


def test_many_secrets_are_masked_in_one_pass_in_the_forms_a_server_echoes_them():
    # More secrets than a cache of one pattern each would hold: a user with many profiles.
    secrets = [f"key {number}/+&{number}" for number in range(40)]
    for secret in secrets:
        mask_in_logs(secret)
    echoed = [quote(secret, safe="") if number % 2 else secret.replace("&", "&amp;")
              for number, secret in enumerate(secrets)]
    assert masked(" | ".join(echoed)) == " | ".join(["***"] * 40)
