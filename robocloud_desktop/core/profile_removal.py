"""Removing a profile with its keyring entry, and deleting the entries that had to wait.

Loaded when a profile is removed or an entry waits to be deleted, not while the app opens.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from robocloud_desktop.core.profile import Profile, ProfileError
from robocloud_desktop.core.profile_file import SecretToDelete
from robocloud_desktop.core.secrets import KeyringUnavailable, SecretStoreError

if TYPE_CHECKING:
    from robocloud_desktop.core.profiles import ProfileStore


class SecretRemoval(Enum):
    DELETED = "deleted"  # the profile's keyring entry is gone
    NONE_STORED = "none stored"  # there was no entry to delete
    WAITING = "waiting"  # the entry could not be deleted now; the file remembers to do it later
    NOT_HANDLED = "not handled"  # a store without a SecretStore leaves secrets alone


@dataclass(frozen=True)
class Removal:
    profile: Profile
    secret: SecretRemoval
    # Why the entry is still there (WAITING): the keyring's own words, with what to do.
    reason: str = ""
    no_keyring: bool = False


@dataclass(frozen=True)
class Cleaning:
    """What clean_secrets() did: entries deleted from the keyring, entries still waiting, and why."""

    deleted: int
    waiting: int
    reason: str = ""


def remove(store: ProfileStore, name: str) -> Removal:
    """ProfileStore.remove(): the profile, then its secret (see there)."""
    profile = store.get(name)
    secrets = store.secrets
    no_keyring: KeyringUnavailable | None = None
    if secrets is not None:
        try:
            secrets.check_available(profile.name)
        except KeyringUnavailable as error:
            no_keyring = error
        except SecretStoreError as error:
            raise type(error)(f"{error.message} The profile {profile.name!r} was not removed.") from None
    with store.changing() as document:
        document.profiles[:] = [p for p in document.profiles if p.id != profile.id]
        if secrets is not None and all(d.id != profile.id for d in document.to_delete):
            document.to_delete.append(SecretToDelete(profile.id, profile.name))
    if secrets is None:
        return Removal(profile, SecretRemoval.NOT_HANDLED)
    if no_keyring is not None:
        return Removal(profile, SecretRemoval.WAITING, no_keyring.message, no_keyring=True)
    try:
        existed = secrets.delete(profile.id, profile.name)
    except SecretStoreError as error:
        return Removal(profile, SecretRemoval.WAITING, error.message)
    with contextlib.suppress(ProfileError):  # still listed: a later cleaning finds nothing to delete
        _forget_deleted(store, {profile.id})
    delete_waiting(store)
    return Removal(profile, SecretRemoval.DELETED if existed else SecretRemoval.NONE_STORED)


def delete_waiting(store: ProfileStore, *, refresh: bool = False) -> Cleaning:
    """Delete the keyring entries the file lists as waiting, unless a profile uses them again (its
    file restored from a backup); stops at the first keyring failure."""
    secrets = store.secrets
    if refresh:  # another process may have added some, or done them
        store.reread()
    waiting = store.secrets_to_delete()
    if secrets is None:
        return Cleaning(0, len(waiting))
    if not waiting:
        return Cleaning(0, 0)
    live = {p.id for p in store.profiles()}
    done: set[str] = set()
    deleted = 0
    reason = ""
    for entry in waiting:
        if entry.id not in live:  # else the profile is back (its file restored): its secret is in use
            try:
                deleted += bool(secrets.delete(entry.id, entry.name))
            except SecretStoreError as error:
                reason = error.message
                break
        done.add(entry.id)
    if done:
        try:
            _forget_deleted(store, done)
        except ProfileError as error:
            return Cleaning(deleted, len(waiting), error.message)  # still listed: looked at again later
    return Cleaning(deleted, len(waiting) - len(done), reason)


def _forget_deleted(store: ProfileStore, ids: set[str]) -> None:
    with store.changing() as document:
        document.to_delete[:] = [d for d in document.to_delete if d.id not in ids]
