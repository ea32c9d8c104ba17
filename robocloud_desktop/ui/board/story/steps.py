"""The Steps tab: the run's step runs in order, with their state, how long they took and the error
code of a failed one, which stands out and is selected first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QTreeWidgetItem, QWidget

from robocloud_desktop.core.models import Outcome
from robocloud_desktop.ui import look
from robocloud_desktop.ui.board.model import format_duration, format_full
from robocloud_desktop.ui.board.story.source import STEPS
from robocloud_desktop.ui.board.story.widgets import IdLine, StoryPage, StoryTree, short_time

if TYPE_CHECKING:
    from robocloud_desktop.core.story_results import StepRun
    from robocloud_desktop.ui.board.story.source import StorySource

STEP_OUTCOMES = {"new": Outcome.QUEUED, "awaiting_worker": Outcome.QUEUED, "in_progress": Outcome.RUNNING,
                 "completed": Outcome.SUCCEEDED, "failed": Outcome.FAILED}
NO_STEPS = "No step runs yet: Control Room makes them as the run's steps start."
COL_NAME, COL_STATE, COL_TOOK, COL_ERROR = range(4)


def step_title(number: int, step: StepRun) -> str:
    return f"{number}. {step.name}"


def first_to_look_at(steps: list[StepRun]) -> StepRun | None:
    """The failed step run, else the last one that began, else the first."""
    for step in steps:
        if step.failed:
            return step
    begun = [step for step in steps if step.state not in ("new", "awaiting_worker")]
    if begun:
        return begun[-1]
    return steps[0] if steps else None


class StepsPage(StoryPage):
    consoleWanted = Signal(str)  # step run id: the user asked for its console

    def __init__(self, source: StorySource, parent: QWidget | None = None) -> None:
        super().__init__(source, "storySteps", parent)
        self.tree = StoryTree("stepRuns", "Step runs", ["Step", "State", "Took", "Error code"], self)
        self.tree.setToolTip("The run's steps in order; double-click one for its console")
        self.tree.empty_text = NO_STEPS
        self.tree.set_columns(stretch=COL_ERROR)  # names whole; a long error code elides (its tooltip has it)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.currentItemChanged.connect(lambda *_: self._describe())
        self.about = QLabel(self)
        self.about.setObjectName("stepRunAbout")
        self.about.setAccessibleName("Selected step run")
        self.about.setWordWrap(True)
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.step_run_id = IdLine("stepRunId", "Step run ID", self)
        self.step_run_id.hide()
        self.layout_.addWidget(self.tree, 1)
        self.layout_.addWidget(self.about)
        self.layout_.addWidget(self.step_run_id)
        self.layout_.addWidget(self.status)
        self.steps: list[StepRun] = []

    def waiting(self, text: str) -> None:
        self.tree.set_waiting(text)

    def reset(self) -> None:
        super().reset()
        self.steps = []
        self.tree.clear()
        self.about.clear()
        self.step_run_id.show_value("")

    def load(self) -> None:
        record = self.record
        assert record is not None
        self.read(STEPS, lambda client, target, key: client.step_runs(target, key, record.run_id), self._show)

    def _show(self, steps: list[StepRun]) -> None:
        current = self.tree.currentItem()
        chosen = current.data(COL_NAME, Qt.ItemDataRole.UserRole) if current else None
        self.steps = list(steps)
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        failed_colour = look.outcome_colour(Outcome.FAILED)
        for number, step in enumerate(self.steps, 1):
            item = QTreeWidgetItem([step_title(number, step), step.label, format_duration(step.duration) or "—",
                                    step.error_code or ""])
            item.setData(COL_NAME, Qt.ItemDataRole.UserRole, step.id)
            item.setIcon(COL_STATE, look.outcome_icon(STEP_OUTCOMES.get(step.state, Outcome.UNKNOWN)))
            item.setToolTip(COL_NAME, f"{step.name}\nStep run {step.id}")
            item.setToolTip(COL_STATE, f"Control Room's state: {step.state or 'none'}")
            if step.error_code:
                item.setToolTip(COL_ERROR, step.error_code)
            if step.failed:
                for column in range(self.tree.columnCount()):
                    item.setFont(column, bold)
                    item.setForeground(column, failed_colour)
            self.tree.addTopLevelItem(item)
        first = first_to_look_at(self.steps)
        wanted = chosen or (first.id if first else None)
        for row in range(self.tree.topLevelItemCount()):
            shown = self.tree.topLevelItem(row)
            if shown is not None and shown.data(COL_NAME, Qt.ItemDataRole.UserRole) == wanted:
                self.tree.setCurrentItem(shown)
        self._describe()

    def _describe(self) -> None:
        item = self.tree.currentItem()
        step = next((s for s in self.steps if item and s.id == item.data(COL_NAME, Qt.ItemDataRole.UserRole)), None)
        if step is None:
            self.about.clear()
            self.step_run_id.show_value("")
            return
        lines = [f"{step.name}: {step.label}" + (f", error code {step.error_code}" if step.error_code else "")]
        if step.started_at:
            lines.append(f"From {short_time(step.started_at)}"
                         + (f" to {short_time(step.ended_at)}" if step.ended_at else ", still running")
                         + (f" ({format_duration(step.duration)})" if step.duration is not None else ""))
        lines.append("Double-click it for its console. Its step run ID:")
        self.about.setText("\n".join(lines))
        self.about.setToolTip(f"Began {format_full(step.started_at) or 'not yet'}"
                              + (f", ended {format_full(step.ended_at)}" if step.ended_at else ""))
        self.step_run_id.show_value(step.id)

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        step_id = item.data(COL_NAME, Qt.ItemDataRole.UserRole)
        if step_id:
            self.consoleWanted.emit(step_id)
