"""Process profiles in a versioned JSON file in the config dir. Secrets never go in it.

Every change re-reads the file under a lock and writes it atomically, so the window and the
command line can both change profiles without losing each other's edits.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from robocloud_desktop.core.atomic import keep_aside, write_atomic
from robocloud_desktop.core.errors import InvalidTarget
from robocloud_desktop.core.regions import region_of
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.core.target import Target, check_base_url

FORMAT_VERSION = 1
MAX_NAME = 80
MAX_RECENT_PAYLOADS = 10


class ProfileError(Exception):
    """A profile cannot be saved as asked; the message says what to change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def new_profile_id() -> str:
    import uuid  # loads `platform` too: only when a profile is made, not while the app opens

    return uuid.uuid4().hex


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
        return Target(self.base_url, self.workspace_id, self.process_id, self.secret_in_query)

    def validated(self) -> Profile:
        """The same profile, trimmed, or ProfileError naming the first thing wrong."""
        name = " ".join(self.name.split())
        if not name:
            raise ProfileError("The profile needs a name.")
        if len(name) > MAX_NAME:
            raise ProfileError(f"The profile name is longer than {MAX_NAME} characters; shorten it.")
        try:
            base_url = check_base_url(self.base_url)
        except InvalidTarget as error:
            raise ProfileError(error.message) from None
        workspace_id, process_id = self.workspace_id.strip(), self.process_id.strip()
        if not workspace_id:
            raise ProfileError("The workspace id is empty. Copy it from the process's page in Control Room.")
        if not process_id:
            raise ProfileError("The process id is empty. Copy it from the process's page in Control Room.")
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
        if not isinstance(data, dict):
            raise ValueError("a profile entry is not an object")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("id", "name", "base_url", "workspace_id", "process_id"):
            if not isinstance(values.get(key), str):
                raise ValueError(f"a profile entry has no text {key!r}")
        values["recent_payloads"] = tuple(str(p) for p in values.get("recent_payloads") or ())
        values["secret_in_query"] = bool(values.get("secret_in_query", False))
        return cls(**values)


@dataclass(frozen=True)
class LoadProblem:
    """Something the user must hear about when the store opens (the file was kept aside...)."""

    message: str
    kept_at: Path | None = None


class ProfileStore:
    """The profiles of this workstation. With a SecretStore, removing a profile removes its secret."""

    def __init__(self, path: Path, secrets: SecretStore | None = None) -> None:
        self.path = path
        self.secrets = secrets
        self.problems: list[LoadProblem] = []
        self.read_only = False
        self._profiles: list[Profile] = self._read()

    def __repr__(self) -> str:
        return f"ProfileStore({str(self.path)!r}, {len(self._profiles)} profiles)"

    # --- reading ------------------------------------------------------------------------------

    def profiles(self) -> list[Profile]:
        return sorted(self._profiles, key=lambda p: p.name.casefold())

    def find(self, name: str) -> Profile | None:
        key = " ".join(name.split()).casefold()
        return next((p for p in self._profiles if p.name.casefold() == key), None)

    def get(self, name: str) -> Profile:
        profile = self.find(name)
        if profile is None:
            names = ", ".join(p.name for p in self.profiles()) or "none yet"
            raise ProfileError(f"There is no profile named {name!r} (profiles: {names}).")
        return profile

    def by_id(self, profile_id: str) -> Profile | None:
        return next((p for p in self._profiles if p.id == profile_id), None)

    # --- changing -----------------------------------------------------------------------------

    def add(self, profile: Profile, secret: str | None = None) -> Profile:
        """Save a new profile, and its secret in the keyring. If the secret cannot be stored,
        the profile is not kept either: a half-made profile would fail at the first trigger."""
        profile = profile.validated()
        if secret is not None and self.secrets is not None:
            self.secrets.check_available(profile.name)
        with self._changing() as profiles:
            self._check_name_free(profiles, profile.name, None)
            if any(p.id == profile.id for p in profiles):
                profile = replace(profile, id=new_profile_id())
            profiles.append(profile)
        if secret is not None and self.secrets is not None:
            try:
                self.secrets.set(profile.id, profile.name, secret)
            except Exception:
                with self._changing() as profiles:
                    profiles[:] = [p for p in profiles if p.id != profile.id]
                raise
        return profile

    def update(self, profile: Profile, secret: str | None = None) -> Profile:
        """Change a profile's settings (name, place, secret mode, notes; with `secret`, the secret
        too) to those of `profile`, found by id. Its payload and recent payloads stay as the file has
        them: they change through change(), maybe while an edit dialog was open on an older copy.
        Renames keep the id, so the secret stays; its keyring label is renamed with the profile."""
        profile = profile.validated()
        if secret is not None and self.secrets is not None:
            self.secrets.check_available(profile.name)  # as add() does: fail before changing anything
        with self._changing() as profiles:
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
        return profile

    def change(self, profile_id: str, how: Callable[[Profile], Profile]) -> Profile | None:
        """Apply `how` to the profile as the file has it now, under the file's lock, and save it. Two
        changes made at the same time (a payload saved as you type, a run's payload remembered as
        recent) both land, which replacing a copy read earlier would not promise. None if the
        profile is gone. For changes that keep the name and the secret."""
        with self._changing() as profiles:
            index = next((i for i, p in enumerate(profiles) if p.id == profile_id), None)
            if index is None:
                return None
            changed = how(profiles[index]).validated()
            profiles[index] = changed
        return changed

    def check_name(self, name: str, own_id: str | None = None) -> None:
        """ProfileError when another profile (not `own_id`) already has this name, in any case."""
        self._check_name_free(self._profiles, " ".join(name.split()), own_id)

    def rename(self, old: str, new: str) -> Profile:
        return self.update(replace(self.get(old), name=new))

    def remove(self, name: str) -> Profile:
        """Remove the profile and then its secret."""
        profile = self.get(name)
        with self._changing() as profiles:
            profiles[:] = [p for p in profiles if p.id != profile.id]
        if self.secrets is not None:
            self.secrets.delete(profile.id, profile.name)
        return profile

    @staticmethod
    def _check_name_free(profiles: list[Profile], name: str, own_id: str | None) -> None:
        if any(p.name.casefold() == name.casefold() and p.id != own_id for p in profiles):
            raise ProfileError(f"A profile named {name!r} already exists. Pick another name.")

    @contextlib.contextmanager
    def _changing(self) -> Iterator[list[Profile]]:
        if self.read_only:
            raise ProfileError(
                f"{self.path} was written by a newer version of robocloud-desktop, so this version "
                "will not change it. Update the app to edit profiles."
            )
        with _file_lock(self.path):
            profiles = self._read()
            yield profiles
            self._write(profiles)
            self._profiles = profiles

    # --- the file -----------------------------------------------------------------------------

    def _read(self) -> list[Profile]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        try:
            document = json.loads(raw.decode("utf-8"))
            if not isinstance(document, dict) or not isinstance(document.get("profiles"), list):
                raise ValueError("it has no list of profiles")
            version = document.get("version")
            if not isinstance(version, int) or version < 1:
                raise ValueError("it has no format version")
            profiles = [Profile.from_json(entry) for entry in document["profiles"]]
        except (UnicodeDecodeError, ValueError) as error:
            kept = keep_aside(self.path)
            self.problems.append(LoadProblem(
                f"The profile file could not be read ({_reason(error)}). It was kept as {kept} and the app "
                "started with no profiles; fix or restore that file to get them back.",
                kept,
            ))
            return []
        if version > FORMAT_VERSION:
            self.read_only = True
            self.problems.append(LoadProblem(
                f"{self.path} comes from a newer version of robocloud-desktop: profiles can be used but "
                "not changed until you update the app."
            ))
        return profiles

    def _write(self, profiles: list[Profile]) -> None:
        document = {"version": FORMAT_VERSION, "profiles": [p.to_json() for p in profiles]}
        write_atomic(self.path, (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _reason(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno}, column {error.colno}"
    if isinstance(error, UnicodeDecodeError):
        return "it is not UTF-8 text"
    return str(error)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An advisory lock beside the file, held while it is read, changed and written back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.name == "posix":
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
