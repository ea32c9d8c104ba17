"""Control Room API v1 in the window: runs of a profile's process started elsewhere (a schedule, a
colleague) come onto the board by themselves, with who started them; array payloads start one run.
Real widgets, loopback HTTP to the emulator, a real keyring and real SQLite."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from robocloud_desktop.core.profiles import API_V1, Profile, ProfileStore
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.emulator import EmulatedProcess, Emulator
from robocloud_desktop.ui.main_window import MainWindow
from tests.support.waiting import wait_for


def board(window: MainWindow) -> dict[str, str]:
    """Run id -> the board's "Started by" cell, for every run on the board."""
    model = window.run_model
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    column = titles.index("Started by")
    return {model.record(row).run_id: model.index(row, column).data() for row in range(model.rowCount())}


@pytest.fixture
def quiet(emulator: Emulator, process: EmulatedProcess) -> EmulatedProcess:
    return emulator.add_process(workspace_id=process.workspace_id, name="Quiet")


@pytest.fixture
def older(emulator: Emulator, process: EmulatedProcess) -> str:
    """A run of the process started before its profile was added."""
    run_id = emulator.start_run(process, started_by="schedule", duration=60)
    started_ms = int(time.time() * 1000)
    wait_for(lambda: int(time.time() * 1000) > started_ms)  # Control Room's times are whole milliseconds
    return run_id


@pytest.fixture
def profiles(paths, emulator, process, quiet, secret_service, secret_guard, older) -> tuple[Profile, Profile]:
    key = secret_guard.add(emulator.default_key)
    store = ProfileStore(paths.profiles_file, SecretStore())
    watched, off = store.add_of_workspace([
        Profile("Reports", emulator.v1_base_url, process.workspace_id, process.process_id, api=API_V1),
        Profile("Quiet", emulator.v1_base_url, quiet.workspace_id, quiet.process_id, api=API_V1, follow_others=False),
    ], key)
    return watched, off


def test_runs_started_elsewhere_come_onto_the_board_with_who_started_them(qtbot, open_window, emulator, process,
                                                                          quiet, profiles, older):
    while_closed = emulator.start_run(process, started_by="schedule", duration=60)
    window = open_window()
    by_schedule = emulator.start_run(process, started_by="schedule", duration=0.5)
    by_person = emulator.start_run(process, started_by="user", user=("u-1", "Ann", "Smith"), duration=0.5)
    not_followed = emulator.start_run(quiet, started_by="schedule", duration=0.5)
    qtbot.waitUntil(lambda: {by_schedule, by_person, while_closed} <= board(window).keys(), timeout=10000)
    shown = board(window)
    assert shown[by_person] == "Ann Smith" and shown[by_schedule].lower() == "schedule"
    qtbot.waitUntil(lambda: window.run_model.record_for(by_person).state == "completed", timeout=10000)
    # Runs from before the profile was added, and of a profile that turned this off, stay off the board;
    # one started while the window was closed came on.
    reads = emulator.count("GET", "/process-runs")
    qtbot.waitUntil(lambda: emulator.count("GET", "/process-runs") >= reads + 2, timeout=10000)
    assert older not in board(window) and not_followed not in board(window)
    assert window.services.history.get(not_followed) is None


def test_turning_the_setting_on_brings_the_process_in_without_a_restart(qtbot, open_window, emulator, quiet,
                                                                         profiles):
    window = open_window()
    _, off = profiles
    window.services.profiles.update(replace(off, follow_others=True))
    window.profile_list.reload()  # as after the profile dialog's OK
    found = emulator.start_run(quiet, started_by="email", duration=0.5)
    qtbot.waitUntil(lambda: found in board(window), timeout=10000)
    assert board(window)[found] == "e-mail"


def test_a_v1_profile_sends_an_array_as_one_run_started_here(qtbot, open_window, emulator, profiles):
    window = open_window()
    watched, _ = profiles
    assert window.profile_list.select_profile(watched.id)
    window.editor.set_text('[{"order": 1}, {"order": 2}]')
    assert "2 work items" in window.editor.status.toolTip() + window.editor.status.text()
    qtbot.waitUntil(window.trigger_button.isEnabled)
    qtbot.mouseClick(window.trigger_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.run_model.rowCount() == 1, timeout=10000)
    run = window.run_model.record(0)
    assert board(window)[run.run_id] == "here"
    assert emulator.work_items_of(run.run_id) == 2
    qtbot.waitUntil(lambda: window.run_model.record_for(run.run_id).state == "completed", timeout=10000)
