"""Start the window: `robocloud-desktop` (your profiles) or `robocloud-desktop --demo` (the emulator)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from robocloud_desktop.core.atomic import NotReadable, check_file, keep_aside
from robocloud_desktop.core.paths import AppPaths, app_paths, private_dir, private_file
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.core.timeouts import DEFAULT_REQUEST_TIMEOUT
from robocloud_desktop.resources import APP_ID
from robocloud_desktop.startup import startup_done
from robocloud_desktop.ui.look import icon
from robocloud_desktop.ui.main_window import MAX_REQUEST_TIMEOUT, MIN_REQUEST_TIMEOUT, MainWindow
from robocloud_desktop.ui.reporting import ProblemReporting
from robocloud_desktop.ui.services import Services
from robocloud_desktop.ui.single_instance import (
    ANSWER_WITHIN_S,
    Claim,
    ComeForwardRequests,
    WindowLock,
    ask_to_come_forward,
)
from robocloud_desktop.ui.theme import follow_os_theme, make_application

if TYPE_CHECKING:
    from collections.abc import Callable

    from robocloud_desktop.core.monitor import PollPlan
    from robocloud_desktop.ui.termination import CloseOnTermination


# Qt writes a few KB of window geometry and choices there.
MAX_SETTINGS_BYTES = 1024 * 1024
# The garbage collector comes back on at the window's first frame, or this long after the event loop
# starts if that frame never comes (a window started hidden or minimised, or with nothing to draw on).
COLLECTOR_BACK_ON_WITHIN_MS = 2000
log = logging.getLogger(__name__)


def window_settings(paths: AppPaths) -> QSettings:
    """Window geometry and choices live beside the profiles, so --config-dir moves them too.

    The file is made 0600 before Qt first writes it: Qt writes a new settings file with the
    umask's mode (0644 as a rule) and keeps the mode of one that exists."""
    path = paths.config_dir / "window.ini"
    # A read-only or full folder: the window opens all the same, and its settings are not kept.
    with contextlib.suppress(OSError):
        private_dir(paths.config_dir)
        try:
            # Qt reads the file whole, and would wait forever on a named pipe.
            check_file(path, MAX_SETTINGS_BYTES)
        except NotReadable as problem:
            kept = keep_aside(path)
            log.warning("The window settings could not be read (%s); they were kept as %s.", problem, kept)
        private_file(path)
    return QSettings(str(path), QSettings.Format.IniFormat)


def create_window(paths: AppPaths, secrets: SecretStore | None = None, *, demo: bool = False,
                  plan: PollPlan | None = None, may_start: Callable[[], bool] | None = None) -> MainWindow:
    settings = window_settings(paths)
    keep = settings.value("keepPayloads", True, type=bool)
    services = Services.create(paths, secrets, keep_payloads=bool(keep), demo=demo, plan=plan,
                               request_timeout=_request_timeout(settings))
    return MainWindow(services, settings, may_start=may_start)


def _request_timeout(settings: QSettings) -> float:
    """The saved request timeout, or the default when the file holds anything but a number in range."""
    try:
        saved: Any = settings.value("requestTimeout", DEFAULT_REQUEST_TIMEOUT)  # whatever the file holds
        seconds = float(saved)
    except (TypeError, ValueError):
        return DEFAULT_REQUEST_TIMEOUT
    return seconds if MIN_REQUEST_TIMEOUT <= seconds <= MAX_REQUEST_TIMEOUT else DEFAULT_REQUEST_TIMEOUT


def _no_display() -> bool:
    """On Linux without X11 or Wayland, Qt would abort with a core dump; say what to do instead."""
    return (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"))


def run_gui(config_dir: str | None, demo: bool, *, verbose: bool = False) -> int:
    if _no_display():
        print("robocloud-desktop: no display to open the window on. Run it in a desktop session, or use "
              "the command line (robocloud-desktop --help).", file=sys.stderr)
        return 2
    reporting = ProblemReporting(verbose=verbose)  # the log, Qt's messages, uncaught exceptions
    try:
        return _run_window(config_dir, demo, reporting)
    except Exception:
        log.exception("The window stopped with an error")
        raise
    finally:
        reporting.close()


def _run_window(config_dir: str | None, demo: bool, reporting: ProblemReporting) -> int:
    app = QApplication.instance() or make_application()
    assert isinstance(app, QApplication)
    app.setApplicationName("robocloud-desktop")
    app.setDesktopFileName(APP_ID)
    follow_os_theme(app)
    demo_env = lock = None
    claim: Claim | None = None

    def settle_claim() -> bool:
        """Once the window is drawn, before it reads the history or follows a run: whether it may go on."""
        nonlocal claim, lock
        if lock is None:
            return True
        if claim is None:
            claim = lock.claim()
        if claim is Claim.TAKEN:  # opened at the same moment as another window, which has the files
            window.hide()
            app.exit(_bring_forward_the_open_window(lock))
            return False
        if claim is not Claim.OURS:
            lock = None
        return True

    if demo:  # a demo has its own throw-away files: several can be open
        from robocloud_desktop.demo import start_demo

        demo_env = start_demo()
        reporting.use_log_dir(demo_env.paths.log_dir)
        window = create_window(demo_env.paths, demo_env.secrets, demo=True)
    else:
        paths = app_paths(Path(config_dir) if config_dir else None)
        reporting.use_log_dir(paths.log_dir)
        lock = WindowLock(paths)
        # Taking the lock loads filelock, a tenth of the start: before the window only when a window is
        # most likely open (its file names a process), so that a second launch draws nothing.
        if lock.may_be_taken():
            claim = lock.claim()
            if claim is Claim.TAKEN:
                return _bring_forward_the_open_window(lock)
        window = create_window(paths, may_start=settle_claim)
    # Set up once the window is drawn: they load modules the first frame does not need.
    extras: list[CloseOnTermination | ComeForwardRequests] = []

    def started() -> None:
        from robocloud_desktop.ui.termination import CloseOnTermination

        app.setWindowIcon(icon("app"))  # for the dialogs; the window has taken it already
        extras.append(CloseOnTermination(window.close, window))
        if lock is not None:
            extras.append(ComeForwardRequests(lock.server_name, window.bring_up, window))
        reporting.open_log(window.background, "the window on the demo emulator" if demo else "the window")

    window.started.connect(started)
    # The window is the app: once it has closed, quit. Qt's own quit on the last window closed was
    # seen held off, leaving an app with no window running, when another launch had just talked
    # to it over the local socket.
    app.lastWindowClosed.connect(app.quit)
    window.show()
    QTimer.singleShot(COLLECTOR_BACK_ON_WITHIN_MS, startup_done)
    try:
        return app.exec()
    finally:
        for extra in extras:
            extra.close()
        window.shutdown()
        if demo_env is not None:
            demo_env.close()
        if lock is not None:
            lock.release()


def _bring_forward_the_open_window(lock: WindowLock) -> int:
    code, message = second_launch(lock)
    print(message, file=sys.stdout if code == 0 else sys.stderr)
    if code != 0:  # started from a menu, nobody sees the terminal
        from PySide6.QtWidgets import QMessageBox

        QApplication.setWindowIcon(icon("app"))  # no window of this launch has set it
        QMessageBox.warning(None, "robocloud-desktop", message)
    return code


def second_launch(lock: WindowLock, within_s: float = ANSWER_WITHIN_S) -> tuple[int, str]:
    """A window is already open on these files: bring it to the front instead of opening another.
    Returns the exit code and what to tell the user."""
    if ask_to_come_forward(lock.server_name, within_s):
        return 0, "robocloud-desktop is already open: its window was brought to the front."
    pid = lock.owner_pid()
    owner = f" (process {pid})" if pid else ""
    return 1, (f"robocloud-desktop is already open for {lock.paths.data_dir}{owner}, but it did not answer. "
               "If it no longer responds, end that process, then open robocloud-desktop again.")
