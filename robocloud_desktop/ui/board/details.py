"""The details pane: everything known about the selected run, raw codes included.

Fits a side pane (350-450 px wide) or a bottom pane (~250 px high): ids sit in a form of
read-only, selectable fields that scroll rather than force the pane wider, and the raw texts move
beside the form when the pane is wide.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from robocloud_desktop.core.errors import InvalidTarget, ProcessApiError
from robocloud_desktop.core.json_text import JsonProblem, load_json
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.target import API_V1
from robocloud_desktop.core.visible import visible
from robocloud_desktop.ui import look
from robocloud_desktop.ui.board.details_hint import MIN_WIDTH, details_hint
from robocloud_desktop.ui.board.model import (
    NO_PROFILE,
    format_duration,
    format_full,
    raw_codes,
    started_by,
    state_label,
)

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QResizeEvent

    from robocloud_desktop.core.records import RunRecord
    from robocloud_desktop.ui.board.run_actions import RunActions
    from robocloud_desktop.ui.board.story.access import StoryAccess
    from robocloud_desktop.ui.board.story.tabs import StoryTabs

COPIED_FOR_MS = 1500
WIDE_FROM = 640  # px: from here the raw texts go beside the form instead of under it
_NONE = "—"
_FIELD_MARGIN = 4  # QLineEdit's own text margins, each side
_FIELD_MAX_MIN_WIDTH = 200  # px: what a 250 px pane leaves a field, beside its scroll bar and margins


def _pretty_json(text: str) -> str:
    """Indented JSON when the text is JSON; otherwise the text as it came (it is evidence). Either way
    with its invisible characters shown as escapes, so an answer cannot pass for another."""
    with contextlib.suppress(JsonProblem):
        text = json.dumps(load_json(text), indent=2, ensure_ascii=False)
    return visible(text, lines=True)


def advice_for(record: RunRecord) -> str:
    """What the run's state means and what to do about it, for states that wait on the user; '' otherwise."""
    if record.outcome_unknown:
        when = format_full(record.triggered_at)
        return ("The trigger was sent, but its answer was lost: Control Room may or may not have started a run. "
                f"Look in Control Room for a run of this process started at about {when} before sending the "
                "payload again. This entry is never checked; remove it (Delete) once you know.")
    if record.outcome is not Outcome.NEEDS_ATTENTION:
        return ""
    what = ("Its work items failed and wait in Control Room for a person: each can be retried (processed again) "
            "or marked done.")
    if record.api == API_V1:
        return (f"{what} Open the Work items tab to see which failed and why, then press Retry failed items or "
                "Mark failed items done… above the tabs (select items first to act on only those).")
    return (f"{what} Open the run in Control Room to do it, or add a profile with the workspace's API key "
            "(Add → From workspace…) to act on it here.")


class _IdField(QLineEdit):
    """A read-only, selectable one-line value that scrolls instead of widening the pane."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFrame(False)
        self.setAccessibleName(name)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # Blend into the pane: it reads as text, yet can be selected, scrolled and copied in full.
        self.setStyleSheet("QLineEdit { background: transparent; border: none; padding: 0; }")

    def show_value(self, value: str) -> None:
        if self.text() != value:
            self.setText(value)
            self.setCursorPosition(0)  # show where an id starts
            self.updateGeometry()
        self.setToolTip(value)

    def minimumSizeHint(self) -> QSize:
        # As wide as the value, so a narrow form puts it under its label (WrapLongRows) rather than
        # cutting it; capped, so an odd long URL scrolls inside the field instead.
        hint = super().minimumSizeHint()
        wanted = self.fontMetrics().horizontalAdvance(self.text()) + 2 * _FIELD_MARGIN
        return QSize(min(max(wanted, hint.width()), _FIELD_MAX_MIN_WIDTH), hint.height())

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint()


class _ValueLabel(QLabel):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # server text is never rich text
        self.setIndent(2)  # lines up with the text inside the id fields
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)


class _RawText(QPlainTextEdit):
    """Monospace, read-only and selectable; as tall as its text, within limits."""

    def __init__(self, name: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAccessibleName(name)
        self.setToolTip(tooltip)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setTabChangesFocus(True)  # keyboard users can move on past it
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def show_text(self, text: str) -> None:
        if self.toPlainText() != text:  # keeps the reader's selection and scroll across live updates
            self.setPlainText(text)
        lines = min(max(text.count("\n") + 1, 3), 14)
        margins = self.contentsMargins().top() + self.contentsMargins().bottom()
        self.setMinimumHeight(lines * self.fontMetrics().lineSpacing() + margins + 2 * self.frameWidth() + 8)


class _CopyButton(QPushButton):
    """Copies a text to the clipboard and says "Copied" for a moment."""

    def __init__(self, text: str, name: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._caption = text
        self.setObjectName(name)
        self.setAccessibleName(text)
        self.setToolTip(tooltip)
        # Wide enough for either caption, so "Copied" does not make the row jump.
        self.setMinimumWidth(self.sizeHint().width())
        self._restore = QTimer(self)
        self._restore.setSingleShot(True)
        self._restore.setInterval(COPIED_FOR_MS)
        self._restore.timeout.connect(lambda: self.setText(self._caption))

    def copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.setText("Copied")
        self._restore.start()  # a second click restarts it, so the caption comes back once


class RunDetails(QWidget):
    """Shows one RunRecord; `show_record(None)` shows a hint instead.

    With `story`, a run of Control Room API v1 also gets its story tabs (Steps, Work items,
    Console, Files) and its actions (Stop, Terminate; Retry or Mark done its failed items)."""

    runActionsMade = Signal(list)  # list[QAction]: the run's actions, once made (for the runs table's menu)

    def __init__(self, parent: QWidget | None = None, *,
                 story: StoryAccess | Callable[[], StoryAccess] | None = None) -> None:
        """`story`: what the story tabs use, or a function that makes it when the pane's content is
        built (for the first run shown)."""
        super().__init__(parent)
        self.setObjectName("runDetails")
        self.setAccessibleName("Run details")
        self._record: RunRecord | None = None
        self._curl = ""  # the status check, as curl
        self._trigger_curl = ""  # the trigger with the run's payload, as curl
        self._story_access = story
        self.story: StoryTabs | None = None  # made with the rest of the pane, for the first run shown

        self._hint = details_hint(self)
        self.setMinimumWidth(MIN_WIDTH)

        self._main = QWidget(self)
        self._main.setObjectName("runDetailsMain")
        self._built = False  # the details are built for the first run shown: the window opens sooner

        self._pages = QStackedLayout(self)
        self._pages.addWidget(self._hint)
        self._pages.addWidget(self._main)
        self._pages.setCurrentWidget(self._hint)

        # "Copy as curl": the trigger with the run's payload, or the status check; on the Copy as curl
        # button, and as a submenu of the runs table's menu, on the run shown here.
        self._curl_menu = QMenu(self)
        self._curl_menu.setObjectName("copyCurlMenu")
        self._curl_menu.setToolTipsVisible(True)
        self.copy_trigger_curl_action = self._curl_menu.addAction("Trigger with this run's payload")
        self.copy_trigger_curl_action.setObjectName("copyTriggerCurl")
        self.copy_trigger_curl_action.triggered.connect(lambda: self._copy_curl_command(self._trigger_curl))
        self.copy_status_curl_action = self._curl_menu.addAction("Status check of this run")
        self.copy_status_curl_action.setObjectName("copyStatusCurl")
        self.copy_status_curl_action.triggered.connect(lambda: self._copy_curl_command(self._curl))
        self.copy_curl_action = QAction("Copy as curl (secret left out)", self)
        self.copy_curl_action.setMenu(self._curl_menu)
        self.copy_curl_action.setEnabled(False)
        # Stop, Terminate, Retry and Mark done: buttons in the header, and in the runs table's menu.
        # Made with the rest of the pane, for the first run shown: until then they fit no run.
        self._run_actions: RunActions | None = None

    @property
    def run_actions(self) -> RunActions | None:
        """The actions on the run shown (with `story` only), made on first use; `runActionsMade`
        says when, with the actions."""
        if self._run_actions is None and self._story_access is not None:
            from robocloud_desktop.ui.board.run_actions import RunActions

            self._run_actions = RunActions(lambda: self._story_tabs().source, self._selected_failed_items, self)
            self._run_actions.acted.connect(self._acted)
            self.runActionsMade.emit(self._run_actions.actions())
        return self._run_actions

    # --- building -----------------------------------------------------------------------------

    def _build_content(self) -> None:
        from PySide6.QtWidgets import QScrollArea, QTabWidget

        main = self._main
        outer = QVBoxLayout(main)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)

        self._icon = QLabel(main)
        self._icon.setAccessibleName("Outcome icon")
        self._title = QLabel(main)
        self._title.setObjectName("runDetailsTitle")
        self._title.setAccessibleName("Outcome")
        font = self._title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self._title.setFont(font)
        self._title.setWordWrap(True)  # a long label wraps in a narrow pane rather than widening (and cutting) it
        title_row = QHBoxLayout()
        title_row.addWidget(self._icon)
        title_row.addWidget(self._title, 1)

        self._copy_id = _CopyButton("Copy run ID", "copyRunId", "Copy this run's id to the clipboard")
        self._copy_id.clicked.connect(self._copy_run_id)
        self._copy_curl = _CopyButton("Copy as curl", "copyCurl", "")
        self._copy_curl.setMenu(self._curl_menu)
        buttons = QHBoxLayout()
        buttons.addWidget(self._copy_id)
        buttons.addWidget(self._copy_curl)
        buttons.addStretch(1)
        self._header = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self._header.setContentsMargins(8, 8, 8, 0)
        self._header.addLayout(title_row, 1)
        self._header.addLayout(buttons)
        outer.addLayout(self._header)

        if self.run_actions is not None:
            from robocloud_desktop.ui.board.run_actions import action_button
            from robocloud_desktop.ui.board.story.widgets import StatusLine

            acts = QHBoxLayout()
            acts.setContentsMargins(8, 0, 8, 0)
            for action, name in zip(self.run_actions.actions(), ("stopRun", "terminateRun", "retryItems",
                                                                  "markItemsDone"), strict=True):
                acts.addWidget(action_button(action, name, main))
            acts.addStretch(1)
            outer.addLayout(acts)
            self._action_note = StatusLine("runActionNote", main)
            self._action_note.setAccessibleName("Action result")
            self._action_note.setContentsMargins(8, 0, 8, 0)
            self.run_actions.said.connect(self._action_said)
            outer.addWidget(self._action_note)

        self.tabs = QTabWidget(main)
        self.tabs.setObjectName("runDetailsTabs")
        self.tabs.setAccessibleName("Run details tabs")
        self.tabs.tabBar().setObjectName("runDetailsTabBar")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabBarAutoHide(True)  # without the story tabs, no tab bar for the one tab left
        self.tabs.setUsesScrollButtons(True)  # a narrow pane scrolls its tabs rather than widening
        # The scroll arrows are for the mouse: the keyboard goes from tab to tab with the arrow keys
        # on the tab bar, and Tab should not stop at two more buttons on the way to the content.
        for arrow in self.tabs.tabBar().findChildren(QToolButton):
            arrow.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._scroll = QScrollArea(main)
        self._scroll.setObjectName("runDetailsScroll")
        self._scroll.setAccessibleName("Run details")
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        inner = QVBoxLayout(content)
        inner.setContentsMargins(8, 8, 8, 8)

        self._advice = QLabel(content)
        self._advice.setObjectName("runDetailsAdvice")
        self._advice.setAccessibleName("What to do")
        self._advice.setToolTip("What this state means, and what to do about it")
        self._advice.setWordWrap(True)
        self._advice.setTextFormat(Qt.TextFormat.PlainText)
        self._advice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        inner.addWidget(self._advice)

        self._error = QLabel(content)
        self._error.setObjectName("runDetailsLastError")
        self._error.setAccessibleName("Last error")
        self._error.setToolTip("The last status check of this run failed with this message")
        self._error.setWordWrap(True)
        self._error.setTextFormat(Qt.TextFormat.PlainText)
        self._error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        inner.addWidget(self._error)

        self._body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self._body.addWidget(self._build_form(content))
        self._body.addLayout(self._build_texts(content))
        inner.addLayout(self._body)
        inner.addStretch(1)
        self._scroll.setWidget(content)

        self.tabs.addTab(self._scroll, "Details")
        self.tabs.setTabToolTip(0, "Ids, raw codes, times, the last answer and the payload")
        if self._story_access is not None:
            from robocloud_desktop.ui.board.story.tabs import StoryTabs

            if callable(self._story_access):
                self._story_access = self._story_access()
            self.story = StoryTabs(self.tabs, self._story_access, self)
            self.story.selectionChanged.connect(self._items_selected)
        outer.addWidget(self.tabs, 1)

    def _build_form(self, parent: QWidget) -> QWidget:
        from PySide6.QtWidgets import QFormLayout

        box = QWidget(parent)
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self._form = form
        self._fields: dict[str, _IdField | _ValueLabel] = {}
        rows = (
            ("profile", "Profile", _ValueLabel, "The profile the run was started from"),
            ("run_id", "Run ID", _IdField, "The run's id in Control Room"),
            ("work_item_id", "Work item", _IdField, "The id of the run's first work item"),
            ("workspace_id", "Workspace", _IdField, "The Control Room workspace id"),
            ("process_id", "Process", _IdField, "The Control Room process id"),
            ("base_url", "Base URL", _IdField, "The Control Room API host the run was started on"),
            ("state", "State", _ValueLabel, "The raw state code Control Room reported"),
            ("result", "Result", _ValueLabel, "The raw result code Control Room reported"),
            ("error_code", "Error code", _ValueLabel, "The raw error code Control Room reported"),
            ("duration", "Duration", _ValueLabel, "How long the run took, as Control Room reports it"),
            ("started_by", "Started by", _ValueLabel,
             "Who or what started the run: here (this computer), a schedule, a person, an e-mail, another client"),
            ("started", "Started", _ValueLabel, "When this computer started the run, or Control Room created it "
                                                "(local time)"),
            ("created_at", "Created", _ValueLabel, "When Control Room created the run (local time)"),
            ("started_at", "Processing from", _ValueLabel, "When Control Room began processing the run (local time)"),
            ("server_ended_at", "Ended in Control Room", _ValueLabel, "When Control Room says the run ended "
                                                                      "(local time)"),
            ("ended", "Ended", _ValueLabel, "When the app first saw the run end (local time)"),
            ("last_checked", "Last checked", _ValueLabel, "When the app last asked Control Room (local time)"),
            ("errors", "Failed checks", _ValueLabel, "How many status checks of this run failed"),
        )
        for key, label, kind, tooltip in rows:
            field = kind(label, box)
            field.setToolTip(tooltip)
            field.setObjectName(f"runDetails_{key}")
            form.addRow(f"{label}:", field)
            self._fields[key] = field
        return box

    def _build_texts(self, parent: QWidget) -> QVBoxLayout:
        column = QVBoxLayout()
        self._answer = _RawText("Last answer", "The last status answer from Control Room, as received", parent)
        self._answer.setObjectName("runDetailsAnswer")
        self._answer.setPlaceholderText("No status answer yet")
        self._payload = _RawText("Payload", "The work item payload the run was started with", parent)
        self._payload.setObjectName("runDetailsPayload")
        self._payload_note = _ValueLabel("Payload", parent)
        self._payload_note.setObjectName("runDetailsPayloadNote")
        for caption, widget in (("Last answer", self._answer), ("Payload", self._payload)):
            title = QLabel(caption, parent)
            title.setBuddy(widget)
            column.addWidget(title)
            column.addWidget(widget)
            if widget is self._payload:
                column.addWidget(self._payload_note)
        return column

    # --- showing ------------------------------------------------------------------------------

    @property
    def record(self) -> RunRecord | None:
        return self._record

    def show_record(self, record: RunRecord | None) -> None:
        if record == self._record and record is not None:
            return  # live updates repeat the same record; keep the reader's scroll and selection
        previous, self._record = self._record, record
        if record is None:
            self._pages.setCurrentWidget(self._hint)
            self.copy_curl_action.setEnabled(False)
            if self._run_actions is not None:
                self._run_actions.update(None)
            if self.story is not None:
                self.story.show_record(None)
            return
        if not self._built:
            self._build_content()
            self._built = True
            self._lay_out(self.width())
        self._pages.setCurrentWidget(self._main)
        self._fill(record)
        if previous is None or previous.run_id != record.run_id:
            self._scroll.verticalScrollBar().setValue(0)  # another run is read from its top
        if self.run_actions is not None:
            if previous is None or previous.run_id != record.run_id:
                self._action_note.say("")  # it told of an action on the run shown before
            self.run_actions.update(record)
        if self.story is not None:
            # A trigger whose answer was lost has no run in Control Room to read a story of.
            self.story.show_record(None if record.outcome_unknown else record)
            for tab in range(self.tabs.count()):
                if self.tabs.widget(tab) is not self._scroll:
                    self.tabs.setTabVisible(tab, not record.outcome_unknown)

    def _fill(self, record: RunRecord) -> None:
        outcome = record.outcome
        self._icon.setPixmap(look.outcome_icon(outcome).pixmap(20, 20))
        self._title.setText(state_label(record))
        self._title.setToolTip(f"As Control Room reported it: {raw_codes(record)}")
        self._icon.setToolTip(state_label(record))
        self._apply_colours()

        values = {
            "profile": record.profile_name or NO_PROFILE,
            "run_id": visible(record.run_id),
            "work_item_id": visible(record.work_item_id) or _NONE,
            "workspace_id": visible(record.workspace_id),
            "process_id": visible(record.process_id),
            "base_url": visible(record.base_url),
            "state": visible(record.state) or ("no answer to the trigger" if record.outcome_unknown
                                               else "no status yet"),
            "result": visible(record.result) or _NONE,
            "error_code": visible(record.error_code) or _NONE,
            "duration": format_duration(record.duration) or _NONE,
            "started_by": started_by(record),
            "started": format_full(record.triggered_at) or _NONE,
            "created_at": format_full(record.created_at),
            "started_at": format_full(record.started_at),
            "server_ended_at": format_full(record.server_ended_at),
            "ended": format_full(record.ended_at) or _NONE,
            "last_checked": format_full(record.last_checked) or "not yet",
            "errors": str(record.error_count),
        }
        for key, value in values.items():
            field = self._fields[key]
            if isinstance(field, _IdField):
                field.show_value(value)
            else:
                field.setText(value)
        # Control Room's own times come with v1 runs only: their rows show when there is a time to show.
        for key in ("created_at", "started_at", "server_ended_at"):
            self._form.setRowVisible(self._fields[key], bool(values[key]))
        self._fields["profile"].setToolTip(f"Profile id: {record.profile_id}" if record.profile_id
                                           else "Started without a profile")

        advice = advice_for(record)
        self._advice.setText(advice)
        self._advice.setVisible(bool(advice))
        self._copy_id.setEnabled(not record.outcome_unknown)  # its id is ours, not Control Room's
        self._error.setVisible(bool(record.last_error) or record.gone)
        if record.gone:
            self._error.setText("Control Room answers that it no longer knows this run (HTTP 404), so it is no "
                                "longer followed. It, or its process, may have been deleted: look for it in "
                                "Control Room.")
        else:
            self._error.setText(f"Last check failed: {record.last_error}" if record.last_error else "")

        self._answer.show_text(_pretty_json(record.last_answer) if record.last_answer else "")
        if record.payload is None:
            self._payload.hide()
            self._payload_note.show()
            self._payload_note.setText(f"not kept (sha256 {record.payload_sha256[:12]}…)")
            self._payload_note.setToolTip(f"Keeping payloads is off; only its hash is kept: {record.payload_sha256}")
        else:
            self._payload_note.hide()
            self._payload.show()
            self._payload.show_text(_pretty_json(record.payload) if record.payload.strip() else "(empty)")

        self._fill_curl(record)

    def _fill_curl(self, record: RunRecord) -> None:
        """The commands "Copy as curl" offers for the run, through the API it was started on."""
        # The shell parser and the redaction rules load with the first run shown.
        from robocloud_desktop.core.curl import status_curl_for, trigger_curl_for
        from robocloud_desktop.core.redact import SECRET_PLACEHOLDER

        variable = "ROBOCLOUD_API_KEY" if record.api == API_V1 else SECRET_PLACEHOLDER.lstrip("$")
        try:
            target = record.target()
        except InvalidTarget as error:
            # A history written by another version may hold a target the core refuses today.
            self._curl = self._trigger_curl = ""
            why = f"No curl command for this run: {error.message}"
        else:
            why = ""
            self._curl = self._trigger_curl = ""
            if not record.outcome_unknown:
                with contextlib.suppress(InvalidTarget):  # a run id the core refuses today
                    self._curl = status_curl_for(target, record.run_id)
            if record.payload is not None:
                try:
                    self._trigger_curl = trigger_curl_for(target, record.payload)
                except ProcessApiError:  # a payload kept by another version that cannot be sent today
                    self._trigger_curl = ""
        self.copy_status_curl_action.setEnabled(bool(self._curl))
        self.copy_status_curl_action.setToolTip(
            "The trigger's answer was lost: there is no run id to ask about" if record.outcome_unknown
            else "A command that reads this run's status")
        self.copy_trigger_curl_action.setEnabled(bool(self._trigger_curl))
        self.copy_trigger_curl_action.setToolTip(
            "A command that starts the process again with this run's payload" if self._trigger_curl
            else "The payload was not kept (see Settings)" if record.payload is None
            else "This run's payload cannot be sent as it is")
        usable = bool(self._curl or self._trigger_curl)
        self._copy_curl.setEnabled(usable)
        self.copy_curl_action.setEnabled(usable)
        self._copy_curl.setToolTip(why or (
            "Copy a curl command that triggers the process with this run's payload, or reads this run's status. "
            f"The {'key' if record.api == API_V1 else 'secret'} is left out: set {variable} in your shell before "
            "running it."))

    def _apply_colours(self) -> None:
        if self._record is None:
            return
        colour = look.outcome_colour(self._record.outcome).name()
        self._title.setStyleSheet(f"color: {colour};")
        background, text = look.banner_colours("warning")
        self._advice.setStyleSheet(f"background: {background}; color: {text}; border-radius: 4px; padding: 6px;")
        background, text = look.banner_colours("error")
        self._error.setStyleSheet(
            f"background: {background}; color: {text}; border-radius: 4px; padding: 6px;")

    # --- the story tabs and actions ----------------------------------------------------------

    def _story_tabs(self) -> StoryTabs:
        assert self.story is not None, "the story tabs are made with the pane, for the first run shown"
        return self.story

    def _selected_failed_items(self) -> list[str]:
        return self.story.selected_failed() if self.story is not None else []

    def _items_selected(self) -> None:
        if self._run_actions is not None:
            self._run_actions.update(keep=True)

    def _action_said(self, run_id: str, text: str, kind: str) -> None:
        if self._record is not None and self._record.run_id == run_id:
            self._action_note.say(text, kind)

    def _acted(self, run_id: str) -> None:
        if self.story is not None and self._record is not None and self._record.run_id == run_id:
            self.story.refresh()

    def shutdown(self) -> None:
        """The window is closing: cancel downloads, and wait a moment for requests out. Needed before
        the pane is deleted: an answer must not come back to a pool being torn down."""
        if self.story is not None:
            self.story.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()  # a pane shown on its own window (in tests) is closed before it is deleted
        super().closeEvent(event)

    # --- copying ------------------------------------------------------------------------------

    def _copy_run_id(self) -> None:
        if self._record is not None:
            self._copy_id.copy(self._record.run_id)

    def _copy_curl_command(self, command: str) -> None:
        if command:
            self._copy_curl.copy(command)

    # --- layout and theme ---------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self._built:
            self._lay_out(event.size().width())
        super().resizeEvent(event)

    def _lay_out(self, width: int) -> None:
        wide = width >= WIDE_FROM
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._body.direction() != direction:
            self._body.setDirection(direction)
            self._header.setDirection(direction)
            # Side by side the form and the raw texts share the width; stacked, both keep their height.
            for item in range(self._body.count()):
                self._body.setStretch(item, 1 if wide else 0)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_colours()  # light/dark switch: the colours are picked per theme
        super().changeEvent(event)
