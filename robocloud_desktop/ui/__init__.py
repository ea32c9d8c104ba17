"""The window: PySide6 widgets and Qt models over the core. No logic the core already has."""

import sys
import types

from robocloud_desktop.ui import quick_enums

quick_enums.install()  # before PySide builds its first enum

import PySide6.QtCore  # noqa: E402, F401  installs PySide's import hook, which the lines below make cheap


def _uses_pyside(module: types.ModuleType) -> bool:
    """Whether `module` has taken anything from PySide6, read from its namespace."""
    try:
        values = list(vars(module).values())
    except TypeError:  # not a module (some libraries put other objects in sys.modules)
        return False
    for value in values:
        if isinstance(value, types.ModuleType):
            name = getattr(value, "__name__", "")
        elif isinstance(value, type):
            name = getattr(value, "__module__", "")
        else:
            continue
        if isinstance(name, str) and name.startswith(("PySide6", "shiboken6")):
            return True
    return False


def _answer_pyside_without_reading_sources() -> None:
    """Once loaded, PySide reads the whole source file of every module imported after it, looking
    for the word "PySide6" (for `from __feature__ import ...`, which this app does not use). In the
    window's first seconds that is some 130 files, the standard library's largest among them:
    30 to 80 ms of work holding the interpreter, and 1.7 MB of source text kept in memory for good.

    A module that uses PySide has imported from it by the time PySide looks, so its namespace gives
    the same answer at once. Without the hook this finds (another PySide), nothing changes."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = _uses_pyside


_answer_pyside_without_reading_sources()
