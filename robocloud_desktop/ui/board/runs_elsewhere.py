"""Runs started outside the window while it is open (`robocloud-desktop trigger` in a shell, a
script): they are in the shared run history, so the board shows them and follows them to their
end, notifications included, as it does its own."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from robocloud_desktop.core.records import HistoryError
from robocloud_desktop.ui.workers import Background

if TYPE_CHECKING:
    from robocloud_desktop.core.history import RunHistory
    from robocloud_desktop.core.records import RunRecord

log = logging.getLogger(__name__)

CHECK_MS = 2000
# How far before the previous check the next one looks: a run is recorded a moment after the time
# it carries (taken before its request went out), by a process whose clock may be a little off.
SLACK_S = 120.0


class RunsFromElsewhere(QObject):
    found = Signal(list)  # list[RunRecord]: runs the board does not have yet, oldest first

    def __init__(self, history: Callable[[], RunHistory], background: Background, on_board: Callable[[str], bool],
                 parent: QObject | None = None, *, interval_ms: int = CHECK_MS) -> None:
        super().__init__(parent)
        self._history, self._background, self._on_board = history, background, on_board
        self._since = 0.0
        self._looking = False
        self._look_again = False  # a change was noticed, but reading the runs failed
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._check)

    def start(self, history_read_at: float) -> None:
        """The board has the history as it was at `history_read_at`: look for what comes after."""
        self._since = history_read_at - SLACK_S
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _check(self) -> None:
        if self._looking:  # a slow disk: one look at a time
            return
        history = self._history()
        # Asked here on the GUI thread: SQLite answers from memory in microseconds, where a worker
        # job would cost milliseconds every time. Not waiting: a write under way means next time.
        try:
            changed = history.changed_elsewhere(wait=False)
        except HistoryError as error:
            log.warning("could not ask the run history for changes: %s", error)
            return
        if not (changed or self._look_again):
            return
        self._looking, self._look_again = True, False
        since, looked_at = self._since, time.time()

        def done(records: list[RunRecord]) -> None:
            self._looking = False
            self._since = looked_at - SLACK_S
            new = [record for record in records if not self._on_board(record.run_id)]
            if new:
                self.found.emit(new)

        def failed(error: Exception) -> None:
            self._looking, self._look_again = False, True  # the change is still to be read
            log.warning("could not look for runs started elsewhere: %s", error)

        self._background.run(lambda: history.triggered_since(since), done, failed)
