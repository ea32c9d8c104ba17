"""A tray icon, and a desktop notification when runs end (unless the user turned them off)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from robocloud_desktop.core.models import Outcome
from robocloud_desktop.ui.look import icon

if TYPE_CHECKING:
    from PySide6.QtWidgets import QSystemTrayIcon, QWidget

    from robocloud_desktop.core.records import RunRecord

# The tray's message icon for each outcome (names of QSystemTrayIcon.MessageIcon), else Information.
# The tray's classes load with the tray, once the window is up, not before its first frame.
_TRAY_ICONS = {Outcome.SUCCEEDED: "Information", Outcome.FAILED: "Critical", Outcome.NEEDS_ATTENTION: "Warning",
               Outcome.GONE: "Warning"}


# Runs that end close together (a batch started at once) make two notifications, not a stack of
# them: the first is shown at once, and those ending in the next few seconds are summed up in one.
QUIET_MS = 5000


class Notifier(QObject):
    notified = Signal(str, str)  # (title, message), whether or not a tray could show it
    runsOpened = Signal(list)  # list[str]: run ids of the notification the user clicked, newest first
    windowWanted = Signal()  # the tray icon was clicked, or its Show window

    def __init__(self, window: QWidget, parent: QObject | None = None, *, quiet_ms: int = QUIET_MS) -> None:
        super().__init__(parent)
        self.enabled = True
        self.tray: QSystemTrayIcon | None = None
        self._window = window
        self._held: list[RunRecord] = []
        self._last_told: list[str] = []  # the runs the last notification was about
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(quiet_ms)
        self._quiet.timeout.connect(self._release)

    def show_tray(self) -> None:
        """Called once the window is up: finding and joining the desktop's tray talks to it over D-Bus."""
        from PySide6.QtWidgets import QMenu, QSystemTrayIcon

        window = self._window
        if self.tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon("app"), self)
            self.tray.setToolTip("robocloud-desktop")
            menu = QMenu(window)
            menu.addAction("Show window", self.windowWanted.emit)
            menu.addAction("Quit", window.close)
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(lambda _reason: self.windowWanted.emit())
            self.tray.messageClicked.connect(self.open_last)
            self.tray.show()

    def open_last(self) -> None:
        """The user clicked the last notification: they want to see the runs it was about."""
        if self._last_told:
            self.runsOpened.emit(list(self._last_told))

    def run_ended(self, record: RunRecord) -> None:
        if not self.enabled:
            return
        if record.started_by and record.outcome is Outcome.SUCCEEDED:
            # Started elsewhere (a schedule every few minutes, a colleague): its success is on the
            # board; only a run that went wrong is worth interrupting for.
            return
        if self._quiet.isActive():
            self._held.append(record)
            return
        self._tell_one(record)
        self._quiet.start()

    def _release(self) -> None:
        held, self._held = self._held, []
        if not held or not self.enabled:
            return
        if len(held) == 1:
            self._tell_one(held[0])
        else:
            self._tell_many(held)
        self._quiet.start()  # runs still ending go on being gathered

    def _tell_one(self, record: RunRecord) -> None:
        outcome = record.outcome
        who = record.profile_name or record.process_id
        details = [f"Run {record.run_id}"]
        if record.error_code:
            details.append(f"error code {record.error_code}")
        if outcome is Outcome.NEEDS_ATTENTION:
            details.append("work items need attention in Control Room")
        elif outcome is Outcome.GONE:
            details.append("look for it in Control Room")
        self._show(f"{who}: {record.label}", " · ".join(details), outcome, [record])

    def _tell_many(self, records: list[RunRecord]) -> None:
        labels = Counter(record.label for record in records)
        names = list(dict.fromkeys(record.profile_name or record.process_id for record in records))
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        message = " · ".join(f"{count} {label}" for label, count in labels.most_common()) + f"\n{shown}"
        worst = min((record.outcome for record in records), key=_SEVERITY.index)
        self._show(f"{len(records)} more runs ended", message, worst, records)

    def _show(self, title: str, message: str, outcome: Outcome, records: list[RunRecord]) -> None:
        self._last_told = [record.run_id for record in sorted(records, key=lambda r: -r.triggered_at)]
        if self.tray is not None:
            from PySide6.QtWidgets import QSystemTrayIcon

            kind = QSystemTrayIcon.MessageIcon[_TRAY_ICONS.get(outcome, "Information")]
            self.tray.showMessage(title, message, kind, 8000)
        self.notified.emit(title, message)


# The outcome whose icon a summary of several runs gets: the one most in need of a look.
_SEVERITY = [Outcome.FAILED, Outcome.NEEDS_ATTENTION, Outcome.GONE, Outcome.COMPLETED_UNKNOWN, Outcome.UNKNOWN,
             Outcome.SUCCEEDED, Outcome.STOPPING, Outcome.RUNNING, Outcome.QUEUED]
