"""The main window: profiles on the left, the payload and Trigger on top, the live run board below."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSettings,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from robocloud_desktop import __version__
from robocloud_desktop.core.errors import CannotConnect, OutcomeUnknown, ProcessApiError, RequestTimeout, ServerError
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.profiles import Profile
from robocloud_desktop.core.secrets import SecretState, SecretStoreError
from robocloud_desktop.startup import startup_done
from robocloud_desktop.ui.board.details_hint import details_placeholder
from robocloud_desktop.ui.board.model import RunFilterProxy, RunTableModel, format_full
from robocloud_desktop.ui.board.table import RunTableView, configure_run_table
from robocloud_desktop.ui.look import icon, outcome_colour
from robocloud_desktop.ui.payload.editor import PayloadEditor
from robocloud_desktop.ui.payload.saving import PayloadSaver
from robocloud_desktop.ui.profiles.panel import ProfileList
from robocloud_desktop.ui.screen_fit import keep_on_screen, place_first
from robocloud_desktop.ui.services import Services
from robocloud_desktop.ui.workers import Background

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtGui import QAction, QCloseEvent
    from PySide6.QtWidgets import QDialog, QMessageBox

    from robocloud_desktop.core.records import RunRecord
    from robocloud_desktop.ui.banner import Banner
    from robocloud_desktop.ui.board.actions import BoardActions
    from robocloud_desktop.ui.board.details import RunDetails
    from robocloud_desktop.ui.board.runs_elsewhere import RunsFromElsewhere
    from robocloud_desktop.ui.bridge import MonitorBridge
    from robocloud_desktop.ui.elided_label import ElidedLabel
    from robocloud_desktop.ui.help_actions import HelpActions
    from robocloud_desktop.ui.history_recovery import HistoryRecovery
    from robocloud_desktop.ui.notifications import Notifier
    from robocloud_desktop.ui.profiles.watch import ProfileFileWatcher

STATE_FILTERS: list[tuple[str, Any]] = [
    ("All runs", None),
    ("In flight", "in_flight"),
    ("Problems", {Outcome.FAILED, Outcome.NEEDS_ATTENTION, Outcome.COMPLETED_UNKNOWN, Outcome.UNKNOWN, Outcome.GONE}),
    ("Succeeded", {Outcome.SUCCEEDED}),
]

# Who started the runs shown: None any, "" this computer, else Control Room's word for who started it.
STARTED_BY_FILTERS: list[tuple[str, str | None]] = [
    ("Started by anyone", None),
    ("Started here", ""),
    ("By a schedule", "schedule"),
    ("By a person", "user"),
    ("By e-mail", "email"),
    ("By another API client", "api"),
]

NO_PROFILE_HINT = "Add a profile, or import one from the curl command Control Room shows."
# Seconds a request may take, as the Settings menu offers them: a request needs a few seconds at
# least, and an hour is longer than any VPN needs.
MIN_REQUEST_TIMEOUT, MAX_REQUEST_TIMEOUT = 5, 3600


# Trigger failures that say something about reaching Control Room, as the status bar tells of polls
# (and UnsureTrigger, loaded with the first trigger).
_NETWORK_TROUBLE = (CannotConnect, RequestTimeout, ServerError, OutcomeUnknown)


class MainWindow(QMainWindow):
    started = Signal()  # the first frame is drawn and the board is being loaded
    # Made once the first frame is drawn (_make_the_rest): none of them shows in it.
    run_details: RunDetails
    board_actions: BoardActions
    reuse_payload_action: QAction
    notify_action: QAction
    keep_payloads_action: QAction
    request_timeout_action: QAction

    def __init__(self, services: Services, settings: QSettings, *,
                 may_start: Callable[[], bool] | None = None) -> None:
        """`may_start` is asked once the first frame is drawn, before the history is read or a run
        followed: False leaves the window as drawn, to be hidden (another window has its files)."""
        super().__init__()
        self.services = services
        self.settings = settings
        self._may_start = may_start
        self.background = Background(self)
        self.background.hold()  # released once the run history is on the board
        # Nothing of these shows in the first frame: each is made when first used (see below).
        self._bridge: MonitorBridge | None = None
        self._notifier: Notifier | None = None
        self._banner: Banner | None = None
        self._network_label: ElidedLabel | None = None
        self._triggering = False
        self._made = False  # what the first frame does not show: see _make_the_rest
        self._shown_profile: Profile | None = None
        self.runs_elsewhere: RunsFromElsewhere | None = None  # made once the history is on the board
        self.profile_watch: ProfileFileWatcher | None = None  # made once the window is drawn
        self.history_recovery: HistoryRecovery | None = None  # made once the history has been opened
        self.request_timeout_dialog: QDialog | None = None  # Settings → Request timeout, while open
        self.send_again_dialog: QMessageBox | None = None  # "Send again?" after a trigger's answer was lost
        self._send_again_agreed: set[str] = set()  # triggers of unknown outcome the user chose to send past
        self.setWindowTitle("robocloud-desktop" + (" — demo on the built-in emulator" if services.demo else ""))
        place_first(self)  # the preferred size, or what the screen has room for
        self._build()
        self._build_menus()
        self._connect()
        self._restore()
        # Loading the history, the HTTP stack and the keyring waits for the first paint: the
        # window shows up at once and fills in a moment later.
        self._started = False
        self.installEventFilter(self)

    # --- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        services = self.services
        self.profile_list = ProfileList(services.profiles, services.secrets, self.background, self, keys_now=False)

        self.profile_title = QLabel("No profile selected", self)
        self.profile_title.setObjectName("profileTitle")
        font = self.profile_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.profile_title.setFont(font)
        self.profile_target = QLabel(NO_PROFILE_HINT, self)  # until a profile is selected
        self.profile_target.setObjectName("profileTarget")
        self.profile_target.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.profile_target.setAccessibleName("Selected process")
        self.profile_target.setWordWrap(True)

        self.editor = PayloadEditor(self, complete_now=False)  # coloured, and its keys bound, once drawn
        self.payloads = PayloadSaver(services.profiles, self.background,
                                     lambda: (self._shown_profile, self.editor.text()), self)
        self.trigger_button = QPushButton("Trigger run", self)  # its icon comes once the window is drawn
        self.trigger_button.setObjectName("triggerButton")
        self.trigger_button.setAccessibleName("Trigger run")
        self.trigger_button.setDefault(True)
        self.trigger_button.setMinimumHeight(34)
        self.trigger_message = QLabel("", self)
        self.trigger_message.setObjectName("triggerMessage")
        self.trigger_message.setWordWrap(True)
        self.trigger_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.trigger_message.setAccessibleName("Trigger result")

        trigger_row = QHBoxLayout()
        trigger_row.addWidget(self.trigger_button)
        trigger_row.addWidget(self.trigger_message, 1)

        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(8, 4, 8, 4)
        top_layout.addWidget(self.profile_title)
        top_layout.addWidget(self.profile_target)
        top_layout.addWidget(self.editor, 1)
        top_layout.addLayout(trigger_row)

        self.run_model = RunTableModel(self)
        self.run_proxy = RunFilterProxy(self)
        self.run_proxy.setSourceModel(self.run_model)
        self.run_table = RunTableView(self)
        self.run_table.setModel(self.run_proxy)
        configure_run_table(self.run_table)
        # The details pane and the board's actions are made once the window is drawn (see
        # _make_the_rest); the pane's place shows the same hint until then.
        self._details_placeholder = details_placeholder(self)
        self.scope_filter = QComboBox(self)
        self.scope_filter.setObjectName("scopeFilter")
        self.scope_filter.setAccessibleName("Show runs of")
        self.scope_filter.setToolTip("Show the runs of every profile, or only of the selected one")
        self.scope_filter.addItems(["All profiles", "This profile"])
        self.state_filter = QComboBox(self)
        self.state_filter.setObjectName("stateFilter")
        self.state_filter.setAccessibleName("Show runs in state")
        self.state_filter.setToolTip("Show only runs in these states")
        for label, _ in STATE_FILTERS:
            self.state_filter.addItem(label)
        self.started_by_filter = QComboBox(self)
        self.started_by_filter.setObjectName("startedByFilter")
        self.started_by_filter.setAccessibleName("Show runs started by")
        self.started_by_filter.setToolTip("Show only runs started from this computer, or by a schedule, a person, "
                                          "an e-mail or another client (runs of v1 processes)")
        for label, _ in STARTED_BY_FILTERS:
            self.started_by_filter.addItem(label)
        self.text_filter = QLineEdit(self)
        self.text_filter.setObjectName("runFilter")
        self.text_filter.setAccessibleName("Filter runs")
        self.text_filter.setPlaceholderText("Filter runs by id, profile, state, error code…")
        self.text_filter.setClearButtonEnabled(True)
        board_title = QLabel("<b>Runs</b>", self)
        filters = QHBoxLayout()
        filters.addWidget(board_title)
        filters.addSpacing(8)
        filters.addWidget(self.scope_filter)
        filters.addWidget(self.state_filter)
        filters.addWidget(self.started_by_filter)
        filters.addWidget(self.text_filter, 1)
        # Tab follows the reading order: the filters sit above the table but are made after it.
        for before, after in ((self.trigger_button, self.scope_filter), (self.scope_filter, self.state_filter),
                              (self.state_filter, self.started_by_filter), (self.started_by_filter, self.text_filter),
                              (self.text_filter, self.run_table)):
            QWidget.setTabOrder(before, after)

        self.board_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.board_splitter.setObjectName("boardSplitter")
        self.board_splitter.addWidget(self.run_table)
        self.board_splitter.addWidget(self._details_placeholder)
        self.board_splitter.setStretchFactor(0, 3)
        self.board_splitter.setStretchFactor(1, 1)
        self.board_splitter.setSizes([620, 420])  # the details' tabs and run actions fit side by side

        board = QWidget(self)
        board_layout = QVBoxLayout(board)
        board_layout.setContentsMargins(8, 4, 8, 4)
        board_layout.addLayout(filters)
        board_layout.addWidget(self.board_splitter, 1)

        self.content_splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.content_splitter.setObjectName("contentSplitter")
        self.content_splitter.addWidget(top)
        self.content_splitter.addWidget(board)
        self.content_splitter.setSizes([330, 470])

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.profile_list)
        self.main_splitter.addWidget(self.content_splitter)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([230, 1050])

        central = QWidget(self)
        self._central_layout = QVBoxLayout(central)  # the banner goes on top, with the first message
        self._central_layout.setContentsMargins(6, 6, 6, 0)
        self._central_layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)

        self.in_flight_label = QLabel("No runs in flight", self)
        self.in_flight_label.setObjectName("inFlight")
        self._network_host = ""  # the host the network message is about
        self._sent_to = ""  # the host of the trigger out, or last sent
        self.statusBar().addWidget(self.in_flight_label)

    # --- made when first used: none of these shows in the first frame ---------------------------

    @property
    def banner(self) -> Banner:
        """The message strip at the top of the window, made with the first message."""
        if self._banner is None:
            from robocloud_desktop.ui.banner import Banner

            self._banner = Banner(self)  # hidden until it has a message
            self._central_layout.insertWidget(0, self._banner)
        return self._banner

    @property
    def network_label(self) -> ElidedLabel:
        """The status bar's last network problem, made with the first one."""
        if self._network_label is None:
            from robocloud_desktop.ui.elided_label import ElidedLabel

            label = ElidedLabel(self)
            label.setObjectName("networkProblem")
            label.setAccessibleName("Network problem")
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.statusBar().addPermanentWidget(label, 1)
            self._network_label = label
        return self._network_label

    @property
    def bridge(self) -> MonitorBridge:
        """Brings the monitor's news to the window's thread; made as the monitor starts, once the
        window is drawn."""
        if self._bridge is None:
            from robocloud_desktop.ui.bridge import MonitorBridge

            bridge = MonitorBridge(self)
            bridge.runsUpdated.connect(self._runs_updated)
            bridge.runEnded.connect(self.notifier.run_ended)
            bridge.networkProblem.connect(self._network_problem)
            bridge.networkRecovered.connect(self._network_recovered)
            bridge.notSaved.connect(self._runs_not_saved)
            self._bridge = bridge
        return self._bridge

    @property
    def notifier(self) -> Notifier:
        """Desktop notifications and the tray icon, made once the window is drawn."""
        if self._notifier is None:
            from robocloud_desktop.ui.notifications import Notifier

            notifier = Notifier(self, self)
            notifier.enabled = self.notify_action.isChecked()
            notifier.runsOpened.connect(self._open_runs)
            notifier.windowWanted.connect(self.bring_up)
            self._notifier = notifier
        return self._notifier

    def _build_menus(self) -> None:
        # The menus' titles show in the first frame; their items are made once it is drawn.
        self.file_menu = self.menuBar().addMenu("&File")
        self.settings_menu = self.menuBar().addMenu("&Settings")
        self.help_menu = self.menuBar().addMenu("&Help")
        # Copy diagnostics and Open log folder are made the first time the menu opens.
        self.help_actions: HelpActions | None = None
        self.help_menu.aboutToShow.connect(self._fill_help_menu)

    def _make_the_rest(self) -> None:
        """What the first frame does not show, made at once after it is drawn, before anything is read."""
        from robocloud_desktop.ui.keys import shortcut

        self._fill_menus()
        self._make_board_actions_and_details()
        self.profile_list.bind_keys()
        self.editor.complete()  # its colours, status icon and keys
        # The first SVG icon loads Qt's SVG renderer: the button beside its empty message takes its
        # icon now, without moving anything.
        self.setWindowIcon(icon("app"))
        self.trigger_button.setIcon(icon("running"))
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut(keys, self, self.trigger, Qt.ShortcutContext.WindowShortcut)
        self._made = True

    def _fill_menus(self) -> None:
        from PySide6.QtGui import QAction, QKeySequence

        file_menu = self.file_menu
        file_menu.addAction("&Import profile from curl…", self.profile_list.import_from_curl)
        file_menu.addAction("&New profile…", self.profile_list.add_profile)
        file_menu.addSeparator()
        file_menu.addAction("&Quit", QKeySequence.StandardKey.Quit, self.close)
        self.notify_action = QAction("&Notify me when runs end", self, checkable=True)
        self.notify_action.setChecked(self._notify_saved)
        self.notify_action.toggled.connect(self._set_notifications)
        self.keep_payloads_action = QAction("&Keep payloads in the run history", self, checkable=True)
        self.keep_payloads_action.setChecked(self.services.keep_payloads)
        self.keep_payloads_action.setToolTip("When off, only a hash of each payload is kept")
        self.keep_payloads_action.toggled.connect(self._set_keep_payloads)
        self.request_timeout_action = QAction("Request &timeout…", self)
        self.request_timeout_action.setToolTip("How long one request to Control Room may take in all")
        self.request_timeout_action.triggered.connect(self._ask_request_timeout)
        self.settings_menu.addActions([self.notify_action, self.keep_payloads_action, self.request_timeout_action])
        self.help_menu.addAction("&About", self._about)

    def _make_board_actions_and_details(self) -> None:
        from PySide6.QtGui import QAction

        from robocloud_desktop.ui.board.actions import BoardActions
        from robocloud_desktop.ui.board.details import RunDetails

        # Right-click on the board: copy the selected runs' ids (Ctrl+C) or the shown run as curl,
        # check runs now (F5), the run's payload back in the editor (to send it again or a variation
        # of it), the shown run's own actions (Stop, Retry...), and removing runs.
        services = self.services
        actions = self.board_actions = BoardActions(
            self.run_table, self.run_proxy, self.run_model, check_now=services.check_runs_now,
            remove=services.remove_runs, background=self.background, parent=self)
        actions.problem.connect(lambda text: self.banner.show_message(text, "error"))
        self.reuse_payload_action = QAction("Load its payload into the editor", self.run_table)
        self.reuse_payload_action.setEnabled(False)
        self.reuse_payload_action.triggered.connect(self._reuse_run_payload)
        details = self.run_details = RunDetails(self, story=services.story_access)
        self.run_table.addActions([actions.copy_ids_action, details.copy_curl_action, _separator(self),
                                   actions.check_now_action, self.reuse_payload_action, _separator(self),
                                   actions.remove_action, actions.remove_ended_action])
        # Stop, Terminate, Retry, Mark done (those that fit the run) go before Remove once the details
        # pane has made them, for the first run shown: until then none fits, and the menu looks the same.
        details.runActionsMade.connect(
            lambda made: self.run_table.insertActions(actions.remove_action, [*made, _separator(self)]))
        sizes = self.board_splitter.sizes()
        self.board_splitter.replaceWidget(self.board_splitter.indexOf(self._details_placeholder), details)
        self.board_splitter.setSizes(sizes)  # as the user sees them, or as they were restored
        self._details_placeholder.deleteLater()

    def _fill_help_menu(self) -> None:
        if self.help_actions is None:
            from robocloud_desktop.ui.help_actions import HelpActions

            self.help_actions = HelpActions(self)
            made = [*self.help_actions.actions(), _separator(self)]
            if self.help_menu.actions():  # About, unless the menu opened before it was made
                self.help_menu.insertActions(self.help_menu.actions()[0], made)
            else:
                self.help_menu.addActions(made)

    def _connect(self) -> None:
        self.profile_list.currentProfileChanged.connect(self._profile_changed)
        self.profile_list.problem.connect(lambda text: self.banner.show_message(text, "error"))
        self.profile_list.profilesChanged.connect(self._profiles_changed)
        self.editor.validityChanged.connect(lambda *_: self._update_trigger_button())
        self.editor.payloadEdited.connect(self.payloads.edited)
        self.payloads.saved.connect(self.profile_list.refresh_profile)
        self.payloads.failed.connect(
            lambda message: self.banner.show_message(f"The payload could not be saved: {message}", "error"))
        self.trigger_button.clicked.connect(self.trigger)
        self.run_table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected_run())
        self.scope_filter.currentIndexChanged.connect(lambda *_: self._apply_run_filters())
        self.state_filter.currentIndexChanged.connect(lambda *_: self._apply_run_filters())
        self.started_by_filter.currentIndexChanged.connect(lambda *_: self._apply_run_filters())
        self.text_filter.textChanged.connect(self.run_proxy.set_text_filter)
        # Runs removed: the in-flight count, and the details when the run shown went (a reset of the
        # board, after removing many, moves the current row without saying so).
        self.run_model.rowsRemoved.connect(lambda *_: self._update_status())
        self.run_model.modelReset.connect(self._board_reset)

    def _board_reset(self) -> None:
        self._update_status()
        self._show_selected_run()

    # --- start-up and shut-down -------------------------------------------------------------------

    def _restore(self) -> None:
        s = self.settings
        for key, restore in (("geometry", self.restoreGeometry), ("windowState", self.restoreState),
                             ("mainSplitter", self.main_splitter.restoreState),
                             ("contentSplitter", self.content_splitter.restoreState),
                             ("boardSplitter", self.board_splitter.restoreState),
                             # Column widths and the sort: the view sorts the model again when it is restored.
                             ("runColumns", self.run_table.horizontalHeader().restoreState)):
            value = s.value(key)
            if isinstance(value, QByteArray):
                restore(value)
                if key == "geometry":  # saved on a monitor since unplugged, or a larger one
                    keep_on_screen(self)
        self._notify_saved = cast("bool", s.value("notifications", True, type=bool))
        last = cast("str", s.value("lastProfile", "", type=str))
        if not (last and self.profile_list.select_profile(last)):
            first = next(iter(self.services.profiles.profiles()), None)
            if first is not None:
                self.profile_list.select_profile(first.id)
        self._update_trigger_button()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self and event.type() == QEvent.Type.Paint and not self._started:
            self._started = True
            self.removeEventFilter(self)
            QTimer.singleShot(0, self._start)
        return super().eventFilter(watched, event)

    def _start(self) -> None:
        startup_done()
        if self._may_start is not None and not self._may_start():
            return
        self._make_the_rest()
        self.notifier.show_tray()
        # Profiles added or changed from the command line come into the list (F5 reads them too).
        from robocloud_desktop.ui.profiles.watch import ProfileFileWatcher  # Qt's file watcher loads after the frame

        self.profile_watch = ProfileFileWatcher(self.services.profiles, self.profile_list, self.background, self)
        services = self.services
        problems = [p.message for p in services.profiles.problems]
        if problems:
            self.banner.show_message("\n".join(problems), "warning")

        bridge = self.bridge  # made here, on the window's thread: the monitor starts on another

        def start_monitor() -> None:
            monitor = services.monitor  # loads the HTTP stack: after the board is filled
            monitor.add_listener(bridge.on_update)  # the bridge only queues: safe from any thread
            monitor.start(resume=False)
            monitor.resume()  # a history that cannot be read says so; runs triggered now are followed anyway
            services.watch_processes()  # runs of API v1 profiles' processes started elsewhere

        def go_on() -> None:
            self.background.release()
            self.background.run(start_monitor, None, lambda e: self.banner.show_message(str(e), "error"))
            self.background.run(lambda: services.secrets.check_available(""), None, self._keyring_problem)
            self._follow_runs_from_elsewhere(read_at)
            self._watch_history()

        def loaded(records: list[RunRecord]) -> None:
            # The history was opened by the loading job: any file it had to set aside, or could not
            # use, is known now.
            if services.history.problems:
                self.banner.show_message("\n".join(problems + services.history.problems), "warning")
            self._history_loaded(records)
            go_on()

        def failed(error: Exception) -> None:
            self.run_table.history_loaded()
            self.banner.show_message("\n".join([*problems, str(error)]), "error")
            go_on()

        read_at = time.time()
        self.background.run(lambda: services.history.recent(limit=0), loaded, failed, now=True)
        self.started.emit()

    def _watch_history(self) -> None:
        """Try the run history again now and then while it cannot be written."""
        from robocloud_desktop.ui.history_recovery import HistoryRecovery

        if self.history_recovery is None:
            self.history_recovery = HistoryRecovery(lambda: self.services.history, self.background, self)
            self.history_recovery.recovered.connect(self._history_recovered)
        self.history_recovery.watch()

    def _history_recovered(self, records: list[RunRecord]) -> None:
        self._history_loaded(records)
        self.background.run(lambda: self.services.monitor.resume())
        self.banner.show_message(f"The run history {self.services.paths.history_db} can be used again: runs are "
                                 "saved in it from now on.", "info")

    def _runs_not_saved(self, message: str) -> None:
        self.banner.show_message(f"Runs are followed, but their states are not saved. {message}", "warning")
        self._watch_history()

    def _follow_runs_from_elsewhere(self, history_read_at: float) -> None:
        from robocloud_desktop.ui.board.runs_elsewhere import RunsFromElsewhere

        self.runs_elsewhere = RunsFromElsewhere(lambda: self.services.history, self.background,
                                                lambda run_id: self.run_model.row_of(run_id) is not None, self)
        self.runs_elsewhere.found.connect(self._runs_found_elsewhere)
        self.runs_elsewhere.start(history_read_at)

    def _runs_found_elsewhere(self, records: list[RunRecord]) -> None:
        self.run_model.upsert(records)
        self.services.follow(records)
        self._update_status()

    def _history_loaded(self, records: list[RunRecord]) -> None:
        # Runs already on the board (triggered while the history loaded, or followed while it could
        # not be written) stay, in whichever copy was checked last.
        in_file = {record.run_id: record for record in records}

        def newer(record: RunRecord) -> bool:
            saved = in_file.get(record.run_id)
            return saved is None or (record.last_checked or 0) > (saved.last_checked or 0)

        fresher = [record for record in self.run_model.records() if newer(record)]
        self.run_model.set_records(records)
        self.run_model.upsert(fresher)
        self.run_table.history_loaded()
        self._update_status()

    def shutdown(self) -> None:
        """After the window has closed: let background jobs finish, then stop polling and close files."""
        if self.runs_elsewhere is not None:
            self.runs_elsewhere.stop()
        if self.history_recovery is not None:
            self.history_recovery.stop()
        if self._made:
            self.run_details.shutdown()
        self.background.wait_idle(5000)
        self.payloads.save_now()
        self.services.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.payloads.keep()
        s = self.settings
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState())
        s.setValue("mainSplitter", self.main_splitter.saveState())
        s.setValue("contentSplitter", self.content_splitter.saveState())
        s.setValue("boardSplitter", self.board_splitter.saveState())
        s.setValue("runColumns", self.run_table.horizontalHeader().saveState())
        profile = self.profile_list.current_profile()
        s.setValue("lastProfile", profile.id if profile else "")
        if self._made:  # else it cannot have changed
            s.setValue("notifications", self.notify_action.isChecked())
        s.sync()
        if self._bridge is not None:
            self._bridge.flush()
        super().closeEvent(event)

    # --- profiles and payload ---------------------------------------------------------------------

    @Slot(object)
    def _profile_changed(self, profile: Profile | None) -> None:
        self.payloads.keep()  # what was typed for the profile being left
        self._shown_profile = profile
        if profile is None:
            self.profile_title.setText("No profile selected")
            self.profile_target.setText(NO_PROFILE_HINT)
            self.editor.set_accepts_arrays(False)
            self.editor.set_text("{}")
            self.editor.set_recent([])
        else:
            self.profile_title.setText(profile.name)
            where = (profile.region or "").upper() or profile.base_url
            mode = (" · Control Room API v1" if profile.uses_key
                    else " · secret in URL query" if profile.secret_in_query else "")
            self.profile_target.setText(
                f"{where} · workspace {profile.workspace_id} · process {profile.process_id}{mode}")
            self.profile_target.setToolTip(profile.base_url)
            self.editor.set_accepts_arrays(profile.uses_key)
            self.editor.set_text(self.payloads.text_for(profile))
            self.editor.set_recent(list(profile.recent_payloads))
        self.trigger_message.clear()
        self._apply_run_filters()
        self._update_trigger_button()

    def _profiles_changed(self) -> None:
        profile = self.profile_list.current_profile()
        if profile is not None and self._shown_profile is not None and profile.id == self._shown_profile.id:
            self._shown_profile = profile
            self.editor.set_accepts_arrays(profile.uses_key)  # its API may have been changed
            self.editor.set_recent(list(profile.recent_payloads))
            self.profile_title.setText(profile.name)
        self._update_trigger_button()
        self._update_reuse_action(self._shown_run())
        self.background.run(lambda: self.services.watch_processes(if_watching=True))

    # --- trigger ----------------------------------------------------------------------------------

    def _update_trigger_button(self) -> None:
        profile = self.profile_list.current_profile()
        reason = ""
        if self._triggering:
            reason = "Starting the run…"
        elif profile is None:
            reason = "Select a profile first."
        elif not self.editor.is_valid():
            reason = f"Fix the payload first: {self.editor.reason()}"
        elif self.profile_list.secret_state(profile.id) is SecretState.MISSING:
            reason = ("No API key is stored for this profile's workspace. Edit the profile and enter the key."
                      if profile.uses_key else
                      "No secret is stored for this profile. Edit the profile and enter its secret.")
        self.trigger_button.setEnabled(not reason)
        if reason or profile is None:  # no profile always has its reason
            self.trigger_button.setToolTip(reason)
        else:
            self.trigger_button.setToolTip(f"Start a run of {profile.name} with this payload (Ctrl+Enter)")

    @Slot()
    def trigger(self) -> None:
        self.editor.validate_now()
        self._update_trigger_button()
        profile = self.profile_list.current_profile()
        payload = self.editor.payload()
        if not self.trigger_button.isEnabled() or profile is None or payload is None:
            return
        unsure = self._unsure_trigger_of(profile)
        if unsure is not None:
            self._ask_to_send_again(unsure)
            return
        self._send(profile, payload)

    def _unsure_trigger_of(self, profile: Profile) -> RunRecord | None:
        """The profile's last trigger of unknown outcome on the board, unless the user chose to send again."""
        return next((record for record in self.run_model.records() if record.outcome_unknown
                     and record.profile_id == profile.id and record.run_id not in self._send_again_agreed), None)

    def _ask_to_send_again(self, unsure: RunRecord) -> None:
        from PySide6.QtWidgets import QMessageBox  # dialogs load when first opened

        if self.send_again_dialog is not None:
            self.send_again_dialog.raise_()
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Send again?",
                          "The last trigger's outcome is unknown; it may have started a run. Send again?",
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("sendAgainDialog")
        box.setInformativeText(f"It was sent at {format_full(unsure.triggered_at)}. Look for its run in Control "
                               "Room first: sending again may start the same work twice.")
        send = box.addButton("Send again", QMessageBox.ButtonRole.AcceptRole)
        send.setObjectName("confirmSendAgain")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)  # Enter must not send twice by accident
        box.setEscapeButton(cancel)

        def answered(button: object) -> None:
            if button is send:
                self._send_again_agreed.add(unsure.run_id)
                self.trigger()

        box.buttonClicked.connect(answered)
        box.finished.connect(lambda _: setattr(self, "send_again_dialog", None))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.send_again_dialog = box
        box.open()

    def _send(self, profile: Profile, payload: dict[str, Any] | list[Any]) -> None:
        # Disabled until the answer is in: a second click must never start a second run.
        self._triggering = True
        self._update_trigger_button()
        from robocloud_desktop.ui.bridge import host_of
        from robocloud_desktop.ui.trigger import TriggerJob  # loaded with the first trigger

        self._say("Starting the run…", None)
        self._sent_to = host_of(profile.base_url)
        job = TriggerJob(self.services, profile, payload, self.editor.text())
        self.background.run(job, self._triggered, self._trigger_failed)

    def _triggered(self, result: tuple[RunRecord | None, str]) -> None:
        from robocloud_desktop.ui.bridge import host_of

        record, warning = result
        self._triggering = False
        if record is None:  # Control Room answered that it started nothing: no run, no error
            self._say(warning, None)
            self._update_trigger_button()
            return
        self.run_model.upsert([record])
        self.services.monitor.track(record)
        self._select_runs([record.run_id])
        self._say(f"Run started: {record.run_id}", Outcome.SUCCEEDED)
        self._network_recovered(host_of(record.base_url))  # Control Room answered: no problem reaching it
        if warning:
            self.banner.show_message(warning, "warning")
            self._watch_history()
        if record.profile_id:
            self.profile_list.refresh_profile(record.profile_id)  # its recent payloads
        self._update_trigger_button()
        self._update_status()

    def _trigger_failed(self, error: Exception) -> None:
        from robocloud_desktop.ui.trigger import UnsureTrigger

        self._triggering = False
        if isinstance(error, (*_NETWORK_TROUBLE, UnsureTrigger)) and self._sent_to:
            self._network_problem(self._sent_to, str(error))  # the status bar says as the message beside the button
        if isinstance(error, SecretStoreError):
            self._say(error.message, Outcome.FAILED)
            self.banner.show_message(error.message, "error")
        elif isinstance(error, UnsureTrigger):
            # It may have started a run: it goes on the board, kept in the history, never followed.
            self._say(error.error.message, Outcome.NEEDS_ATTENTION)
            self.run_model.upsert([error.record])
            self._select_runs([error.record.run_id])
            if error.warning:
                self.banner.show_message(error.warning, "warning")
                self._watch_history()
        elif isinstance(error, OutcomeUnknown):
            self._say(error.message, Outcome.NEEDS_ATTENTION)
        elif isinstance(error, ProcessApiError):
            self._say(error.message, Outcome.FAILED)
        else:
            self._say(f"The run could not be started: {error}", Outcome.FAILED)
        self._update_trigger_button()

    def _say(self, text: str, tone: Outcome | None) -> None:
        colour = outcome_colour(tone).name() if tone is not None else ""
        self.trigger_message.setStyleSheet(f"color: {colour};" if colour else "")
        self.trigger_message.setText(text)

    # --- run board --------------------------------------------------------------------------------

    @Slot(list)
    def _runs_updated(self, records: list[RunRecord]) -> None:
        self.run_model.upsert(records)
        current = self._shown_run()
        if current is not None and any(r.run_id == current.run_id for r in records):
            self._show_selected_run()
        self._update_status()

    def _apply_run_filters(self) -> None:
        profile = self.profile_list.current_profile()
        only_this = self.scope_filter.currentIndex() == 1 and profile is not None
        self.run_proxy.set_profile_filter(profile.id if only_this and profile else None)
        choice = STATE_FILTERS[self.state_filter.currentIndex()][1]
        self.run_proxy.set_in_flight_only(choice == "in_flight")
        self.run_proxy.set_outcome_filter(choice if isinstance(choice, set) else None)
        self.run_proxy.set_started_by_filter(STARTED_BY_FILTERS[self.started_by_filter.currentIndex()][1])

    def _select_runs(self, run_ids: list[str]) -> None:
        """Select these runs on the board; the first becomes the one whose details are shown."""
        shown = [index for index in map(self._board_index, run_ids) if index.isValid()]
        selection, flags = self.run_table.selectionModel(), QItemSelectionModel.SelectionFlag
        for place, index in enumerate(shown):
            if place == 0:
                selection.setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)
                self.run_table.scrollTo(index)
            else:
                selection.select(index, flags.Select | flags.Rows)

    def _board_index(self, run_id: str) -> QModelIndex:
        """Where the run is on the board as filtered now (invalid when it is not shown)."""
        row = self.run_model.row_of(run_id)
        return QModelIndex() if row is None else self.run_proxy.mapFromSource(self.run_model.index(row, 0))

    def bring_up(self) -> None:
        """To the front, as it was left: back from the taskbar or the tray, still maximised if it was."""
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()

    def _open_runs(self, run_ids: list[str]) -> None:
        """A notification was clicked: the window comes up with its runs selected, the board's
        filters cleared first if they hide one of them."""
        self.bring_up()
        on_board = [run_id for run_id in run_ids if self.run_model.row_of(run_id) is not None]
        if any(not self._board_index(run_id).isValid() for run_id in on_board):
            self.scope_filter.setCurrentIndex(0)
            self.state_filter.setCurrentIndex(0)
            self.started_by_filter.setCurrentIndex(0)
            self.text_filter.clear()
        self._select_runs(on_board)
        self.run_table.setFocus()

    def _shown_run(self) -> RunRecord | None:
        return self.run_details.record if self._made else None

    def _show_selected_run(self) -> None:
        if not self._made:  # no pane yet, and no run: the board fills once the window is drawn
            return
        index = self.run_table.selectionModel().currentIndex()
        record = None
        if index.isValid():
            record = self.run_model.record(self.run_proxy.mapToSource(index).row())
        self.run_details.show_record(record)
        self._update_reuse_action(record)

    def _update_reuse_action(self, record: RunRecord | None) -> None:
        """The menu says why when the payload cannot come back: menus show no tooltips."""
        if not self._made:  # the action comes with the board's others, once the window is drawn
            return
        text, usable = "Load its payload into the editor", record is not None
        if record is not None and record.payload is None:
            text, usable = "Load its payload (not kept: see Settings)", False
        elif record is not None and self.profile_list.model.row_of(record.profile_id) is None:
            text, usable = "Load its payload (its profile was deleted)", False
        self.reuse_payload_action.setText(text)
        self.reuse_payload_action.setEnabled(usable)

    def _reuse_run_payload(self) -> None:
        record = self._shown_run()
        if record is None or record.payload is None or not self.profile_list.select_profile(record.profile_id):
            return
        self.editor.use_payload(record.payload)

    def _update_status(self) -> None:
        count = self.run_model.in_flight()
        self.in_flight_label.setText(
            "No runs in flight" if count == 0 else f"{count} run{'s' if count != 1 else ''} in flight")

    @Slot(str, str)
    def _network_problem(self, host: str, message: str) -> None:
        self._network_host = host
        self.network_label.set_full_text(f"Last network problem ({time.strftime('%H:%M')}): {message}")

    @Slot(str)
    def _network_recovered(self, host: str) -> None:
        """The host answered again: its problem is over (one of another host stays)."""
        if host == self._network_host:
            self._network_host = ""
            if self._network_label is not None:
                self._network_label.set_full_text("")

    # --- settings and the rest ----------------------------------------------------------------------

    def _set_notifications(self, on: bool) -> None:
        if self._notifier is not None:  # else it reads the setting when made
            self._notifier.enabled = on

    def _ask_request_timeout(self) -> None:
        from PySide6.QtWidgets import QInputDialog  # dialogs load when first opened

        dialog = QInputDialog(self)
        dialog.setObjectName("requestTimeoutDialog")
        dialog.setWindowTitle("Request timeout")
        dialog.setLabelText("Give up on a request to Control Room after this many seconds in all.\n"
                            "Raise it if your VPN or proxy is slow; a trigger that runs out of time says to "
                            "check Control Room before triggering again.")
        dialog.setInputMode(QInputDialog.InputMode.IntInput)
        dialog.setIntRange(MIN_REQUEST_TIMEOUT, MAX_REQUEST_TIMEOUT)
        dialog.setIntValue(round(self.services.request_timeout))
        dialog.intValueSelected.connect(self._set_request_timeout)
        dialog.finished.connect(dialog.deleteLater)
        self.request_timeout_dialog = dialog
        dialog.open()

    def _set_request_timeout(self, seconds: int) -> None:
        self.services.set_request_timeout(float(seconds))
        self.settings.setValue("requestTimeout", seconds)

    def _set_keep_payloads(self, on: bool) -> None:
        self.services.set_keep_payloads(on)
        self.settings.setValue("keepPayloads", on)

    def _keyring_problem(self, error: Exception) -> None:
        message = error.message if isinstance(error, SecretStoreError) else str(error)
        self.banner.show_message(message, "warning")

    def _about(self) -> None:
        from PySide6.QtWidgets import QMessageBox  # dialogs load when first opened

        QMessageBox.about(
            self, "About robocloud-desktop",
            f"<b>robocloud-desktop {__version__}</b><p>Trigger Robocorp Control Room processes and watch "
            "their runs. Process API secrets stay in your operating system's keyring.</p>")


def _separator(parent: QObject) -> QAction:
    from PySide6.QtGui import QAction

    separator = QAction(parent)
    separator.setSeparator(True)
    return separator
