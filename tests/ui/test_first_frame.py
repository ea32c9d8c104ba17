"""The window's first frame comes before the parts of the app it does not show: they load once it is
drawn, or when first used, and then work as before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Not needed to draw the window: the payload's colours, the details of a run (its story tabs and its
# actions), sending a trigger, watching the profile file, removing a profile, curl commands, the
# monitor's news, notifications, the message strip and the status bar's network problem.
LATER = [
    "robocloud_desktop.ui.payload.highlighter",
    "robocloud_desktop.ui.board.run_actions",
    "robocloud_desktop.ui.board.story.access",
    "robocloud_desktop.ui.board.story.tabs",
    "robocloud_desktop.ui.trigger",
    "robocloud_desktop.ui.profiles.watch",
    "robocloud_desktop.core.profile_removal",
    "robocloud_desktop.core.redact",
    "robocloud_desktop.core.curl",
    "robocloud_desktop.ui.bridge",
    "robocloud_desktop.ui.notifications",
    "robocloud_desktop.ui.banner",
    # What is there for when something goes wrong: the log file's handler, the diagnostics, the
    # dialog of an unexpected error and the Help menu's actions.
    "logging.handlers",
    "robocloud_desktop.core.diagnostics",
    "robocloud_desktop.ui.crash_dialog",
    "robocloud_desktop.ui.help_actions",
    # What the board offers once a run is there: its right-click actions and the details pane.
    "robocloud_desktop.ui.board.actions",
    "robocloud_desktop.ui.board.details",
    # Keys: none can be pressed in a window not yet drawn.
    "robocloud_desktop.ui.keys",
]

# A fresh interpreter (this one has loaded everything the other tests use) opens the window on a
# profile, then says which modules were loaded at its first paint, and whether the payload was
# coloured once the window had started.
OPENING = """
import json, sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from robocloud_desktop.core.paths import app_paths
from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.demo import MemoryKeyring
from robocloud_desktop.ui.app import create_window
from robocloud_desktop.ui.look import icon

paths = app_paths(Path(sys.argv[1]))
ProfileStore(paths.profiles_file).add(Profile("Invoices", "https://api.eu1.robocloud.eu", "ws-1", "proc-1",
                                              payload='{"n": 1}'))
app = QApplication(sys.argv[:1])
memory = MemoryKeyring()
window = create_window(paths, SecretStore(backend=lambda: memory, environ={}))
seen = {}

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and "at_first_paint" not in seen:
            seen["at_first_paint"] = sorted(sys.modules)
            seen["icons_at_first_paint"] = icon.cache_info().currsize
        return False

def started():
    block = window.editor.editor.document().firstBlock()
    seen["coloured"] = bool(block.layout().formats())
    seen["after_start"] = sorted(sys.modules)
    seen["icons_after_start"] = icon.cache_info().currsize
    seen["trigger_icon"] = not window.trigger_button.icon().isNull()
    seen["status_icon"] = not window.editor.status_icon.pixmap().isNull()
    QTimer.singleShot(0, app.quit)

spy = FirstPaint()
window.installEventFilter(spy)
window.started.connect(started)
window.show()
QTimer.singleShot(20000, app.quit)
app.exec()
window.close()
window.shutdown()
print(json.dumps(seen))
"""


def test_the_first_frame_does_without_what_it_does_not_show_and_the_rest_follows(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", OPENING, str(tmp_path)], capture_output=True, text=True,
                          timeout=60, env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""})
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert "robocloud_desktop.ui.main_window" in seen["at_first_paint"]
    assert not set(LATER) & set(seen["at_first_paint"])
    # No SVG icon is drawn in the first frame (the first loads Qt's SVG renderer); they come once it is.
    assert seen["icons_at_first_paint"] == 0
    assert seen["icons_after_start"] > 0 and seen["trigger_icon"] and seen["status_icon"]
    # Once drawn, the window goes on: the payload is coloured, its file watched, the runs followed.
    assert seen["coloured"]
    assert {"robocloud_desktop.ui.payload.highlighter", "robocloud_desktop.ui.profiles.watch",
            "robocloud_desktop.ui.bridge", "robocloud_desktop.ui.notifications",
            "robocloud_desktop.ui.keys"} <= set(seen["after_start"])


def test_the_command_with_no_arguments_goes_to_the_window_without_the_commands_modules(tmp_path: Path) -> None:
    """`robocloud-desktop` as a menu starts it: the window, without the context, log and errors of a
    command; and the core it uses loads before Qt, which would otherwise read each module's source.
    With no display the window stops at once, having loaded what it loads first."""
    opening = """
import sys
from robocloud_desktop.cli import main
code = main([])
names = list(sys.modules)
after_qt = names[names.index("PySide6.QtCore"):]
print(code)
print(" ".join(sorted(name for name in names if name.startswith("robocloud_desktop.cli"))))
print(" ".join(name for name in after_qt if name.startswith("robocloud_desktop.core")) or "-")
print(len([name for name in names if name.startswith("robocloud_desktop.core.")]))
"""
    done = subprocess.run([sys.executable, "-c", opening], capture_output=True, text=True, timeout=60,
                          env={"PATH": "", "HOME": str(tmp_path)})
    assert "no display to open the window on" in done.stderr
    code, cli_modules, core_after_qt, core_count = done.stdout.splitlines()
    assert (code, cli_modules) == ("2", "robocloud_desktop.cli")
    assert core_after_qt == "-"
    assert int(core_count) >= 10  # the window's files, profiles, secrets and log: loaded, and before Qt
