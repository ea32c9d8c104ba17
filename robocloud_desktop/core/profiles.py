"""Process profiles in a versioned JSON file in the config dir. Secrets never go in it.

Every change re-reads the file under a lock and writes it atomically, so the window and the
command line can both change profiles without losing each other's edits.

The profile itself is in `profile`, the file's format in `profile_file`, and removing profiles with
their keyring entries in `profile_removal`; their names are all importable from here.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from robocloud_desktop.core.errors import InvalidTarget
from robocloud_desktop.core.profile import (
    MAX_NAME,
    MAX_RECENT_PAYLOADS,
    Profile,
    ProfileError,
    clause,
    clean_name,
    describe_character,
    hidden_character,
    name_clash,
    new_profile_id,
)
from robocloud_desktop.core.profile_file import (
    FORMAT_VERSION,
    MAX_FILE_BYTES,
    SECRETS_TO_DELETE,
    CannotReadNow,
    Document,
    LoadProblem,
    SecretToDelete,
    cannot_save,
    lock,
    newer_message,
    read_document,
    set_aside,
    write_document,
)
from robocloud_desktop.core.secrets import SecretStore, env_var_for

if TYPE_CHECKING:
    from robocloud_desktop.core.profile_removal import Cleaning, Removal, SecretRemoval

__all__ = [
    "FORMAT_VERSION", "MAX_FILE_BYTES", "MAX_NAME", "MAX_RECENT_PAYLOADS", "SECRETS_TO_DELETE", "Cleaning",
    "LoadProblem", "Profile", "ProfileError", "ProfileStore", "Removal", "SecretRemoval", "SecretToDelete",
    "clean_name", "describe_character", "hidden_character", "name_clash", "new_profile_id",
]

# Loaded from profile_removal on first use: only removing a profile, or an entry left waiting, needs them.
_REMOVAL_NAMES = frozenset({"Cleaning", "Removal", "SecretRemoval"})


def __getattr__(name: str) -> Any:
    if name in _REMOVAL_NAMES:
        from robocloud_desktop.core import profile_removal

        return getattr(profile_removal, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ProfileStore:
    """The profiles of this workstation. With a SecretStore, removing a profile removes its secret."""

    def __init__(self, path: Path, secrets: SecretStore | None = None) -> None:
        self.path = path
        self.secrets = secrets
        self.problems: list[LoadProblem] = []
        self.read_only = False
        # The file could not be read at open: what is shown is not what it holds, and until it is
        # read, nothing may be written over it.
        self._unread = False
        document = self._open()
        self._profiles: list[Profile] = document.profiles
        self._to_delete: list[SecretToDelete] = document.to_delete
        self.problems += [LoadProblem(message) for message in _profile_problems(document.profiles)]

    def __repr__(self) -> str:
        return f"ProfileStore({str(self.path)!r}, {len(self._profiles)} profiles)"

    # --- reading ------------------------------------------------------------------------------

    def profiles(self) -> list[Profile]:
        return sorted(self._profiles, key=lambda p: p.name.casefold())

    def find(self, name: str) -> Profile | None:
        key = " ".join(name.split()).casefold()
        return next((p for p in self._profiles if p.name.casefold() == key), None)

    def get(self, name: str) -> Profile:
        self.check_readable()
        profile = self.find(name)
        if profile is None:
            names = ", ".join(p.name for p in self.profiles()) or "none yet"
            raise ProfileError(f"There is no profile named {name!r} (profiles: {names}).")
        return profile

    def by_id(self, profile_id: str) -> Profile | None:
        return next((p for p in self._profiles if p.id == profile_id), None)

    def check_readable(self) -> None:
        """ProfileError when the file could not be read at open and still cannot: the profiles
        shown would be none, which is not what the file holds."""
        if not self._unread:
            return
        try:
            document = self._read()
        except CannotReadNow as problem:
            raise ProfileError(problem.again) from None
        self._unread = False
        self._take(document)

    def reread(self) -> None:
        """Take the file as it is now, if it can be read (another process may have changed it)."""
        with contextlib.suppress(CannotReadNow):
            self._take(self._read())

    def secrets_to_delete(self) -> list[SecretToDelete]:
        """Keyring entries of removed profiles that could not be deleted yet."""
        return list(self._to_delete)

    # --- changing -----------------------------------------------------------------------------

    def add(self, profile: Profile, secret: str | None = None) -> Profile:
        """Save a new profile, and its secret in the keyring. If the secret cannot be stored,
        the profile is not kept either: a half-made profile would fail at the first trigger."""
        profile = profile.validated()
        if secret is not None and self.secrets is not None:
            self.secrets.check_available(profile.name)
        with self.changing() as document:
            self._check_name_free(document.profiles, profile.name, None)
            taken = {p.id for p in document.profiles} | {d.id for d in document.to_delete}
            if profile.id in taken:
                profile = replace(profile, id=new_profile_id())
            document.profiles.append(profile)
        if secret is not None and self.secrets is not None:
            try:
                self.secrets.set(profile.id, profile.name, secret)
            except Exception:
                with self.changing() as document:
                    document.profiles[:] = [p for p in document.profiles if p.id != profile.id]
                raise
        self._delete_waiting_secrets()
        return profile

    def update(self, profile: Profile, secret: str | None = None) -> Profile:
        """Change a profile's settings (name, place, secret mode, notes; with `secret`, the secret
        too) to those of `profile`, found by id. Its payload and recent payloads stay as the file has
        them: they change through change(), maybe while an edit dialog was open on an older copy.
        Renames keep the id, so the secret stays; its keyring label is renamed with the profile."""
        profile = profile.validated()
        if secret is not None and self.secrets is not None:
            self.secrets.check_available(profile.name)  # as add() does: fail before changing anything
        with self.changing() as document:
            profiles = document.profiles
            index = next((i for i, p in enumerate(profiles) if p.id == profile.id), None)
            if index is None:
                raise ProfileError(
                    f"The profile {profile.name!r} no longer exists; it may have been removed."
                )
            self._check_name_free(profiles, profile.name, profile.id)
            old_name = profiles[index].name
            profile = replace(profile, payload=profiles[index].payload,
                              recent_payloads=profiles[index].recent_payloads)
            profiles[index] = profile
        if self.secrets is not None:
            if secret is not None:
                self.secrets.set(profile.id, profile.name, secret)
            elif profile.name != old_name:
                self.secrets.relabel(profile.id, profile.name)
        self._delete_waiting_secrets()
        return profile

    def change(self, profile_id: str, how: Callable[[Profile], Profile]) -> Profile | None:
        """Apply `how` to the profile as the file has it now, under the file's lock, and save it. Two
        changes made at the same time (a payload saved as you type, a run's payload remembered as
        recent) both land, which replacing a copy read earlier would not promise. None if the
        profile is gone. For changes that keep the name and the secret; no keyring call is made."""
        with self.changing() as document:
            profiles = document.profiles
            index = next((i for i, p in enumerate(profiles) if p.id == profile_id), None)
            if index is None:
                return None
            changed = how(profiles[index])
            if _settings(changed) != _settings(profiles[index]):
                changed = changed.validated()
            # Else only payloads changed: they save even for a profile whose settings, read from the
            # file, need an edit, so that what the user typed is kept.
            profiles[index] = changed
        return changed

    def check_name(self, name: str, own_id: str | None = None) -> None:
        """ProfileError when another profile (not `own_id`) has this name, in any case, or a name
        whose secret would be read from the same environment variable."""
        self._check_name_free(self._profiles, " ".join(name.split()), own_id)

    def rename(self, old: str, new: str) -> Profile:
        return self.update(replace(self.get(old), name=new))

    def remove(self, name: str) -> Removal:
        """Remove the profile and then its secret.

        A keyring that is locked or failing is found out first, and nothing is removed: the secret
        would stay behind, found by no one. Without any keyring (headless use), or when the delete
        fails after all, the file remembers the entry, and it is deleted on a later change or by
        clean_secrets() once a keyring works."""
        from robocloud_desktop.core.profile_removal import remove

        return remove(self, name)

    def clean_secrets(self) -> Cleaning:
        """Delete the keyring entries of removed profiles that are still waiting. Stops at the first
        keyring failure, whose words are in the answer's `reason`."""
        self.check_readable()
        from robocloud_desktop.core.profile_removal import delete_waiting

        return delete_waiting(self, refresh=True)

    def _delete_waiting_secrets(self) -> None:
        if self.secrets is not None and self._to_delete:
            from robocloud_desktop.core.profile_removal import delete_waiting

            delete_waiting(self)

    @staticmethod
    def _check_name_free(profiles: list[Profile], name: str, own_id: str | None) -> None:
        clash = name_clash(profiles, name, own_id)
        if clash is not None:
            raise ProfileError(clash)

    @contextlib.contextmanager
    def changing(self) -> Iterator[Document]:
        """The file as it is now, read under its lock, to change in place; written back when the
        block ends without an error. ProfileError when it cannot be read or written."""
        if self.read_only:
            raise ProfileError(newer_message(self.path))
        try:
            held = lock(self.path)
        except OSError as error:
            raise ProfileError(cannot_save(self.path, error)) from None
        try:
            try:
                document = self._read()
            except CannotReadNow as problem:
                raise ProfileError(problem.again) from None
            if document.version > FORMAT_VERSION:  # written by a newer version since this store opened
                raise ProfileError(newer_message(self.path))
            self._unread = False
            yield document
            try:
                write_document(self.path, document)
            except OSError as error:
                raise ProfileError(cannot_save(self.path, error)) from None
            self._take(document)
        finally:
            os.close(held)  # closing releases the lock

    # --- the file -----------------------------------------------------------------------------

    def _take(self, document: Document) -> None:
        self._profiles, self._to_delete = document.profiles, document.to_delete

    def _open(self) -> Document:
        try:
            return self._read()
        except CannotReadNow as problem:
            self._unread = True
            self.problems.append(LoadProblem(problem.message))
            return Document()

    def _read(self) -> Document:
        """The file's document; a file that cannot be read as ours is kept aside (and reported in
        `problems`), which leaves none. CannotReadNow when it must be left in place."""
        try:
            document = read_document(self.path)
        except CannotReadNow:
            raise
        except ValueError as error:  # NotReadable and JsonProblem are ValueErrors too
            self.problems.append(set_aside(self.path, error))
            return Document()
        if document.version > FORMAT_VERSION:
            self.read_only = True
            if not any("newer version" in p.message for p in self.problems):
                self.problems.append(LoadProblem(newer_message(self.path)))
        return document


def _profile_problems(profiles: list[Profile]) -> list[str]:
    """What the user should fix in profiles read from the file, which loads them all the same."""
    problems: list[str] = []
    for profile in profiles:
        try:
            clean_name(profile.name)
        except ProfileError as error:
            problems.append(f"The profile {profile.name!r} has a name the app would not accept now: "
                            f"{clause(error.message)} Rename it.")
        try:
            profile.target()
        except InvalidTarget as error:
            problems.append(error.message)
    for index, profile in enumerate(profiles):
        other = next((p for p in profiles[:index] if name_clash([p], profile.name) is not None), None)
        if other is None:
            pass
        elif other.name.casefold() == profile.name.casefold():
            problems.append(f"Two profiles are named {other.name!r} and {profile.name!r}, which the app tells "
                            "apart only by case. Rename one of them.")
        else:
            problems.append(f"The profiles {other.name!r} and {profile.name!r} share the environment variable "
                            f"{env_var_for(profile.name)}, which would give both the same secret. Rename one "
                            "of them.")
    return problems


def _settings(profile: Profile) -> Profile:
    return replace(profile, payload="", recent_payloads=())
