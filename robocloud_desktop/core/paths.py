"""Where the app keeps its files. One override moves config, data and logs under one folder."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "robocloud-desktop"
HOME_ENV = "ROBOCLOUD_DESKTOP_HOME"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def profiles_file(self) -> Path:
        return self.config_dir / "profiles.json"

    @property
    def history_db(self) -> Path:
        return self.data_dir / "history.sqlite3"


def app_paths(override: str | os.PathLike[str] | None = None) -> AppPaths:
    """`override` (the --config-dir option) wins over $ROBOCLOUD_DESKTOP_HOME, which wins over
    the platform's usual places. With an override, everything lives under that one folder, so
    a portable install or a test never touches the user's real files."""
    home = override if override is not None else os.environ.get(HOME_ENV) or None
    if home is not None:
        root = Path(home).expanduser().resolve()
        return AppPaths(root / "config", root / "data", root / "logs")
    return AppPaths(
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner can open (0700): made so if missing, tightened if it lets
    others in. Only `path` itself: parents made on the way keep the usual mode, and a parent that
    exists (the user's ~/.config, or the folder given with --config-dir) is never changed. OSError
    when the folder cannot be made or tightened (a read-only or full file system)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    return path


def private_file(path: Path) -> Path:
    """`path` as a file only its owner can read (0600): made empty if missing, tightened if it lets
    others read it. For files another library writes (Qt's settings), which keeps the mode of a file
    that exists. Anything but a regular file is left alone. OSError when it cannot be made."""
    # O_NONBLOCK: a FIFO in its place must not hang the app on open.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK, 0o600)
    try:
        tighten_fd(fd)
    finally:
        os.close(fd)
    return path


def tighten_fd(fd: int) -> None:
    """Take group and other permissions off the open regular file `fd`."""
    if os.name != "posix":
        return
    info = os.fstat(fd)
    if stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
        os.fchmod(fd, stat.S_IMODE(info.st_mode) & 0o700)
