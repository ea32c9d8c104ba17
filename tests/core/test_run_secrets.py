"""Which secret follows a run: a run of API v1 is followed with its workspace's key, from the real keyring."""

from __future__ import annotations

import pytest

from robocloud_desktop.core.paths import app_paths
from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.core.run_secrets import run_secret_lookup
from robocloud_desktop.core.secrets import SecretNotFound, SecretStore

CLOUD = "https://cloud.robocorp.com/api/v1"
KEY = "wskey-Qa19-followed-run-4cV8n2"


def record(profile: Profile | None, api: str = "v1", **changes) -> RunRecord:
    values = {"run_id": "run-1", "profile_id": profile.id if profile else "",
              "profile_name": profile.name if profile else "", "base_url": CLOUD, "workspace_id": "ws-1",
              "process_id": "proc-1", "secret_in_query": False, "work_item_id": "", "payload": None,
              "payload_sha256": "", "triggered_at": 0.0, "api": api, **changes}
    return RunRecord(**values)


def test_a_v1_run_is_followed_with_its_workspaces_key_even_once_its_profile_is_gone(app_home, secret_service):
    store = ProfileStore(app_paths(app_home).profiles_file, SecretStore())
    first = store.add(Profile("A", CLOUD, "ws-1", "proc-1", api="v1"), secret=KEY)
    store.add(Profile("B", CLOUD, "ws-1", "proc-2", api="v1"))
    lookup = run_secret_lookup(store, store.secrets, environ={})
    assert lookup(record(first)) == KEY
    store.remove("A")  # B still uses the key
    assert lookup(record(first)) == KEY


def test_a_v1_run_without_a_profile_is_followed_with_the_plain_key_variable(app_home):
    store = ProfileStore(app_paths(app_home).profiles_file, SecretStore())
    assert run_secret_lookup(store, store.secrets, environ={"ROBOCLOUD_API_KEY": KEY})(record(None)) == KEY
    with pytest.raises(SecretNotFound) as info:
        run_secret_lookup(store, store.secrets, environ={"ROBOCLOUD_PROCESS_SECRET": "not-this-one"})(record(None))
    assert "Set ROBOCLOUD_API_KEY to follow it" in info.value.message and "API key" in info.value.message
