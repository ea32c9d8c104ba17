"""Secrets in the operating system's keyring: a process secret per profile, and a Control Room API
v1 key per workspace, shared by the workspace's profiles.

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

from robocloud_desktop.core.workspaces import workspace_key_name

# keyring is imported where it is used: loading it (and its backends) is slow enough to be felt in
# the window's start-up, and the window needs no secret before it is on screen.
if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from robocloud_desktop.core.profile import Profile

SERVICE = "robocloud-desktop"
# One keyring call at a time in this process: gnome-keyring has been seen to abort when two
# D-Bus clients of one process hit it at once, and nothing here needs parallel keyring access.
_KEYRING_LOCK = threading.RLock()
ENV_PREFIX = "ROBOCLOUD_PROCESS_SECRET_"
KEY_ENV_PREFIX = "ROBOCLOUD_API_KEY_"
# The key for commands given a workspace without a profile (as ROBOCLOUD_PROCESS_SECRET is the secret).
PLAIN_KEY_ENV = "ROBOCLOUD_API_KEY"
# What the API is called where a user picks one.
V1 = "v1"


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


def env_var_for(profile_name: str, api: str = "") -> str | None:
    """The read-only environment override for a profile: ROBOCLOUD_PROCESS_SECRET_<NAME> (or, for a
    profile of API v1, ROBOCLOUD_API_KEY_<NAME>), the name in capitals with every run of other
    characters made one "_". None for a name without a letter A-Z or a digit (such as 請求書): its
    variable would be the bare prefix, shared by all such names."""
    suffix = re.sub(r"[^A-Z0-9]+", "_", profile_name.upper()).strip("_")
    return (KEY_ENV_PREFIX if api == V1 else ENV_PREFIX) + suffix if suffix else None


def or_set_variable(profile_name: str, api: str = "") -> str:
    """", or set ROBOCLOUD_PROCESS_SECRET_X" to end advice with, or nothing for a name without one."""
    variable = env_var_for(profile_name, api)
    return f", or set {variable}" if variable else ""


def redetect_backend() -> None:
    """Look for a keyring backend again, so a Secret Service started after the app is found.

    keyring works out which backends are viable once per process and keeps that list, so
    `keyring.core.init_backend()` would keep answering "none". This asks each backend class again
    through keyring's public API, in keyring's own order: the PYTHON_KEYRING_BACKEND variable,
    then keyringrc.cfg, then the viable backend of the highest priority. The chainer is left out:
    it chains keyring's kept list, not what is there now."""
    import keyring.backend
    import keyring.core
    from keyring.backends import fail

    keyring.backend.get_all_keyring()  # loads the plugins' backends on the first call; its list is not used
    try:
        found = keyring.core.load_env() or keyring.core.load_config()
    except Exception:  # the backend the user configured is not viable now: as keyring does, none
        found = fail.Keyring()
    keyring.core.set_keyring(found or _best_viable_backend())


def _best_viable_backend() -> KeyringBackend:
    """The viable backend of the highest priority, each class asked now (fail.Keyring when none is)."""
    from keyring.backend import KeyringBackend
    from keyring.backends import chainer, fail

    best: KeyringBackend = fail.Keyring()
    best_priority: float | None = None
    for cls in KeyringBackend.get_viable_backends():
        if issubclass(cls, chainer.ChainerBackend):
            continue
        try:
            backend = cls()
            priority = float(backend.priority)
        except Exception:  # needs arguments, or stopped being viable a moment ago
            continue
        if best_priority is None or priority > best_priority:
            best, best_priority = backend, priority
    return best


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

    def from_environment(self, profile_name: str, api: str = "") -> str | None:
        variable = env_var_for(profile_name, api)
        value = self._environ.get(variable, "").strip() if variable else ""
        return value or None

    def get(self, profile_id: str, profile_name: str) -> str:
        """The secret, from the environment override or the keyring; SecretStoreError otherwise."""
        override = self.from_environment(profile_name)
        if override:
            return override
        secret = self._call(lambda b: b.get_password(SERVICE, profile_id), _secret_variable(profile_name))
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
        self._call(lambda b: _set_with_label(b, profile_id, secret.strip(), label), _secret_variable(profile_name))

    def delete(self, profile_id: str, profile_name: str) -> bool:
        """Remove the profile's secret; False when there was none."""
        return self._delete_entry(profile_id, _secret_variable(profile_name))

    def _delete_entry(self, username: str, variable: str | None) -> bool:
        from keyring.errors import PasswordDeleteError

        def remove(backend: KeyringBackend) -> bool:
            try:
                backend.delete_password(SERVICE, username)
            except PasswordDeleteError:
                return False
            return True

        return bool(self._call(remove, variable))

    def relabel(self, profile_id: str, profile_name: str) -> None:
        """Name the renamed profile in its keyring entry's label. Cosmetic: the secret is found by
        id, so keyring trouble leaves the old label. Reads the keyring itself, never the
        environment override, which must not end up in the keyring."""
        try:
            stored = self._call(lambda b: b.get_password(SERVICE, profile_id), _secret_variable(profile_name))
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

    # --- workspace keys (Control Room API v1) ---------------------------------------------------

    def get_key(self, base_url: str, workspace_id: str, profile_name: str = "") -> str:
        """The workspace's API key: the profile's environment override (ROBOCLOUD_API_KEY_<NAME>)
        first, else the one keyring entry every profile of the workspace shares."""
        override = self.from_environment(profile_name, V1) if profile_name else None
        if override:
            return override
        key = self.stored_key(base_url, workspace_id, profile_name)
        if not key:
            raise SecretNotFound(_no_key(workspace_id, profile_name))
        return key

    def stored_key(self, base_url: str, workspace_id: str, profile_name: str = "") -> str | None:
        """The key the keyring holds for the workspace, never an override; None when there is none."""
        username = workspace_key_name(base_url, workspace_id)
        key = self._call(lambda b: b.get_password(SERVICE, username), _key_variable(profile_name))
        return str(key) if key else None

    def set_key(self, base_url: str, workspace_id: str, key: str, profile_name: str = "") -> None:
        """Store the workspace's key, replacing the one its profiles shared."""
        if not key.strip():
            raise SecretStoreError("The API key is empty. Copy it from Control Room (the workspace's API keys) "
                                   "and try again.")
        username = workspace_key_name(base_url, workspace_id)
        label = f"Control Room API key for workspace {workspace_id.strip()} at {_host(base_url)} (robocloud-desktop)"
        self._call(lambda b: _set_with_label(b, username, key.strip(), label), _key_variable(profile_name))

    def delete_key(self, base_url: str, workspace_id: str) -> bool:
        """Remove the workspace's key; False when there was none."""
        return self._delete_entry(workspace_key_name(base_url, workspace_id), None)

    def key_state(self, base_url: str, workspace_id: str, profile_name: str = "") -> SecretState:
        if profile_name and self.from_environment(profile_name, V1):
            return SecretState.FROM_ENVIRONMENT
        try:
            self.get_key(base_url, workspace_id, profile_name)
        except SecretStoreError as error:
            return error.state
        return SecretState.STORED

    # --- by profile ---------------------------------------------------------------------------

    def credential_for(self, profile: Profile) -> str:
        """What the profile's requests are signed with: its process secret, or its workspace's key."""
        if profile.api == V1:
            return self.get_key(profile.base_url, profile.workspace_id, profile.name)
        return self.get(profile.id, profile.name)

    def state_for(self, profile: Profile) -> SecretState:
        if profile.api == V1:
            return self.key_state(profile.base_url, profile.workspace_id, profile.name)
        return self.state(profile.id, profile.name)

    def check_available(self, profile_name: str, api: str = "") -> None:
        """Raise KeyringUnavailable / KeyringIsLocked now, before anything is changed."""
        variable = _key_variable(profile_name) if api == V1 else _secret_variable(profile_name)
        self._call(lambda b: b.get_password(SERVICE, "availability-check"), variable)

    def _call(self, operation: Callable[[KeyringBackend], Any], variable: str | None) -> Any:
        """Run `operation` on the keyring, its failures made SecretStoreErrors; `variable` is the
        environment variable to suggest when there is no keyring at all."""
        # Imported under the lock: two threads loading keyring and its backends for the first time
        # at once have crashed the interpreter.
        with _KEYRING_LOCK:
            from keyring.backends import fail
            from keyring.errors import InitError, KeyringLocked, NoKeyringError

        try:
            with _KEYRING_LOCK:
                backend = self._backend()
                if isinstance(backend, fail.Keyring):
                    raise NoKeyringError()
                return operation(backend)
        except NoKeyringError:
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


def _set_with_label(backend: KeyringBackend, username: str, secret: str, label: str) -> None:
    """Store with a readable label where the backend has labels (the Secret Service does);
    the plain keyring API would label every entry "Password for '<uuid>' on '...'"."""
    from keyring.backends import SecretService

    if isinstance(backend, SecretService.Keyring):
        collection = backend.get_preferred_collection()
        # The attributes keyring itself searches by, named by the backend's scheme, so that its
        # get_password and delete_password find the entry.
        scheme = backend.schemes[backend.scheme]
        attributes = {scheme["username"]: username, scheme["service"]: SERVICE, "application": backend.appid}
        with closing(collection.connection):
            collection.create_item(label, attributes, secret, replace=True)
        return
    backend.set_password(SERVICE, username, secret)


def _secret_variable(profile_name: str) -> str | None:
    """The variable to suggest for a process secret when there is no keyring: the profile's, or
    without a name (the window's check at start) the pattern of every profile's."""
    return env_var_for(profile_name) if profile_name.strip() else ENV_PREFIX + "<NAME>"


def _key_variable(profile_name: str) -> str | None:
    """The variable to suggest for a key when there is no keyring: the profile's, or without a
    profile the one for commands given a workspace."""
    return env_var_for(profile_name, V1) if profile_name.strip() else PLAIN_KEY_ENV


def _no_key(workspace_id: str, profile_name: str) -> str:
    if not profile_name:
        return (f"No API key is stored for the workspace {workspace_id!r}. Add a profile of it with its key, or set "
                f"{PLAIN_KEY_ENV}.")
    return (f"No API key is stored for the workspace {workspace_id!r} of the profile {profile_name!r}. Store it with "
            f"`robocloud-desktop profile set-secret {_quote(profile_name)} --api-key-stdin`"
            f"{or_set_variable(profile_name, V1)}.")


def _host(base_url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(base_url).netloc or base_url


def _clean(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text[:200]


def _quote(name: str) -> str:
    return name if re.fullmatch(r"[\w.-]+", name) else f"'{name}'"
