"""Downloading a run's artifact from the storage host its presigned link points to.

The link is a credential of its own: it is never logged, stored or put into a message (errors say
the host and what went wrong, never the URL). The download is its own request on a session of its
own, which has never held the API key, so neither the request nor a redirect can carry it.

The file is written under a temporary name beside its final one and renamed when complete: a
download that fails half-way leaves nothing under the artifact's name. A name that would leave the
chosen folder is refused.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

import requests

from robocloud_desktop.core.errors import DownloadFailed
from robocloud_desktop.core.story_results import Presigned

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
DEFAULT_TIMEOUT = (10.0, 60.0)  # connect, and each read: storage hosts stream steadily
Progress = Callable[[int, int | None], None]  # (bytes so far, total when known)


def safe_target(folder: Path, name: str) -> Path:
    """Where an artifact called `name` goes in `folder`: refused (DownloadFailed) when the name is
    empty, absolute, holds `..`, a drive or control characters, or would otherwise end up outside
    the folder. Sub-folders in the name are kept."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if (not name.strip() or any(not ch.isprintable() for ch in name) or PureWindowsPath(name).drive
            or name.startswith(("/", "\\")) or any(part in ("..", ".") for part in parts)):
        raise DownloadFailed(f"The artifact's name {name!r} would be saved outside the chosen folder, so it was not "
                             "downloaded. Download it from Control Room instead.")
    base = folder.resolve()
    target = base.joinpath(*parts).resolve()
    if not target.is_relative_to(base) or target == base:
        raise DownloadFailed(f"The artifact's name {name!r} would be saved outside the chosen folder, so it was not "
                             "downloaded. Download it from Control Room instead.")
    return target


def free_name(path: Path) -> Path:
    """`path`, or `name (2).ext`, `name (3).ext`... when a file of that name is already there: a
    download never replaces a file the user has."""
    if not path.exists():
        return path
    for number in range(2, 10_000):
        candidate = path.with_name(f"{path.stem} ({number}){path.suffix}")
        if not candidate.exists():
            return candidate
    raise DownloadFailed(f"{path.parent} already holds thousands of files named like {path.name}. Choose another "
                         "folder.")


def download(link: Presigned, folder: Path, *, progress: Progress | None = None,
             cancel: threading.Event | None = None, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> Path:
    """Save the artifact behind `link` into `folder` and return its path. DownloadFailed says why
    not; nothing is then left under the artifact's name."""
    what = link.name or "the artifact"
    final = safe_target(folder, link.name)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadFailed(f"Cannot make the folder {final.parent}: {error.strerror or error}.") from None
    final = free_name(final)
    host = link.host or "the storage host"
    try:
        fd, temp_name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
    except OSError as error:
        raise DownloadFailed(f"Cannot write in {final.parent}: {error.strerror or error}.") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out, requests.Session() as session:
            written = _fetch(session, link, out, what, host, progress, cancel, timeout)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    log.info("downloaded an artifact (%d bytes) from %s", written, host)
    return final


def _fetch(session: requests.Session, link: Presigned, out: BinaryIO, what: str, host: str,
           progress: Progress | None, cancel: threading.Event | None, timeout: tuple[float, float]) -> int:
    try:
        with session.get(link.url, stream=True, timeout=timeout) as answer:
            if answer.status_code in (401, 403):
                raise DownloadFailed(f"{host} refused the download of {what} (HTTP {answer.status_code}): its link "
                                     "has expired. Download it again to get a new one.", status=answer.status_code)
            if answer.status_code != 200:
                raise DownloadFailed(f"{host} answered HTTP {answer.status_code} to the download of {what}. Try "
                                     "again later.", status=answer.status_code)
            total = _length(answer.headers.get("Content-Length")) or link.size
            done = 0
            if progress is not None:
                progress(done, total)
            for chunk in answer.iter_content(CHUNK):
                if cancel is not None and cancel.is_set():
                    raise DownloadFailed(f"The download of {what} was cancelled.")
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except requests.RequestException as error:
        # Never str(error): requests puts the URL, signature and all, into its messages.
        raise DownloadFailed(f"The download of {what} from {host} failed ({type(error).__name__}). Try again.") \
            from None
    except OSError as error:
        raise DownloadFailed(f"Cannot write {what}: {error.strerror or type(error).__name__}.") from None
    expected = _length(answer.headers.get("Content-Length"))
    if expected is not None and done != expected:
        raise DownloadFailed(f"The download of {what} from {host} ended after {done:,} of {expected:,} bytes. "
                             "Try again.")
    return done


def _length(value: str | None) -> int | None:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value)
