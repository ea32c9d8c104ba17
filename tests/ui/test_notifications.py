"""Notifications when runs end: one per run, and one summary for runs ending together; through the
desktop's notification service, or in the window when the desktop has none."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFrame, QToolButton, QWidget

from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.paths import AppPaths, app_paths
from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.demo import MemoryKeyring
from robocloud_desktop.emulator import EmulatedProcess, Emulator
from robocloud_desktop.ui.app import create_window
from robocloud_desktop.ui.main_window import MainWindow
from robocloud_desktop.ui.notifications import Notifier
from tests.support.notification_service import PrivateNotificationService
from tests.ui.conftest import FAST
from tests.ui.test_main_window import row_outcome, set_payload, trigger_and_get_run
from tests.ui.test_run_model import make_record

QUIET_MS = 300  # the app waits 5 s; the behaviour is the same, sooner
NOTICE_MS = 300  # the app's notice stays 10 s in sight


@pytest.fixture
def window_widget(qtbot) -> QWidget:
    window = QWidget()
    window.resize(640, 400)
    qtbot.addWidget(window)
    return window


@pytest.fixture
def notifier(window_widget: QWidget) -> Notifier:
    return Notifier(window_widget, window_widget, quiet_ms=QUIET_MS, notice_ms=NOTICE_MS)


def notice_of(window: QWidget) -> QFrame | None:
    """The notice in the window, if one has been made."""
    return window.findChild(QFrame, "runNotice")


def listen(notifier: Notifier) -> list[tuple[str, str]]:
    told: list[tuple[str, str]] = []
    notifier.notified.connect(lambda title, message: told.append((title, message)))
    return told


def test_a_run_that_ends_alone_is_told_at_once(notifier: Notifier) -> None:
    told = listen(notifier)
    notifier.run_ended(make_record(1, "COMPL", "ERR", "WORKER_CRASH"))
    assert told == [("Profile 1: Failed", "Run run-00001 · error code WORKER_CRASH")]


def test_runs_ending_together_make_one_summary_after_the_first(qtbot, notifier: Notifier) -> None:
    told = listen(notifier)
    notifier.run_ended(make_record(1, "COMPL", "OK"))
    for record in (make_record(2, "COMPL", "OK"), make_record(3, "COMPL", "ERR"), make_record(4, "PENDING"),
                   make_record(5, "COMPL", "OK"), make_record(6, "COMPL", "OK")):
        notifier.run_ended(record)
    assert len(told) == 1  # the rest wait for the batch to settle
    qtbot.waitUntil(lambda: len(told) == 2, timeout=QUIET_MS * 10)
    title, message = told[1]
    assert title == "5 more runs ended"
    assert message == "3 Completed · 1 Failed · 1 Needs attention\nProfile 2, Profile 0, Profile 1"


def test_a_single_run_held_back_is_told_on_its_own(qtbot, notifier: Notifier) -> None:
    told = listen(notifier)
    notifier.run_ended(make_record(1, "COMPL", "OK"))
    notifier.run_ended(make_record(2, "PENDING"))
    qtbot.waitUntil(lambda: len(told) == 2, timeout=QUIET_MS * 10)
    assert told[1] == ("Profile 2: Needs attention", "Run run-00002 · work items need attention in Control Room")


def test_nothing_is_told_once_turned_off_not_even_what_was_held(qtbot, notifier: Notifier) -> None:
    told = listen(notifier)
    notifier.run_ended(make_record(1, "COMPL", "OK"))
    notifier.run_ended(make_record(2, "COMPL", "OK"))
    notifier.enabled = False
    notifier.run_ended(make_record(3, "COMPL", "OK"))
    with qtbot.waitSignal(notifier._quiet.timeout, timeout=QUIET_MS * 10):
        pass
    assert len(told) == 1


def test_clicking_a_notification_opens_the_runs_it_was_about(qtbot, notifier: Notifier) -> None:
    opened: list[list[str]] = []
    notifier.runsOpened.connect(opened.append)
    notifier.open_last()  # nothing told yet: nothing to open
    assert opened == []
    notifier.run_ended(make_record(1, "COMPL", "OK"))
    notifier.open_last()  # what a click on the desktop notification calls
    assert opened == [["run-00001"]]
    for n in (4, 2, 3):
        notifier.run_ended(make_record(n, "COMPL", "OK"))
    with qtbot.waitSignal(notifier.notified, timeout=QUIET_MS * 10):
        pass
    notifier.open_last()
    assert opened[-1] == ["run-00002", "run-00003", "run-00004"]  # the summary's runs, newest first



# --- no notification service: the window tells it ---------------------------------------------------


def test_without_a_service_a_runs_end_is_told_in_the_window_and_goes_by_itself(qtbot, window_widget,
                                                                               notifier: Notifier) -> None:
    assert os.environ["DBUS_SESSION_BUS_ADDRESS"].endswith("/nonexistent/robocloud-desktop-tests")  # no bus
    window_widget.show()
    window_widget.activateWindow()
    qtbot.waitUntil(window_widget.isActiveWindow)
    notifier.run_ended(make_record(1, "COMPL", "ERR", "WORKER_CRASH"))

    qtbot.waitUntil(lambda: notice_of(window_widget) is not None and notice_of(window_widget).isVisible())
    notice = notice_of(window_widget)
    assert notice.title() == "Profile 1: Failed"
    assert notice.message() == "Run run-00001 · error code WORKER_CRASH"
    assert notice.geometry().right() == window_widget.width() - 13  # at the top right, over the content
    assert notice.geometry().top() == 12
    qtbot.waitUntil(lambda: not notice.isVisible(), timeout=NOTICE_MS * 10)  # in sight a while, then gone


def test_the_notice_is_dismissed_with_its_cross_and_a_later_run_brings_it_back(qtbot, window_widget) -> None:
    notifier = Notifier(window_widget, window_widget, quiet_ms=QUIET_MS)  # its notice stays 10 s in sight
    opened: list[list[str]] = []
    notifier.runsOpened.connect(opened.append)
    window_widget.show()
    notifier.run_ended(make_record(1, "COMPL", "OK"))
    qtbot.waitUntil(lambda: notice_of(window_widget) is not None and notice_of(window_widget).isVisible())
    notice = notice_of(window_widget)

    qtbot.mouseClick(notice.findChild(QToolButton, "runNoticeClose"), Qt.MouseButton.LeftButton)
    assert not notice.isVisible() and opened == []  # dismissed, not opened

    notifier.run_ended(make_record(2, "PENDING"))
    qtbot.waitUntil(notice.isVisible, timeout=QUIET_MS * 10)
    assert notice.title() == "Profile 2: Needs attention"
    qtbot.mouseClick(notice, Qt.MouseButton.LeftButton)
    assert opened == [["run-00002"]] and not notice.isVisible()


def test_a_notice_of_a_run_that_ended_while_notifications_were_turned_off_is_not_shown(qtbot, window_widget,
                                                                                       notifier: Notifier) -> None:
    with qtbot.waitSignal(notifier._desktop_service().missed, timeout=5000):
        notifier.run_ended(make_record(1, "COMPL", "OK"))
        notifier.enabled = False  # before the desktop has answered that it has no service
    assert notice_of(window_widget) is None


@pytest.fixture
def memory_paths(app_home: Path) -> AppPaths:
    return app_paths(app_home)


@pytest.fixture
def lone_window(qtbot, memory_paths: AppPaths, emulator: Emulator, process: EmulatedProcess) -> Iterator[MainWindow]:
    """A window with one profile, its secret in memory: no keyring, and no D-Bus session at all."""
    memory = MemoryKeyring()
    secrets = SecretStore(backend=lambda: memory, environ={})
    ProfileStore(memory_paths.profiles_file, secrets).add(
        Profile("Invoices", emulator.base_url, process.workspace_id, process.process_id), secret=process.secret)
    window = create_window(memory_paths, secrets, plan=FAST)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.started):  # drawn, and all made
        window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    yield window
    window.close()
    window.shutdown()


def test_without_a_service_the_window_tells_a_runs_end_and_a_click_shows_the_run(qtbot, lone_window) -> None:
    window = lone_window
    qtbot.waitUntil(lambda: window.profile_list.current_profile() is not None)
    set_payload(qtbot, window, '{"simulate_duration": 0}')
    run_id = trigger_and_get_run(qtbot, window)
    window.editor.editor.setFocus()
    qtbot.waitUntil(lambda: window.editor.editor.hasFocus())

    qtbot.waitUntil(lambda: notice_of(window) is not None and notice_of(window).isVisible(), timeout=10000)
    notice = notice_of(window)
    assert notice.title() == "Invoices: Completed" and notice.message() == f"Run {run_id}"
    assert row_outcome(window, run_id) is Outcome.SUCCEEDED
    # It took neither the focus nor the keyboard: typing goes on in the payload.
    assert QApplication.focusWidget() is window.editor.editor and window.isActiveWindow()
    qtbot.keyClicks(window.editor.editor, "x")
    assert window.editor.editor.toPlainText().endswith("x")

    window.run_table.clearSelection()
    qtbot.mouseClick(notice, Qt.MouseButton.LeftButton)
    assert [r.run_id for r in window.board_actions.selected_records()] == [run_id]
    assert not notice.isVisible()


# --- a real notification service ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def _dunst() -> Iterator[PrivateNotificationService]:
    service = PrivateNotificationService()
    yield service
    service.stop()


@pytest.fixture
def notification_service(_dunst: PrivateNotificationService,
                         monkeypatch: pytest.MonkeyPatch) -> PrivateNotificationService:
    """dunst on a private session bus, which this process uses for the test."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", _dunst.address)
    _dunst.close_all()
    return _dunst


def test_a_runs_end_reaches_the_desktops_service_and_a_click_on_it_opens_the_run(
        qtbot, window_widget, notifier: Notifier, notification_service: PrivateNotificationService) -> None:
    opened: list[list[str]] = []
    notifier.runsOpened.connect(opened.append)
    with qtbot.waitSignal(notifier._desktop_service().shown, timeout=10000):
        notifier.run_ended(make_record(1, "COMPL", "ERR", "WORKER_CRASH"))
    assert notification_service.displayed() == 1
    assert notice_of(window_widget) is None  # the desktop told it: not the window as well

    notification_service.click()
    qtbot.waitUntil(lambda: opened == [["run-00001"]])

    notification_service.close_all()
    told = notification_service.history()[0]
    assert (told["appname"], told["summary"], told["body"]) == (
        "robocloud-desktop", "Profile 1: Failed", "Run run-00001 · error code WORKER_CRASH")
    assert told["icon_path"].endswith("failed.svg")
