"""The profile file: its JSON format and versions, reading it within bounds, writing it atomically
under a lock, and the words for what can go wrong with it."""

from __future__ import annotations

import errno
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from robocloud_desktop.core.atomic import keep_aside, read_bounded, write_atomic
from robocloud_desktop.core.json_text import load_json
from robocloud_desktop.core.paths import private_dir
from robocloud_desktop.core.profile import Profile, ProfileError, clause, kind_of
from robocloud_desktop.core.target import APIS

if TYPE_CHECKING:
    from robocloud_desktop.core.process_lock import ProcessLock

# Version 2 added each profile's "api" and "follow_others", and KEYS_TO_DELETE. A version-1 file is
# read as profiles of the per-process secret API, and written as version 2 at the next change; the
# app of version 1 only reads a version-2 file, as it does any newer one, and never writes it.
FORMAT_VERSION = 2
# The file is read whole at start and on every change. A profile holds its payload and ten recent
# ones, each at most what Control Room accepts (100 KB) once sent: about 1 MB for one profile at the
# very worst, a few KB as they are used. 16 MB holds a dozen profiles at that worst and thousands of
# usual ones, and reads in a fraction of a second; the app never writes a larger one.
MAX_FILE_BYTES = 16 * 1024 * 1024
# Top-level field of the file (additive to version 1; older versions ignore it): keyring entries of
# removed profiles that could not be deleted yet.
SECRETS_TO_DELETE = "secrets_to_delete"
# Top-level field (version 2): workspace keys no profile uses any more that could not be deleted yet.
# Apart from SECRETS_TO_DELETE, which the app of version 1 may clean: it must not touch a key.
KEYS_TO_DELETE = "keys_to_delete"
_BOM = b"\xef\xbb\xbf"  # Windows editors start UTF-8 files with it
# A change holds the file's lock while it reads the file and writes it back: milliseconds, a second
# for the largest file on a slow disk. Held longer, its process is stuck (stopped, or its disk
# hangs): the change is refused in words rather than waited for without end, by a window whose
# every click would wait with it.
LOCK_WAIT_S = 5.0

# NamedTuples, not dataclasses: the window reads the file before its first frame, and a dataclass
# costs several times as much to define.


class LoadProblem(NamedTuple):
    """Something the user must hear about when the store opens (the file was kept aside...)."""

    message: str
    kept_at: Path | None = None


class SecretToDelete(NamedTuple):
    """The keyring entry of a removed profile, still to be deleted."""

    id: str
    name: str


class KeyToDelete(NamedTuple):
    """A workspace key that no profile uses any more, still to be deleted."""

    base_url: str
    workspace_id: str


class Document:
    """What the file holds: its version, the profiles, and keyring entries still to delete."""

    def __init__(self, version: int = FORMAT_VERSION, profiles: list[Profile] | None = None,
                 to_delete: list[SecretToDelete] | None = None, extra: dict[str, Any] | None = None,
                 keys_to_delete: list[KeyToDelete] | None = None) -> None:
        self.version = version
        self.profiles: list[Profile] = profiles or []
        self.to_delete: list[SecretToDelete] = to_delete or []
        self.keys_to_delete: list[KeyToDelete] = keys_to_delete or []
        # Top-level fields this version does not know (a later version 1 may add some): written back as read.
        self.extra: dict[str, Any] = extra or {}


class CannotReadNow(Exception):
    """The file is there but cannot be read now (permission, I/O, newer format...); it is left
    alone and nothing may be written over it. `message` says why and what to do; `again`, what a
    later try that fails the same way says (the first was already shown)."""

    def __init__(self, message: str, again: str | None = None) -> None:
        super().__init__(message)
        self.message, self.again = message, again or message


class NewerFormat(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- reading ------------------------------------------------------------------------------------


def read_document(path: Path) -> Document:
    """The file's document (an empty one when there is no file). ValueError (a clause) when what is
    there cannot be read as ours; CannotReadNow when it must be left in place."""
    try:
        raw = read_bounded(path, MAX_FILE_BYTES)
        if raw is None:
            return Document()
        return parse(load_json(raw.removeprefix(_BOM)))
    except OSError as error:
        raise CannotReadNow(*_cannot_read(path, error)) from None
    except NewerFormat as newer:
        raise CannotReadNow(
            f"{path} comes from a newer version of robocloud-desktop, and this version cannot read "
            f"it ({newer.reason}). Update the app to use your profiles; the file was left as it is.",
            f"Profiles cannot be used or changed until you update the app: {path} comes from a newer "
            "version of robocloud-desktop.",
        ) from None


def set_aside(path: Path, error: ValueError) -> LoadProblem:
    """Move a file that cannot be read as ours out of the way, and say so; CannotReadNow when it
    cannot be moved either."""
    try:
        kept = keep_aside(path)
    except OSError as move_error:
        raise CannotReadNow(
            f"The profile file {path} could not be read ({clause(str(error))}), and it could not "
            f"be moved aside either ({cause(move_error)}). Fix or move that file; profiles cannot be "
            "changed until then.",
            f"The profile file {path} still cannot be read, nor moved aside ({cause(move_error)}), so "
            "profiles cannot be used or changed. Fix or move that file, then try again.",
        ) from None
    return LoadProblem(
        f"The profile file could not be read ({clause(str(error))}). It was kept as {kept} and the app "
        "started with no profiles; fix or restore that file to get them back.",
        kept,
    )


def parse(value: Any) -> Document:
    if not isinstance(value, dict):
        raise ValueError(f"it is {kind_of(value)}, not an object with profiles")
    version = value.get("version")
    if type(version) is not int or version < 1:  # bool is an int to Python: true is no version
        raise ValueError("it has no format version")
    try:
        return _parse_fields(value, version)
    except ValueError as error:
        if version > FORMAT_VERSION:  # whole for the version that wrote it: never set it aside
            raise NewerFormat(clause(str(error))) from None
        raise


def _parse_fields(value: dict[str, Any], version: int) -> Document:
    entries = value.get("profiles")
    if not isinstance(entries, list):
        raise ValueError("it has no list of profiles")
    profiles = [profile_from_entry(entry, version) for entry in entries]
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
    keys: list[KeyToDelete] = []
    if version >= 2:
        listed = value.get(KEYS_TO_DELETE, [])
        if not isinstance(listed, list) or not all(
                isinstance(k, dict) and isinstance(k.get("base_url"), str) and isinstance(k.get("workspace_id"), str)
                for k in listed):
            raise ValueError(f"its {KEYS_TO_DELETE!r} is not a list of base URLs and workspace ids")
        keys = [KeyToDelete(k["base_url"], k["workspace_id"]) for k in listed]
    known = ("version", "profiles", SECRETS_TO_DELETE) + ((KEYS_TO_DELETE,) if version >= 2 else ())
    extra = {k: v for k, v in value.items() if k not in known}
    return Document(version, profiles, [SecretToDelete(d["id"], d["name"]) for d in waiting], extra, keys)


def profile_from_entry(data: Any, version: int = FORMAT_VERSION) -> Profile:
    """A profile from its entry in a file of `version`; ValueError (a clause) when a field is missing
    or of the wrong type. Only JSON's true and false are booleans: "false" is text, and would be
    true. Version 1 knew one API: its profiles are of the per-process secret API, whatever else an
    entry holds."""
    if not isinstance(data, dict):
        raise ValueError(f"a profile entry is {kind_of(data)}, not an object")
    name = data.get("name")
    who = f"the profile {name!r}" if isinstance(name, str) else "a profile entry"
    values: dict[str, Any] = {}
    for key in ("id", "name", "base_url", "workspace_id", "process_id"):
        value = data.get(key)
        if not isinstance(value, str):
            raise ValueError(f"{who} has {kind_of(value)} as {key!r}, where text belongs")
        values[key] = value
    if not values["id"]:
        raise ValueError(f"{who} has an empty 'id'")
    for key, default in (("payload", "{}"), ("notes", "")):
        value = data.get(key, default)
        if not isinstance(value, str):
            raise ValueError(f"{who} has {kind_of(value)} as {key!r}, where text belongs")
        values[key] = value
    secret_in_query = data.get("secret_in_query", False)
    if not isinstance(secret_in_query, bool):
        raise ValueError(f"{who} has {kind_of(secret_in_query)} as 'secret_in_query', where true or false belongs")
    recent = data.get("recent_payloads", [])
    if not isinstance(recent, list) or not all(isinstance(p, str) for p in recent):
        raise ValueError(f"{who} has {kind_of(recent)} as 'recent_payloads', where a list of texts belongs")
    if version >= 2:
        api = data.get("api", APIS[0])
        if api not in APIS:
            raise ValueError(f"{who} has {api!r} as 'api', where one of {', '.join(map(repr, APIS))} belongs")
        follow_others = data.get("follow_others", True)
        if not isinstance(follow_others, bool):
            raise ValueError(f"{who} has {kind_of(follow_others)} as 'follow_others', where true or false belongs")
        added_at = data.get("added_at")
        if added_at is not None and (isinstance(added_at, bool) or not isinstance(added_at, int | float)
                                     or not math.isfinite(added_at)):
            raise ValueError(f"{who} has {kind_of(added_at)} as 'added_at', where a time in seconds belongs")
        values.update(api=api, follow_others=follow_others, added_at=None if added_at is None else float(added_at))
    return Profile(secret_in_query=secret_in_query, recent_payloads=tuple(recent), **values)


# --- writing ------------------------------------------------------------------------------------


def write_document(path: Path, document: Document) -> None:
    """Write `document` as the current format, atomically; ProfileError when it cannot be encoded or
    would be larger than the app reads back, OSError when the disk refuses it."""
    data: dict[str, Any] = {**document.extra, "version": FORMAT_VERSION,
                            "profiles": [p.to_json() for p in document.profiles]}
    if document.to_delete:
        data[SECRETS_TO_DELETE] = [{"id": d.id, "name": d.name} for d in document.to_delete]
    if document.keys_to_delete:
        data[KEYS_TO_DELETE] = [{"base_url": k.base_url, "workspace_id": k.workspace_id}
                                for k in document.keys_to_delete]
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
    private_dir(path.parent)
    write_atomic(path, encoded)


def lock(path: Path, wait_s: float = LOCK_WAIT_S) -> ProcessLock:
    """The lock beside the file, held while it is read, changed and written back; `release()` it.
    ProfileError when another process held it for `wait_s` seconds; OSError when it cannot be made."""
    from robocloud_desktop.core.process_lock import ProcessLock

    private_dir(path.parent)
    held = ProcessLock(path.with_name(path.name + ".lock"))
    if not held.acquire(wait_s):
        pid = held.holder_pid()
        # Only this app writes its process id in the lock file.
        holder = f"another robocloud-desktop window or command (process {pid})" if pid else "another program"
        raise ProfileError(
            f"The profile file {path} is being changed by {holder}, which has not let go of it for {wait_s:g} s, "
            "so nothing was changed. Try again in a moment; if it stays so, end that process, then try again."
        )
    return held


# --- words --------------------------------------------------------------------------------------


def cause(error: OSError) -> str:
    return clause(error.strerror) if error.strerror else clause(str(error) or type(error).__name__)


def newer_message(path: Path) -> str:
    return (f"{path} comes from a newer version of robocloud-desktop: profiles can be used but not changed "
            "until you update the app.")


def _cannot_read(path: Path, error: OSError) -> tuple[str, str]:
    if error.errno in (errno.EACCES, errno.EPERM):
        advice = "Check that you own it and may read it (its owner and permissions)"
    elif error.errno == errno.EIO:
        advice = "The disk reported an error; check it"
    else:
        advice = "Check the file and the folders above it"
    return (f"The profile file {path} could not be read ({cause(error)}). {advice}, then try again; the file "
            "was left as it is, and profiles cannot be changed until it can be read.",
            f"The profile file {path} still cannot be read ({cause(error)}), so profiles cannot be used or "
            f"changed. {advice}, then try again.")


def cannot_save(path: Path, error: OSError) -> str:
    folder = path.parent
    if error.errno == errno.EROFS:
        advice = f"Make {folder} writable (or use another folder with --config-dir)"
    elif error.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "Free some space on that disk"
    elif error.errno in (errno.EACCES, errno.EPERM):
        advice = "Check that you own the folder and may write in it"
    else:
        advice = "Check the folder"
    return (f"The profiles could not be saved in {folder} ({cause(error)}). {advice}, then try again; the "
            "profile file was left as it was.")
