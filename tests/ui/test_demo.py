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
        with qtbot.waitSignal(window.started):  # drawn, and all made
            window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        assert "demo" in window.windowTitle()
        names = [p.name for p in window.services.profiles.profiles()]
        # Three per-process secret profiles, and two sharing the workspace's API key (Control Room API v1).
        assert len(names) == 5 and window.profile_list.current_profile() is not None
        assert sum(p.uses_key for p in window.services.profiles.profiles()) == 2
        qtbot.waitUntil(window.trigger_button.isEnabled)
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: window.run_model.rowCount() == 1, timeout=10000)
        run = window.run_model.record(0)
        qtbot.waitUntil(lambda: window.run_model.record_for(run.run_id).outcome is Outcome.SUCCEEDED, timeout=10000)
        # Secrets live in memory only: nothing under the demo's folder holds one.
        secret = demo.emulator.default_process.secret
        assert all(secret.encode() not in p.read_bytes() for p in demo.home.rglob("*") if p.is_file())
        key = demo.emulator.default_key
        assert all(key.encode() not in p.read_bytes() for p in demo.home.rglob("*") if p.is_file())
    finally:
        window.close()
        window.shutdown()
        demo.close()
    assert not demo.home.exists()


def test_demo_shows_scheduled_runs_of_its_v1_process_and_starts_an_array_payload(qtbot):
    demo = start_demo(run_duration=0.5, schedule_every=0.5)
    plan = PollPlan(first_delay=0.1, intervals=((0, 0.3),), discover_interval=0.3)
    window = create_window(demo.paths, demo.secrets, demo=True, plan=plan)
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(window.started):  # drawn, and all made
            window.show()
        # The schedule's runs come onto the board by themselves, said to be started by it.
        qtbot.waitUntil(lambda: any(window.run_model.record(row).started_by_type == "schedule"
                                    for row in range(window.run_model.rowCount())), timeout=10000)
        scheduled = next(window.run_model.record(row) for row in range(window.run_model.rowCount()))
        assert scheduled.profile_name == "Monthly reports (API v1)"
        order_intake = next(p for p in window.services.profiles.profiles() if p.name.startswith("Order intake"))
        assert window.profile_list.select_profile(order_intake.id)
        qtbot.waitUntil(lambda: "3 work items" in window.editor.status.toolTip() + window.editor.status.text())
        qtbot.waitUntil(window.trigger_button.isEnabled)
        qtbot.mouseClick(window.trigger_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: any(window.run_model.record(row).profile_id == order_intake.id
                                    for row in range(window.run_model.rowCount())), timeout=10000)
        mine = next(window.run_model.record(row) for row in range(window.run_model.rowCount())
                    if window.run_model.record(row).profile_id == order_intake.id)
        assert mine.started_by == ""  # started here
        qtbot.waitUntil(lambda: window.run_model.record_for(mine.run_id).state == "completed", timeout=10000)
        assert demo.emulator.work_items_of(mine.run_id) == 3
    finally:
        window.close()
        window.shutdown()
        demo.close()
