"""A run's end told inside the window, when the desktop has no notification service to tell it: a
small card at the top right of the window's content, over it. It takes neither the focus nor the
keyboard (whoever is typing a payload goes on typing), a click on it shows its runs, and it goes by
itself once it has been in sight a while, or at once with its ✕."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QMainWindow, QToolButton, QWidget

from robocloud_desktop.ui.look import banner_colours, icon

WIDTH = 360
MARGIN = 12


class RunNotice(QFrame):
    clicked = Signal()  # the user wants to see the runs it tells of

    def __init__(self, window: QWidget, shown_ms: int) -> None:
        """`shown_ms`: how long it stays in sight, counted only while the window is the active one,
        so that a run that ended while the user was in another window is still told when they come
        back."""
        super().__init__(window)
        self._window = window
        self.setObjectName("runNotice")
        self.setAccessibleName("Run ended")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to show on the board")
        self._icon = QLabel(self)
        self._title = QLabel(self)
        self._title.setObjectName("runNoticeTitle")
        self._title.setWordWrap(True)
        self._message = QLabel(self)
        self._message.setObjectName("runNoticeMessage")
        self._message.setWordWrap(True)
        close = QToolButton(self)
        close.setObjectName("runNoticeClose")
        close.setText("✕")
        close.setAutoRaise(True)
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.setToolTip("Dismiss")
        close.setAccessibleName("Dismiss notice")
        close.clicked.connect(self.hide)
        layout = QGridLayout(self)
        layout.setContentsMargins(12, 10, 6, 10)
        layout.setHorizontalSpacing(10)
        layout.addWidget(self._icon, 0, 0, 2, 1, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self._title, 0, 1)
        layout.addWidget(self._message, 1, 1)
        layout.addWidget(close, 0, 2, 2, 1, Qt.AlignmentFlag.AlignTop)
        layout.setColumnStretch(1, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(shown_ms)
        self._timer.timeout.connect(self.hide)
        window.installEventFilter(self)
        self.hide()

    def tell(self, title: str, message: str, icon_name: str) -> None:
        """Show this, in place of what it showed before."""
        background, foreground = banner_colours("info")
        self.setStyleSheet(
            f"#runNotice {{ background: {background}; border: 1px solid {foreground}; border-radius: 6px; }}"
            f"#runNotice QLabel {{ color: {foreground}; }} #runNoticeTitle {{ font-weight: 600; }}"
        )
        self._icon.setPixmap(icon(icon_name).pixmap(20, 20))
        self._title.setText(title)
        self._message.setText(message)
        self.setAccessibleDescription(f"{title}. {message}")
        self._place()
        self.show()
        self.raise_()
        self._timer.stop()
        if self._window.isActiveWindow():
            self._timer.start()

    def title(self) -> str:
        return self._title.text() if self.isVisible() else ""

    def message(self) -> str:
        return self._message.text() if self.isVisible() else ""

    def _place(self) -> None:
        central = self._window.centralWidget() if isinstance(self._window, QMainWindow) else None
        area = central.geometry() if central is not None else self._window.rect()
        width = max(120, min(WIDTH, area.width() - 2 * MARGIN))
        height = self.heightForWidth(width) if self.hasHeightForWidth() else self.sizeHint().height()
        self.setGeometry(area.right() + 1 - MARGIN - width, area.top() + MARGIN, width, height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and self.isVisible():
            kind = event.type()
            if kind == QEvent.Type.Resize:
                self._place()
            elif kind == QEvent.Type.WindowActivate:
                self._timer.start()
            elif kind == QEvent.Type.WindowDeactivate:
                self._timer.stop()  # the time in sight starts again when the user comes back
        return False

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()  # so that the release comes here too, not to the window below

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.hide()
            self.clicked.emit()
