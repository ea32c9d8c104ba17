"""Light or dark, as the operating system says, and again when it changes its mind."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


def dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#202329", QPalette.ColorRole.WindowText: "#e6e8eb",
        QPalette.ColorRole.Base: "#16181d", QPalette.ColorRole.AlternateBase: "#1d2026",
        QPalette.ColorRole.Text: "#e6e8eb", QPalette.ColorRole.Button: "#2a2e35",
        QPalette.ColorRole.ButtonText: "#e6e8eb", QPalette.ColorRole.Highlight: "#3b6fd4",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2a2e35",
        QPalette.ColorRole.ToolTipText: "#e6e8eb", QPalette.ColorRole.PlaceholderText: "#8b929c",
        QPalette.ColorRole.Link: "#7fb2ff", QPalette.ColorRole.Mid: "#3a3f47",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b717a"))
    return palette


def make_application() -> QApplication:
    """The app, in the Fusion style, which looks the same everywhere.

    Fusion is chosen on Qt's own command line: setStyle() would hand Python the style object, and
    PySide would then set up QStyle's many enums while the window is still loading.
    """
    return QApplication([sys.argv[0] if sys.argv else "robocloud-desktop", "-style", "Fusion"])


def apply_theme(app: QApplication, scheme: Qt.ColorScheme | None = None) -> None:
    """Fusion's palette follows the OS colour scheme. `scheme` is the one the OS has just switched
    to; None reads it at start-up, where a light scheme keeps the palette the app starts with."""
    if scheme is None:
        scheme = QGuiApplication.styleHints().colorScheme()
        if scheme != Qt.ColorScheme.Dark:
            return
    app.setPalette(dark_palette() if scheme == Qt.ColorScheme.Dark else app.style().standardPalette())


def follow_os_theme(app: QApplication) -> None:
    apply_theme(app)
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda scheme: apply_theme(app, scheme))
