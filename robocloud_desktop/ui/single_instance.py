"""One window per set of files: opening robocloud-desktop again brings the open window to the front.

Two windows on the same history would each follow the same runs: every status request sent twice,
two notifications for every run that ends, and runs triggered in one never shown in the other.

The first window holds a lock file beside the history. A later launch that finds the lock taken asks
that window, over a local socket, to come to the front, and exits.

The lock is taken once the window is drawn, unless its file already names a process: then before the
window, so that a second launch shows nothing. Two launches at the same moment each draw a window; the
one that finds the lock taken hides its window before it has read or followed anything, and asks the
other to come forward.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from robocloud_desktop.core.paths import AppPaths, private_dir
from robocloud_desktop.core.process_lock import ProcessLock

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalSocket

log = logging.getLogger(__name__)

LOCK_NAME = "window.lock"
SHOW = b"show\n"
# A window that has just started listens once its first frame is drawn, well within this.
ANSWER_WITHIN_S = 5.0


class Claim(enum.Enum):
    OURS = "ours"  # no other window has these files: this one opens
    TAKEN = "taken"  # a window is open on them
    UNAVAILABLE = "unavailable"  # the lock cannot be used here: open anyway, as before there was one


class WindowLock:
    def __init__(self, paths: AppPaths) -> None:
        self.paths = paths
        self._lock = ProcessLock(paths.data_dir / LOCK_NAME)

    @property
    def server_name(self) -> str:
        """The local socket the window listens on, one per data folder (a folder's path is too long
        for a Unix socket's name)."""
        import hashlib  # loads OpenSSL: not before the window's first frame

        digest = hashlib.sha256(str(self.paths.data_dir.resolve()).encode()).hexdigest()[:20]
        return f"robocloud-desktop-{digest}"

    def claim(self) -> Claim:
        try:
            private_dir(self.paths.data_dir)  # the first folder the window makes: only the user's
            return Claim.OURS if self._lock.acquire() else Claim.TAKEN
        except OSError:
            return Claim.UNAVAILABLE

    def owner_pid(self) -> int | None:
        return self._lock.holder_pid()

    def may_be_taken(self) -> bool:
        """Whether the lock file names a process: a window most likely open on these files, or one that
        crashed. Read without taking the lock."""
        return self.owner_pid() is not None

    def release(self) -> None:
        self._lock.release()


def ask_to_come_forward(server_name: str, within_s: float = ANSWER_WITHIN_S) -> bool:
    """Ask the open window to come to the front; False if it did not take the request in time."""
    from PySide6.QtNetwork import QLocalSocket

    deadline = time.monotonic() + within_s
    while True:
        socket = QLocalSocket()
        socket.connectToServer(server_name)
        if socket.waitForConnected(500):
            socket.write(SHOW)
            delivered = socket.waitForBytesWritten(1000)
            socket.disconnectFromServer()
            if delivered:
                return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)  # it may be starting: it listens once it has drawn itself


class ComeForwardRequests(QObject):
    """Listens for later launches, and calls `come_forward` when one asks."""

    def __init__(self, server_name: str, come_forward: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtNetwork import QLocalServer  # loaded once the window is up, not before its first frame

        self._come_forward = come_forward
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        # We hold the lock, so a socket left by a window that crashed is nobody's: clear it first.
        QLocalServer.removeServer(server_name)
        self.listening = self._server.listen(server_name)
        if not self.listening:  # the window works on; a later launch will say it got no answer
            log.warning("cannot listen for later launches on %s: %s", server_name, self._server.errorString())

    def close(self) -> None:
        """Stop listening; on Unix this also removes the socket file."""
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.readyRead.connect(lambda socket=socket: self._read(socket))
            socket.disconnected.connect(socket.deleteLater)
            self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if socket.canReadLine() and bytes(socket.readLine().data()) == SHOW:
            self._come_forward()
