"""--demo: the emulator in-process, demo profiles with in-memory secrets, and a run that completes."""

from __future__ import annotations

from PySide6.QtCore import Qt

from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.monitor import PollPlan
from robocloud_desktop.demo import start_demo
from robocloud_desktop.ui.app import create_window


def test_demo_opens_with_profiles_and_a_run_reaches_completed(qtbot):
    demo = start_demo(run_duration=0.5)
    window = create_window(demo.paths, demo.secrets, demo=True, plan=PollPlan(first_delay=0.1, intervals=((0, 0.3),)))
    qtbot.addWidget(window)
    try:
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        assert "demo" in window.windowTitle()
        names = [p.name for p in window.services.profiles.profiles()]
        assert len(names) == 3 and window.profile_list.current_profile() is not None
        qtbot.waitUntil(window.trigger_button.isEnabled)
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: window.run_model.rowCount() == 1, timeout=10000)
        run = window.run_model.record(0)
        qtbot.waitUntil(lambda: window.run_model.record_for(run.run_id).outcome is Outcome.SUCCEEDED, timeout=10000)
        # Secrets live in memory only: nothing under the demo's folder holds one.
        secret = demo.emulator.default_process.secret
        assert all(secret.encode() not in p.read_bytes() for p in demo.home.rglob("*") if p.is_file())
    finally:
        window.close()
        window.shutdown()
        demo.close()
    assert not demo.home.exists()
