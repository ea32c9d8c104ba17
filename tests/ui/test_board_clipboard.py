"""What Ctrl+C on the board puts on the clipboard: Control Room's run ids, never the app's own
placeholder for a trigger whose answer was lost (no Control Room page or command knows it)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from robocloud_desktop.emulator import Fault
from tests.ui.test_main_window import select_runs
from tests.ui.test_window_history import profile, trigger  # noqa: F401 (a fixture)
from tests.ui.test_window_keyboard import focus


def test_ctrl_c_copies_the_ids_of_runs_but_not_the_placeholder_of_an_unknown_outcome(
        qtbot, profile, open_window, emulator):  # noqa: F811
    window = open_window()
    emulator.inject(Fault("drop_after_create", method="POST"))
    trigger(qtbot, window, profile)
    qtbot.waitUntil(lambda: window.run_model.rowCount() == 1, timeout=15000)
    [unsure] = window.run_model.records()
    assert unsure.outcome_unknown
    clipboard = QApplication.clipboard()
    clipboard.setText("what the user copied before")
    focus(qtbot, window.run_table)
    qtbot.keyClick(window.run_table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == "what the user copied before"

    window.trigger()  # asks first, as the last trigger's outcome is unknown
    qtbot.waitUntil(lambda: window.send_again_dialog is not None and window.send_again_dialog.isVisible())
    window.send_again_dialog.findChild(QPushButton, "confirmSendAgain").click()
    qtbot.waitUntil(lambda: window.run_model.rowCount() == 2, timeout=10000)
    run_id = window.trigger_message.text().removeprefix("Run started: ")
    select_runs(window, [run_id, unsure.run_id])
    window.activateWindow()  # as a click on it would, once the dialog has gone
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    focus(qtbot, window.run_table)
    qtbot.keyClick(window.run_table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == run_id
