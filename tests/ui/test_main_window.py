"""The main window driven as a user would: real widgets, real HTTP to the emulator, real keyring."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from robocloud_desktop.core.history import SCHEMA_VERSION, RunHistory
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.monitor import PollPlan
from robocloud_desktop.core.paths import AppPaths, app_paths
from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.emulator import EmulatedProcess, Emulator
from robocloud_desktop.ui.app import create_window
from robocloud_desktop.ui.main_window import MainWindow
from robocloud_desktop.ui.run_model import COL_PROFILE

FAST = PollPlan(first_delay=0.1, intervals=((0, 0.3),), unknown_interval=1, pending_interval=1)


@pytest.fixture
def paths(app_home: Path) -> AppPaths:
    return app_paths(app_home)


@pytest.fixture
def profiles(paths, emulator: Emulator, process: EmulatedProcess, secret_service) -> ProfileStore:
    store = ProfileStore(paths.profiles_file, SecretStore())
    store.add(Profile("Invoices", emulator.base_url, process.workspace_id, process.process_id,
                      payload='{"invoice": 1}'), secret=process.secret)
    other = emulator.add_process()
    store.add(Profile("Payroll", emulator.base_url, other.workspace_id, other.process_id), secret=other.secret)
    return store


@pytest.fixture
def open_window(qtbot, paths) -> Iterator[Callable[[], MainWindow]]:
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        window = create_window(paths, SecretStore(), plan=FAST)
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()  # Ctrl+Enter is a window shortcut: it needs the active window
        qtbot.waitUntil(window.isActiveWindow)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.shutdown()


def select(window: MainWindow, name: str) -> None:
    profile = window.services.profiles.get(name)
    assert window.profile_list.select_profile(profile.id)


def set_payload(qtbot, window: MainWindow, text: str) -> None:
    window.editor.editor.selectAll()
    qtbot.keyClicks(window.editor.editor, text)
    window.editor.validate_now()


def row_outcome(window: MainWindow, run_id: str) -> Outcome | None:
    record = window.run_model.record_for(run_id)
    return record.outcome if record else None


def trigger_and_get_run(qtbot, window: MainWindow) -> str:
    qtbot.waitUntil(window.trigger_button.isEnabled)
    before = window.run_model.rowCount()
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.run_model.rowCount() == before + 1, timeout=10000)
    assert window.trigger_message.text().startswith("Run started: ")
    return window.trigger_message.text().removeprefix("Run started: ")


def test_trigger_follows_the_payloads_validity(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    qtbot.waitUntil(lambda: window.trigger_button.isEnabled())
    set_payload(qtbot, window, '{"invoice": ')
    qtbot.waitUntil(lambda: not window.trigger_button.isEnabled())
    assert "Fix the payload first" in window.trigger_button.toolTip()
    assert "line 1, column" in window.trigger_button.toolTip()
    set_payload(qtbot, window, '["not", "an object"]')
    qtbot.waitUntil(lambda: "JSON object" in window.trigger_button.toolTip())
    assert not window.trigger_button.isEnabled()
    set_payload(qtbot, window, '{"invoice": 2}')
    qtbot.waitUntil(lambda: window.trigger_button.isEnabled())
    assert "Ctrl+Enter" in window.trigger_button.toolTip()


def test_a_run_reaches_completed_and_a_failing_one_failed_with_notifications(qtbot, profiles, open_window,
                                                                              emulator):
    window = open_window()
    select(window, "Invoices")
    set_payload(qtbot, window, '{"invoice": 7, "simulate_duration": 0.6}')
    with qtbot.waitSignal(window.notifier.notified, timeout=15000) as notified:
        run_id = trigger_and_get_run(qtbot, window)
        assert emulator.runs_created == 1
    qtbot.waitUntil(lambda: row_outcome(window, run_id) is Outcome.SUCCEEDED, timeout=10000)
    assert notified.args[0] == "Invoices: Completed"
    assert window.run_details.record is not None and window.run_details.record.run_id == run_id

    set_payload(qtbot, window, '{"simulate": "fail", "simulate_duration": 0.3}')
    with qtbot.waitSignal(window.notifier.notified, timeout=15000) as notified:
        failing = trigger_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: row_outcome(window, failing) is Outcome.FAILED, timeout=10000)
    assert notified.args[0] == "Invoices: Failed" and "EMULATED_FAILURE" in notified.args[1]
    # The payload used is remembered for the profile, newest first.
    saved = window.services.profiles.get("Invoices")
    assert saved.recent_payloads[0] == '{"simulate": "fail", "simulate_duration": 0.3}'


def test_notifications_can_be_turned_off(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    window.notify_action.setChecked(False)
    set_payload(qtbot, window, '{"simulate_duration": 0}')
    got: list[tuple[str, str]] = []
    window.notifier.notified.connect(lambda *args: got.append(args))
    run_id = trigger_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: row_outcome(window, run_id) is Outcome.SUCCEEDED, timeout=10000)
    assert got == []


def test_one_click_one_run_even_when_pressed_twice(qtbot, profiles, open_window, emulator):
    emulator.latency = 0.5  # the first trigger is still on its way when the second press comes
    window = open_window()
    select(window, "Invoices")
    qtbot.waitUntil(lambda: window.trigger_button.isEnabled())
    qtbot.mouseClick(window.trigger_button, Qt.MouseButton.LeftButton)
    assert not window.trigger_button.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.trigger_message.text().startswith("Run started"), timeout=10000)
    assert emulator.count("POST") == 1


def test_errors_are_shown_inline_in_the_cores_words(qtbot, profiles, open_window, emulator, process):
    window = open_window()
    select(window, "Invoices")
    qtbot.waitUntil(lambda: window.trigger_button.isEnabled())
    emulator.add_process(workspace_id=process.workspace_id, process_id=process.process_id,
                         secret="a-regenerated-secret-0000000000")
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "rejected the process secret" in window.trigger_message.text(), timeout=10000)
    assert window.trigger_button.isEnabled()
    assert process.secret not in window.trigger_message.text()


def test_a_restart_resumes_unfinished_runs_and_restores_the_window(qtbot, profiles, open_window, paths):
    window = open_window()
    select(window, "Payroll")
    set_payload(qtbot, window, '{"simulate_duration": 2.5}')
    window.resize(900, 650)  # the offscreen screen is 800x800; the window is at least 900 wide
    window.main_splitter.setSizes([230, 770])
    size, sizes = (window.width(), window.height()), window.main_splitter.sizes()
    window.run_table.horizontalHeader().resizeSection(COL_PROFILE, 150)
    window.run_table.sortByColumn(COL_PROFILE, Qt.SortOrder.DescendingOrder)
    run_id = trigger_and_get_run(qtbot, window)
    select(window, "Invoices")
    trigger_and_get_run(qtbot, window)  # newer, yet below Payroll's run in this order
    select(window, "Payroll")
    window.close()
    window.shutdown()
    assert not RunHistory(paths.history_db).get(run_id).finished

    again = open_window()
    assert again.profile_list.current_profile().name == "Payroll"
    assert (again.width(), again.height()) == size
    assert again.main_splitter.sizes() == sizes
    header = again.run_table.horizontalHeader()
    assert header.sectionSize(COL_PROFILE) == 150
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (COL_PROFILE, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: again.run_model.rowCount() == 2, timeout=5000)
    assert [again.run_proxy.index(row, COL_PROFILE).data() for row in (0, 1)] == ["Payroll", "Invoices"]
    qtbot.waitUntil(lambda: row_outcome(again, run_id) is not None, timeout=5000)
    qtbot.waitUntil(lambda: row_outcome(again, run_id) is Outcome.SUCCEEDED, timeout=15000)
    assert again.in_flight_label.text() == "No runs in flight"


def test_keyring_unavailable_is_a_banner_that_says_how_to_fix_it(qtbot, paths, open_window):
    window = open_window()  # this test's session bus points nowhere: no keyring
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert "No keyring is available" in window.banner.text()
    assert "GNOME Keyring" in window.banner.text()
    assert not window.trigger_button.isEnabled()


def test_main_widgets_have_object_and_accessible_names(qtbot, profiles, open_window):
    window = open_window()
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit, QTableView, QWidget

    for name in ("profileList", "payloadEditor", "triggerButton", "runTable", "runDetails"):
        assert window.findChild(QWidget, name) is not None, name
    controls = [w for kind in (QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit, QTableView)
                for w in window.findChildren(kind) if w.isVisible()]

    def named(widget: QWidget) -> bool:
        # A button's text is its accessible name unless one is set.
        return bool(widget.accessibleName() or (isinstance(widget, QAbstractButton) and widget.text()))

    assert [w.objectName() or type(w).__name__ for w in controls if not named(w)] == []


def test_tab_goes_through_the_window_in_reading_order(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    trigger_and_get_run(qtbot, window)  # a run on the board, so its details and their buttons exist
    window.run_table.selectRow(0)
    qtbot.waitUntil(lambda: window.run_details.record is not None)
    window.profile_list.filter_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.profile_list.filter_edit)
    order = []
    for _ in range(40):
        widget = QApplication.focusWidget()
        order.append(widget.objectName() or type(widget).__name__)
        # The payload editor takes Tab to indent; Ctrl+Tab leaves it.
        control = Qt.KeyboardModifier.ControlModifier if widget is window.editor.editor else Qt.KeyboardModifier.NoModifier
        qtbot.keyClick(widget, Qt.Key.Key_Tab, control)
        if QApplication.focusWidget() is window.profile_list.filter_edit:
            break
    # Left to right, top to bottom: the profiles, the payload and Trigger, the board's filters above
    # its table (Tab leaves the table rather than walk its cells), then the selected run's details.
    assert order == ["profileFilter", "profileList", "addProfile", "importCurl", "editProfile", "duplicateProfile",
                     "deleteProfile", "payloadEditor", "recentPayloads", "formatButton", "triggerButton",
                     "scopeFilter", "stateFilter", "runFilter", "runTable", "runDetailsScroll", "copyRunId",
                     "copyCurl", "runDetails_run_id", "runDetails_work_item_id", "runDetails_workspace_id",
                     "runDetails_process_id", "runDetails_base_url", "runDetailsAnswer", "runDetailsPayload"]


def test_a_run_is_copied_from_the_table_with_ctrl_c_or_its_menu(qtbot, profiles, open_window, process):
    window = open_window()
    select(window, "Invoices")
    run_id = trigger_and_get_run(qtbot, window)
    clipboard = QApplication.clipboard()
    clipboard.setText("something else")
    menu = window.run_table.actions()[:2]
    assert [a.text() for a in menu] == ["Copy run ID", "Copy as curl (secret left out)"]
    assert window.run_table.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    window.run_table.selectRow(0)  # newest first: the run just started
    qtbot.waitUntil(lambda: all(a.isEnabled() for a in menu))
    window.run_table.setFocus()
    # Ctrl+C copies the run's id, whichever of its cells is current (not that cell's text).
    window.run_table.setCurrentIndex(window.run_proxy.index(0, 0))
    qtbot.keyClick(window.run_table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == run_id
    menu[1].trigger()
    command = clipboard.text()
    assert command.startswith("curl ") and run_id in command and "$ROBOCLOUD_PROCESS_SECRET" in command
    assert process.secret not in command


def test_a_runs_payload_comes_back_into_the_editor_from_the_board(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    set_payload(qtbot, window, '{"invoice": 7, "lines": [1, 2]}')
    trigger_and_get_run(qtbot, window)
    select(window, "Payroll")
    window.run_table.selectRow(0)
    reuse = window.reuse_payload_action
    assert reuse in window.run_table.actions()
    qtbot.waitUntil(reuse.isEnabled)
    reuse.trigger()
    assert window.profile_list.current_profile().name == "Invoices"
    assert window.editor.text() == '{"invoice": 7, "lines": [1, 2]}'
    assert window.editor.editor.hasFocus()

    # Without kept payloads there is nothing to bring back, and the menu says why.
    window.keep_payloads_action.setChecked(False)
    set_payload(qtbot, window, '{"invoice": 8}')
    trigger_and_get_run(qtbot, window)
    window.run_table.selectRow(0)
    qtbot.waitUntil(lambda: not reuse.isEnabled())
    assert "not kept" in reuse.text()


def test_the_payload_typed_for_a_profile_is_kept_when_switching_away_and_back(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    set_payload(qtbot, window, '{"edited": true}')
    select(window, "Payroll")
    assert window.editor.text() == "{}"
    select(window, "Invoices")
    assert window.editor.text() == '{"edited": true}'
    qtbot.waitUntil(lambda: window.services.profiles.get("Invoices").payload == '{"edited": true}')
    select(window, "Payroll")
    select(window, "Invoices")  # after the save, from the store itself
    assert window.editor.text() == '{"edited": true}'


def test_a_history_from_a_newer_version_is_a_banner_and_no_run_is_started(qtbot, profiles, open_window, paths,
                                                                          emulator):
    RunHistory(paths.history_db).close()
    with sqlite3.connect(paths.history_db) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    window = open_window()
    qtbot.waitUntil(lambda: "newer version" in window.banner.text(), timeout=5000)
    select(window, "Invoices")
    qtbot.waitUntil(window.trigger_button.isEnabled)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "newer version" in window.trigger_message.text(), timeout=10000)
    assert emulator.count("POST") == 0  # a run the app could not follow is not started
    assert window.run_model.rowCount() == 0


def test_an_unreadable_history_is_kept_aside_and_named_in_a_banner(qtbot, profiles, open_window, paths):
    paths.history_db.parent.mkdir(parents=True, exist_ok=True)
    paths.history_db.write_bytes(b"not a database, " * 100)
    window = open_window()
    qtbot.waitUntil(lambda: "could not be opened" in window.banner.text(), timeout=5000)
    assert "kept as" in window.banner.text()
    kept = [p for p in paths.history_db.parent.iterdir() if p.name != paths.history_db.name
            and p.name.startswith(paths.history_db.name)]
    assert any(p.read_bytes().startswith(b"not a database") for p in kept)
