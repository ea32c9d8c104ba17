"""A tray icon, and a desktop notification when a run ends (unless the user turned them off)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from robocloud_desktop.core.models import Outcome, label_of
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.ui.look import icon

_TRAY_ICONS = {
    Outcome.SUCCEEDED: QSystemTrayIcon.MessageIcon.Information,
    Outcome.FAILED: QSystemTrayIcon.MessageIcon.Critical,
    Outcome.NEEDS_ATTENTION: QSystemTrayIcon.MessageIcon.Warning,
}


class Notifier(QObject):
    notified = Signal(str, str)  # (title, message), whether or not a tray could show it

    def __init__(self, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.enabled = True
        self.tray: QSystemTrayIcon | None = None
        self._window = window

    def show_tray(self) -> None:
        """Called once the window is up: finding and joining the desktop's tray talks to it over D-Bus."""
        window = self._window
        if self.tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon("app"), self)
            self.tray.setToolTip("robocloud-desktop")
            menu = QMenu(window)
            menu.addAction("Show window", lambda: (window.showNormal(), window.activateWindow()))
            menu.addAction("Quit", window.close)
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(lambda _reason: (window.showNormal(), window.activateWindow()))
            self.tray.show()

    def run_ended(self, record: RunRecord) -> None:
        if not self.enabled:
            return
        outcome = record.outcome
        label = label_of(record.state, record.result)
        who = record.profile_name or record.process_id
        title = f"{who}: {label}"
        details = [f"Run {record.run_id}"]
        if record.error_code:
            details.append(f"error code {record.error_code}")
        if outcome is Outcome.NEEDS_ATTENTION:
            details.append("work items need attention in Control Room")
        message = " · ".join(details)
        if self.tray is not None:
            kind = _TRAY_ICONS.get(outcome, QSystemTrayIcon.MessageIcon.Information)
            self.tray.showMessage(title, message, kind, 8000)
        self.notified.emit(title, message)
