"""PySide6.QtNetwork as PyInstaller's own hook collects it, less what the app does not use (see
bundle_qt.py, which robocloud-desktop.spec puts on the path), and without the OpenSSL libraries that
hook adds for Qt's own TLS: the app uses QtNetwork for its local socket only, HTTPS goes through Python."""

from bundle_qt import without_unused
from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = without_unused(*add_qt6_dependencies(__file__))
