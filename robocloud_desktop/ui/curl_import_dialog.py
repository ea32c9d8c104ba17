"""Make a profile from the curl command Control Room shows for a process.

The paste is read by the core's parse_curl as the user types; the dialog says what it found
(never the secret) or the core's message saying what is wrong. The caller saves the result.
"""

from __future__ import annotations

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
from robocloud_desktop.ui.profile_dialog import (
    QUERY_WARNING,
    fit_height,
    name_problem,
    problem_label,
    show_problem,
    warning_label,
)

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
    text = (f"Found process {parsed.process_id} in workspace {parsed.workspace_id} on {parsed.base_url}"
            f" · secret in {where} · {payload}")
    # The ids come from the pasted URL; should a secret have been pasted into it, it still stays hidden.
    return redact(text, parsed.secret)


class CurlImportDialog(QDialog):
    def __init__(self, store: ProfileStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._parsed: CurlImport | None = None
        self._name_touched = False
        self.setWindowTitle("Import profile from curl")
        self._build()
        self.name_edit.textChanged.connect(self._name_changed)
        self.command_edit.textChanged.connect(self._validate)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._validate()
        self.resize(600, self.sizeHint().height())
        fit_height(self)

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
        self._validate()

    def _validate(self) -> None:
        text = self.command_edit.toPlainText()
        self._parsed, message = None, ""
        if text.strip():
            try:
                self._parsed = parse_curl(text)
            except CurlParseError as error:
                message = error.message
        if self._parsed is not None:
            self._set_result(describe(self._parsed), error=False)
        elif message:
            self._set_result(message, error=True)
        else:
            self._set_result("Paste the command to see what it contains.", error=False)
        self.query_warning.setVisible(bool(self._parsed and self._parsed.secret_in_query))

        problem = name_problem(self._store, self.name_edit.text())
        # A found command with no name yet: say why Import stays disabled.
        shown = problem if (self._name_touched or self._parsed is not None) else None
        show_problem(self.name_problem, self.name_edit, shown)
        self.ok_button.setEnabled(self._parsed is not None and problem is None)
        fit_height(self)

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
