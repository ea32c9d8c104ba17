"""Runs the emulator starts by itself, as Control Room's schedules do: one timer thread for all of them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .runs import EmulatedProcess


@dataclass
class _Entry:
    process: EmulatedProcess
    every: float
    started_by: str
    due: float


class Scheduler:
    """Calls `start(process, started_by)` every `every` seconds per scheduled process.

    The thread starts with the first schedule and ends with `stop()`, which also forgets them all.
    """

    def __init__(self, start: Callable[[EmulatedProcess, str], object]) -> None:
        self._start = start
        self._wake = threading.Condition()
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._thread: threading.Thread | None = None

    def add(self, process: EmulatedProcess, every: float, started_by: str) -> None:
        entry = _Entry(process, every, started_by, time.monotonic() + every)
        with self._wake:
            self._entries[(process.workspace_id, process.process_id)] = entry
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="emulator-schedule", daemon=True)
                self._thread.start()
            self._wake.notify()

    def remove(self, process: EmulatedProcess) -> None:
        with self._wake:
            self._entries.pop((process.workspace_id, process.process_id), None)
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            thread, self._thread = self._thread, None
            self._entries.clear()
            self._wake.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _loop(self) -> None:
        me = threading.current_thread()
        while True:
            with self._wake:
                if self._thread is not me:
                    return
                now = time.monotonic()
                due = [entry for entry in self._entries.values() if entry.due <= now]
                for entry in due:
                    # From the time it was due, not now, so a late tick does not shift the schedule;
                    # ticks missed while the machine was busy come as one run, not a burst.
                    entry.due = max(entry.due + entry.every, now)
                if not due:
                    soonest = min((entry.due for entry in self._entries.values()), default=None)
                    self._wake.wait(None if soonest is None else soonest - now)
                    continue
            for entry in due:
                self._start(entry.process, entry.started_by)
