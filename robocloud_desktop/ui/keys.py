"""Shortcuts that hold only where they are meant to."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


def shortcut(keys: QKeySequence | QKeySequence.StandardKey | str | Qt.Key, widget: QWidget,
             slot: Callable[[], object], context: Qt.ShortcutContext) -> QShortcut:
    """A shortcut on `widget` that calls `slot`, active only in `context`.

    PySide 6 drops the `context` given to QShortcut together with a callable: such a shortcut is
    window-wide, so Down meant for one box took Down from the run board, and Enter meant for one list
    made Enter ambiguous (and dead) everywhere else. The context is given here without the callable.
    """
    made = QShortcut(QKeySequence(keys), widget, context=context)
    made.activated.connect(slot)
    return made
