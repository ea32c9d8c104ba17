"""The window from the keyboard alone: keys do what the README promises, wherever focus is."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import QApplication, QWidget

from robocloud_desktop.ui.main_window import MainWindow
from tests.ui import test_main_window
from tests.ui.test_main_window import select, set_payload, trigger_and_get_run

profiles = test_main_window.profiles  # two profiles on the emulator, as the window's other tests have

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
NONE = Qt.KeyboardModifier.NoModifier


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def focus(qtbot, widget: QWidget) -> None:
    """Where the user's keys start (as a click there would); from then on only keys are pressed."""
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: focused() is widget)


def cancel_dialog(qtbot, window: MainWindow, is_open: Callable[[], object]) -> None:
    """Escape in the dialog that has just opened, as the user would press it."""
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    dialog = QApplication.activeModalWidget()
    gone: list[bool] = []
    dialog.destroyed.connect(lambda: gone.append(True))
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: is_open() is None and bool(gone))
    # The offscreen platform leaves no window active once a closed dialog is deleted (a desktop's
    # window manager gives the parent back its activation); the window's own focus is what counts.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def board_rows(window: MainWindow) -> list[int]:
    return sorted({index.row() for index in window.run_table.selectionModel().selectedRows()})


def test_the_arrow_keys_on_the_board_move_between_runs_and_nowhere_else(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    set_payload(qtbot, window, '{"simulate_duration": 60}')
    for _ in range(3):
        trigger_and_get_run(qtbot, window)
    board = window.run_table
    focus(qtbot, board)
    qtbot.keyClick(board, Qt.Key.Key_Home, CTRL)
    assert board.currentIndex().row() == 0

    qtbot.keyClick(board, Qt.Key.Key_Down)
    assert focused() is board and board.currentIndex().row() == 1
    qtbot.keyClick(board, Qt.Key.Key_Down, SHIFT)
    assert focused() is board and board_rows(window) == [1, 2]
    # The trigger target stays the profile picked: the keys never reached the profile list.
    assert window.profile_list.current_profile().name == "Invoices"
    assert window.profile_title.text() == "Invoices"

    QApplication.clipboard().setText("something else")
    qtbot.keyClick(board, Qt.Key.Key_C, CTRL)
    shown = [window.run_proxy.record_at(window.run_proxy.index(row, 0)).run_id for row in (1, 2)]
    assert QApplication.clipboard().text() == "\n".join(shown)
    qtbot.keyClick(board, Qt.Key.Key_Up)
    assert focused() is board and board.currentIndex().row() == 1 and board_rows(window) == [1]


def test_down_from_the_profile_filter_still_goes_into_the_list(qtbot, profiles, open_window):
    window = open_window()
    profile_list = window.profile_list
    focus(qtbot, profile_list.filter_edit)
    qtbot.keyClick(profile_list.filter_edit, Qt.Key.Key_Down)
    assert focused() is profile_list.view


def test_after_a_dialog_is_cancelled_the_list_that_had_focus_takes_keys_again(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    profile_list = window.profile_list
    focus(qtbot, profile_list.view)
    for key in (Qt.Key.Key_F2, Qt.Key.Key_Delete, Qt.Key.Key_Return, Qt.Key.Key_F2):
        qtbot.keyClick(focused(), key)
        assert profile_list.open_dialog is not None, key
        cancel_dialog(qtbot, window, lambda: profile_list.open_dialog)
        qtbot.waitUntil(lambda: focused() is profile_list.view)

    trigger_and_get_run(qtbot, window)
    board, actions = window.run_table, window.board_actions
    focus(qtbot, board)
    qtbot.keyClick(board, Qt.Key.Key_Home, CTRL)
    for _ in range(2):
        qtbot.keyClick(focused(), Qt.Key.Key_Delete)
        assert actions.open_dialog is not None
        cancel_dialog(qtbot, window, lambda: actions.open_dialog)
        qtbot.waitUntil(lambda: focused() is board)
    assert window.run_model.rowCount() == 1


def test_typing_in_the_profile_filter_keeps_the_profile_until_one_is_picked(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Payroll")
    profile_list = window.profile_list
    focus(qtbot, profile_list.filter_edit)
    qtbot.keyClicks(profile_list.filter_edit, "Inv")
    assert profile_list.proxy.rowCount() == 1  # Payroll is filtered out ...
    assert profile_list.current_profile().name == "Payroll"  # ... and still the one Trigger starts
    assert window.profile_title.text() == "Payroll"
    for _ in "Inv":
        qtbot.keyClick(profile_list.filter_edit, Qt.Key.Key_Backspace)
    assert profile_list.current_profile().name == "Payroll"

    qtbot.keyClicks(profile_list.filter_edit, "Inv")
    qtbot.keyClick(profile_list.filter_edit, Qt.Key.Key_Down)  # into the list: the one shown is picked
    assert focused() is profile_list.view
    assert profile_list.current_profile().name == "Invoices"
    assert window.profile_title.text() == "Invoices"


def test_the_payload_editor_says_under_it_how_to_leave_it(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    editor = window.editor
    focus(qtbot, window.profile_list.delete_button)
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is editor.editor
    hint = editor.keys_hint
    assert hint.isVisible() and "Ctrl+Tab" in hint.text()
    assert hint.geometry().top() >= editor.editor.geometry().bottom()  # under the text, where the eye is
    qtbot.keyClick(editor.editor, Qt.Key.Key_Tab)
    assert focused() is editor.editor  # Tab indents
    qtbot.keyClick(editor.editor, Qt.Key.Key_Tab, CTRL)
    assert focused() is editor.recent_button or focused() is editor.format_button
    assert not hint.isVisible()  # said while it matters, not taking room the rest of the time


def test_tab_reaches_every_control_the_window_shows(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    trigger_and_get_run(qtbot, window)
    focus(qtbot, window.run_table)
    qtbot.keyClick(window.run_table, Qt.Key.Key_Home, CTRL)  # a run's details and their buttons are shown
    qtbot.waitUntil(lambda: window.run_details.record is not None)
    focus(qtbot, window.profile_list.filter_edit)
    reached: list[QWidget] = []
    for _ in range(80):
        widget = focused()
        reached.append(widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab, CTRL if widget is window.editor.editor else NONE)
        if focused() is window.profile_list.filter_edit:
            break
    takes_tab = [w for w in window.findChildren(QWidget)
                 if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus
                 and w.window() is window and w.focusProxy() is None]
    missed = [w.objectName() or type(w).__name__ for w in takes_tab if w not in reached]
    assert missed == []
    # Reading order: down the left column, then the payload, then the board and its details.
    tops = [name for name in ("profileFilter", "profileList", "payloadEditor", "triggerButton", "runFilter",
                              "runTable")]
    names = [w.objectName() for w in reached]
    assert [names.index(name) for name in tops] == sorted(names.index(name) for name in tops)


def test_only_trigger_is_a_shortcut_of_the_whole_window(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    trigger_and_get_run(qtbot, window)  # the first run shown makes the details' tabs
    qtbot.waitUntil(lambda: window.run_details.story is not None)
    window.run_details.story.work_items  # noqa: B018 (built when first asked for: its Enter is a shortcut)
    window.run_details.story.console  # noqa: B018 (its Ctrl+End, Ctrl+F and F3 too)
    whole_window = {shortcut.key().toString() for shortcut in window.findChildren(QShortcut)
                    if shortcut.context() in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)}
    assert whole_window == {"Ctrl+Return", "Ctrl+Enter"}


def test_a_dialog_opened_from_the_menu_gives_focus_back_to_the_board(qtbot, profiles, open_window):
    window = open_window()
    select(window, "Invoices")
    trigger_and_get_run(qtbot, window)
    board = window.run_table
    focus(qtbot, board)
    qtbot.keyClick(board, Qt.Key.Key_Home, CTRL)
    qtbot.keyClick(board, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)  # the File menu ...
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_I)  # ... Import profile from curl…
    cancel_dialog(qtbot, window, lambda: window.profile_list.open_dialog)
    qtbot.waitUntil(lambda: focused() is board)
    qtbot.keyClick(board, Qt.Key.Key_Delete)  # the runs, not the profile the list would offer
    assert window.board_actions.open_dialog is not None
    assert window.profile_list.open_dialog is None
    cancel_dialog(qtbot, window, lambda: window.board_actions.open_dialog)
