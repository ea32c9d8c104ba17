"""Modules depend one way: the command (launch) on the command line, the command line on the window,
never back, so that a change to how the app starts cannot break the window's imports."""

from __future__ import annotations

import subprocess
import sys


def modules_loaded_by(module: str) -> set[str]:
    # A fresh interpreter: this one has loaded everything the other tests use.
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_the_window_loads_neither_the_command_nor_the_command_line() -> None:
    loaded = modules_loaded_by("robocloud_desktop.ui.main_window")
    assert "robocloud_desktop.ui.main_window" in loaded
    assert not {"robocloud_desktop.launch", "robocloud_desktop.cli"} & loaded


def test_the_command_line_does_not_load_the_command() -> None:
    loaded = modules_loaded_by("robocloud_desktop.cli")
    assert "robocloud_desktop.launch" not in loaded
