"""Shared fixtures: a real emulator on loopback, and a guard that no secret leaks into output or logs."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from robocloud_desktop.core.secrets import SERVICE, redetect_backend
from robocloud_desktop.core.target import Target
from robocloud_desktop.emulator import EmulatedProcess, Emulator
from tests.support.secret_service import PrivateSecretService

# No test may reach the developer's own keyring: unless a test asks for the private Secret Service
# below, the session bus points nowhere and keyring finds no backend.
NO_BUS = "unix:path=/nonexistent/robocloud-desktop-tests"
os.environ["DBUS_SESSION_BUS_ADDRESS"] = NO_BUS
os.environ.pop("PYTHON_KEYRING_BACKEND", None)
os.environ.pop("ROBOCLOUD_DESKTOP_HOME", None)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class SecretGuard:
    """Collects every secret a test uses; after the test, none may appear in its logs or output."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def add(self, secret: str) -> str:
        self.secrets.add(secret)
        return secret

    def assert_absent(self, text: str, where: str) -> None:
        for secret in self.secrets:
            assert secret not in text, f"a secret leaked into {where}"


@pytest.fixture
def secret_guard(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> Iterator[SecretGuard]:
    guard = SecretGuard()
    caplog.set_level(logging.DEBUG)
    yield guard
    guard.assert_absent("\n".join(r.getMessage() for r in caplog.records), "a log record")
    captured = capsys.readouterr()
    guard.assert_absent(captured.out + captured.err, "stdout/stderr")


@pytest.fixture
def emulator(secret_guard: SecretGuard) -> Iterator[Emulator]:
    with Emulator(run_duration=0.3) as emu:
        secret_guard.add(emu.default_process.secret)
        secret_guard.add(emu.default_key)
        yield emu


@pytest.fixture
def process(emulator: Emulator) -> EmulatedProcess:
    return emulator.default_process


@pytest.fixture
def target(emulator: Emulator, process: EmulatedProcess) -> Target:
    return Target(emulator.base_url, process.workspace_id, process.process_id)


@pytest.fixture(scope="session")
def _secret_service_daemon() -> Iterator[PrivateSecretService]:
    service = PrivateSecretService()
    yield service
    service.stop()
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = NO_BUS


@pytest.fixture
def secret_service(_secret_service_daemon: PrivateSecretService) -> Iterator[PrivateSecretService]:
    """A real gnome-keyring on a private bus; this process and its children use it for the test."""
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = _secret_service_daemon.address
    redetect_backend()
    _secret_service_daemon.clear(SERVICE)
    yield _secret_service_daemon
    _secret_service_daemon.clear(SERVICE)
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = NO_BUS
    redetect_backend()


@pytest.fixture
def app_home(tmp_path: Path) -> Path:
    """A fresh --config-dir for one test."""
    home = tmp_path / "home"
    home.mkdir()
    return home
