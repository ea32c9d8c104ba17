"""Process profiles in a versioned JSON file in the config dir. Secrets never go in it.

Every change re-reads the file under a lock and writes it atomically, so the window and the
command line can both change profiles without losing each other's edits.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

from robocloud_desktop.core.atomic import keep_aside, read_bounded, write_atomic
from robocloud_desktop.core.errors import InvalidTarget
from robocloud_desktop.core.json_text import JsonProblem, check_shape, load_json
from robocloud_desktop.core.paths import private_dir, tighten_fd
from robocloud_desktop.core.regions import region_of
from robocloud_desktop.core.secrets import KeyringUnavailable, SecretStore, SecretStoreError, env_var_for
from robocloud_desktop.core.target import Target, check_base_url, check_id

FORMAT_VERSION = 1
MAX_NAME = 80
MAX_RECENT_PAYLOADS = 10
# The file is read whole at start and on every change. A profile holds its payload and ten recent
# ones, each at most what Control Room accepts (100 KB) once sent: about 1 MB for one profile at the
# very worst, a few KB as they are used. 16 MB holds a dozen profiles at that worst and thousands of
# usual ones, and reads in a fraction of a second; the app never writes a larger one.
MAX_FILE_BYTES = 16 * 1024 * 1024
# Top-level field of the file (additive to version 1; older versions ignore it): keyring entries of
# removed profiles that could not be deleted yet.
SECRETS_TO_DELETE = "secrets_to_delete"

# Shown as nothing, or as blank space indistinguishable from a space: control and format characters
# (bidi overrides, zero-width ones), surrogates, private-use and unassigned code points, line and
# paragraph separators...
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# ...and letters that draw as blank: the Hangul fillers, the halfwidth filler and the blank braille
# pattern, often used to make names that look empty or like another name.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_BOM = b"\xef\xbb\xbf"  # Windows editors start UTF-8 files with it


class ProfileError(Exception):
    """A profile cannot be saved as asked; the message says what to change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def new_profile_id() -> str:
    import uuid  # loads `platform` too: only when a profile is made, not while the app opens

    return uuid.uuid4().hex


def hidden_character(text: str) -> str | None:
    """The first character of `text` that shows as nothing or as blank space, if any."""
    return next((ch for ch in text
                 if unicodedata.category(ch) in _HIDDEN_CATEGORIES or ch in _BLANK_LETTERS), None)


def describe_character(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}" if name else f"U+{ord(ch):04X}"


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str
    workspace_id: str
    process_id: str
    secret_in_query: bool = False
    payload: str = "{}"
    notes: str = ""
    recent_payloads: tuple[str, ...] = ()
    id: str = field(default_factory=new_profile_id)

    @property
    def region(self) -> str | None:
        return region_of(self.base_url)

    def target(self) -> Target:
        """Where this profile's process is; InvalidTarget naming the profile when a field read from
        the file cannot be used (an id that is a path step, plain http to a remote host...)."""
        try:
            return Target(self.base_url, self.workspace_id, self.process_id, self.secret_in_query)
        except InvalidTarget as error:
            raise InvalidTarget(
                f"The profile {self.name!r} cannot be used until it is edited: {_clause(error.message)}"
            ) from None

    def validated(self) -> Profile:
        """The same profile, trimmed, or ProfileError naming the first thing wrong."""
        name = clean_name(self.name)
        try:
            base_url = check_base_url(self.base_url)
            workspace_id = check_id(self.workspace_id, "workspace id")
            process_id = check_id(self.process_id, "process id")
        except InvalidTarget as error:
            raise ProfileError(error.message) from None
        for what, text in (("notes", self.notes), ("payload", self.payload)):
            _check_text(text, what)
        return replace(self, name=name, base_url=base_url, workspace_id=workspace_id, process_id=process_id)

    def with_payload(self, payload: str) -> Profile:
        return replace(self, payload=payload)

    def with_payload_used(self, payload: str) -> Profile:
        """Remember `payload` as the saved one and at the top of the recent list."""
        recent = (payload, *(p for p in self.recent_payloads if p != payload))[:MAX_RECENT_PAYLOADS]
        return replace(self, payload=payload, recent_payloads=recent)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["recent_payloads"] = list(self.recent_payloads)
        return data

    @classmethod
    def from_json(cls, data: Any) -> Profile:
        """A profile from its entry in the file; ValueError (a clause) when a field is missing or of
        the wrong type. Only JSON's true and false are booleans: "false" is text, and would be true."""
        if not isinstance(data, dict):
            raise ValueError(f"a profile entry is {_kind(data)}, not an object")
        name = data.get("name")
        who = f"the profile {name!r}" if isinstance(name, str) else "a profile entry"
        values: dict[str, Any] = {}
        for key in ("id", "name", "base_url", "workspace_id", "process_id"):
            value = data.get(key)
            if not isinstance(value, str):
                raise ValueError(f"{who} has {_kind(value)} as {key!r}, where text belongs")
            values[key] = value
        if not values["id"]:
            raise ValueError(f"{who} has an empty 'id'")
        for key, default in (("payload", "{}"), ("notes", "")):
            value = data.get(key, default)
            if not isinstance(value, str):
                raise ValueError(f"{who} has {_kind(value)} as {key!r}, where text belongs")
            values[key] = value
        secret_in_query = data.get("secret_in_query", False)
        if not isinstance(secret_in_query, bool):
            raise ValueError(f"{who} has {_kind(secret_in_query)} as 'secret_in_query', where true or false belongs")
        recent = data.get("recent_payloads", [])
        if not isinstance(recent, list) or not all(isinstance(p, str) for p in recent):
            raise ValueError(f"{who} has {_kind(recent)} as 'recent_payloads', where a list of texts belongs")
        return cls(secret_in_query=secret_in_query, recent_payloads=tuple(recent), **values)


def _check_text(text: str, what: str) -> None:
    """ProfileError when `text` cannot be written as UTF-8 (a lone surrogate, from a shell argument
    that was not UTF-8)."""
    try:
        check_shape(text)
    except JsonProblem as problem:
        raise ProfileError(f"The {what} cannot be saved: {problem.message}.") from None


def clean_name(name: str) -> str:
    """The name trimmed, with runs of spaces made one; ProfileError when it cannot be a name."""
    name = name.strip()
    hidden = hidden_character(name)
    if hidden is not None:
        raise ProfileError(
            f"The profile name contains an invisible or control character ({describe_character(hidden)}). "
            "Type the name again without it."
        )
    name = " ".join(name.split())
    if not name:
        raise ProfileError("The profile needs a name.")
    if len(name) > MAX_NAME:
        raise ProfileError(f"The profile name is longer than {MAX_NAME} characters; shorten it.")
    return name


def name_clash(profiles: list[Profile], name: str, own_id: str | None = None) -> str | None:
    """Why `name` cannot be given to a profile among `profiles` (other than `own_id`), or None: a
    profile has it already (in any case), or its secret would be read from the same environment
    variable. Names without a variable (no letter A-Z or digit) only clash by name."""
    key, variable = name.casefold(), env_var_for(name)
    for other in profiles:
        if other.id == own_id:
            continue
        if other.name.casefold() == key:
            return f"A profile named {name!r} already exists. Pick another name."
        if variable is not None and env_var_for(other.name) == variable:
            return (f"The name {name!r} would share the environment variable {variable} with the profile "
                    f"{other.name!r}. Pick a name that differs from it in its letters A-Z or digits.")
    return None


@dataclass(frozen=True)
class LoadProblem:
    """Something the user must hear about when the store opens (the file was kept aside...)."""

    message: str
    kept_at: Path | None = None


@dataclass(frozen=True)
class SecretToDelete:
    """The keyring entry of a removed profile, still to be deleted."""

    id: str
    name: str


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


@dataclass
class _Document:
    version: int = FORMAT_VERSION
    profiles: list[Profile] = field(default_factory=list)
    to_delete: list[SecretToDelete] = field(default_factory=list)
    # Top-level fields this version does not know (a later version 1 may add some): written back as read.
    extra: dict[str, Any] = field(default_factory=dict)


class _CannotReadNow(Exception):
    """The file is there but cannot be read now (permission, I/O, newer format...); it is left
    alone and nothing may be written over it. `message` says why and what to do; `again`, what a
    later try that fails the same way says (the first was already shown)."""

    def __init__(self, message: str, again: str | None = None) -> None:
        super().__init__(message)
        self.message, self.again = message, again or message


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
        except _CannotReadNow as problem:
            raise ProfileError(problem.again) from None
        self._unread = False
        self._profiles, self._to_delete = document.profiles, document.to_delete

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
        with self._changing() as document:
            self._check_name_free(document.profiles, profile.name, None)
            taken = {p.id for p in document.profiles} | {d.id for d in document.to_delete}
            if profile.id in taken:
                profile = replace(profile, id=new_profile_id())
            document.profiles.append(profile)
        if secret is not None and self.secrets is not None:
            try:
                self.secrets.set(profile.id, profile.name, secret)
            except Exception:
                with self._changing() as document:
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
        with self._changing() as document:
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
        with self._changing() as document:
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
        profile = self.get(name)
        no_keyring: KeyringUnavailable | None = None
        if self.secrets is not None:
            try:
                self.secrets.check_available(profile.name)
            except KeyringUnavailable as error:
                no_keyring = error
            except SecretStoreError as error:
                raise type(error)(f"{error.message} The profile {profile.name!r} was not removed.") from None
        with self._changing() as document:
            document.profiles[:] = [p for p in document.profiles if p.id != profile.id]
            if self.secrets is not None and all(d.id != profile.id for d in document.to_delete):
                document.to_delete.append(SecretToDelete(profile.id, profile.name))
        if self.secrets is None:
            return Removal(profile, SecretRemoval.NOT_HANDLED)
        if no_keyring is not None:
            return Removal(profile, SecretRemoval.WAITING, no_keyring.message, no_keyring=True)
        try:
            existed = self.secrets.delete(profile.id, profile.name)
        except SecretStoreError as error:
            return Removal(profile, SecretRemoval.WAITING, error.message)
        with contextlib.suppress(ProfileError):  # still listed: a later cleaning finds nothing to delete
            self._forget_deleted({profile.id})
        self._delete_waiting_secrets()
        return Removal(profile, SecretRemoval.DELETED if existed else SecretRemoval.NONE_STORED)

    def clean_secrets(self) -> Cleaning:
        """Delete the keyring entries of removed profiles that are still waiting. Stops at the first
        keyring failure, whose words are in the answer's `reason`."""
        self.check_readable()
        return self._delete_waiting_secrets(refresh=True)

    def _delete_waiting_secrets(self, *, refresh: bool = False) -> Cleaning:
        if self.secrets is None:
            return Cleaning(0, len(self._to_delete))
        if refresh:  # another process may have added some, or done them
            with contextlib.suppress(_CannotReadNow):
                document = self._read()
                self._profiles, self._to_delete = document.profiles, document.to_delete
        waiting = list(self._to_delete)
        if not waiting:
            return Cleaning(0, 0)
        live = {p.id for p in self._profiles}
        done: set[str] = set()
        deleted = 0
        reason = ""
        for entry in waiting:
            if entry.id not in live:  # else the profile is back (its file restored): its secret is in use
                try:
                    deleted += bool(self.secrets.delete(entry.id, entry.name))
                except SecretStoreError as error:
                    reason = error.message
                    break
            done.add(entry.id)
        if done:
            try:
                self._forget_deleted(done)
            except ProfileError as error:
                return Cleaning(deleted, len(waiting), error.message)  # still listed: looked at again later
        return Cleaning(deleted, len(waiting) - len(done), reason)

    def _forget_deleted(self, ids: set[str]) -> None:
        with self._changing() as document:
            document.to_delete[:] = [d for d in document.to_delete if d.id not in ids]

    @staticmethod
    def _check_name_free(profiles: list[Profile], name: str, own_id: str | None) -> None:
        clash = name_clash(profiles, name, own_id)
        if clash is not None:
            raise ProfileError(clash)

    @contextlib.contextmanager
    def _changing(self) -> Iterator[_Document]:
        """The file as it is now, read under its lock, to change in place; written back when the
        block ends without an error. ProfileError when it cannot be read or written."""
        if self.read_only:
            raise ProfileError(_newer_message(self.path))
        try:
            lock = _lock(self.path)
        except OSError as error:
            raise ProfileError(_cannot_save(self.path, error)) from None
        try:
            try:
                document = self._read()
            except _CannotReadNow as problem:
                raise ProfileError(problem.again) from None
            if document.version > FORMAT_VERSION:  # written by a newer version since this store opened
                raise ProfileError(_newer_message(self.path))
            self._unread = False
            yield document
            try:
                self._write(document)
            except OSError as error:
                raise ProfileError(_cannot_save(self.path, error)) from None
            self._profiles, self._to_delete = document.profiles, document.to_delete
        finally:
            os.close(lock)  # closing releases the lock

    # --- the file -----------------------------------------------------------------------------

    def _open(self) -> _Document:
        try:
            return self._read()
        except _CannotReadNow as problem:
            self._unread = True
            self.problems.append(LoadProblem(problem.message))
            return _Document()

    def _read(self) -> _Document:
        """The file's document; a file that cannot be read as ours is kept aside (and reported in
        `problems`), which leaves none. _CannotReadNow when it must be left in place."""
        try:
            raw = read_bounded(self.path, MAX_FILE_BYTES)
            if raw is None:
                return _Document()
            document = _parse(load_json(raw.removeprefix(_BOM)))
        except OSError as error:
            raise _CannotReadNow(*_cannot_read(self.path, error)) from None
        except _NewerFormat as newer:
            raise _CannotReadNow(
                f"{self.path} comes from a newer version of robocloud-desktop, and this version cannot read "
                f"it ({newer.reason}). Update the app to use your profiles; the file was left as it is.",
                f"Profiles cannot be used or changed until you update the app: {self.path} comes from a newer "
                "version of robocloud-desktop.",
            ) from None
        except ValueError as error:  # NotReadable and JsonProblem are ValueErrors too
            return self._keep_aside(error)
        if document.version > FORMAT_VERSION:
            self.read_only = True
            if not any("newer version" in p.message for p in self.problems):
                self.problems.append(LoadProblem(_newer_message(self.path)))
        return document

    def _keep_aside(self, error: ValueError) -> _Document:
        try:
            kept = keep_aside(self.path)
        except OSError as move_error:
            raise _CannotReadNow(
                f"The profile file {self.path} could not be read ({_clause(str(error))}), and it could not "
                f"be moved aside either ({_cause(move_error)}). Fix or move that file; profiles cannot be "
                "changed until then.",
                f"The profile file {self.path} still cannot be read, nor moved aside ({_cause(move_error)}), so "
                "profiles cannot be used or changed. Fix or move that file, then try again.",
            ) from None
        self.problems.append(LoadProblem(
            f"The profile file could not be read ({_clause(str(error))}). It was kept as {kept} and the app "
            "started with no profiles; fix or restore that file to get them back.",
            kept,
        ))
        return _Document()

    def _write(self, document: _Document) -> None:
        data: dict[str, Any] = {**document.extra, "version": FORMAT_VERSION,
                                "profiles": [p.to_json() for p in document.profiles]}
        if document.to_delete:
            data[SECRETS_TO_DELETE] = [{"id": d.id, "name": d.name} for d in document.to_delete]
        try:
            encoded = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        except UnicodeEncodeError:  # a payload saved as typed is not checked like the settings
            raise ProfileError(
                "The profiles could not be saved: a text in them contains a lone UTF-16 surrogate (such as "
                "\\ud800), which is not a character. Remove it, then try again."
            ) from None
        if len(encoded) > MAX_FILE_BYTES:
            raise ProfileError(
                f"The profiles would take {len(encoded) / 1024 / 1024:.1f} MB, more than the "
                f"{MAX_FILE_BYTES // 1024 // 1024} MB a profile file can hold. Clear large payloads you no "
                "longer need, then try again."
            )
        private_dir(self.path.parent)
        write_atomic(self.path, encoded)


class _NewerFormat(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _parse(value: Any) -> _Document:
    if not isinstance(value, dict):
        raise ValueError(f"it is {_kind(value)}, not an object with profiles")
    version = value.get("version")
    if type(version) is not int or version < 1:  # bool is an int to Python: true is no version
        raise ValueError("it has no format version")
    try:
        return _parse_fields(value, version)
    except ValueError as error:
        if version > FORMAT_VERSION:  # whole for the version that wrote it: never set it aside
            raise _NewerFormat(_clause(str(error))) from None
        raise


def _parse_fields(value: dict[str, Any], version: int) -> _Document:
    entries = value.get("profiles")
    if not isinstance(entries, list):
        raise ValueError("it has no list of profiles")
    profiles = [Profile.from_json(entry) for entry in entries]
    seen: set[str] = set()
    for profile in profiles:
        if profile.id in seen:
            raise ValueError(f"two profiles have the id {profile.id!r}")
        seen.add(profile.id)
    waiting = value.get(SECRETS_TO_DELETE, [])
    if not isinstance(waiting, list) or not all(
            isinstance(d, dict) and isinstance(d.get("id"), str) and d["id"] and isinstance(d.get("name"), str)
            for d in waiting):
        raise ValueError(f"its {SECRETS_TO_DELETE!r} is not a list of ids and names")
    extra = {k: v for k, v in value.items() if k not in ("version", "profiles", SECRETS_TO_DELETE)}
    return _Document(version, profiles, [SecretToDelete(d["id"], d["name"]) for d in waiting], extra)


def _profile_problems(profiles: list[Profile]) -> list[str]:
    """What the user should fix in profiles read from the file, which loads them all the same."""
    problems: list[str] = []
    for profile in profiles:
        try:
            clean_name(profile.name)
        except ProfileError as error:
            problems.append(f"The profile {profile.name!r} has a name the app would not accept now: "
                            f"{_clause(error.message)} Rename it.")
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


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    return {str: "text", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__)


def _clause(message: str) -> str:
    """A sentence to go after a colon or in brackets: its first letter made small."""
    return message[:1].lower() + message[1:] if message[1:2].islower() or message[1:2] == " " else message


def _cause(error: OSError) -> str:
    return _clause(error.strerror) if error.strerror else _clause(str(error) or type(error).__name__)


def _newer_message(path: Path) -> str:
    return (f"{path} comes from a newer version of robocloud-desktop: profiles can be used but not changed "
            "until you update the app.")


def _cannot_read(path: Path, error: OSError) -> tuple[str, str]:
    if error.errno in (errno.EACCES, errno.EPERM):
        advice = "Check that you own it and may read it (its owner and permissions)"
    elif error.errno == errno.EIO:
        advice = "The disk reported an error; check it"
    else:
        advice = "Check the file and the folders above it"
    return (f"The profile file {path} could not be read ({_cause(error)}). {advice}, then try again; the file "
            "was left as it is, and profiles cannot be changed until it can be read.",
            f"The profile file {path} still cannot be read ({_cause(error)}), so profiles cannot be used or "
            f"changed. {advice}, then try again.")


def _cannot_save(path: Path, error: OSError) -> str:
    folder = path.parent
    if error.errno == errno.EROFS:
        advice = f"Make {folder} writable (or use another folder with --config-dir)"
    elif error.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "Free some space on that disk"
    elif error.errno in (errno.EACCES, errno.EPERM):
        advice = "Check that you own the folder and may write in it"
    else:
        advice = "Check the folder"
    return (f"The profiles could not be saved in {folder} ({_cause(error)}). {advice}, then try again; the "
            "profile file was left as it was.")


def _lock(path: Path) -> int:
    """An advisory lock beside the file, held while it is read, changed and written back. Returns
    the open lock file: closing it releases the lock."""
    private_dir(path.parent)
    lock_path = path.with_name(path.name + ".lock")
    # O_NONBLOCK: a FIFO in the lock file's place must not hang the app; flock still waits.
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o600)
    try:
        tighten_fd(fd)
        if os.name == "posix":
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd
