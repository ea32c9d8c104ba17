"""`profile import-curl` reads its paste bounded, as UTF-8, and answers what it cannot read in a
sentence with exit 2: a real command in a subprocess, as users run it."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from robocloud_desktop.core.curl import MAX_COMMAND_LENGTH
from robocloud_desktop.core.secrets import SERVICE
from tests.cli.test_profile_cli import cli, control_room_snippet

# Far more than the command needs, far less than reading an endless stream into memory would take:
# past the cap, a reader that does not stop fails with MemoryError instead of filling the machine.
MEMORY_LIMIT = 1024 * 1024 * 1024


def run_import(home: Path, *args: str, stdin: bytes | int = b"") -> subprocess.CompletedProcess[str]:
    """The command with `stdin` as raw bytes (or an open file descriptor), under MEMORY_LIMIT."""
    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    environ = {k: v for k, v in os.environ.items() if k != "ROBOCLOUD_PROCESS_SECRET"}
    command = [sys.executable, "-m", "robocloud_desktop", "profile", "import-curl", "demo", *args,
               "--config-dir", str(home)]
    if isinstance(stdin, bytes):
        done = subprocess.run(command, input=stdin, capture_output=True, env=environ, timeout=60,
                              preexec_fn=limit_memory)
    else:
        done = subprocess.run(command, stdin=stdin, capture_output=True, env=environ, timeout=60,
                              preexec_fn=limit_memory)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def assert_refused(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"robocloud-desktop: {message}\n"
    assert done.stdout == ""


def test_a_folder_a_missing_file_and_an_empty_paste_get_a_sentence(app_home, tmp_path):
    folder = tmp_path / "commands"
    folder.mkdir()
    assert_refused(run_import(app_home, "--file", str(folder)),
                   f"The curl command file {str(folder)!r} is a folder. Give a file.")
    missing = tmp_path / "nope.txt"
    assert_refused(run_import(app_home, "--file", str(missing)),
                   f"Cannot read the curl command file {str(missing)!r}: No such file or directory.")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    nothing = "Nothing was pasted. Paste the curl command Control Room shows for the process."
    assert_refused(run_import(app_home, "--file", str(empty)), nothing)
    assert_refused(run_import(app_home, stdin=b" \n\t\n"), nothing)
    assert not (app_home / "config" / "profiles.json").exists()


def test_text_that_is_not_utf8_gets_a_sentence(app_home, tmp_path):
    latin1 = "curl -H 'x: café' https://example.com/\n".encode("latin-1")
    offset = latin1.index(b"\xe9")
    path = tmp_path / "command.txt"
    path.write_bytes(latin1)
    assert_refused(run_import(app_home, "--file", str(path)),
                   f"The curl command file {str(path)!r} is not UTF-8 text: byte 0xe9 at offset {offset:,} cannot be "
                   "read. Save it as UTF-8 and try again.")
    assert_refused(run_import(app_home, stdin=latin1),
                   f"The curl command on stdin is not UTF-8 text: byte 0xe9 at offset {offset:,} cannot be read. "
                   "Save it as UTF-8 and try again.")


def test_a_paste_past_the_cap_is_refused_and_never_read_whole(app_home, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"curl " + b"\\" * MAX_COMMAND_LENGTH)
    assert_refused(run_import(app_home, "--file", str(big)),
                   f"The curl command file {str(big)!r} is {MAX_COMMAND_LENGTH + 5:,} bytes; it can be at most 256 KB. "
                   "Check that it is the right file.")
    # Streams that never end: read whole, they would exhaust the memory limit (and, without one, the machine).
    with open("/dev/zero", "rb") as zeros:
        assert_refused(run_import(app_home, stdin=zeros.fileno()),
                       "The curl command on stdin goes on past 256 KB, more than it can be.")
    assert run_import(app_home, "--file", "/dev/zero").stderr.startswith(
        "robocloud-desktop: The curl command file '/dev/zero' goes on past 256 KB.")


def test_a_hostile_paste_under_the_cap_gets_the_core_sentence(app_home, tmp_path):
    path = tmp_path / "backslashes.txt"
    path.write_bytes(b"curl " + b"\\" * 200_000)
    assert_refused(run_import(app_home, "--file", str(path)),
                   "The URL is 100,000 characters long, longer than a Process API runs URL can be. Expected one like "
                   "https://api.eu1.robocloud.eu/workspace-v1/workspaces/<workspace id>/processes/<process id>/runs.")


def test_a_file_saved_by_a_windows_editor_imports(secret_service, emulator, process, app_home, tmp_path):
    path = tmp_path / "command.txt"
    # A byte order mark and CRLF line ends, as Notepad saves UTF-8.
    path.write_bytes(b"\xef\xbb\xbf" + control_room_snippet(emulator, process).replace("\n", "\r\n").encode())
    done = run_import(app_home, "--file", str(path))
    assert done.returncode == 0, done.stderr
    assert "secret stored in the Secret Service" in done.stdout
    [(_, _, stored)] = secret_service.items(SERVICE)
    assert stored == process.secret
    shown = cli(app_home, "profile", "show", "demo")
    assert process.workspace_id in shown.stdout and process.process_id in shown.stdout
