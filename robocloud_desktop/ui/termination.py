"""When the system asks the app to end (a logout, a shutdown, `kill`, Ctrl+C in the terminal that
started it), the window closes as if the user had closed it: the layout, the last profile and the
payload are kept, the files are closed, and unfinished runs are picked up at the next start."""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Callable
from types import FrameType
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier

# SIGHUP: the terminal it was started from has closed. Not on Windows, which ends apps otherwise.
SIGNALS = [getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)]


class CloseOnTermination(QObject):
    def __init__(self, close: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._close = close
        # Python runs its signal handlers only when it next runs code, and Qt's event loop may wait
        # in C++ for a long time: a byte the system's handler writes to this socket wakes it.
        self._wake_read, self._wake_write = socket.socketpair()
        for end in (self._wake_read, self._wake_write):
            end.setblocking(False)
        self._previous_wakeup = signal.set_wakeup_fd(self._wake_write.fileno())
        self._notifier = QSocketNotifier(self._wake_read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._previous = {signum: signal.signal(signum, self._handle) for signum in SIGNALS}

    def close(self) -> None:
        """Put back what was there before: the window is gone."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_wakeup)
        self._notifier.setEnabled(False)
        self._wake_read.close()
        self._wake_write.close()

    def _drain(self) -> None:
        # The system's handler wrote each signal's number here. Acting on them here, from the event
        # loop, rather than in the Python handler: that one runs wherever Python next runs code,
        # which may be in the middle of a paint or of a model's data().
        received = b""
        with contextlib.suppress(OSError):
            received = self._wake_read.recv(512)
        if any(signum in received for signum in SIGNALS):
            self._close()

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        pass  # a handler of our own keeps the system from ending the process at once: see _drain()
