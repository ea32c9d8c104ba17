"""PySide6.QtGui as PyInstaller's own hook collects it, less what the app does not use (see bundle_qt.py,
which robocloud-desktop.spec puts on the path)."""

from bundle_qt import without_unused
from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = without_unused(*add_qt6_dependencies(__file__))
