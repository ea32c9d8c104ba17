"""`robocloud-desktop install-desktop-entry`: the app in a Linux desktop's application menu, for the user.

It puts the desktop entry, the app's icon and its AppStream metadata (robocloud_desktop/resources/desktop)
into the XDG data folder, the entry starting this very copy of the app: the GUI script installed with it,
or the bundle's executable. `--remove` takes them away again.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from robocloud_desktop import resources
from robocloud_desktop.cli.common import EXIT_OK, Context, UsageError
from robocloud_desktop.core.atomic import write_atomic
from robocloud_desktop.resources import APP_ID

GUI_SCRIPT = "robocloud-desktop-window"
DISTRIBUTION = "robocloud-desktop"  # as pip knows it
# The desktop entry specification's reserved characters: an argument of Exec= holding one is quoted.
RESERVED = frozenset(" \t\n\r\"'\\><~|&;$*?#()`")


@dataclass(frozen=True)
class Placement:
    """Where the three files go under one XDG data folder (~/.local/share, or /usr/share)."""

    data_dir: Path

    @property
    def entry(self) -> Path:
        return self.data_dir / "applications" / f"{APP_ID}.desktop"

    @property
    def icon_theme(self) -> Path:
        return self.data_dir / "icons" / "hicolor"

    @property
    def icon(self) -> Path:
        return self.icon_theme / "scalable" / "apps" / f"{APP_ID}.svg"

    @property
    def metainfo(self) -> Path:
        return self.data_dir / "metainfo" / f"{APP_ID}.metainfo.xml"

    @property
    def files(self) -> tuple[Path, Path, Path]:
        return self.entry, self.icon, self.metainfo


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "install-desktop-entry", help="add the window to the desktop's application menu (Linux)",
        description="Add robocloud-desktop to the application menu of a Linux desktop, for you: a desktop entry "
                    "that opens this copy's window, its icon and its AppStream metadata.")
    parser.add_argument("--remove", action="store_true", help="remove what install-desktop-entry added")
    parser.add_argument("--prefix", metavar="DIR", type=_prefix,
                        help="install under DIR/share (/usr/local for everyone, as root) instead of your "
                             "$XDG_DATA_HOME (default ~/.local/share)")
    parser.set_defaults(handler=run)


def run(ctx: Context) -> int:
    if sys.platform in ("win32", "darwin"):
        raise UsageError("Desktop entries are for Linux and other freedesktop.org desktops. Here, start the "
                         "window with robocloud-desktop-window (it opens no console).")
    place = Placement(data_dir(ctx.args.prefix, os.environ))
    if ctx.args.remove:
        return remove(ctx, place)
    command = launch_command(getattr(sys, "frozen", False), sys.executable)
    folder = resources.folder()
    entry = desktop_entry((folder / "desktop" / f"{APP_ID}.desktop").read_text(encoding="utf-8"), command)
    # Public files, as menus and software centres read them (for everyone under a system --prefix): no secret
    # is in them.
    for path, data in ((place.entry, entry.encode()), (place.icon, (folder / "icons" / "app.svg").read_bytes()),
                       (place.metainfo, (folder / "desktop" / f"{APP_ID}.metainfo.xml").read_bytes())):
        try:
            write_atomic(path, data, mode=0o644)
        except OSError as error:
            raise UsageError(_cannot_change(path, error, place)) from None
    _icons_changed(place)
    ctx.print(f"Added robocloud-desktop to the application menu: it starts {' '.join(command)}")
    for path in place.files:
        ctx.print(f"  {path}")
    prefix = f" --prefix {shlex.quote(ctx.args.prefix)}" if ctx.args.prefix is not None else ""
    ctx.print(f"To take it away: robocloud-desktop install-desktop-entry --remove{prefix}")
    return EXIT_OK


def remove(ctx: Context, place: Placement) -> int:
    removed = []
    for path in place.files:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise UsageError(_cannot_change(path, error, place)) from None
        removed.append(path)
    if not removed:
        ctx.print(f"robocloud-desktop has no menu entry under {place.data_dir}: nothing to remove.")
        return EXIT_OK
    _icons_changed(place)
    ctx.print("Removed robocloud-desktop from the application menu:")
    for path in removed:
        ctx.print(f"  {path}")
    return EXIT_OK


def data_dir(prefix: str | None, environ: Mapping[str, str]) -> Path:
    """DIR/share for --prefix DIR; otherwise $XDG_DATA_HOME, or ~/.local/share when it is unset or, as the
    XDG Base Directory specification says to treat it, not an absolute path."""
    if prefix is not None:
        return Path(prefix).expanduser().absolute() / "share"
    xdg = environ.get("XDG_DATA_HOME", "")
    return Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"


def launch_command(frozen: bool, executable: str) -> list[str]:
    """What opens this copy's window: the bundle's executable; the GUI script installed with this copy
    (in a venv, pipx's, the --user scripts folder); or, run from a checkout that was never installed,
    this Python with the package."""
    if frozen:
        return [executable]
    script = installed_script()
    return [str(script)] if script is not None else [executable, "-m", "robocloud_desktop"]


def installed_script() -> Path | None:
    # The installer's record of the files it put down names the scripts wherever they went; no guess at
    # PATH, which may hold another copy.
    from importlib import metadata

    try:
        files = metadata.distribution(DISTRIBUTION).files or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name in (GUI_SCRIPT, f"{GUI_SCRIPT}.exe"):
            path = Path(os.path.normpath(file.locate()))  # RECORD names it from site-packages: ../../../bin/
            if path.is_file():
                return path
    return None


def desktop_entry(template: str, command: Sequence[str]) -> str:
    """The desktop entry with Exec= (and TryExec=, so that menus drop the entry should the program go)
    set to `command`."""
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + exec_value(command)
        elif line.startswith("TryExec="):
            line = "TryExec=" + string_value(command[0])
        lines.append(line)
    return "\n".join(lines) + "\n"


def exec_value(command: Sequence[str]) -> str:
    """`command` as the value of Exec=: each argument quoted if it has a reserved character, then escaped
    as every string value is (the spec undoes that escaping first, then the quoting)."""
    return string_value(" ".join(_exec_argument(word) for word in command))


def _exec_argument(word: str) -> str:
    if word and not RESERVED.intersection(word):
        return word.replace("%", "%%")
    escaped = "".join(f"\\{ch}" if ch in '"`$\\' else ch for ch in word)
    return f'"{escaped}"'.replace("%", "%%")


def string_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _icons_changed(place: Placement) -> None:
    # An icon theme folder with a cache (icon-theme.cache) is read from the cache while the cache is
    # newer than the folder: touching the folder makes desktops look at the files again.
    if place.icon_theme.is_dir():
        os.utime(place.icon_theme)


def _cannot_change(path: Path, error: OSError, place: Placement) -> str:
    return (f"Cannot change {path}: {error.strerror or error}. Check that you may write to {place.data_dir}, "
            "or give another folder with --prefix.")


def _prefix(text: str) -> str:
    """argparse type: a folder name that is not blank (a blank one would mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the folder name is empty; give a folder, or leave --prefix out")
    return text
