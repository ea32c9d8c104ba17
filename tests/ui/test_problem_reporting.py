"""When something goes wrong in the window: Qt's own messages land in the log file with their level,
an exception nobody caught is logged and shown in a dialog whose Copy details holds the traceback and
the versions with secrets masked, and Help → Copy diagnostics gives what a support person needs and
no secret. Real widgets, a real clipboard, real files; the whole window as a process where raising in
a real slot of the running app is the point."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, qCritical
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QVBoxLayout, QWidget

from robocloud_desktop import __version__
from robocloud_desktop.core.logs import LOG_FILE, AppLog, mask_in_logs, start_logging
from robocloud_desktop.core.paths import AppPaths, private_dir
from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.ui.exception_hook import ExceptionHook
from robocloud_desktop.ui.qt_messages import QtMessages

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_log(tmp_path: Path) -> Iterator[AppLog]:
    started = start_logging()
    started.open_file(tmp_path / "logs", "the test")
    yield started
    started.close()


@pytest.fixture
def hook(qtbot, tmp_path: Path) -> Iterator[ExceptionHook]:
    installed = ExceptionHook(tmp_path / "logs")
    installed.install()
    yield installed
    installed.uninstall()
    if installed.dialog is not None:
        installed.dialog.close()


@pytest.mark.qt_log_ignore("QLayout: Attempting to add", "a critical message from the test")
def test_qt_messages_land_in_the_log_with_their_level(qtbot, app_log: AppLog, tmp_path: Path):
    messages = QtMessages()
    messages.install()
    try:
        widget = QWidget()
        qtbot.addWidget(widget)
        QVBoxLayout(widget)
        QVBoxLayout(widget)  # a second layout: Qt itself warns
        qCritical("a critical message from the test")
    finally:
        messages.uninstall()
    app_log.close()
    text = (tmp_path / "logs" / LOG_FILE).read_text()
    assert 'WARNING qt: QLayout: Attempting to add QLayout "" to QWidget "", which already has a layout' in text
    assert "ERROR qt: a critical message from the test" in text


def raised(error: Exception) -> Exception:
    """`error` with a traceback, as an exception nobody caught arrives at the hook."""
    try:
        raise error
    except Exception as caught:
        return caught


def test_an_uncaught_exception_is_logged_and_shown_and_copy_details_masks_secrets(qtbot, hook: ExceptionHook,
                                                                                  caplog):
    secret = "hook-secret-value-789"
    mask_in_logs(secret)  # as the transport does with every secret it sends
    error = raised(ValueError(f"the answer held {secret}"))
    sys.excepthook(type(error), error, error.__traceback__)  # the hook the window installs

    qtbot.waitUntil(lambda: hook.dialog is not None and hook.dialog.isVisible())
    dialog = hook.dialog
    assert dialog is not None
    assert "ValueError" in dialog.message.text() and "Copy details" in dialog.message.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.text() and dialog.copied.text() == "Copied to the clipboard."
    assert "Traceback (most recent call last)" in copied and "ValueError: the answer held ***" in copied
    assert f"Versions: robocloud-desktop {__version__}; Python " in copied and "platform plugin offscreen" in copied
    assert secret not in copied and secret not in dialog.details.toPlainText()
    assert any(record.getMessage() == "Unexpected error" and record.exc_info for record in caplog.records)

    # A worker thread's exception comes to the same dialog.
    worker = threading.Thread(target=lambda: 1 / 0, name="worker-of-the-test")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: "2 problems so far" in dialog.count.text())
    assert "ZeroDivisionError" in dialog.text() and "Where: the thread worker-of-the-test" in dialog.text()


def test_the_same_error_over_and_over_is_counted_not_logged_again(qtbot, hook: ExceptionHook, caplog):
    def fail() -> None:
        raise RuntimeError("at every frame")

    def fail_in_a_paint() -> None:  # the same place each time, as a paintEvent raising at every frame
        try:
            fail()
        except RuntimeError as error:
            sys.excepthook(type(error), error, error.__traceback__)

    for _ in range(5):
        fail_in_a_paint()
    qtbot.waitUntil(lambda: hook.dialog is not None and "It happened 5 times." in hook.dialog.count.text())
    assert hook.dialog is not None and hook.dialog.text().count("Traceback") == 1
    logged = [record.getMessage() for record in caplog.records if record.name.endswith("exception_hook")]
    assert logged == ["Unexpected error", "The same unexpected error again (2 times so far): RuntimeError",
                      "The same unexpected error again (4 times so far): RuntimeError"]

    # Closed, it stays closed for that error (one at every frame would otherwise keep the window from
    # use); another error opens it again.
    hook.dialog.close()
    qtbot.waitUntil(lambda: hook.dialog is None)
    for _ in range(3):
        fail_in_a_paint()
    other = raised(KeyError("another"))
    sys.excepthook(type(other), other, other.__traceback__)
    qtbot.waitUntil(lambda: hook.dialog is not None and hook.dialog.isVisible())
    assert "(KeyError)" in hook.dialog.message.text() and "RuntimeError" not in hook.dialog.text()
    assert "The same unexpected error again (8 times so far): RuntimeError" in caplog.text


def test_help_copy_diagnostics_gives_what_support_needs_and_no_secret(qtbot, open_window, paths: AppPaths,
                                                                      monkeypatch):
    secret = "diagnostics-secret-value-456"
    ProfileStore(paths.profiles_file).add(Profile("Invoices", "https://api.eu1.robocloud.eu", "ws-1", "proc-1"))
    monkeypatch.setenv("ROBOCLOUD_PROCESS_SECRET_INVOICES", secret)
    # A log written before: one of its lines holds the secret (an older version's, say).
    private_dir(paths.log_dir)
    (paths.log_dir / LOG_FILE).write_text(f"an older line\na line holding {secret}\nthe last line\n")
    window = open_window()

    window.help_menu.aboutToShow.emit()  # as the menu opens: its actions are made then
    assert [action.text() for action in window.help_menu.actions() if not action.isSeparator()] == [
        "Copy &diagnostics", "Open &log folder", "&About"]
    helper = window.help_actions
    assert helper is not None
    with qtbot.waitSignal(helper.copied, timeout=10000):
        helper.copy_diagnostics_action.trigger()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("robocloud-desktop diagnostics, ")
    rows = dict((name.strip(), value.strip()) for name, _, value in
                (line.partition(": ") for line in text.split("\n\n")[1].splitlines()))
    assert rows["robocloud-desktop"] == __version__
    assert rows["Python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert "platform plugin offscreen" in rows["PySide6"] and rows["keyring"] and rows["OS"]
    assert rows["Keyring"] == "no keyring available" and rows["Keyring state"].startswith("none")
    assert rows["Secrets and keys"] == "1 from the environment"
    assert (rows["Config folder"], rows["Data folder"], rows["Log folder"]) == tuple(
        str(folder) for folder in (paths.config_dir, paths.data_dir, paths.log_dir))
    assert rows["Profiles"] == "1 (1 with a process secret, 0 with a workspace API key)"
    assert rows["Runs"] == "0 on the board, 0 in flight"
    assert "Last 3 lines of the log:\nan older line\na line holding ***\nthe last line\n" in text
    assert secret not in text and "Invoices" not in text
    assert "Diagnostics copied" in window.statusBar().currentMessage()


RAISING_WINDOW = """
import json, sys
from PySide6.QtCore import QTimer, qWarning
from PySide6.QtWidgets import QApplication
from robocloud_desktop.ui.app import run_gui
from robocloud_desktop.ui.theme import make_application

app = make_application()
seen = {}

def boom():
    raise RuntimeError("raised in a slot")

def look():
    tops = QApplication.topLevelWidgets()
    window = next((w for w in tops if type(w).__name__ == "MainWindow" and w.isVisible()), None)
    dialog = next((w for w in tops if w.objectName() == "crashDialog" and w.isVisible()), None)
    if window is None or window.run_table.loading:  # up, with its log opened once it was drawn
        return
    if not seen:
        seen["raised"] = True
        qWarning("a warning from the test window")
        QTimer.singleShot(0, boom)  # a real slot of the running app raises
    elif dialog is not None and "details" not in seen:
        seen["details"], seen["message"] = dialog.text(), dialog.message.text()
        seen["window_still_up"] = window.isVisible()
        dialog.close()
        window.close()

poll = QTimer()
poll.timeout.connect(look)
poll.start(20)
QTimer.singleShot(30000, app.quit)
code = run_gui(sys.argv[1], False)
print(json.dumps({"code": code, **seen}))
"""


def test_a_slot_that_raises_in_the_running_window_is_shown_logged_and_the_window_goes_on(app_home: Path):
    done = subprocess.run([sys.executable, "-c", RAISING_WINDOW, str(app_home)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["code"] == 0 and seen["window_still_up"]
    assert "(RuntimeError)" in seen["message"]
    assert "in boom\nRuntimeError: raised in a slot" in seen["details"]
    assert "Traceback" not in done.stderr  # shown and logged, not dumped on a terminal
    text = (app_home / "logs" / LOG_FILE).read_text()
    assert "Started the window, pid " in text and "platform plugin offscreen" in text
    assert "ERROR robocloud_desktop.ui.exception_hook: Unexpected error" in text
    assert "RuntimeError: raised in a slot" in text
    assert "WARNING qt: a warning from the test window" in text
