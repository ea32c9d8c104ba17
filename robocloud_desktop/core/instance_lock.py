"""A lock on a file that one process at a time can hold, released by the system when that process
ends, even by a crash: no stale lock to detect, no process id to trust after a reboot.

The file also says which process holds it, for messages. It is never deleted: a process that
deleted it while another was about to lock it would let a third lock a new file beside them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Windows locks byte ranges, and a locked range cannot be read by others: lock one byte past the
# process id, so that it stays readable.
_WINDOWS_LOCKED_BYTE = 1024


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """True if this process now holds the lock, False if another does. OSError when the file
        cannot be opened or locked at all (a read-only folder, a file system without locks)."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if not _try_lock(fd):
                os.close(fd)
                return False
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def holder_pid(self) -> int | None:
        """The process that holds the lock, as it wrote itself down (None if unreadable)."""
        try:
            first = self.path.read_text(encoding="ascii", errors="replace").split("\n", 1)[0]
        except OSError:
            return None
        return int(first) if first.isdigit() else None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.ftruncate(fd, 0)  # no process id left behind for a process that is gone
            os.close(fd)  # closing it releases the lock


if sys.platform == "win32":
    import errno
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WINDOWS_LOCKED_BYTE, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EDEADLK):  # held by another process
                return False
            raise
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        # flock, not fcntl's record locks: a second open of the file in the same process conflicts
        # too, as it does across processes.
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
