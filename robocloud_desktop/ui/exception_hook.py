"""An exception nobody caught in the window (in a slot, a Qt virtual such as paintEvent, or a worker
thread) is logged with its traceback and shown in a dialog that says what to do, instead of going to a
terminal nobody watches. The window goes on: Qt carries on after a slot that raised, and so does
every other thread.

`run_gui` installs the hook; the dialog (ui/crash_dialog.py) loads with the first problem.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QObject, Qt, Signal, Slot

if TYPE_CHECKING:
    from robocloud_desktop.ui.crash_dialog import CrashDialog

log = logging.getLogger(__name__)

class Problem(NamedTuple):  # a named tuple: made in a fraction of a dataclass's time, before the first frame
    summary: str  # "ValueError", or "ValueError in the thread monitor-3"
    details: str  # what Copy details copies: when, where, the versions, the traceback, secrets masked;
    # "" for an error seen before
    key: str  # the same for the same error raised at the same place


class ExceptionHook(QObject):
    """sys.excepthook and threading.excepthook while installed. Made on the window's thread; the
    dialog names `log_dir` (the log folder, once known)."""

    problem = Signal(object)  # a Problem, queued to the window's thread

    def __init__(self, log_dir: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_dir = log_dir
        self.dialog: CrashDialog | None = None
        self._times: dict[str, int] = {}
        self._dismissed: set[str] = set()  # errors of a dialog the user closed: logged, not shown again
        self._lock = threading.Lock()
        self._previous: tuple[Any, Any] | None = None
        # Queued even from the window's own thread: the dialog must not open inside the paint event
        # or model call that raised.
        self.problem.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        if self._previous is None:
            self._previous = (sys.excepthook, threading.excepthook)
            sys.excepthook = self.handle
            threading.excepthook = self.handle_thread

    def uninstall(self) -> None:
        if self._previous is not None:
            # Only what is still ours: a hook installed after this one stays.
            if sys.excepthook == self.handle:
                sys.excepthook = self._previous[0]
            if threading.excepthook == self.handle_thread:
                threading.excepthook = self._previous[1]
            self._previous = None

    def handle(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        """sys.excepthook: an exception raised in the window's thread (or one without a hook of its own)."""
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        self._report(kind, error, trace, "")

    def handle_thread(self, args: threading.ExceptHookArgs) -> None:
        """threading.excepthook: an exception that ended a thread."""
        if args.exc_type is SystemExit:
            return  # how a thread ends itself on purpose
        name = args.thread.name if args.thread is not None else "?"
        self._report(args.exc_type, args.exc_value, args.exc_traceback, name)

    def _report(self, kind: type[BaseException], error: BaseException | None, trace: TracebackType | None,
                thread: str) -> None:
        # A thread's hook may be given no exception object (threading allows it): one without arguments.
        error = error if error is not None else kind.__new__(kind)
        try:
            self._report_now(kind, error, trace, thread)
        except Exception:  # the hook itself failed: Python's own way at least prints it
            sys.__excepthook__(kind, error, trace)

    def _report_now(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None,
                    thread: str) -> None:
        from robocloud_desktop.core.logs import masked
        from robocloud_desktop.core.versions import versions_line
        from robocloud_desktop.ui.qt_messages import qt_runtime

        where = f" in the thread {thread}" if thread else ""
        formatted = "".join(traceback.format_exception(kind, error, trace))
        key = kind.__qualname__ + "".join(traceback.format_tb(trace))
        with self._lock:
            times = self._times[key] = self._times.get(key, 0) + 1
        # The same error over and over (a paintEvent that raises at every frame) is logged in full
        # once, then only counted, at its 2nd, 4th, 8th... time.
        if times == 1:
            log.error("Unexpected error%s", where, exc_info=(kind, error, trace))
        else:
            if times & (times - 1) == 0:
                log.error("The same unexpected error%s again (%d times so far): %s", where, times, kind.__qualname__)
            self.problem.emit(Problem(f"{kind.__qualname__}{where}", "", key))  # the dialog counts it
            return
        details = masked(
            f"robocloud-desktop problem report, {time.strftime('%Y-%m-%d %H:%M:%S %z')}\n"
            f"Where: {f'the thread {thread}' if thread else 'the window'}\n"
            f"Versions: {versions_line(qt_runtime())}\n"
            f"Log folder: {self.log_dir or 'not known yet'}\n\n{formatted}")
        self.problem.emit(Problem(f"{kind.__qualname__}{where}", details, key))

    @Slot(object)
    def _show(self, problem: Problem) -> None:
        if problem.key in self._dismissed:
            return  # its dialog was closed: an error that keeps coming must not keep the window from use
        if self.dialog is None:
            from robocloud_desktop.ui.crash_dialog import CrashDialog

            self.dialog = CrashDialog(self.log_dir)
            self.dialog.finished.connect(self._closed)
        self.dialog.add(problem)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()

    def _closed(self) -> None:
        if self.dialog is not None:
            self._dismissed |= self.dialog.keys()
            self.dialog.deleteLater()
            self.dialog = None
