"""The window's size and place on the screens there are: a first window that fits a small laptop or a
scaled 4K panel, and a saved place brought back onto a monitor that still exists."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

PREFERRED = QSize(1280, 800)  # the layout's default sizes are made for this
SMALLEST = QSize(900, 600)  # below this the panes squeeze; a smaller screen still gets a window that fits
# Room left for the window's frame and title bar, which the window's own geometry leaves out.
FRAME = QSize(16, 40)


def first_geometry(available: QRect) -> QRect:
    """Where a window with no saved geometry opens: the preferred size, or as much of the screen as
    there is, centred."""
    size = PREFERRED.boundedTo(available.size() - FRAME)
    place = QRect(0, 0, max(size.width(), 1), max(size.height(), 1))
    place.moveCenter(available.center())
    return place


def smallest(available: QRect) -> QSize:
    """The minimum size, never larger than the screen (at 200 % a 1080p panel is 960 by 540)."""
    return SMALLEST.boundedTo(available.size() - FRAME)


def clamp(geometry: QRect, screens: list[QRect], primary: QRect) -> QRect:
    """`geometry` moved and shrunk onto a screen: the one holding its centre, else (its monitor
    unplugged, or the screens rearranged) the primary one."""
    home = next((screen for screen in screens if screen.contains(geometry.center())), primary)
    size = geometry.size().boundedTo(home.size() - FRAME).expandedTo(QSize(1, 1))
    # Inside the screen, with room above for the title bar and beside for the frame.
    side, title = FRAME.width() // 2, FRAME.height() - FRAME.width() // 2
    left = _between(geometry.left(), home.left() + side, home.right() + 1 - side - size.width())
    top = _between(geometry.top(), home.top() + title, home.bottom() + 1 - side - size.height())
    return QRect(left, top, size.width(), size.height())


def _between(value: int, low: int, high: int) -> int:
    return max(low, min(value, high)) if low <= high else low


def place_first(window: QWidget) -> None:
    """Size a window that has no saved geometry to the screen it opens on."""
    available = _screen_of(window)
    window.setMinimumSize(smallest(available))
    window.setGeometry(first_geometry(available))


def keep_on_screen(window: QWidget) -> None:
    """After restoring a saved geometry: back onto a screen that exists, no larger than it."""
    screens = [screen.availableGeometry() for screen in QGuiApplication.screens()]
    primary = QGuiApplication.primaryScreen()
    if primary is None or not screens:
        return
    home = clamp(window.geometry(), screens, primary.availableGeometry())
    on = next((screen for screen in screens if screen.contains(home.center())), primary.availableGeometry())
    window.setMinimumSize(smallest(on))
    # A maximised or full-screen window takes the screen Qt restored it on; only its normal geometry is ours.
    if home != window.geometry() and not window.isMaximized() and not window.isFullScreen():
        window.setGeometry(home)


def _screen_of(window: QWidget) -> QRect:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, PREFERRED.width(), PREFERRED.height())
