"""Demo mode: the emulator on a free loopback port, a throw-away config dir with a few profiles,
and their secrets held in memory only, so a newcomer can trigger runs within seconds."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError

from robocloud_desktop.core.paths import AppPaths, app_paths
from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.emulator import Emulator


class MemoryKeyring(KeyringBackend):
    """Secrets for the demo's emulated processes: kept in this process only, gone when it ends."""

    @properties.classproperty
    def priority(cls) -> float:
        # keyring registers every backend class it sees; this one must never be picked by its
        # detection (a real app with no Secret Service would otherwise "store" secrets here).
        raise RuntimeError("the demo's memory keyring is used only by demo mode")

    def __init__(self) -> None:
        super().__init__()
        self._items: dict[tuple[str, str], str] = {}

    @property
    def name(self) -> str:  # type: ignore[override]
        return "memory (demo only, forgotten on exit)"

    def get_password(self, service: str, username: str) -> str | None:
        return self._items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._items.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


DEMO_PROFILES = (
    ("Invoice processing", '{\n  "invoice_id": "INV-2041",\n  "amount": 1250.5,\n  "currency": "EUR"\n}'),
    ("Payroll sync", '{\n  "month": "2026-11",\n  "simulate_duration": 8\n}'),
    ("Supplier onboarding (fails)", '{\n  "supplier": "ACME Oy",\n  "simulate": "fail"\n}'),
)


@dataclass
class Demo:
    emulator: Emulator
    paths: AppPaths
    secrets: SecretStore
    home: Path

    def close(self) -> None:
        self.emulator.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def start_demo(run_duration: float = 4.0) -> Demo:
    emulator = Emulator(run_duration=run_duration).start()
    home = Path(tempfile.mkdtemp(prefix="robocloud-demo-"))
    paths = app_paths(home)
    memory = MemoryKeyring()
    secrets = SecretStore(backend=lambda: memory, environ={})
    store = ProfileStore(paths.profiles_file, secrets)
    for index, (name, payload) in enumerate(DEMO_PROFILES):
        process = emulator.default_process if index == 0 else emulator.add_process()
        store.add(Profile(name, emulator.base_url, process.workspace_id, process.process_id, payload=payload,
                          notes="Demo profile on the built-in emulator."), secret=process.secret)
    return Demo(emulator, paths, secrets, home)
