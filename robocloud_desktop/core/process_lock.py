"""A lock on a file that one process at a time can hold: the one window's lock, and the profile
file's while it is changed.

It is the system's own lock through `filelock` (flock on Unix, LockFileEx on Windows), so the
system releases it when its process ends, even by a crash: no stale lock to detect, no process id
to trust after a reboot. Not filelock's soft lock (a file whose existence is the lock), which a
crash leaves behind: a file system without the system's locks is told as an OSError instead.

The file also says which process holds it, for messages. It is never deleted: a process that
deleted it while another was about to lock it would let a third lock a new file beside them.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from robocloud_desktop.core.paths import tighten_fd

if TYPE_CHECKING:
    from filelock import BaseFileLock

# Windows locks byte 0 of the file, and a locked byte cannot be read by another process: the
# holder's id goes on the line after it, and is read from there. Elsewhere the file is read from
# its start, which also reads the id as versions before this one wrote it, on the first line.
_ID_LINE = b"\n%d\n"
_READ_FROM = 1 if sys.platform == "win32" else 0


class ProcessLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._lock: BaseFileLock | None = None

    def acquire(self, wait_s: float = 0.0) -> bool:
        """True if this process now holds the lock; False if another held it for `wait_s` seconds
        (0: asks once). A second ProcessLock on the same file in this process is refused too. OSError
        when the file cannot be opened or locked at all (a read-only folder, a folder in its place, a
        file system without locks)."""
        if self._fd is not None:
            return True
        # Loaded with the first lock asked for, not with the window: filelock and what it imports
        # take a tenth of the window's start, and the window asks for its lock once it is drawn.
        from filelock import FileLock, Timeout

        if self._lock is None:
            # Shared by every thread of the process (the window releases it from whichever thread
            # ends it); kept in place when released, as said above; 0600 like every file of the app.
            self._lock = FileLock(self.path, mode=0o600, thread_local=False, preserve_lock_file=True,
                                  on_acquired=self._taken)
        try:
            self._lock.acquire(timeout=wait_s)
        except Timeout:
            return False
        return True

    def _taken(self, fd: int) -> None:
        """Called by filelock with its open file once the lock is held: the file is lent, not ours to
        close, and stays open until the lock is released."""
        self._fd = fd
        if not _is_file(fd):  # a FIFO in its place still locks, but has no room for the id
            return
        tighten_fd(fd)  # a lock file left readable by others (an older version, a copy) becomes the user's
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, _ID_LINE % os.getpid())

    def holder_pid(self) -> int | None:
        """The process that holds the lock, as it wrote itself down (None if unreadable or free)."""
        try:
            # O_NONBLOCK: something other than a file in its place (a FIFO) must not hang the app.
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        try:
            os.lseek(fd, _READ_FROM, os.SEEK_SET)
            text = os.read(fd, 64)
        except OSError:
            return None
        finally:
            os.close(fd)
        first = next((line for line in text.split(b"\n") if line), b"")
        return int(first) if first.isdigit() else None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                if _is_file(fd):
                    os.ftruncate(fd, 0)  # no process id left behind for a process that is gone
            finally:
                if self._lock is not None:
                    self._lock.release()


def _is_file(fd: int) -> bool:
    return stat.S_ISREG(os.fstat(fd).st_mode)
