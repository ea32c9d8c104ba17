"""PyInstaller hook for desktop-notifier (none ships with it or with pyinstaller-hooks-contrib): its
default notification icon is a data file read with importlib.resources, and the backend for the
platform is imported by name when a notifier is made."""

import sys

from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files("desktop_notifier")
if sys.platform == "darwin":
    hiddenimports = ["desktop_notifier.backends.macos", "desktop_notifier.backends.dummy"]
elif sys.platform == "win32":
    hiddenimports = ["desktop_notifier.backends.winrt"]
else:
    hiddenimports = ["desktop_notifier.backends.dbus"]
