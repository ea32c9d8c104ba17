"""The `robocloud-desktop` command as installed, and `python -m robocloud_desktop`; and
`robocloud-desktop-window`, the window alone."""

from __future__ import annotations

import sys

from robocloud_desktop.startup import pause_collector


def main() -> int:
    pause_collector()  # before anything else loads: see robocloud_desktop/startup.py
    from robocloud_desktop.cli import main as run

    return run()


def window() -> int:
    """Installed as a GUI script: on Windows it starts with no console, so a Start-menu shortcut opens the
    window alone. It always opens the window, and takes the window's options only."""
    pause_collector()
    config_dir, demo = None, False
    if sys.argv[1:]:  # a menu starts it with none: argparse is built only for options typed in
        import argparse

        from robocloud_desktop.cli.common import add_config_dir

        parser = argparse.ArgumentParser(prog="robocloud-desktop-window",
                                         description="Open the robocloud-desktop window. The command line is "
                                                     "`robocloud-desktop`.")
        parser.add_argument("--demo", action="store_true",
                            help="open the window on the built-in Process API emulator, with demo profiles")
        add_config_dir(parser, default=None)
        args = parser.parse_args()
        config_dir, demo = args.config_dir, args.demo
    from robocloud_desktop.ui.app import run_gui

    return run_gui(config_dir, demo)
