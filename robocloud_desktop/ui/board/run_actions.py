"""Acting on a Control Room API v1 run from the window: Stop or Terminate one in flight, Retry or Mark
done the failed work items of one that needs attention.

Stop and Terminate ask first, saying what becomes of the work items left (they fail, unless the box
to mark them done is ticked); so does Mark done, which cannot be taken back. Each action is one
request, never sent twice; its buttons are disabled until the answer is in. A key that lacks the
permission the action needs is said in the error and, from then on, in the action's tooltip. Once
Control Room has accepted, the monitor follows the run closely again until it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton, QWidget

from robocloud_desktop.core.errors import PermissionMissing
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.target import API_V1

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from robocloud_desktop.core.api_v1 import ControlRoomClient
    from robocloud_desktop.core.records import RunRecord
    from robocloud_desktop.core.target import Target
    from robocloud_desktop.ui.board.story.source import StorySource

STOP, TERMINATE, RETRY, MARK_DONE = "stop", "terminate", "retry", "mark_as_done"
IN_FLIGHT = {Outcome.QUEUED, Outcome.RUNNING, Outcome.STOPPING}
_GRANT = "add it to the key in Control Room (Workspace → API keys), or use a key that has it"


@dataclass(frozen=True)
class Confirmation:
    """What the user is asked before an action is sent."""

    title: str
    question: str
    details: str
    button: str
    offer_mark_done: bool = False  # a box "Mark the remaining work items done" (Stop, Terminate)


# What `RunActions.confirm` is: show the question, and call `go(mark_done)` if the user agrees.
Confirm = Callable[[Confirmation, Callable[[bool], None]], None]


def action_button(action: QAction, name: str, parent: QWidget) -> QPushButton:
    """A push button that mirrors an action (text, tooltip, enabled, shown) and triggers it."""
    button = QPushButton(parent)
    button.setObjectName(name)

    def mirror() -> None:
        button.setText(action.text())
        button.setAccessibleName(action.text().rstrip("…"))
        button.setToolTip(action.toolTip())
        button.setEnabled(action.isEnabled())
        button.setVisible(action.isVisible())

    action.changed.connect(mirror)
    button.clicked.connect(action.trigger)
    mirror()
    return button


class RunActions(QObject):
    acted = Signal(str)  # run id: Control Room accepted an action on it
    said = Signal(str, str, str)  # the run, what to tell the user about it, and how: "info" or "error"

    def __init__(self, source: Callable[[], StorySource], selected_failed: Callable[[], list[str]],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self._widget = parent
        self._source, self._selected_failed = source, selected_failed
        self._record: RunRecord | None = None
        self._busy = ""  # the run an action is out for
        self._lacking: dict[tuple[str, str, str], str] = {}  # (base URL, workspace, action) -> permission
        self.open_dialog: QMessageBox | None = None
        # Asks before Stop, Terminate and Mark done. Tests put a function here that answers at once,
        # instead of clicking a modal dialog's buttons.
        self.confirm: Confirm = self.ask

        self.stop_action = self._action("Stop…", self.stop)
        self.terminate_action = self._action("Terminate…", self.terminate)
        self.retry_action = self._action("Retry failed items", self.retry)
        self.mark_done_action = self._action("Mark failed items done…", self.mark_done)
        self.update(None)

    def _action(self, text: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        return action

    def actions(self) -> list[QAction]:
        return [self.stop_action, self.terminate_action, self.retry_action, self.mark_done_action]

    # --- what can be done ---------------------------------------------------------------------

    def update(self, record: RunRecord | None = None, *, keep: bool = False) -> None:
        """Show the actions that fit the run (`keep`: the same run as before, with its selection changed)."""
        if not keep:
            self._record = record
        record = self._record
        v1 = record is not None and record.api == API_V1 and not record.gone
        in_flight = v1 and record is not None and record.outcome in IN_FLIGHT
        unresolved = v1 and record is not None and record.outcome is Outcome.NEEDS_ATTENTION
        idle = not self._busy
        stopping = record is not None and record.outcome is Outcome.STOPPING

        self.stop_action.setVisible(in_flight)
        self.stop_action.setEnabled(in_flight and idle and not stopping)
        self._tip(self.stop_action, STOP, "Already stopping" if stopping else
                  "Stop the run: the work item in progress finishes, the remaining ones fail (or are marked done)")
        self.terminate_action.setVisible(in_flight)
        self.terminate_action.setEnabled(in_flight and idle)
        self._tip(self.terminate_action, TERMINATE,
                  "End the run now: every step stops at once, its work items fail (or are marked done)")

        selected = len(self._selected_failed()) if unresolved else 0
        which = (f"the {selected} selected failed items" if selected > 1 else "the selected failed item" if selected
                 else "every failed item of the run (select some in Work items for only those)")
        self.retry_action.setText(f"Retry {selected} selected items" if selected > 1 else
                                  "Retry selected item" if selected else "Retry failed items")
        self.retry_action.setVisible(unresolved)
        self.retry_action.setEnabled(unresolved and idle)
        self._tip(self.retry_action, RETRY, f"Process {which} again")
        self.mark_done_action.setText(f"Mark {selected} selected items done…" if selected > 1 else
                                      "Mark selected item done…" if selected else "Mark failed items done…")
        self.mark_done_action.setVisible(unresolved)
        self.mark_done_action.setEnabled(unresolved and idle)
        self._tip(self.mark_done_action, MARK_DONE, f"Mark {which} done without processing them again")

    def _tip(self, action: QAction, what: str, text: str) -> None:
        record = self._record
        lacking = self._lacking.get((record.base_url, record.workspace_id, what), "") if record else ""
        if lacking:
            text = f"{text}.\nThe workspace's API key lacks {lacking}: {_GRANT}."
        elif self._busy and record is not None and self._busy == record.run_id:
            text = f"{text}.\nWaiting for Control Room's answer to the last action…"
        action.setToolTip(text)

    # --- asking -------------------------------------------------------------------------------

    def ask(self, confirmation: Confirmation, go: Callable[[bool], None]) -> None:
        from PySide6.QtWidgets import QCheckBox, QMessageBox  # dialogs load when first opened

        box = QMessageBox(QMessageBox.Icon.Warning, confirmation.title, confirmation.question,
                          QMessageBox.StandardButton.NoButton, self._widget.window())
        box.setInformativeText(confirmation.details)
        mark_done = None
        if confirmation.offer_mark_done:
            mark_done = QCheckBox("Mark the remaining work items done instead", box)
            mark_done.setObjectName("markRemainingDone")
            mark_done.setToolTip("They are then not failed: the run completes without anyone retrying them")
            box.setCheckBox(mark_done)
        yes = box.addButton(confirmation.button, QMessageBox.ButtonRole.DestructiveRole)
        yes.setObjectName("confirmRunAction")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)  # Enter must not stop a run by accident
        box.setEscapeButton(cancel)

        def clicked(button: Any) -> None:
            if button is yes:
                go(bool(mark_done and mark_done.isChecked()))

        box.buttonClicked.connect(clicked)
        box.finished.connect(lambda _: setattr(self, "open_dialog", None))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open_dialog = box
        box.open()

    # --- acting -------------------------------------------------------------------------------

    def stop(self) -> None:
        self._stop(terminate=False)

    def terminate(self) -> None:
        self._stop(terminate=True)

    def _stop(self, *, terminate: bool) -> None:
        record = self._record
        if record is None or self._busy or record.outcome not in IN_FLIGHT:
            return
        if terminate:
            confirmation = Confirmation(
                "Terminate the run", f"Terminate run {record.run_id} now?",
                "Every step of the run ends at once. The work items in progress fail, and so do those not "
                "started yet, unless you mark them done below.", "Terminate", offer_mark_done=True)
        else:
            confirmation = Confirmation(
                "Stop the run", f"Stop run {record.run_id}?",
                "The work item in progress is processed to its end; then the run stops. The work items not "
                "started yet fail, unless you mark them done below.", "Stop", offer_mark_done=True)

        def go(mark_done: bool) -> None:
            what = TERMINATE if terminate else STOP

            def call(client: ControlRoomClient, target: Target, key: str) -> bool:
                return client.stop_run(target, key, record.run_id, terminate=terminate, mark_done=mark_done)

            done = ("Terminating the run" if terminate else "Stopping the run: the work item in progress finishes "
                    "first") + (", and the remaining work items are marked done." if mark_done else ".")
            self._send(record, what, call, lambda accepted: done if accepted else
                       "Control Room did not accept the stop: the run may have ended meanwhile.")

        self.confirm(confirmation, go)

    def retry(self) -> None:
        record = self._record
        if record is None or self._busy:
            return
        ids = self._selected_failed()
        self._send(record, RETRY, _batch(record.run_id, "retry", ids),
                   lambda count: _batch_said(count, "retried: the run goes on with them",
                                             "No failed work items to retry: the run has none left."))

    def mark_done(self) -> None:
        record = self._record
        if record is None or self._busy:
            return
        ids = self._selected_failed()
        which = (f"the {len(ids)} selected failed work items" if len(ids) > 1 else "the selected failed work item"
                 if ids else "every failed work item of the run")
        confirmation = Confirmation(
            "Mark work items done", f"Mark {which} done?",
            "They are not processed again, and the run completes once no work item is left failed. This cannot "
            "be undone.", "Mark done")

        def go(_: bool) -> None:
            self._send(record, MARK_DONE, _batch(record.run_id, "mark_as_done", ids),
                       lambda count: _batch_said(count, "marked done", "No failed work items to mark done: the run "
                                                 "has none left."))

        self.confirm(confirmation, go)

    def _send(self, record: RunRecord, what: str, call: Callable[[ControlRoomClient, Target, str], Any],
              say: Callable[[Any], str]) -> None:
        self._busy = record.run_id
        self.update(keep=True)
        self.said.emit(record.run_id, "Asking Control Room…", "info")
        where = (record.base_url, record.workspace_id, what)

        def done(result: Any) -> None:
            self._busy = ""
            self._lacking.pop(where, None)
            self.update(keep=True)
            self.said.emit(record.run_id, say(result), "info")
            self.acted.emit(record.run_id)

        def failed(error: Exception) -> None:
            self._busy = ""
            if isinstance(error, PermissionMissing) and error.permission:
                self._lacking[where] = error.permission
            self.update(keep=True)
            message = getattr(error, "message", "") or f"The action failed: {type(error).__name__}."
            self.said.emit(record.run_id, message, "error")

        self._source().act(record, call, done, failed)

    @property
    def busy(self) -> bool:
        return bool(self._busy)


def _batch(run_id: str, operation: str, ids: list[str]) -> Callable[[ControlRoomClient, Target, str], int]:
    """Retry or mark done these work items, or, when none are given, every failed one of the run.
    Returns how many."""

    def call(client: ControlRoomClient, target: Target, key: str) -> int:
        chosen = list(ids) or [item.id for item in client.work_items(target, key, run_id, state="failed")]
        if not chosen:
            return 0
        return len(chosen) if client.work_items_batch(target, key, operation, chosen) else -1

    return call


def _batch_said(count: int, done: str, none: str) -> str:
    if count < 0:
        return "Control Room did not accept it: the work items may have changed meanwhile. Look again in Work items."
    if not count:
        return none
    return f"{count} work item{'s' if count != 1 else ''} {done}."
