"""Removing a profile with its keyring entry, and deleting the entries that had to wait.

Loaded when a profile is removed or an entry waits to be deleted, not while the app opens.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from robocloud_desktop.core.profile import Profile, ProfileError
from robocloud_desktop.core.profile_file import KeyToDelete, SecretToDelete
from robocloud_desktop.core.profiles import queue_unused, uses_key, uses_secret
from robocloud_desktop.core.secrets import KeyringUnavailable, SecretStore, SecretStoreError
from robocloud_desktop.core.workspaces import same_workspace

if TYPE_CHECKING:
    from robocloud_desktop.core.profiles import ProfileStore


class SecretRemoval(Enum):
    DELETED = "deleted"  # the profile's keyring entry is gone
    NONE_STORED = "none stored"  # there was no entry to delete
    WAITING = "waiting"  # the entry could not be deleted now; the file remembers to do it later
    NOT_HANDLED = "not handled"  # a store without a SecretStore leaves secrets alone
    SHARED = "shared"  # the workspace's key stays: other profiles of the workspace use it


@dataclass(frozen=True)
class Removal:
    profile: Profile
    secret: SecretRemoval
    # Why the entry is still there (WAITING): the keyring's own words, with what to do.
    reason: str = ""
    no_keyring: bool = False
    # A profile of API v1: how many profiles still use its workspace's key.
    sharing: int = 0


@dataclass(frozen=True)
class Cleaning:
    """What clean_secrets() did: entries deleted from the keyring, entries still waiting, and why."""

    deleted: int
    waiting: int
    reason: str = ""


def remove(store: ProfileStore, name: str) -> Removal:
    """ProfileStore.remove(): the profile, then its secret or unused workspace key (see there)."""
    profile = store.get(name)
    secrets = store.secrets
    no_keyring: KeyringUnavailable | None = None
    # A workspace key other profiles use stays: the keyring need not work to remove one of them.
    shared = profile.uses_key and uses_key([p for p in store.profiles() if p.id != profile.id],
                                           profile.base_url, profile.workspace_id)
    if secrets is not None and not shared:
        try:
            secrets.check_available(profile.name, profile.api)
        except KeyringUnavailable as error:
            no_keyring = error
        except SecretStoreError as error:
            raise type(error)(f"{error.message} The profile {profile.name!r} was not removed.") from None
    sharing = 0
    with store.changing() as document:
        document.profiles[:] = [p for p in document.profiles if p.id != profile.id]
        if profile.uses_key:
            sharing = uses_key(document.profiles, profile.base_url, profile.workspace_id)
        if secrets is not None:
            queue_unused(document, profile)
    if secrets is None:
        return Removal(profile, SecretRemoval.NOT_HANDLED, sharing=sharing)
    if sharing:
        return Removal(profile, SecretRemoval.SHARED, sharing=sharing)
    if no_keyring is not None:
        return Removal(profile, SecretRemoval.WAITING, no_keyring.message, no_keyring=True)
    try:
        existed = _delete(secrets, _entry_of(profile))
    except SecretStoreError as error:
        return Removal(profile, SecretRemoval.WAITING, error.message)
    with contextlib.suppress(ProfileError):  # still listed: a later cleaning finds nothing to delete
        _forget_deleted(store, [_entry_of(profile)])
    delete_waiting(store)
    return Removal(profile, SecretRemoval.DELETED if existed else SecretRemoval.NONE_STORED)


def delete_waiting(store: ProfileStore, *, refresh: bool = False) -> Cleaning:
    """Delete the keyring entries the file lists as waiting, unless a profile uses them again (its
    file restored from a backup, a profile of the workspace added since); stops at the first keyring
    failure."""
    secrets = store.secrets
    if refresh:  # another process may have added some, or done them
        store.reread()
    waiting: list[SecretToDelete | KeyToDelete] = [*store.secrets_to_delete(), *store.keys_to_delete()]
    if secrets is None:
        return Cleaning(0, len(waiting))
    if not waiting:
        return Cleaning(0, 0)
    profiles = store.profiles()
    done: list[SecretToDelete | KeyToDelete] = []
    deleted = 0
    reason = ""
    for entry in waiting:
        in_use = (uses_key(profiles, entry.base_url, entry.workspace_id) if isinstance(entry, KeyToDelete)
                  else uses_secret(profiles, entry.id))
        if not in_use:
            try:
                deleted += bool(_delete(secrets, entry))
            except SecretStoreError as error:
                reason = error.message
                break
        done.append(entry)
    if done:
        try:
            _forget_deleted(store, done)
        except ProfileError as error:
            return Cleaning(deleted, len(waiting), error.message)  # still listed: looked at again later
    return Cleaning(deleted, len(waiting) - len(done), reason)


def _entry_of(profile: Profile) -> SecretToDelete | KeyToDelete:
    if profile.uses_key:
        return KeyToDelete(profile.base_url, profile.workspace_id)
    return SecretToDelete(profile.id, profile.name)


def _delete(secrets: SecretStore, entry: SecretToDelete | KeyToDelete) -> bool:
    if isinstance(entry, KeyToDelete):
        return secrets.delete_key(entry.base_url, entry.workspace_id)
    return secrets.delete(entry.id, entry.name)


def _forget_deleted(store: ProfileStore, entries: list[SecretToDelete | KeyToDelete]) -> None:
    ids = {e.id for e in entries if isinstance(e, SecretToDelete)}
    keys = [e for e in entries if isinstance(e, KeyToDelete)]
    with store.changing() as document:
        document.to_delete[:] = [d for d in document.to_delete if d.id not in ids]
        document.keys_to_delete[:] = [
            k for k in document.keys_to_delete
            if not any(same_workspace(k.base_url, k.workspace_id, e.base_url, e.workspace_id) for e in keys)]
