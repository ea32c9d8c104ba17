"""What the window's tests share: a config folder, and windows opened on it with quick polling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from robocloud_desktop.core.monitor import PollPlan
from robocloud_desktop.core.paths import AppPaths, app_paths
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.ui.app import create_window
from robocloud_desktop.ui.main_window import MainWindow

FAST = PollPlan(first_delay=0.1, intervals=((0, 0.3),), unknown_interval=1, pending_interval=1, error_backoff=0.1,
                discover_interval=0.3)


@pytest.fixture
def paths(app_home: Path) -> AppPaths:
    return app_paths(app_home)


@pytest.fixture
def open_window(qtbot, paths) -> Iterator[Callable[[], MainWindow]]:
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        window = create_window(paths, SecretStore(), plan=FAST)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.started):  # drawn, and all made: menus, board actions, details
            window.show()
        window.activateWindow()  # Ctrl+Enter is a window shortcut: it needs the active window
        qtbot.waitUntil(window.isActiveWindow)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.shutdown()
