"""Carries the monitor's callbacks (on its worker threads) to the GUI thread as signals.

Updates are coalesced: a burst of hundreds of polls becomes one `runsUpdated` batch per flush,
so the board changes only the rows that changed, a few times a second at most.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

if TYPE_CHECKING:
    from robocloud_desktop.core.monitor import RunUpdate
    from robocloud_desktop.core.records import RunRecord


def host_of(url: str) -> str:
    """The host a base URL names (lower case, with its port), which network problems concern."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).netloc.lower()
    except ValueError:
        return url


class MonitorBridge(QObject):
    runsUpdated = Signal(list)  # list[RunRecord], newest state of each run that changed
    runEnded = Signal(object)  # RunRecord: the run has just ended (succeeded, failed, needs attention...)
    networkProblem = Signal(str, str)  # host, and the last error a poll of it met, in the core's words
    networkRecovered = Signal(str)  # host: a poll of it was answered again
    notSaved = Signal(str)  # why the run history could not keep an update (said once per reason)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None, *, flush_ms: int = 100) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: dict[str, RunRecord] = {}
        self._ended: list[RunRecord] = []
        # Per host, in the order seen: its last problem, or "" when a poll of it was answered since.
        self._hosts: dict[str, str] = {}
        self._unsaved: str | None = None
        self._last_unsaved = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(flush_ms)
        self._timer.timeout.connect(self.flush)
        self._wake.connect(self._timer.start, Qt.ConnectionType.QueuedConnection)

    def on_update(self, update: RunUpdate) -> None:
        """Called on monitor threads: only collects, never touches Qt objects but a queued signal."""
        record = update.record
        with self._lock:
            first = not self._pending and not self._ended and not self._hosts and self._unsaved is None
            self._pending[record.run_id] = record
            if record.is_ended and not update.previous.is_ended:
                self._ended.append(record)
            if record.last_error and record.last_error != update.previous.last_error:
                self._hosts.pop(host_of(record.base_url), None)  # the latest news of a host comes last
                self._hosts[host_of(record.base_url)] = record.last_error
            elif not record.last_error and record.last_checked is not None \
                    and record.last_checked != update.previous.last_checked:
                self._hosts.pop(host_of(record.base_url), None)
                self._hosts[host_of(record.base_url)] = ""  # answered: the host is reachable again
            if update.unsaved != self._last_unsaved:
                self._last_unsaved = update.unsaved
                if update.unsaved:
                    self._unsaved = update.unsaved
        if first:
            self._wake.emit()

    @Slot()
    def flush(self) -> None:
        with self._lock:
            records, self._pending = list(self._pending.values()), {}
            ended, self._ended = self._ended, []
            hosts, self._hosts = self._hosts, {}
            unsaved, self._unsaved = self._unsaved, None
        if records:
            self.runsUpdated.emit(records)
        for record in ended:
            self.runEnded.emit(record)
        for host, problem in hosts.items():
            if problem:
                self.networkProblem.emit(host, problem)
            else:
                self.networkRecovered.emit(host)
        if unsaved:
            self.notSaved.emit(unsaved)
