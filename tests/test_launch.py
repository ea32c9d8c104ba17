"""The command pauses Python's garbage collector while it loads, and must always turn it back on:
a window or a `watch` left without it would grow for as long as it runs."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest

from robocloud_desktop import launch
from robocloud_desktop.cli import build_parser
from robocloud_desktop.core.paths import app_paths
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.demo import MemoryKeyring


@pytest.fixture
def collector_restored():
    yield
    gc.unfreeze()
    gc.enable()


def test_a_command_runs_with_the_collector_on(collector_restored, monkeypatch, tmp_path: Path, capsys) -> None:
    from robocloud_desktop.cli import history_commands

    seen: list[bool] = []
    real = history_commands.runs_command

    def runs_command(ctx):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real(ctx)

    # Wrapped only to look at the collector while the command works; the command itself runs as is.
    # The parser, built once per process, takes its handlers when built: it is built again with the
    # wrapper, and again without it afterwards.
    monkeypatch.setattr(history_commands, "runs_command", runs_command)
    build_parser.cache_clear()
    try:
        monkeypatch.setattr(sys, "argv", ["robocloud-desktop", "runs", "--config-dir", str(tmp_path)])
        assert launch.main() == 0
    finally:
        build_parser.cache_clear()
    assert seen == [True]


def test_the_window_turns_the_collector_on_once_drawn(collector_restored, qtbot, tmp_path: Path) -> None:
    from robocloud_desktop.ui.app import create_window

    gc.disable()  # as launch.main() leaves it
    memory = MemoryKeyring()
    window = create_window(app_paths(tmp_path), SecretStore(backend=lambda: memory, environ={}))
    qtbot.addWidget(window)
    assert not gc.isenabled()
    window.show()
    qtbot.waitUntil(gc.isenabled)
    window.close()
    window.shutdown()


def test_a_window_never_drawn_still_turns_the_collector_on(collector_restored, monkeypatch, qtbot,
                                                           tmp_path: Path) -> None:
    """Started hidden or minimised, the window may never paint: the collector comes back all the same."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from robocloud_desktop.ui import app
    from robocloud_desktop.ui.main_window import MainWindow

    seen: list[bool] = []
    monkeypatch.setattr(app, "COLLECTOR_BACK_ON_WITHIN_MS", 50)
    monkeypatch.setattr(MainWindow, "show", lambda self: None)  # as a window that never paints

    def look_then_quit() -> None:
        seen.append(gc.isenabled())
        QApplication.quit()

    QTimer.singleShot(500, look_then_quit)
    gc.disable()  # as launch.main() leaves it
    assert app.run_gui(str(tmp_path), demo=False) == 0
    assert seen == [True]
