"""The app of profile format version 1, run on a file this version wrote: it must take the file as one
from a newer version, use it read-only, and change neither the file nor a workspace key in the keyring.

The old app is the package as it was at the last commit of format version 1, taken from this repository's
history and run in a subprocess: what users who run both versions (or go back one) actually have."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from robocloud_desktop.core.paths import app_paths
from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.core.secrets import SERVICE, SecretStore

# The last commit whose app wrote format version 1.
VERSION_1_COMMIT = "6ff1e0e8572e4d0d97df12785cc11d647d7e199c"
ROOT = Path(__file__).resolve().parents[2]
KEY = "wskey-Mn52-old-reader-8dKe1q"
SECRET = "s3cret-value-old-reader-0000"

OLD_APP = """
import json, sys
from pathlib import Path
import robocloud_desktop
from robocloud_desktop.core.profiles import Profile, ProfileError, ProfileStore
from robocloud_desktop.core.secrets import SecretStore

path = Path(sys.argv[1])
store = ProfileStore(path, SecretStore())
seen = {"package": robocloud_desktop.__file__, "problems": [p.message for p in store.problems],
        "profiles": [p.name for p in store.profiles()], "refused": []}
for change in (lambda: store.add(Profile("Added", "https://api.eu1.robocloud.eu", "ws-1", "proc-9")),
               lambda: store.rename("Invoices", "Renamed"),
               lambda: store.remove("Payroll"),
               lambda: store.change(store.get("Invoices").id, lambda p: p.with_payload('{"x": 1}'))):
    try:
        change()
    except ProfileError as error:
        seen["refused"].append(error.message)
seen["cleaning"] = store.clean_secrets().waiting
print(json.dumps(seen))
"""


def old_package(into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", VERSION_1_COMMIT, "robocloud_desktop"],
                             capture_output=True, check=True, timeout=60).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def test_the_version_1_app_uses_a_version_2_file_read_only_and_leaves_it_and_the_keys(
        app_home, tmp_path, secret_service):
    path = app_paths(app_home).profiles_file
    store = ProfileStore(path, SecretStore())
    store.add(Profile("Invoices", "https://cloud.robocorp.com", "ws-1", "proc-1", api="v1"), secret=KEY)
    store.add(Profile("Payroll", "https://cloud.robocorp.com", "ws-2", "proc-2", api="v1"), secret=KEY + "-2")
    store.add(Profile("Secret", "https://api.eu1.robocloud.eu", "ws-1", "proc-3"), secret=SECRET)
    # A key waiting to be deleted is listed where the old app does not look for entries to delete.
    document = json.loads(path.read_text())
    document["keys_to_delete"] = [{"base_url": "https://cloud.robocorp.com/api/v1", "workspace_id": "ws-2"}]
    path.write_text(json.dumps(document))
    before = path.read_bytes()
    entries = sorted(item[2] for item in secret_service.items(SERVICE))

    package = old_package(tmp_path / "version-1")
    done = subprocess.run([sys.executable, "-c", OLD_APP, str(path)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env={**os.environ, **secret_service.env, "PYTHONPATH": str(package)})
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)

    assert seen["package"].startswith(str(package))  # the old app, not this checkout
    assert any("newer version" in p for p in seen["problems"]), seen["problems"]
    assert seen["profiles"] == ["Invoices", "Payroll", "Secret"]
    assert len(seen["refused"]) == 4 and all("newer version" in m for m in seen["refused"]), seen["refused"]
    assert path.read_bytes() == before
    assert sorted(item[2] for item in secret_service.items(SERVICE)) == entries
    assert KEY not in done.stdout + done.stderr
