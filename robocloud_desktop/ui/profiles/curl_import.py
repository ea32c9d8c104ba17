"""Make a profile from the curl command Control Room shows for a process.

The paste is read by the core's parse_curl as the user types, off the GUI thread: a paste can be
anything, a megabyte of it included, and the window must keep answering meanwhile. The dialog says
what it found (never the secret) or the core's message saying what is wrong. The caller saves the
result.
"""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QTextOption
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from robocloud_desktop.core.curl import CurlImport, CurlParseError, parse_curl
from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.core.redact import redact
from robocloud_desktop.ui.look import banner_colours
from robocloud_desktop.ui.profiles.dialog import (
    QUERY_WARNING,
    fit_height,
    name_problem,
    problem_label,
    show_problem,
    warning_label,
)
from robocloud_desktop.ui.workers import Background

log = logging.getLogger(__name__)

READING = "Reading the command…"
HINT = "Paste the command to see what it contains."
# Not the exception's text: it could quote the paste, secret and all.
UNREADABLE = ("The command could not be read. Check that it is the curl command Control Room shows, "
              "or add the profile by hand.")

SNIPPET_SHAPE = """curl
--request POST
--header "robocloud-process-secret: <SECRET>"
--header "Content-Type: application/json"
--data "{\\"workItemKey\\":\\"workItemValue\\"}"
https://api.eu1.robocloud.eu/workspace-v1/workspaces/<WORKSPACE_ID>/processes/<PROCESS_ID>/runs"""


def describe(parsed: CurlImport) -> str:
    """One line about what was found; the secret is only ever named by where it travels."""
    where = "query string" if parsed.secret_in_query else "header"
    size = len(parsed.payload.encode("utf-8"))
    payload = f"payload {size} bytes" if parsed.payload.strip() else "no payload (an empty work item)"
    # The ids come from the pasted URL; should a secret have been pasted into it, it still stays hidden.
    process, workspace, base_url = (redact(text, parsed.secret)
                                    for text in (parsed.process_id, parsed.workspace_id, parsed.base_url))
    return (f"Found process {_shortened(process, 40)} in workspace {_shortened(workspace, 40)} on "
            f"{_shortened(base_url, 40)} · secret in {where} · {payload}")


def _shortened(text: str, length: int) -> str:
    # The label wraps only between words and after a '/': a longer id would be cut off at its edge.
    head = length * 2 // 3
    return text if len(text) <= length else f"{text[:head]}…{text[head + 1 - length:]}"


def _read(text: str) -> CurlImport | str | None:
    """Run off the GUI thread: what the paste holds, the message saying why it cannot be imported,
    or None when it is blank."""
    if not text.strip():
        return None
    try:
        return parse_curl(text)
    except CurlParseError as error:
        return error.message


class CurlImportDialog(QDialog):
    """Reads the command on `background` (a pool of its own when none is given), one reading at a
    time: while one runs, further edits only mark the text changed, and the next reading, of the
    text as it is then, starts when it ends. A reading of an older text is never shown."""

    def __init__(self, store: ProfileStore, parent: QWidget | None = None, *,
                 background: Background | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._background = background or Background(self, max_threads=1)
        self._parsed: CurlImport | None = None
        self._problem: str | None = None
        self._edits = 0  # changes of the command so far; a reading is of the text at one of them
        self._reading: int | None = None  # the change whose text is being read
        self._name_touched = False
        self.setWindowTitle("Import profile from curl")
        self._build()
        self.name_edit.textChanged.connect(self._name_changed)
        self.command_edit.textChanged.connect(self._command_changed)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._show()
        self.resize(600, self.sizeHint().height())
        fit_height(self)

    @property
    def reading(self) -> bool:
        """A reading of the command is under way; Import stays off until it has answered."""
        return self._reading is not None

    def _build(self) -> None:
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("curlName")
        self.name_edit.setAccessibleName("Profile name")
        self.name_edit.setPlaceholderText("Name for the new profile")
        self.name_problem = problem_label("curlNameProblem")

        intro = QLabel("In Control Room, open the process, turn on <b>Process API access</b> and copy the "
                       "example curl command. Paste it below.")
        intro.setWordWrap(True)
        intro.setObjectName("curlIntro")

        self.command_edit = QPlainTextEdit()
        self.command_edit.setObjectName("curlCommand")
        self.command_edit.setAccessibleName("Curl command")
        self.command_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.command_edit.setPlaceholderText(SNIPPET_SHAPE)
        self.command_edit.setTabChangesFocus(True)
        # Long URLs have no spaces; wrapping anywhere keeps the whole command visible.
        self.command_edit.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.command_edit.setMinimumHeight(self.command_edit.fontMetrics().lineSpacing() * 8)

        self.result_label = QLabel()
        self.result_label.setObjectName("curlResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.query_warning = warning_label(QUERY_WARNING, "curlQueryWarning")
        self.query_warning.hide()

        name_label = QLabel("&Name")
        name_label.setBuddy(self.name_edit)
        command_label = QLabel("&Curl command")
        command_label.setBuddy(self.command_edit)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Import")
        self.ok_button.setAccessibleName("Import profile")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(6)
        layout.addWidget(name_label)
        layout.addWidget(self.name_edit)
        layout.addWidget(self.name_problem)
        layout.addSpacing(8)
        layout.addWidget(command_label)
        layout.addWidget(intro)
        layout.addWidget(self.command_edit, 1)
        layout.addWidget(self.result_label)
        layout.addWidget(self.query_warning)
        layout.addSpacing(6)
        layout.addWidget(self.buttons)

    def _name_changed(self) -> None:
        self._name_touched = True
        self._show()

    def _command_changed(self) -> None:
        self._edits += 1
        self._parsed = self._problem = None
        if self._reading is None:
            self._read_latest()
        self._show()

    def _read_latest(self) -> None:
        if self.command_edit.document().isEmpty():
            return
        edit, text = self._edits, self.command_edit.toPlainText()
        self._reading = edit
        self._background.run(lambda: _read(text), lambda verdict: self._read_done(edit, verdict),
                             lambda error: self._read_failed(edit, error))

    def _read_failed(self, edit: int, error: Exception) -> None:
        log.error("reading a pasted curl command failed: %s", type(error).__name__)
        self._read_done(edit, UNREADABLE)

    def _read_done(self, edit: int, verdict: CurlImport | str | None) -> None:
        if not shiboken6.isValid(self):  # the dialog closed while its last paste was read
            return
        self._reading = None
        if edit != self._edits:
            self._read_latest()  # the text changed meanwhile: this verdict is of a text no longer there
        elif isinstance(verdict, CurlImport):
            self._parsed = verdict
        else:
            self._problem = verdict
        self._show()

    def _show(self) -> None:
        parsed = self._parsed if self._reading is None else None
        if self._reading is not None:
            self._set_result(READING, error=False)
        elif parsed is not None:
            self._set_result(describe(parsed), error=False)
        elif self._problem:
            self._set_result(self._problem, error=True)
        else:
            self._set_result(HINT, error=False)
        self.query_warning.setVisible(bool(parsed and parsed.secret_in_query))

        problem = name_problem(self._store, self.name_edit.text())
        # A found command with no name yet: say why Import stays disabled.
        shown = problem if (self._name_touched or parsed is not None) else None
        show_problem(self.name_problem, self.name_edit, shown)
        self.ok_button.setEnabled(parsed is not None and problem is None)
        fit_height(self)

    def accept(self) -> None:
        # Enter in the name field presses the default button even while a reading is under way.
        if self.ok_button.isEnabled():
            super().accept()

    def _set_result(self, text: str, *, error: bool) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(f"color: {banner_colours('error')[1]};" if error else "")
        self.command_edit.setAccessibleDescription(text)

    def result(self) -> tuple[Profile, str]:  # type: ignore[override]
        """The profile (with the command's payload) and its secret. Only valid once accepted.

        Named as the callers asked; it hides QDialog.result() (the int code), which nothing here uses:
        the accepted signal or exec()'s return value tell whether the user pressed Import.
        """
        parsed = self._parsed
        if parsed is None:
            raise ValueError("No curl command has been read yet.")
        profile = Profile(self.name_edit.text(), parsed.base_url, parsed.workspace_id, parsed.process_id,
                          secret_in_query=parsed.secret_in_query, payload=parsed.payload or "{}")
        return profile.validated(), parsed.secret
