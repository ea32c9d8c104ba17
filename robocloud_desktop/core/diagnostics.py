"""Help → Copy diagnostics: what a support person needs to know about this installation, as text to
paste into a message. Versions, the operating system, the keyring and its state, the app's folders,
how many profiles and runs (no names), and the log's last lines; every secret the app holds masked.

It asks the keyring, which can wait on a locked keyring or a slow D-Bus: build it off the window's
thread.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from robocloud_desktop.core.logs import LOG_FILE, masked, tail
from robocloud_desktop.core.secrets import (
    ENV_PREFIX,
    KEY_ENV_PREFIX,
    PLAIN_KEY_ENV,
    KeyringIsLocked,
    KeyringUnavailable,
    SecretState,
    SecretStore,
    SecretStoreError,
)
from robocloud_desktop.core.versions import versions

if TYPE_CHECKING:
    from robocloud_desktop.core.paths import AppPaths
    from robocloud_desktop.core.profile import Profile

LOG_LINES = 40
_SECRET_VARIABLES = (ENV_PREFIX.rstrip("_"), KEY_ENV_PREFIX.rstrip("_"), PLAIN_KEY_ENV)
# States after which the keyring is not asked about the other profiles: it would answer the same, and
# a locked keyring may prompt once per question.
_KEYRING_DOWN = (SecretState.LOCKED, SecretState.UNAVAILABLE, SecretState.ERROR)
_STATE_WORDS = {SecretState.STORED: "stored", SecretState.FROM_ENVIRONMENT: "from the environment",
                SecretState.MISSING: "missing", SecretState.UNAVAILABLE: "not readable (no keyring)",
                SecretState.LOCKED: "not readable (keyring locked)", SecretState.ERROR: "not readable (keyring error)"}


def keyring_state(secrets: SecretStore) -> str:
    """available, locked, none, or error (with the keyring's words)."""
    try:
        secrets.check_available("")
    except KeyringUnavailable:
        return "none (no keyring is installed or running)"
    except KeyringIsLocked:
        return "locked"
    except SecretStoreError as error:
        return f"error: {error.message}"
    return "available"


def _secret_states(secrets: SecretStore, profiles: Sequence[Profile], found: list[str]) -> str:
    """How many profiles' secrets are stored, missing...; each secret read is added to `found`."""
    counts: dict[str, int] = {}
    down: SecretState | None = None
    for profile in profiles:
        state = down
        if state is None:
            try:
                found.append(secrets.credential_for(profile))
                from_env = secrets.from_environment(profile.name, profile.api if profile.uses_key else "")
                state = SecretState.FROM_ENVIRONMENT if from_env else SecretState.STORED
            except SecretStoreError as error:
                state = error.state
                if state in _KEYRING_DOWN:
                    down = state
        counts[_STATE_WORDS[state]] = counts.get(_STATE_WORDS[state], 0) + 1
    return ", ".join(f"{count} {state}" for state, count in counts.items()) or "no profiles"


def _size(path: os.PathLike[str]) -> str:
    try:
        size = os.path.getsize(path)
    except OSError:
        return "not written yet"
    return f"{size / 1024:,.0f} KB"


def diagnostics_text(paths: AppPaths, secrets: SecretStore, profiles: Sequence[Profile], *,
                     runs: int | None = None, in_flight: int | None = None, qt: str = "",
                     window: Sequence[tuple[str, str]] = (), log_lines: int = LOG_LINES) -> str:
    """The text to copy. `runs` and `in_flight` count the runs known (the window's board); `qt` is what
    the window knows of Qt, `window` more (what, value) rows about it."""
    found: list[str] = []
    v1 = sum(1 for profile in profiles if profile.uses_key)
    rows: list[tuple[str, str]] = [*versions(qt), ("Python at", sys.executable), *window]
    rows += [
        ("Keyring", secrets.backend_name()),
        ("Keyring state", keyring_state(secrets)),
        ("Secrets and keys", _secret_states(secrets, profiles, found)),
        ("Config folder", str(paths.config_dir)),
        ("Data folder", str(paths.data_dir)),
        ("Log folder", str(paths.log_dir)),
        ("Log file", f"{paths.log_dir / LOG_FILE} ({_size(paths.log_dir / LOG_FILE)})"),
        ("Profiles", f"{len(profiles)} ({len(profiles) - v1} with a process secret, {v1} with a workspace API key)"),
    ]
    if runs is not None:
        rows.append(("Runs", f"{runs} on the board" + (f", {in_flight} in flight" if in_flight is not None else "")))
    width = max(len(name) for name, _ in rows) + 2
    lines = [f"robocloud-desktop diagnostics, {time.strftime('%Y-%m-%d %H:%M:%S %z')}", ""]
    lines += [f"{name + ':':<{width}}{value}" for name, value in rows]
    last = tail(paths.log_dir / LOG_FILE, log_lines)
    lines += ["", f"Last {len(last)} lines of the log:" if last else "The log has no lines yet.", *last]
    found += [value for name, value in os.environ.items() if name.startswith(_SECRET_VARIABLES) and value.strip()]
    return masked("\n".join(lines) + "\n", *found)
