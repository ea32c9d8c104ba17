"""Start the window: `robocloud-desktop` (your profiles) or `robocloud-desktop --demo` (the emulator)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from robocloud_desktop.core.paths import AppPaths, app_paths
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.ui.look import icon
from robocloud_desktop.ui.main_window import MainWindow
from robocloud_desktop.ui.services import Services
from robocloud_desktop.ui.theme import follow_os_theme, make_application

if TYPE_CHECKING:
    from robocloud_desktop.core.monitor import PollPlan


def window_settings(paths: AppPaths) -> QSettings:
    """Window geometry and choices live beside the profiles, so --config-dir moves them too."""
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    return QSettings(str(paths.config_dir / "window.ini"), QSettings.Format.IniFormat)


def create_window(paths: AppPaths, secrets: SecretStore | None = None, *, demo: bool = False,
                  plan: PollPlan | None = None) -> MainWindow:
    settings = window_settings(paths)
    keep = settings.value("keepPayloads", True, type=bool)
    services = Services.create(paths, secrets, keep_payloads=bool(keep), demo=demo, plan=plan)
    return MainWindow(services, settings)


def _no_display() -> bool:
    """On Linux without X11 or Wayland, Qt would abort with a core dump; say what to do instead."""
    return (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"))


def run_gui(config_dir: str | None, demo: bool) -> int:
    if _no_display():
        print("robocloud-desktop: no display to open the window on. Run it in a desktop session, or use "
              "the command line (robocloud-desktop --help).", file=sys.stderr)
        return 2
    app = QApplication.instance() or make_application()
    assert isinstance(app, QApplication)
    app.setApplicationName("robocloud-desktop")
    app.setDesktopFileName("robocloud-desktop")
    app.setWindowIcon(icon("app"))
    follow_os_theme(app)
    demo_env = None
    if demo:
        from robocloud_desktop.demo import start_demo

        demo_env = start_demo()
        window = create_window(demo_env.paths, demo_env.secrets, demo=True)
    else:
        window = create_window(app_paths(Path(config_dir) if config_dir else None))
    window.show()
    try:
        return app.exec()
    finally:
        window.shutdown()
        if demo_env is not None:
            demo_env.close()
