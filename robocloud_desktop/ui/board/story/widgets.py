"""What the story tabs (steps, work items, console, files) share: the page they derive from, a line
that says what is going on, and a list that says why it is empty."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from robocloud_desktop.ui import look
from robocloud_desktop.ui.empty_text import ShowsEmptyText

if TYPE_CHECKING:
    from robocloud_desktop.core.records import RunRecord
    from robocloud_desktop.ui.board.story.source import Call, StorySource

LOADING = "Asking Control Room…"


def message_of(error: Exception) -> str:
    """The error in words safe to show: the app's errors carry one."""
    message = getattr(error, "message", "")
    return message if isinstance(message, str) and message else f"Something went wrong: {type(error).__name__}."


def format_size(size: int | None) -> str:
    if size is None:
        return "size unknown"
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1024  # type: ignore[assignment]
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}" if size < 10 else f"{size:.0f} {unit}"
    return ""  # not reached


def short_time(timestamp: float | None) -> str:
    """A time of today as 14:03:22; of another day with its date."""
    if not timestamp:
        return ""
    moment = time.localtime(timestamp)
    if time.strftime("%Y-%m-%d", moment) == time.strftime("%Y-%m-%d"):
        return time.strftime("%H:%M:%S", moment)
    return time.strftime("%Y-%m-%d %H:%M:%S", moment)


class StatusLine(QLabel):
    """One line under a tab's content: what is being asked, or what went wrong (then highlighted)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName("Status")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # server text is never rich text
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.kind = ""
        self.hide()

    def say(self, text: str, kind: str = "info") -> None:
        """`kind` "info" (muted), "error" or "warning" (highlighted); an empty text hides the line."""
        self.kind = kind if text else ""
        self.setText(text)
        self.setVisible(bool(text))
        if kind in ("error", "warning"):
            background, colour = look.banner_colours(kind)
            self.setStyleSheet(f"background: {background}; color: {colour}; border-radius: 4px; padding: 6px;")
            self.setForegroundRole(QPalette.ColorRole.WindowText)
        else:
            self.setStyleSheet("")
            self.setForegroundRole(QPalette.ColorRole.PlaceholderText)


class StoryTree(ShowsEmptyText, QTreeWidget):
    """A flat, sortable-looking list of rows with headers, that says why it is empty."""

    def __init__(self, name: str, accessible: str, headers: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.setHeaderLabels(headers)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.header()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(40)
        self.waiting = ""  # said instead of `empty_text` while there is nothing to show yet

    def text_when_empty(self) -> str:
        return self.waiting or self.empty_text

    def set_waiting(self, text: str) -> None:
        if text != self.waiting:
            self.waiting = text
            self.viewport().update()

    def set_columns(self, stretch: int, ids: tuple[int, ...] = ()) -> None:
        """Column `stretch` takes the room left; columns of `ids` are elided in the middle (ids differ
        at both ends) at a width that shows a dozen characters; the others fit their contents."""
        header = self.header()
        id_width = self.fontMetrics().horizontalAdvance("0123456789ab") + 16
        for column in range(self.columnCount()):
            if column == stretch:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            elif column in ids:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
                self.setColumnWidth(column, id_width)
                self.setItemDelegateForColumn(column, _MiddleElide(self))
            else:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)


class _MiddleElide(QStyledItemDelegate):
    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


class IdLine(QLineEdit):
    """An id shown whole: read-only, selectable, without a frame; it scrolls rather than wraps."""

    def __init__(self, name: str, accessible: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.setReadOnly(True)
        self.setFrame(False)
        self.setStyleSheet("QLineEdit { background: transparent; border: none; padding: 0; }")

    def show_value(self, value: str) -> None:
        self.setText(value)
        self.setCursorPosition(0)
        self.setToolTip(value)
        self.setVisible(bool(value))


class StoryPage(QWidget):
    """One tab of a v1 run's story. `open(record)` is called whenever the tab is shown for a run (the
    same one again, or another), and again when the shown run changes state; `reset()` when another
    run is selected, so nothing of the previous one stays on screen."""

    def __init__(self, source: StorySource, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.source = source
        self.record: RunRecord | None = None
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(6, 6, 6, 6)
        self.status = StatusLine(f"{name}Status", self)

    def open(self, record: RunRecord) -> None:
        if self.record is None or self.record.run_id != record.run_id:
            self.reset()
        self.record = record
        self.load()

    def reset(self) -> None:
        self.status.say("")

    def load(self) -> None:
        raise NotImplementedError

    def read(self, what: str, call: Call, show: Callable[[Any], None]) -> None:
        """Show what is kept of `what` for the run, and ask Control Room again unless the run has
        ended (what was read of an ended run holds): `show` gets the answer if this tab still shows
        that run when it comes."""
        record = self.record
        if record is None:
            return
        kept = self.source.kept(record, what)
        if kept is not None:
            self.waiting("")
            show(kept)
            self.status.say("")
            if record.is_ended:
                return
        else:
            self.status.say(LOADING)
            self.waiting(LOADING)

        def answered(value: Any) -> None:
            if self.shows(record):
                self.status.say("")
                self.waiting("")
                show(value)

        self.source.fetch(record, what, call, answered, lambda error: self.failed(record, error))

    def refresh(self) -> None:
        """Read again what this tab shows (after an action on the run)."""
        if self.record is not None:
            self.load()

    def shows(self, record: RunRecord) -> bool:
        """Whether an answer about `record` is still for the run this tab shows."""
        return self.record is not None and self.record.run_id == record.run_id

    def waiting(self, text: str) -> None:
        """What the page's list says while it is empty: `text` while there is nothing to show yet
        (asking, or it could not be read), or, with an empty `text`, why it has no rows."""

    def failed(self, record: RunRecord, error: Exception) -> None:
        if self.shows(record):
            self.status.say(message_of(error), "error")
            self.waiting("Nothing to show: the message below says why.")
