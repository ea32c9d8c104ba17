"""The Console tab: the console messages of one step run, oldest first and newest last, read from
Control Room a page at a time as the reader scrolls to the end (or all at once with "To the last
line"). A find box searches the lines read so far: Ctrl+F in the tab, F3 next, Shift+F3 back."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QFontDatabase,
    QKeySequence,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from robocloud_desktop.ui.board.story.source import STEPS
from robocloud_desktop.ui.board.story.steps import first_to_look_at, step_title
from robocloud_desktop.ui.board.story.widgets import StoryPage
from robocloud_desktop.ui.keys import shortcut

if TYPE_CHECKING:
    from robocloud_desktop.core.story_results import ConsoleMessage, StepRun
    from robocloud_desktop.ui.board.story.source import ConsoleLog, StorySource

NO_STEP = "No step runs yet, so no console: Control Room writes one as each step runs."
NO_LINES = "This step wrote nothing to its console."


def console_line(message: ConsoleMessage) -> str:
    when = time.strftime("%H:%M:%S", time.localtime(message.timestamp)) if message.timestamp else "--:--:--"
    return f"{when}  {message.message}"


class _TimeShade(QSyntaxHighlighter):
    """Each line's time in a muted colour: where one message ends and the next begins shows even when
    long lines wrap in a narrow pane."""

    def __init__(self, text: QPlainTextEdit) -> None:
        super().__init__(text.document())
        self._format = QTextCharFormat()
        self._format.setForeground(text.palette().color(QPalette.ColorRole.PlaceholderText))

    def highlightBlock(self, text: str) -> None:
        if len(text) >= 8 and text[2] == ":" and text[5] == ":":
            self.setFormat(0, 8, self._format)


class ConsolePage(StoryPage):
    def __init__(self, source: StorySource, parent: QWidget | None = None) -> None:
        super().__init__(source, "storyConsole", parent)
        self.steps: list[StepRun] = []
        self.wanted_step = ""  # a step the user asked for elsewhere (the Steps tab), until it is listed
        self._shown_step = ""  # whose console the text holds
        self._shown_lines = 0
        self._shown_log: ConsoleLog | None = None  # the log whose lines the text holds
        self._loading = False
        self._then_to_end = False  # go to the last line once the page out has come
        self._cancel = threading.Event()

        self.step_choice = QComboBox(self)
        self.step_choice.setObjectName("consoleStep")
        self.step_choice.setAccessibleName("Step")
        self.step_choice.setToolTip("Whose console to show: each step of the run writes its own")
        self.step_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.step_choice.setMinimumContentsLength(12)
        self.step_choice.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.step_choice.currentIndexChanged.connect(lambda *_: self._step_chosen())
        step_label = QLabel("&Step:", self)
        step_label.setBuddy(self.step_choice)
        self.to_end = QPushButton("To the end", self)
        self.to_end.setObjectName("consoleToEnd")
        self.to_end.setAccessibleName("To the end")
        self.to_end.setToolTip("Read the rest of this console from Control Room and go to its last line "
                               "(Ctrl+End in the console)")
        self.to_end.clicked.connect(self.read_to_the_end)
        top = QHBoxLayout()
        top.addWidget(step_label)
        top.addWidget(self.step_choice, 1)
        top.addWidget(self.to_end)

        self.text = QPlainTextEdit(self)
        self.text.setObjectName("consoleText")
        self.text.setAccessibleName("Console messages")
        self.text.setToolTip("")  # a tooltip over the lines would hide them
        self.text.setReadOnly(True)
        self.text.setTabChangesFocus(True)
        self.text.setUndoRedoEnabled(False)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setPlaceholderText(NO_STEP)
        self._shade = _TimeShade(self.text)
        self.text.verticalScrollBar().valueChanged.connect(lambda *_: self._maybe_read_on())
        self.text.verticalScrollBar().rangeChanged.connect(lambda *_: self._maybe_read_on())
        shortcut("Ctrl+End", self.text, self.read_to_the_end, Qt.ShortcutContext.WidgetShortcut)

        self.find_box = QLineEdit(self)
        self.find_box.setObjectName("consoleFind")
        self.find_box.setAccessibleName("Find in console")
        self.find_box.setPlaceholderText("Find (Ctrl+F, then F3)")
        self.find_box.setToolTip("Find text in the console lines read so far; Enter or F3 finds the next, "
                                 "Shift+F3 the one before")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.returnPressed.connect(self.find_next)
        self.find_box.textEdited.connect(lambda *_: self._find(forward=True, from_start_of_match=True))
        for keys, slot in ((QKeySequence.StandardKey.Find, self.focus_find), ("F3", self.find_next),
                           ("Shift+F3", self.find_previous)):
            shortcut(keys, self, slot, Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.layout_.addLayout(top)
        self.layout_.addWidget(self.text, 1)
        self.layout_.addWidget(self.find_box)
        self.layout_.addWidget(self.status)
        # Reading on is checked once the text has been laid out, not while it is being filled.
        self._read_on_later = QTimer(self)
        self._read_on_later.setSingleShot(True)
        self._read_on_later.setInterval(0)
        self._read_on_later.timeout.connect(self._maybe_read_on)

    # --- which run and step -------------------------------------------------------------------

    def waiting(self, text: str) -> None:
        if not self.steps:
            self.text.setPlaceholderText(text or NO_STEP)

    def reset(self) -> None:
        super().reset()
        self._cancel.set()
        self._cancel = threading.Event()
        self.steps = []
        self._loading = False
        self.step_choice.blockSignals(True)
        self.step_choice.clear()
        self.step_choice.blockSignals(False)
        self._clear_text()

    def show_step(self, step_run_id: str) -> None:
        """Show this step's console (asked for from the Steps tab)."""
        self.wanted_step = step_run_id
        index = self.step_choice.findData(step_run_id)
        if index >= 0:
            self.step_choice.setCurrentIndex(index)

    def load(self) -> None:
        record = self.record
        assert record is not None
        self.read(STEPS, lambda client, target, key: client.step_runs(target, key, record.run_id), self._list_steps)

    def _list_steps(self, steps: list[StepRun]) -> None:
        current = self.step_choice.currentData()
        self.steps = list(steps)
        self.step_choice.blockSignals(True)
        self.step_choice.clear()
        for number, step in enumerate(self.steps, 1):
            self.step_choice.addItem(f"{step_title(number, step)} — {step.label}", step.id)
            self.step_choice.setItemData(number - 1, f"Step run {step.id}", Qt.ItemDataRole.ToolTipRole)
        first = first_to_look_at(self.steps)
        for wanted in (self.wanted_step, current, first.id if first else None):
            index = self.step_choice.findData(wanted) if wanted else -1
            if index >= 0:
                self.step_choice.setCurrentIndex(index)
                break
        self.step_choice.blockSignals(False)
        self.wanted_step = ""
        self._step_chosen(again=True)

    def _step(self) -> str:
        value = self.step_choice.currentData()
        return value if isinstance(value, str) else ""

    def _step_chosen(self, *, again: bool = False) -> None:
        """Show the chosen step's console as far as it was read, and read its first page if need be
        (again from the start for a run in flight: it writes more as it goes)."""
        record, step = self.record, self._step()
        if record is None:
            return
        if not step:
            self._clear_text()
            self.text.setPlaceholderText(NO_STEP)
            self.to_end.setEnabled(False)
            return
        if step != self._shown_step:
            self._cancel.set()
            self._cancel = threading.Event()
            self._loading = False
            self._clear_text()
        log = self.source.console(record, step)
        if again and log.started and not record.is_ended:
            self.source.restart_console(record, step)
            log = self.source.console(record, step)
        self._shown_step = step
        self._show_log(log)
        if not log.started:
            # A failed step tells why in its last lines: those are what the user opened this for.
            failed = any(s.id == step and s.failed for s in self.steps) and record.is_ended
            self._read(to_the_end=failed)

    # --- reading ------------------------------------------------------------------------------

    def _maybe_read_on(self) -> None:
        """At the end of what was read (or all of it fits), the next page is read."""
        bar = self.text.verticalScrollBar()
        if self.record is None or self._loading or not self._shown_step or bar.value() < bar.maximum():
            return
        log = self.source.console(self.record, self._shown_step)
        if log.started and log.next_url:
            self._read(to_the_end=False)

    def read_to_the_end(self) -> None:
        if self.record is None or not self._shown_step:
            return
        log = self.source.console(self.record, self._shown_step)
        if log.complete:
            self._go_to_end()
        elif not self._loading:
            self._read(to_the_end=True)
        else:
            self._then_to_end = True

    def _read(self, *, to_the_end: bool) -> None:
        record, step, cancel = self.record, self._shown_step, self._cancel
        assert record is not None
        self._loading = True
        self._then_to_end = to_the_end
        self.status.say("Reading every line left…" if to_the_end else "Reading more lines…")

        def answered(log: ConsoleLog) -> None:
            if not self.shows(record) or step != self._shown_step or cancel.is_set():
                return
            self._loading = False
            self.status.say("")
            self._show_log(log)
            if self._then_to_end and not log.complete:
                self._read(to_the_end=True)  # asked for the end while a page was out
            elif self._then_to_end:
                self._go_to_end()

        def failed(error: Exception) -> None:
            if self.shows(record) and step == self._shown_step:
                self._loading = False
                self.failed(record, error)

        self.source.fetch_console(record, step, answered, failed, to_the_end=to_the_end, cancel=cancel)

    # --- showing ------------------------------------------------------------------------------

    def _clear_text(self) -> None:
        self.text.clear()
        self._shown_lines = 0
        self._shown_step = ""
        self._shown_log = None

    def _show_log(self, log: ConsoleLog) -> None:
        """Add the lines not shown yet, keeping the reader's place."""
        if log is not self._shown_log:  # read again from the start (the run moved on)
            step = self._shown_step
            self._clear_text()
            self._shown_step, self._shown_log = step, log
        new = log.messages[self._shown_lines:]
        if new:
            bar = self.text.verticalScrollBar()
            place = bar.value()
            cursor = QTextCursor(self.text.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            text = "\n".join(console_line(message) for message in new)
            cursor.insertText(("\n" if self._shown_lines else "") + text)
            first_page = self._shown_lines == 0
            self._shown_lines = len(log.messages)
            if first_page and log.complete:
                self._go_to_end()  # all of it: the last lines, where a failure is told, are in view
            else:
                bar.setValue(place)
        self.text.setPlaceholderText(NO_LINES if log.started else "Reading the console…")
        self.to_end.setEnabled(not log.complete or self._shown_lines > 0)
        more = "" if log.complete else " — more in Control Room: scroll to the end, or press To the end"
        count = f"{self._shown_lines:,} line{'s' if self._shown_lines != 1 else ''}"
        self.text.setAccessibleDescription(f"{count} read{more}")
        if not self._loading and log.started and not log.complete:
            self.status.say(f"{count} read{more}.")
        self._read_on_later.start()

    def _go_to_end(self) -> None:
        self.text.moveCursor(QTextCursor.MoveOperation.End)
        self.text.verticalScrollBar().setValue(self.text.verticalScrollBar().maximum())

    # --- finding ------------------------------------------------------------------------------

    def focus_find(self) -> None:
        self.find_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find_box.selectAll()

    def find_next(self) -> None:
        self._find(forward=True)

    def find_previous(self) -> None:
        self._find(forward=False)

    def _find(self, *, forward: bool, from_start_of_match: bool = False) -> bool:
        needle = self.find_box.text()
        if not needle:
            self.find_box.setStyleSheet("")
            return False
        flags = QTextDocument.FindFlag(0) if forward else QTextDocument.FindFlag.FindBackward
        cursor = self.text.textCursor()
        if from_start_of_match and cursor.hasSelection():  # typing on: the match may grow where it is
            cursor.setPosition(cursor.selectionStart())
            self.text.setTextCursor(cursor)
        found = self.text.find(needle, flags)
        if not found:  # round the end (or the start) and on
            cursor = self.text.textCursor()
            cursor.movePosition(QTextCursor.MoveOperation.Start if forward else QTextCursor.MoveOperation.End)
            self.text.setTextCursor(cursor)
            found = self.text.find(needle, flags)
        self.find_box.setStyleSheet("" if found else "QLineEdit { color: palette(bright-text); "
                                                     "background: #b3261e; }")
        if not found:
            self.status.say(f"“{needle}” is not in the {self._shown_lines:,} lines read"
                            + ("." if self._complete() else "; To the end reads the rest."), "warning")
        elif self.status.kind == "warning":
            self.status.say("")
        return found

    def _complete(self) -> bool:
        return self.record is None or not self._shown_step or self.source.console(self.record,
                                                                                    self._shown_step).complete
