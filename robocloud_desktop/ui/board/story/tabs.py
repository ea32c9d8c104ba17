"""The details pane's story tabs of a Control Room API v1 run: Steps, Work items, Console and Files.

Each tab's page is built the first time it is opened, and reads from Control Room only while it is
open: nothing is asked for a run until the user looks. Selecting runs one after another with a tab
open asks for the run the selection rests on, a moment later. A run of the per-process secret API
has no such story to read: its tabs say what is needed instead.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStackedLayout, QTabWidget, QWidget

from robocloud_desktop.core.target import API_V1

if TYPE_CHECKING:
    from robocloud_desktop.core.records import RunRecord
    from robocloud_desktop.ui.board.story.access import StoryAccess
    from robocloud_desktop.ui.board.story.console import ConsolePage
    from robocloud_desktop.ui.board.story.files import FilesPage
    from robocloud_desktop.ui.board.story.items import WorkItemsPage
    from robocloud_desktop.ui.board.story.source import StorySource
    from robocloud_desktop.ui.board.story.steps import StepsPage
    from robocloud_desktop.ui.board.story.widgets import StoryPage

STEPS_TAB, ITEMS_TAB, CONSOLE_TAB, FILES_TAB = "Steps", "Work items", "Console", "Files"
TITLES = (STEPS_TAB, ITEMS_TAB, CONSOLE_TAB, FILES_TAB)
SETTLE_MS = 150  # a selection moving over the board asks for the run it rests on, not every run it passes
LIVE_EVERY_S = 5.0  # an open tab of a run in flight is read again at most this often, as the run is checked
NEEDS_WORKSPACE_KEY = (
    "Steps, work items, the console and files need a workspace API key, and this run was started with a "
    "process secret: add a profile with a key through Add → From workspace… (keys are made in Control Room "
    "under Workspace → API keys)."
)
TIPS = {
    STEPS_TAB: "The run's steps: their state, how long they took, the error code of a failed one",
    ITEMS_TAB: "The run's work items, failed ones first with their exception, and their payloads",
    CONSOLE_TAB: "What each step wrote to its console",
    FILES_TAB: "The artifacts each step kept, the run's outputs, and a download",
}


class _Holder(QWidget):
    """A tab's place: a note, or the page once it is built."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setObjectName(f"storyTab_{title.replace(' ', '')}")
        self.note = QLabel(self)
        self.note.setObjectName(f"storyNote_{title.replace(' ', '')}")
        self.note.setAccessibleName(title)
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.note.setMargin(16)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pages = QStackedLayout(self)
        self.pages.addWidget(self.note)
        self.page: StoryPage | None = None

    def put(self, page: StoryPage) -> None:
        self.page = page
        self.pages.addWidget(page)

    def say(self, text: str) -> None:
        """Show `text` instead of the page; an empty text shows the page (if built)."""
        self.note.setText(text)
        self.pages.setCurrentWidget(self.page if not text and self.page is not None else self.note)


class StoryTabs(QObject):
    selectionChanged = Signal()  # the failed work items selected in Work items changed

    def __init__(self, tabs: QTabWidget, access: StoryAccess, parent: QWidget) -> None:
        super().__init__(parent)
        self._tabs, self._access = tabs, access
        self._source: StorySource | None = None
        self._record: RunRecord | None = None
        self.holders: dict[str, _Holder] = {}
        for title in TITLES:
            holder = _Holder(title, tabs)
            self.holders[title] = holder
            index = tabs.addTab(holder, title)
            tabs.setTabToolTip(index, TIPS[title])
        tabs.currentChanged.connect(lambda *_: self._open_current())
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._open_current)
        self._opened_at = 0.0  # when the open tab last read the run (monotonic)

    # --- pages --------------------------------------------------------------------------------

    @property
    def source(self) -> StorySource:
        if self._source is None:
            from robocloud_desktop.ui.board.story.source import StorySource

            self._source = StorySource(self._access, self)
        return self._source

    def page(self, title: str) -> StoryPage:
        """The tab's page, built now if need be."""
        holder = self.holders[title]
        if holder.page is None:
            holder.put(self._build(title))
            holder.say("" if self._is_v1(self._record) else holder.note.text())
        return holder.page  # type: ignore[return-value]

    def built(self, title: str) -> StoryPage | None:
        return self.holders[title].page

    def _build(self, title: str) -> StoryPage:
        source = self.source
        if title == STEPS_TAB:
            from robocloud_desktop.ui.board.story.steps import StepsPage

            steps = StepsPage(source)
            steps.consoleWanted.connect(self.show_console_of)
            return steps
        if title == ITEMS_TAB:
            from robocloud_desktop.ui.board.story.items import WorkItemsPage

            items = WorkItemsPage(source)
            items.selectionChanged.connect(self.selectionChanged)
            return items
        if title == CONSOLE_TAB:
            from robocloud_desktop.ui.board.story.console import ConsolePage

            return ConsolePage(source)
        from robocloud_desktop.ui.board.story.files import FilesPage

        return FilesPage(source)

    @property
    def steps(self) -> StepsPage:
        return self.page(STEPS_TAB)  # type: ignore[return-value]

    @property
    def work_items(self) -> WorkItemsPage:
        return self.page(ITEMS_TAB)  # type: ignore[return-value]

    @property
    def console(self) -> ConsolePage:
        return self.page(CONSOLE_TAB)  # type: ignore[return-value]

    @property
    def files(self) -> FilesPage:
        return self.page(FILES_TAB)  # type: ignore[return-value]

    def open_tab(self, title: str) -> None:
        """As a click on the tab: it shows, and its page reads what it shows (for a v1 run)."""
        self._tabs.setCurrentWidget(self.holders[title])

    def show_console_of(self, step_run_id: str) -> None:
        self.console.show_step(step_run_id)
        self.open_tab(CONSOLE_TAB)

    def _current_title(self) -> str:
        holder = self._tabs.currentWidget()
        return holder.title if isinstance(holder, _Holder) else ""

    # --- the run shown ------------------------------------------------------------------------

    @staticmethod
    def _is_v1(record: RunRecord | None) -> bool:
        return record is not None and record.api == API_V1

    def show_record(self, record: RunRecord | None) -> None:
        previous, self._record = self._record, record
        if record is None:
            return
        v1 = self._is_v1(record)
        for holder in self.holders.values():
            holder.say("" if v1 else NEEDS_WORKSPACE_KEY)
        if not v1:
            self._settle.stop()
            return
        same_run = previous is not None and previous.run_id == record.run_id
        if same_run and previous is not None and previous.state == record.state:
            # A run in flight moves on between its states (a step ends, an item fails): an open list
            # follows it as it is checked, now and then. The console reads on as it is scrolled.
            if (not record.is_ended and self._current_title() in (STEPS_TAB, ITEMS_TAB, FILES_TAB)
                    and time.monotonic() - self._opened_at >= LIVE_EVERY_S):
                self._settle.start()
            return
        if not same_run:
            # Nothing of the run shown before may stay on screen, in any tab.
            for holder in self.holders.values():
                if holder.page is not None and holder.page.record is not None:
                    holder.page.reset()
                    holder.page.record = None
        if self._current_title():
            self._settle.start()

    def _open_current(self) -> None:
        title, record = self._current_title(), self._record
        if not title or not self._is_v1(record):
            return
        self._settle.stop()
        assert record is not None
        self._opened_at = time.monotonic()
        self.page(title).open(record)

    def refresh(self) -> None:
        """Read the open tab again (the user acted on the run)."""
        title, record = self._current_title(), self._record
        if title and self._is_v1(record):
            page = self.page(title)
            if page.record is not None:
                assert record is not None
                page.record = record
                page.refresh()

    def selected_failed(self) -> list[str]:
        """The failed work items selected in the Work items tab, for the run shown."""
        page = self.built(ITEMS_TAB)
        if page is None or self._record is None or not page.shows(self._record):
            return []
        return page.selected_failed()  # type: ignore[attr-defined]

    def shutdown(self) -> None:
        if self._source is not None:
            self._source.shutdown()
