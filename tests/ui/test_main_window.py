"""The main window driven as a user would: real widgets, real HTTP to the emulator, real keyring."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QApplication

from robocloud_desktop.core.history import SCHEMA_VERSION, RunHistory
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.monitor import PollPlan
from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.demo import MemoryKeyring
from robocloud_desktop.emulator import EmulatedProcess, Emulator
from robocloud_desktop.ui.app import create_window
from robocloud_desktop.ui.board.model import COL_PROFILE
from robocloud_desktop.ui.main_window import MainWindow
from tests.cli.test_cli import run_cli
from tests.ui.test_run_model import run_ids


@pytest.fixture
def profiles(paths, emulator: Emulator, process: EmulatedProcess, secret_service) -> ProfileStore:
    store = ProfileStore(paths.profiles_file, SecretStore())
    store.add(Profile("Invoices", emulator.base_url, process.workspace_id, process.process_id,
                      payload='{"invoice": 1}'), secret=process.secret)
    other = emulator.add_process()
    store.add(Profile("Payroll", emulator.base_url, other.workspace_id, other.process_id), secret=other.secret)
    return store


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


def select_runs(window: MainWindow, run_ids: list[str]) -> None:
    """Selects these runs on the board, as Ctrl+clicks would; the first becomes the current run."""
    view, proxy, model = window.run_table, window.run_proxy, window.run_model
    view.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for run_id in reversed(run_ids):
        index = proxy.mapFromSource(model.index(model.row_of(run_id), 0))
        view.selectionModel().setCurrentIndex(index, flags)


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


def test_clicking_a_notification_shows_its_run_even_when_the_filters_hid_it(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    set_payload(qtbot, window, '{"simulate_duration": 0}')
    with qtbot.waitSignal(window.notifier.notified, timeout=15000):
        ended = trigger_and_get_run(qtbot, window)
    set_payload(qtbot, window, '{"simulate_duration": 60}')
    running = trigger_and_get_run(qtbot, window)
    window.state_filter.setCurrentIndex(1)  # In flight: the run that ended is not shown
    select_runs(window, [running])
    assert ended not in run_ids(window.run_proxy)

    window.notifier.open_last()  # what a click on the desktop notification calls (there is no tray here)
    assert window.state_filter.currentText() == "All runs" and window.text_filter.text() == ""
    assert [r.run_id for r in window.board_actions.selected_records()] == [ended]
    assert window.run_details.record.run_id == ended
    assert window.run_table.hasFocus()


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
    set_payload(qtbot, window, '{"simulate_duration": 2}')  # still running when the window closes
    # The offscreen screen is 800x800: a window is no wider than the screen less its frame, and
    # comes back as it was left.
    window.resize(window.minimumWidth(), 650)
    window.main_splitter.setSizes([230, window.main_splitter.width() - 230])
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


def test_a_run_started_from_the_command_line_comes_onto_the_board_and_is_followed(qtbot, profiles, open_window,
                                                                                 app_home, process):
    window = open_window()
    qtbot.waitUntil(lambda: not window.run_table.loading)
    told: list[str] = []
    window.notifier.notified.connect(lambda title, _message: told.append(title))

    done = run_cli("trigger", "Invoices", "--config-dir", str(app_home), "--payload", '{"simulate_duration": 0.3}',
                   "--json", secret=process.secret)
    assert done.returncode == 0, done.stderr
    run_id = json.loads(done.stdout)["runId"]

    qtbot.waitUntil(lambda: window.run_model.record_for(run_id) is not None, timeout=10000)
    assert window.run_model.record_for(run_id).profile_name == "Invoices"
    qtbot.waitUntil(lambda: row_outcome(window, run_id) is Outcome.SUCCEEDED, timeout=15000)
    qtbot.waitUntil(lambda: told == ["Invoices: Completed"])


def test_an_empty_window_says_what_to_do_first(qtbot, paths):
    window = create_window(paths, SecretStore(backend=lambda: MemoryKeyring(), environ={}))
    qtbot.addWidget(window)
    assert window.run_table.text_when_empty() == ""  # not "no runs" before it knows

    with qtbot.waitSignal(window.started):  # drawn, and all made
        window.show()
    qtbot.waitUntil(lambda: not window.run_table.loading)
    assert window.run_table.text_when_empty().startswith("No runs yet. Pick a profile and press Trigger run")
    assert window.profile_target.text() == "Add a profile, or import one from the curl command Control Room shows."
    window.close()
    window.shutdown()


def test_profiles_changed_before_the_window_is_drawn_are_taken_in(qtbot, paths):
    """A profile added while the window is being opened (by a program that embeds it, or the command line
    just then): the list takes it in before the board's actions exist, and the window opens all the same."""
    memory = MemoryKeyring()
    window = create_window(paths, SecretStore(backend=lambda: memory, environ={}))
    qtbot.addWidget(window)
    window.services.profiles.add(Profile("Invoices", "https://api.eu1.robocloud.eu", "ws-1", "proc-1"),
                                 secret="s3cret")
    window.profile_list.reload()
    with qtbot.waitSignal(window.started):
        window.show()
    assert window.profile_list.model.rowCount() == 1
    assert not window.reuse_payload_action.isEnabled()  # no run shown yet
    window.close()
    window.shutdown()


def test_a_board_whose_filters_hide_every_run_says_so(qtbot, profiles, open_window):
    window = open_window()
    trigger_and_get_run(qtbot, window)
    window.text_filter.setText("no run has this")
    assert window.run_proxy.rowCount() == 0
    assert window.run_table.text_when_empty() == "No runs match these filters."
    window.text_filter.clear()
    assert window.run_proxy.rowCount() == 1


def test_main_widgets_have_object_and_accessible_names(qtbot, profiles, open_window):
    window = open_window()
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit, QTableView, QWidget

    qtbot.waitUntil(lambda: window.findChild(QWidget, "runDetails") is not None)  # made once drawn
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
    window.resize(1280, 800)  # wider than the offscreen screen: the details' tabs show without scroll arrows
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
    # its table (Tab leaves the table rather than walk its cells), then the selected run's details: its
    # header's buttons, the tabs, and the Details tab's fields.
    assert order == ["profileFilter", "profileList", "addProfile", "importCurl", "editProfile", "duplicateProfile",
                     "deleteProfile", "payloadEditor", "recentPayloads", "formatButton", "triggerButton",
                     "scopeFilter", "stateFilter", "startedByFilter", "runFilter", "runTable", "copyRunId", "copyCurl",
                     "runDetailsTabBar", "runDetailsScroll", "runDetails_run_id", "runDetails_work_item_id",
                     "runDetails_workspace_id", "runDetails_process_id", "runDetails_base_url", "runDetailsAnswer",
                     "runDetailsPayload"]


def test_a_run_is_copied_from_the_table_with_ctrl_c_or_its_menu(qtbot, profiles, open_window, process):
    window = open_window()
    select(window, "Invoices")
    run_id = trigger_and_get_run(qtbot, window)
    clipboard = QApplication.clipboard()
    clipboard.setText("something else")
    select_runs(window, [run_id])
    menu = right_click(window.run_table)[:2]
    assert [a.text() for a in menu] == ["Copy run ID", "Copy as curl (secret left out)"]
    qtbot.waitUntil(lambda: all(a.isEnabled() for a in menu))
    window.run_table.setFocus()
    # Ctrl+C copies the run's id, whichever of its cells is current (not that cell's text).
    window.run_table.selectionModel().setCurrentIndex(window.run_proxy.index(0, 0),
                                                      QItemSelectionModel.SelectionFlag.NoUpdate)
    qtbot.keyClick(window.run_table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == run_id
    window.run_table.selectionModel().clearSelection()  # none selected: the run whose details are shown
    clipboard.setText("something else")
    qtbot.keyClick(window.run_table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == run_id
    menu[1].menu().actions()[1].trigger()  # Copy as curl → the status check
    command = clipboard.text()
    assert command.startswith("curl ") and run_id in command and "$ROBOCLOUD_PROCESS_SECRET" in command
    assert process.secret not in command


def right_click(view: QAbstractItemView) -> list[QAction]:
    """The menu a right-click on the table opens: its actions, as the menu shows them."""
    point = view.viewport().rect().center()
    QApplication.sendEvent(view.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point,
                                                              view.viewport().mapToGlobal(point)))
    menu = QApplication.activePopupWidget()
    assert menu is not None, "no menu opened"
    shown = [action for action in menu.actions() if not action.isSeparator()]
    menu.close()
    return shown


def test_several_runs_are_copied_with_ctrl_c_newest_first(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    first, second = trigger_and_get_run(qtbot, window), trigger_and_get_run(qtbot, window)
    select_runs(window, [first, second])
    window.run_table.setFocus()
    qtbot.keyClick(window.run_table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == f"{second}\n{first}"
    assert window.board_actions.copy_ids_action.text() == "Copy 2 run IDs"


def test_selected_runs_are_removed_from_the_board_and_the_history_after_asking(qtbot, profiles, open_window,
                                                                               paths, emulator):
    window = open_window()
    select(window, "Invoices")
    set_payload(qtbot, window, '{"simulate_duration": 0.2}')
    ended, kept = trigger_and_get_run(qtbot, window), trigger_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: row_outcome(window, ended) is row_outcome(window, kept) is Outcome.SUCCEEDED,
                    timeout=10000)
    set_payload(qtbot, window, '{"simulate_duration": 60}')
    running = trigger_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: emulator.count("GET", running) > 0, timeout=10000)  # followed
    actions = window.board_actions
    assert [a.text() for a in window.run_table.actions() if not a.isSeparator()][-2:] == [
        "Remove from the board…", "Remove ended runs shown…"]

    select_runs(window, [running, ended])
    window.run_table.setFocus()
    qtbot.keyClick(window.run_table, Qt.Key.Key_Delete)
    box = actions.open_dialog
    assert box is not None and box.text() == "Remove 2 runs from the board?"
    assert "In Control Room they stay as they are" in box.informativeText()
    assert "1 of them has not ended: the app stops following it" in box.informativeText()
    box.reject()  # Cancel, or Escape: nothing happens
    qtbot.waitUntil(lambda: actions.open_dialog is None)
    assert window.run_model.record_for(running) and window.run_model.record_for(ended)

    actions.remove_action.trigger()
    box = actions.open_dialog
    qtbot.mouseClick(box.findChild(QAbstractButton, "confirmRemoveRuns"), Qt.MouseButton.LeftButton)
    assert window.run_model.record_for(running) is None and window.run_model.record_for(ended) is None
    assert window.run_model.record_for(kept) is not None
    # The run now in their place is selected and shown, so Delete can go on from there.
    assert [r.run_id for r in window.board_actions.selected_records()] == [kept]
    assert window.run_details.record.run_id == kept
    history = RunHistory(paths.history_db)
    qtbot.waitUntil(lambda: history.get(running) is None and history.get(ended) is None, timeout=5000)
    assert history.get(kept) is not None
    history.close()
    assert window.in_flight_label.text() == "No runs in flight"
    # The run still going in Control Room is no longer asked about, and does not come back: a run
    # started now is looked at three times meanwhile.
    asked = emulator.count("GET", running)
    window.activateWindow()  # back from the dialog, for Ctrl+Enter
    qtbot.waitUntil(window.isActiveWindow)
    other = trigger_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: emulator.count("GET", other) >= 3, timeout=10000)
    assert emulator.count("GET", running) == asked
    assert window.run_model.record_for(running) is None


def test_ended_runs_shown_are_removed_and_the_rest_stay(qtbot, profiles, open_window, paths):
    window = open_window()
    select(window, "Invoices")
    set_payload(qtbot, window, '{"simulate_duration": 0.2}')
    invoices = [trigger_and_get_run(qtbot, window) for _ in range(3)]
    select(window, "Payroll")
    payroll = trigger_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: all(row_outcome(window, run) is Outcome.SUCCEEDED for run in [*invoices, payroll]),
                    timeout=15000)
    select(window, "Invoices")
    set_payload(qtbot, window, '{"simulate_duration": 60}')
    running = trigger_and_get_run(qtbot, window)
    window.scope_filter.setCurrentIndex(1)  # only the runs of the selected profile
    actions = window.board_actions
    assert [menu.text() for menu in right_click(window.run_table)][-1] == "Remove the 3 ended runs shown…"
    actions.remove_ended_action.trigger()
    box = actions.open_dialog
    assert box.text() == "Remove the 3 ended runs shown from the board?"
    assert "not ended" not in box.informativeText()
    qtbot.mouseClick(box.findChild(QAbstractButton, "confirmRemoveRuns"), Qt.MouseButton.LeftButton)
    assert [r.run_id for r in window.run_model.records()] == [running, payroll]
    qtbot.waitUntil(lambda: window.background.busy == 0)
    window.close()
    window.shutdown()
    again = open_window()  # what the history keeps is what the board shows at the next start
    qtbot.waitUntil(lambda: again.run_model.rowCount() == 2, timeout=5000)
    assert {r.run_id for r in again.run_model.records()} == {running, payroll}


def test_f5_checks_the_selected_run_now_rather_than_when_it_is_due(qtbot, profiles, paths, emulator):
    window = create_window(paths, SecretStore(), plan=PollPlan(first_delay=60.0, intervals=((0, 60.0),)))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.started):  # drawn, and all made
        window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    try:
        select(window, "Invoices")
        set_payload(qtbot, window, '{"simulate_duration": 0}')
        run = trigger_and_get_run(qtbot, window)  # its first look is a minute away
        qtbot.waitUntil(lambda: window.services.monitor.tracked == 1)
        select_runs(window, [run])
        check = window.board_actions.check_now_action
        assert check in window.run_table.actions() and check.isEnabled()
        window.run_table.setFocus()
        qtbot.keyClick(window.run_table, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: row_outcome(window, run) is Outcome.SUCCEEDED, timeout=5000)
        assert emulator.count("GET", run) == 1
        menu = right_click(window.run_table)
        assert check in menu and not check.isEnabled()  # ended: nothing left to check
    finally:
        window.close()
        window.shutdown()


def test_runs_that_could_not_be_removed_come_back_and_a_banner_says_why(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    set_payload(qtbot, window, '{"simulate_duration": 0.2}')
    run = trigger_and_get_run(qtbot, window)
    qtbot.waitUntil(lambda: row_outcome(window, run) is Outcome.SUCCEEDED, timeout=10000)
    window.services.history.close()  # the run history can no longer be changed
    select_runs(window, [run])
    window.board_actions.remove_action.trigger()
    box = window.board_actions.open_dialog
    qtbot.mouseClick(box.findChild(QAbstractButton, "confirmRemoveRuns"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "could not be removed from the run history" in window.banner.text(), timeout=5000)
    assert "They are back on the board" in window.banner.text()
    assert row_outcome(window, run) is Outcome.SUCCEEDED


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


def test_the_payload_is_saved_once_typing_pauses_without_leaving_the_profile(qtbot, profiles, open_window, paths):
    window = open_window()
    select(window, "Invoices")
    set_payload(qtbot, window, '{"typed": 1}')

    # Read from the file, as the next start (or a crash right now) would find it.
    qtbot.waitUntil(lambda: ProfileStore(paths.profiles_file).get("Invoices").payload == '{"typed": 1}')
    # The list's copy follows once the save is reported back to the window.
    qtbot.waitUntil(lambda: window.profile_list.current_profile().payload == '{"typed": 1}')
    assert window.editor.text() == '{"typed": 1}'  # and the editor was left alone


def test_a_payload_typed_just_before_closing_is_saved(qtbot, profiles, open_window, paths):
    window = open_window()
    select(window, "Invoices")
    set_payload(qtbot, window, '{"first": 1}')
    window.payloads.keep()  # a save under way when the last keys are typed
    set_payload(qtbot, window, '{"last": 2}')
    window.close()
    window.shutdown()

    assert ProfileStore(paths.profiles_file).get("Invoices").payload == '{"last": 2}'


def test_a_history_from_a_newer_version_is_read_and_a_run_started_anyway_is_shown_and_followed(
        qtbot, profiles, open_window, paths, emulator):
    RunHistory(paths.history_db).close()
    with sqlite3.connect(paths.history_db) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    window = open_window()
    qtbot.waitUntil(lambda: "newer version" in window.banner.text(), timeout=5000)
    select(window, "Invoices")
    qtbot.waitUntil(window.trigger_button.isEnabled)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.run_model.rowCount() == 1, timeout=10000)
    assert emulator.count("POST") == 1
    assert "not in the run history" in window.banner.text() and "newer version" in window.banner.text()
    [run_id] = run_ids(window.run_model)
    assert window.trigger_message.text() == f"Run started: {run_id}"
    # Followed to its end all the same, in memory.
    qtbot.waitUntil(lambda: window.run_model.record_for(run_id).outcome is Outcome.SUCCEEDED, timeout=10000)


def test_an_unreadable_history_is_kept_aside_and_named_in_a_banner(qtbot, profiles, open_window, paths):
    paths.history_db.parent.mkdir(parents=True, exist_ok=True)
    paths.history_db.write_bytes(b"not a database, " * 100)
    window = open_window()
    qtbot.waitUntil(lambda: "could not be read" in window.banner.text(), timeout=5000)
    assert "kept as" in window.banner.text()
    kept = [p for p in paths.history_db.parent.iterdir() if p.name != paths.history_db.name
            and p.name.startswith(paths.history_db.name)]
    assert any(p.read_bytes().startswith(b"not a database") for p in kept)
