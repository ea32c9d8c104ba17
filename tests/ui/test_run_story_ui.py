"""A Control Room API v1 run's story in the details pane (Steps, Work items, Console, Files) and the
actions on it (Stop, Terminate, Retry, Mark done). Real widgets, loopback HTTP to the emulator (its
artifacts on a storage host of their own), a real keyring and real SQLite."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from robocloud_desktop.core.errors import PERMISSIONS, WRITE_WORK_ITEMS
from robocloud_desktop.core.profiles import API_V1, Profile, ProfileStore
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.emulator import EmulatedProcess, Emulator, Fault
from robocloud_desktop.ui.board.details import RunDetails
from robocloud_desktop.ui.board.run_actions import Confirmation
from robocloud_desktop.ui.board.story import tabs as story_tabs
from robocloud_desktop.ui.board.story.source import STEPS
from robocloud_desktop.ui.board.story.tabs import (
    CONSOLE_TAB,
    FILES_TAB,
    ITEMS_TAB,
    NEEDS_WORKSPACE_KEY,
    STEPS_TAB,
    TITLES,
)
from robocloud_desktop.ui.board.story.widgets import StatusLine
from robocloud_desktop.ui.main_window import MainWindow
from robocloud_desktop.ui.services import Services

FAILING = {"order": 1, "simulate": "fail", "simulate_message": "Invoice 1001 has no customer number"}
STORY_PATHS = ("/step-runs", "/work-items", "/outputs")
WAIT = 10_000


def story_requests(emulator: Emulator) -> int:
    """Requests for a run's story (not its state, which the monitor reads)."""
    return sum(1 for r in emulator.requests if any(part in r.path for part in STORY_PATHS))


def add_v1_profile(paths: Path, emulator: Emulator, process: EmulatedProcess, key: str) -> Profile:
    store = ProfileStore(paths.profiles_file, SecretStore())
    (profile,) = store.add_of_workspace([Profile("Invoices", emulator.v1_base_url, process.workspace_id,
                                                 process.process_id, api=API_V1, follow_others=False)], key)
    return profile


@pytest.fixture
def v1_profile(paths, emulator: Emulator, process: EmulatedProcess, secret_service, secret_guard) -> Profile:
    return add_v1_profile(paths, emulator, process, secret_guard.add(emulator.default_key))


def trigger(qtbot, window: MainWindow, profile: Profile, payload: Any) -> str:
    """Start a run from the window with this payload; its id, once it is on the board and selected."""
    assert window.profile_list.select_profile(profile.id)
    window.editor.set_text(json.dumps(payload))
    qtbot.waitUntil(window.trigger_button.isEnabled, timeout=WAIT)
    before = {window.run_model.record(row).run_id for row in range(window.run_model.rowCount())}
    qtbot.mouseClick(window.trigger_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.run_model.rowCount() == len(before) + 1, timeout=WAIT)
    (run_id,) = {window.run_model.record(row).run_id for row in range(window.run_model.rowCount())} - before
    return run_id


def state(window: MainWindow, run_id: str) -> str:
    return window.run_model.record_for(run_id).state


def wait_for_state(qtbot, window: MainWindow, run_id: str, *states: str) -> None:
    qtbot.waitUntil(lambda: state(window, run_id) in states, timeout=WAIT)


def show_run(qtbot, window: MainWindow, run_id: str) -> RunDetails:
    window._select_runs([run_id])
    details = window.run_details
    qtbot.waitUntil(lambda: details.record is not None and details.record.run_id == run_id)
    return details


def failed_run(qtbot, window: MainWindow, profile: Profile, *items: Any) -> RunDetails:
    """A run whose first work item failed (a business exception), ended as Needs attention, shown."""
    run_id = trigger(qtbot, window, profile, [FAILING, *items] if items else [FAILING, {"order": 2}])
    wait_for_state(qtbot, window, run_id, "unresolved")
    details = show_run(qtbot, window, run_id)
    qtbot.waitUntil(lambda: details.record.state == "unresolved")
    return details


def button(details: RunDetails, name: str) -> QPushButton:
    found = details.findChild(QPushButton, name)
    assert found is not None, name
    return found


def agree(mark_done: bool = False) -> tuple[list[Confirmation], Callable[[Confirmation, Callable[[bool], None]], None]]:
    """A stand-in for the confirmation dialog: it notes what was asked and answers yes at once."""
    asked: list[Confirmation] = []

    def confirm(question: Confirmation, go: Callable[[bool], None]) -> None:
        asked.append(question)
        go(mark_done)

    return asked, confirm


# --- nothing before a tab is opened -------------------------------------------------------------------


def test_nothing_is_asked_or_built_before_a_tab_is_opened(qtbot, open_window, emulator, v1_profile):
    window = open_window()
    details = failed_run(qtbot, window, v1_profile)
    # Only a tab's page asks, and none is built: nothing is, or will be, asked.
    assert all(details.story.built(title) is None for title in TITLES)
    assert story_requests(emulator) == 0
    assert details.tabs.currentIndex() == 0  # Details
    details.story.open_tab(STEPS_TAB)
    qtbot.waitUntil(lambda: story_requests(emulator) > 0, timeout=WAIT)
    assert all(details.story.built(title) is None for title in (ITEMS_TAB, CONSOLE_TAB, FILES_TAB))


# --- steps -----------------------------------------------------------------------------------------


def test_the_steps_tab_shows_the_failed_step_and_keeps_what_it_read(qtbot, open_window, emulator, v1_profile):
    window = open_window()
    details = failed_run(qtbot, window, v1_profile)
    run_id = details.record.run_id
    details.story.open_tab(STEPS_TAB)
    steps = details.story.steps
    qtbot.waitUntil(lambda: steps.tree.topLevelItemCount() == 2, timeout=WAIT)
    first, second = (steps.tree.topLevelItem(row) for row in range(2))
    assert "Producer" in first.text(0) and first.text(1) == "Completed"
    assert "Consumer" in second.text(0) and second.text(1) == "Failed" and second.text(3) == "EMULATED_FAILURE"
    assert second.font(0).bold() and not first.font(0).bold()  # the failed one stands out
    assert steps.tree.currentItem() is second  # and is the one described
    assert "EMULATED_FAILURE" in steps.about.text()
    assert steps.step_run_id.text() == emulator.step_runs_of(run_id)[1]["id"]

    # The run has ended: what was read holds, whether the tab is opened again or another run shown.
    asked = story_requests(emulator)
    details.tabs.setCurrentIndex(0)
    details.story.open_tab(STEPS_TAB)
    assert story_requests(emulator) == asked
    other = trigger(qtbot, window, v1_profile, {"order": 3})  # selected on the board as it starts
    wait_for_state(qtbot, window, other, "completed")
    qtbot.waitUntil(lambda: details.story.source.kept(window.run_model.record_for(other), STEPS) is not None,
                    timeout=WAIT)
    asked = story_requests(emulator)
    for shown, last_state in ((run_id, "Failed"), (other, "Completed"), (run_id, "Failed")):
        show_run(qtbot, window, shown)
        qtbot.waitUntil(lambda last_state=last_state: steps.tree.topLevelItemCount() == 2
                        and steps.tree.topLevelItem(1).text(1) == last_state, timeout=WAIT)
    assert story_requests(emulator) == asked


def test_an_open_steps_tab_follows_a_run_in_flight(qtbot, open_window, emulator, v1_profile, monkeypatch):
    monkeypatch.setattr(story_tabs, "LIVE_EVERY_S", 0.3)  # read again as often as the run is checked
    window = open_window()
    run_id = trigger(qtbot, window, v1_profile, [{"order": 1, "simulate_duration": 4}])
    wait_for_state(qtbot, window, run_id, "in_progress")
    details = show_run(qtbot, window, run_id)
    details.story.open_tab(STEPS_TAB)
    steps = details.story.steps

    def states() -> list[str]:
        return [steps.tree.topLevelItem(row).text(1) for row in range(steps.tree.topLevelItemCount())]

    qtbot.waitUntil(lambda: states() == ["Running", "Waiting"], timeout=WAIT)
    qtbot.waitUntil(lambda: states() == ["Completed", "Running"], timeout=WAIT)  # the tab was not opened again
    wait_for_state(qtbot, window, run_id, "completed")
    qtbot.waitUntil(lambda: states() == ["Completed", "Completed"], timeout=WAIT)


def test_an_answer_for_the_run_selected_before_is_never_shown(qtbot, open_window, emulator, v1_profile):
    window = open_window()
    first = failed_run(qtbot, window, v1_profile).record.run_id
    second = trigger(qtbot, window, v1_profile, [{"order": 2}])
    wait_for_state(qtbot, window, second, "completed")
    first_steps = {step["id"] for step in emulator.step_runs_of(first)}
    second_steps = {step["id"] for step in emulator.step_runs_of(second)}
    details = show_run(qtbot, window, first)
    steps = details.story.steps
    shown: set[str] = set()
    steps.tree.model().rowsInserted.connect(
        lambda _parent, start, end: shown.update(steps.tree.topLevelItem(row).data(0, Qt.ItemDataRole.UserRole)
                                                 for row in range(start, end + 1)))
    emulator.inject(Fault("delay", seconds=0.6, method="GET", times=30))  # every answer comes late
    mark = len(emulator.requests)
    details.story.open_tab(STEPS_TAB)
    qtbot.waitUntil(lambda: any(r.path.endswith("/step-runs") for r in emulator.requests[mark:]), timeout=WAIT)
    show_run(qtbot, window, second)  # while the first run's steps are still on their way
    qtbot.waitUntil(lambda: second_steps <= shown, timeout=WAIT)
    qtbot.waitUntil(lambda: details.story.source.busy == 0, timeout=WAIT)  # every answer has come in
    assert not shown & first_steps
    assert {steps.tree.topLevelItem(row).data(0, Qt.ItemDataRole.UserRole) for row in range(2)} == second_steps


# --- work items -----------------------------------------------------------------------------------------


def test_work_items_show_the_failed_one_first_with_its_exception_and_its_payload(qtbot, open_window, v1_profile):
    window = open_window()
    details = failed_run(qtbot, window, v1_profile, {"order": 2}, {"order": 3})
    details.story.open_tab(ITEMS_TAB)
    items = details.story.work_items
    qtbot.waitUntil(lambda: items.tree.topLevelItemCount() == 3, timeout=WAIT)
    top = items.tree.topLevelItem(0)
    assert top.text(0) == "Failed"
    assert top.text(1).startswith("Invoice 1001 has no customer number")  # the message first
    assert "business" in top.text(1) and "EMULATED_FAILURE" in top.text(1)
    assert [items.tree.topLevelItem(row).text(0) for row in (1, 2)] == ["Done", "Done"]
    assert "Invoice 1001 has no customer number" in items.about.text()
    assert not items.payload.isVisible()
    items.tree.setCurrentItem(top)
    qtbot.mouseClick(items.payload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: '"simulate": "fail"' in items.payload.toPlainText(), timeout=WAIT)
    assert json.loads(items.payload.toPlainText()) == FAILING


# --- console ----------------------------------------------------------------------------------------


def test_a_failed_steps_console_opens_at_its_last_lines_and_another_pages_in_as_scrolled(qtbot, open_window, emulator,
        v1_profile):
    window = open_window()
    run_id = trigger(qtbot, window, v1_profile, [{**FAILING, "simulate_console_lines": 1234}])
    wait_for_state(qtbot, window, run_id, "unresolved")
    details = show_run(qtbot, window, run_id)
    details.story.open_tab(CONSOLE_TAB)
    console = details.story.console
    # The failed step is shown first, read to its last lines: where the failure is told.
    qtbot.waitUntil(lambda: console.text.document().blockCount() == 1234, timeout=WAIT)
    assert "Consumer" in console.step_choice.currentText()
    assert "Failed" in console.step_choice.currentText()
    last = console.text.document().lastBlock().text()
    assert last.endswith("Step Consumer failed: EMULATED_FAILURE")
    assert "Invoice 1001 has no customer number" in console.text.document().findBlockByNumber(1232).text()
    bar = console.text.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())  # the last lines are in view
    assert console.status.text() == ""

    # Another step's console comes a page at a time, as the reader scrolls.
    console.step_choice.setCurrentIndex(console.step_choice.findText("Producer", Qt.MatchFlag.MatchContains))
    qtbot.waitUntil(lambda: console.text.document().blockCount() == 100, timeout=WAIT)
    assert "scroll to the end" in console.status.text()
    bar.setValue(bar.maximum())  # the reader reaches the end of what was read
    qtbot.waitUntil(lambda: console.text.document().blockCount() == 200, timeout=WAIT)
    assert bar.value() < bar.maximum()  # the reader stays where they were; the new lines are below
    qtbot.mouseClick(console.to_end, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: console.text.document().blockCount() == 300, timeout=WAIT)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())

    console.step_choice.setCurrentIndex(console.step_choice.findText("Consumer", Qt.MatchFlag.MatchContains))
    qtbot.waitUntil(lambda: console.text.document().blockCount() == 1234, timeout=WAIT)  # kept: not read again

    # Ctrl+F finds in the lines read, F3 goes on to the next one.
    console.text.setFocus()
    qtbot.keyClick(console.text, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is console.find_box
    qtbot.keyClicks(console.find_box, "working on work item")
    first = console.text.textCursor().blockNumber()
    qtbot.keyClick(console.find_box, Qt.Key.Key_F3)
    assert console.text.textCursor().blockNumber() > first
    assert console.text.textCursor().selectedText() == "working on work item"
    console.find_box.clear()
    qtbot.keyClicks(console.find_box, "no such words")
    assert "not in the 1,234 lines read" in console.status.text()


def test_a_step_is_chosen_from_the_steps_tab(qtbot, open_window, emulator, v1_profile):
    window = open_window()
    details = failed_run(qtbot, window, v1_profile)
    details.story.open_tab(STEPS_TAB)
    steps = details.story.steps
    qtbot.waitUntil(lambda: steps.tree.topLevelItemCount() == 2, timeout=WAIT)
    producer = steps.tree.topLevelItem(0)
    steps.tree.itemDoubleClicked.emit(producer, 0)
    console = details.story.console
    assert details.tabs.currentWidget() is details.story.holders[CONSOLE_TAB]
    qtbot.waitUntil(lambda: console.text.document().blockCount() == 100, timeout=WAIT)
    assert "Producer" in console.step_choice.currentText()
    assert "Step Producer of process run" in console.text.document().firstBlock().text()


# --- files ---------------------------------------------------------------------------------------------


def test_files_are_listed_and_downloaded_without_the_key(qtbot, open_window, emulator, v1_profile, tmp_path,
                                                          app_home):
    window = open_window()
    details = failed_run(qtbot, window, v1_profile, {"order": 2})
    run_id = details.record.run_id
    details.story.open_tab(FILES_TAB)
    files = details.story.files
    qtbot.waitUntil(lambda: len(files.artifacts()) == 4, timeout=WAIT)
    assert sorted(a.name for a in files.artifacts()) == ["log.html", "log.html", "output.xml", "output.xml"]
    assert files.download_button.text() == "Download all…" and files.download_button.isEnabled()
    outputs = files.tree.topLevelItem(2)
    assert outputs.text(0) == "Outputs" and outputs.text(1) == "1 output"  # the one item done

    step_runs = emulator.step_runs_of(run_id)
    consumer_log = next(a for a in files.artifacts() if a.name == "log.html" and a.step_run_id == step_runs[1]["id"])
    folder = tmp_path / "downloads"
    folder.mkdir()
    emulator.clear_storage_requests()
    files.download_to(folder, [consumer_log])
    assert not files.download_button.isEnabled()  # one download at a time
    qtbot.waitUntil(lambda: files.open_folder_button.isVisible(), timeout=WAIT)
    assert files.progress.value() == 100
    saved = folder / "log.html"
    assert saved.read_bytes() == emulator.artifact_content(step_runs[1]["id"], "log.html")
    assert "Saved" in files.download_note.text() and "log.html" in files.download_note.text()
    assert [p.name for p in folder.iterdir()] == ["log.html"]  # no partial file left beside it
    requests = emulator.storage_requests
    assert requests and all(not r.authorization for r in requests)  # the key never went to the storage host

    # All of them at once: a second log.html does not replace the first.
    files.download_to(folder)
    qtbot.waitUntil(lambda: files.open_folder_button.isVisible() and len(files.saved) == 4, timeout=WAIT)
    assert sorted(p.name for p in folder.iterdir()) == ["log (2).html", "log (3).html", "log.html", "output (2).xml",
                                                         "output.xml"]
    # Neither the key nor a download link was written anywhere the app keeps its files.
    kept = [p.read_bytes() for p in app_home.rglob("*") if p.is_file()]
    assert kept and not any(b"X-Signature" in data or emulator.default_key.encode() in data for data in kept)


def test_a_large_download_reports_its_progress(qtbot, open_window, emulator, v1_profile, tmp_path):
    window = open_window()
    run_id = trigger(qtbot, window, v1_profile, [{**FAILING, "simulate_artifact_bytes": 3_000_000}])
    wait_for_state(qtbot, window, run_id, "unresolved")
    details = show_run(qtbot, window, run_id)
    details.story.open_tab(FILES_TAB)
    files = details.story.files
    qtbot.waitUntil(lambda: len(files.artifacts()) == 4, timeout=WAIT)
    big = [a for a in files.artifacts() if a.size == 3_000_000]
    assert len(big) == 2
    seen: list[int] = []
    files.progress.valueChanged.connect(seen.append)
    files.download_to(tmp_path, big[:1])
    qtbot.waitUntil(lambda: files.open_folder_button.isVisible(), timeout=WAIT)
    assert (tmp_path / "log.html").stat().st_size == 3_000_000
    assert seen[-1] == 100 and len(set(seen)) > 2  # it went up in steps, to the end


# --- acting ---------------------------------------------------------------------------------------------


def test_retry_brings_a_run_that_needs_attention_to_completed(qtbot, open_window, emulator, v1_profile):
    window = open_window()
    details = failed_run(qtbot, window, v1_profile)
    run_id = details.record.run_id
    details.story.open_tab(ITEMS_TAB)
    items = details.story.work_items
    qtbot.waitUntil(lambda: items.tree.topLevelItemCount() == 2, timeout=WAIT)
    retry, mark_done = button(details, "retryItems"), button(details, "markItemsDone")
    assert retry.isVisible() and mark_done.isVisible()
    assert not button(details, "stopRun").isVisible()
    assert retry.text() == "Retry failed items"
    items.tree.topLevelItem(0).setSelected(True)  # the failed one
    assert retry.text() == "Retry selected item"
    qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    assert not retry.isEnabled() and not mark_done.isEnabled()  # until Control Room has answered
    wait_for_state(qtbot, window, run_id, "completed")
    assert "1 work item retried" in details.findChild(StatusLine, "runActionNote").text()
    # The tab was read again: the item retried is done now.
    qtbot.waitUntil(lambda: [items.tree.topLevelItem(row).text(0) for row in range(2)] == ["Done", "Done"],
                    timeout=WAIT)
    assert not retry.isVisible()


def test_mark_done_asks_first_and_completes_the_run(qtbot, open_window, emulator, v1_profile):
    window = open_window()
    details = failed_run(qtbot, window, v1_profile)
    run_id = details.record.run_id
    asked, details.run_actions.confirm = agree()
    qtbot.mouseClick(button(details, "markItemsDone"), Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "every failed work item" in asked[0].question
    wait_for_state(qtbot, window, run_id, "completed")
    assert set(emulator.work_item_states(run_id).values()) == {"done"}


@pytest.mark.parametrize("terminate", [False, True])
def test_stop_or_terminate_a_run_in_flight_after_asking(qtbot, open_window, emulator, v1_profile, terminate):
    window = open_window()
    run_id = trigger(qtbot, window, v1_profile, [{"order": n, "simulate_duration": 4} for n in range(1, 4)])
    wait_for_state(qtbot, window, run_id, "in_progress")
    details = show_run(qtbot, window, run_id)
    stop, end_now = button(details, "stopRun"), button(details, "terminateRun")
    assert stop.isVisible() and end_now.isVisible() and not button(details, "retryItems").isVisible()
    asked, details.run_actions.confirm = agree(mark_done=False)
    qtbot.mouseClick(end_now if terminate else stop, Qt.MouseButton.LeftButton)
    (question,) = asked
    assert question.offer_mark_done and "fail" in question.details
    assert ("at once" in question.details) == terminate
    wait_for_state(qtbot, window, run_id, "stopping", "unresolved")
    wait_for_state(qtbot, window, run_id, "unresolved")  # the remaining work items failed
    assert "failed" in emulator.work_item_states(run_id).values()


def test_terminate_from_the_menu_with_the_remaining_items_marked_done(qtbot, open_window, emulator, v1_profile):
    window = open_window()
    # Long enough that no work item has begun when the run ends: each is marked done.
    run_id = trigger(qtbot, window, v1_profile, [{"order": n, "simulate_duration": 8} for n in range(1, 4)])
    wait_for_state(qtbot, window, run_id, "in_progress")
    details = show_run(qtbot, window, run_id)
    _, details.run_actions.confirm = agree(mark_done=True)
    details.run_actions.terminate_action.trigger()  # as from the board's right-click menu
    wait_for_state(qtbot, window, run_id, "completed")
    assert set(emulator.work_item_states(run_id).values()) == {"done"}


def test_a_key_without_the_permission_says_which_in_the_error_and_the_tooltip(qtbot, paths, open_window, emulator,
                                                                              process, secret_service, secret_guard):
    key = secret_guard.add(emulator.add_key(process.workspace_id,
                                            [p for p in PERMISSIONS if p != WRITE_WORK_ITEMS]))
    profile = add_v1_profile(paths, emulator, process, key)
    window = open_window()
    details = failed_run(qtbot, window, profile)
    retry = button(details, "retryItems")
    assert WRITE_WORK_ITEMS not in retry.toolTip()
    qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    note = details.findChild(StatusLine, "runActionNote")
    qtbot.waitUntil(lambda: note.kind == "error", timeout=WAIT)
    assert WRITE_WORK_ITEMS in note.text()
    assert retry.isEnabled() and WRITE_WORK_ITEMS in retry.toolTip()
    assert WRITE_WORK_ITEMS in details.run_actions.retry_action.toolTip()  # the board's menu shows it too
    assert details.record.state == "unresolved"


def test_the_board_menu_offers_the_actions_that_fit_the_run(qtbot, open_window, v1_profile):
    window = open_window()
    details = failed_run(qtbot, window, v1_profile)
    actions = details.run_actions
    shown = [a.text() for a in window.run_table.actions() if a.isVisible() and not a.isSeparator()]
    assert actions.retry_action.text() in shown and actions.mark_done_action.text() in shown
    assert actions.stop_action.text() not in shown


# --- a per-process secret run ---------------------------------------------------------------------------


def test_a_run_of_a_process_secret_says_a_workspace_key_is_needed(qtbot, paths, open_window, emulator, process,
                                                                   secret_service):
    store = ProfileStore(paths.profiles_file, SecretStore())
    profile = store.add(Profile("Secret", emulator.base_url, process.workspace_id, process.process_id),
                        process.secret)
    window = open_window()
    run_id = trigger(qtbot, window, profile, {"order": 1})
    details = show_run(qtbot, window, run_id)
    details.story.open_tab(CONSOLE_TAB)
    note = details.story.holders[CONSOLE_TAB].note
    # Only a tab's page asks Control Room, and none is built for this run.
    assert note.isVisible() and note.text() == NEEDS_WORKSPACE_KEY
    assert "workspace API key" in note.text() and "From workspace…" in note.text()
    assert details.story.built(CONSOLE_TAB) is None
    assert not any(button(details, name).isVisible() for name in ("stopRun", "terminateRun", "retryItems",
                                                                  "markItemsDone"))
    assert story_requests(emulator) == 0


def test_the_confirmation_dialog_says_what_happens_and_offers_marking_the_rest_done(qtbot, paths):
    details = RunDetails(story=Services.create(paths, SecretStore()).story_access())
    qtbot.addWidget(details)
    details.show()
    answers: list[bool] = []
    question = Confirmation("Stop the run", "Stop run r-1?", "The work items not started yet fail.", "Stop",
                            offer_mark_done=True)
    details.run_actions.ask(question, answers.append)
    box = details.run_actions.open_dialog
    assert box is not None and box.text() == "Stop run r-1?" and "fail" in box.informativeText()
    assert box.defaultButton() is box.escapeButton()  # Enter cancels: a run is never stopped by accident
    box.checkBox().setChecked(True)
    qtbot.mouseClick(box.findChild(QPushButton, "confirmRunAction"), Qt.MouseButton.LeftButton)
    assert answers == [True]
    qtbot.waitUntil(lambda: details.run_actions.open_dialog is None)
