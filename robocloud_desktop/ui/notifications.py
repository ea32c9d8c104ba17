"""A notification when runs end (unless the user turned them off), and a tray icon where there is a tray.

The desktop's notification service tells it (ui/desktop_notifications). Where there is none (GNOME
without its shell, a bare window manager, a remote session), or it fails, it is told in the window
(ui/notice), and by the tray where there is one: a run's end is never told to no one."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QObject, QTimer, Signal

from robocloud_desktop.core.models import Outcome
from robocloud_desktop.ui.look import OUTCOME_ICONS, icon

if TYPE_CHECKING:
    from PySide6.QtWidgets import QSystemTrayIcon, QWidget

    from robocloud_desktop.core.records import RunRecord
    from robocloud_desktop.ui.desktop_notifications import DesktopNotifications
    from robocloud_desktop.ui.notice import RunNotice

# The tray's message icon for each outcome (names of QSystemTrayIcon.MessageIcon), else Information.
# The tray's classes load with the tray, once the window is up, not before its first frame; the
# notification service and the notice in the window with the first notification.
_TRAY_ICONS = {Outcome.SUCCEEDED: "Information", Outcome.FAILED: "Critical", Outcome.NEEDS_ATTENTION: "Warning",
               Outcome.GONE: "Warning"}


# Runs that end close together (a batch started at once) make two notifications, not a stack of
# them: the first is shown at once, and those ending in the next few seconds are summed up in one.
QUIET_MS = 5000
# How long the notice in the window stays in sight, while the window is active.
NOTICE_MS = 10000
# Notifications whose click is still heard: a click on an older one is not worth keeping its runs for.
KEPT = 20


class Told(NamedTuple):
    title: str
    message: str
    outcome: Outcome
    run_ids: list[str]  # newest first


class Notifier(QObject):
    notified = Signal(str, str)  # (title, message), however it is shown
    runsOpened = Signal(list)  # list[str]: run ids of the notification the user clicked, newest first
    windowWanted = Signal()  # the tray icon was clicked, or its Show window

    def __init__(self, window: QWidget, parent: QObject | None = None, *, quiet_ms: int = QUIET_MS,
                 notice_ms: int = NOTICE_MS) -> None:
        super().__init__(parent)
        self.enabled = True
        self.tray: QSystemTrayIcon | None = None
        self._window = window
        self._held: list[RunRecord] = []
        self._last_told: list[str] = []  # the runs the last notification was about
        self._told: dict[int, Told] = {}  # the last few notifications, by token
        self._next_token = 0
        self._desktop: DesktopNotifications | None = None
        self._notice: RunNotice | None = None
        self._notice_token = -1
        self._notice_ms = notice_ms
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
        run_ids = [record.run_id for record in sorted(records, key=lambda r: -r.triggered_at)]
        self._last_told = run_ids
        token, self._next_token = self._next_token, self._next_token + 1
        self._told[token] = Told(title, message, outcome, run_ids)
        self._told.pop(token - KEPT, None)
        self.notified.emit(title, message)
        self._desktop_service().send(token, title, message, OUTCOME_ICONS[outcome])

    def _desktop_service(self) -> DesktopNotifications:
        if self._desktop is None:
            from robocloud_desktop.ui.desktop_notifications import DesktopNotifications

            self._desktop = DesktopNotifications(self)
            self._desktop.missed.connect(self._tell_otherwise)
            self._desktop.clicked.connect(self._open)
        return self._desktop

    def _tell_otherwise(self, token: int) -> None:
        """The desktop could not show it: the window does, and the tray where there is one."""
        told = self._told.get(token)
        if told is None or not self.enabled:  # turned off since it was sent
            return
        if self.tray is not None:
            from PySide6.QtWidgets import QSystemTrayIcon

            kind = QSystemTrayIcon.MessageIcon[_TRAY_ICONS.get(told.outcome, "Information")]
            self.tray.showMessage(told.title, told.message, kind, 8000)
        if self._notice is None:
            from robocloud_desktop.ui.notice import RunNotice

            self._notice = RunNotice(self._window, self._notice_ms)
            self._notice.clicked.connect(lambda: self._open(self._notice_token))
        self._notice_token = token
        self._notice.tell(told.title, told.message, OUTCOME_ICONS[told.outcome])

    def _open(self, token: int) -> None:
        told = self._told.get(token)
        if told is not None:
            self.runsOpened.emit(list(told.run_ids))


# The outcome whose icon a summary of several runs gets: the one most in need of a look.
_SEVERITY = [Outcome.FAILED, Outcome.NEEDS_ATTENTION, Outcome.GONE, Outcome.COMPLETED_UNKNOWN, Outcome.UNKNOWN,
             Outcome.SUCCEEDED, Outcome.STOPPING, Outcome.RUNNING, Outcome.QUEUED]
