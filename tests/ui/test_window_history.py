"""The window when the run history cannot be written, and when Control Room forgets a run: real widgets,
real HTTP to the emulator, real SQLite files held by real locks."""

from __future__ import annotations

import sqlite3
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QScrollArea

from robocloud_desktop.core.api_results import TriggeredRun
from robocloud_desktop.core.history import RunHistory
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.core.records import LOCAL_RUN_PREFIX, OUTCOME_UNKNOWN_LABEL
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.emulator import Fault
from robocloud_desktop.ui.main_window import MainWindow
from tests.ui.test_run_details import shown_texts
from tests.ui.test_run_model import run_ids


@pytest.fixture
def profile(paths, emulator, process, secret_service) -> Profile:
    store = ProfileStore(paths.profiles_file, SecretStore())
    return store.add(Profile("Invoices", emulator.base_url, process.workspace_id, process.process_id,
                             payload='{"invoice": 1}'), secret=process.secret)


def trigger(qtbot, window: MainWindow, profile: Profile) -> None:
    assert window.profile_list.select_profile(profile.id)
    qtbot.waitUntil(window.trigger_button.isEnabled, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_a_locked_history_is_left_alone_runs_go_on_and_the_board_fills_once_it_is_free(
        qtbot, profile, open_window, paths, emulator, process):
    earlier = RunHistory(paths.history_db)
    run = TriggeredRun("earlier-run-0001", "wi", process.process_id, process.workspace_id)
    earlier.record_trigger(run, profile.target(), {}, profile_id=profile.id, profile_name=profile.name)
    earlier.close()
    other = sqlite3.connect(paths.history_db, isolation_level=None)  # a database browser, say
    other.execute("PRAGMA journal_mode=DELETE")
    other.execute("BEGIN EXCLUSIVE")
    try:
        window = open_window()
        qtbot.waitUntil(lambda: "locked by another program" in window.banner.text(), timeout=15000)
        assert window.run_model.rowCount() == 0
        trigger(qtbot, window, profile)
        qtbot.waitUntil(lambda: window.run_model.rowCount() == 1, timeout=15000)
        assert "not in the run history" in window.banner.text()
        [started] = run_ids(window.run_model)
        qtbot.waitUntil(lambda: window.run_model.record_for(started).outcome is Outcome.SUCCEEDED, timeout=10000)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not [p for p in paths.history_db.parent.iterdir() if ".unreadable-" in p.name]
    window.history_recovery.try_now()  # what its timer does every half minute
    qtbot.waitUntil(lambda: "can be used again" in window.banner.text(), timeout=15000)
    assert set(run_ids(window.run_model)) == {started, "earlier-run-0001"}
    # The run started meanwhile is saved as it is next looked at; the earlier one is followed again.
    history = RunHistory(paths.history_db)
    qtbot.waitUntil(lambda: history.get("earlier-run-0001") is not None
                    and history.get("earlier-run-0001").last_checked is not None, timeout=15000)
    history.close()


def test_a_run_control_room_no_longer_knows_is_shown_as_such(qtbot, profile, open_window, paths, process):
    history = RunHistory(paths.history_db)
    run = TriggeredRun("deleted-run-0001", "wi", process.process_id, process.workspace_id)
    history.record_trigger(run, profile.target(), {}, profile_id=profile.id, profile_name=profile.name)
    history.close()
    window = open_window()
    qtbot.waitUntil(lambda: (record := window.run_model.record_for("deleted-run-0001")) is not None
                    and record.outcome is Outcome.GONE, timeout=15000)
    window.run_table.selectRow(0)
    shown = shown_texts(window.run_details)
    assert "No longer known to Control Room" in shown and "no longer followed" in shown
    assert window.in_flight_label.text() == "No runs in flight"
    window.state_filter.setCurrentIndex(2)  # Problems
    assert window.run_proxy.rowCount() == 1


def test_the_request_timeout_is_a_setting_that_ends_a_trickling_trigger_and_is_kept(qtbot, profile, open_window,
                                                                                   emulator):
    window = open_window()
    window.request_timeout_action.trigger()
    dialog = window.request_timeout_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.setIntValue(5)
    dialog.accept()
    assert window.services.request_timeout == 5
    emulator.inject(Fault("trickle", seconds=1.0, where="status", method="POST"))
    trigger(qtbot, window, profile)
    qtbot.waitUntil(lambda: "within 5 s" in window.trigger_message.text(), timeout=20000)
    assert "may or may not have started" in window.trigger_message.text()
    assert emulator.count("POST") == 1
    window.close()
    again = open_window()
    assert again.services.request_timeout == 5


def test_a_trigger_whose_answer_was_lost_stays_on_the_board_and_trigger_asks_before_sending_again(
        qtbot, profile, open_window, paths, emulator):
    window = open_window()
    emulator.inject(Fault("drop_after_create", method="POST"))
    trigger(qtbot, window, profile)
    qtbot.waitUntil(lambda: window.run_model.rowCount() == 1, timeout=15000)
    [unsure] = window.run_model.records()
    assert unsure.outcome_unknown and unsure.run_id.startswith(LOCAL_RUN_PREFIX)
    assert "may or may not have started" in window.trigger_message.text()
    assert window.run_details.record == unsure  # selected, so its details say what to do
    shown = shown_texts(window.run_details)
    assert OUTCOME_UNKNOWN_LABEL in shown and '"invoice": 1' in shown and "Look in Control Room" in shown
    assert window.in_flight_label.text() == "No runs in flight"
    # Read in full, however narrow the pane: the details never run past its right edge.
    scroll = window.run_details.findChild(QScrollArea, "runDetailsScroll")
    advice = window.run_details.findChild(QLabel, "runDetailsAdvice")
    qtbot.waitUntil(lambda: scroll.widget().width() <= scroll.viewport().width() and advice.isVisible())
    window.grab().save("/tmp/outcome_unknown.png")

    # Trigger asks first; Cancel sends nothing.
    posts = emulator.count("POST")
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.send_again_dialog is not None and window.send_again_dialog.isVisible())
    assert "it may have started a run. Send again?" in window.send_again_dialog.text()
    window.send_again_dialog.reject()
    qtbot.waitUntil(lambda: window.send_again_dialog is None)
    assert emulator.count("POST") == posts
    # "Send again" sends, and the run is followed as any other; the next trigger does not ask.
    window.trigger()
    qtbot.waitUntil(lambda: window.send_again_dialog is not None)
    window.send_again_dialog.findChild(QPushButton, "confirmSendAgain").click()
    qtbot.waitUntil(lambda: window.run_model.rowCount() == 2, timeout=15000)
    assert emulator.count("POST") == posts + 1
    window.close()
    window.shutdown()

    # After a restart it is still there, is never asked about, and once removed Trigger no longer asks.
    again = open_window()
    qtbot.waitUntil(lambda: again.run_model.record_for(unsure.run_id) is not None, timeout=15000)
    time.sleep(0.5)
    assert not [r for r in emulator.requests if unsure.run_id in r.path]
    assert again.services.monitor.tracked <= 1
    again.trigger()
    qtbot.waitUntil(lambda: again.send_again_dialog is not None)
    again.send_again_dialog.reject()
    qtbot.waitUntil(lambda: again.send_again_dialog is None)
    again.board_actions._remove([again.run_model.record_for(unsure.run_id)])
    posts = emulator.count("POST")
    again.trigger()
    qtbot.waitUntil(lambda: emulator.count("POST") == posts + 1, timeout=15000)
    assert again.send_again_dialog is None
    history = RunHistory(paths.history_db)
    qtbot.waitUntil(lambda: history.get(unsure.run_id) is None, timeout=5000)
    history.close()
