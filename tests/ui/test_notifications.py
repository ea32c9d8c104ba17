"""Desktop notifications when runs end: one per run, and one summary for runs ending together."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget

from robocloud_desktop.ui.notifications import Notifier
from tests.ui.test_run_model import make_record

QUIET_MS = 300  # the app waits 5 s; the behaviour is the same, sooner


@pytest.fixture
def notifier(qtbot) -> Notifier:
    window = QWidget()
    qtbot.addWidget(window)
    return Notifier(window, window, quiet_ms=QUIET_MS)


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

