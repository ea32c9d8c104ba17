"""The core must work where Qt is absent: import every module under it with PySide6 blocked."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_every_core_module_imports_without_pyside6():
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class BlockQt:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6"):
                    raise ImportError(f"{name} is blocked in this test")
                return None

        sys.meta_path.insert(0, BlockQt())
        import robocloud_desktop.core as core
        names = [m.name for m in pkgutil.walk_packages(core.__path__, "robocloud_desktop.core.")]
        for name in names:
            importlib.import_module(name)
        assert not any(n.split(".")[0] in ("PySide6", "shiboken6") for n in sys.modules)
        print(len(names))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 8  # api, answers, errors, models, payload, redact, regions, target, transport
