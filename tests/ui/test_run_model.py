"""RunTableModel and RunFilterProxy: Qt's model contract, cheap updates, sorting and filters."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from itertools import pairwise

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QIcon, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QTableView

from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.ui import look
from robocloud_desktop.ui.board.model import (
    COL_DURATION,
    COL_ERROR_CODE,
    COL_LAST_CHECKED,
    COL_PROFILE,
    COL_RESULT,
    COL_RUN_ID,
    COL_STARTED,
    COL_STARTED_BY,
    COL_STATE,
    COLUMN_COUNT,
    OUTCOME_ROLE,
    RUN_ID_ROLE,
    SORT_ROLE,
    RunFilterProxy,
    RunTableModel,
    format_duration,
    format_when,
)
from robocloud_desktop.ui.board.table import configure_run_table

NOW = 1_764_000_000.0  # a fixed moment, so times and order are the same on every run

# (state, result, error code) covering every outcome, unknown states included.
CODES = [
    ("", "", ""), ("INI", "", ""), ("IND", "", ""), ("PEND", "", ""), ("IP", "", ""),
    ("COMPL", "OK", ""), ("COMPL", "", ""), ("COMPL", "ERR", "WORKER_CRASH"), ("COMPL", "TIMEOUT", ""),
    ("COMPL", "TERMINATED", ""), ("COMPL", "WEIRD", ""), ("PENDING", "", ""), ("STOPPING", "", ""),
    ("weird state", "??", "x"),
]


def make_record(i: int, state: str = "", result: str = "", error_code: str = "", **changes: object) -> RunRecord:
    record = RunRecord(
        run_id=f"run-{i:05d}", profile_id=f"profile-{i % 3}", profile_name=f"Profile {i % 3}",
        base_url="https://api.eu1.robocloud.eu", workspace_id="ws-1", process_id="proc-1",
        secret_in_query=False, work_item_id=f"wi-{i}", payload="{}", payload_sha256="0" * 64,
        triggered_at=NOW - 60 * i, state=state, result=result, error_code=error_code,
    )
    return replace(record, **changes)  # type: ignore[arg-type]


def varied(count: int) -> list[RunRecord]:
    return [make_record(i, *CODES[i % len(CODES)], duration=None if i % 4 == 0 else i * 7.5,
                        last_checked=None if i % 5 == 0 else NOW + i) for i in range(count)]


def board_view(qtbot, model: RunTableModel | RunFilterProxy) -> QTableView:
    """A table set up as the window's run board, showing `model`."""
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    configure_run_table(view)
    return view


def run_ids(proxy: RunFilterProxy) -> list[str]:
    return [proxy.index(row, 0).data(RUN_ID_ROLE) for row in range(proxy.rowCount())]


@pytest.fixture
def model() -> RunTableModel:
    model = RunTableModel()
    model.set_records(varied(300))
    return model


@pytest.fixture
def proxy(model: RunTableModel) -> RunFilterProxy:
    proxy = RunFilterProxy()
    proxy.setSourceModel(model)
    return proxy


# --- the Qt model contract -----------------------------------------------------------------------


def test_model_passes_qt_model_tester(qtmodeltester, model: RunTableModel) -> None:
    qtmodeltester.check(model)
    model.upsert([make_record(1000, "IP"), replace(model.record(3), state="COMPL", result="OK")])
    qtmodeltester.check(model)


def test_proxy_passes_qt_model_tester(qtmodeltester, proxy: RunFilterProxy) -> None:
    qtmodeltester.check(proxy)
    proxy.set_text_filter("profile 1")
    proxy.set_outcome_filter({Outcome.FAILED, Outcome.UNKNOWN})
    qtmodeltester.check(proxy)


def test_sorted_model_passes_qt_model_tester_through_updates(qtmodeltester, model: RunTableModel) -> None:
    model.sort(COL_STATE, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)
    model.upsert([make_record(1000, "IP"), replace(model.record_for("run-00003"), state="COMPL", result="OK")])
    qtmodeltester.check(model)
    model.sort(COL_STARTED, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)


def test_empty_model_passes_qt_model_tester(qtmodeltester) -> None:
    qtmodeltester.check(RunTableModel())


# --- what the cells say --------------------------------------------------------------------------


def cell(model: RunTableModel, row: int, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    return model.index(row, column).data(role)


def test_cells_show_labels_and_keep_raw_codes_in_the_tooltip(model: RunTableModel) -> None:
    failed = make_record(1, "COMPL", "ERR", "WORKER_CRASH", duration=125, last_error="HTTP 503")
    model.set_records([failed])
    assert cell(model, 0, COL_PROFILE) == "Profile 1"
    assert cell(model, 0, COL_RUN_ID) == "run-00001"
    assert cell(model, 0, COL_STATE) == "Failed"
    assert cell(model, 0, COL_RESULT) == "ERR"
    assert cell(model, 0, COL_ERROR_CODE) == "WORKER_CRASH"
    assert cell(model, 0, COL_DURATION) == "2 min 5 s"
    tip = cell(model, 0, COL_STATE, Qt.ItemDataRole.ToolTipRole)
    assert "COMPL / ERR" in tip and "HTTP 503" in tip
    assert cell(model, 0, COL_STATE, OUTCOME_ROLE) is Outcome.FAILED
    assert cell(model, 0, COL_RESULT, RUN_ID_ROLE) == "run-00001"
    assert isinstance(cell(model, 0, COL_STATE, Qt.ItemDataRole.DecorationRole), QIcon)
    assert cell(model, 0, COL_STATE, Qt.ItemDataRole.ForegroundRole) == look.outcome_colour(Outcome.FAILED)
    assert cell(model, 0, COL_RESULT, Qt.ItemDataRole.DecorationRole) is None


@pytest.mark.parametrize(("state", "result", "label"), [
    ("", "", "Queued"), ("PEND", "", "Queued"), ("IP", "", "Running"), ("COMPL", "", "Completed"),
    ("PENDING", "", "Needs attention"), ("COMPL", "WEIRD", "Completed (result WEIRD)"),
    ("STOPPING", "", "Unknown state STOPPING"),
])
def test_state_column_uses_the_core_label(model: RunTableModel, state: str, result: str, label: str) -> None:
    model.set_records([make_record(0, state, result)])
    assert cell(model, 0, COL_STATE) == label
    assert isinstance(cell(model, 0, COL_STATE, Qt.ItemDataRole.ForegroundRole), QColor)


def test_profile_without_name_shows_a_dash(model: RunTableModel) -> None:
    model.set_records([make_record(0, profile_name="")])
    assert cell(model, 0, COL_PROFILE) == "—"


def test_every_role_of_every_cell_answers_without_raising(model: RunTableModel) -> None:
    roles = [*range(0, 15), RUN_ID_ROLE, SORT_ROLE, OUTCOME_ROLE]
    for row in range(len(CODES)):
        for column in range(COLUMN_COUNT):
            for role in roles:
                model.index(row, column).data(role)


@pytest.mark.parametrize(("seconds", "text"), [
    (None, ""), (0.4, "0 s"), (9, "9 s"), (60, "1 min"), (125, "2 min 5 s"), (3600, "1 h"), (3720, "1 h 2 min"),
    (float("nan"), "nan"), (-3, "-3"),
])
def test_format_duration(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


def test_format_when_is_a_clock_time_today_and_a_date_before() -> None:
    now = datetime(2025, 11, 28, 15, 0, 0).timestamp()
    assert format_when(datetime(2025, 11, 28, 14, 3, 22).timestamp(), now) == "14:03:22"
    assert format_when(datetime(2025, 11, 2, 14, 3, 22).timestamp(), now) == "Nov 2 14:03"
    assert format_when(datetime(2024, 11, 28, 14, 3, 22).timestamp(), now) == "Nov 28 2024 14:03"
    assert format_when(None, now) == ""
    assert format_when(1e30, now) == ""


def test_headers_have_names_and_tooltips(model: RunTableModel) -> None:
    names = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(COLUMN_COUNT)]
    assert names == ["Profile", "Run ID", "State", "Result", "Error code", "Duration", "Started", "Last checked",
                     "Started by"]
    for column in range(COLUMN_COUNT):
        assert model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)


def test_sort_role_gives_one_type_per_column(model: RunTableModel) -> None:
    for column, kind in ((COL_DURATION, float), (COL_STARTED, float), (COL_LAST_CHECKED, float), (COL_STATE, str)):
        assert {type(cell(model, row, column, SORT_ROLE)) for row in range(model.rowCount())} == {kind}


# --- updates -------------------------------------------------------------------------------------


def test_lookups_by_run_id(model: RunTableModel) -> None:
    assert model.row_of("run-00007") == 7
    assert model.record_for("run-00007") == model.record(7)
    assert model.row_of("nope") is None
    assert model.record_for("nope") is None


def test_upsert_reports_only_the_rows_that_changed(qtbot, model: RunTableModel) -> None:
    model.set_records([make_record(i, "IP") for i in range(100)])
    changed_rows = [5, 40, 41]
    spy: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda tl, br, roles=(): spy.append((tl.row(), br.row(), tl.column(), br.column())))
    updates = [make_record(i, "IP") for i in range(100)]  # equal to what the model holds
    for row in changed_rows:
        updates[row] = make_record(row, "COMPL", "OK", duration=12)
    with qtbot.assertNotEmitted(model.rowsInserted), qtbot.assertNotEmitted(model.modelReset):
        model.upsert(updates)
    reported = {row for first, last, _, _ in spy for row in range(first, last + 1)}
    assert reported == set(changed_rows)
    assert all(left == 0 and right == COLUMN_COUNT - 1 for _, _, left, right in spy)
    assert len(spy) <= len(changed_rows)
    assert model.record(40).state == "COMPL"


def test_upsert_of_unchanged_records_emits_nothing(qtbot, model: RunTableModel) -> None:
    same = [model.record(row) for row in range(model.rowCount())]
    with qtbot.assertNotEmitted(model.dataChanged), qtbot.assertNotEmitted(model.rowsInserted):
        model.upsert(same)


def test_upsert_inserts_new_runs_at_the_top_as_one_block(qtbot, model: RunTableModel) -> None:
    before = model.rowCount()
    oldest = model.record(before - 1)
    new = [make_record(5000 + i, "INI", triggered_at=NOW + 100 + i) for i in range(3)]
    with qtbot.waitSignal(model.rowsInserted, check_params_cb=lambda parent, first, last: (
            not parent.isValid() and first == 0 and last == 2)):
        model.upsert([*new, new[0]])  # a run given twice is inserted once
    assert model.rowCount() == before + 3
    assert [model.row_of(r.run_id) for r in new] == [2, 1, 0]  # newest first
    assert model.row_of(oldest.run_id) == before + 2 and model.record(before + 2) == oldest


def test_in_flight_follows_updates(model: RunTableModel) -> None:
    model.set_records([make_record(0, "IP"), make_record(1, "COMPL", "OK"), make_record(2, "PENDING")])
    assert model.in_flight() == 1
    model.upsert([make_record(0, "COMPL", "ERR"), make_record(3, ""), make_record(4, "STOPPING")])
    assert model.in_flight() == 2  # the new queued run and the unknown state
    assert model.in_flight() == sum(not model.record(r).is_ended for r in range(model.rowCount()))


def test_many_updates_change_rows_without_resetting_the_view(qtbot) -> None:
    model = RunTableModel()
    model.set_records(make_record(i, "IP", duration=float(i)) for i in range(10_000))
    proxy = RunFilterProxy()
    proxy.setSourceModel(model)
    view = board_view(qtbot, proxy)
    view.resize(900, 400)
    view.show()
    resets: list[None] = []
    model.modelReset.connect(lambda: resets.append(None))
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom, *_: changed.append((top.row(), bottom.row())))
    for tick in range(10):
        model.upsert(make_record(i, "IP", duration=float(i + tick + 1)) for i in range(tick * 50, tick * 50 + 50))
    qtbot.wait(0)  # let the view repaint once
    assert not resets  # the view keeps its scroll position and selection
    assert sum(bottom - top + 1 for top, bottom in changed) == 500


# --- removing runs -------------------------------------------------------------------------------


def shown(model: RunTableModel) -> list[str]:
    return [model.record(row).run_id for row in range(model.rowCount())]


@pytest.mark.parametrize("sorting", [None, (COL_STATE, Qt.SortOrder.AscendingOrder),
                                     (COL_DURATION, Qt.SortOrder.DescendingOrder)])
def test_removed_runs_leave_the_board_and_the_rest_keep_their_order(qtbot, qtmodeltester, model: RunTableModel,
                                                                    sorting) -> None:
    if sorting:
        model.sort(*sorting)
    before = shown(model)
    gone = {before[0], before[1], before[57], before[-1], "not on the board"}
    blocks: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda parent, first, last: blocks.append((first, last)))
    with qtbot.assertNotEmitted(model.modelReset):
        removed = model.remove(gone)
    assert {record.run_id for record in removed} == gone - {"not on the board"}
    assert shown(model) == [run_id for run_id in before if run_id not in gone]
    assert blocks == [(299, 299), (57, 57), (0, 1)]  # from the bottom up: the rows above keep their numbers
    assert all(model.record_for(run_id) is None and model.row_of(run_id) is None for run_id in gone)
    assert all(model.row_of(run_id) == row for row, run_id in enumerate(shown(model)))
    assert model.in_flight() == sum(not model.record(r).is_ended for r in range(model.rowCount()))
    qtmodeltester.check(model)
    model.upsert([replace(model.record(3), state="COMPL", result="OK"), make_record(1000, "IP")])
    qtmodeltester.check(model)


def test_a_late_update_does_not_bring_a_removed_run_back(model: RunTableModel) -> None:
    run = model.record(4)
    model.remove([run.run_id])
    model.upsert([replace(run, state="COMPL", result="OK")])  # a poll answered just before the removal
    model.set_records([run, model.record(0)])  # the history read while it was being removed
    assert shown(model) == [model.record(0).run_id]
    assert model.record_for(run.run_id) is None


def test_a_run_whose_removal_failed_comes_back_in_its_place(model: RunTableModel) -> None:
    before = shown(model)
    removed = model.remove(before[10:13])
    model.restore(removed)
    assert shown(model) == before
    model.upsert([replace(removed[0], state="COMPL", result="ERR")])
    assert model.record_for(removed[0].run_id).result == "ERR"


def test_removing_thousands_of_scattered_runs_resets_the_board_once(qtbot) -> None:
    model = RunTableModel()
    model.set_records(varied(10_000))
    view = board_view(qtbot, model)
    view.show()
    ended = [record.run_id for record in model.records() if record.is_ended]
    with qtbot.waitSignal(model.modelReset), qtbot.assertNotEmitted(model.rowsRemoved):
        model.remove(ended)
    assert model.rowCount() == 10_000 - len(ended) == model.in_flight()


# --- sorting and filtering -----------------------------------------------------------------------


def test_newest_first_by_default(proxy: RunFilterProxy, model: RunTableModel) -> None:
    started = [proxy.index(row, COL_STARTED).data(SORT_ROLE) for row in range(proxy.rowCount())]
    assert started == sorted(started, reverse=True)
    model.upsert([make_record(9999, "INI", triggered_at=NOW + 1000)])
    assert run_ids(proxy)[0] == "run-09999"  # appended last, shown first


def test_sorting_by_duration_puts_unknown_durations_first(proxy: RunFilterProxy) -> None:
    proxy.sort(COL_DURATION, Qt.SortOrder.AscendingOrder)
    values = [proxy.index(row, COL_DURATION).data(SORT_ROLE) for row in range(proxy.rowCount())]
    assert values == sorted(values)
    assert proxy.index(0, COL_DURATION).data() == ""


def test_sort_order_follows_updates(proxy: RunFilterProxy, model: RunTableModel) -> None:
    proxy.sort(COL_DURATION, Qt.SortOrder.DescendingOrder)
    model.upsert([replace(model.record_for(f"run-{n:05d}"), duration=10_000.0 + n) for n in (7, 150, 299)])
    assert run_ids(proxy)[:3] == ["run-00299", "run-00150", "run-00007"]


@pytest.mark.parametrize("column", range(COLUMN_COUNT))
@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_every_column_sorts_both_ways_with_ties_newest_first(proxy: RunFilterProxy, column: int,
                                                           order: Qt.SortOrder) -> None:
    proxy.sort(column, order)
    rows = [(proxy.index(r, column).data(SORT_ROLE), proxy.index(r, COL_STARTED).data(SORT_ROLE))
            for r in range(proxy.rowCount())]
    descending = order == Qt.SortOrder.DescendingOrder
    assert [key for key, _ in rows] == sorted((key for key, _ in rows), reverse=descending)
    for (key, started), (next_key, next_started) in pairwise(rows):
        if key == next_key:
            assert started > next_started  # equal values: newest first


def test_text_columns_sort_ignoring_case(model: RunTableModel, proxy: RunFilterProxy) -> None:
    model.set_records([make_record(1, profile_name="beta"), make_record(2, profile_name="Alpha"),
                       make_record(3, profile_name="Gamma")])
    proxy.sort(COL_PROFILE, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, COL_PROFILE).data() for r in range(3)] == ["Alpha", "beta", "Gamma"]


def test_a_new_run_takes_its_place_in_the_chosen_order(proxy: RunFilterProxy, model: RunTableModel) -> None:
    proxy.sort(COL_PROFILE, Qt.SortOrder.AscendingOrder)
    model.upsert([make_record(5000, "INI", profile_name="Profile 1", triggered_at=NOW + 500)])
    ids = run_ids(proxy)
    row = ids.index("run-05000")
    assert proxy.index(row - 1, COL_PROFILE).data() == "Profile 0"
    assert proxy.index(row + 1, COL_PROFILE).data() == "Profile 1"  # the newest of its profile: first


@pytest.mark.parametrize("column", [COL_STATE, COL_DURATION, COL_LAST_CHECKED, COL_PROFILE])
def test_a_sorted_board_stays_in_order_through_live_updates(model: RunTableModel, column: int) -> None:
    model.sort(column, Qt.SortOrder.DescendingOrder)
    for batch in range(6):  # a few changes re-placed one by one, then many at once, and new runs
        count = 5 if batch % 2 else 120
        changes = [replace(model.record_for(f"run-{(batch * 37 + i * 11) % 300:05d}"), state="COMPL", result="OK",
                           duration=float((batch * 7 + i) % 50), last_checked=NOW + 1000 * batch + i,
                           profile_name=f"Profile {(batch + i) % 5}") for i in range(count)]
        model.upsert([*changes, make_record(1000 + batch, "INI", triggered_at=NOW + batch)])
        fresh = RunTableModel()
        fresh.set_records(model.records())
        fresh.sort(column, Qt.SortOrder.DescendingOrder)
        assert [model.record(r).run_id for r in range(model.rowCount())] == \
            [fresh.record(r).run_id for r in range(fresh.rowCount())]


def test_the_selected_run_stays_selected_when_sorting(qtbot, proxy: RunFilterProxy) -> None:
    view = board_view(qtbot, proxy)
    view.selectRow(42)
    chosen = proxy.record_at(view.currentIndex()).run_id
    for column in (COL_STATE, COL_DURATION, COL_PROFILE):
        view.sortByColumn(column, Qt.SortOrder.AscendingOrder)
        assert proxy.record_at(view.currentIndex()).run_id == chosen
        assert view.selectionModel().isRowSelected(view.currentIndex().row())


def test_profile_filter(proxy: RunFilterProxy) -> None:
    proxy.set_profile_filter("profile-2")
    assert proxy.rowCount() == 100
    assert all(proxy.record_at(proxy.index(r, 0)).profile_id == "profile-2" for r in range(proxy.rowCount()))
    proxy.set_profile_filter(None)
    assert proxy.rowCount() == 300


def test_outcome_filter_for_problems(proxy: RunFilterProxy) -> None:
    proxy.set_outcome_filter({Outcome.FAILED, Outcome.NEEDS_ATTENTION})
    outcomes = {proxy.index(r, 0).data(OUTCOME_ROLE) for r in range(proxy.rowCount())}
    assert outcomes == {Outcome.FAILED, Outcome.NEEDS_ATTENTION}
    proxy.set_outcome_filter(set())
    assert proxy.rowCount() == 0
    proxy.set_outcome_filter(None)
    assert proxy.rowCount() == 300


def test_in_flight_only(proxy: RunFilterProxy, model: RunTableModel) -> None:
    proxy.set_in_flight_only(True)
    assert proxy.rowCount() == model.in_flight()
    assert not any(proxy.index(r, 0).data(OUTCOME_ROLE).is_ended for r in range(proxy.rowCount()))
    # A run that ends leaves the filtered view at once (dynamic filtering).
    first = proxy.record_at(proxy.index(0, 0))
    model.upsert([replace(first, state="COMPL", result="OK")])
    assert first.run_id not in run_ids(proxy)


def test_text_filter_is_case_insensitive_over_the_visible_texts(proxy: RunFilterProxy) -> None:
    proxy.set_text_filter("RUN-00042")
    assert run_ids(proxy) == ["run-00042"]
    proxy.set_text_filter("worker_crash")
    assert proxy.rowCount() > 0
    assert all(proxy.index(r, COL_ERROR_CODE).data() == "WORKER_CRASH" for r in range(proxy.rowCount()))
    proxy.set_text_filter("needs attention")  # the label, not the raw PENDING
    assert {proxy.index(r, 0).data(OUTCOME_ROLE) for r in range(proxy.rowCount())} == {Outcome.NEEDS_ATTENTION}
    proxy.set_text_filter("  ")
    assert proxy.rowCount() == 300


def test_filters_combine(proxy: RunFilterProxy) -> None:
    proxy.set_profile_filter("profile-1")
    proxy.set_outcome_filter({Outcome.FAILED})
    proxy.set_text_filter("timeout")
    records = [proxy.record_at(proxy.index(r, 0)) for r in range(proxy.rowCount())]
    assert records
    assert all(r.profile_id == "profile-1" and r.outcome is Outcome.FAILED and r.result == "TIMEOUT"
               for r in records)


def test_record_at_an_invalid_index_is_none(proxy: RunFilterProxy) -> None:
    assert proxy.record_at(QModelIndex()) is None


def test_proxy_refuses_another_model() -> None:
    from PySide6.QtGui import QStandardItemModel

    with pytest.raises(TypeError):
        RunFilterProxy().setSourceModel(QStandardItemModel())  # type: ignore[arg-type]


# --- the table view ------------------------------------------------------------------------------


def test_configure_run_table(qtbot, proxy: RunFilterProxy) -> None:
    view = board_view(qtbot, proxy)
    assert view.objectName() == "runTable"
    assert view.accessibleName() == "Runs"
    assert view.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows
    assert view.selectionMode() == QAbstractItemView.SelectionMode.ExtendedSelection
    assert view.isSortingEnabled() and view.alternatingRowColors()
    assert view.verticalHeader().isHidden()
    assert view.horizontalHeader().stretchLastSection()
    # Turning sorting on must keep newest first, not jump to the first column.
    assert view.horizontalHeader().sortIndicatorSection() == COL_STARTED
    assert proxy.sortColumn() == -1  # newest first is the model's own order: nothing to sort
    assert view.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    started = [proxy.index(row, COL_STARTED).data(SORT_ROLE) for row in range(proxy.rowCount())]
    assert started == sorted(started, reverse=True)


def test_the_boards_columns_fit_and_a_right_click_on_the_header_shows_the_others(qtbot, proxy) -> None:
    view = board_view(qtbot, proxy)
    view.resize(600, 300)  # the board in a 1280 px window
    view.show()
    qtbot.waitExposed(view)
    header = view.horizontalHeader()
    assert [header.isSectionHidden(c) for c in (COL_RESULT, COL_LAST_CHECKED)] == [True, True]
    assert not view.horizontalScrollBar().isVisible()
    assert header.logicalIndex(header.count() - 1) == COL_STARTED_BY  # last: it takes the room left over

    point = header.sectionViewportPosition(COL_STATE) + 5
    QApplication.sendEvent(header.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(point, 5),
                                                     header.mapToGlobal(QPoint(point, 5))))
    menu = QApplication.activePopupWidget()
    assert menu is not None and menu.objectName() == "runColumnsMenu"
    by_title = {action.text(): action for action in menu.actions()}
    assert not by_title["Result"].isChecked() and by_title["Profile"].isChecked()
    by_title["Result"].trigger()
    menu.close()
    assert not header.isSectionHidden(COL_RESULT)


def test_configure_run_table_needs_the_model_first(qtbot) -> None:
    view = QTableView()
    qtbot.addWidget(view)
    with pytest.raises(ValueError):
        configure_run_table(view)


def test_a_selected_rows_state_icon_keeps_its_colours(qtbot) -> None:
    model = RunTableModel()
    model.set_records([make_record(0, "INI"), make_record(1, "IP")])  # Queued (grey), Running (blue)
    view = board_view(qtbot, model)
    view.resize(900, 200)
    view.show()
    qtbot.waitExposed(view)
    view.selectRow(0)
    base = view.palette().color(QPalette.ColorRole.Base).rgb()
    grey = QColor("#8a8f98").rgb()  # queued.svg's stroke

    def icon_pixels(row: int) -> set[int]:
        cell = view.visualRect(model.index(row, COL_STATE))
        image = view.viewport().grab().toImage()
        # The icon sits at the cell's left, centred in its height.
        return {image.pixel(x, y) & 0xFFFFFF | 0xFF000000 for x in range(cell.left(), cell.left() + 26)
                for y in range(cell.top(), cell.bottom())}

    # Selected, the grey clock sits on a disc of the table's background and keeps its own grey; the
    # selection's tint would blend it into the blue.
    selected = icon_pixels(0)
    assert base in selected and grey in selected


def test_ids_and_codes_from_a_server_show_their_invisible_characters_as_escapes(qtbot) -> None:
    model = RunTableModel()
    model.set_records([make_record(1, "COMPL", "ERR", "BAD\u202eCODE", run_id="run-\u200b1")])
    shown = [model.data(model.index(0, column)) for column in range(model.columnCount())]
    assert "run-\\u200b1" in shown and "BAD\\u202eCODE" in shown
    assert model.data(model.index(0, COL_RUN_ID), RUN_ID_ROLE) == "run-\u200b1"  # the real id for requests


def test_who_started_a_run_is_shown_sorted_and_filtered(qtbot) -> None:
    model = RunTableModel()
    model.set_records([make_record(1), make_record(2, started_by="schedule", started_by_type="schedule"),
                       make_record(3, started_by="Ann Smith", started_by_type="user"),
                       make_record(4, started_by="e-mail", started_by_type="email")])
    shown = {model.data(model.index(row, COL_RUN_ID)): model.data(model.index(row, COL_STARTED_BY))
             for row in range(model.rowCount())}
    assert shown == {"run-00001": "here", "run-00002": "schedule", "run-00003": "Ann Smith", "run-00004": "e-mail"}
    proxy = RunFilterProxy()
    proxy.setSourceModel(model)
    for kind, expected in ((None, 4), ("", 1), ("schedule", 1), ("user", 1), ("email", 1), ("api", 0)):
        proxy.set_started_by_filter(kind)
        assert proxy.rowCount() == expected, kind
    proxy.set_started_by_filter(None)
    proxy.set_text_filter("ann")
    assert proxy.rowCount() == 1
