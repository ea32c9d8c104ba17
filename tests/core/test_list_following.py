"""The monitor follows Control Room API v1 runs through their process's run list, and brings runs
of the process started elsewhere onto the board: real loopback HTTP to the emulator, real SQLite."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from robocloud_desktop.core.api import ProcessApiClient
from robocloud_desktop.core.history import RunHistory
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.monitor import RunMonitor
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.core.target import API_V1, Target
from robocloud_desktop.emulator import EmulatedProcess, Emulator
from tests.core.test_monitor import FAST, Recorder
from tests.support.waiting import wait_for

PLAN = replace(FAST, discover_interval=0.2)


@pytest.fixture
def key(emulator: Emulator, secret_guard) -> str:  # type: ignore[no-untyped-def]
    return secret_guard.add(emulator.default_key)


@pytest.fixture
def v1(emulator: Emulator, process: EmulatedProcess) -> Target:
    return Target(emulator.v1_base_url, process.workspace_id, process.process_id, api=API_V1)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[RunHistory]:
    h = RunHistory(tmp_path / "history.sqlite3")
    yield h
    h.close()


@pytest.fixture
def client() -> Iterator[ProcessApiClient]:
    with ProcessApiClient(timeout=(2.0, 5.0)) as api:
        yield api


def make_monitor(client: ProcessApiClient, history: RunHistory, key: str, recorder: Recorder | None = None
                 ) -> RunMonitor:
    monitor = RunMonitor(client, history, lambda _: key, plan=PLAN, workers=4, on_update=recorder)
    monitor.start(resume=False)
    return monitor


def trigger(client: ProcessApiClient, history: RunHistory, target: Target, key: str, payload: object) -> RunRecord:
    run = client.trigger(target, key, payload)  # type: ignore[arg-type]
    return history.record_trigger(run, target, payload, profile_id="p1", profile_name="Reports")  # type: ignore[arg-type]


def list_reads(emulator: Emulator) -> int:
    return emulator.count("GET", "/process-runs")


def test_many_runs_of_one_process_are_followed_by_reading_its_list_not_each_run(client, history, key, v1, emulator):
    monitor = make_monitor(client, history, key)
    try:
        records = [trigger(client, history, v1, key, {"simulate_duration": 0.8}) for _ in range(30)]
        for record in records:
            monitor.track(record)
        wait_for(lambda: all(history.get(r.run_id).finished for r in records))
    finally:
        monitor.stop()
    assert {history.get(r.run_id).outcome for r in records} == {Outcome.SUCCEEDED}
    one_run_gets = sum(1 for r in emulator.requests if r.method == "GET" and "/process-runs/" in r.path)
    assert one_run_gets == 0
    # About one list read per interval while they run, not thirty.
    assert list_reads(emulator) < 30


def test_a_run_ends_with_control_rooms_times_and_its_raw_state(client, history, key, v1):
    monitor = make_monitor(client, history, key)
    try:
        record = trigger(client, history, v1, key, [{"n": 1}, {"simulate": "fail"}])
        monitor.track(record)
        wait_for(lambda: history.get(record.run_id).outcome is Outcome.NEEDS_ATTENTION)
    finally:
        monitor.stop()
    saved = history.get(record.run_id)
    assert (saved.state, saved.api) == ("unresolved", API_V1)
    assert saved.created_at is not None and saved.server_ended_at is not None
    assert not saved.finished  # a person may retry the items: followed on, slowly


def test_runs_started_elsewhere_come_in_once_with_who_started_them(client, history, key, v1, emulator, process):
    old = emulator.start_run(process, started_by="schedule")
    # Control Room's times are whole milliseconds: the profile is added in a later one.
    old_ms = int(time.time() * 1000)
    wait_for(lambda: int(time.time() * 1000) > old_ms)
    since = time.time()
    recorder = Recorder()
    monitor = make_monitor(client, history, key, recorder)
    try:
        monitor.watch_process(v1, profile_id="p1", profile_name="Reports", since=since)
        by_user = emulator.start_run(process, started_by="user", user=("u-7", "Grace", "Hopper"))
        by_mail = emulator.start_run(process, started_by="email")
        wait_for(lambda: all(history.get(r) is not None and history.get(r).finished for r in (by_user, by_mail)))
    finally:
        monitor.stop()
    assert history.get(old) is None  # started before the profile looked
    user = history.get(by_user)
    assert (user.started_by, user.started_by_type, user.profile_name) == ("Grace Hopper", "user", "Reports")
    assert history.get(by_mail).started_by == "e-mail"
    told = [u for u in recorder.updates if u.record.run_id == by_user and u.previous.state == ""]
    assert len(told) == 1  # came onto the board once


def test_a_restart_does_not_bring_a_found_run_in_twice(client, history, key, v1, emulator, process):
    since = time.time()
    found = emulator.start_run(process, started_by="schedule", duration=30)
    first = make_monitor(client, history, key)
    try:
        first.watch_process(v1, profile_id="p1", profile_name="Reports", since=since)
        wait_for(lambda: history.get(found) is not None)
    finally:
        first.stop()
    recorder = Recorder()
    second = make_monitor(client, history, key, recorder)
    second.start(resume=True)
    try:
        second.watch_process(v1, profile_id="p1", profile_name="Reports", since=since)
        reads = list_reads(emulator)
        wait_for(lambda: list_reads(emulator) >= reads + 2)
    finally:
        second.stop()
    assert [r.run_id for r in history.recent(limit=1000)].count(found) == 1
    assert not [u for u in recorder.updates if u.record.run_id == found and u.previous.state == ""]


def test_a_process_not_watched_brings_in_nothing_from_elsewhere(client, history, key, v1, emulator, process):
    monitor = make_monitor(client, history, key)
    try:
        mine = trigger(client, history, v1, key, {"simulate_duration": 1.0})
        monitor.track(mine)
        other = emulator.start_run(process, started_by="schedule")
        wait_for(lambda: history.get(mine.run_id).finished)
    finally:
        monitor.stop()
    assert history.get(other) is None


def test_two_followers_on_one_history_bring_a_run_from_elsewhere_in_once_and_both_show_it(
        client, key, v1, emulator, process, tmp_path):
    # A window and `watch` on the same computer: one reads the list, the other what it wrote.
    since = time.time()
    histories = [RunHistory(tmp_path / "history.sqlite3") for _ in range(2)]
    recorders = [Recorder(), Recorder()]
    monitors = [make_monitor(client, h, key, r) for h, r in zip(histories, recorders, strict=True)]
    try:
        for monitor in monitors:
            monitor.watch_process(v1, profile_id="p1", profile_name="Reports", since=since)
        found = emulator.start_run(process, started_by="schedule", duration=1.0)
        for recorder in recorders:
            wait_for(lambda r=recorder: any(u.record.run_id == found and u.record.is_ended for u in r.updates))
    finally:
        for monitor in monitors:
            monitor.stop()
        for history in histories:
            history.close()
    history = RunHistory(tmp_path / "history.sqlite3")
    try:
        assert [r.run_id for r in history.recent(limit=1000)].count(found) == 1
    finally:
        history.close()
    for recorder in recorders:
        assert len([u for u in recorder.updates if u.record.run_id == found and u.previous.state == ""]) == 1


def test_a_run_the_user_acted_on_is_followed_closely_again_however_old_its_state(client, history, key, v1, emulator):
    # A run that needs attention is looked at every few minutes, until the user retries its items.
    plan = replace(PLAN, pending_interval=3600.0, discover_interval=3600.0)
    monitor = RunMonitor(client, history, lambda _: key, plan=plan, workers=2)
    monitor.start(resume=False)
    try:
        record = trigger(client, history, v1, key, {"simulate": "fail"})
        monitor.track(record)
        wait_for(lambda: history.get(record.run_id).outcome is Outcome.NEEDS_ATTENTION)
        reads = list_reads(emulator)  # from here nothing is due for an hour
        monitor.hurry([history.get(record.run_id)], for_seconds=2.0)
        wait_for(lambda: list_reads(emulator) >= reads + 3)  # at the quickest pace, not hourly
    finally:
        monitor.stop()
