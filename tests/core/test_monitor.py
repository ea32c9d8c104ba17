"""RunMonitor over real loopback HTTP against the emulator, with a real SQLite history."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from robocloud_desktop.core.api import ProcessApiClient
from robocloud_desktop.core.history import RunHistory
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.monitor import PollPlan, RunMonitor, RunUpdate
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.core.target import Target
from robocloud_desktop.emulator import Emulator, Fault
from tests.support.waiting import wait_for

FAST = PollPlan(first_delay=0.05, intervals=((0, 0.2),), unknown_interval=0.6, pending_interval=0.6,
                error_backoff=0.2, error_backoff_max=1.0)
# Room between a poll's end and the next one, for a listener to act in before the next is due.
ROOMY = replace(FAST, intervals=((0, 0.5),))


class Recorder:
    """Collects every update the monitor calls back with."""

    def __init__(self) -> None:
        self.updates: list[RunUpdate] = []
        self.lock = threading.Lock()

    def __call__(self, update: RunUpdate) -> None:
        with self.lock:
            self.updates.append(update)

    def states(self, run_id: str) -> list[str]:
        with self.lock:
            seen = [u.record.state for u in self.updates if u.record.run_id == run_id and u.changed]
        return [s for i, s in enumerate(seen) if i == 0 or seen[i - 1] != s]

    def latest(self, run_id: str) -> RunRecord | None:
        with self.lock:
            mine = [u.record for u in self.updates if u.record.run_id == run_id]
        return mine[-1] if mine else None


@pytest.fixture
def history(tmp_path: Path) -> Iterator[RunHistory]:
    h = RunHistory(tmp_path / "history.sqlite3")
    yield h
    h.close()


@pytest.fixture
def client() -> Iterator[ProcessApiClient]:
    with ProcessApiClient(timeout=(2.0, 5.0)) as api:
        yield api


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def monitor(client, history, process, recorder) -> Iterator[RunMonitor]:
    m = RunMonitor(client, history, lambda _: process.secret, plan=FAST, workers=4, on_update=recorder)
    m.start(resume=False)
    yield m
    m.stop()


def trigger(client: ProcessApiClient, history: RunHistory, target: Target, secret: str, payload: dict) -> RunRecord:
    run = client.trigger(target, secret, payload)
    return history.record_trigger(run, target, payload, profile_id="p1", profile_name="Invoices")


def one_check(m: RunMonitor, client: ProcessApiClient, history: RunHistory, target: Target, secret: str,
              recorder) -> RunRecord:  # type: ignore[no-untyped-def]
    """Start a run, let the monitor check it once, stop; the run as the history saved it then."""
    m.start(resume=False)
    record = trigger(client, history, target, secret, {})
    m.track(record, delay=0)
    wait_for(lambda: recorder.latest(record.run_id) is not None)
    m.stop()
    saved = history.get(record.run_id)
    assert saved is not None
    return saved


def heard_finished(recorder: Recorder, run_id: str) -> bool:
    """Whether the listener has heard the run finish: it is told just after the history is written."""
    latest = recorder.latest(run_id)
    return latest is not None and latest.finished


def gets_for(emulator: Emulator, run_id: str) -> list[float]:
    return [r.time for r in emulator.requests if r.method == "GET" and r.path.endswith(run_id)]


def test_a_run_is_followed_through_its_states_to_completed(monitor, client, history, target, process, recorder):
    record = trigger(client, history, target, process.secret, {"simulate_duration": 0.8})
    monitor.track(record)
    # The listener hears of the last answer just after it is saved: both are waited for.
    wait_for(lambda: history.get(record.run_id).finished and heard_finished(recorder, record.run_id))
    saved = history.get(record.run_id)
    assert (saved.state, saved.result, saved.outcome) == ("COMPL", "OK", Outcome.SUCCEEDED)
    assert saved.ended_at is not None and saved.last_checked is not None and saved.last_answer
    assert recorder.states(record.run_id)[-1] == "COMPL"
    assert set(recorder.states(record.run_id)) <= {"INI", "IP", "COMPL"}
    assert monitor.tracked == 0


def test_failed_pending_and_unknown_states(monitor, client, history, target, process, recorder, emulator):
    failed = trigger(client, history, target, process.secret, {"simulate": "fail", "simulate_duration": 0.2})
    pending = trigger(client, history, target, process.secret, {"simulate": "pending", "simulate_duration": 0.2})
    odd = trigger(client, history, target, process.secret, {"simulate": "state:STOPPING", "simulate_duration": 0.2})
    for record in (failed, pending, odd):
        monitor.track(record)
    wait_for(lambda: history.get(failed.run_id).finished)
    assert history.get(failed.run_id).outcome is Outcome.FAILED
    assert history.get(failed.run_id).error_code == "EMULATED_FAILURE"

    wait_for(lambda: history.get(pending.run_id).state == "PENDING")
    needs_attention = history.get(pending.run_id)
    assert needs_attention.outcome is Outcome.NEEDS_ATTENTION and needs_attention.is_ended
    assert not needs_attention.finished  # it may still turn into COMPL: keep looking, slowly

    wait_for(lambda: history.get(odd.run_id).state == "STOPPING")
    unknown = history.get(odd.run_id)
    assert unknown.outcome is Outcome.UNKNOWN and not unknown.finished
    # Both go on being polled, at the slow interval (0.6 s here) rather than the normal 0.2 s.
    wait_for(lambda: len(gets_for(emulator, odd.run_id)) >= 4 and len(gets_for(emulator, pending.run_id)) >= 4)
    for run_id in (odd.run_id, pending.run_id):
        times = gets_for(emulator, run_id)
        assert min(b - a for a, b in itertools.pairwise(times[-3:])) >= 0.5


def test_finished_runs_are_not_polled_again(monitor, client, history, target, process, emulator):
    record = trigger(client, history, target, process.secret, {"simulate_duration": 0})
    monitor.track(record)
    wait_for(lambda: history.get(record.run_id).finished)
    count = len(gets_for(emulator, record.run_id))
    other = trigger(client, history, target, process.secret, {"simulate_duration": 1.0})
    monitor.track(other)  # a later run keeps the monitor busy for several intervals
    wait_for(lambda: history.get(other.run_id).finished)
    assert len(gets_for(emulator, record.run_id)) == count == 1


def test_one_request_at_a_time_per_run(client, history, target, process, emulator):
    emulator.latency = 0.5  # each answer takes longer than the 0.2 s interval
    m = RunMonitor(client, history, lambda _: process.secret, plan=FAST, workers=4)
    m.start(resume=False)
    record = trigger(client, history, target, process.secret, {"simulate_duration": 1.5})
    m.track(record)
    wait_for(lambda: history.get(record.run_id).finished)
    m.stop()
    times = gets_for(emulator, record.run_id)
    assert len(times) >= 2
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.5


def test_retry_after_is_honoured(monitor, client, history, target, process, emulator):
    record = trigger(client, history, target, process.secret, {"simulate_duration": 0.5})
    emulator.inject(Fault("status", status=429, retry_after="1.5", method="GET"))
    monitor.track(record)
    wait_for(lambda: history.get(record.run_id).finished)
    gets = [r for r in emulator.requests if r.method == "GET"]
    limited = next(i for i, r in enumerate(gets) if r.status == 429)
    assert gets[limited + 1].time - gets[limited].time >= 1.45


def test_server_errors_back_off_per_host_and_are_recorded(monitor, client, history, target, process, emulator,
                                                          recorder):
    records = [trigger(client, history, target, process.secret, {"simulate_duration": 0.3}) for _ in range(3)]
    emulator.inject(Fault("status", status=503, method="GET", times=3))
    for record in records:
        monitor.track(record, delay=0)
    for record in records:
        wait_for(lambda r=record: history.get(r.run_id).finished)
        assert history.get(record.run_id).outcome is Outcome.SUCCEEDED
        assert history.get(record.run_id).last_error == ""  # cleared by the next good answer
    errors = [u.record for u in recorder.updates if u.record.last_error]
    assert errors and "HTTP 503" in errors[0].last_error
    gets = [r for r in emulator.requests if r.method == "GET"]
    first_error = next(i for i, r in enumerate(gets) if r.status == 503)
    # After the first 503 the host is left alone for the backoff (0.2 s), for every run on it.
    later = [r for r in gets[first_error + 1:] if r.status == 200]
    assert later[0].time - gets[first_error].time >= 0.15


def test_dropped_connections_and_timeouts_do_not_stop_it(monitor, client, history, target, process, emulator):
    record = trigger(client, history, target, process.secret, {"simulate_duration": 0.4})
    emulator.inject(Fault("drop", method="GET"))
    emulator.inject(Fault("html", status=502, method="GET"))
    monitor.track(record)
    wait_for(lambda: history.get(record.run_id).finished)
    assert history.get(record.run_id).error_count >= 2


def test_stop_while_requests_are_in_flight(client, history, target, process, emulator, recorder):
    records = [trigger(client, history, target, process.secret, {"simulate_duration": 0}) for _ in range(3)]
    emulator.latency = 2.0
    m = RunMonitor(client, history, lambda _: process.secret, plan=FAST, workers=4, on_update=recorder)
    m.start(resume=False)
    for record in records:
        m.track(record, delay=0)
    wait_for(lambda: m.in_flight == 3)
    began = time.monotonic()
    assert m.stop(timeout=1.0) is True  # all but the three threads waiting on the network ended
    assert time.monotonic() - began < 1.5  # well before the 2 s answers: stopping does not wait for them
    emulator.latency = 0
    wait_for(lambda: all(r.status for r in emulator.requests))  # the answers did arrive meanwhile
    time.sleep(0.3)  # give a stray worker the chance to misbehave
    assert recorder.updates == []
    assert all(not history.get(r.run_id).finished and history.get(r.run_id).last_checked is None for r in records)


def test_a_forgotten_run_is_no_longer_polled_and_the_others_go_on(client, history, target, process, emulator,
                                                                  recorder):
    forgotten = trigger(client, history, target, process.secret, {"simulate_duration": 30})
    other = trigger(client, history, target, process.secret, {"simulate_duration": 2.0})
    m = RunMonitor(client, history, lambda _: process.secret, plan=ROOMY, workers=4, on_update=recorder)
    looks = 0
    seen_at_forget: list[int] = []

    def remove_after_two_looks(update: RunUpdate) -> None:
        # Called as a poll of it ends, 0.5 s before the next is due: no request for it is out, so
        # the requests the emulator has seen by now are all it may ever see.
        nonlocal looks
        if update.record.run_id == forgotten.run_id:
            looks += 1
            if looks == 2:
                m.forget([forgotten.run_id])
                history.remove([forgotten.run_id])
                seen_at_forget.append(len(gets_for(emulator, forgotten.run_id)))

    m.add_listener(remove_after_two_looks)
    m.start(resume=False)
    try:
        m.track(forgotten, delay=0)
        m.track(other, delay=0)
        wait_for(lambda: history.get(other.run_id).finished)  # ~4 more turns the forgotten run would have had
    finally:
        m.stop()
    assert history.get(other.run_id).outcome is Outcome.SUCCEEDED
    assert seen_at_forget == [2] and len(gets_for(emulator, forgotten.run_id)) == 2
    assert looks == 2 and len([u for u in recorder.updates if u.record.run_id == forgotten.run_id]) == 2
    assert history.get(forgotten.run_id) is None and m.tracked == 0


def test_a_run_forgotten_while_its_poll_is_in_flight_is_not_reported(monitor, client, history, target, process,
                                                                     emulator, recorder):
    forgotten = trigger(client, history, target, process.secret, {"simulate_duration": 30})
    emulator.inject(Fault("delay", seconds=1.0, method="GET"))  # its first look is held at the server
    monitor.track(forgotten, delay=0)
    wait_for(lambda: len(gets_for(emulator, forgotten.run_id)) == 1)
    monitor.forget([forgotten.run_id, "no-such-run"])
    history.remove([forgotten.run_id])
    assert monitor.in_flight == 1  # only that poll's end lowers it: it was out when the run was forgotten
    wait_for(lambda: monitor.in_flight == 0)
    other = trigger(client, history, target, process.secret, {"simulate_duration": 1.0})
    monitor.track(other, delay=0)
    wait_for(lambda: history.get(other.run_id).finished)  # several turns the forgotten run would have had
    assert [r.status for r in emulator.requests if r.path.endswith(forgotten.run_id)] == [200]
    assert recorder.latest(forgotten.run_id) is None
    assert history.get(forgotten.run_id) is None  # the late answer was not written back either
    assert monitor.tracked == 0


def test_a_forgotten_run_tracked_again_is_followed_again(monitor, client, history, target, process, emulator,
                                                         recorder):
    record = trigger(client, history, target, process.secret, {"simulate_duration": 1.0})
    emulator.inject(Fault("delay", seconds=0.5, method="GET"))
    monitor.track(record, delay=0)
    wait_for(lambda: len(gets_for(emulator, record.run_id)) == 1)
    monitor.forget([record.run_id])
    monitor.track(record)  # taken back (an undo) before the poll that was out has ended
    assert monitor.in_flight == 1
    wait_for(lambda: history.get(record.run_id).finished and heard_finished(recorder, record.run_id))
    assert recorder.states(record.run_id)[-1] == "COMPL"
    assert len(gets_for(emulator, record.run_id)) >= 2


def test_check_now_looks_at_once_at_runs_not_due_for_a_minute(client, history, target, process, emulator,
                                                                recorder):
    slow = replace(FAST, first_delay=60.0, intervals=((0, 60.0),))
    m = RunMonitor(client, history, lambda _: process.secret, plan=slow, workers=2, on_update=recorder)
    m.start(resume=False)
    try:
        running = trigger(client, history, target, process.secret, {"simulate_duration": 60})
        done = trigger(client, history, target, process.secret, {"simulate_duration": 0})
        m.track(running)
        m.track(done)
        assert m.check_now([running.run_id, done.run_id, "not-followed"]) == 2
        wait_for(lambda: recorder.latest(running.run_id) is not None and history.get(done.run_id).finished)
        assert recorder.latest(running.run_id).state in ("INI", "IP")
        assert len(gets_for(emulator, running.run_id)) == len(gets_for(emulator, done.run_id)) == 1
        assert m.check_now([done.run_id]) == 0  # ended: no longer followed
        assert m.check_now([running.run_id]) == 1
        wait_for(lambda: len(gets_for(emulator, running.run_id)) == 2)
    finally:
        m.stop()


def test_resume_after_restart(client, history, target, process, tmp_path):
    records = [trigger(client, history, target, process.secret, {"simulate_duration": 0.3}) for _ in range(5)]
    history.close()
    reopened = RunHistory(tmp_path / "history.sqlite3")
    assert {r.run_id for r in reopened.unfinished()} == {r.run_id for r in records}
    m = RunMonitor(client, reopened, lambda _: process.secret, plan=FAST)
    m.start(resume=True)
    wait_for(lambda: reopened.unfinished() == [])
    m.stop()
    assert all(reopened.get(r.run_id).outcome is Outcome.SUCCEEDED for r in records)
    reopened.close()


def test_a_secret_problem_is_recorded_and_the_run_kept(client, history, target, process, recorder, emulator):
    from robocloud_desktop.core.secrets import KeyringIsLocked

    def locked(_: RunRecord) -> str:
        raise KeyringIsLocked("The keyring is locked. Unlock it and try again.")

    m = RunMonitor(client, history, locked, plan=FAST, on_update=recorder)
    saved = one_check(m, client, history, target, process.secret, recorder)
    assert "locked" in saved.last_error and not saved.finished
    assert gets_for(emulator, saved.run_id) == []


def test_wrong_secret_is_recorded_without_the_secret(client, history, target, process, recorder, secret_guard):
    wrong = secret_guard.add("wrong-secret-value-1234567890abcdef")
    m = RunMonitor(client, history, lambda _: wrong, plan=FAST, on_update=recorder)
    saved = one_check(m, client, history, target, process.secret, recorder)
    assert "rejected the process secret" in saved.last_error and wrong not in saved.last_error
    assert wrong.encode() not in history.path.read_bytes()


def test_a_trigger_whose_answer_was_lost_is_never_asked_about(monitor, history, target, emulator):
    record, _ = history.remember_unsure_trigger(target, {})
    monitor.track(record, delay=0)
    monitor.hurry([record])
    assert monitor.resume() == 0 and monitor.tracked == 0
    time.sleep(0.5)
    assert not [r for r in emulator.requests if record.run_id in r.path]
