"""SecretStore against a real Secret Service, and its state mapping with stub backends."""

from __future__ import annotations

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import InitError, KeyringLocked

from robocloud_desktop.core.secrets import (
    SERVICE,
    KeyringIsLocked,
    KeyringUnavailable,
    SecretNotFound,
    SecretState,
    SecretStore,
    SecretStoreError,
    env_var_for,
    redetect_backend,
)

SECRET = "proc-secret-Zx81_kq0PLm2nB7vR4tY9wE3"


def test_secret_lands_in_the_secret_service_with_a_readable_label(secret_service):
    store = SecretStore()
    store.set("profile-id-1", "Invoices EU", SECRET)
    [(label, attributes, stored)] = secret_service.items(SERVICE)
    assert stored == SECRET
    assert attributes["username"] == "profile-id-1"
    assert "Invoices EU" in label
    assert store.get("profile-id-1", "Invoices EU") == SECRET
    assert store.state("profile-id-1", "Invoices EU") is SecretState.STORED
    assert "Secret Service" in store.backend_name()


def test_setting_again_replaces_and_delete_removes(secret_service):
    store = SecretStore()
    store.set("profile-id-2", "p2", "first-secret-value-000")
    store.set("profile-id-2", "p2", SECRET)
    assert [item[2] for item in secret_service.items(SERVICE)] == [SECRET]
    assert store.delete("profile-id-2", "p2") is True
    assert secret_service.items(SERVICE) == []
    assert store.delete("profile-id-2", "p2") is False
    with pytest.raises(SecretNotFound) as info:
        store.get("profile-id-2", "p2")
    assert "set-secret p2 --secret-stdin" in info.value.message
    assert store.state("profile-id-2", "p2") is SecretState.MISSING


def test_backend_is_looked_up_when_needed_not_at_start(_secret_service_daemon, monkeypatch):
    """A store made while no keyring runs works once one is there, without a restart."""
    redetect_backend()  # the bus points nowhere: no backend
    store = SecretStore()
    assert store.state("id-3", "p3") is SecretState.UNAVAILABLE
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", _secret_service_daemon.address)
    store.set("id-3", "p3", SECRET)
    assert store.get("id-3", "p3") == SECRET
    store.delete("id-3", "p3")
    monkeypatch.undo()
    redetect_backend()


def test_no_backend_is_unavailable_with_a_fix_in_the_message():
    store = SecretStore()  # the test session's bus points nowhere: keyring finds no backend
    with pytest.raises(KeyringUnavailable) as info:
        store.set("id", "Payroll", SECRET)
    message = info.value.message
    assert "Secret Service" in message and "ROBOCLOUD_PROCESS_SECRET_PAYROLL" in message
    assert SECRET not in message


def test_environment_override_is_read_only_and_wins():
    store = SecretStore(environ={"ROBOCLOUD_PROCESS_SECRET_INVOICES_EU": SECRET})
    assert env_var_for("Invoices EU") == "ROBOCLOUD_PROCESS_SECRET_INVOICES_EU"
    assert store.get("any-id", "Invoices EU") == SECRET
    assert store.state("any-id", "Invoices EU") is SecretState.FROM_ENVIRONMENT


# --- state mapping with stub backends: a real keyring cannot be made to fail these ways on demand ---


class _Stub(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("backend", "kind", "state", "words"),
    [
        (fail.Keyring(), KeyringUnavailable, SecretState.UNAVAILABLE, "No keyring"),
        (_Stub(KeyringLocked("Failed to unlock the collection!")), KeyringIsLocked, SecretState.LOCKED, "locked"),
        (_Stub(InitError("Failed to create the collection: Prompt dismissed.")), SecretStoreError,
         SecretState.ERROR, "could not be opened"),
        (_Stub(OSError("D-Bus connection reset")), SecretStoreError, SecretState.ERROR, "keyring failed"),
    ],
)
def test_keyring_states_are_told_apart(backend, kind, state, words):
    store = SecretStore(backend=lambda: backend, environ={})
    for call in (lambda: store.get("id", "p"), lambda: store.set("id", "p", SECRET), lambda: store.delete("id", "p")):
        with pytest.raises(kind) as info:
            call()
        assert type(info.value) is kind
        assert words in info.value.message
        assert SECRET not in info.value.message
    assert store.state("id", "p") is state


def test_locked_is_never_reported_as_missing():
    store = SecretStore(backend=lambda: _Stub(KeyringLocked("locked")), environ={})
    assert store.state("id", "p") is SecretState.LOCKED
    with pytest.raises(SecretStoreError) as info:
        store.get("id", "p")
    assert not isinstance(info.value, SecretNotFound)


def test_a_name_without_a_letter_or_digit_has_no_environment_variable():
    # The bare prefix would be one variable for every such name: none of them reads it.
    store = SecretStore(environ={"ROBOCLOUD_PROCESS_SECRET_": SECRET, "ROBOCLOUD_PROCESS_SECRET_<NAME>": SECRET})
    assert env_var_for("請求書") is None and env_var_for("--") is None
    assert env_var_for("請求書 2024") == "ROBOCLOUD_PROCESS_SECRET_2024"
    assert store.from_environment("請求書") is None
    assert store.state("id", "請求書") is SecretState.UNAVAILABLE
    with pytest.raises(KeyringUnavailable) as info:
        store.get("id", "請求書")
    assert info.value.message.endswith("and try again.") and "ROBOCLOUD_PROCESS_SECRET" not in info.value.message
