"""Open the demo window on the screen Qt was given, fill its board, save a picture of it and print
what reads badly, as JSON. Run in a subprocess (each screen size, or scale, needs its own Qt):

    QT_QPA_PLATFORM=offscreen:configfile=screens.json [QT_SCALE_FACTOR=2] python -m tests.ui.window_render out.png

With a second argument, the window geometry saved in a settings file is set to that rectangle
("x,y,width,height") first, as if the window had been closed there last time.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QLineEdit, QWidget

from robocloud_desktop.core.monitor import PollPlan
from robocloud_desktop.demo import start_demo
from robocloud_desktop.ui.app import create_window, window_settings
from robocloud_desktop.ui.main_window import MainWindow
from robocloud_desktop.ui.theme import make_application


def wait(app: QApplication, until: Any, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not until() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def fill_board(app: QApplication, window: MainWindow) -> None:
    """A run of each profile, so every column and the details have something in them."""
    for profile in window.services.profiles.profiles():
        window.profile_list.select_profile(profile.id)
        wait(app, window.trigger_button.isEnabled)
        before = window.run_model.rowCount()
        window.trigger()
        wait(app, lambda before=before: window.run_model.rowCount() > before)
    window.run_table.selectRow(0)
    wait(app, lambda: window.run_details.record is not None)
    app.processEvents()


def outside(window: MainWindow) -> list[str]:
    """Visible widgets that reach past the window's edges."""
    bounds = window.rect()
    found = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.isWindow() or widget.width() <= 0:
            continue
        place = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
        # Inside a scroll area a widget may be larger than what shows: the area's viewport is what counts.
        if _in_scroll_area(widget):
            continue
        if not bounds.contains(place):
            found.append(f"{widget.objectName() or type(widget).__name__} {place.getRect()}")
    return found


def _in_scroll_area(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            return True
        parent = parent.parentWidget()
    return False


def cut_ids(window: MainWindow) -> list[str]:
    """Id fields in the details pane that show less than their whole value."""
    cut = []
    for field in window.run_details.findChildren(QLineEdit):
        if not field.isVisible() or not field.objectName().startswith("runDetails_"):
            continue
        need = field.fontMetrics().horizontalAdvance(field.text())
        if need > field.contentsRect().width():
            cut.append(f"{field.objectName()} needs {need}, has {field.contentsRect().width()}")
    return cut


def main(out: str, saved: str | None = None) -> dict[str, Any]:
    app = make_application()
    demo = start_demo(run_duration=600, schedule_every=3600)
    try:
        if saved:
            settings = window_settings(demo.paths)
            x, y, width, height = (int(part) for part in saved.split(","))
            settings.setValue("geometry", _saved_geometry(QRect(x, y, width, height)))
            settings.sync()
        window = create_window(demo.paths, demo.secrets, demo=True,
                               plan=PollPlan(first_delay=60, intervals=((0, 60),)))
        window.show()
        wait(app, lambda: not window.run_table.loading)
        fill_board(app, window)
        window.grab().save(out)
        screen = window.screen()
        board = window.run_table
        result = {
            "screen": screen.availableGeometry().getRect(),
            "ratio": screen.devicePixelRatio(),
            "window": window.frameGeometry().getRect(),
            "geometry": window.geometry().getRect(),
            "on_screen": screen.availableGeometry().contains(window.geometry()),
            "outside": outside(window),
            "board_scrolls_sideways": board.horizontalScrollBar().isVisible(),
            "board_width": board.viewport().width(),
            "columns": [board.horizontalHeader().sectionSize(c) for c in range(board.model().columnCount())
                        if not board.isColumnHidden(c)],
            "cut_ids": cut_ids(window),
        }
        window.close()
        window.shutdown()
        return result
    finally:
        demo.close()


def _saved_geometry(place: QRect) -> Any:
    """What QWidget.saveGeometry() writes for a window at `place`, from a window put there."""
    widget = QWidget()
    widget.setGeometry(place)
    return widget.saveGeometry()


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:3])))
