"""How things look: the package's icons, run-state colours, and light/dark following the OS."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette

from robocloud_desktop import resources
from robocloud_desktop.core.models import Outcome


@cache
def icon(name: str) -> QIcon:
    return QIcon(str(resources.folder() / "icons" / f"{name}.svg"))


OUTCOME_ICONS = {
    Outcome.QUEUED: "queued", Outcome.RUNNING: "running", Outcome.STOPPING: "running", Outcome.SUCCEEDED: "succeeded",
    Outcome.FAILED: "failed", Outcome.NEEDS_ATTENTION: "attention", Outcome.COMPLETED_UNKNOWN: "unknown",
    Outcome.UNKNOWN: "unknown", Outcome.GONE: "unknown",
}

# (light theme, dark theme): readable text colours on the window background of each.
_OUTCOME_COLOURS = {
    Outcome.QUEUED: ("#5f6670", "#a9b0ba"),
    Outcome.RUNNING: ("#1f63c6", "#7fb2ff"),
    Outcome.STOPPING: ("#1f63c6", "#7fb2ff"),  # still running, on its way to an end
    Outcome.SUCCEEDED: ("#1e7b3c", "#6fd08f"),
    Outcome.FAILED: ("#b3261e", "#ff8a80"),
    Outcome.NEEDS_ATTENTION: ("#a85a00", "#ffb74d"),
    Outcome.COMPLETED_UNKNOWN: ("#6f3fa5", "#c9a2f2"),
    Outcome.UNKNOWN: ("#6f3fa5", "#c9a2f2"),
    Outcome.GONE: ("#6f3fa5", "#c9a2f2"),
}


def is_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme != Qt.ColorScheme.Unknown:
        return scheme == Qt.ColorScheme.Dark
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def outcome_icon(outcome: Outcome) -> QIcon:
    return icon(OUTCOME_ICONS[outcome])


def outcome_colour(outcome: Outcome) -> QColor:
    light, dark = _OUTCOME_COLOURS[outcome]
    return QColor(dark if is_dark() else light)


def banner_colours(kind: str) -> tuple[str, str]:
    """(background, text) for a banner of `kind` 'error' / 'warning' / 'info' in the current theme."""
    dark = is_dark()
    table = {
        "error": ("#4a1f1d", "#ffd9d6") if dark else ("#fde8e6", "#7a1a14"),
        "warning": ("#4a3514", "#ffe2b3") if dark else ("#fff3dc", "#6b4200"),
        "info": ("#1c2f4a", "#d6e6ff") if dark else ("#e7f0fd", "#163d73"),
    }
    return table[kind]
