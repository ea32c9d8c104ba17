"""What the run board does with the runs selected on it: copy their ids, check them now, or remove them.

Removing takes runs off the board and out of the run history on this computer (their kept
payloads with them) and stops following those still in flight. Nothing changes in Control Room.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QMenu, QTableView, QWidget

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from robocloud_desktop.core.records import RunRecord
    from robocloud_desktop.ui.board.model import RunFilterProxy, RunTableModel
    from robocloud_desktop.ui.workers import Background


class BoardActions(QObject):
    problem = Signal(str)  # a removal that failed, in words for the banner

    def __init__(self, view: QTableView, proxy: RunFilterProxy, model: RunTableModel, *,
                 check_now: Callable[[list[str]], int], remove: Callable[[list[str]], int],
                 background: Background, parent: QWidget) -> None:
        super().__init__(parent)
        self._view, self._proxy, self._model = view, proxy, model
        # check_now: has the monitor look at these runs at once; remove: deletes them from the history
        # and stops following them (from a worker thread).
        self._check_now, self._remove_runs, self._background = check_now, remove, background
        self.open_dialog: QMessageBox | None = None

        self.copy_ids_action = self._action("Copy run ID", self.copy_selected_ids, QKeySequence.StandardKey.Copy)
        self.check_now_action = self._action("Check now", self.check_selected_now, QKeySequence.StandardKey.Refresh)
        self.check_now_action.setToolTip("Ask Control Room about the selected runs now, rather than when next due")
        self.remove_action = self._action("Remove from the board…", self.remove_selected,
                                          QKeySequence.StandardKey.Delete)
        self.remove_ended_action = self._action("Remove ended runs shown…", self.remove_ended_shown)
        self.remove_ended_action.setToolTip("Remove every run on the board, as it is filtered now, that has ended")
        view.selectionModel().selectionChanged.connect(lambda *_: self._update())
        view.selectionModel().currentChanged.connect(lambda *_: self._update())
        # The table's actions make its menu, with counts worked out as it opens.
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._open_menu)
        self._update()

    def _action(self, text: str, slot: Callable[[], None], keys: QKeySequence.StandardKey | None = None) -> QAction:
        action = QAction(text, self._view)
        if keys is not None:
            action.setShortcut(keys)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # only while the board has focus
        action.triggered.connect(slot)
        return action

    # --- what is selected and shown -----------------------------------------------------------

    def _selected_rows(self) -> list[int]:
        # From the selection's ranges: QItemSelectionModel.selectedRows() takes 0.2 s for 10,000 rows.
        rows: set[int] = set()
        # Iterable at run time (by __getitem__), which PySide6's stubs do not declare.
        for block in self._view.selectionModel().selection():  # type: ignore[attr-defined]
            rows.update(range(block.top(), block.bottom() + 1))
        return sorted(rows)

    def _acted_on_rows(self) -> list[int]:
        """What copying and checking act on: the selected rows, or else the current one (the run
        whose details are shown)."""
        current = self._view.selectionModel().currentIndex()
        return self._selected_rows() or ([current.row()] if current.isValid() else [])

    def _records_at(self, rows: Iterable[int]) -> Iterator[RunRecord]:
        for row in rows:
            record = self._proxy.record_at(self._proxy.index(row, 0))
            if record is not None:
                yield record

    def selected_records(self) -> list[RunRecord]:
        """The selected runs, in the board's order."""
        return list(self._records_at(self._selected_rows()))

    def ended_shown(self) -> list[RunRecord]:
        return [record for record in self._records_at(range(self._proxy.rowCount())) if record.is_ended]

    def _count_ended_shown(self) -> int:
        if self._proxy.rowCount() == self._model.rowCount():  # no filter hides any: the model knows
            return self._model.rowCount() - self._model.in_flight()
        return len(self.ended_shown())

    def _update(self) -> None:
        """On selection changes: what the actions act on. Cheap, as all 10,000 runs may be selected;
        whether they are still followed is read as the menu opens (runs end without a selection change)."""
        count, copies = len(self._selected_rows()), len(self._acted_on_rows())
        self.copy_ids_action.setEnabled(copies > 0)
        self.copy_ids_action.setText("Copy run ID" if copies <= 1 else f"Copy {copies} run IDs")
        self.check_now_action.setEnabled(copies > 0)
        self.remove_action.setEnabled(count > 0)
        self.remove_action.setText("Remove from the board…" if count <= 1
                                   else f"Remove {count} runs from the board…")

    def _open_menu(self, at: QPoint) -> None:
        self._update()
        # Runs still followed (one that needs attention is looked at only every few minutes).
        self.check_now_action.setEnabled(any(not r.finished for r in self._records_at(self._acted_on_rows())))
        ended = self._count_ended_shown()
        self.remove_ended_action.setEnabled(ended > 0)
        self.remove_ended_action.setText(f"Remove the {ended} ended runs shown…" if ended > 1
                                         else "Remove ended runs shown…")
        menu = QMenu(self._view)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.setToolTipsVisible(True)  # a run action's tooltip says which permission the key lacks
        menu.addActions(self._view.actions())
        menu.popup(self._view.viewport().mapToGlobal(at))  # a table's menu position is the viewport's

    # --- copying ------------------------------------------------------------------------------

    def copy_selected_ids(self) -> None:
        """The selected runs' ids, one per line, in the board's order. A trigger of unknown outcome has
        only the app's placeholder, which no Control Room page or command knows: it is left out."""
        ids = [record.run_id for record in self._records_at(self._acted_on_rows()) if not record.outcome_unknown]
        if ids:
            QGuiApplication.clipboard().setText("\n".join(ids))

    # --- checking -----------------------------------------------------------------------------

    def check_selected_now(self) -> None:
        followed = [record.run_id for record in self._records_at(self._acted_on_rows()) if not record.finished]
        if followed:  # F5 on runs that ended does nothing
            self._check_now(followed)

    # --- removing -----------------------------------------------------------------------------

    def remove_selected(self) -> None:
        records = self.selected_records()
        if not records:
            return
        question = (f"Remove run {records[0].run_id} from the board?" if len(records) == 1
                    else f"Remove {len(records)} runs from the board?")
        self._confirm(records, question)

    def remove_ended_shown(self) -> None:
        records = self.ended_shown()
        if records:
            self._confirm(records, f"Remove the {len(records)} ended runs shown from the board?"
                          if len(records) > 1 else f"Remove the ended run {records[0].run_id} from the board?")

    def _confirm(self, records: list[RunRecord], question: str) -> None:
        from PySide6.QtWidgets import QMessageBox  # dialogs load when first opened

        box = QMessageBox(QMessageBox.Icon.Warning, "Remove runs", question, QMessageBox.StandardButton.NoButton,
                          self._view.window())
        details = ["They are deleted from the run history on this computer, with the payloads kept with them. "
                   "In Control Room they stay as they are."]
        unfinished = sum(not record.is_ended for record in records)
        if unfinished:
            details.append("1 of them has not ended: the app stops following it and will not tell you how it ends."
                           if unfinished == 1 else f"{unfinished} of them have not ended: the app stops following "
                           "them and will not tell you how they end.")
        box.setInformativeText("\n\n".join(details))
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        remove.setObjectName("confirmRemoveRuns")
        remove.setAccessibleName(f"Remove {len(records)} runs" if len(records) > 1 else "Remove the run")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        box.setDefaultButton(cancel)  # Enter must not remove by accident
        box.setEscapeButton(cancel)

        def clicked(button: QAbstractButton) -> None:
            if button is remove:
                self._remove(records)

        box.buttonClicked.connect(clicked)
        box.finished.connect(lambda _: setattr(self, "open_dialog", None))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open_dialog = box
        box.open()

    def _remove(self, records: list[RunRecord]) -> None:
        ids = [record.run_id for record in records]
        removed = self._model.remove(ids)  # off the board at once; the history follows on the pool
        # The run that took the place of the current one is selected, as in a file manager: the next
        # Delete goes on from there.
        selection = self._view.selectionModel()
        if selection.currentIndex().isValid() and not selection.hasSelection():
            selection.select(selection.currentIndex(), QItemSelectionModel.SelectionFlag.ClearAndSelect
                             | QItemSelectionModel.SelectionFlag.Rows)
        remove_runs = self._remove_runs

        def failed(error: Exception) -> None:
            self._model.restore(removed)
            self.problem.emit(f"The runs could not be removed from the run history ({error}). "
                              "They are back on the board.")

        self._background.run(lambda: remove_runs(ids), None, failed)
