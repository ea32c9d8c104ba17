"""The window: PySide6 widgets and Qt models over the core. No logic the core already has.

The core modules the window uses load here, before any Qt: PySide, once loaded, reads the source of
every module imported after it (looking for its `from __feature__ import` switches), which the core,
free of Qt, does not need. Loaded first, they spare the window's start about 2 ms.
tests/ui/test_first_frame.py says when a core module the window loads is missing here.
"""

import importlib

for _name in ("atomic", "errors", "logs", "models", "paths", "payload", "process_lock", "profiles", "secrets",
              "timeouts", "visible"):
    importlib.import_module(f"robocloud_desktop.core.{_name}")
importlib.import_module("robocloud_desktop.resources")
