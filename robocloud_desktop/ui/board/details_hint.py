"""What the details pane says while no run is selected, apart from the pane: the window shows it in
the pane's place in its first frame, and the pane, made a moment later, shows the same."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

EMPTY_HINT = "Select a run to see its details"
# Never squeezed below a useful width; at the default size it shows a whole run id.
MIN_WIDTH = 250


def details_hint(parent: QWidget) -> QLabel:
    hint = QLabel(EMPTY_HINT, parent)
    hint.setObjectName("runDetailsHint")
    hint.setAccessibleName("No run selected")
    hint.setToolTip("Pick a run in the runs table")
    hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
    hint.setWordWrap(True)
    # Muted like a placeholder, yet readable; the palette role follows light and dark themes.
    hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return hint


def details_placeholder(parent: QWidget) -> QWidget:
    """The empty pane as the details pane lays it out, for the window's first frame."""
    placeholder = QWidget(parent)
    placeholder.setMinimumWidth(MIN_WIDTH)
    # The margins of the pane's own (stacked) layout, from the same style: the hint stays where it is.
    QVBoxLayout(placeholder).addWidget(details_hint(placeholder))
    return placeholder
