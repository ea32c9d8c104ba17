"""While the run history cannot be written (locked by another program, read-only, a full disk, a
newer version's file), the window goes on without it and tries again now and then. Once it can be
written, the board gets what the file holds and the monitor picks up its unfinished runs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from robocloud_desktop.ui.workers import Background

if TYPE_CHECKING:
    from collections.abc import Callable

    from robocloud_desktop.core.history import RunHistory
    from robocloud_desktop.core.records import RunRecord

log = logging.getLogger(__name__)

RETRY_MS = 30_000


class HistoryRecovery(QObject):
    recovered = Signal(list)  # list[RunRecord]: the history can be written again; what it holds now

    def __init__(self, history: Callable[[], RunHistory], background: Background, parent: QObject | None = None, *,
                 interval_ms: int = RETRY_MS) -> None:
        super().__init__(parent)
        self._history, self._background = history, background
        self._trying = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.try_now)

    def watch(self) -> None:
        """Start trying, unless the history can be written already."""
        if not self._history().writable:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def try_now(self) -> None:
        if self._trying:
            return
        self._trying = True
        history = self._history()

        def attempt() -> list[RunRecord] | None:
            if not history.retry():
                return None
            return history.recent(limit=0)

        self._background.run(attempt, self._done, self._failed)

    def _done(self, records: list[RunRecord] | None) -> None:
        self._trying = False
        if records is None:
            return
        self._timer.stop()
        self.recovered.emit(records)

    def _failed(self, error: Exception) -> None:
        self._trying = False
        log.info("the run history is still not usable: %s", error)
