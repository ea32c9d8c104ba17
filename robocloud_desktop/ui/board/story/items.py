"""The Work items tab: the run's work items, failed ones first with their exception (type, code and
message), and the payload of the selected one on demand (a button, Enter or a double-click)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidgetItem,
    QWidget,
)

from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.visible import visible
from robocloud_desktop.ui import look
from robocloud_desktop.ui.board.story.source import ITEMS
from robocloud_desktop.ui.board.story.widgets import LOADING, IdLine, StoryPage, StoryTree, message_of, short_time
from robocloud_desktop.ui.keys import shortcut

if TYPE_CHECKING:
    from robocloud_desktop.core.story_results import WorkItem
    from robocloud_desktop.ui.board.story.source import StorySource

ITEM_OUTCOMES = {"new": Outcome.QUEUED, "pending": Outcome.QUEUED, "in_progress": Outcome.RUNNING,
                 "done": Outcome.SUCCEEDED, "failed": Outcome.FAILED}
# Failed first (they wait for a person), then what is still going, then what is done.
ORDER = {"failed": 0, "in_progress": 1, "pending": 2, "new": 3, "done": 4}
NO_ITEMS = "This run has no work items."
COL_STATE, COL_EXCEPTION, COL_ID = range(3)
_ID = Qt.ItemDataRole.UserRole
_NO_UPDATE = QItemSelectionModel.SelectionFlag.NoUpdate


def exception_text(item: WorkItem) -> str:
    if item.exception is None:
        return ""
    found = item.exception
    kind = f"{found.type.capitalize()} exception" if found.type else "Exception"
    head = f"{kind} {found.code}".strip() if found.code else kind
    return f"{head}: {found.message}" if found.message else head


def exception_message(item: WorkItem) -> str:
    """What the list shows: the message first (it says what went wrong), then the type and code."""
    found = item.exception
    if found is None:
        return ""
    kind = ", ".join(part for part in (found.type, found.code) if part)
    if not found.message:
        return exception_text(item)
    return f"{found.message} ({kind})" if kind else found.message


def payload_text(payload: object) -> str:
    if payload is None:
        return "(no payload)"
    try:
        return visible(json.dumps(payload, indent=2, ensure_ascii=False), lines=True)
    except (TypeError, ValueError):
        return visible(str(payload), lines=True)


class WorkItemsPage(StoryPage):
    selectionChanged = Signal()

    def __init__(self, source: StorySource, parent: QWidget | None = None) -> None:
        super().__init__(source, "storyWorkItems", parent)
        self.tree = StoryTree("workItems", "Work items", ["State", "Exception", "Work item"], self)
        self.tree.setToolTip("The run's work items, failed ones first. Select failed items to retry or mark done "
                             "only those; double-click or press Enter for an item's payload.")
        self.tree.empty_text = NO_ITEMS
        self.tree.set_columns(stretch=COL_EXCEPTION, ids=(COL_ID,))
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.itemDoubleClicked.connect(lambda *_: self.show_payload())
        self.tree.currentItemChanged.connect(lambda *_: self._describe())
        self.tree.itemSelectionChanged.connect(self.selectionChanged)
        for keys in ("Return", "Enter"):
            shortcut(keys, self.tree, self.show_payload, Qt.ShortcutContext.WidgetShortcut)

        self.about = QLabel(self)
        self.about.setObjectName("workItemAbout")
        self.about.setAccessibleName("Selected work item")
        self.about.setWordWrap(True)
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.item_id = IdLine("workItemId", "Work item ID", self)
        self.item_id.hide()
        self.payload_button = QPushButton("Show payload", self)
        self.payload_button.setObjectName("showPayload")
        self.payload_button.setAccessibleName("Show payload")
        self.payload_button.setToolTip("Read the selected work item's payload from Control Room (Enter, or "
                                       "double-click the item)")
        self.payload_button.clicked.connect(self.show_payload)
        self.payload_button.setEnabled(False)
        self.payload = QPlainTextEdit(self)
        self.payload.setObjectName("workItemPayload")
        self.payload.setAccessibleName("Work item payload")
        self.payload.setToolTip("The selected work item's payload, as Control Room holds it")
        self.payload.setReadOnly(True)
        self.payload.setTabChangesFocus(True)
        self.payload.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.payload.hide()
        row = QHBoxLayout()
        row.addWidget(self.payload_button)
        row.addWidget(self.item_id, 1)
        self.layout_.addWidget(self.tree, 3)
        self.layout_.addWidget(self.about)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.payload, 2)
        self.layout_.addWidget(self.status)
        self.items: list[WorkItem] = []

    def waiting(self, text: str) -> None:
        self.tree.set_waiting(text)

    def reset(self) -> None:
        super().reset()
        self.items = []
        self.tree.clear()
        self.about.clear()
        self.item_id.show_value("")
        self.payload.clear()
        self.payload.hide()
        self.payload_button.setEnabled(False)

    def load(self) -> None:
        record = self.record
        assert record is not None
        self.read(ITEMS, lambda client, target, key: client.work_items(target, key, record.run_id), self._show)

    def selected_failed(self) -> list[str]:
        """The ids of the failed work items selected here."""
        ids = {item.data(COL_STATE, _ID) for item in self.tree.selectedItems()}
        return [item.id for item in self.items if item.id in ids and item.failed]

    def _show(self, items: list[WorkItem]) -> None:
        selected = {item.data(COL_STATE, _ID) for item in self.tree.selectedItems()}
        current_row = self.tree.currentItem()
        current = current_row.data(COL_STATE, _ID) if current_row else None
        self.items = sorted(items, key=lambda item: ORDER.get(item.state, 5))
        bold = QFont(self.tree.font())
        bold.setBold(True)
        failed_colour = look.outcome_colour(Outcome.FAILED)
        self.tree.blockSignals(True)  # one selection signal for the whole list, below
        self.tree.clear()
        for found in self.items:
            exception = exception_text(found)
            row = QTreeWidgetItem([found.label, exception_message(found) or "—", found.id])
            row.setData(COL_STATE, _ID, found.id)
            row.setIcon(COL_STATE, look.outcome_icon(ITEM_OUTCOMES.get(found.state, Outcome.UNKNOWN)))
            row.setToolTip(COL_STATE, f"Control Room's state: {found.state or 'none'}")
            row.setToolTip(COL_EXCEPTION, exception or "No exception")
            row.setToolTip(COL_ID, found.id)
            if found.failed:
                row.setFont(COL_STATE, bold)
                row.setForeground(COL_STATE, failed_colour)
            self.tree.addTopLevelItem(row)
            if found.id in selected:
                row.setSelected(True)
            if found.id == current:
                self.tree.setCurrentItem(row, 0, _NO_UPDATE)
        self.tree.blockSignals(False)
        first = self.tree.topLevelItem(0)
        if self.tree.currentItem() is None and self.items and first is not None:
            self.tree.setCurrentItem(first, 0, _NO_UPDATE)
        self._describe()
        self.selectionChanged.emit()

    def _current(self) -> WorkItem | None:
        row = self.tree.currentItem()
        wanted = row.data(COL_STATE, _ID) if row is not None else None
        return next((item for item in self.items if item.id == wanted), None)

    def _describe(self) -> None:
        found = self._current()
        self.payload_button.setEnabled(found is not None)
        if found is None:
            self.about.clear()
            self.item_id.show_value("")
            return
        self.item_id.show_value(found.id)
        lines = [f"{found.label}" + (f" since {short_time(found.state_updated_at)}" if found.state_updated_at
                                     else "")]
        if found.exception is not None:
            lines.append(exception_text(found))
        if found.files:
            lines.append("Files: " + ", ".join(file.name for file in found.files))
        self.about.setText("\n".join(lines))
        kept = self.source.payload(self.record, found.id) if self.record is not None else None
        if kept is not None:
            self.payload.setPlainText(payload_text(kept.payload))
        elif self.payload.isVisible():
            self.payload.setPlainText("Press Show payload (or Enter) to read this item's payload.")

    def show_payload(self) -> None:
        found, record = self._current(), self.record
        if found is None or record is None:
            return
        self.payload.show()
        kept = self.source.payload(record, found.id)
        if kept is not None:
            self.payload.setPlainText(payload_text(kept.payload))
            return
        self.payload.setPlainText(LOADING)

        def answered(item: WorkItem) -> None:
            current = self._current()
            if self.shows(record) and current is not None and current.id == item.id:
                self.payload.setPlainText(payload_text(item.payload))

        def failed(error: Exception) -> None:
            current = self._current()
            if self.shows(record) and current is not None and current.id == found.id:
                self.payload.setPlainText(message_of(error))

        self.source.fetch_payload(record, found.id, answered, failed)
