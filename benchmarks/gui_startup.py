"""GUI start-up and responsiveness.

1. Time from launching the process to the first complete frame of the main window (its paint event,
   then the event loop's next turn, so every child widget has drawn), with 50 profiles and 10,000
   runs in the history, against a bare PySide6 window launched the same way in the same run (each
   measured several times, interleaved; medians). The app is started as `robocloud-desktop` with
   no options, its files in the usual (XDG) places of a throw-away home. Each time is split into
   loading (Python, the modules, the QApplication), building the window, and drawing it.
2. Sorting the board: how long a click on each column header holds the GUI thread with 10,000
   runs on the board, against sorting the same rows with a plain QSortFilterProxyModel, which
   asks the model's data() for every comparison.
3. With all 10,000 runs selected: selecting them, a run updated meanwhile, and opening the menu.
4. The longest stall of the GUI event loop while 500 runs are monitored to their end: a 5 ms
   timer on the GUI thread records how late each of its ticks comes.

The emulator runs in a separate process, so its work does not share the window's interpreter.
Run: .venv/bin/python benchmarks/gui_startup.py [--launches 5] [--runs 500] [--only startup]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Each launched program prints "<mark> <time.time()>" lines: "loaded" when the QApplication is there
# and the window is about to be built, "built" when it is built, "frame" at its first complete frame.
# Watches a window: once its paint event has come, the event loop's next turn calls drawn().
FIRST_FRAME = textwrap.dedent(
    """
    class FirstFrame(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                obj.removeEventFilter(self)
                QTimer.singleShot(0, drawn)
            return False
    """
)


def first_frame_script(imports: str, make_app: str, build_window: str) -> str:
    """A program that builds `window` and prints its marks, the last once its first frame is complete:
    the window's paint event, then the event loop's next turn (every child has drawn by then)."""
    return textwrap.dedent(imports) + textwrap.dedent(
        """
        import sys, time
        from PySide6.QtCore import QEvent, QObject, QTimer
        from PySide6.QtWidgets import QApplication
        """
    ) + FIRST_FRAME + textwrap.dedent(
        """
        def drawn():
            print("frame", time.time(), flush=True)
            QApplication.quit()

        """
    ) + f"app = {make_app}\nprint('loaded', time.time())\n" + textwrap.dedent(build_window) + textwrap.dedent(
        """
        print("built", time.time())
        spy = FirstFrame()
        window.installEventFilter(spy)
        window.show()
        app.exec()
        """
    )


BARE = first_frame_script(
    "from PySide6.QtWidgets import QMainWindow\n",
    "QApplication(sys.argv[:1])",
    """
    window = QMainWindow()
    window.resize(1280, 800)
    """,
)

# The bare window once Qt's enum namespace (Qt.AlignmentFlag, Qt.ItemDataRole, ...) is loaded: PySide
# builds all its enums as Python enums at the first lookup, and a window with a table header, an
# alignment or a splitter cannot avoid that lookup.
BARE_WITH_QT = first_frame_script(
    "from PySide6.QtCore import Qt\nfrom PySide6.QtWidgets import QMainWindow\n",
    "QApplication(sys.argv[:1])",
    """
    window = QMainWindow()
    window.resize(1280, 800)
    """,
)

# The same kinds of widgets as the app's window, with the same sizes and contents (50 two-line
# profiles, a JSON editor, an empty 8-column run table), in plain PySide with no app code: how much
# of the app's start-up Qt itself takes for such a window.
PLAIN = first_frame_script(
    """
    from PySide6.QtCore import QStringListModel, Qt
    from PySide6.QtGui import QFontDatabase, QStandardItemModel
    from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QListView, QMainWindow, QPlainTextEdit,
                                   QPushButton, QSplitter, QTableView, QToolButton, QVBoxLayout, QWidget)
    """,
    'QApplication([sys.argv[0], "-style", "Fusion"])',
    """
    window = QMainWindow()
    window.resize(1280, 800)
    profiles = QListView()
    profiles.setModel(QStringListModel([f"Process {i:02d}\\nEU1 · proc-{i}" for i in range(50)]))
    left = QWidget()
    left_layout = QVBoxLayout(left)
    left_layout.addWidget(QLineEdit(placeholderText="Filter profiles"))
    left_layout.addWidget(profiles)
    for row_labels in (("Add…", "Import from curl…"), ("Edit…", "Duplicate…", "Delete")):
        row = QHBoxLayout()
        for label in row_labels:
            row.addWidget(QToolButton(text=label))
        left_layout.addLayout(row)
    title = QLabel("Process 00")
    font = title.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.3)
    title.setFont(font)
    editor = QPlainTextEdit('{\\n  "n": 0\\n}')
    editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    top = QWidget()
    top_layout = QVBoxLayout(top)
    top_layout.addWidget(title)
    top_layout.addWidget(QLabel("EU1 · workspace ws-0 · process proc-0"))
    top_layout.addWidget(editor, 1)
    status = QHBoxLayout()
    status.addWidget(QLabel("Valid JSON object"), 1)
    status.addWidget(QPushButton("Recent"))
    status.addWidget(QPushButton("Format"))
    top_layout.addLayout(status)
    trigger = QHBoxLayout()
    trigger.addWidget(QPushButton("Trigger run"))
    trigger.addWidget(QLabel(""), 1)
    top_layout.addLayout(trigger)
    runs = QStandardItemModel(0, 8)
    runs.setHorizontalHeaderLabels(["Profile", "Run ID", "State", "Result", "Error", "Duration", "Started",
                                    "Last checked"])
    table = QTableView()
    table.setModel(runs)
    filters = QHBoxLayout()
    filters.addWidget(QLabel("<b>Runs</b>"))
    filters.addWidget(QComboBox())
    filters.addWidget(QComboBox())
    filters.addWidget(QLineEdit(placeholderText="Filter runs"), 1)
    board = QWidget()
    board_layout = QVBoxLayout(board)
    board_layout.addLayout(filters)
    board_splitter = QSplitter()
    board_splitter.addWidget(table)
    board_splitter.addWidget(QLabel("Select a run to see its details", alignment=Qt.AlignmentFlag.AlignCenter))
    board_layout.addWidget(board_splitter, 1)
    content = QSplitter(Qt.Orientation.Vertical)
    content.addWidget(top)
    content.addWidget(board)
    main = QSplitter()
    main.addWidget(left)
    main.addWidget(content)
    window.setCentralWidget(main)
    for menu in ("&File", "&Settings", "&Help"):
        window.menuBar().addMenu(menu)
    window.statusBar().addWidget(QLabel("No runs in flight"))
    """,
)

APP = textwrap.dedent(
    """
    import importlib.util, sys, time

    def drawn():
        print("frame", time.time(), flush=True)
        rows_shown()

    def rows_shown():
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        if window.run_model.rowCount() >= 10000:
            print("rows", time.time(), flush=True)
            QApplication.quit()
        else:
            QTimer.singleShot(1, rows_shown)

    def watch(ui_app):
        # Qt is imported here, once the app has loaded it in its own order.
        from PySide6.QtCore import QEvent, QObject, QTimer
    """
) + textwrap.indent(FIRST_FRAME, "    ") + textwrap.dedent(
    """
        def watched(*args, **kwargs):
            global window
            print("loaded", time.time())
            window = make_window(*args, **kwargs)
            print("built", time.time())
            window.installEventFilter(spy)
            return window

        global spy
        spy = FirstFrame()
        make_window, ui_app.create_window = ui_app.create_window, watched

    class WatchWindow:
        # Wraps ui.app.create_window as the command imports it: the app loads in its own order.
        def find_spec(self, name, path=None, target=None):
            if name != "robocloud_desktop.ui.app":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            run_module = spec.loader.exec_module
            spec.loader.exec_module = lambda module: (run_module(module), watch(module))
            return spec

    sys.meta_path.insert(0, WatchWindow())
    from robocloud_desktop.launch import main  # what the robocloud-desktop command runs
    sys.exit(main())  # no options: the window
    """
)


def home_env(home: Path) -> dict[str, str]:
    """The usual places for config, data and logs, under `home`."""
    return {"XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state")}


def prepare_home(home: Path) -> None:
    """50 profiles and 10,000 finished runs, written with the app's own stores."""
    sys.path.insert(0, str(ROOT))
    from robocloud_desktop.core.api_results import RunStatus, TriggeredRun
    from robocloud_desktop.core.history import RunHistory
    from robocloud_desktop.core.paths import app_paths
    from robocloud_desktop.core.profiles import Profile, ProfileStore

    saved = dict(os.environ)
    os.environ.pop("ROBOCLOUD_DESKTOP_HOME", None)
    os.environ.update(home_env(home))
    paths = app_paths()  # where the app, started without options, will look
    os.environ.clear()
    os.environ.update(saved)
    store = ProfileStore(paths.profiles_file)
    profiles = [store.add(Profile(f"Process {i:02d}", "https://api.eu1.robocloud.eu", f"ws-{i % 5}", f"proc-{i}",
                                  payload=f'{{"n": {i}}}')) for i in range(50)]
    history = RunHistory(paths.history_db)
    for n in range(10_000):
        profile = profiles[n % 50]
        run = TriggeredRun(f"run-{n:05d}", f"wi-{n}", profile.process_id, profile.workspace_id)
        record = history.record_for(run, profile.target(), {"n": n}, profile_id=profile.id, profile_name=profile.name)
        result = "ERR" if n % 7 == 0 else "OK"
        ended = history.with_status(record, RunStatus(run.run_id, "COMPL", result, "", 12, {}), finished=True)
        history.save(ended, insert=True)  # one write a run: setting up, not what is measured
    history.close()


def launch(script: str, home: Path) -> dict[str, float]:
    """Runs a program and returns its marks, in seconds from the launch."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "PYTHONPATH": str(ROOT), **home_env(home)}
    started = time.time()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          timeout=120, check=True)
    marks = (line.split() for line in done.stdout.splitlines() if line.strip())
    return {mark: float(at) - started for mark, at in marks}


def phases(launches: list[dict[str, float]]) -> dict[str, float]:
    """Medians of each phase, in ms: loading (launch to QApplication ready), building the window,
    drawing it (show to first complete frame), and the whole."""
    spans = {"loading": ("", "loaded"), "building": ("loaded", "built"), "drawing": ("built", "frame"),
             "frame": ("", "frame")}
    return {name: statistics.median(m[end] - m.get(start, 0.0) for m in launches) * 1000
            for name, (start, end) in spans.items()}


def startup(launches: int) -> None:
    # As installed by pip: the app's modules compiled once, not at every start. Forced: compileall
    # takes a cached file made in the same second as its source for current, whatever its size.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-f", str(ROOT / "robocloud_desktop")], check=True)
    programs = {"bare": BARE, "app": APP, "plain": PLAIN, "bare+Qt": BARE_WITH_QT}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in programs}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        prepare_home(home)
        for script in programs.values():  # warm the OS file cache for all before measuring
            launch(script, home)
        for _ in range(launches):
            for name, script in programs.items():
                runs[name].append(launch(script, home))
    bare, app, plain = phases(runs["bare"]), phases(runs["app"]), phases(runs["plain"])
    rows = statistics.median(m["rows"] for m in runs["app"]) * 1000
    print(f"start-up ({launches} launches each, medians in ms; 50 profiles, 10,000 runs in the history)")
    print("                                         loading  building  drawing  first frame  ratio")

    def line(label: str, p: dict[str, float], note: str = "") -> None:
        print(f"  {label:38s} {p['loading']:6.0f} {p['building']:8.0f} {p['drawing']:8.0f} {p['frame']:10.0f}"
              f"     {p['frame'] / bare['frame']:.2f}{note}")

    line("bare PySide6 window", bare)
    line("robocloud-desktop", app)
    print("  for reference, no app code:")
    line("bare window + Qt's enum namespace", phases(runs["bare+Qt"]))
    line("the same widgets in plain PySide", plain)
    print(f"  robocloud-desktop, 10,000 rows on the board at {rows:.0f} ms   ratio {rows / bare['frame']:.2f}")
    print(f"  robocloud-desktop's first frame / the same widgets in plain PySide: {app['frame']:.0f} / "
          f"{plain['frame']:.0f} ms = {app['frame'] / plain['frame']:.2f}   (target <= 1.2)")


def varied_runs(count: int) -> list:  # list[RunRecord]
    """Runs in every state, with varied profiles, durations and check times, as a board holds them."""
    sys.path.insert(0, str(ROOT))
    from dataclasses import replace

    from robocloud_desktop.core.api_results import TriggeredRun
    from robocloud_desktop.core.history import RunHistory
    from robocloud_desktop.core.target import Target

    codes = [("INI", "", ""), ("IP", "", ""), ("COMPL", "OK", ""), ("COMPL", "ERR", "WORKER_CRASH"),
             ("COMPL", "TIMEOUT", ""), ("PENDING", "", ""), ("COMPL", "OK", "")]
    now = time.time()
    runs = []
    for n in range(count):
        target = Target("https://api.eu1.robocloud.eu", f"ws-{n % 5}", f"proc-{n % 50}")
        record = RunHistory.record_for(TriggeredRun(f"{n * 7919 % 100_000:05d}-run", f"wi-{n}", target.process_id,
                                                    target.workspace_id), target, {"n": n},
                                       profile_id=f"p{n % 50}", profile_name=f"Process {n * 31 % 50:02d}")
        state, result, error = codes[n % len(codes)]
        runs.append(replace(record, triggered_at=now - n * 37.0, state=state, result=result, error_code=error,
                            duration=None if n % 9 == 0 else float(n * 13 % 5000),
                            last_checked=None if n % 11 == 0 else now - n * 5.0))
    return runs


def sorting(count: int) -> None:
    from dataclasses import replace

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSortFilterProxyModel, Qt
    from PySide6.QtWidgets import QApplication, QTableView

    from robocloud_desktop.ui.board.model import (
        COL_LAST_CHECKED,
        COL_STARTED,
        COL_STATE,
        COLUMN_COUNT,
        SORT_ROLE,
        RunFilterProxy,
        RunTableModel,
    )
    from robocloud_desktop.ui.board.table import configure_run_table

    app = QApplication.instance() or QApplication(sys.argv[:1])
    runs = varied_runs(count)

    def updates_while_sorted(model: RunTableModel, view: QTableView) -> list[float]:
        """A monitor's batch (25 runs just checked) arriving while the board is sorted by Last checked."""
        view.sortByColumn(COL_LAST_CHECKED, Qt.SortOrder.DescendingOrder)
        app.processEvents()
        times, now = [], time.time()
        for batch in range(20):
            checked = [replace(model.record_for(runs[(batch * 25 + i) * 13 % count].run_id),
                               last_checked=now + batch + i / 100) for i in range(25)]
            started = time.perf_counter()
            model.upsert(checked)
            app.processEvents()
            times.append(time.perf_counter() - started)
        return times

    def click_times(proxy: QSortFilterProxyModel, columns: list[int]) -> list[float]:
        model = RunTableModel()
        model.set_records(runs)
        proxy.setSourceModel(model)
        view = QTableView()
        view.setModel(proxy)
        configure_run_table(view)
        view.resize(1000, 600)
        view.show()
        app.processEvents()
        view.selectRow(5)
        times = []
        for column in columns:
            for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
                if (column, order) == (COL_STARTED, Qt.SortOrder.DescendingOrder):
                    continue  # the board's own order: nothing to sort
                started = time.perf_counter()
                view.sortByColumn(column, order)  # what a click on the header does
                app.processEvents()  # and the repaint that follows
                times.append(time.perf_counter() - started)
        live[type(proxy) is RunFilterProxy] = updates_while_sorted(model, view)
        view.close()
        return times

    live: dict[bool, list[float]] = {}  # True: the board's, False: the plain proxy's
    board = click_times(RunFilterProxy(), list(range(COLUMN_COUNT)))
    generic = QSortFilterProxyModel()
    generic.setSortRole(SORT_ROLE)
    generic.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    plain = click_times(generic, [COL_STATE])
    print(f"sorting {count:,} runs: one click on a column header (every column, both ways)")
    print(f"  the board: median {statistics.median(board) * 1000:.0f} ms   longest {max(board) * 1000:.0f} ms"
          f"   (target <= 50 ms, the stall target)")
    for mine, name in ((True, "the board"), (False, "the plain proxy")):
        print(f"  25 runs just checked while sorted by Last checked, {name}: median "
              f"{statistics.median(live[mine]) * 1000:.0f} ms   longest {max(live[mine]) * 1000:.0f} ms")
    ratio = statistics.median(board) / statistics.median(plain)
    print(f"  a plain QSortFilterProxyModel over the same model, State column: median "
          f"{statistics.median(plain) * 1000:.0f} ms   board/plain {ratio:.2f}")


def selecting(count: int) -> None:
    """Every run selected (Ctrl+A): the board's actions must not make each update or the menu slow."""
    from dataclasses import replace

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication, QTableView, QWidget

    from robocloud_desktop.ui.board.actions import BoardActions
    from robocloud_desktop.ui.board.model import RunFilterProxy, RunTableModel
    from robocloud_desktop.ui.board.table import configure_run_table

    app = QApplication.instance() or QApplication(sys.argv[:1])
    runs = varied_runs(count)

    def board(with_actions: bool) -> tuple[QWidget, QTableView, RunTableModel]:
        window, model, proxy = QWidget(), RunTableModel(), RunFilterProxy()
        model.set_records(runs)
        proxy.setSourceModel(model)
        view = QTableView(window)
        view.setModel(proxy)
        configure_run_table(view)
        if with_actions:  # no services: nothing here triggers, checks or removes
            BoardActions(view, proxy, model, check_now=len, remove=len, background=None,  # type: ignore[arg-type]
                         parent=window)
        window.resize(1000, 600)
        window.show()
        app.processEvents()
        return window, view, model

    def timed(action) -> float:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        action()
        app.processEvents()
        return (time.perf_counter() - started) * 1000

    plain_window, plain_view, _ = board(False)
    plain = timed(plain_view.selectAll)
    plain_window.close()
    window, view, model = board(True)
    select_all = timed(view.selectAll)
    updates = [timed(lambda n=n: model.upsert([replace(model.record(n * 7), last_checked=time.time())]))
               for n in range(20)]
    menu = timed(lambda: view.customContextMenuRequested.emit(QPoint(10, 10)))
    popup = QApplication.activePopupWidget()
    if popup is not None:
        popup.close()
    window.close()
    print(f"all {count:,} runs selected (Ctrl+A), the board's actions following the selection")
    print(f"  selecting all: {select_all:.0f} ms   (a table without the actions: {plain:.0f} ms)")
    print(f"  a run updated while all are selected: median {statistics.median(updates):.1f} ms   longest "
          f"{max(updates):.1f} ms   opening the run menu: {menu:.0f} ms   (target <= 50 ms, the stall target)")


def stall(runs: int, duration: float, latency: float) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from robocloud_desktop.core.paths import app_paths
    from robocloud_desktop.core.profiles import Profile
    from robocloud_desktop.core.secrets import SecretStore
    from robocloud_desktop.demo import MemoryKeyring
    from robocloud_desktop.ui.app import create_window
    from robocloud_desktop.ui.workers import Background

    emulator = subprocess.Popen([sys.executable, "-m", "robocloud_desktop", "emulator", "--run-duration",
                                 str(duration), "--latency", str(latency)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert emulator.stdout is not None
        lines = [emulator.stdout.readline() for _ in range(5)]
        fields = dict(line.strip().split(":", 1) for line in lines[1:])
        base_url, ws, pid, secret = (fields[k].strip() for k in ("base URL", "workspace id", "process id", "secret"))
        app = QApplication.instance() or QApplication(sys.argv[:1])
        with tempfile.TemporaryDirectory() as tmp:
            memory = MemoryKeyring()
            secrets = SecretStore(backend=lambda: memory, environ={})
            window = create_window(app_paths(tmp), secrets)
            profile = window.services.profiles.add(Profile("Load", base_url, ws, pid), secret=secret)
            window.profile_list.reload()
            window.resize(1280, 800)
            window.show()
            services = window.services
            background = Background(max_threads=8)
            clock = QElapsedTimer()
            gaps: list[float] = []
            state = {"last": 0.0, "triggered": 0, "started": 0.0}

            def tick() -> None:
                now = clock.nsecsElapsed() / 1e6
                if state["last"]:
                    gaps.append(now - state["last"] - 5)
                state["last"] = now

            def trigger_one(n: int):  # type: ignore[no-untyped-def]
                run = services.client.trigger(profile.target(), secret, {"n": n})
                return services.history.record_trigger(run, profile.target(), {"n": n}, profile_id=profile.id,
                                                       profile_name=profile.name)

            def triggered(record) -> None:  # type: ignore[no-untyped-def]
                window.run_model.upsert([record])
                services.monitor.track(record)
                state["triggered"] += 1

            timer = QTimer()
            timer.setInterval(5)
            timer.timeout.connect(tick)
            # Setting up: start the runs (a user starts them one click at a time; here all at once),
            # then measure the event loop while the monitor follows them to the end.
            for n in range(runs):
                background.run(lambda n=n: trigger_one(n), triggered)
            deadline = time.monotonic() + 120
            while state["triggered"] < runs and time.monotonic() < deadline:
                app.processEvents()
                time.sleep(0.001)
            clock.start()
            timer.start()
            # The real event loop, as in the app; a second timer ends it when every run has ended.
            give_up = time.monotonic() + duration + 120
            watcher = QTimer()
            watcher.timeout.connect(
                lambda: app.quit() if window.run_model.in_flight() == 0 or time.monotonic() > give_up else None)
            watcher.start(100)
            app.exec()
            watcher.stop()
            ended = runs - window.run_model.in_flight()
            timer.stop()
            window.close()
            window.shutdown()
    finally:
        emulator.terminate()
        emulator.wait(10)
    gaps.sort()
    print(f"event loop while {runs} runs of {duration:g} s were monitored to their end ({ended} ended; "
          f"emulator round trip {latency * 1000:.0f} ms)")
    print(f"  5 ms timer lateness: p50 {statistics.median(gaps):.1f} ms   p99 {gaps[int(len(gaps) * 0.99)]:.1f} ms"
          f"   longest stall {gaps[-1]:.1f} ms   (target <= 50 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--launches", type=int, default=5)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--run-duration", type=float, default=10.0)
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds the emulator waits before each answer: a Control Room round trip is "
                        "tens of milliseconds; 0 makes the polling CPU-bound, a worst case (default 0.05)")
    parser.add_argument("--sort-rows", type=int, default=10_000, help="runs on the board for the sorting test")
    parser.add_argument("--only", choices=["startup", "sorting", "responsiveness"],
                        help="run only this part: start-up (1), sorting and selecting (2, 3), or the event loop "
                        "while runs are monitored (4)")
    args = parser.parse_args()
    if args.only in (None, "startup"):
        startup(args.launches)
    if args.only in (None, "sorting") and args.sort_rows > 0:
        sorting(args.sort_rows)
        selecting(args.sort_rows)
    if args.only in (None, "responsiveness") and args.runs > 0:
        stall(args.runs, args.run_duration, args.latency)


if __name__ == "__main__":
    main()
