"""What the user types in the payload editor is kept per profile: saved a second after they stop
typing, when they switch profile, and when the window closes. A crash, a logout or a kill loses
at most the last second of typing."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from robocloud_desktop.core.profiles import Profile, ProfileError, ProfileStore
from robocloud_desktop.ui.workers import Background, SerialJobs

log = logging.getLogger(__name__)

AUTOSAVE_MS = 1000

Shown = Callable[[], tuple[Profile | None, str]]  # the profile on screen, and the editor's text


class PayloadSaver(QObject):
    saved = Signal(str)  # the id of the profile whose payload the store now has
    failed = Signal(str)  # what went wrong, in the core's words

    def __init__(self, store: ProfileStore, background: Background, shown: Shown, parent: QObject | None = None,
                 *, autosave_ms: int = AUTOSAVE_MS) -> None:
        super().__init__(parent)
        self._store, self._shown = store, shown
        # One save at a time, in order, a newer one replacing a queued older one: an older text
        # must never land after a newer one.
        self._jobs = SerialJobs(background)
        # Profile id -> text typed there and not saved yet: shown again if the user comes back before
        # the save is through, as the profile list's copy still has the old payload until then.
        self._drafts: dict[str, str] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(autosave_ms)
        self._timer.timeout.connect(self.keep)

    def edited(self) -> None:
        self._timer.start()  # saved once the typing pauses

    def text_for(self, profile: Profile) -> str:
        return self._drafts.get(profile.id, profile.payload)

    def keep(self) -> None:
        """Save what is on screen now, off the GUI thread, unless the store has it already."""
        self._timer.stop()
        profile, text = self._shown()
        if profile is None or text == self.text_for(profile):
            return
        profile_id, store = profile.id, self._store
        self._drafts[profile_id] = text

        def save() -> None:
            store.change(profile_id, lambda latest: latest.with_payload(text))  # None: deleted meanwhile

        def done(_: object) -> None:
            if self._drafts.get(profile_id) == text:
                del self._drafts[profile_id]
            self.saved.emit(profile_id)

        def failed(error: Exception) -> None:
            self.failed.emit(error.message if isinstance(error, ProfileError) else str(error))

        self._jobs.run(save, done, failed, kind=profile_id)

    def save_now(self) -> None:
        """The window has closed and its jobs are done; no event loop is left to start a queued
        save. Write, here and now, every payload still unsaved."""
        self._timer.stop()
        for profile_id, text in list(self._drafts.items()):
            def with_draft(latest: Profile, text: str = text) -> Profile:
                return latest.with_payload(text)

            try:
                self._store.change(profile_id, with_draft)
            except (ProfileError, OSError) as error:  # the window is gone: the log says it
                log.error("a payload could not be saved: %s", error)
        self._drafts.clear()
