"""Process API secrets in the operating system's keyring, one entry per profile.

The keyring backend is looked up when a secret is needed, not once at start: a keyring daemon
started (or unlocked) after the app keeps working without a restart. "Locked" is never
reported as "not found": a user told their secret is missing would store it again for nothing.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping
from contextlib import closing
from enum import Enum
from typing import TYPE_CHECKING, Any

# keyring is imported where it is used: loading it (and its backends) is slow enough to be felt in
# the window's start-up, and the window needs no secret before it is on screen.
if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "robocloud-desktop"
# One keyring call at a time in this process: gnome-keyring has been seen to abort when two
# D-Bus clients of one process hit it at once, and nothing here needs parallel keyring access.
_KEYRING_LOCK = threading.RLock()
ENV_PREFIX = "ROBOCLOUD_PROCESS_SECRET_"


class SecretState(Enum):
    STORED = "stored"
    FROM_ENVIRONMENT = "from environment"
    MISSING = "missing"
    UNAVAILABLE = "no keyring"
    LOCKED = "keyring locked"
    ERROR = "keyring error"


class SecretStoreError(Exception):
    """A keyring problem, with a message that says what to do. Never carries a secret."""

    state = SecretState.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class KeyringUnavailable(SecretStoreError):
    state = SecretState.UNAVAILABLE


class KeyringIsLocked(SecretStoreError):
    state = SecretState.LOCKED


class SecretNotFound(SecretStoreError):
    state = SecretState.MISSING


def env_var_for(profile_name: str) -> str | None:
    """The read-only environment override for a profile: ROBOCLOUD_PROCESS_SECRET_<NAME>, the name in
    capitals with every run of other characters made one "_". None for a name without a letter A-Z
    or a digit (such as 請求書): its variable would be the bare prefix, shared by all such names."""
    suffix = re.sub(r"[^A-Z0-9]+", "_", profile_name.upper()).strip("_")
    return ENV_PREFIX + suffix if suffix else None


def or_set_variable(profile_name: str) -> str:
    """", or set ROBOCLOUD_PROCESS_SECRET_X" to end advice with, or nothing for a name without one."""
    variable = env_var_for(profile_name)
    return f", or set {variable}" if variable else ""


def redetect_backend() -> None:
    """Look for a keyring backend again. keyring checks which backends are viable only once per
    process; without a reset, a Secret Service started after the app would never be found."""
    import keyring.backend
    import keyring.core
    from keyring.backends import fail

    vars(keyring.backend.get_all_keyring).pop("saved_result", None)
    try:
        keyring.core.init_backend()
    except Exception:  # a backend that was viable a moment ago may fail its priority check now
        keyring.core.set_keyring(fail.Keyring())


def _default_backend() -> KeyringBackend:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        redetect_backend()  # nothing was found last time; a Secret Service may have started since
        backend = keyring.get_keyring()
    return backend


class SecretStore:
    """Reads and writes profile secrets. `backend` is injectable for tests of the state mapping."""

    def __init__(
        self,
        backend: Callable[[], KeyringBackend] = _default_backend,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._backend = backend
        self._environ = os.environ if environ is None else environ

    def __repr__(self) -> str:
        return f"SecretStore(service={SERVICE!r})"

    def backend_name(self) -> str:
        """Where secrets go, in words a user recognises (for "stored in ..." hints)."""
        from keyring.backends import fail

        try:
            backend = self._backend()
        except Exception:
            return "no keyring available"
        if isinstance(backend, fail.Keyring):
            return "no keyring available"
        name = str(getattr(backend, "name", "") or type(backend).__name__)
        return {"SecretService Keyring": "the Secret Service (GNOME Keyring / KWallet)",
                "Windows WinVaultKeyring": "Windows Credential Manager",
                "macOS Keyring": "the macOS Keychain"}.get(name, name)

    def from_environment(self, profile_name: str) -> str | None:
        variable = env_var_for(profile_name)
        value = self._environ.get(variable, "").strip() if variable else ""
        return value or None

    def get(self, profile_id: str, profile_name: str) -> str:
        """The secret, from the environment override or the keyring; SecretStoreError otherwise."""
        override = self.from_environment(profile_name)
        if override:
            return override
        secret = self._call(lambda b: b.get_password(SERVICE, profile_id), profile_name)
        if not secret:
            raise SecretNotFound(
                f"No secret is stored for profile {profile_name!r}. Store it with "
                f"`robocloud-desktop profile set-secret {_quote(profile_name)} --secret-stdin`"
                f"{or_set_variable(profile_name)}."
            )
        return str(secret)

    def set(self, profile_id: str, profile_name: str, secret: str) -> None:
        if not secret.strip():
            raise SecretStoreError("The secret is empty. Copy it from Control Room and try again.")
        label = f"Control Room process secret for {profile_name} (robocloud-desktop)"
        self._call(lambda b: _set_with_label(b, profile_id, secret.strip(), label), profile_name)

    def delete(self, profile_id: str, profile_name: str) -> bool:
        """Remove the profile's secret; False when there was none."""
        from keyring.errors import PasswordDeleteError

        def remove(backend: KeyringBackend) -> bool:
            try:
                backend.delete_password(SERVICE, profile_id)
            except PasswordDeleteError:
                return False
            return True

        return bool(self._call(remove, profile_name))

    def relabel(self, profile_id: str, profile_name: str) -> None:
        """Name the renamed profile in its keyring entry's label. Cosmetic: the secret is found by
        id, so keyring trouble leaves the old label. Reads the keyring itself, never the
        environment override, which must not end up in the keyring."""
        try:
            stored = self._call(lambda b: b.get_password(SERVICE, profile_id), profile_name)
            if stored:
                self.set(profile_id, profile_name, str(stored))
        except SecretStoreError:
            pass

    def state(self, profile_id: str, profile_name: str) -> SecretState:
        if self.from_environment(profile_name):
            return SecretState.FROM_ENVIRONMENT
        try:
            self.get(profile_id, profile_name)
        except SecretStoreError as error:
            return error.state
        return SecretState.STORED

    def check_available(self, profile_name: str) -> None:
        """Raise KeyringUnavailable / KeyringIsLocked now, before anything is changed."""
        self._call(lambda b: b.get_password(SERVICE, "availability-check"), profile_name)

    def _call(self, operation: Callable[[KeyringBackend], Any], profile_name: str) -> Any:
        from keyring.backends import fail
        from keyring.errors import InitError, KeyringLocked, NoKeyringError

        try:
            with _KEYRING_LOCK:
                backend = self._backend()
                if isinstance(backend, fail.Keyring):
                    raise NoKeyringError()
                return operation(backend)
        except NoKeyringError:
            # Without a name (the window's check at start), the pattern of every profile's variable.
            variable = env_var_for(profile_name) if profile_name.strip() else ENV_PREFIX + "<NAME>"
            raise KeyringUnavailable(
                "No keyring is available to keep the secret safe. Install and start a Secret Service "
                "(GNOME Keyring or KWallet) and try again"
                + (f"; for headless use, set {variable} instead." if variable else ".")
            ) from None
        except KeyringLocked:
            raise KeyringIsLocked(
                "The keyring is locked. Unlock it (log in to your desktop session, or open your "
                "password manager and unlock the login keyring) and try again."
            ) from None
        except InitError as error:
            raise SecretStoreError(
                f"The keyring could not be opened ({_clean(error)}). Make sure it is running and "
                "unlocked, then try again."
            ) from None
        except SecretStoreError:
            raise
        except Exception as error:
            raise SecretStoreError(
                f"The keyring failed ({type(error).__name__}: {_clean(error)}). "
                "Check that it is running and unlocked, then try again."
            ) from None


def _set_with_label(backend: KeyringBackend, profile_id: str, secret: str, label: str) -> None:
    """Store with a readable label where the backend has labels (the Secret Service does);
    the plain keyring API would label every entry "Password for '<uuid>' on '...'"."""
    from keyring.backends import SecretService

    if isinstance(backend, SecretService.Keyring):
        collection = backend.get_preferred_collection()
        attributes = backend._query(SERVICE, profile_id, application=backend.appid)
        with closing(collection.connection):
            collection.create_item(label, attributes, secret, replace=True)
        return
    backend.set_password(SERVICE, profile_id, secret)


def _clean(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text[:200]


def _quote(name: str) -> str:
    return name if re.fullmatch(r"[\w.-]+", name) else f"'{name}'"
