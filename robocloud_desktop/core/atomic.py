"""Files written whole or not at all, read within a bound, and unreadable files kept aside instead
of overwritten."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from pathlib import Path


class NotReadable(ValueError):
    """What is at a path is no file to read whole: a folder, a FIFO, a device, or too large. Its
    text is a clause ("it is a folder, not a file"). Not a passing condition: it stays until
    someone moves it."""


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`.

    A crash at any moment leaves either the old file or the new one, never a mix.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # The rename itself is durable only once the directory entry is on disk (POSIX).
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def keep_aside(path: Path, why: str = "unreadable") -> Path:
    """Rename `path` to a timestamped name beside it and return the new path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{why}-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.{why}-{stamp}-{counter}")
    os.replace(path, target)
    return target


def read_bounded(path: Path, limit: int) -> bytes | None:
    """The bytes of the regular file at `path`, or None when nothing is there.

    NotReadable when what is there is not a regular file or holds more than `limit` bytes: the
    size is checked before reading, and never more than `limit` + 1 bytes are read. OSError for
    conditions that pass or that the user fixes in place (permission denied, an I/O error).
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    _check_kind(info, limit)
    # O_NONBLOCK: should a FIFO take the file's place after the check, opening it must not hang.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None
    try:
        _check_kind(os.fstat(fd), limit)
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # it grew while being read
        raise NotReadable(f"it is larger than {_size(limit)}, more than a file of this kind can be")
    return data


def check_file(path: Path, limit: int) -> None:
    """NotReadable when something is at `path` that is not a regular file of at most `limit` bytes,
    for files another library reads whole (Qt's settings); nothing when it is fine or missing."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    _check_kind(info, limit)


def _check_kind(info: os.stat_result, limit: int) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise NotReadable("it is a folder, not a file")
    if stat.S_ISFIFO(mode):
        raise NotReadable("it is a named pipe (FIFO), not a file")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise NotReadable("it is a device, not a file")
    if not stat.S_ISREG(mode):
        raise NotReadable("it is not a regular file")
    if info.st_size > limit:
        raise NotReadable(f"it is {_size(info.st_size)}, more than the {_size(limit)} a file of this kind can be")


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:,.1f}".removesuffix(".0") + " MB"
    return f"{count:,} bytes"
