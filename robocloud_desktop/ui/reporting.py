"""What the window does about things going wrong, from its start to its end: the log (the file opens
once the window is drawn), Qt's messages into it, and the exception hook with its dialog."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from robocloud_desktop.core.logs import start_logging
from robocloud_desktop.ui.exception_hook import ExceptionHook
from robocloud_desktop.ui.qt_messages import QtMessages, qt_runtime

if TYPE_CHECKING:
    from robocloud_desktop.ui.workers import Background


class ProblemReporting:
    """`verbose` (-v): the log's lines, DEBUG up, on stderr too."""

    def __init__(self, *, verbose: bool = False) -> None:
        self.log = start_logging(verbose=verbose)
        if verbose:
            self.log.to_stream(sys.stderr)
        self.qt_messages = QtMessages()
        self.qt_messages.install()
        self.hook = ExceptionHook()
        self.hook.install()
        self.log_dir: Path | None = None

    def use_log_dir(self, log_dir: Path) -> None:
        """The log folder, once the app knows where its files are (the user's, or the demo's)."""
        self.log_dir = self.hook.log_dir = log_dir

    def open_log(self, background: Background, started: str) -> None:
        """Open the log file off the window's thread, once it is drawn: `started` says what started."""
        log_dir, qt = self.log_dir, qt_runtime()
        if log_dir is not None:
            background.run(lambda: self.log.open_file(log_dir, started, qt=qt))

    def close(self) -> None:
        """The window has gone: the hooks are put back, and the file closed (opened first if the
        window ended before it was, with problems to tell)."""
        self.hook.uninstall()
        if self.hook.dialog is not None:
            self.hook.dialog.close()
        self.qt_messages.uninstall()
        if self.log_dir is not None and self.log.file is None and self.log.holds_problems():
            self.log.open_file(self.log_dir, "the window")
        self.log.close()
