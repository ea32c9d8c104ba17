"""Render the README's screenshot from the real window in demo mode (offscreen, no display needed).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/render_screenshot.py [docs/screenshot.png] [WxH] [dark]
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt

from robocloud_desktop.core.monitor import PollPlan
from robocloud_desktop.demo import start_demo
from robocloud_desktop.ui.app import create_window
from robocloud_desktop.ui.theme import apply_theme, make_application


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png"
    width, height = map(int, (sys.argv[2] if len(sys.argv) > 2 else "1280x800").split("x"))
    dark = len(sys.argv) > 3 and sys.argv[3] == "dark"
    app = make_application()
    apply_theme(app, Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
    demo = start_demo(run_duration=1.5, schedule_every=4.0)
    window = create_window(demo.paths, demo.secrets, demo=True,
                           plan=PollPlan(first_delay=0.2, intervals=((0, 0.5),), discover_interval=0.5))
    window.resize(width, height)
    window.show()

    def spin(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    spin(1)
    profiles = window.services.profiles.profiles()
    # A board with every kind of row: runs that completed, failed, and are still running, started
    # here and by the demo's schedule.
    for profile in profiles:
        window.profile_list.select_profile(profile.id)
        spin(0.3)
        for _ in range(1 if "Payroll" in profile.name else 2):
            window.trigger()
            spin(0.8)
    spin(2.5)
    window.profile_list.select_profile(profiles[0].id)
    spin(0.3)
    window.trigger()
    spin(0.6)
    window.grab().save(out)
    window.close()
    window.shutdown()
    demo.close()
    print(f"saved {out}")


if __name__ == "__main__":
    main()
