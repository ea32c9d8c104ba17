"""What an item view says while it has no rows to show: a line painted on its empty viewport."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView

_ALIGNMENT = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)


class ShowsEmptyText:
    """Mixed into a QAbstractItemView subclass, before the Qt class."""

    empty_text = ""

    def text_when_empty(self) -> str:
        """What to say now; a view whose text depends on its state works it out here instead."""
        return self.empty_text

    def set_empty_text(self, text: str) -> None:
        if text == self.empty_text:
            return
        self.empty_text = text
        view = self._view()
        model = view.model()
        # Only an empty, visible view shows the text. Asking for the viewport before that would also
        # make PySide set up dozens of widget classes while the window is still being built.
        if view.isVisible() and (model is None or not model.rowCount()):
            view.viewport().update()

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)  # type: ignore[misc]
        view = self._view()
        model = view.model()
        if model is None or model.rowCount():
            return
        text = self.text_when_empty()
        if not text:
            return
        painter = QPainter(view.viewport())
        painter.setPen(view.palette().color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(view.viewport().rect().adjusted(16, 16, -16, -16), _ALIGNMENT, text)

    def _view(self) -> QAbstractItemView:
        assert isinstance(self, QAbstractItemView)
        return self
