"""Background work for the window: network and keyring calls never run on the GUI thread.

A job runs on a QThreadPool thread; its result (or exception) comes back through a queued signal
to an object that lives on the GUI thread, so callbacks may touch widgets.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

if TYPE_CHECKING:
    from PySide6.QtCore import QThreadPool

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[Exception], None]
Job = Callable[[], None]


class Background(QObject):
    """Runs callables off the GUI thread and calls back on it."""

    finished = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._max_threads = max_threads
        # Made for the first job: the window holds its jobs until it is drawn, and its first frame
        # does without the pool.
        self._pool: QThreadPool | None = None
        self._tokens = itertools.count(1)
        self._callbacks: dict[int, tuple[Done | None, Failed | None]] = {}
        self._held: list[Job] | None = None
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self.failed.connect(self._deliver_error, Qt.ConnectionType.QueuedConnection)

    def run(self, fn: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None, *,
            now: bool = False) -> None:
        """Run `fn` off the GUI thread; while held, jobs wait for release() unless `now` is set."""
        token = next(self._tokens)
        self._callbacks[token] = (on_done, on_error)

        def job() -> None:
            try:
                result = fn()
            except Exception as error:  # handed to the caller's on_error on the GUI thread
                self._emit(self.failed, token, error)
            else:
                self._emit(self.finished, token, result)

        if self._held is not None and not now:
            self._held.append(job)
        else:
            self._start(job)

    def hold(self) -> None:
        """Queue new jobs instead of starting them: at start-up, the first jobs that matter (the
        run history) should not share the interpreter with slower ones (keyring detection)."""
        if self._held is None:
            self._held = []

    def release(self) -> None:
        held, self._held = self._held or [], None
        for job in held:
            self._start(job)

    def _start(self, job: Job) -> None:
        if self._pool is None:
            from PySide6.QtCore import QThreadPool

            self._pool = QThreadPool(self)
            self._pool.setMaxThreadCount(self._max_threads)
        self._pool.start(job)

    @staticmethod
    def _emit(signal: Any, token: int, value: object) -> None:
        # RuntimeError: the window is gone (the app is quitting), so nobody is left to tell.
        with contextlib.suppress(RuntimeError):
            signal.emit(token, value)

    @property
    def busy(self) -> int:
        return len(self._callbacks)

    def wait_idle(self, msecs: int = 5000) -> bool:
        return self._pool is None or self._pool.waitForDone(msecs)

    @Slot(int, object)
    def _deliver(self, token: int, result: object) -> None:
        on_done, _ = self._callbacks.pop(token, (None, None))
        if on_done is not None:
            on_done(result)

    @Slot(int, object)
    def _deliver_error(self, token: int, error: object) -> None:
        _, on_error = self._callbacks.pop(token, (None, None))
        if on_error is not None:
            on_error(error)  # type: ignore[arg-type]
        else:
            log.error("background job failed: %s", error)


class SerialJobs:
    """Runs jobs on the Background pool one at a time, in order: the profile list's keyring jobs.

    gnome-keyring can abort when two clients open Secret Service sessions at the same moment
    (reproduced here with two threads against gnome-keyring 42, exit by SIGABRT). One job at a
    time also means a locked keyring asks to be unlocked once, not once per thread.
    """

    def __init__(self, background: Background) -> None:
        self._background = background
        self._queue: deque[tuple[str, Callable[[], Any], Done, Failed]] = deque()
        self._running = False

    @property
    def idle(self) -> bool:
        return not self._running and not self._queue

    def run(self, fn: Callable[[], Any], on_done: Done, on_error: Failed, *, kind: str = "") -> None:
        """Queue `fn`; a queued job of the same non-empty `kind` that has not started is dropped."""
        if kind:
            self._queue = deque(job for job in self._queue if job[0] != kind)
        self._queue.append((kind, fn, on_done, on_error))
        self._next()

    def _next(self) -> None:
        if self._running or not self._queue:
            return
        _, fn, on_done, on_error = self._queue.popleft()
        self._running = True
        self._background.run(fn, lambda result: self._finish(on_done, result),
                             lambda error: self._finish(on_error, error))

    def _finish(self, callback: Callable[[Any], None], value: Any) -> None:
        self._running = False
        try:
            callback(value)
        finally:
            self._next()
