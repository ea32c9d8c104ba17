"""The work-item payload editor: JSON with colours, checked as you type, formatted on request.

Whether a payload is acceptable is decided by core (parse_payload, encode_payload); this widget
only shows that verdict, marks the place core names, and keeps the text pleasant to edit.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QColor, QFontDatabase, QKeyEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from robocloud_desktop.core.errors import InvalidPayload
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.payload import MAX_PAYLOAD_BYTES, encode_payload, parse_payload
from robocloud_desktop.ui.elided_label import ElidedLabel
from robocloud_desktop.ui.look import outcome_colour, outcome_icon

if TYPE_CHECKING:  # the text classes load when an error is first marked, not for the window's first frame
    from PySide6.QtGui import QFocusEvent, QTextDocument
    from PySide6.QtWidgets import QTextEdit

    from robocloud_desktop.ui.payload.highlighter import JsonHighlighter

INDENT = "  "
PREVIEW_CHARS = 60
FORMAT_KEYS = "Ctrl+Shift+F"
GO_TO_ERROR_KEYS = "F8"  # as in code editors: go to the next problem
FORMAT_TIP = "Pretty-print the JSON with two-space indents, keeping the key order"
KEYS_HINT = "Tab indents · Ctrl+Tab leaves"

# Core words a JSON error as "...: <what> at line L, column C. <advice>". The status line leads with
# the place, which is what the eye looks for; the full sentence stays in the tooltip. Python's own
# messages sometimes end in "at" already ("Invalid control character '\n' at"), hence the optional one.
_PLACE = re.compile(r"(?P<what>[^:]+?)(?: at)? at line (?P<line>\d+), column (?P<column>\d+)")


class Verdict(NamedTuple):  # not a dataclass: a named tuple is made in a third of the time, at start-up
    """Core's verdict on one text, with what the widget shows for it."""

    payload: dict[str, Any] | list[Any] | None
    reason: str = ""  # core's full message; "" when valid
    status: str = ""  # the one-line status
    place: tuple[int, int] | None = None  # (line, column), 1-based as core names them

    @property
    def valid(self) -> bool:
        return self.payload is not None


def judge(text: str, *, allow_array: bool = False) -> Verdict:
    """`allow_array`: the profile takes a JSON array as one run with a work item per element (API v1)."""
    try:
        payload = parse_payload(text, allow_array=allow_array)
        size = len(encode_payload(payload))
    except InvalidPayload as error:
        reason = str(error)
        found = _PLACE.search(reason)
        if found is None:
            # Not about a place in the text (an array, too large): the first sentence says what is
            # wrong; the advice that follows stays in the tooltip.
            first, dot, _ = reason.partition(". ")
            return Verdict(None, reason, first + dot.strip())
        line, column = int(found["line"]), int(found["column"])
        return Verdict(None, reason, f"Line {line}, column {column}: {found['what'].strip()}", (line, column))
    if not text.strip():
        return Verdict(payload, status="Empty payload · sends {}")
    if isinstance(payload, list):
        items = "1 work item" if len(payload) == 1 else f"{len(payload)} work items"
        return Verdict(payload, status=f"Valid JSON array · {items} · {_size(size)}")
    return Verdict(payload, status=f"Valid JSON object · {_size(size)}")


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} byte" if size == 1 else f"{size} bytes"
    return f"{size / 1024:.1f} KB of {MAX_PAYLOAD_BYTES // 1024} KB"


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """One line for a menu: whitespace collapsed, elided to about `limit` characters."""
    line = " ".join(text.split()) or "{} (empty)"
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line.replace("&", "&&")  # a lone & would become a mnemonic in a menu


class CodeEdit(QPlainTextEdit):
    """A plain-text editor where Tab indents by two spaces; Ctrl+Tab and Shift+Tab leave it, forwards
    and backwards, so the keyboard is never trapped in it."""

    focused = Signal(bool)  # focus came in (True) or went (False)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Tab is taken in event() below; letting Qt treat Tab as focus movement keeps Shift+Tab as
        # the way back out.
        self.setTabChangesFocus(True)

    def event(self, event: QEvent) -> bool:
        if (isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Tab):
            if event.modifiers() == Qt.KeyboardModifier.NoModifier:
                self.insertPlainText(INDENT)
                return True
            if event.modifiers() == Qt.KeyboardModifier.ControlModifier:
                self.focusNextChild()
                return True
        return super().event(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focused.emit(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.focused.emit(False)


class PayloadEditor(QWidget):
    """Edits the JSON work-item payload and tells whether core would accept it."""

    validityChanged = Signal(bool, str)  # (valid, reason): reason is "" when valid
    payloadEdited = Signal()  # the user changed the text (typing, Format, Recent, undo)

    def __init__(self, parent: QWidget | None = None, *, complete_now: bool = True) -> None:
        """`complete_now` False leaves the JSON's colours, the status icon and the editor's keys until
        complete() is called: the window calls it once it is drawn."""
        super().__init__(parent)
        self.validation_delay_ms = 250
        self._allow_array = False
        self._verdict = judge("")
        self._quiet = False  # set while the text changes for reasons other than the user
        self._marked = False  # the place of an error is marked in the text
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.validate_now)

        self.editor = self._build_editor()
        self._highlighter: JsonHighlighter | None = None
        self.format_action = self._build_format_action()
        self.error_action = QAction("Go to the error", self)
        self.error_action.triggered.connect(self.go_to_error)
        self.addAction(self.error_action)
        self.status = ElidedLabel(self)
        self.status_icon = QLabel(self)
        self.status_icon.setObjectName("payloadStatusIcon")
        # Its place is kept until complete() shows it: the status beside it does not move then.
        icon_size = self.status.fontMetrics().height()
        self.status_icon.setFixedSize(icon_size, icon_size)
        self.status.clicked.connect(self.go_to_error)
        self.status.setObjectName("payloadStatus")
        # Tab indents here, unlike anywhere else: while the editor has focus, the line under it says
        # how to leave (a tooltip only shows to a mouse that rests on the editor).
        self.keys_hint = QLabel(KEYS_HINT, self)
        self.keys_hint.setObjectName("payloadKeysHint")
        self.keys_hint.setEnabled(False)  # drawn quieter than the status beside it
        self.keys_hint.hide()
        self.editor.focused.connect(self.keys_hint.setVisible)
        self.recent_menu = QMenu(self)
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.triggered.connect(self._recent_chosen)
        # A push button with a menu: styles draw its arrow beside the text (a tool button's overlaps it).
        self.recent_button = QPushButton("Recent", self)
        self.recent_button.setObjectName("recentPayloads")
        self.recent_button.setAccessibleName("Recent payloads")
        self.recent_button.setMenu(self.recent_menu)
        # Made after Recent, as it sits after it: Tab follows the order widgets are made in.
        self.format_button = QPushButton(self.format_action.text(), self)
        self.format_button.setObjectName("formatButton")
        self.format_button.setToolTip(self.format_action.toolTip())
        self.format_button.setAccessibleName("Format JSON")
        self.format_button.clicked.connect(self.format_action.trigger)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status_icon)
        row.addWidget(self.status, 1)
        row.addWidget(self.keys_hint)
        row.addWidget(self.recent_button)
        row.addWidget(self.format_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.editor, 1)
        layout.addLayout(row)

        self.editor.textChanged.connect(self._text_changed)
        self.set_recent([])
        self._show(self._verdict)
        if complete_now:
            self.complete()

    def _build_editor(self) -> CodeEdit:
        editor = CodeEdit(self)
        editor.setObjectName("payloadEditor")
        editor.setAccessibleName("Work-item payload (JSON)")
        editor.setToolTip("The JSON object sent as the run's work-item payload. Empty sends {}. With a workspace API "
                          "key, an array starts one run with one work item per element.\n"
                          "Tab indents by two spaces; Ctrl+Tab and Shift+Tab leave the editor.")
        editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        editor.setTabStopDistance(editor.fontMetrics().horizontalAdvance(INDENT))  # pasted tabs match
        editor.setPlaceholderText('{"customer": "ACME", "items": [1, 2]}')
        editor.setMinimumHeight(editor.fontMetrics().lineSpacing() * 4)
        return editor

    def _build_format_action(self) -> QAction:
        action = QAction("Format", self)
        action.setToolTip(FORMAT_TIP)
        action.triggered.connect(self.format_json)
        self.addAction(action)
        return action

    # --- API --------------------------------------------------------------------------------------

    def complete(self) -> None:
        """Colour the JSON, show the status icon and bind the editor's keys (once is enough). The
        first frame does without what they load: the highlighter, the SVG renderer, Qt's key classes."""
        if self._highlighter is not None:
            return
        from PySide6.QtGui import QKeySequence

        from robocloud_desktop.ui.payload.highlighter import JsonHighlighter

        for action, keys in ((self.format_action, FORMAT_KEYS), (self.error_action, GO_TO_ERROR_KEYS)):
            action.setShortcut(keys)
            # Only while focus is in this widget: elsewhere in the window Ctrl+Shift+F may mean something else.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shown = QKeySequence(FORMAT_KEYS).toString(QKeySequence.SequenceFormat.NativeText)  # ⇧⌘F on macOS
        self.format_action.setToolTip(f"{FORMAT_TIP} ({shown})")
        self.format_button.setToolTip(self.format_action.toolTip())
        # Coloured at once rather than on Qt's next turn: colouring fires textChanged, which is not an edit.
        self._quiet = True
        try:
            self._highlighter = JsonHighlighter(self.editor.document())
            self._highlighter.rehighlight()
        finally:
            self._quiet = False
        self._show_icon(self._verdict)

    def text(self) -> str:
        # toPlainText() would turn non-breaking spaces into plain ones and so change string values;
        # the raw text keeps them, with U+2029 between lines.
        return self.editor.document().toRawText().replace("\u2029", "\n")

    def set_text(self, text: str) -> None:
        """Replace the content (another profile); the undo history goes too, as it was another payload's."""
        self._quiet = True
        try:
            self.editor.setPlainText(text)
        finally:
            self._quiet = False
        self.validate_now()

    # The getters check first when an edit is still waiting for the debounce: an answer about
    # text that is no longer in the editor would be worse than a check a moment early.
    def is_valid(self) -> bool:
        self._flush()
        return self._verdict.valid

    def reason(self) -> str:
        self._flush()
        return self._verdict.reason

    def payload(self) -> dict[str, Any] | list[Any] | None:
        self._flush()
        return self._verdict.payload

    def set_accepts_arrays(self, accepts: bool) -> None:
        """Whether a JSON array is a payload (one work item per element), as it is for a profile with a
        workspace API key; the text is judged again."""
        if accepts != self._allow_array:
            self._allow_array = accepts
            self.validate_now()

    def validate_now(self) -> None:
        self._timer.stop()
        before = self._verdict
        self._verdict = judge(self.text(), allow_array=self._allow_array)
        self._show(self._verdict)
        if (before.valid, before.reason) != (self._verdict.valid, self._verdict.reason):
            self.validityChanged.emit(self._verdict.valid, self._verdict.reason)

    @Slot()
    def format_json(self) -> None:
        """Pretty-print; when the text is not a valid payload, only show why."""
        self.validate_now()
        payload = self._verdict.payload
        if payload is None or not self.text().strip():
            return
        # Formatting what core parsed shows exactly what will be sent (the same ensure_ascii=False as
        # core's encoding); dicts keep their key order.
        pretty = json.dumps(payload, indent=2, ensure_ascii=False)
        if pretty != self.text():
            self._replace_text(pretty)

    def set_recent(self, payloads: list[str]) -> None:
        self.recent_menu.clear()
        for text in dict.fromkeys(payloads):  # same payload twice is one entry
            action = self.recent_menu.addAction(preview(text))
            action.setData(text)
            action.setToolTip(_tooltip_excerpt(text))
        has_any = bool(self.recent_menu.actions())
        self.recent_button.setEnabled(has_any)
        self.recent_button.setToolTip("Replace the payload with one sent recently (Ctrl+Z undoes)" if has_any
                                      else "No recent payloads yet: each payload sent is listed here")

    # --- internals --------------------------------------------------------------------------------

    def _flush(self) -> None:
        if self._timer.isActive():
            self.validate_now()

    @Slot()
    def _text_changed(self) -> None:
        if self._quiet:
            return
        self.payloadEdited.emit()
        self._timer.start(self.validation_delay_ms)

    def _replace_text(self, text: str) -> None:
        """Replace everything as one undo step, so Ctrl+Z brings the old text back."""
        from PySide6.QtGui import QTextCursor

        cursor = self.editor.textCursor()
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()
        cursor.movePosition(QTextCursor.MoveOperation.Start)
        self.editor.setTextCursor(cursor)
        self.validate_now()  # an explicit action: show its verdict at once

    def go_to_error(self) -> None:
        """Put the cursor where core says the JSON breaks, scrolled into sight."""
        self._flush()
        if self._verdict.place is None:
            return
        cursor = self.editor.textCursor()
        cursor.setPosition(_fault_position(self.editor.document(), *self._verdict.place))
        self.editor.setTextCursor(cursor)
        self.editor.ensureCursorVisible()
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def use_payload(self, text: str) -> None:
        """Put `text` in the editor as one edit the user can undo, and give the editor focus."""
        if text != self.text():
            self._replace_text(text)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)  # so Ctrl+Z works straight away

    @Slot(QAction)
    def _recent_chosen(self, action: QAction) -> None:
        text = action.data()
        if isinstance(text, str):
            self.use_payload(text)

    def _show(self, verdict: Verdict) -> None:
        error = outcome_colour(Outcome.FAILED)
        palette = self.palette()
        if not verdict.valid:
            palette.setColor(QPalette.ColorRole.WindowText, error)
        self.status.setPalette(palette)
        self.status.set_full_text(verdict.status)
        if verdict.reason:
            self.status.setToolTip(verdict.reason)
        self.error_action.setEnabled(verdict.place is not None)
        if verdict.place is not None:  # a long payload's error may be out of sight: the status leads to it
            self.status.setCursor(Qt.CursorShape.PointingHandCursor)
            self.status.setToolTip(f"{verdict.reason}\nClick here, or press F8 in the editor, to go to it.")
        else:
            self.status.unsetCursor()
        self.status.setAccessibleName(f"Payload status: {verdict.status}")
        if self._highlighter is not None:  # complete() has run
            self._show_icon(verdict)
        self.editor.setAccessibleDescription(verdict.status)
        if verdict.place is not None:
            self.editor.setExtraSelections(self._marks(*verdict.place, error))
            self._marked = True
        elif self._marked:  # not asked before: Qt's text classes load only once there is something to mark
            self.editor.setExtraSelections([])
            self._marked = False

    def _show_icon(self, verdict: Verdict) -> None:
        size = self.status_icon.height()
        self.status_icon.setPixmap(outcome_icon(Outcome.SUCCEEDED if verdict.valid else Outcome.FAILED)
                                   .pixmap(QSize(size, size), self.devicePixelRatioF()))
        self.status_icon.setToolTip("Valid payload" if verdict.valid else "Invalid payload")
        self.status_icon.setAccessibleName(self.status_icon.toolTip())

    def _marks(self, line: int, column: int, colour: QColor) -> list[QTextEdit.ExtraSelection]:
        """A faint wash over the line core names and a wavy underline on the character it points at.

        The wash finds the line at a glance; the underline alone is hard to see under a comma.
        """
        from PySide6.QtGui import QTextCharFormat, QTextCursor, QTextFormat
        from PySide6.QtWidgets import QTextEdit

        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(_fault_position(self.editor.document(), line, column))
        line_format = QTextCharFormat()
        line_format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        line_format.setBackground(_tint(colour, 28))
        whole_line = QTextEdit.ExtraSelection()
        whole_line.cursor, whole_line.format = QTextCursor(cursor), line_format

        cursor.movePosition(QTextCursor.MoveOperation.NextCharacter, QTextCursor.MoveMode.KeepAnchor)
        fault_format = QTextCharFormat()
        fault_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fault_format.setUnderlineColor(colour)
        fault_format.setBackground(_tint(colour, 70))  # so a space or a brace at fault shows too
        at_fault = QTextEdit.ExtraSelection()
        at_fault.cursor, at_fault.format = cursor, fault_format
        return [whole_line, at_fault]

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Qt may send a PaletteChange from QWidget.__init__ (a parent with its own palette), before
        # the highlighter exists; there is nothing to recolour yet then.
        highlighter = getattr(self, "_highlighter", None)
        if event.type() == QEvent.Type.PaletteChange and highlighter is not None:
            # Light/dark switched: new syntax colours. Re-highlighting fires textChanged, which is not an edit.
            self._quiet = True
            try:
                highlighter.refresh_theme()
            finally:
                self._quiet = False
            self._show(self._verdict)


def _fault_position(document: QTextDocument, line: int, column: int) -> int:
    """The document position of core's (line, column), or of the last character before it.

    Past the end of a line (a missing brace, a line that stops short) there is no character to
    underline, so the mark goes on the last non-blank character before it, where the JSON broke off.
    """
    block = document.findBlockByNumber(line - 1)
    if not block.isValid():
        block = document.lastBlock()
    text = block.text()
    if column - 1 < len(text):
        return block.position() + _utf16_len(text[: column - 1])
    while block.isValid():
        kept = block.text().rstrip()
        if kept:
            return block.position() + _utf16_len(kept[:-1])
        block = block.previous()
    return 0


def _tint(colour: QColor, alpha: int) -> QColor:
    tint = QColor(colour)
    tint.setAlpha(alpha)
    return tint


def _utf16_len(text: str) -> int:
    # Core counts columns in characters; the document counts UTF-16 units (an emoji is two).
    return len(text.encode("utf-16-le")) // 2


def _tooltip_excerpt(text: str, lines: int = 15, width: int = 100) -> str:
    """The first lines of a payload, each cut to `width` characters, so a tooltip stays screen-sized."""
    shown = [line if len(line) <= width else line[: width - 1] + "…" for line in text.splitlines()[:lines]]
    if len(text.splitlines()) > lines:
        shown.append("…")
    # <pre> keeps the JSON's shape, and escaping keeps "<b>" in a value from being read as markup.
    import html  # only for this tooltip

    return f"<pre>{html.escape(chr(10).join(shown) or '{}')}</pre>"
