"""The lock that keeps one window per set of files, and one change of the profile file at a time:
held by one process at a time, freed by the system when its process ends, however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from robocloud_desktop.core.process_lock import ProcessLock

ROOT = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from robocloud_desktop.core.process_lock import ProcessLock

    lock = ProcessLock(Path(sys.argv[1]))
    print("held" if lock.acquire() else "refused", flush=True)
    time.sleep(60)
    """
)


def test_one_process_holds_it_and_a_crash_frees_it(tmp_path: Path) -> None:
    path = tmp_path / "window.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        lock = ProcessLock(path)
        assert lock.acquire() is False
        assert lock.holder_pid() == holder.pid
    finally:
        holder.send_signal(signal.SIGKILL)  # no clean-up of any kind
        holder.wait()

    assert lock.acquire() is True
    assert lock.holder_pid() == os.getpid()
    lock.release()


def test_release_lets_the_next_one_in(tmp_path: Path) -> None:
    first, second = ProcessLock(tmp_path / "window.lock"), ProcessLock(tmp_path / "window.lock")
    assert first.acquire() is True
    assert second.acquire() is False  # a second hold in the same process is refused as well

    first.release()

    assert second.acquire() is True
    assert second.holder_pid() == os.getpid()
    second.release()
    assert second.holder_pid() is None  # nobody is named once it is free


def test_a_file_left_by_a_process_that_ended_does_not_hold_it(tmp_path: Path) -> None:
    path = tmp_path / "window.lock"
    path.write_text("999999\n")  # the process id of a window closed long ago, before a reboot

    lock = ProcessLock(path)
    assert lock.acquire() is True
    assert lock.holder_pid() == os.getpid()
    lock.release()


def test_a_lock_that_cannot_be_made_says_so(tmp_path: Path) -> None:
    (tmp_path / "window.lock").mkdir()  # in the way

    with pytest.raises(OSError):
        ProcessLock(tmp_path / "window.lock").acquire()


def test_a_fifo_in_its_place_still_locks_and_nothing_hangs(tmp_path: Path) -> None:
    path = tmp_path / "window.lock"
    os.mkfifo(path, 0o600)
    first, second = ProcessLock(path), ProcessLock(path)

    assert first.acquire() is True
    assert second.acquire() is False
    assert second.holder_pid() is None  # a FIFO holds no process id
    first.release()
    assert second.acquire() is True
    second.release()
