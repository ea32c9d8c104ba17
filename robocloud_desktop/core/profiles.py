"""Process profiles in a versioned JSON file in the config dir. Secrets never go in it.

Every change re-reads the file under a lock and writes it atomically, so the window and the
command line can both change profiles without losing each other's edits.

The profile itself is in `profile`, the file's format in `profile_file`, and removing profiles with
their keyring entries in `profile_removal`; their names are all importable from here.
"""

from __future__ import annotations

import contextlib
import time
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
    KEYS_TO_DELETE,
    MAX_FILE_BYTES,
    SECRETS_TO_DELETE,
    CannotReadNow,
    Document,
    KeyToDelete,
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
from robocloud_desktop.core.target import API_PROCESS_SECRET, API_V1, APIS
from robocloud_desktop.core.workspaces import same_workspace, v1_base_url

if TYPE_CHECKING:
    from robocloud_desktop.core.profile_removal import Cleaning, Removal, SecretRemoval

__all__ = [
    "APIS", "API_PROCESS_SECRET", "API_V1", "FORMAT_VERSION", "KEYS_TO_DELETE", "MAX_FILE_BYTES", "MAX_NAME",
    "MAX_RECENT_PAYLOADS", "SECRETS_TO_DELETE", "Cleaning", "KeyToDelete", "LoadProblem", "Profile", "ProfileError",
    "ProfileStore", "Removal", "SecretRemoval", "SecretToDelete", "clean_name", "describe_character",
    "hidden_character", "name_clash", "new_profile_id",
]

# Loaded from profile_removal on first use: only removing a profile, or an entry left waiting, needs them.
_REMOVAL_NAMES = frozenset({"Cleaning", "Removal", "SecretRemoval"})


def __getattr__(name: str) -> Any:
    if name in _REMOVAL_NAMES:
        from robocloud_desktop.core import profile_removal

        return getattr(profile_removal, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ProfileStore:
    """The profiles of this workstation. With a SecretStore, a profile's secret (per-process secret
    API) or its workspace's key (API v1, one per workspace, shared by the workspace's profiles) is
    stored with it, and deleted when no profile uses it any more."""

    def __init__(self, path: Path, secrets: SecretStore | None = None) -> None:
        self.path = path
        self.secrets = secrets
        self._problems: list[LoadProblem] = []
        self._unchecked: list[Profile] | None = None  # profiles whose problems are to be worked out
        self.read_only = False
        # The file could not be read at open: what is shown is not what it holds, and until it is
        # read, nothing may be written over it.
        self._unread = False
        document = self._open()
        self._profiles: list[Profile] = document.profiles
        self._to_delete: list[SecretToDelete] = document.to_delete
        self._keys_to_delete: list[KeyToDelete] = document.keys_to_delete
        self._unchecked = document.profiles  # checked when the problems are first read

    @property
    def problems(self) -> list[LoadProblem]:
        """What went wrong reading the file, then what the user should fix in the profiles it held
        when opened (worked out when first asked for: the window asks once it is drawn)."""
        if self._unchecked is not None:
            self._problems += [LoadProblem(message) for message in _profile_problems(self._unchecked)]
            self._unchecked = None
        return self._problems

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

    def keys_to_delete(self) -> list[KeyToDelete]:
        """Workspace keys no profile uses any more that could not be deleted yet."""
        return list(self._keys_to_delete)

    def profiles_of_workspace(self, base_url: str, workspace_id: str) -> list[Profile]:
        """The API v1 profiles of a workspace: those that share its key. The root may be spelled as
        the user typed it (without /api/v1, say)."""
        with contextlib.suppress(InvalidTarget):
            base_url = v1_base_url(base_url)
        return [p for p in self.profiles()
                if p.uses_key and same_workspace(p.base_url, p.workspace_id, base_url, workspace_id)]

    # --- changing -----------------------------------------------------------------------------

    def add(self, profile: Profile, secret: str | None = None) -> Profile:
        """Save a new profile, and its secret in the keyring: for a profile of API v1, `secret` is its
        workspace's key, which then replaces the one the workspace's other profiles share. If the
        secret cannot be stored, the profile is not kept either: a half-made profile would fail at
        the first trigger."""
        return self._add_all([profile.validated()], secret)[0]

    def add_of_workspace(self, profiles: list[Profile], key: str | None = None) -> list[Profile]:
        """Save new profiles of one workspace of API v1 in one change of the file, with the
        workspace's key (replacing the one its other profiles share): all of them, or none."""
        profiles = [p.validated() for p in profiles]
        if not profiles:
            return []
        first = profiles[0]
        if not all(p.uses_key and same_workspace(p.base_url, p.workspace_id, first.base_url, first.workspace_id)
                   for p in profiles):
            raise ValueError("add_of_workspace() takes profiles of API v1 of one workspace")
        return self._add_all(profiles, key)

    def _add_all(self, profiles: list[Profile], secret: str | None) -> list[Profile]:
        """Add validated profiles that share one secret (one profile, or one workspace's profiles)."""
        if secret is not None and self.secrets is not None:
            self.secrets.check_available(profiles[0].name, profiles[0].api)
        added: list[Profile] = []
        with self.changing() as document:
            taken = {p.id for p in document.profiles} | {d.id for d in document.to_delete}
            for profile in profiles:
                self._check_name_free(document.profiles, profile.name, None, profile.api)
                if profile.id in taken:
                    profile = replace(profile, id=new_profile_id())
                if profile.added_at is None:
                    profile = replace(profile, added_at=time.time())
                taken.add(profile.id)
                document.profiles.append(profile)
                added.append(profile)
        if secret is not None and self.secrets is not None:
            try:
                self._store_secret(added[0], secret)
            except Exception:
                ids = {p.id for p in added}
                with self.changing() as document:
                    document.profiles[:] = [p for p in document.profiles if p.id not in ids]
                raise
        self._delete_waiting_secrets()
        return added

    def update(self, profile: Profile, secret: str | None = None) -> Profile:
        """Change a profile's settings (name, API, place, secret mode, notes; with `secret`, the secret
        or its workspace's key too) to those of `profile`, found by id. Its payload and recent
        payloads stay as the file has them: they change through change(), maybe while an edit
        dialog was open on an older copy. Renames keep the id, so the secret stays; its keyring
        label is renamed with the profile. A secret or key the profile no longer uses (it changed
        API or workspace) is deleted, unless another profile still uses it."""
        profile = profile.validated()
        if secret is not None and self.secrets is not None:
            self.secrets.check_available(profile.name, profile.api)  # as add() does: fail before changing anything
        with self.changing() as document:
            profiles = document.profiles
            index = next((i for i, p in enumerate(profiles) if p.id == profile.id), None)
            if index is None:
                raise ProfileError(
                    f"The profile {profile.name!r} no longer exists; it may have been removed."
                )
            self._check_name_free(profiles, profile.name, profile.id, profile.api)
            old = profiles[index]
            # Moved to another process: runs found elsewhere are those started from now on.
            moved = (profile.api, profile.base_url, profile.workspace_id, profile.process_id) != (
                old.api, old.base_url, old.workspace_id, old.process_id)
            profile = replace(profile, payload=old.payload, recent_payloads=old.recent_payloads,
                              added_at=time.time() if moved or old.added_at is None else old.added_at)
            profiles[index] = profile
            if self.secrets is not None:
                queue_unused(document, old)
        if self.secrets is not None:
            if secret is not None:
                self._store_secret(profile, secret)
            elif profile.name != old.name and not profile.uses_key and not old.uses_key:
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

    def check_name(self, name: str, own_id: str | None = None, api: str = API_PROCESS_SECRET) -> None:
        """ProfileError when another profile (not `own_id`) has this name, in any case, or a name
        whose secret would be read from the same environment variable."""
        self._check_name_free(self._profiles, " ".join(name.split()), own_id, api)

    def rename(self, old: str, new: str) -> Profile:
        return self.update(replace(self.get(old), name=new))

    def remove(self, name: str) -> Removal:
        """Remove the profile and then its secret, or its workspace's key when no other profile of
        the workspace uses it.

        A keyring that is locked or failing is found out first, and nothing is removed: the secret
        would stay behind, found by no one. Without any keyring (headless use), or when the delete
        fails after all, the file remembers the entry, and it is deleted on a later change or by
        clean_secrets() once a keyring works."""
        from robocloud_desktop.core.profile_removal import remove

        return remove(self, name)

    def clean_secrets(self) -> Cleaning:
        """Delete the keyring entries of removed profiles (and the workspace keys no profile uses)
        that are still waiting. Stops at the first keyring failure, whose words are in the answer's
        `reason`."""
        self.check_readable()
        from robocloud_desktop.core.profile_removal import delete_waiting

        return delete_waiting(self, refresh=True)

    def _store_secret(self, profile: Profile, secret: str) -> None:
        assert self.secrets is not None
        if profile.uses_key:
            self.secrets.set_key(profile.base_url, profile.workspace_id, secret, profile.name)
        else:
            self.secrets.set(profile.id, profile.name, secret)

    def _delete_waiting_secrets(self) -> None:
        if self.secrets is not None and (self._to_delete or self._keys_to_delete):
            from robocloud_desktop.core.profile_removal import delete_waiting

            delete_waiting(self)

    @staticmethod
    def _check_name_free(profiles: list[Profile], name: str, own_id: str | None,
                         api: str = API_PROCESS_SECRET) -> None:
        clash = name_clash(profiles, name, own_id, api)
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
            held.release()

    # --- the file -----------------------------------------------------------------------------

    def _take(self, document: Document) -> None:
        self._profiles, self._to_delete = document.profiles, document.to_delete
        self._keys_to_delete = document.keys_to_delete

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


def uses_secret(profiles: list[Profile], profile_id: str) -> bool:
    """Whether a profile among `profiles` has this id and a process secret (not a workspace key)."""
    return any(p.id == profile_id and not p.uses_key for p in profiles)


def uses_key(profiles: list[Profile], base_url: str, workspace_id: str) -> int:
    """How many profiles among `profiles` use this workspace's key."""
    return sum(1 for p in profiles if p.uses_key and same_workspace(p.base_url, p.workspace_id, base_url, workspace_id))


def queue_unused(document: Document, old: Profile) -> bool:
    """List for deletion the keyring entry `old` used (its process secret, or its workspace's key)
    once no profile in `document` uses it any more. True when it was listed (or was already)."""
    if old.uses_key:
        if uses_key(document.profiles, old.base_url, old.workspace_id):
            return False
        if not any(same_workspace(k.base_url, k.workspace_id, old.base_url, old.workspace_id)
                   for k in document.keys_to_delete):
            document.keys_to_delete.append(KeyToDelete(old.base_url, old.workspace_id))
        return True
    if uses_secret(document.profiles, old.id):
        return False
    if all(d.id != old.id for d in document.to_delete):
        document.to_delete.append(SecretToDelete(old.id, old.name))
    return True


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
    # The first profile before each that name_clash() would refuse it beside (the same name in any
    # case, or the same environment variable): each name's key and variable are worked out once,
    # not once for every pair of profiles.
    first_with_name: dict[str, int] = {}
    first_with_variable: dict[str, int] = {}
    for index, profile in enumerate(profiles):
        key, variable = profile.name.casefold(), env_var_for(profile.name)
        earlier = [first_with_name.setdefault(key, index)]
        if variable is not None:
            earlier.append(first_with_variable.setdefault(variable, index))
        first = min(earlier)
        other = profiles[first] if first < index else None
        if other is None:
            pass
        elif other.name.casefold() == profile.name.casefold():
            problems.append(f"Two profiles are named {other.name!r} and {profile.name!r}, which the app tells "
                            "apart only by case. Rename one of them.")
        else:
            problems.append(f"The profiles {other.name!r} and {profile.name!r} share the environment variable "
                            f"{env_var_for(profile.name, profile.api)}, which would give both the same secret. "
                            "Rename one of them.")
    return problems


def _settings(profile: Profile) -> Profile:
    return replace(profile, payload="", recent_payloads=())
