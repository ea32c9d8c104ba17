"""Help → Copy diagnostics and Open log folder: what a user sends when asking for help. Made the first
time the Help menu opens."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from robocloud_desktop.core.paths import private_dir
from robocloud_desktop.ui.qt_messages import qt_runtime

if TYPE_CHECKING:
    from robocloud_desktop.ui.main_window import MainWindow


def open_log_folder(log_dir: Path, parent: QWidget) -> None:
    """Show the log folder in the file manager (made first if need be: nothing may have been logged)."""
    try:
        private_dir(log_dir)
    except OSError as error:
        QMessageBox.warning(parent, "Open log folder",
                            f"The log folder {log_dir} cannot be made ({error.strerror or error}). Check that its "
                            "disk is writable.")
        return
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir))):
        QMessageBox.information(parent, "Open log folder",
                                f"No file manager could be opened. The log folder is {log_dir}")


class HelpActions(QObject):
    copied = Signal(str)  # the diagnostics, once on the clipboard

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.copy_diagnostics_action = QAction("Copy &diagnostics", window)
        self.copy_diagnostics_action.setObjectName("copyDiagnostics")
        self.copy_diagnostics_action.setToolTip("Copy versions, settings and the log's last lines, secrets masked, "
                                                "to paste into a message to support")
        self.copy_diagnostics_action.triggered.connect(self.copy_diagnostics)
        self.open_log_folder_action = QAction("Open &log folder", window)
        self.open_log_folder_action.setObjectName("openLogFolder")
        self.open_log_folder_action.triggered.connect(
            lambda: open_log_folder(window.services.paths.log_dir, window))

    def actions(self) -> list[QAction]:
        return [self.copy_diagnostics_action, self.open_log_folder_action]

    def copy_diagnostics(self) -> None:
        window, services = self.window, self.window.services
        model = window.run_model
        screens = QGuiApplication.screens()
        window_rows = [
            ("Style", QApplication.style().name()),
            ("Screens", ", ".join(f"{s.size().width()}x{s.size().height()} at {s.devicePixelRatio():g}x"
                                  for s in screens) or "none"),
            ("Request timeout", f"{services.request_timeout:g} s"),
        ]
        if services.demo:
            window_rows.append(("Demo", "on the built-in emulator"))
        runs, in_flight, qt = model.rowCount(), model.in_flight(), qt_runtime()

        def build() -> str:
            from robocloud_desktop.core.diagnostics import diagnostics_text

            return diagnostics_text(services.paths, services.secrets, services.profiles.profiles(), runs=runs,
                                    in_flight=in_flight, qt=qt, window=window_rows)

        self.copy_diagnostics_action.setEnabled(False)  # one at a time: the keyring may take a moment
        window.background.run(build, self._done, self._failed, now=True)

    def _done(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copy_diagnostics_action.setEnabled(True)
        self.window.statusBar().showMessage(
            "Diagnostics copied to the clipboard, secrets masked: paste them into your message.", 15000)
        self.copied.emit(text)

    def _failed(self, error: Exception) -> None:
        self.copy_diagnostics_action.setEnabled(True)
        self.window.banner.show_message(f"The diagnostics could not be gathered ({type(error).__name__}). The log "
                                        f"folder {self.window.services.paths.log_dir} has the app's log.", "error")
