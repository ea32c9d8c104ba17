"""The `robocloud-desktop` command as installed, and `python -m robocloud_desktop`."""

from __future__ import annotations

from robocloud_desktop.startup import pause_collector


def main() -> int:
    pause_collector()  # before anything else loads: see robocloud_desktop/startup.py
    from robocloud_desktop.cli import main as run

    return run()
