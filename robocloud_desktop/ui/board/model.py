"""The live board's table: one row per run, updated in place as the monitor reports.

RunTableModel holds plain RunRecords from the core and presents them, newest first or in the order
the user asked for; what a state or result means comes from core.models. RunFilterProxy filters
the rows; run_table.configure_run_table sets up the QTableView that shows them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.visible import visible
from robocloud_desktop.ui import look

if TYPE_CHECKING:
    from robocloud_desktop.core.records import RunRecord

COL_PROFILE, COL_RUN_ID, COL_STATE, COL_RESULT, COL_ERROR_CODE, COL_DURATION, COL_STARTED, COL_LAST_CHECKED = range(8)
COL_STARTED_BY = 8  # last: a board's columns saved by an earlier version keep their places
COLUMN_COUNT = 9
STARTED_HERE = "here"

RUN_ID_ROLE = int(Qt.ItemDataRole.UserRole.value) + 1
SORT_ROLE = int(Qt.ItemDataRole.UserRole.value) + 2
OUTCOME_ROLE = int(Qt.ItemDataRole.UserRole.value) + 3

NO_PROFILE = "—"

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)

# Asked for every cell drawn: made once (combining Qt's flags costs more than the rest of the call).
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

_HEADERS: tuple[tuple[str, str], ...] = (
    ("Profile", "The profile the run was started from"),
    ("Run ID", "The run's id in Control Room"),
    ("State", "Where the run stands. Point at a cell for the raw state and result codes."),
    ("Result", "The raw result Control Room reported (OK, ERR, TERMINATED, TIMEOUT, ...)"),
    ("Error code", "The raw error code Control Room reported, if any"),
    ("Duration", "How long the run took, or has taken so far, as Control Room reports it"),
    ("Started", "When the run was started, here or elsewhere (local time)"),
    ("Last checked", "When the app last asked Control Room about the run (local time)"),
    ("Started by", "Who or what started the run: here (this computer), a schedule, a person, an e-mail, "
                   "or another API client"),
)
assert len(_HEADERS) == COLUMN_COUNT

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --- formatting, shared with the details pane ---------------------------------------------------


def state_label(record: RunRecord) -> str:
    """The human label of the run's state; a run with no status yet is queued."""
    return visible(record.label)


def raw_codes(record: RunRecord) -> str:
    """The codes as Control Room sent them, e.g. 'COMPL / ERR'."""
    if not record.state:
        return "no status yet"
    return visible(f"{record.state} / {record.result}" if record.result else record.state)


def format_duration(seconds: float | None) -> str:
    """'9 s', '2 min 5 s', '1 h 2 min'; empty when unknown."""
    if seconds is None:
        return ""
    try:
        total = round(float(seconds))
    except (TypeError, ValueError, OverflowError):  # NaN, inf or junk from an odd server: show it as is
        return str(seconds)
    if total < 0:
        return str(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def _local(timestamp: float | None) -> time.struct_time | None:
    if timestamp is None:
        return None
    try:
        return time.localtime(timestamp)
    except (OverflowError, OSError, ValueError):
        return None


def format_when(timestamp: float | None, now: float | None = None) -> str:
    """'14:03:22' today, 'Nov 28 14:03' this year, 'Nov 28 2024 14:03' before.

    Absolute rather than '12 s ago', so a cell does not go stale between updates.
    """
    moment = _local(timestamp)
    if moment is None:
        return ""
    today = _local(time.time() if now is None else now) or moment
    if (moment.tm_year, moment.tm_yday) == (today.tm_year, today.tm_yday):
        return time.strftime("%H:%M:%S", moment)
    day = f"{_MONTHS[moment.tm_mon - 1]} {moment.tm_mday}"
    if moment.tm_year != today.tm_year:
        day += f" {moment.tm_year}"
    return f"{day} {time.strftime('%H:%M', moment)}"


def format_full(timestamp: float | None) -> str:
    """Date and time, for tooltips and the details pane."""
    moment = _local(timestamp)
    return time.strftime("%Y-%m-%d %H:%M:%S", moment) if moment is not None else ""


# --- the model ------------------------------------------------------------------------------------


def _state_tooltip(record: RunRecord) -> str:
    lines = [raw_codes(record)]
    if record.error_code:
        lines.append(f"Error code: {visible(record.error_code)}")
    if record.last_error:
        lines.append(f"Last check failed: {record.last_error}")
    return "\n".join(lines)


def _display(record: RunRecord, column: int) -> str:
    if column == COL_PROFILE:
        return record.profile_name or NO_PROFILE
    if column == COL_RUN_ID:
        return visible(record.run_id)
    if column == COL_STATE:
        return state_label(record)
    if column == COL_RESULT:
        return visible(record.result)
    if column == COL_ERROR_CODE:
        return visible(record.error_code)
    if column == COL_DURATION:
        return format_duration(record.duration)
    if column == COL_STARTED:
        return format_when(record.triggered_at)
    if column == COL_STARTED_BY:
        return started_by(record)
    return format_when(record.last_checked)


def started_by(record: RunRecord) -> str:
    """Who or what started the run, in a word or a name: 'here' for this computer."""
    return visible(record.started_by) if record.started_by else STARTED_HERE


def _sort_key(record: RunRecord, column: int) -> str | float:
    # One type per column: None cannot be ordered against a float.
    if column == COL_DURATION:
        return -1.0 if record.duration is None else float(record.duration)
    if column == COL_STARTED:
        return float(record.triggered_at)
    if column == COL_LAST_CHECKED:
        return 0.0 if record.last_checked is None else float(record.last_checked)
    return _display(record, column).casefold()


def _tooltip(record: RunRecord, column: int) -> str | None:
    if column == COL_STATE:
        return _state_tooltip(record)
    if column == COL_PROFILE:
        return record.profile_name or "Started without a profile"
    if column == COL_STARTED:
        return format_full(record.triggered_at)
    if column == COL_LAST_CHECKED:
        return format_full(record.last_checked) or "Not checked yet"
    if column == COL_DURATION and record.duration is not None:
        return f"{record.duration:g} s"
    text = _display(record, column)
    return text or None


class RunTableModel(QAbstractTableModel):
    """Runs keyed by run id, newest first by row unless sorted by another column.

    Runs are kept oldest first in a list and, newest first, shown from its end: a new run is
    appended to the list yet appears as row 0, and a run's place in the list changes only when
    runs are removed, so updates are O(changed rows). Another order is a list of places, sorted
    here in Python in one go: through a sort proxy every comparison would ask data() twice, and
    10,000 runs would hold the window for half a second at each click on a header.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: list[RunRecord] = []  # oldest first
        self._slots: dict[str, int] = {}  # run id -> place in _records
        self._in_flight = 0
        self._sorting: tuple[int, Qt.SortOrder] | None = None  # None: newest first
        self._order: list[int] = []  # while sorting: row -> place in _records
        self._row_of: list[int] = []  # while sorting: place in _records -> row
        # Runs the user removed: a poll answered just before they were removed may still be on its
        # way to the board, and must not bring them back.
        self._removed: set[str] = set()

    def _slot(self, row: int) -> int:
        return self._order[row] if self._sorting else len(self._records) - 1 - row

    def _row(self, slot: int) -> int:
        return self._row_of[slot] if self._sorting else len(self._records) - 1 - slot

    # --- reading ------------------------------------------------------------------------------

    def record(self, row: int) -> RunRecord:
        return self._records[self._slot(row)]

    def record_for(self, run_id: str) -> RunRecord | None:
        slot = self._slots.get(run_id)
        return None if slot is None else self._records[slot]

    def row_of(self, run_id: str) -> int | None:
        slot = self._slots.get(run_id)
        return None if slot is None else self._row(slot)

    def in_flight(self) -> int:
        """Runs not ended yet (kept as a running count, so the status bar can ask often)."""
        return self._in_flight

    def records(self) -> list[RunRecord]:
        """Newest first, whatever order the rows are in."""
        return self._records[::-1]

    # --- writing ------------------------------------------------------------------------------

    def set_records(self, records: Iterable[RunRecord]) -> None:
        """Replace everything (initial load). A run id given twice keeps its last record."""
        by_id: dict[str, RunRecord] = {}
        for record in records:
            by_id[record.run_id] = record
        for run_id in self._removed.intersection(by_id):
            del by_id[run_id]
        self.beginResetModel()
        self._records = sorted(by_id.values(), key=lambda r: r.triggered_at)
        self._slots = {record.run_id: slot for slot, record in enumerate(self._records)}
        self._in_flight = sum(1 for r in self._records if not r.is_ended)
        self._arrange()
        self.endResetModel()

    def upsert(self, records: Iterable[RunRecord]) -> None:
        """Add new runs at the top and update known ones, telling views only about real changes."""
        changed: list[int] = []
        added: dict[str, RunRecord] = {}
        moved: list[int] = []  # places whose row the chosen order changes
        for record in records:
            slot = self._slots.get(record.run_id)
            if slot is None:
                if record.run_id not in self._removed:
                    added[record.run_id] = record
                continue
            old = self._records[slot]
            if old == record:
                continue
            self._in_flight += (not record.is_ended) - (not old.is_ended)
            self._records[slot] = record
            changed.append(slot)
            if self._sorting and _sort_key(old, self._sorting[0]) != _sort_key(record, self._sorting[0]):
                moved.append(slot)
        for first, last in _ranges(sorted(self._row(slot) for slot in changed)):
            self.dataChanged.emit(self.index(first, 0), self.index(last, COLUMN_COUNT - 1))
        if added:
            # One block at the top, newest first: the rows below move down by as many.
            self.beginInsertRows(QModelIndex(), 0, len(added) - 1)
            for record in sorted(added.values(), key=lambda r: r.triggered_at):
                self._slots[record.run_id] = len(self._records)
                self._records.append(record)
                self._in_flight += not record.is_ended
            if self._sorting:
                new = range(len(self._records) - 1, len(self._records) - 1 - len(added), -1)
                self._order[:0] = new
                self._row_of = _inverse(self._order)
                moved.extend(new)
            self.endInsertRows()
        if moved:  # then put the new and changed rows where the order wants them
            self._relayout(self._sorting, moved if len(moved) <= _FEW else None)

    def remove(self, run_ids: Iterable[str]) -> list[RunRecord]:
        """Take these runs off the board for good (later updates of them are ignored); returns the
        records removed. Each block of neighbouring rows goes in one step, from the bottom up, so the
        view keeps its place; scattered over more blocks than that is worth, the view is reset."""
        slots = {slot for slot in map(self._slots.get, run_ids) if slot is not None}
        removed = [self._records[slot] for slot in sorted(slots)]
        self._removed.update(record.run_id for record in removed)
        blocks = list(_ranges(sorted(self._row(slot) for slot in slots)))
        if len(blocks) > _BLOCKS:
            self.beginResetModel()
            self._drop(slots)
            self.endResetModel()
            return removed
        for first, last in reversed(blocks):
            self.beginRemoveRows(QModelIndex(), first, last)
            self._drop({self._slot(row) for row in range(first, last + 1)})
            self.endRemoveRows()
        return removed

    def restore(self, records: Iterable[RunRecord]) -> None:
        """Put back runs whose removal failed, each in its place (a rare case: the board is reset)."""
        records = list(records)
        self._removed.difference_update(record.run_id for record in records)
        self.set_records([*records, *self._records])  # the board's own newer records win

    def _drop(self, slots: set[int]) -> None:
        """Forget the runs at these places; the others keep their order."""
        kept = [slot for slot in range(len(self._records)) if slot not in slots]
        new_place = {old: new for new, old in enumerate(kept)}
        self._in_flight -= sum(not self._records[slot].is_ended for slot in slots)
        self._records = [self._records[slot] for slot in kept]
        self._slots = {record.run_id: slot for slot, record in enumerate(self._records)}
        if self._sorting:
            self._order = [new_place[slot] for slot in self._order if slot not in slots]
            self._row_of = _inverse(self._order)

    # --- sorting --------------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Started, newest first (or column -1) is the model's own order; any other is kept up to date
        as runs change and arrive. Equal values stay newest first."""
        newest_first = column < 0 or (column == COL_STARTED and order == Qt.SortOrder.DescendingOrder)
        wanted = None if newest_first else (column, order)
        if wanted != self._sorting:
            self._relayout(wanted)

    def _relayout(self, sorting: tuple[int, Qt.SortOrder] | None, moved: list[int] | None = None) -> None:
        """Rows in the order `sorting` wants; with `moved`, only those places can be out of it."""
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        slots = [self._slot(index.row()) for index in before]
        self._sorting = sorting
        if moved is None:
            self._arrange()
        else:
            self._reposition(moved)
        self.changePersistentIndexList(
            before, [self.index(self._row(slot), index.column()) for index, slot in zip(before, slots, strict=True)])
        self.layoutChanged.emit()

    def _arrange(self) -> None:
        if self._sorting is None:
            self._order, self._row_of = [], []
            return
        column, order = self._sorting
        records = self._records
        keys = [_sort_key(record, column) for record in records]
        # Python's sort is stable, in reverse too: equal values keep the newest-first start.
        self._order = sorted(range(len(records) - 1, -1, -1), key=keys.__getitem__,
                             reverse=order == Qt.SortOrder.DescendingOrder)
        self._row_of = _inverse(self._order)

    def _reposition(self, moved: list[int]) -> None:
        """Take the `moved` places out and put each back where it belongs: for a few runs that changed,
        cheaper than sorting them all. The result is the one _arrange() gives."""
        assert self._sorting is not None
        column, order = self._sorting
        records, descending = self._records, order == Qt.SortOrder.DescendingOrder

        def before(a: int, b: int) -> bool:
            key_a, key_b = _sort_key(records[a], column), _sort_key(records[b], column)
            if key_a != key_b:
                return key_a > key_b if descending else key_a < key_b  # type: ignore[operator]
            return a > b  # equal values: newest first, as the stable sort in _arrange() leaves them

        leaving = set(moved)
        rows = [slot for slot in self._order if slot not in leaving]
        for slot in leaving:
            low, high = 0, len(rows)
            while low < high:
                middle = (low + high) // 2
                if before(rows[middle], slot):
                    low = middle + 1
                else:
                    high = middle
            rows.insert(low, slot)
        self._order, self._row_of = rows, _inverse(rows)

    # --- Qt model interface -------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        # Asked for every cell drawn: roles are compared as plain ints (Qt's enum members cost more).
        row = index.row()
        if not 0 <= row < len(self._records):
            return None
        record, column = self._records[self._slot(row)], index.column()
        if role == _DISPLAY:
            return _display(record, column)
        if role == SORT_ROLE:  # the value the column sorts by
            return _sort_key(record, column)
        if role == RUN_ID_ROLE:
            return record.run_id
        if role == OUTCOME_ROLE:
            return record.outcome
        if role == _TOOLTIP:
            return _tooltip(record, column)
        if column == COL_STATE:
            if role == _DECORATION:
                return look.outcome_icon(record.outcome)
            if role == _FOREGROUND:
                return look.outcome_colour(record.outcome)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < COLUMN_COUNT:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADERS[section][1]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return _CELL_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags


_FEW = 64  # changed runs re-placed one by one; more than this, and sorting them all is quicker
_BLOCKS = 4  # each block of rows removed costs a pass over every run (5 ms for 10,000); more: one reset


def _inverse(order: list[int]) -> list[int]:
    inverse = [0] * len(order)
    for row, slot in enumerate(order):
        inverse[slot] = row
    return inverse


def _ranges(rows: list[int]) -> Iterable[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    if not rows:
        return
    first = last = rows[0]
    for row in rows[1:]:
        if row != last + 1:
            yield first, last
            first = row
        last = row
    yield first, last


# --- sorting and filtering ------------------------------------------------------------------------


class RunFilterProxy(QSortFilterProxyModel):
    """Profile, outcome, in-flight and text filters, all applied together. Rows keep the model's
    order: sorting is passed on to the model, which sorts without asking data() for every pair."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runs: RunTableModel | None = None
        self._profile_id: str | None = None
        self._outcomes: frozenset[Outcome] | None = None
        self._in_flight_only = False
        self._started_by: str | None = None  # a started_by_type, "" for runs started here; None: any
        self._text = ""
        self.setRecursiveFilteringEnabled(False)
        self.setDynamicSortFilter(True)  # a run whose state changes is filtered again at once

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self._runs is not None:
            self._runs.sort(column, order)

    def setSourceModel(self, model: RunTableModel | None) -> None:  # type: ignore[override]
        # The filters read RunRecords straight from the model: much cheaper than data() per field.
        if model is not None and not isinstance(model, RunTableModel):
            raise TypeError("RunFilterProxy filters a RunTableModel")
        self._runs = model
        super().setSourceModel(model)  # type: ignore[arg-type]  # Qt takes None (no model); its stubs do not

    def record_at(self, index: QModelIndex | QPersistentModelIndex) -> RunRecord | None:
        """The run behind a row of this proxy (for the selection -> details pane)."""
        if self._runs is None or not index.isValid():
            return None
        return self._runs.record(self.mapToSource(index).row())

    # --- filters ------------------------------------------------------------------------------

    def set_profile_filter(self, profile_id: str | None) -> None:
        if profile_id != self._profile_id:
            self._change_filter(_profile_id=profile_id)

    def set_outcome_filter(self, outcomes: Iterable[Outcome] | None) -> None:
        """None shows every outcome; a set shows only those (an empty set shows nothing)."""
        wanted = None if outcomes is None else frozenset(outcomes)
        if wanted != self._outcomes:
            self._change_filter(_outcomes=wanted)

    def set_in_flight_only(self, on: bool) -> None:
        if on != self._in_flight_only:
            self._change_filter(_in_flight_only=on)

    def set_started_by_filter(self, kind: str | None) -> None:
        """None shows every run; "" those started here; else those Control Room says a `kind` (schedule,
        user, email, api) started, elsewhere."""
        if kind != self._started_by:
            self._change_filter(_started_by=kind)

    def set_text_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        if needle != self._text:
            self._change_filter(_text=needle)

    def _change_filter(self, **settings: Any) -> None:
        # Qt 6.10+ wants the change bracketed (invalidateFilter is deprecated there); older Qt
        # re-filters the rows afterwards. Either way only rows are re-checked, never columns.
        bracketed = hasattr(self, "beginFilterChange") and hasattr(self, "endFilterChange")
        if bracketed:
            self.beginFilterChange()
        for name, value in settings.items():
            setattr(self, name, value)
        if bracketed:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if self._runs is None or source_parent.isValid():
            return False
        if (self._profile_id is None and self._outcomes is None and not self._in_flight_only and not self._text
                and self._started_by is None):
            return True  # asked for every row after each sort: no filter, nothing to look at
        record = self._runs.record(source_row)
        if self._profile_id is not None and record.profile_id != self._profile_id:
            return False
        if self._started_by is not None and (record.started_by_type if record.started_by else "") != self._started_by:
            return False
        outcome = record.outcome
        if self._outcomes is not None and outcome not in self._outcomes:
            return False
        if self._in_flight_only and record.is_ended:
            return False
        if self._text:
            haystack = (record.profile_name, record.run_id, state_label(record), record.result, record.error_code,
                        record.started_by)
            return any(self._text in field.casefold() for field in haystack)
        return True
