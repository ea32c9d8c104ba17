"""Qt's own messages (a style that cannot load, a painter misused, a platform plugin's complaints) go to
the app's log with their level, under the logger of their category (`qt` for Qt's default one,
`qt.qpa.xcb` and the like for the others), instead of a terminal nobody watches."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler, qVersion
from PySide6.QtGui import QGuiApplication

LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def qt_runtime() -> str:
    """Qt's version at run time and the platform plugin drawing the window (xcb, wayland, windows...)."""
    return f"Qt {qVersion()}, platform plugin {QGuiApplication.platformName() or '?'}"


Handler = Callable[[QtMsgType, QMessageLogContext, str], Any]


class QtMessages:
    """Routes Qt's messages into logging from `install()` until `uninstall()`. A handler installed
    before (pytest-qt's, in tests) still gets each message."""

    def __init__(self) -> None:
        self._previous: Handler | None = None
        self._installed = False

    def install(self) -> None:
        if not self._installed:
            self._previous = qInstallMessageHandler(self.handle)
            self._installed = True

    def uninstall(self) -> None:
        if self._installed:
            qInstallMessageHandler(self._previous)
            self._installed = False

    def handle(self, kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        category = context.category or "default"
        name = "qt" if category == "default" else category if category.startswith("qt") else f"qt.{category}"
        logger = logging.getLogger(name)
        level = LEVELS.get(kind, logging.WARNING)
        if logger.isEnabledFor(level):
            where = f" ({context.file}:{context.line})" if context.file else ""
            logger.log(level, "%s%s", message, where)
        if kind == QtMsgType.QtFatalMsg:
            # Qt ends the process once this returns: the line must be on disk first.
            for handler in logging.getLogger().handlers:
                handler.flush()
        if self._previous is not None:
            self._previous(kind, context, message)
