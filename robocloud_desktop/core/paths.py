"""Where the app keeps its files. One override moves config, data and logs under one folder."""

from __future__ import annotations

import os
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
