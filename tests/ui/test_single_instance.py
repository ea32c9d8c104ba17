"""Opening robocloud-desktop again brings the open window to the front instead of a second window
that would follow the same runs (every request twice, every notification twice)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtNetwork import QLocalServer

from robocloud_desktop.core.paths import AppPaths, app_paths
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.demo import MemoryKeyring
from robocloud_desktop.ui.app import create_window, second_launch
from robocloud_desktop.ui.main_window import MainWindow
from robocloud_desktop.ui.single_instance import LOCK_NAME, Claim, ComeForwardRequests, WindowLock
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def paths(app_home: Path) -> AppPaths:
    return app_paths(app_home)


@pytest.fixture
def window(qtbot, paths: AppPaths) -> Iterator[MainWindow]:
    memory = MemoryKeyring()
    window = create_window(paths, SecretStore(backend=lambda: memory, environ={}))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.started):  # drawn, and all made
        window.show()
    yield window
    window.close()
    window.shutdown()


def test_a_second_launch_brings_the_open_window_forward_as_it_was_left(qtbot, paths, window) -> None:
    first = WindowLock(paths)
    assert first.claim() is Claim.OURS
    requests = ComeForwardRequests(first.server_name, window.bring_up, window)
    assert requests.listening
    window.setWindowState(Qt.WindowState.WindowMaximized | Qt.WindowState.WindowMinimized)

    second = WindowLock(paths)
    assert second.claim() is Claim.TAKEN
    code, message = second_launch(second)

    assert (code, message) == (0, "robocloud-desktop is already open: its window was brought to the front.")
    qtbot.waitUntil(lambda: not window.isMinimized())
    assert window.isVisible() and window.isMaximized()  # not shrunk back to its normal size
    requests.close()
    first.release()


def test_a_window_that_does_not_answer_is_named_with_what_to_do(paths) -> None:
    first = WindowLock(paths)
    assert first.claim() is Claim.OURS  # holds the files, never listens: as a window that hangs

    second = WindowLock(paths)
    assert second.claim() is Claim.TAKEN
    code, message = second_launch(second, within_s=0.3)

    assert code == 1
    assert f"already open for {paths.data_dir} (process {os.getpid()})" in message
    assert "end that process, then open robocloud-desktop again" in message
    first.release()
    assert WindowLock(paths).claim() is Claim.OURS  # closed: the next launch opens


CRASHING_WINDOW = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QCoreApplication
    from robocloud_desktop.core.paths import app_paths
    from robocloud_desktop.ui.single_instance import Claim, ComeForwardRequests, WindowLock

    app = QCoreApplication([])
    lock = WindowLock(app_paths(sys.argv[1]))
    assert lock.claim() is Claim.OURS
    requests = ComeForwardRequests(lock.server_name, lambda: None)
    print("open", requests.listening, flush=True)
    time.sleep(60)
    """
)


def test_the_files_of_a_window_that_crashed_open_again(qtbot, paths, app_home) -> None:
    """A crash leaves the lock file (the system has released its lock) and the window's socket."""
    crashed = subprocess.Popen([sys.executable, "-c", CRASHING_WINDOW, str(app_home)], stdout=subprocess.PIPE,
                               text=True, cwd=ROOT)
    try:
        assert crashed.stdout is not None
        assert crashed.stdout.readline().split() == ["open", "True"]
        assert WindowLock(paths).claim() is Claim.TAKEN
    finally:
        crashed.send_signal(signal.SIGKILL)  # no clean-up: the lock file and its socket stay behind
        crashed.wait()
    assert (paths.data_dir / LOCK_NAME).exists()

    lock = WindowLock(paths)
    assert lock.claim() is Claim.OURS
    requests = ComeForwardRequests(lock.server_name, lambda: None)
    assert requests.listening  # the dead window's socket was cleared first
    requests.close()
    lock.release()


def test_the_window_opens_when_its_lock_cannot_be_written(paths) -> None:
    (paths.data_dir / LOCK_NAME).mkdir(parents=True)  # in the way: no lock file can be made there

    assert WindowLock(paths).claim() is Claim.UNAVAILABLE  # opens, as it did before there was a lock


def test_opening_robocloud_desktop_again_leaves_one_window(app_home: Path, paths) -> None:
    command = [sys.executable, "-m", "robocloud_desktop", "--config-dir", str(app_home)]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: (paths.data_dir / LOCK_NAME).exists() or first.poll() is not None, timeout=30)
        assert first.poll() is None, first.stderr.read() if first.stderr else ""

        second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)

        assert second.returncode == 0, second.stderr
        assert "its window was brought to the front" in second.stdout
        assert first.poll() is None  # the first window stays open
    finally:
        first.terminate()  # ends it at once: nothing of it is left to clean up but its socket
        first.wait()
        QLocalServer.removeServer(WindowLock(paths).server_name)


OTHER_WINDOW_TAKING_THE_LOCK = textwrap.dedent(
    """
    import os, sys
    from PySide6.QtCore import QCoreApplication
    from robocloud_desktop.core.paths import app_paths
    from robocloud_desktop.ui.single_instance import LOCK_NAME, Claim, ComeForwardRequests, WindowLock

    app = QCoreApplication([])
    paths = app_paths(sys.argv[1])
    lock = WindowLock(paths)
    assert lock.claim() is Claim.OURS
    # As a window that took the lock after the other launch had looked at its file: no process named yet.
    os.truncate(paths.data_dir / LOCK_NAME, 0)

    def come_forward():
        print("asked to come forward", flush=True)
        app.quit()

    requests = ComeForwardRequests(lock.server_name, come_forward)
    print("open", requests.listening, flush=True)
    app.exec()
    """
)


def test_of_two_windows_opened_at_once_the_one_without_the_files_gives_way(app_home: Path, paths) -> None:
    """The lock is taken once the window is drawn; the window that finds it taken then hides before it
    has read or written anything, and brings the other forward."""
    other = subprocess.Popen([sys.executable, "-c", OTHER_WINDOW_TAKING_THE_LOCK, str(app_home)],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert other.stdout is not None
        assert other.stdout.readline().split() == ["open", "True"]

        late = subprocess.run([sys.executable, "-m", "robocloud_desktop", "--config-dir", str(app_home)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)

        assert late.returncode == 0, late.stderr
        assert "its window was brought to the front" in late.stdout
        assert other.stdout.readline().strip() == "asked to come forward"
        assert other.wait(timeout=10) == 0
    finally:
        other.kill()
        other.wait()
    window_ini = paths.config_dir / "window.ini"
    assert "geometry" not in (window_ini.read_text() if window_ini.exists() else "")  # it left nothing of itself
    assert not paths.history_db.exists()  # nor opened the history


def test_the_data_folder_the_window_makes_is_private(tmp_path):
    import stat

    from robocloud_desktop.core.paths import app_paths
    from robocloud_desktop.ui.single_instance import Claim, WindowLock

    paths = app_paths(tmp_path / "home")
    lock = WindowLock(paths)
    try:
        assert lock.claim() is Claim.OURS
        assert stat.S_IMODE(paths.data_dir.stat().st_mode) == 0o700
    finally:
        lock.release()
