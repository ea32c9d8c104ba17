"""Profiles added or changed elsewhere (the command line, another window) come into the open window.

The profile file is watched, and its folder too: a save writes a new file and renames it over the
old one, which a watch on the file alone stops seeing. F5 in the profile list reads it again too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer

if TYPE_CHECKING:
    from pathlib import Path

    from robocloud_desktop.core.profiles import ProfileStore
    from robocloud_desktop.ui.profiles.panel import ProfileList
    from robocloud_desktop.ui.workers import Background

SETTLE_MS = 200  # a save is a few file events in a row: the file is read once they stop


class ProfileFileWatcher(QObject):
    def __init__(self, store: ProfileStore, profile_list: ProfileList, background: Background,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store, self._list, self._background = store, profile_list, background
        self._path: Path = store.path
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._changed)
        self.watcher.directoryChanged.connect(self._changed)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.reload_now)
        self._reading = False
        self._again = False
        profile_list.refresh_action.triggered.connect(self.reload_now)
        self._watch()

    def _watch(self) -> None:
        """Watch the folder, and the file while it exists (a rename over it ends the watch on it)."""
        wanted = [str(p) for p in (self._path.parent, self._path) if p.exists()]
        missing = [p for p in wanted if p not in self.watcher.files() + self.watcher.directories()]
        if missing:
            self.watcher.addPaths(missing)

    def _changed(self, _path: str) -> None:
        self._watch()
        self._settle.start()

    def reload_now(self) -> None:
        """Read the file again (off the GUI thread) and show what it holds."""
        if self._reading:
            self._again = True  # one more read once this one is in: it may have missed the last change
            return
        self._reading = True
        self._background.run(self._store.reread, self._read, self._read)

    def _read(self, _result: object) -> None:
        self._reading = False
        self._watch()
        self._list.reload()
        if self._again:
            self._again = False
            self.reload_now()
