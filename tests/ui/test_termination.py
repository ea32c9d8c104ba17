"""Asked to end by the system (a logout, a shutdown, `kill`, Ctrl+C), the window closes as if the user
had closed it: its layout is kept, and its lock and socket are let go for the next start."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from robocloud_desktop.core.paths import app_paths
from robocloud_desktop.core.process_lock import ProcessLock
from robocloud_desktop.ui.single_instance import LOCK_NAME, WindowLock, ask_to_come_forward

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_the_window_closes_as_usual_when_asked_to_end(qtbot, app_home: Path, signum: signal.Signals) -> None:
    paths = app_paths(app_home)
    window = subprocess.Popen([sys.executable, "-m", "robocloud_desktop", "--config-dir", str(app_home)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        server = WindowLock(paths).server_name
        # It answers once drawn, and by then it also listens for the system's request to end.
        assert ask_to_come_forward(server, within_s=30), window.stderr.read() if window.poll() is not None else ""

        window.send_signal(signum)
        _, err = window.communicate(timeout=30)
    finally:
        if window.poll() is None:
            window.kill()
            window.wait()

    assert window.returncode == 0, err
    assert "Traceback" not in err
    assert QSettings(str(paths.config_dir / "window.ini"), QSettings.Format.IniFormat).value("geometry") is not None
    lock = ProcessLock(paths.data_dir / LOCK_NAME)
    assert lock.acquire()  # let go
    lock.release()
    assert not ask_to_come_forward(server, within_s=0)  # nobody listens any more
    assert not (Path(tempfile.gettempdir()) / server).exists()  # and its socket file is gone
