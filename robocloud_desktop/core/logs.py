"""The app's log: a rotating file in the log folder that a user can send, and with --verbose the same
lines on stderr. No line holds a secret: every secret the app has sent, any query-string secret and
the query of every URL (a presigned link's signature) are masked as each line is written.

The window and the command line write the same file. Both start with `start_logging()`, which only
holds records; the command line opens the file at once, the window once its first frame is drawn
(`AppLog.open_file`), so that loading logging.handlers (about 10 ms) does not delay it. Records
made before then are written first, after the start line.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import re
    from logging.handlers import RotatingFileHandler

LOG_FILE = "robocloud-desktop.log"
# A line per request to Control Room: with the board following a few runs every few seconds, 2 MB
# holds several hours, and the four files before it a day or two.
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 4
# Beside the log: held by the process rotating it, for a moment; after that long another process
# writes on and tries again later.
ROTATION_LOCK_SUFFIX = ".lock"
ROTATION_WAIT_S = 2.0
# The app's own loggers, and those Qt's messages go to (ui/qt_messages.py); other libraries' lines are
# kept only from WARNING up (urllib3's DEBUG lines hold each URL's path).
OWN_LOGGERS = ("robocloud_desktop", "qt")
# Records held until the file is open: a window that logs more than this before its first frame has
# problems enough for the last thousand to tell them.
HELD_RECORDS = 1000
FILE_FORMAT = "%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s"
STREAM_FORMAT = "%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s"

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_pattern: re.Pattern[str] | None = None
_pattern_stale = False


def mask_in_logs(secret: str) -> None:
    """Mask `secret` in every log line from now on. The transport calls this with each secret and key
    it sends: the app's messages never hold one, and this makes sure of it. Kept in memory only."""
    global _pattern_stale
    if not secret or secret in _secrets:  # a look-up per request; the lock only for a new one
        return
    with _secrets_lock:
        _secrets.add(secret)
        _pattern_stale = True


def known_secrets() -> frozenset[str]:
    """The secrets masked in the logs so far (for text that mixes log lines with others)."""
    with _secrets_lock:
        return frozenset(_secrets)


def masked(text: str, *more: str) -> str:
    """`text` with every secret known to the logs (and `more`), query-string secrets and every URL's
    query masked."""
    global _pattern, _pattern_stale
    from robocloud_desktop.core.redact import MASK, mask_queries, secrets_pattern

    if more:
        pattern = secrets_pattern([*known_secrets(), *more])
    else:
        with _secrets_lock:
            if _pattern_stale:
                _pattern, _pattern_stale = secrets_pattern(_secrets), False
            pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return mask_queries(text)


class MaskingFormatter(logging.Formatter):
    """Masks the whole formatted line, traceback included: an exception's text is made by whoever
    raised it."""

    def format(self, record: logging.LogRecord) -> str:
        return masked(super().format(record))


class _OwnOrProblems(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.partition(".")[0] in OWN_LOGGERS


class _Relay(logging.Handler):
    """The one handler the app puts on the root logger: it holds records until the file is there,
    hands each record to the streams (stderr with --verbose) at once, then everything to the file."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(_OwnOrProblems())
        self._held: collections.deque[logging.LogRecord] | None = collections.deque(maxlen=HELD_RECORDS)
        self._targets: list[logging.Handler] = []

    def emit(self, record: logging.LogRecord) -> None:
        if self._held is not None:
            self._held.append(record)
        for target in self._targets:
            target.handle(record)

    def attach(self, target: logging.Handler, first: logging.LogRecord | None = None, *,
               is_file: bool = False) -> None:
        """Hand `target` the records held so far, then every new one (under the handler's lock, so that
        none comes between). `first` goes before them, and to the targets already there. Records are
        held until the file is attached: a stream attached before it takes them without using them up."""
        self.acquire()
        try:
            if first is not None:
                for each in (target, *self._targets):
                    each.handle(first)
            for record in self._held or ():
                target.handle(record)
            if is_file:
                self._held = None
            self._targets.append(target)
        finally:
            self.release()

    def flush(self) -> None:
        for target in list(self._targets):
            target.flush()

    def holds_problems(self) -> bool:
        self.acquire()
        try:
            return any(record.levelno >= logging.WARNING for record in self._held or ())
        finally:
            self.release()

    def detach_all(self) -> list[logging.Handler]:
        self.acquire()
        try:
            targets, self._targets = self._targets, []
            return targets
        finally:
            self.release()


def _private_log_file(path: Path) -> None:
    # Made 0600 before the handler opens it: it appends to a file that exists and keeps its mode.
    from robocloud_desktop.core.paths import private_file

    private_file(path)


def _rotating_file(path: Path, max_bytes: int, backups: int) -> RotatingFileHandler:
    from logging.handlers import RotatingFileHandler

    class SharedRotatingFile(RotatingFileHandler):
        """A rotating file that the window and commands write at the same time, each process with a
        handler of its own: one that finds the file rotated by another writes on in the new file, and
        one that cannot rotate it (Windows: another process has it open) writes on and tries again
        once it has grown by another tenth. A line it cannot write is dropped in silence: a full disk
        must not stop the app, nor print a traceback for each line."""

        retry_above = 0

        def shouldRollover(self, record: logging.LogRecord) -> int:
            self._follow_rotation()
            if self.stream is not None and self.stream.tell() < self.retry_above:
                return False
            return super().shouldRollover(record)

        def doRollover(self) -> None:
            # One process rotates at a time: two renaming the same files at once would each remove
            # the other's first backup, and the lines in it.
            from robocloud_desktop.core.process_lock import ProcessLock

            lock = ProcessLock(Path(self.baseFilename + ROTATION_LOCK_SUFFIX))
            try:
                if not lock.acquire(ROTATION_WAIT_S):
                    raise OSError("another process is rotating the log")
                try:
                    self._follow_rotation()
                    if self.stream is not None:  # not rotated by another process meanwhile
                        super().doRollover()
                finally:
                    lock.release()
            except OSError:
                self.retry_above = os.path.getsize(self.baseFilename) + self.maxBytes // 10
            else:
                self.retry_above = 0
            _private_log_file(Path(self.baseFilename))

        def _follow_rotation(self) -> None:
            if self.stream is None:
                return
            try:
                mine, there = os.fstat(self.stream.fileno()), os.stat(self.baseFilename)
                same = (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)
            except OSError:  # rotated away and not made again yet
                same = False
            if not same:
                old = self.setStream(None)  # type: ignore[arg-type] # the file is opened again with the next line
                if old is not None:
                    old.close()
                _private_log_file(Path(self.baseFilename))

        def handleError(self, record: logging.LogRecord) -> None:
            if not isinstance(sys.exc_info()[1], OSError):
                super().handleError(record)

        def flush(self) -> None:
            with contextlib.suppress(OSError):
                super().flush()

        def close(self) -> None:
            with contextlib.suppress(OSError):  # the last lines could not be written: the file is closed all the same
                super().close()

    handler = SharedRotatingFile(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)
    handler.setFormatter(MaskingFormatter(FILE_FORMAT))
    handler.setLevel(logging.INFO)
    return handler


class AppLog:
    """The app's logging, from `start_logging()` until `close()`."""

    def __init__(self, level: int) -> None:
        self._relay = _Relay()
        self._raised: list[tuple[logging.Logger, int]] = []
        for name in OWN_LOGGERS:
            logger = logging.getLogger(name)
            # Only ever made more talkative: a test's log capture may already want more.
            if logger.getEffectiveLevel() > level:
                self._raised.append((logger, logger.level))
                logger.setLevel(level)
        logging.getLogger().addHandler(self._relay)
        self.file: Path | None = None
        self.file_problem = ""  # why there is no file, when opening it failed

    def open_file(self, log_dir: Path, started: str, *, qt: str = "", max_bytes: int = MAX_BYTES,
                  backups: int = BACKUPS) -> Path | None:
        """Write the log to LOG_FILE in `log_dir` (made private), rotated at `max_bytes` with `backups`
        older files: first a line saying what started (`started`, such as "the window") with the
        versions (`qt`: what the window knows of Qt), then the records held so far. None when the
        folder or file cannot be made (a read-only disk): the app goes on without a file, and
        `file_problem` says why."""
        from robocloud_desktop.core.paths import private_dir
        from robocloud_desktop.core.versions import versions_line

        if self.file is not None:
            return self.file
        path = log_dir / LOG_FILE
        try:
            private_dir(log_dir)
            _private_log_file(path)
        except OSError as error:
            self.file_problem = f"{path} cannot be written: {error.strerror or type(error).__name__}"
            logging.getLogger(__name__).warning("The log file %s", self.file_problem)
            return None
        handler = _rotating_file(path, max_bytes, backups)
        start = logging.LogRecord(__name__, logging.INFO, __file__, 0, "Started %s, pid %d: %s",
                                  (started, os.getpid(), versions_line(qt)), None)
        self._relay.attach(handler, first=start, is_file=True)  # the start on stderr too, with --verbose
        self.file = path
        return path

    def holds_problems(self) -> bool:
        """Whether records of a warning or worse are held, waiting for the file."""
        return self._relay.holds_problems()

    def to_stream(self, stream: TextIO, level: int = logging.DEBUG) -> None:
        """Also write every line from `level` up to `stream` (stderr, for --verbose)."""
        handler = logging.StreamHandler(stream)
        handler.setFormatter(MaskingFormatter(STREAM_FORMAT, datefmt="%H:%M:%S"))
        handler.setLevel(level)
        self._relay.attach(handler)

    def close(self) -> None:
        """Stop logging: the file is closed, and the loggers' levels are as they were."""
        logging.getLogger().removeHandler(self._relay)
        for handler in self._relay.detach_all():
            handler.close()
        for logger, level in self._raised:
            logger.setLevel(level)
        self._raised.clear()


def start_logging(*, verbose: bool = False) -> AppLog:
    """Start collecting the app's log records (INFO and up, DEBUG with `verbose`): cheap, nothing is
    written until `open_file` or `to_stream`."""
    return AppLog(logging.DEBUG if verbose else logging.INFO)


def tail(path: Path, lines: int, *, max_bytes: int = 256 * 1024) -> list[str]:
    """The last `lines` lines of the text file at `path` (read from its last `max_bytes` only), each
    masked again: an older line may predate a secret the logs learnt of since. [] when unreadable."""
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - max_bytes))
            data = file.read(max_bytes)
    except OSError:
        return []
    text = data.decode("utf-8", errors="replace")
    found = text.splitlines()
    if len(data) == max_bytes and size > max_bytes:
        found = found[1:]  # the first line was cut
    return masked("\n".join(found[-lines:])).splitlines() if lines > 0 else []
