"""What the window says needs doing, and that its messages agree: real widgets, real HTTP to the emulator."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.profiles import API_V1, Profile, ProfileStore
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.emulator import Fault
from robocloud_desktop.ui.board.model import COL_DURATION, format_duration
from robocloud_desktop.ui.main_window import MainWindow
from tests.cli.test_profile_cli import cli


@pytest.fixture
def profile(paths, emulator, process, secret_service) -> Profile:
    store = ProfileStore(paths.profiles_file, SecretStore())
    return store.add(Profile("Invoices", emulator.base_url, process.workspace_id, process.process_id,
                             payload='{"simulate_duration": 0.5}'), secret=process.secret)


def trigger(qtbot, window: MainWindow, profile: Profile) -> None:
    assert window.profile_list.select_profile(profile.id)
    qtbot.waitUntil(window.trigger_button.isEnabled, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def host(emulator) -> str:
    return emulator.base_url.split("://", 1)[1].rstrip("/")


def test_the_network_message_clears_once_the_host_answers_again(qtbot, profile, open_window, emulator):
    window = open_window()
    emulator.inject(Fault("drop", method="GET", times=3))  # the run's first status checks meet dropped connections
    trigger(qtbot, window, profile)
    label = window.network_label
    qtbot.waitUntil(lambda: "Last network problem" in label.full_text(), timeout=15000)
    assert label.toolTip() == label.full_text()
    window.grab().save("/tmp/network_problem.png")
    qtbot.waitUntil(lambda: label.full_text() == "", timeout=15000)  # the next check was answered
    assert label.text() == "" and label.toolTip() == ""
    [record] = window.run_model.records()
    qtbot.waitUntil(lambda: window.run_model.record_for(record.run_id).outcome is Outcome.SUCCEEDED, timeout=15000)
    assert label.full_text() == ""


def test_a_long_network_message_is_cut_to_the_status_bar_with_all_of_it_in_the_tooltip(qtbot, profile, open_window,
                                                                                        emulator):
    window = open_window()
    window.resize(900, 600)
    long = "The connection to Control Room failed: " + "the proxy said no, " * 40 + "end."
    window.bridge.networkProblem.emit(host(emulator), long)
    label = window.network_label
    qtbot.waitUntil(lambda: label.text().endswith("…"))
    assert long in label.toolTip() and long not in label.text()
    assert label.geometry().right() <= window.statusBar().width()
    assert window.width() == 900  # the message does not widen the window
    window.grab().save("/tmp/network_long.png")
    # A problem of another host is not cleared by this one's answer.
    window.bridge.networkRecovered.emit("elsewhere.example:443")
    assert label.full_text()


def test_the_status_bar_never_contradicts_the_message_beside_trigger(qtbot, profile, open_window, emulator):
    window = open_window()
    window.bridge.networkProblem.emit(host(emulator), "The connection to 127.0.0.1 was refused.")
    assert window.network_label.full_text()
    trigger(qtbot, window, profile)
    qtbot.waitUntil(lambda: window.trigger_message.text().startswith("Run started"), timeout=15000)
    assert window.network_label.full_text() == ""  # Control Room just answered: no problem reaching it
    emulator.inject(Fault("status", status=503, method="POST", times=10))
    qtbot.waitUntil(window.trigger_button.isEnabled, timeout=15000)
    window.trigger()
    qtbot.waitUntil(lambda: window.trigger_button.isEnabled() and not window.trigger_message.text().startswith(
        ("Run started", "Starting")), timeout=30000)
    said = window.trigger_message.text()
    assert said and said in window.network_label.full_text()


def profile_names(window: MainWindow) -> list[str]:
    return [profile.name for profile in window.profile_list.model.profiles()]


def test_profiles_added_or_changed_from_the_command_line_appear_in_the_open_window(
        qtbot, profile, open_window, app_home, emulator, process):
    window = open_window()
    qtbot.waitUntil(lambda: window.profile_watch is not None)
    added = cli(app_home, "profile", "add", "Payroll", "--base-url", emulator.base_url, "--workspace",
                process.workspace_id, "--process", process.process_id, "--secret-stdin", stdin=process.secret + "\n")
    assert added.returncode == 0, added.stderr
    qtbot.waitUntil(lambda: profile_names(window) == ["Invoices", "Payroll"], timeout=10000)
    # A change to the profile shown (its file replaced by an atomic write) comes in too.
    renamed = cli(app_home, "profile", "rename", "Invoices", "Invoices EU")
    assert renamed.returncode == 0, renamed.stderr
    qtbot.waitUntil(lambda: profile_names(window) == ["Invoices EU", "Payroll"], timeout=10000)
    qtbot.waitUntil(lambda: window.profile_title.text() == "Invoices EU", timeout=5000)
    # And again, on the file written in place of the one watched before.
    assert cli(app_home, "profile", "remove", "Payroll").returncode == 0
    qtbot.waitUntil(lambda: profile_names(window) == ["Invoices EU"], timeout=10000)


def test_f5_in_the_profile_list_reads_the_profile_file_again(qtbot, profile, open_window, paths, emulator, process):
    window = open_window()
    qtbot.waitUntil(lambda: window.profile_watch is not None)
    window.profile_watch.watcher.blockSignals(True)  # as if the file system told nothing (a network drive)
    ProfileStore(paths.profiles_file, SecretStore()).add(
        Profile("Payroll", emulator.base_url, process.workspace_id, process.process_id), secret=process.secret)
    qtbot.wait(500)
    assert profile_names(window) == ["Invoices"]
    window.profile_list.view.setFocus()
    qtbot.keyClick(window.profile_list.view, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: profile_names(window) == ["Invoices", "Payroll"], timeout=10000)


def duration_cell(window: MainWindow, run_id: str) -> str:
    row = window.run_model.row_of(run_id)
    return window.run_model.index(row, COL_DURATION).data()


@pytest.mark.parametrize("simulate", ["", "fail", "pending"])
@pytest.mark.parametrize("api", ["process-secret", "v1"])
def test_ended_runs_show_the_duration_control_room_gave(qtbot, open_window, paths, emulator, process, secret_service,
                                                        secret_guard, api, simulate):
    payload = json.dumps({"simulate_duration": 0.5, "simulate": simulate})
    store = ProfileStore(paths.profiles_file, SecretStore())
    if api == "v1":
        key = secret_guard.add(emulator.default_key)
        [profile] = store.add_of_workspace([Profile("Reports", emulator.v1_base_url, process.workspace_id,
                                                    process.process_id, api=API_V1, payload=payload,
                                                    follow_others=False)], key)
    else:
        profile = store.add(Profile("Invoices", emulator.base_url, process.workspace_id, process.process_id,
                                    payload=payload), secret=process.secret)
    window = open_window()
    trigger(qtbot, window, profile)
    qtbot.waitUntil(lambda: window.run_model.rowCount() == 1, timeout=15000)
    [run_id] = [record.run_id for record in window.run_model.records()]
    qtbot.waitUntil(lambda: window.run_model.record_for(run_id).is_ended, timeout=20000)
    record = window.run_model.record_for(run_id)
    assert record.duration is not None, record.last_answer  # the answer had one: it is kept
    assert duration_cell(window, run_id) == format_duration(record.duration)
    assert window.run_details.record == record
    assert window.run_details.findChild(QLabel, "runDetails_duration").text() == format_duration(record.duration)
    window.close()
    window.shutdown()
    again = open_window()  # and after a restart, from the run history
    qtbot.waitUntil(lambda: again.run_model.record_for(run_id) is not None, timeout=15000)
    assert duration_cell(again, run_id) == format_duration(record.duration)


def test_a_run_started_elsewhere_shows_the_duration_control_room_gave_once_it_ended(
        qtbot, open_window, paths, emulator, process, secret_service, secret_guard):
    key = secret_guard.add(emulator.default_key)
    ProfileStore(paths.profiles_file, SecretStore()).add_of_workspace(
        [Profile("Reports", emulator.v1_base_url, process.workspace_id, process.process_id, api=API_V1)], key)
    window = open_window()
    qtbot.waitUntil(lambda: window.runs_elsewhere is not None, timeout=10000)
    run_id = emulator.start_run(process, started_by="schedule", duration=0.3)
    qtbot.waitUntil(lambda: (record := window.run_model.record_for(run_id)) is not None and record.is_ended,
                    timeout=20000)
    record = window.run_model.record_for(run_id)
    assert record.duration is not None and duration_cell(window, run_id) == format_duration(record.duration)
