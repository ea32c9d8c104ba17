"""The dialog an unexpected error opens (ui/exception_hook.py): what happened, what to do, the details
with Copy details, and the log folder. One dialog gathers every problem until it is closed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from robocloud_desktop.ui.exception_hook import Problem

# Problems kept in the details; a few tell a support person what they need, hundreds only scroll.
MAX_REPORTS = 10
SEPARATOR = "\n" + "-" * 72 + "\n"


class CrashDialog(QDialog):
    def __init__(self, log_dir: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_dir = log_dir
        self.setObjectName("crashDialog")
        self.setWindowTitle("Something went wrong — robocloud-desktop")
        self._reports: list[str] = []
        self._times: dict[str, int] = {}  # problem key -> times it happened
        self._first = ""

        icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize, None, self)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical, None, self)
                       .pixmap(size, size))
        heading = QLabel("Something went wrong", self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        self.message = QLabel(self)
        self.message.setObjectName("crashMessage")
        self.message.setWordWrap(True)
        self.count = QLabel(self)
        self.count.setObjectName("crashCount")
        self.count.hide()

        self.details = QPlainTextEdit(self)
        self.details.setObjectName("crashDetails")
        self.details.setAccessibleName("Details of the problem")
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("Copy details", self)
        self.copy_button.setObjectName("copyDetails")
        self.copy_button.setToolTip("Copy the details, secrets masked, to paste them into your message")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_folder_button = QPushButton("Open log folder", self)
        self.open_folder_button.setObjectName("openLogFolder")
        self.open_folder_button.setToolTip(str(log_dir or ""))
        self.open_folder_button.setEnabled(log_dir is not None)
        buttons.addButton(self.open_folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copied = QLabel("", self)
        self.copied.setObjectName("crashCopied")
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_details)
        self.open_folder_button.clicked.connect(self._open_log_folder)

        text = QVBoxLayout()
        text.addWidget(heading)
        text.addWidget(self.message)
        text.addWidget(self.count)
        top = QHBoxLayout()
        top.addWidget(icon, 0)
        top.addLayout(text, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.copied, 1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details, 1)
        layout.addLayout(bottom)
        self.resize(640, 420)
        self.copy_button.setDefault(True)
        self.copy_button.setFocus()

    def add(self, problem: Problem) -> None:
        """Another problem (or the same one again) while the dialog is open."""
        times = self._times[problem.key] = self._times.get(problem.key, 0) + 1
        if problem.details and times == 1 and len(self._reports) < MAX_REPORTS:
            self._reports.append(problem.details)
            self.details.setPlainText(SEPARATOR.join(self._reports))
        if not self._first:
            self._first = problem.summary
        self.message.setText(
            f"robocloud-desktop ran into an error it did not expect ({self._first}). It is still running, but "
            "what you were doing may not have finished: check it, and if the window misbehaves, close it and "
            "open it again (runs in flight are picked up again).\n\n"
            "To report it, press Copy details and paste them into your message, with what you were doing. "
            "They hold no secrets. The log folder has more.")
        total = sum(self._times.values())
        if total > 1:
            kinds = len(self._times)
            if kinds == 1:
                self.count.setText(f"It happened {total} times.")
            else:
                again = f", {total} times in all" if total > kinds else ""
                self.count.setText(f"{kinds} problems so far{again}; the details hold each.")
            self.count.show()

    def keys(self) -> set[str]:
        """The problems shown, each once however many times it happened."""
        return set(self._times)

    def text(self) -> str:
        return SEPARATOR.join(self._reports)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.copied.setText("Copied to the clipboard.")

    def _open_log_folder(self) -> None:
        from robocloud_desktop.ui.help_actions import open_log_folder

        if self.log_dir is not None:
            open_log_folder(self.log_dir, self)
