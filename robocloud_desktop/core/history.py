"""Every run this workstation started, in SQLite (WAL) in the data dir.

A run's target (base URL, ids, secret mode) is copied in at trigger time, so a run can be followed
to its end even after its profile is edited or removed. Secrets are never stored here.

The file is the user's record of what was started, so it is handled with care: only content that
is provably not a history of ours (not a database, damaged, another program's tables) is kept
aside; a file that is locked, read-only, on a full disk or not permitted is left untouched, read
if it can be, and tried again later. Until it can be written, runs are followed in memory and the
user is told that they are not being saved.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from robocloud_desktop.core.api_results import RunStatus, TriggeredRun
from robocloud_desktop.core.atomic import keep_aside
from robocloud_desktop.core.paths import private_dir, private_file
from robocloud_desktop.core.records import HistoryError, HistoryUnavailable, RunRecord, local_run_id
from robocloud_desktop.core.target import Target

_COLUMNS = tuple(f.name for f in fields(RunRecord))
# What one row can bring into memory, whatever the file holds: a payload is at most 100 KB as sent
# (more with the user's own indentation), an answer or an error a few KB, an id far less. Each
# column is also read as the type the app expects, so a file written by another program cannot
# put text where a time goes.
_TEXT_CAPS = {"payload": 4 * 1024 * 1024, "last_answer": 64 * 1024, "last_error": 4096}
MAX_ANSWER_CHARS = _TEXT_CAPS["last_answer"]


def _read_as(name: str, kind: str) -> str:
    if kind.startswith("str"):
        text = f"CAST(substr({name}, 1, {_TEXT_CAPS.get(name, 1024)}) AS TEXT)"
        return text if kind.endswith("None") else f"coalesce({text}, '')"
    sql_type = "REAL" if kind.startswith("float") else "INTEGER"
    return f"CAST({name} AS {sql_type})" if kind.endswith("None") else f"CAST(coalesce({name}, 0) AS {sql_type})"


_SELECT = ", ".join(_read_as(f.name, str(f.type)) for f in fields(RunRecord))

# Each entry moves the schema one version up; PRAGMA user_version says where a file stands.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        profile_id TEXT NOT NULL,
        profile_name TEXT NOT NULL,
        base_url TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        process_id TEXT NOT NULL,
        secret_in_query INTEGER NOT NULL DEFAULT 0,
        work_item_id TEXT NOT NULL DEFAULT '',
        payload TEXT,
        payload_sha256 TEXT NOT NULL,
        triggered_at REAL NOT NULL,
        state TEXT NOT NULL DEFAULT '',
        result TEXT NOT NULL DEFAULT '',
        error_code TEXT NOT NULL DEFAULT '',
        duration REAL,
        last_checked REAL,
        last_error TEXT NOT NULL DEFAULT '',
        error_count INTEGER NOT NULL DEFAULT 0,
        ended_at REAL,
        finished INTEGER NOT NULL DEFAULT 0,
        last_answer TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX runs_by_time ON runs (triggered_at DESC);
    CREATE INDEX runs_unfinished ON runs (finished) WHERE finished = 0;
    """,
    # Runs the user removed. A status write from any process (the window, or `watch` in a shell)
    # that was under way when a run was removed must not bring it back.
    """
    CREATE TABLE removed_runs (run_id TEXT PRIMARY KEY) WITHOUT ROWID;
    """,
    # `gone`: Control Room stopped knowing a run it had started. `poll_leases`: which follower (the
    # window, `watch`, `trigger --wait`) asks Control Room about a run until when, so that two of
    # them never poll the same run; the others read what it wrote.
    """
    ALTER TABLE runs ADD COLUMN gone INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE poll_leases (run_id TEXT PRIMARY KEY, owner TEXT NOT NULL, until REAL NOT NULL) WITHOUT ROWID;
    """,
    # Runs of the Control Room API v1: which API follows a run, who started it (runs found on the
    # server were started elsewhere), and Control Room's own times.
    """
    ALTER TABLE runs ADD COLUMN api TEXT NOT NULL DEFAULT 'process-secret';
    ALTER TABLE runs ADD COLUMN started_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN started_by_type TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN created_at REAL;
    ALTER TABLE runs ADD COLUMN started_at REAL;
    ALTER TABLE runs ADD COLUMN server_ended_at REAL;
    """,
    # Triggers whose answer was lost: kept under a local id, never polled, until the user removes them.
    """
    ALTER TABLE runs ADD COLUMN outcome_unknown INTEGER NOT NULL DEFAULT 0;
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)
# What later schemas added to the runs table; a file of ours at any version has at least the rest.
_ADDED_LATER = frozenset({"gone", "api", "started_by", "started_by_type", "created_at", "started_at",
                          "server_ended_at", "outcome_unknown"})
_COLUMNS_OF_FIRST_SCHEMA = tuple(name for name in _COLUMNS if name not in _ADDED_LATER)
_TABLES = {"runs", "removed_runs", "poll_leases"}

# SQLite's primary result codes (the low byte of an extended code), by what they mean here.
_NOT_OURS = {11: "damaged", 26: "not a database"}  # SQLITE_CORRUPT, SQLITE_NOTADB
_LOCKED = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_READ_ONLY = 8  # SQLITE_READONLY
_FULL = 13  # SQLITE_FULL
_CANT_OPEN = 14  # SQLITE_CANTOPEN: also what SQLite says when it cannot make its side files
_IO_ERROR = 10  # SQLITE_IOERR: among others, what it says when its shared-memory file cannot grow


def _primary_code(error: BaseException) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _disk_full(path: Path) -> bool:
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except (OSError, AttributeError):  # no statvfs on Windows
        return False


def _is_read_only(error: BaseException) -> bool:
    return _primary_code(error) in (_READ_ONLY, _CANT_OPEN) or (isinstance(error, OSError) and error.errno in (13, 30))


class _NotOurs(Exception):
    """The file is readable as a database but is not a run history of ours."""


def payload_hash(payload: str) -> str:
    import hashlib  # loads OpenSSL: only when a run is recorded, not while the window opens

    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _private_files(path: Path) -> None:
    """Make the file (and SQLite's side files) readable by the user only, creating it if need be:
    SQLite creates its files with the process's umask, and a history says what was run."""
    private_file(path)
    for side in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if side.exists():
            private_file(side)


def explain(error: BaseException, path: Path) -> HistoryError:
    """A sentence for what stopped the history from being read or written, saying what to do."""
    if isinstance(error, HistoryError):
        return error
    primary = _primary_code(error)
    if primary in _LOCKED:
        return HistoryUnavailable(
            f"The run history {path} is locked by another program. Close the program that holds it (a database "
            "browser, say) and try again; the file is left as it is."
        )
    if primary == _FULL or (isinstance(error, OSError) and error.errno == 28) or (
            primary in (_IO_ERROR, _CANT_OPEN) and _disk_full(path)):
        return HistoryUnavailable(
            f"The disk holding the run history {path} is full. Free some space; until then new runs and their "
            "states are not saved in it."
        )
    if primary == _READ_ONLY or (isinstance(error, OSError) and error.errno == 30) or (
            primary == _CANT_OPEN and not os.access(path.parent, os.W_OK)):
        return HistoryUnavailable(
            f"The run history {path} is read-only. New runs and their states are not saved in it until it can "
            "be written; check the folder's permissions and that its disk is mounted for writing."
        )
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
        return HistoryUnavailable(
            f"The run history {path} cannot be used ({reason}). Check the folder's permissions and its disk, "
            "then try again; the file is left as it is."
        )
    name = getattr(error, "sqlite_errorname", "") or type(error).__name__
    return HistoryUnavailable(
        f"The run history {path} cannot be used ({name}: {error}). Check the folder's permissions and its disk, "
        "then try again; the file is left as it is."
    )


class RunHistory:
    """Thread-safe: one connection, used under a lock (SQLite serialises writers anyway).

    Opening never raises for the file's sake: `problems` says what the user must hear, `writable`
    whether runs can be saved, `readable` whether the history could be read at all. `retry()` tries
    again to open what could not be opened, or written."""

    def __init__(self, path: Path, *, keep_payloads: bool = True, busy_timeout: float = 5.0) -> None:
        self.path = path
        self.keep_payloads = keep_payloads
        self.busy_timeout = busy_timeout
        self.problems: list[str] = []
        self.writable = False
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._data_version = 0
        self._open()

    @property
    def readable(self) -> bool:
        return self._db is not None

    def retry(self) -> bool:
        """Open the file again if it was not opened for writing (it was locked, full, read-only...).
        True when it is now writable; `problems` then holds what the new attempt found."""
        with self._lock:
            if self.writable:
                return True
            if self._db is not None:
                self._db.close()
                self._db = None
            self.problems = []
        self._open()
        return self.writable

    # --- opening -------------------------------------------------------------------------------

    def _open(self) -> None:
        try:
            private_dir(self.path.parent)
            _private_files(self.path)
            db = self._connect_writable()
        except _NotOurs as reason:
            self._start_afresh(str(reason))
            return
        except (sqlite3.Error, OSError, HistoryError) as error:
            primary = _primary_code(error)
            if primary in _NOT_OURS:
                self._start_afresh(f"{_NOT_OURS[primary]}: {error}")
                return
            # Locked, read-only, full, not permitted, newer: the file stays as it is.
            self.problems.append(explain(error, self.path).message)
            if primary not in _LOCKED:  # a lock that held off writing holds off reading too
                self._open_for_reading(immutable=_is_read_only(error))
            return
        self._attach(db, writable=True)

    def _connect_writable(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=self.busy_timeout)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0 and self._foreign_tables(db):
                raise _NotOurs("it holds another program's tables")
            if version > SCHEMA_VERSION:
                raise HistoryUnavailable(
                    f"The run history {self.path} was written by a newer version of robocloud-desktop (schema "
                    f"{version}). This version reads it but does not change it: runs started now are not saved in "
                    "it. Update the app to keep them."
                )
            if version > 0:  # a file of ours lacks only what later versions added; check before changing it
                self._check_shape(db, _COLUMNS_OF_FIRST_SCHEMA)
            db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a committed change survives the process being killed at any moment
            # (only a power cut may lose the last few), and commits stay cheap at monitor rates.
            db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(db, version)
            self._check_shape(db)
        except BaseException:
            db.close()
            raise
        return db

    def _open_for_reading(self, *, immutable: bool) -> None:
        try:
            if not self.path.is_file():
                return
        except OSError:  # not even allowed to look
            return
        # mode=ro reads a WAL file when SQLite's side files are there. On a read-only disk without
        # them only an immutable reading works, which is safe there only: nobody can be writing.
        for options in ("mode=ro", "mode=ro&immutable=1") if immutable else ("mode=ro",):
            uri = f"file:{quote(str(self.path))}?{options}"
            try:
                db = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None,
                                     timeout=self.busy_timeout)
            except sqlite3.Error:
                continue
            try:
                self._check_shape(db)
            except (sqlite3.Error, _NotOurs):
                db.close()
                continue
            self._attach(db, writable=False)
            return

    def _attach(self, db: sqlite3.Connection, *, writable: bool) -> None:
        with self._lock:
            self._db, self.writable = db, writable
            # Where the file stood when opened: a later change by another connection moves this on.
            self._data_version = db.execute("PRAGMA data_version").fetchone()[0]

    def _start_afresh(self, reason: str) -> None:
        """Not a history of ours: keep it aside for the user, never overwrite it, and start anew."""
        try:
            kept = keep_aside(self.path)
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    keep_aside(side)
        except OSError as error:
            self.problems.append(f"The run history {self.path} could not be read ({reason}), nor set aside "
                                 f"({error.strerror or error}). Move it away yourself to start a new one.")
            return
        self.problems.append(
            f"The run history could not be read ({reason}). It was kept as {kept}; a new, empty history was "
            "started."
        )
        try:
            _private_files(self.path)
            db = self._connect_writable()
        except (sqlite3.Error, OSError, HistoryError) as error:
            self.problems.append(explain(error, self.path).message)
            return
        self._attach(db, writable=True)

    @staticmethod
    def _foreign_tables(db: sqlite3.Connection) -> bool:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return bool(names - _TABLES)

    @staticmethod
    def _check_shape(db: sqlite3.Connection, columns: Iterable[str] = _COLUMNS) -> None:
        have = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
        missing = [name for name in columns if name not in have]
        if missing:
            raise _NotOurs(f"its runs table lacks {', '.join(missing)}")

    @staticmethod
    def _migrate(db: sqlite3.Connection, version: int) -> None:
        for number in range(version, SCHEMA_VERSION):
            db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _MIGRATIONS[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            self.writable = False

    @contextlib.contextmanager
    def _connection(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock; every failure comes out as a HistoryError in words."""
        with self._lock:
            db = self._db
            if db is None or (write and not self.writable):
                raise HistoryUnavailable(self.problems[-1] if self.problems else f"The run history {self.path} "
                                         "is not open.")
            try:
                yield db
            except (sqlite3.Error, OSError) as error:
                raise explain(error, self.path) from None

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one transaction, committed at the end of the block, rolled back if it fails."""
        with self._connection(write=True) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # --- writing ------------------------------------------------------------------------------

    def record_trigger(self, run: TriggeredRun, target: Target, payload: dict[str, Any] | list[Any] | str, *,
                       profile_id: str = "", profile_name: str = "") -> RunRecord:
        record = self.record_for(run, target, payload, profile_id=profile_id, profile_name=profile_name,
                                 keep_payload=self.keep_payloads)
        self.save(record, insert=True)
        return record

    def remember_trigger(self, run: TriggeredRun, target: Target, payload: dict[str, Any] | list[Any] | str, *,
                         profile_id: str = "", profile_name: str = "") -> tuple[RunRecord, str]:
        """record_trigger that never fails: the run has started, which matters more than our own
        file. Returns the record and a warning ('' when it was saved)."""
        try:
            return self.record_trigger(run, target, payload, profile_id=profile_id, profile_name=profile_name), ""
        except HistoryError as error:
            record = self.record_for(run, target, payload, profile_id=profile_id, profile_name=profile_name,
                                     keep_payload=self.keep_payloads)
            return record, f"The run started, but it is not in the run history: {error.message}"

    def remember_unsure_trigger(self, target: Target, payload: dict[str, Any] | list[Any] | str, *,
                                profile_id: str = "", profile_name: str = "") -> tuple[RunRecord, str]:
        """A trigger whose answer was lost (it may have started a run), kept under a local placeholder id
        that is never polled: finished from the start, so no follower asks Control Room about it. Never
        fails: returns the record and a warning ('' when it was saved)."""
        run = TriggeredRun(local_run_id(), "", target.process_id, target.workspace_id)
        record = replace(self.record_for(run, target, payload, profile_id=profile_id, profile_name=profile_name,
                                         keep_payload=self.keep_payloads), outcome_unknown=True, finished=True)
        try:
            self.save(record, insert=True)
        except HistoryError as error:
            return record, f"The trigger is not in the run history: {error.message}"
        return record, ""

    @staticmethod
    def record_for(run: TriggeredRun, target: Target, payload: dict[str, Any] | list[Any] | str, *,
                   profile_id: str = "", profile_name: str = "", keep_payload: bool = True) -> RunRecord:
        """The record of a run just triggered, not yet saved."""
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        return RunRecord(
            run_id=run.run_id, profile_id=profile_id, profile_name=profile_name, base_url=target.base_url,
            workspace_id=target.workspace_id, process_id=target.process_id,
            secret_in_query=target.secret_in_query, work_item_id=run.work_item_id,
            payload=text if keep_payload else None, payload_sha256=payload_hash(text),
            triggered_at=time.time(), api=target.api,
        )

    @staticmethod
    def with_status(record: RunRecord, status: RunStatus, *, finished: bool) -> RunRecord:
        """The record after a status reading, not yet saved. The answer is kept as the client parsed it
        (which masks the secret in it), and only up to a size."""
        now = time.time()
        answer = json.dumps(status.raw, ensure_ascii=False, sort_keys=True)
        if len(answer) > MAX_ANSWER_CHARS:
            answer = json.dumps({"note": f"The answer was {len(answer):,} characters long; not kept."})
        return replace(
            record, state=status.state, result=status.result, error_code=status.error_code,
            duration=status.duration, last_checked=now, last_error="",
            ended_at=record.ended_at or (now if status.outcome.is_ended else None),
            finished=finished, last_answer=answer,
            # Control Room's own times, where its answers carry them (v1's do).
            created_at=status.created_at if status.created_at is not None else record.created_at,
            started_at=status.started_at if status.started_at is not None else record.started_at,
            server_ended_at=status.ended_at if status.ended_at is not None else record.server_ended_at,
        )

    @staticmethod
    def with_error(record: RunRecord, message: str, *, finished: bool = False, gone: bool = False) -> RunRecord:
        return replace(record, last_checked=time.time(), last_error=message[:_TEXT_CAPS["last_error"]],
                       error_count=record.error_count + 1, finished=finished, gone=record.gone or gone)

    def record_status(self, record: RunRecord, status: RunStatus, *, finished: bool) -> RunRecord:
        updated = self.with_status(record, status, finished=finished)
        self.save(updated)
        return updated

    def record_error(self, record: RunRecord, message: str, *, finished: bool = False) -> RunRecord:
        updated = self.with_error(record, message, finished=finished)
        self.save(updated)
        return updated

    def save(self, record: RunRecord, *, insert: bool = False, lease: tuple[str, float] | None = None) -> bool:
        """Write the record. With `lease` (owner, until), in the same transaction, renew the run's poll
        lease for that owner until then (`until` 0: give it up); True when the owner holds it after the
        write (another owner's lease that has not run out is left alone). HistoryError when it cannot."""
        values = [self._to_db(getattr(record, name)) for name in _COLUMNS]
        columns, marks = ", ".join(_COLUMNS), ", ".join("?" * len(_COLUMNS))
        held = False
        with self._writing() as db:
            if insert:
                # A new trigger under a removed run's id is a new run (ids are unique on the server).
                db.execute("DELETE FROM removed_runs WHERE run_id = ?", (record.run_id,))
                db.execute(f"INSERT INTO runs ({columns}) VALUES ({marks})", values)
            else:
                # One statement: a removal cannot come between the check and the write.
                db.execute(f"INSERT OR REPLACE INTO runs ({columns}) SELECT {marks} WHERE NOT EXISTS "
                           "(SELECT 1 FROM removed_runs WHERE run_id = ?)", [*values, record.run_id])
            if lease is not None:
                held = self._hold(db, record.run_id, *lease)
        return held

    def add_found(self, record: RunRecord) -> bool:
        """Record a run found on the server (started elsewhere), unless the history has it already or
        the user removed it. True when it was added: whoever finds a run, and however often, it is
        added, and told about, once."""
        values = [self._to_db(getattr(record, name)) for name in _COLUMNS]
        columns, marks = ", ".join(_COLUMNS), ", ".join("?" * len(_COLUMNS))
        with self._writing() as db:
            added = db.execute(f"INSERT OR IGNORE INTO runs ({columns}) SELECT {marks} WHERE NOT EXISTS "
                               "(SELECT 1 FROM removed_runs WHERE run_id = ?)", [*values, record.run_id]).rowcount
        return added == 1

    def unfinished_of(self, base_url: str, workspace_id: str, process_id: str) -> list[RunRecord]:
        """The runs of one process still followed, oldest first."""
        return self._select("WHERE finished = 0 AND base_url = ? AND workspace_id = ? AND process_id = ? "
                            "ORDER BY triggered_at", (base_url, workspace_id, process_id))

    def remove(self, run_ids: Iterable[str]) -> int:
        """Delete these runs, kept payloads included, in one transaction; how many rows went. Their ids
        are kept, so that no status write still under way, in this process or another, brings one back."""
        ids = [(run_id,) for run_id in run_ids]
        with self._writing() as db:
            deleted = db.executemany("DELETE FROM runs WHERE run_id = ?", ids).rowcount
            db.executemany("INSERT OR IGNORE INTO removed_runs (run_id) VALUES (?)", ids)
            db.executemany("DELETE FROM poll_leases WHERE run_id = ?", ids)
        return deleted

    @staticmethod
    def _to_db(value: Any) -> Any:
        return int(value) if isinstance(value, bool) else value

    # --- who polls which run ------------------------------------------------------------------

    def claim_poll(self, run_id: str, owner: str, until: float, *, longest: float) -> tuple[bool, float]:
        """Take the run's poll lease for `owner` until `until` (wall clock), unless another owner holds
        one that has not run out, or another follower has already seen the run finish (there is then
        nothing to poll: read it). Returns (taken, until): the lease's end either way, 0 for a finished
        run. A lease reaching past now + `longest` is not believed (a clock moved back) and is taken."""
        now = time.time()
        with self._writing() as db:
            done = db.execute("SELECT finished FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if done is not None and done[0]:
                return False, 0.0
            row = db.execute("SELECT owner, until FROM poll_leases WHERE run_id = ?", (run_id,)).fetchone()
            if row is not None and row[0] != owner and now < row[1] <= now + longest:
                return False, float(row[1])
            db.execute("INSERT OR REPLACE INTO poll_leases (run_id, owner, until) VALUES (?, ?, ?)",
                       (run_id, owner, until))
        return True, until

    @staticmethod
    def _hold(db: sqlite3.Connection, run_id: str, owner: str, until: float) -> bool:
        if until <= 0:
            db.execute("DELETE FROM poll_leases WHERE run_id = ? AND owner = ?", (run_id, owner))
            return False
        held = db.execute(
            "INSERT INTO poll_leases (run_id, owner, until) VALUES (?, ?, ?) ON CONFLICT (run_id) DO UPDATE "
            "SET owner = excluded.owner, until = excluded.until "
            "WHERE poll_leases.owner = excluded.owner OR poll_leases.until < ?",
            (run_id, owner, until, time.time()),
        ).rowcount
        return held == 1

    def release_polls(self, owner: str) -> None:
        """Give up every lease of `owner` (a follower that stops): another follower takes over at once."""
        with self._writing() as db:
            db.execute("DELETE FROM poll_leases WHERE owner = ?", (owner,))

    # --- reading ------------------------------------------------------------------------------

    def get(self, run_id: str) -> RunRecord | None:
        rows = self._select("WHERE run_id = ?", (run_id,))
        return rows[0] if rows else None

    def unfinished(self) -> list[RunRecord]:
        return self._select("WHERE finished = 0 ORDER BY triggered_at", ())

    def recent(self, *, limit: int = 100, profile_id: str | None = None,
               where: Callable[[RunRecord], bool] | None = None) -> list[RunRecord]:
        """Newest first. `where` filters in Python (labels are ours, not columns)."""
        clause, params = ("WHERE profile_id = ?", (profile_id,)) if profile_id is not None else ("", ())
        rows = self._select(f"{clause} ORDER BY triggered_at DESC", params)
        if where is not None:
            rows = [r for r in rows if where(r)]
        return rows[:limit] if limit > 0 else rows

    def triggered_since(self, when: float) -> list[RunRecord]:
        """Runs triggered at or after `when` (a time.time()), oldest first."""
        return self._select("WHERE triggered_at >= ? ORDER BY triggered_at", (when,))

    def changed_elsewhere(self, *, wait: bool = True) -> bool | None:
        """Whether another connection (a command in a shell, say) has committed a change since the
        last call, or since the history was opened. SQLite answers from memory, in microseconds.
        With `wait` False, None while a write of this process is under way: ask again later."""
        if not self._lock.acquire(blocking=wait):
            return None
        try:
            if self._db is None:
                return False
            try:
                version: int = self._db.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error as error:
                raise explain(error, self.path) from None
            changed, self._data_version = version != self._data_version, version
        finally:
            self._lock.release()
        return changed

    def count(self) -> int:
        with self._connection(write=False) as db:
            return int(db.execute("SELECT count(*) FROM runs").fetchone()[0])

    def _select(self, tail: str, params: Iterable[Any]) -> list[RunRecord]:
        if self._db is None:
            return []  # not readable: `problems` says why; nothing to show is the truth
        with self._connection(write=False) as db:
            rows = db.execute(f"SELECT {_SELECT} FROM runs {tail}", tuple(params)).fetchall()
        return [self._from_row(row) for row in rows]

    @staticmethod
    def _from_row(row: tuple[Any, ...]) -> RunRecord:
        values = dict(zip(_COLUMNS, row, strict=True))
        for flag in ("secret_in_query", "finished", "gone", "outcome_unknown"):
            values[flag] = bool(values[flag])
        # The frozen dataclass's __init__ sets each field through object.__setattr__; filling the
        # instance dict at once is several times faster, which counts when 10,000 rows load at start.
        record = object.__new__(RunRecord)
        record.__dict__.update(values)
        return record
