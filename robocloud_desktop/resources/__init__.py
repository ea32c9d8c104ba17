"""Files the app reads at run time, inside the package (pyproject.toml's package-data), so that every
way of installing it has them: a wheel with pip, pipx or `pip install --user`, a checkout, the bundle.

- icons/: the window's icons; app.svg is also the app's icon on the desktop.
- desktop/: the Linux desktop entry and its AppStream metadata, which
  `robocloud-desktop install-desktop-entry` installs for the user (robocloud_desktop/cli/desktop_entry.py).
"""

from __future__ import annotations

from pathlib import Path

# The app's id on the desktop: the desktop entry's file name, and the window's (Wayland's app_id, which
# desktops match against that file for the window's icon and name).
APP_ID = "org.robocloud.Desktop"


def folder() -> Path:
    """This folder: what `importlib.resources.files("robocloud_desktop.resources")` is for a package on
    disk, which is how the app is always installed (Qt reads icons by file name, so a zipped package
    could not show them anyway). Loading importlib.resources would add 3 to 4 ms to the window's first
    frame, which needs the icons; this takes a few microseconds."""
    return Path(__file__).parent
