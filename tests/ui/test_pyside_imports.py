"""PySide reads the source of every module imported after it; the window answers its question from
the module's namespace instead, so loading the HTTP stack and the keyring reads no source files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LOAD_AFTER_THE_WINDOW = textwrap.dedent(
    """
    import linecache, sys
    import robocloud_desktop.ui.main_window  # the window's modules, PySide with them
    read_before = set(linecache.cache)
    import http.cookiejar, sqlite3, xml.dom.minidom  # not loaded yet: as the monitor's imports are
    class NotAModule:  # some libraries put such objects in sys.modules: importing them still works
        __slots__ = ()
        __name__ = "not_a_module"
    sys.modules["not_a_module"] = NotAModule()
    import not_a_module
    feature = sys.modules["shibokensupport.feature"]
    print(sorted(set(linecache.cache) - read_before))
    print(feature.pyside_feature_dict["robocloud_desktop.ui.payload_editor"], feature.pyside_feature_dict["sqlite3"])
    """
)


def test_modules_loaded_after_the_window_are_not_read_as_text() -> None:
    done = subprocess.run([sys.executable, "-c", LOAD_AFTER_THE_WINDOW], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=True)
    read, answers = done.stdout.splitlines()
    assert read == "[]"  # no source file read for them
    assert answers == "0 -1"  # and PySide still tells a module that uses it (0) from one that does not (-1)
