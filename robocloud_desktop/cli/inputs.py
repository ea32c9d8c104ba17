"""What commands read from files and stdin: bounded before it is parsed, UTF-8, refused in a sentence."""

from __future__ import annotations

import os
from typing import TextIO

from robocloud_desktop.cli.common import UsageError

_BOM = "\ufeff"  # Windows editors start UTF-8 files with it; JSON and shells do not expect it


def read_file_text(path: str, *, what: str, limit: int) -> str:
    """The text of the file at `path` (at most `limit` bytes), or UsageError saying why not. Reads
    from pipes and devices too (`<(...)` is a pipe), never more than `limit` + 1 bytes."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
            size = os.fstat(handle.fileno()).st_size if len(data) > limit else 0
    except IsADirectoryError:
        raise UsageError(f"{_sentence(what)} {path!r} is a folder. Give a file.") from None
    except (OSError, ValueError) as error:  # ValueError: a name with a NUL byte
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not a usable file name"
        raise UsageError(f"Cannot read {what} {path!r}: {reason}.") from None
    if len(data) > limit:
        # A pipe or a device has no size to tell.
        real = f"is {size:,} bytes; it can be at most" if size > limit else "goes on past"
        raise UsageError(f"{_sentence(what)} {path!r} {real} {_size(limit)}. Check that it is the right file.")
    return _decode(data, f"{what} {path!r}")


def read_stream_text(stream: TextIO, *, what: str, limit: int) -> str:
    """All of `stream` (stdin), at most `limit` bytes, or UsageError saying why not."""
    binary = getattr(stream, "buffer", None)
    if binary is not None:
        data = binary.read(limit + 1)
        if len(data) > limit:
            raise UsageError(f"{_sentence(what)} goes on past {_size(limit)}, more than it can be.")
        return _decode(data, what)
    text = stream.read(limit + 1)
    if len(text) > limit:
        raise UsageError(f"{_sentence(what)} goes on past {_size(limit)}, more than it can be.")
    return text.removeprefix(_BOM)


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8").removeprefix(_BOM)
    except UnicodeDecodeError as error:
        raise UsageError(f"{_sentence(what)} is not UTF-8 text: byte 0x{data[error.start]:02x} at offset "
                         f"{error.start:,} cannot be read. Save it as UTF-8 and try again.") from None


def _sentence(what: str) -> str:
    """`what` to start a sentence with (str.capitalize would lower the rest: "URL" to "url")."""
    return what[:1].upper() + what[1:]


def _size(limit: int) -> str:
    return f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit / 1024:g} KB"
