"""Every run this workstation started, in SQLite (WAL) in the data dir.

A run's target (base URL, ids, secret mode) is copied in at trigger time, so a run can be followed
to its end even after its profile is edited or removed. Secrets are never stored here.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from robocloud_desktop.core.api_results import RunStatus, TriggeredRun
from robocloud_desktop.core.atomic import keep_aside
from robocloud_desktop.core.records import HistoryError, RunRecord
from robocloud_desktop.core.target import Target

_COLUMNS = tuple(f.name for f in fields(RunRecord))

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
)
SCHEMA_VERSION = len(_MIGRATIONS)


def payload_hash(payload: str) -> str:
    import hashlib  # loads OpenSSL: only when a run is recorded, not while the window opens

    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class RunHistory:
    """Thread-safe: one connection, used under a lock (SQLite serialises writers anyway)."""

    def __init__(self, path: Path, *, keep_payloads: bool = True) -> None:
        self.path = path
        self.keep_payloads = keep_payloads
        self.problems: list[str] = []
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as error:
            # Not a database we can use: keep it aside for the user, never overwrite it.
            kept = keep_aside(path)
            for suffix in ("-wal", "-shm"):
                side = path.with_name(path.name + suffix)
                if side.exists():
                    keep_aside(side)
            self.problems.append(
                f"The run history could not be opened ({error}). It was kept as {kept}; a new, empty "
                "history was started."
            )
            self._db = self._open()
        # Where the file stood when opened: a later change by another connection moves this on.
        self._data_version = self._db.execute("PRAGMA data_version").fetchone()[0]

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a committed change survives the process being killed at any moment
            # (only a power cut may lose the last few), and commits stay cheap at monitor rates.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._migrate(db)
            db.execute("SELECT count(*) FROM runs").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"The run history was written by a newer version of robocloud-desktop (schema {version}). "
                "Update the app to read it."
            )
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
            self._db.close()

    # --- writing ------------------------------------------------------------------------------

    def record_trigger(self, run: TriggeredRun, target: Target, payload: dict[str, Any] | str, *,
                       profile_id: str = "", profile_name: str = "") -> RunRecord:
        record = self.record_for(run, target, payload, profile_id=profile_id, profile_name=profile_name,
                                 keep_payload=self.keep_payloads)
        self._write(record, insert=True)
        return record

    def remember_trigger(self, run: TriggeredRun, target: Target, payload: dict[str, Any] | str, *,
                         profile_id: str = "", profile_name: str = "") -> tuple[RunRecord, str]:
        """record_trigger that never fails: the run has started, which matters more than our own
        file. Returns the record and a warning ('' when it was saved)."""
        try:
            return self.record_trigger(run, target, payload, profile_id=profile_id, profile_name=profile_name), ""
        except (OSError, sqlite3.Error, HistoryError) as error:
            record = self.record_for(run, target, payload, profile_id=profile_id, profile_name=profile_name,
                                     keep_payload=self.keep_payloads)
            return record, f"The run started but could not be saved in the run history ({error})."

    @staticmethod
    def record_for(run: TriggeredRun, target: Target, payload: dict[str, Any] | str, *, profile_id: str = "",
                   profile_name: str = "", keep_payload: bool = True) -> RunRecord:
        """The record of a run just triggered, not yet saved."""
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        return RunRecord(
            run_id=run.run_id, profile_id=profile_id, profile_name=profile_name, base_url=target.base_url,
            workspace_id=target.workspace_id, process_id=target.process_id,
            secret_in_query=target.secret_in_query, work_item_id=run.work_item_id,
            payload=text if keep_payload else None, payload_sha256=payload_hash(text),
            triggered_at=time.time(),
        )

    def record_status(self, record: RunRecord, status: RunStatus, *, finished: bool) -> RunRecord:
        now = time.time()
        updated = replace(
            record, state=status.state, result=status.result, error_code=status.error_code,
            duration=status.duration, last_checked=now, last_error="",
            ended_at=record.ended_at or (now if status.outcome.is_ended else None),
            finished=finished, last_answer=json.dumps(status.raw, ensure_ascii=False, sort_keys=True),
        )
        self._write(updated)
        return updated

    def record_error(self, record: RunRecord, message: str, *, finished: bool = False) -> RunRecord:
        updated = replace(record, last_checked=time.time(), last_error=message,
                          error_count=record.error_count + 1, finished=finished)
        self._write(updated)
        return updated

    def _write(self, record: RunRecord, *, insert: bool = False) -> None:
        values = [self._to_db(getattr(record, name)) for name in _COLUMNS]
        columns, marks = ", ".join(_COLUMNS), ", ".join("?" * len(_COLUMNS))
        with self._lock:
            if insert:
                # A new trigger under a removed run's id is a new run (ids are unique on the server).
                self._db.execute("DELETE FROM removed_runs WHERE run_id = ?", (record.run_id,))
                self._db.execute(f"INSERT INTO runs ({columns}) VALUES ({marks})", values)
            else:
                # One statement: a removal cannot come between the check and the write.
                self._db.execute(f"INSERT OR REPLACE INTO runs ({columns}) SELECT {marks} WHERE NOT EXISTS "
                                 "(SELECT 1 FROM removed_runs WHERE run_id = ?)", [*values, record.run_id])

    def remove(self, run_ids: Iterable[str]) -> int:
        """Delete these runs, kept payloads included, in one transaction; how many rows went. Their ids
        are kept, so that no status write still under way, in this process or another, brings one back."""
        ids = [(run_id,) for run_id in run_ids]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                deleted = self._db.executemany("DELETE FROM runs WHERE run_id = ?", ids).rowcount
                self._db.executemany("INSERT OR IGNORE INTO removed_runs (run_id) VALUES (?)", ids)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return deleted

    @staticmethod
    def _to_db(value: Any) -> Any:
        return int(value) if isinstance(value, bool) else value

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
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            changed, self._data_version = version != self._data_version, version
        finally:
            self._lock.release()
        return changed

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM runs").fetchone()[0])

    def _select(self, tail: str, params: Iterable[Any]) -> list[RunRecord]:
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM runs {tail}", tuple(params)).fetchall()
        return [self._from_row(row) for row in rows]

    @staticmethod
    def _from_row(row: tuple[Any, ...]) -> RunRecord:
        values = dict(zip(_COLUMNS, row, strict=True))
        values["secret_in_query"] = bool(values["secret_in_query"])
        values["finished"] = bool(values["finished"])
        # The frozen dataclass's __init__ sets each field through object.__setattr__; filling the
        # instance dict at once is several times faster, which counts when 10,000 rows load at start.
        record = object.__new__(RunRecord)
        record.__dict__.update(values)
        return record
