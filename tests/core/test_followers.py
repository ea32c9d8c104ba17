"""Following runs when more than one follower shares the history, when Control Room forgets a run, and
when the history cannot be written: real HTTP to the emulator, real SQLite files."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from robocloud_desktop.core.api import ProcessApiClient
from robocloud_desktop.core.api_results import TriggeredRun
from robocloud_desktop.core.history import RunHistory
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.monitor import NOT_FOUND_LIMIT, PollPlan, RunMonitor
from robocloud_desktop.core.records import RunRecord
from tests.core.test_monitor import Recorder
from tests.support.waiting import wait_for

# Runs of 1.5 s polled every 0.25 s: about seven status requests per run for one follower.
PLAN = PollPlan(first_delay=0.1, intervals=((0, 0.25),), unknown_interval=0.2, error_backoff=0.1)
RUN_SECONDS = 1.5


@pytest.fixture
def client() -> Iterator[ProcessApiClient]:
    with ProcessApiClient(timeout=(2.0, 5.0)) as api:
        yield api


def follower(path: Path, client: ProcessApiClient, secret: str, recorder: Recorder) -> tuple[RunMonitor, RunHistory]:
    history = RunHistory(path)
    monitor = RunMonitor(client, history, lambda _: secret, plan=PLAN, workers=2, on_update=recorder)
    monitor.start(resume=False)
    return monitor, history


def started(client: ProcessApiClient, history: RunHistory, target, secret: str) -> RunRecord:
    run = client.trigger(target, secret, {"simulate_duration": RUN_SECONDS})
    return history.record_trigger(run, target, {}, profile_id="p1", profile_name="Invoices")


def gets_for(emulator, run_id: str) -> int:
    return emulator.count("GET", run_id)


def follow_to_the_end(emulator, client, target, process, tmp_path, followers: int) -> tuple[int, list[Recorder]]:
    path = tmp_path / f"history-{followers}.sqlite3"
    recorders = [Recorder() for _ in range(followers)]
    pairs = [follower(path, client, process.secret, r) for r in recorders]
    try:
        record = started(client, pairs[0][1], target, process.secret)
        for monitor, _ in pairs:
            monitor.track(record)
        for recorder in recorders:  # every follower learns how the run ended
            wait_for(lambda r=recorder: (latest := r.latest(record.run_id)) is not None and latest.finished,
                     timeout=15)
            assert recorder.latest(record.run_id).outcome is Outcome.SUCCEEDED
    finally:
        for monitor, history in pairs:
            monitor.stop()
            history.close()
    return gets_for(emulator, record.run_id), recorders


def test_two_followers_of_one_history_send_no_more_requests_than_one(emulator, client, target, process, tmp_path):
    # A run with one follower and another with two, at the same time, each with a history of its own.
    with ThreadPoolExecutor(2) as pool:
        one, two = (pool.submit(follow_to_the_end, emulator, client, target, process, tmp_path, n) for n in (1, 2))
        (alone, _), (together, _) = one.result(), two.result()
    ideal = math.ceil((RUN_SECONDS - PLAN.first_delay) / PLAN.intervals[0][1]) + 1
    assert alone <= ideal + 2
    # Without sharing, two followers would send twice as many.
    assert together <= alone + 1, (alone, together)


def test_a_follower_that_stops_hands_its_runs_over_at_once(emulator, client, target, process, tmp_path):
    path = tmp_path / "h.sqlite3"
    first_seen, second_seen = Recorder(), Recorder()
    first, first_history = follower(path, client, process.secret, first_seen)
    second, second_history = follower(path, client, process.secret, second_seen)
    try:
        record = started(client, first_history, target, process.secret)
        first.track(record)
        wait_for(lambda: first_seen.latest(record.run_id) is not None)
        second.track(record)
        first.stop()  # the window closes while `watch` goes on
        with sqlite3.connect(path) as db:  # it gave its leases up: the other need not wait for them to run out
            assert db.execute("SELECT count(*) FROM poll_leases WHERE owner = ?", (first.owner,)).fetchone()[0] == 0
        wait_for(lambda: (latest := second_seen.latest(record.run_id)) is not None and latest.finished, timeout=15)
        assert second_seen.latest(record.run_id).outcome is Outcome.SUCCEEDED
    finally:
        second.stop()
        first_history.close()
        second_history.close()


def test_a_run_control_room_no_longer_knows_is_marked_gone(emulator, client, target, process, tmp_path):
    recorder = Recorder()
    monitor, history = follower(tmp_path / "h.sqlite3", client, process.secret, recorder)
    try:
        # Recorded as started, then the server answers 404 for it: deleted in Control Room, say.
        record = history.record_trigger(TriggeredRun("5f2c0d1e-0000-4000-8000-000000000001", "wi", process.process_id,
                                                     process.workspace_id), target, {})
        monitor.track(record)
        wait_for(lambda: (latest := recorder.latest(record.run_id)) is not None and latest.finished, timeout=10)
    finally:
        monitor.stop()
    latest = recorder.latest(record.run_id)
    assert latest.gone and latest.outcome is Outcome.GONE and latest.is_ended
    assert latest.label == "No longer known to Control Room"
    assert gets_for(emulator, record.run_id) == NOT_FOUND_LIMIT
    saved = history.get(record.run_id)
    assert saved.gone and saved.finished
    history.close()
    assert RunHistory(tmp_path / "h.sqlite3").get(record.run_id).outcome is Outcome.GONE


def test_runs_are_followed_when_the_history_cannot_be_written_and_each_update_says_so(emulator, client, target,
                                                                                       process, tmp_path):
    path = tmp_path / "h.sqlite3"
    recorder = Recorder()
    monitor, history = follower(path, client, process.secret, recorder)
    record = started(client, history, target, process.secret)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    history.busy_timeout = 0.05
    history.close()
    history.retry()  # opened again with the short wait
    other.execute("BEGIN EXCLUSIVE")  # another program holds the file from now on
    try:
        monitor.track(record)
        wait_for(lambda: (latest := recorder.latest(record.run_id)) is not None and latest.finished, timeout=15)
        latest = recorder.latest(record.run_id)
        assert latest.outcome is Outcome.SUCCEEDED
        unsaved = {u.unsaved for u in recorder.updates if u.record.run_id == record.run_id}
        assert unsaved and all("locked by another program" in text for text in unsaved)
    finally:
        other.execute("ROLLBACK")
        other.close()
        monitor.stop()
    assert history.get(record.run_id).state == ""  # what the file has: nothing was written meanwhile
    history.close()


def test_a_run_another_follower_saw_finish_is_read_not_polled_again(emulator, client, target, process, tmp_path):
    recorder = Recorder()
    monitor, history = follower(tmp_path / "h.sqlite3", client, process.secret, recorder)
    try:
        record = started(client, history, target, process.secret)
        # Another follower saw it end and gave its lease up; this one still holds the copy from before.
        history.save(replace(record, state="COMPL", result="OK", finished=True))
        monitor.track(record)
        wait_for(lambda: (latest := recorder.latest(record.run_id)) is not None and latest.finished, timeout=10)
    finally:
        monitor.stop()
        history.close()
    assert recorder.latest(record.run_id).outcome is Outcome.SUCCEEDED
    assert gets_for(emulator, record.run_id) == 0


def test_a_follower_without_the_runs_secret_leaves_it_to_one_that_has_it(emulator, client, target, process,
                                                                          tmp_path):
    """A window open on the files of `trigger --base-url ... --wait`, whose secret is only in that command's
    environment: the window cannot ask about the run, and must not keep the command from asking."""
    from robocloud_desktop.core.secrets import SecretNotFound

    def no_secret(record: RunRecord) -> str:
        raise SecretNotFound(f"Run {record.run_id} was triggered without a profile.")

    path = tmp_path / "h.sqlite3"
    window_seen, command_seen = Recorder(), Recorder()
    window_history = RunHistory(path)
    window = RunMonitor(client, window_history, no_secret, plan=PLAN, workers=2, on_update=window_seen)
    window.start(resume=False)
    command, command_history = follower(path, client, process.secret, command_seen)
    try:
        record = started(client, window_history, target, process.secret)
        window.track(record, delay=0)  # the window comes to it first
        wait_for(lambda: window_seen.latest(record.run_id) is not None)
        assert window_seen.latest(record.run_id).last_error  # it says why it cannot follow the run
        command.track(record)
        wait_for(lambda: (latest := command_seen.latest(record.run_id)) is not None and latest.finished, timeout=15)
        assert command_seen.latest(record.run_id).outcome is Outcome.SUCCEEDED
        # What the command learnt reaches the window through the history.
        wait_for(lambda: (latest := window_seen.latest(record.run_id)) is not None and latest.finished, timeout=15)
    finally:
        window.stop()
        command.stop()
        window_history.close()
        command_history.close()
