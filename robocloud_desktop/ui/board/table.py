"""How the run board's table looks: column widths from sample contents, run ids elided in the
middle, state icons that stay readable on a selected row, and newest first."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRectF, QSize, QSortFilterProxyModel, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

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
)
from robocloud_desktop.ui.empty_text import ShowsEmptyText

_Index = QModelIndex | QPersistentModelIndex

# Sample contents that size each column by the font in use rather than by fixed pixels.
_SAMPLES = {
    COL_PROFILE: "Invoice runs",
    COL_RUN_ID: "0123456789",  # ids are elided in the middle; the full id is in the tooltip
    COL_STATE: "Completed",  # longer labels (Needs attention, unknown states) elide; the tooltip has them whole
    COL_RESULT: "ERR",
    COL_ERROR_CODE: "TIMEOUT",  # longer codes elide; the details have them whole
    COL_DURATION: "1 min 5 s",
    COL_STARTED: "Nov 28 14:03",
    COL_LAST_CHECKED: "Last checked",
    COL_STARTED_BY: "schedule",  # a person's name elides; the tooltip has it whole
}
_PADDING = 14  # cell margins; the header's sort arrow fits over the samples' spare room
_ICON = 16
# Shown in the details of the run selected, and off the board at first, so the columns that tell runs
# apart fit a 1280 px window without a sideways scroll; a right-click on the header shows them.
HIDDEN_AT_FIRST = (COL_RESULT, COL_LAST_CHECKED)


def _column_menu(header: QHeaderView, point: QPoint) -> None:
    """Which columns show: every one can be shown again, and at least one always stays."""
    from PySide6.QtWidgets import QMenu  # made on first use

    menu = QMenu(header)
    menu.setObjectName("runColumnsMenu")
    model = header.model()
    shown = [column for column in range(header.count()) if not header.isSectionHidden(column)]
    for visual in range(header.count()):
        column = header.logicalIndex(visual)
        action = menu.addAction(str(model.headerData(column, Qt.Orientation.Horizontal) or ""))
        action.setCheckable(True)
        action.setChecked(column in shown)
        action.setEnabled(shown != [column])
        action.toggled.connect(lambda on, column=column: header.setSectionHidden(column, not on))
    menu.popup(header.mapToGlobal(point))


class _MiddleElide(QStyledItemDelegate):
    """Run ids differ at both ends; eliding the middle keeps the start and end readable."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: _Index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


class _StateBadge(QStyledItemDelegate):
    """On a selected row the state icon sits on a disc of the table's own background: its colours
    (a blue Running, a grey Queued) would otherwise melt into the selection's."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        super().paint(painter, option, index)
        view = option.widget
        if not isinstance(view, QAbstractItemView) or not view.selectionModel().isSelected(index):
            return
        # Loaded here rather than with the window: PySide builds all of QStyle's enums when it loads.
        from PySide6.QtWidgets import QStyle

        cell = QStyleOptionViewItem(option)
        self.initStyleOption(cell, index)
        if cell.icon.isNull():
            return
        spot = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemDecoration, cell, view)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(cell.palette.color(QPalette.ColorRole.Base))
        painter.drawEllipse(QRectF(spot).adjusted(-2, -2, 2, 2))
        cell.icon.paint(painter, spot, Qt.AlignmentFlag.AlignCenter)
        painter.restore()


class RunTableView(ShowsEmptyText, QTableView):
    """The run board's table, which says why it is empty."""

    # Until the run history is on the board, nothing is said: "no runs" would not be true yet, and
    # the board's first frame comes before the history (a tenth of a second, usually) is read.
    loading = True

    def text_when_empty(self) -> str:  # worked out as it paints: the filters and the runs change often
        if self.loading:
            return ""
        shown = self.model()
        source = shown.sourceModel() if isinstance(shown, QSortFilterProxyModel) else shown
        if source is not None and source.rowCount():
            return "No runs match these filters."
        return ("No runs yet. Pick a profile and press Trigger run (Ctrl+Enter): the run shows here "
                "and is followed until it ends.")

    def history_loaded(self) -> None:
        self.loading = False
        self.viewport().update()


def configure_run_table(view: QTableView) -> None:
    """Set up a view already given its model (a RunFilterProxy, or the RunTableModel itself)."""
    if view.model() is None or view.model().columnCount() != COLUMN_COUNT:
        raise ValueError("configure_run_table needs the view's model (the runs proxy) to be set first")
    view.setObjectName("runTable")
    view.setAccessibleName("Runs")
    view.setToolTip("Runs started from this computer, and runs of v1 processes started elsewhere, newest first. "
                    "Select one to see its details.")
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # several, to copy or remove
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setShowGrid(False)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)  # whole rows, read only: arrows move between runs, Tab leaves
    view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setIconSize(QSize(_ICON, _ICON))
    view.setItemDelegateForColumn(COL_RUN_ID, _MiddleElide(view))
    view.setItemDelegateForColumn(COL_STATE, _StateBadge(view))

    rows = view.verticalHeader()
    rows.hide()
    # Fixed row height: no per-row size hints to compute for thousands of rows.
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(max(view.fontMetrics().height() + 8, _ICON + 6))

    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    metrics = view.fontMetrics()
    for column, sample in _SAMPLES.items():
        title = str(view.model().headerData(column, Qt.Orientation.Horizontal) or "")
        width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title)) + _PADDING
        if column == COL_STATE:
            width += _ICON + 6
        header.resizeSection(column, width)
    header.setMinimumSectionSize(metrics.horizontalAdvance("Result") + _PADDING // 2)

    # Who started a run reads best beside when: the column came last in the model, so that a layout
    # saved before it existed is not taken for one with it. Last shown, it takes the room left over
    # (a person's whole name), and gives it up first when the board narrows.
    header.moveSection(header.visualIndex(COL_STARTED_BY), header.count() - 1)
    header.moveSection(header.visualIndex(COL_LAST_CHECKED), header.visualIndex(COL_STARTED_BY) - 1)
    for column in HIDDEN_AT_FIRST:
        header.hideSection(column)
    # The stretched section never shrinks below the size it had when stretching began: from its
    # least, it fits whatever room the others leave, and no sideways scroll bar is needed for it.
    header.resizeSection(COL_STARTED_BY, header.minimumSectionSize())
    header.setStretchLastSection(True)
    header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    header.customContextMenuRequested.connect(lambda point: _column_menu(header, point))

    # The indicator first: turning sorting on sorts by it, and the default is newest first.
    header.setSortIndicator(COL_STARTED, Qt.SortOrder.DescendingOrder)
    view.setSortingEnabled(True)
