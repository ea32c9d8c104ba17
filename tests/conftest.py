"""Shared fixtures: a real emulator on loopback, and a guard that no secret leaks into output or logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from robocloud_desktop.core.target import Target
from robocloud_desktop.emulator import EmulatedProcess, Emulator


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
    with Emulator(run_duration=0.6) as emu:
        secret_guard.add(emu.default_process.secret)
        yield emu


@pytest.fixture
def process(emulator: Emulator) -> EmulatedProcess:
    return emulator.default_process


@pytest.fixture
def target(emulator: Emulator, process: EmulatedProcess) -> Target:
    return Target(emulator.base_url, process.workspace_id, process.process_id)
