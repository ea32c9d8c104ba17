"""Help → Copy diagnostics' text, built from a real keyring (gnome-keyring on a private bus) and a real
log file: what a support person needs, how many profiles' secrets the keyring holds, and no secret,
key, download link or profile name."""

from __future__ import annotations

from pathlib import Path

from keyring.errors import KeyringLocked

from robocloud_desktop.core.diagnostics import diagnostics_text
from robocloud_desktop.core.logs import LOG_FILE
from robocloud_desktop.core.paths import app_paths, private_dir
from robocloud_desktop.core.profiles import API_V1, Profile, ProfileStore
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.demo import MemoryKeyring

SECRET = "process-secret-abc-123"
KEY = "workspace-key-xyz-789"


def rows_of(text: str) -> dict[str, str]:
    return {name.strip(): value.strip() for name, _, value in
            (line.partition(": ") for line in text.split("\n\n")[1].splitlines())}


def test_the_keyring_its_secrets_the_folders_and_the_log_are_told_and_no_secret(secret_service, app_home: Path,
                                                                                monkeypatch):
    paths = app_paths(app_home)
    secrets = SecretStore()
    store = ProfileStore(paths.profiles_file, secrets)
    store.add(Profile("Invoices", "https://api.eu1.robocloud.eu", "ws-1", "proc-1"), SECRET)
    store.add(Profile("Reports", "https://cloud.robocorp.com/api/v1", "ws-2", "proc-2", api=API_V1), KEY)
    store.add(Profile("Payroll", "https://api.eu1.robocloud.eu", "ws-1", "proc-3"))
    monkeypatch.setenv("ROBOCLOUD_API_KEY", "a-key-in-the-environment-456")
    private_dir(paths.log_dir)
    (paths.log_dir / LOG_FILE).write_text(
        f"line one\nsent {SECRET} and {KEY} and a-key-in-the-environment-456\n"
        "GET https://storage.example/a/log.html?X-Signature=abcdef\nlast line\n")

    text = diagnostics_text(paths, secrets, store.profiles(), runs=12, in_flight=3, log_lines=3)

    rows = rows_of(text)
    assert rows["Keyring"] == "the Secret Service (GNOME Keyring / KWallet)" and rows["Keyring state"] == "available"
    assert rows["Secrets and keys"] == "2 stored, 1 missing"
    assert rows["Profiles"] == "3 (2 with a process secret, 1 with a workspace API key)"
    assert rows["Runs"] == "12 on the board, 3 in flight"
    assert rows["Log file"].startswith(str(paths.log_dir / LOG_FILE)) and rows["Log file"].endswith(" KB)")
    assert text.endswith("Last 3 lines of the log:\nsent *** and *** and ***\n"
                         "GET https://storage.example/a/log.html?***\nlast line\n")
    for private in (SECRET, KEY, "a-key-in-the-environment-456", "abcdef", "Invoices", "Reports", "Payroll"):
        assert private not in text


class LockedKeyring(MemoryKeyring):
    """A keyring that answers "locked", as a Secret Service whose login keyring was not unlocked does:
    the state's wording only, which a real locked keyring cannot be made to give without a prompt."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")


def test_a_locked_keyring_is_said_and_asked_once(app_home: Path):
    paths = app_paths(app_home)
    asked: list[int] = []
    locked = LockedKeyring()

    def backend() -> LockedKeyring:
        asked.append(1)
        return locked

    profiles = [Profile(f"P{n}", "https://api.eu1.robocloud.eu", "ws-1", f"proc-{n}") for n in range(5)]
    text = diagnostics_text(paths, SecretStore(backend=backend, environ={}), profiles)
    rows = rows_of(text)
    assert rows["Keyring state"] == "locked"
    assert rows["Secrets and keys"] == "5 not readable (keyring locked)"
    assert len(asked) <= 3  # the name, the state, the first profile: not once per profile
    assert "Runs" not in rows and "The log has no lines yet." in text
