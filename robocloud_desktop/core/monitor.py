"""Follow every run this workstation started until it ends, from a bounded pool of threads.

One scheduler thread keeps a heap of when each run is next due and hands due runs to a fixed set
of worker threads, never more than one request per run and never more requests than workers.
With nothing due it sleeps on a condition with no timeout, so an idle monitor costs no CPU.
Workers are daemon threads: a request stuck in a slow network cannot hold up shutdown.

Several followers may share one history (the window, `watch` in a shell, `trigger --wait`). Each run
is polled by one of them at a time: the follower holding the run's poll lease in the history asks
Control Room and writes what it learns; the others read it from the history. A follower that
stops gives its leases up; one that dies loses them when they run out.

The history is written, not relied on: when it cannot be written (locked, full, read-only), runs are
still followed in memory and each update says that it was not saved.
"""

from __future__ import annotations

import heapq
import logging
import os
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from robocloud_desktop.core.errors import NotFound, ProcessApiError, RateLimited, SecretRejected
from robocloud_desktop.core.history import RunHistory
from robocloud_desktop.core.list_following import ListFollowing
from robocloud_desktop.core.models import TERMINAL_STATES, Outcome
from robocloud_desktop.core.records import HistoryError, RunRecord
from robocloud_desktop.core.retry import NO_RETRY
from robocloud_desktop.core.secrets import SecretState, SecretStoreError
from robocloud_desktop.core.target import API_V1

if TYPE_CHECKING:  # the client pulls in requests; the window starts faster without it
    from robocloud_desktop.core.api import ProcessApiClient

log = logging.getLogger(__name__)

NOT_FOUND_LIMIT = 3  # a run gone from the server three times in a row is not coming back
# A poll lease lasts until the next poll is due and this much more (or half the interval, if longer):
# room for a late poll before another follower takes the run over.
LEASE_GRACE = 5.0
# A lease taken before polling covers the request itself; renewed when the answer is written.
LEASE_FOR_REQUEST = 120.0
# A lease said to last longer than this is not believed: a clock set back made it.
LONGEST_LEASE = 7200.0


@dataclass(frozen=True)
class PollPlan:
    """How often to look. `intervals` maps a run's age (seconds since trigger) to its interval."""

    first_delay: float = 1.0
    intervals: tuple[tuple[float, float], ...] = ((0, 2.0), (120, 5.0), (900, 15.0), (3600, 60.0))
    unknown_interval: float = 60.0  # a state code we do not know: keep looking, slowly
    pending_interval: float = 300.0  # PENDING has ended for waiters but may still turn into COMPL
    hurry_for: float = 120.0  # how long a run the user acted on is followed at the quickest pace
    discover_interval: float = 15.0  # a v1 process's list, read for runs started elsewhere
    error_backoff: float = 2.0
    error_backoff_max: float = 120.0
    give_up_after: float = 7 * 24 * 3600.0

    def interval_for(self, age: float) -> float:
        chosen = self.intervals[0][1]
        for since, interval in self.intervals:
            if age >= since:
                chosen = interval
        return chosen

    def backoff(self, failures: int) -> float:
        return min(self.error_backoff_max, self.error_backoff * 2.0 ** max(0, failures - 1))


@dataclass(frozen=True)
class RunUpdate:
    """What the monitor learned about a run: the record now and as it was before."""

    record: RunRecord
    previous: RunRecord
    unsaved: str = ""  # why the run history could not keep this update ('' when it did)
    # The run cannot be read until the user acts (its secret was rejected, or there is none): the
    # monitor keeps trying slowly, but a command waiting on the run should stop waiting.
    needs_user: bool = False

    @property
    def changed(self) -> bool:
        """True when something a user sees changed (not merely the time of the last check)."""
        before, now = self.previous, self.record
        return (before.state, before.result, before.error_code, before.last_error, before.finished, before.gone) != (
            now.state, now.result, now.error_code, now.last_error, now.finished, now.gone
        )


SecretLookup = Callable[[RunRecord], str]
Listener = Callable[[RunUpdate], None]


class RunMonitor(ListFollowing):
    """Follows runs: a per-process-secret run by asking about it, a v1 run through its process's run
    list (list_following.py)."""

    def __init__(
        self,
        client: ProcessApiClient,
        history: RunHistory,
        secret_for: SecretLookup,
        *,
        plan: PollPlan | None = None,
        workers: int = 8,
        on_update: Listener | None = None,
    ) -> None:
        self.client = client
        self.history = history
        self.plan = plan or PollPlan()
        self._secret_for = secret_for
        self._listeners: list[Listener] = [on_update] if on_update else []
        self._workers = workers
        self._cond = threading.Condition()
        self._runs: dict[str, RunRecord] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._ticket: dict[str, int] = {}  # the heap entry that counts for each run; older ones are stale
        self._counter = 0
        self._busy: set[str] = set()
        self._forgotten: set[str] = set()  # forgotten while their poll was out: drop its answer
        self._host_blocked_until: dict[str, float] = {}
        self._host_failures: dict[str, int] = {}
        self._not_found: dict[str, int] = {}
        self._secrets: dict[tuple[str, str], str] = {}
        self._jobs: queue.SimpleQueue[str | None] = queue.SimpleQueue()  # a run id or a process key
        self._due: dict[str, float] = {}  # when each process's list is next read
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._on_network: set[int | None] = set()  # worker threads busy with a request
        import uuid  # only for followers; the window's first frame does without it

        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"  # this follower, in the history's poll leases
        self._leases: dict[str, float] = {}  # run id -> wall-clock end of the lease this follower holds
        self._forced: set[str] = set()  # runs the user asked about: polled once whoever holds the lease
        self._hurried: dict[str, float] = {}  # run id -> monotonic time until which it is followed closely
        self._init_list_following()

    # --- public ---------------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def start(self, *, resume: bool = True) -> None:
        """Start the threads; with `resume`, follow every run the history says has not finished."""
        with self._cond:
            if self._stopping:  # the app closed while it was starting up
                return
            self._threads = [threading.Thread(target=self._schedule_loop, name="run-monitor", daemon=True)]
            self._threads += [threading.Thread(target=self._work_loop, name=f"run-monitor-{i}", daemon=True)
                              for i in range(self._workers)]
            for thread in self._threads:
                thread.start()
        if resume:
            self.resume()

    def resume(self) -> int:
        """Follow every run the history says has not finished and is not followed yet; how many.
        HistoryError when the history cannot be read (try again once it can)."""
        unfinished = self.history.unfinished()
        # Spread the first look over a couple of seconds: a thousand runs resumed at once
        # should not arrive at the server in the same instant.
        spread = min(2.0, self.plan.intervals[0][1])
        added = 0
        for record in unfinished:
            with self._cond:
                known = record.run_id in self._runs
            if not known:
                self.track(record, delay=random.uniform(0, spread))
                added += 1
        return added

    def track(self, record: RunRecord, *, delay: float | None = None) -> None:
        """Follow `record` (usually just triggered) until it ends."""
        if record.outcome_unknown:
            return  # a trigger whose answer was lost: its id is ours, Control Room knows nothing by it
        wait = self.plan.first_delay if delay is None else delay
        with self._cond:
            if self._stopping:
                return
            self._runs[record.run_id] = record
            self._forgotten.discard(record.run_id)
            if record.api == API_V1:
                self._track_listed(record, wait)
            else:
                self._push(record.run_id, time.monotonic() + wait)

    def forget(self, run_ids: Iterable[str]) -> None:
        """Stop following these runs (the user removed them); a poll already out is not reported."""
        with self._cond:
            for run_id in run_ids:
                # Their heap entries stay, but the scheduler skips a run it no longer has.
                self._runs.pop(run_id, None)
                self._ticket.pop(run_id, None)
                self._not_found.pop(run_id, None)
                self._leases.pop(run_id, None)
                self._untrack_listed(run_id)
                if run_id in self._busy:
                    self._forgotten.add(run_id)

    def check_now(self, run_ids: Iterable[str]) -> int:
        """Look at these runs again at once, rather than when they are next due (the user asked:
        a run polled slowly, say one that needs attention, may have moved on). Runs no longer
        followed, or being looked at right now, are left alone. Returns how many were moved up."""
        moved = 0
        with self._cond:
            now = time.monotonic()
            for run_id in run_ids:
                record = self._runs.get(run_id)
                if record is None:
                    continue
                # A v1 run is looked at through its process's list, unless it is asked about alone.
                key = run_id
                if record.api == API_V1 and run_id not in self._solo:
                    key = next((w.key for w in self._processes.values() if run_id in w.runs), run_id)
                if key not in self._busy:
                    self._forced.add(key)
                    if key in self._processes:
                        self._due[key] = now
                    self._push(key, now)
                    moved += 1
        return moved

    def hurry(self, records: Iterable[RunRecord], *, for_seconds: float | None = None) -> None:
        """Follow these runs at the quickest pace for a while, and look at them now: the user acted on
        them (stopped a run, retried its work items), so they are about to move, however old they
        are or whatever state they were left in. Runs that had stopped being followed are followed
        again."""
        until = time.monotonic() + (self.plan.hurry_for if for_seconds is None else for_seconds)
        records = list(records)
        with self._cond:
            for record in records:
                self._hurried[record.run_id] = until
        for record in records:
            if record.run_id not in self._runs:
                self.track(replace(record, finished=False), delay=0)
        self.check_now(record.run_id for record in records)

    @property
    def tracked(self) -> int:
        with self._cond:
            return len(self._runs)

    @property
    def in_flight(self) -> int:
        with self._cond:
            return len(self._busy)

    def stop(self, timeout: float = 1.0) -> bool:
        """Stop polling within `timeout` seconds. Requests still in flight are abandoned: their
        answers are dropped, and their daemon threads end when the answer (or timeout) comes.
        True when every thread that was not waiting on the network has ended."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for _ in range(self._workers):
            self._jobs.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread.ident in self._on_network:
                continue
            thread.join(max(0.0, deadline - time.monotonic()))
        # Another follower (a `watch` in a shell, the window) takes these runs over at once.
        try:
            self.history.release_polls(self.owner)
        except HistoryError as error:
            log.info("could not give up the poll leases: %s", error)
        return not any(t.is_alive() for t in self._threads if t.ident not in self._on_network)

    # --- scheduling -----------------------------------------------------------------------------

    def _push(self, run_id: str, when: float) -> None:
        self._counter += 1
        self._ticket[run_id] = self._counter
        heapq.heappush(self._heap, (when, self._counter, run_id))
        self._cond.notify()

    def _schedule_loop(self) -> None:
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                if self._heap and self._heap[0][0] <= now and len(self._busy) < self._workers:
                    _, ticket, key = heapq.heappop(self._heap)
                    watch = self._processes.get(key)
                    record = self._runs.get(key)
                    target = watch.target if watch is not None else record.target() if record is not None else None
                    if target is None or self._ticket.get(key) != ticket or key in self._busy:
                        continue
                    blocked = self._host_blocked_until.get(target.host, 0.0)
                    if blocked > now:
                        self._push(key, blocked + random.uniform(0, 1.0))
                        continue
                    self._busy.add(key)
                    self._jobs.put(key)
                    continue
                wait = self._heap[0][0] - now if self._heap and len(self._busy) < self._workers else None
                self._cond.wait(wait)

    def _work_loop(self) -> None:
        while True:
            key = self._jobs.get()
            if key is None:
                return
            me = threading.get_ident()
            self._on_network.add(me)
            try:
                if key in self._processes:
                    self._poll_process(key)
                else:
                    record = self._runs.get(key)
                    if record is None:  # forgotten meanwhile
                        with self._cond:
                            self._busy.discard(key)
                            self._forgotten.discard(key)
                            self._cond.notify_all()
                    else:
                        self._poll(record)
            except Exception:  # a bug in one poll must not kill the worker and strand every run
                log.exception("polling %s failed", key)
                self._recover(key)
            finally:
                self._on_network.discard(me)

    def _recover(self, key: str) -> None:
        """After a bug in a poll: look again later, slowly."""
        watch = self._processes.get(key)
        if watch is not None:
            self._process_done(key, watch, self.plan.unknown_interval)
            return
        record = self._runs.get(key)
        if record is not None:
            self._finish(record, record, self.plan.unknown_interval)
        else:
            with self._cond:
                self._busy.discard(key)
                self._cond.notify_all()

    # --- one poll -------------------------------------------------------------------------------

    def _poll(self, record: RunRecord) -> None:
        if not self._polls_itself(record.run_id):
            self._read_from_history(record)
            return
        host = record.target().host
        try:
            secret = self._secret(record)
        except SecretStoreError as error:
            # Without the run's secret this follower cannot ask: it says why and gives the run's poll
            # lease back, for one that can (`trigger --wait` with the secret in its environment, beside
            # a window) to take up. What that one writes is read here then.
            self._failed(record, error.message, self.plan.unknown_interval, hold=False,
                         needs_user=error.state in (SecretState.MISSING, SecretState.UNAVAILABLE))
            return
        try:
            status = self.client.get_run(record.target(), secret, record.run_id, retry=NO_RETRY)
        except ProcessApiError as error:
            self._api_error(record, host, error)
            return
        with self._cond:
            self._host_failures.pop(host, None)
            self._not_found.pop(record.run_id, None)
        too_old = time.time() - record.triggered_at > self.plan.give_up_after
        finished = status.state in TERMINAL_STATES or too_old
        if self._stopping:
            return
        updated = self.history.with_status(record, status, finished=finished)
        next_in = None if finished else self._interval_for(updated)
        self._finish(record, updated, next_in, self._save(updated, next_in))

    def _interval_for(self, record: RunRecord) -> float:
        hurried = self._hurried.get(record.run_id)
        if hurried is not None:
            if time.monotonic() < hurried:
                return self.plan.intervals[0][1]
            self._hurried.pop(record.run_id, None)
        outcome = record.outcome
        if outcome is Outcome.NEEDS_ATTENTION:
            return self.plan.pending_interval
        if outcome is Outcome.UNKNOWN:
            return self.plan.unknown_interval
        return self.plan.interval_for(time.time() - record.triggered_at)

    def _polls_itself(self, run_id: str) -> bool:
        """Whether this follower asks Control Room about the run (or the process's list: `run_id` is then
        its key) now, rather than reading what another follower wrote. Without a history to agree
        through, it does: twice is better than never."""
        with self._cond:
            forced = run_id in self._forced
            self._forced.discard(run_id)
            held_until = self._leases.get(run_id, 0.0)
        now = time.time()
        if forced or held_until - now > LEASE_GRACE:
            return True
        try:
            taken, until = self.history.claim_poll(run_id, self.owner, now + LEASE_FOR_REQUEST, longest=LONGEST_LEASE)
        except HistoryError:
            return True
        if taken:
            with self._cond:
                self._leases[run_id] = until
        return taken

    def _read_from_history(self, record: RunRecord) -> None:
        """Another follower polls this run: take what it last wrote, and look again at the usual time."""
        try:
            latest = self.history.get(record.run_id)
        except HistoryError:
            latest = record
        if latest is None:  # removed meanwhile, here or in another process
            self._finish(record, record, None)
            return
        self._finish(record, latest, None if latest.finished else self._interval_for(latest))

    def _save(self, record: RunRecord, next_in: float | None, *, hold: bool = True) -> str:
        """Write the record and hold (or, when it has finished or `hold` is False, give up) its poll lease
        until the next poll is due. Returns '' or, when the history cannot keep it, why."""
        until = 0.0 if next_in is None or not hold else time.time() + next_in + max(LEASE_GRACE, next_in / 2)
        try:
            held = self.history.save(record, lease=(self.owner, until))
        except HistoryError as error:
            return error.message
        with self._cond:
            if held:
                self._leases[record.run_id] = until
            else:  # finished, or polled at the user's request while another follower holds it
                self._leases.pop(record.run_id, None)
        return ""

    def _api_error(self, record: RunRecord, host: str, error: ProcessApiError) -> None:
        plan = self.plan
        if isinstance(error, SecretRejected):
            with self._cond:
                self._forget_secret(record)
            self._failed(record, error.message, plan.unknown_interval, needs_user=True)
            return
        if isinstance(error, NotFound):
            # The run was started, so Control Room knew it: after a few answers in a row saying it
            # does not, it is gone (deleted, or its process was) and is no longer followed.
            with self._cond:
                count = self._not_found[record.run_id] = self._not_found.get(record.run_id, 0) + 1
            gone = count >= NOT_FOUND_LIMIT
            # Asked again soon, not at the slow pace of unknown states: a 404 that passes (a proxy's
            # hiccup) is over in seconds, and a user waiting on the run should hear it is gone.
            self._failed(record, error.message, plan.backoff(count), finished=gone, gone=gone)
            return
        self._failed(record, error.message, self._back_off(host, error))

    def _back_off(self, host: str, error: ProcessApiError) -> float:
        """Rate limits and server or network trouble concern the whole host: every run there waits.
        Returns how long."""
        with self._cond:
            failures = self._host_failures[host] = self._host_failures.get(host, 0) + 1
            wait = self.plan.backoff(failures)
            if isinstance(error, RateLimited) and error.retry_after is not None:
                wait = max(error.retry_after, 0.0)
            until = time.monotonic() + wait
            self._host_blocked_until[host] = max(self._host_blocked_until.get(host, 0.0), until)
        return wait

    def _failed(self, record: RunRecord, message: str, retry_in: float, *, finished: bool = False,
                gone: bool = False, needs_user: bool = False, hold: bool = True) -> None:
        if self._stopping:
            return
        updated = self.history.with_error(record, message, finished=finished, gone=gone)
        next_in = None if finished else retry_in
        self._finish(record, updated, next_in, self._save(updated, next_in, hold=hold), needs_user=needs_user)

    def _finish(self, previous: RunRecord, updated: RunRecord, next_in: float | None, unsaved: str = "", *,
                needs_user: bool = False) -> None:
        run_id = previous.run_id
        with self._cond:
            self._busy.discard(run_id)
            if self._stopping:
                self._cond.notify_all()
                return
            if run_id in self._forgotten:
                # Decided under the lock: a poll that raced forget() is neither rescheduled nor reported.
                self._forgotten.discard(run_id)
                self._not_found.pop(run_id, None)  # a 404 answer may have counted it again
                self._cond.notify_all()
                return
            if next_in is None:
                self._runs.pop(run_id, None)
                self._ticket.pop(run_id, None)
                self._leases.pop(run_id, None)
                self._untrack_listed(run_id)
            else:
                self._runs[run_id] = updated
                self._push(run_id, time.monotonic() + next_in)
            self._cond.notify_all()
        if updated is not previous:
            self._tell(previous, updated, unsaved, needs_user=needs_user)

    def _tell(self, previous: RunRecord, updated: RunRecord, unsaved: str, *, needs_user: bool = False) -> None:
        update = RunUpdate(updated, previous, unsaved, needs_user)
        for listener in self._listeners:
            try:
                listener(update)
            except Exception:
                log.exception("a run listener failed")

    def _secret(self, record: RunRecord) -> str:
        """The run's secret (or workspace key), asked for once per profile and API."""
        with self._cond:
            cached = self._secrets.get((record.profile_id, record.api))
        if cached is not None:
            return cached
        secret = self._secret_for(record)
        with self._cond:
            self._secrets[(record.profile_id, record.api)] = secret
        return secret

    def _forget_secret(self, record: RunRecord) -> None:
        """Rejected: asked for again next time (the user may store a new one meanwhile). Under the lock."""
        self._secrets.pop((record.profile_id, record.api), None)
