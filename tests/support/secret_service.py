"""A real Secret Service (gnome-keyring) on a private D-Bus session, for keyring tests.

It has its own HOME and bus, so no test ever reads or writes the developer's own keyring.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

import secretstorage
from jeepney import DBusAddress, new_method_call
from jeepney.bus_messages import message_bus

from tests.support.private_bus import start_bus

REQUIRED = ("dbus-daemon", "gnome-keyring-daemon")
PASSWORD = b"test-keyring-password"
SECRETS_NAME = "org.freedesktop.secrets"


class PrivateSecretService:
    def __init__(self) -> None:
        missing = [tool for tool in REQUIRED if shutil.which(tool) is None]
        if missing:
            raise RuntimeError(
                f"Keyring tests need {', '.join(missing)}: install the Debian packages gnome-keyring "
                "and dbus-x11 (scripts/setup-env does)."
            )
        self.home = Path(tempfile.mkdtemp(prefix="robocloud-keyring-"))
        runtime = self.home / "run"
        runtime.mkdir(mode=0o700)
        self._env = {**os.environ, "HOME": str(self.home), "XDG_DATA_HOME": str(self.home / "data"),
                     "XDG_RUNTIME_DIR": str(runtime)}
        self._env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        self.address, self._bus_pid = start_bus(self.home, runtime, self._env)
        self._env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        # The password on stdin creates and unlocks the login keyring without any prompt.
        self._daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env=self._env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        assert self._daemon.stdin is not None
        self._daemon.stdin.write(PASSWORD)
        self._daemon.stdin.close()
        self._wait_ready()

    @property
    def env(self) -> dict[str, str]:
        """What a process needs to use this keyring (and only this one)."""
        return {"DBUS_SESSION_BUS_ADDRESS": self.address}

    def _connect(self) -> secretstorage.DBusConnection:
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = self.address
        return secretstorage.dbus_init()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while True:
            try:
                with closing(self._connect()) as bus:
                    owned = bus.send_and_get_reply(message_bus.NameHasOwner(SECRETS_NAME)).body[0]
                    if owned and not secretstorage.get_default_collection(bus).is_locked():
                        return
            except (secretstorage.exceptions.SecretStorageException, OSError):
                pass
            if time.monotonic() > deadline or self._daemon.poll() is not None:
                raise RuntimeError("gnome-keyring-daemon did not come up on the private D-Bus session")
            time.sleep(0.05)

    def items(self, service: str) -> list[tuple[str, dict[str, str], str]]:
        """(label, attributes, secret) of every item stored for `service`."""
        with closing(self._connect()) as bus:
            collection = secretstorage.get_default_collection(bus)
            return [(item.get_label(), item.get_attributes(), item.get_secret().decode())
                    for item in collection.search_items({"service": service})]

    def lock(self) -> None:
        """Lock the login keyring, as a screen lock or a timeout does: reads and deletes then fail
        with "locked" (no prompt can be shown on this private bus) until unlock()."""
        with closing(self._connect()) as bus:
            secretstorage.get_default_collection(bus).lock()

    def unlock(self) -> None:
        """Unlock it again with its password, through gnome-keyring's own D-Bus method: the Secret
        Service's Unlock would ask for the password in a prompt."""
        with closing(self._connect()) as bus:
            path = secretstorage.get_default_collection(bus).collection_path
            service = DBusAddress("/org/freedesktop/secrets", SECRETS_NAME, "org.freedesktop.Secret.Service")
            session = bus.send_and_get_reply(new_method_call(service, "OpenSession", "sv", ("plain", ("s", "")))).body[1]
            keyring = DBusAddress("/org/freedesktop/secrets", SECRETS_NAME,
                                  "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface")
            bus.send_and_get_reply(new_method_call(keyring, "UnlockWithMasterPassword", "o(oayays)",
                                                   (path, (session, b"", PASSWORD, "text/plain"))))
            if secretstorage.get_default_collection(bus).is_locked():
                raise RuntimeError("the private keyring did not unlock")

    @contextmanager
    def locked(self) -> Iterator[None]:
        """The keyring locked while the block runs, unlocked after it whatever happens."""
        self.lock()
        try:
            yield
        finally:
            self.unlock()

    def clear(self, service: str) -> None:
        with closing(self._connect()) as bus:
            for item in secretstorage.get_default_collection(bus).search_items({"service": service}):
                item.delete()

    def stop(self) -> None:
        self._daemon.terminate()
        try:
            self._daemon.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._daemon.kill()
        with suppress(ProcessLookupError):
            os.kill(self._bus_pid, signal.SIGTERM)
        shutil.rmtree(self.home, ignore_errors=True)
