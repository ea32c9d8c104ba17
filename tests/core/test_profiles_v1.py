"""Profiles of Control Room API v1: one workspace key in a real Secret Service, shared by the workspace's
profiles, replaced once for all of them and deleted with the last of them; the file's version 2."""

from __future__ import annotations

import json
from dataclasses import replace

import keyring
import pytest

from robocloud_desktop.core.paths import app_paths
from robocloud_desktop.core.profiles import Profile, ProfileError, ProfileStore, SecretRemoval
from robocloud_desktop.core.secrets import SERVICE, SecretNotFound, SecretState, SecretStore

CLOUD = "https://cloud.robocorp.com/api/v1"
KEY = "wskey-Zp41-first-7bQe0c2Lm9"
NEW_KEY = "wskey-Rt88-second-1aXy5v0Ps3"
SECRET = "s3cret-value-for-process-0000"


def v1(name: str = "Invoices", **changes) -> Profile:
    values = {"base_url": CLOUD, "workspace_id": "ws-1", "process_id": "proc-1", "api": "v1", **changes}
    return Profile(name=name, **values)


@pytest.fixture
def path(app_home):
    return app_paths(app_home).profiles_file


@pytest.fixture
def store(path, secret_service) -> ProfileStore:
    return ProfileStore(path, SecretStore())


def keys(service) -> list[tuple[str, str]]:
    """(keyring username, secret) of every entry the app has in the keyring."""
    return sorted((attributes["username"], secret) for _, attributes, secret in service.items(SERVICE))


# --- what a v1 profile is -----------------------------------------------------------------------


@pytest.mark.parametrize("given", ["https://cloud.robocorp.com", "https://cloud.robocorp.com/",
                                   "https://cloud.robocorp.com/api/v1", " https://cloud.robocorp.com/api/v1/ ",
                                   "https://cloud.robocorp.com/api"])
def test_the_base_url_is_the_api_root_given_with_or_without_api_v1(path, given):
    saved = ProfileStore(path).add(v1(base_url=given))
    assert saved.base_url == CLOUD
    assert ProfileStore(path).get("Invoices").base_url == CLOUD


def test_a_tenant_root_keeps_its_host(path):
    saved = ProfileStore(path).add(v1(base_url="https://acme.robocorp.com"))
    assert saved.base_url == "https://acme.robocorp.com/api/v1"


@pytest.mark.parametrize(("profile", "words"), [
    (v1(secret_in_query=True), "in a header"),
    (v1(base_url="https://api.eu1.robocloud.eu"), "per-process secret API"),
    (v1(base_url=CLOUD + "/workspaces/ws-1"), "goes past the API root"),
    (v1(base_url="http://cloud.robocorp.com"), "Refusing plain http"),
    (Profile("Old", CLOUD, "ws-1", "proc-1"), "Control Room API v1, which takes a workspace API key"),
    (v1(api="v2"), "not one the app speaks"),
])
def test_what_cannot_be_a_profile_is_refused_in_words(path, profile, words):
    store = ProfileStore(path)
    with pytest.raises(ProfileError, match=words):
        store.add(profile)
    assert ProfileStore(path).profiles() == []


def test_a_v1_name_clash_names_the_key_variable(path):
    store = ProfileStore(path)
    store.add(v1("Invoices EU"))
    with pytest.raises(ProfileError, match="ROBOCLOUD_API_KEY_INVOICES_EU"):
        store.add(v1("invoices-eu", process_id="proc-2"))


def test_api_and_following_others_survive_a_reopen(path):
    store = ProfileStore(path)
    store.add(v1(follow_others=False))
    store.add(Profile("Old", "https://api.eu1.robocloud.eu", "ws-1", "proc-1"))
    again = ProfileStore(path)
    assert (again.get("Invoices").api, again.get("Invoices").follow_others) == ("v1", False)
    assert again.get("Old").api == "process-secret"
    entries = {e["name"]: e for e in json.loads(path.read_text())["profiles"]}
    assert (entries["Invoices"]["api"], entries["Invoices"]["follow_others"]) == ("v1", False)


def test_profiles_of_a_workspace_are_its_v1_profiles_however_its_root_is_spelled(path):
    store = ProfileStore(path)
    a = store.add(v1("A"))
    b = store.add(v1("B", base_url="https://Cloud.Robocorp.com:443/api/v1/", process_id="proc-2"))
    store.add(v1("Other workspace", workspace_id="ws-2"))
    store.add(v1("Other tenant", base_url="https://acme.robocorp.com"))
    store.add(Profile("Secret", "https://api.eu1.robocloud.eu", "ws-1", "proc-1"))
    for root in (CLOUD, "https://cloud.robocorp.com", "https://CLOUD.robocorp.com/api/v1/"):
        assert [p.id for p in store.profiles_of_workspace(root, " ws-1 ")] == [a.id, b.id]


# --- one key per workspace ------------------------------------------------------------------------


def test_the_profiles_of_a_workspace_share_one_key_and_replacing_it_replaces_it_for_all(store, secret_service):
    first = store.add(v1("Invoices"), secret=KEY)
    second = store.add(v1("Payroll", process_id="proc-2"))  # no key given: the workspace's is used
    other = store.add(v1("Elsewhere", workspace_id="ws-2"), secret="wskey-other-workspace-000")
    secrets = store.secrets
    assert secrets.credential_for(first) == secrets.credential_for(second) == KEY
    assert secrets.credential_for(other) == "wskey-other-workspace-000"
    assert [u for u, _ in keys(secret_service)] == [f"workspace-key:{CLOUD}|ws-1", f"workspace-key:{CLOUD}|ws-2"]
    [label] = [label for label, a, _ in secret_service.items(SERVICE) if a["username"].endswith("|ws-1")]
    assert "ws-1" in label and "cloud.robocorp.com" in label and KEY not in label

    store.update(second, secret=NEW_KEY)  # replaced through one profile...
    assert secrets.credential_for(first) == NEW_KEY  # ...for every profile of the workspace
    assert [s for u, s in keys(secret_service) if u.endswith("|ws-1")] == [NEW_KEY]
    assert secrets.credential_for(other) == "wskey-other-workspace-000"
    assert KEY not in path_text(store) and NEW_KEY not in path_text(store)


def path_text(store: ProfileStore) -> str:
    return store.path.read_text()


def test_removing_a_profile_keeps_the_key_while_another_profile_of_the_workspace_uses_it(store, secret_service):
    store.add(v1("Invoices"), secret=KEY)
    store.add(v1("Payroll", process_id="proc-2"))
    removal = store.remove("Invoices")
    assert removal.secret is SecretRemoval.SHARED and removal.sharing == 1
    assert keys(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", KEY)]

    removal = store.remove("Payroll")  # the last one
    assert removal.secret is SecretRemoval.DELETED
    assert secret_service.items(SERVICE) == []
    assert "keys_to_delete" not in json.loads(store.path.read_text())


def test_a_locked_keyring_does_not_stop_removing_a_profile_whose_key_others_use(store, secret_service):
    store.add(v1("Invoices"), secret=KEY)
    store.add(v1("Payroll", process_id="proc-2"))
    with secret_service.locked():
        removal = store.remove("Invoices")
    assert removal.secret is SecretRemoval.SHARED
    assert [p.name for p in ProfileStore(store.path).profiles()] == ["Payroll"]
    assert keys(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", KEY)]


def test_removing_the_last_profile_without_a_stored_key_says_none_was_stored(store, secret_service):
    store.add(v1())
    assert store.remove("Invoices").secret is SecretRemoval.NONE_STORED


def test_a_locked_keyring_refuses_removing_the_last_profile_of_a_workspace(store, secret_service):
    store.add(v1(), secret=KEY)
    before = store.path.read_bytes()
    with secret_service.locked(), pytest.raises(Exception, match="locked") as info:
        store.remove("Invoices")
    assert "'Invoices' was not removed" in str(info.value)
    assert store.path.read_bytes() == before
    assert keys(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", KEY)]


def test_a_key_that_cannot_be_deleted_with_the_last_profile_waits_in_the_file_and_goes_later(
        path, secret_service):
    ProfileStore(path, SecretStore()).add(v1(), secret=KEY)
    calls = []

    def locking_at_the_delete():
        # The keyring works for the check made first, then locks before the delete, which the real
        # Secret Service then refuses.
        calls.append(1)
        if len(calls) == 2:
            secret_service.lock()
        return keyring.get_keyring()

    try:
        removal = ProfileStore(path, SecretStore(backend=locking_at_the_delete)).remove("Invoices")
    finally:
        secret_service.unlock()
    assert removal.secret is SecretRemoval.WAITING and "locked" in removal.reason
    document = json.loads(path.read_text())
    assert document["keys_to_delete"] == [{"base_url": CLOUD, "workspace_id": "ws-1"}]
    assert "secrets_to_delete" not in document  # where a version-1 app would look: it must not touch keys
    assert keys(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", KEY)]

    store = ProfileStore(path, SecretStore())
    store.add(Profile("Unrelated", "https://api.eu1.robocloud.eu", "ws-9", "proc-9"))  # any later change
    assert secret_service.items(SERVICE) == []
    assert store.keys_to_delete() == [] and "keys_to_delete" not in json.loads(path.read_text())


def test_a_waiting_key_whose_workspace_has_a_profile_again_is_kept(path, secret_service):
    store = ProfileStore(path, SecretStore())
    store.add(v1(), secret=KEY)
    # A file listing the key as waiting, and a profile of its workspace (restored from a backup).
    document = json.loads(path.read_text())
    document["keys_to_delete"] = [{"base_url": "https://CLOUD.robocorp.com/api/v1/", "workspace_id": "ws-1"}]
    path.write_text(json.dumps(document))
    cleaning = ProfileStore(path, SecretStore()).clean_secrets()
    assert (cleaning.deleted, cleaning.waiting) == (0, 0)
    assert keys(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", KEY)]
    assert ProfileStore(path).keys_to_delete() == []


def test_without_a_keyring_the_last_profile_goes_and_its_key_follows_once_a_keyring_is_there(
        path, _secret_service_daemon, monkeypatch):
    from robocloud_desktop.core.secrets import redetect_backend

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", _secret_service_daemon.address)
    redetect_backend()
    ProfileStore(path, SecretStore()).add(v1(), secret=KEY)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/no-keyring-here")
    redetect_backend()
    try:
        removal = ProfileStore(path, SecretStore()).remove("Invoices")
        assert removal.secret is SecretRemoval.WAITING and removal.no_keyring
        assert "ROBOCLOUD_API_KEY_INVOICES" in removal.reason
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", _secret_service_daemon.address)
        redetect_backend()
        cleaning = ProfileStore(path, SecretStore()).clean_secrets()
        assert (cleaning.deleted, cleaning.waiting) == (1, 0)
        assert _secret_service_daemon.items(SERVICE) == []
    finally:
        _secret_service_daemon.clear(SERVICE)
        monkeypatch.undo()
        redetect_backend()


# --- changing a profile's API or workspace --------------------------------------------------------


def test_a_profile_moved_to_v1_leaves_no_process_secret_behind(store, secret_service):
    old = store.add(Profile("Invoices", "https://api.eu1.robocloud.eu", "ws-1", "proc-1"), secret=SECRET)
    moved = store.update(replace(old, api="v1", base_url=CLOUD), secret=KEY)
    assert moved.id == old.id
    assert keys(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", KEY)]
    assert store.secrets.credential_for(moved) == KEY

    back = store.update(replace(moved, api="process-secret", base_url="https://api.eu1.robocloud.eu"),
                        secret=SECRET)
    assert keys(secret_service) == [(back.id, SECRET)]  # the workspace's key went with its last profile


def test_a_profile_moved_to_another_workspace_takes_the_old_key_only_when_it_was_the_last(store, secret_service):
    first = store.add(v1("A"), secret=KEY)
    second = store.add(v1("B", process_id="proc-2"))
    store.update(replace(first, workspace_id="ws-2"), secret=NEW_KEY)
    assert keys(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", KEY), (f"workspace-key:{CLOUD}|ws-2", NEW_KEY)]
    store.update(replace(second, workspace_id="ws-2"))
    assert keys(secret_service) == [(f"workspace-key:{CLOUD}|ws-2", NEW_KEY)]
    assert store.secrets.credential_for(store.get("B")) == NEW_KEY


def test_renaming_a_v1_profile_keeps_the_shared_key(store, secret_service):
    store.add(v1("A"), secret=KEY)
    store.rename("A", "A renamed")
    assert store.secrets.credential_for(store.get("A renamed")) == KEY
    assert keys(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", KEY)]


def test_a_key_that_cannot_be_stored_keeps_no_profile(path):
    store = ProfileStore(path, SecretStore())  # no keyring on this test's bus
    with pytest.raises(Exception, match="ROBOCLOUD_API_KEY_INVOICES"):
        store.add(v1(), secret=KEY)
    assert ProfileStore(path).profiles() == []


# --- environment overrides ------------------------------------------------------------------------


def test_a_profiles_key_variable_wins_and_is_never_stored(store, secret_service, monkeypatch):
    profile = store.add(v1("Invoices EU"), secret=KEY)
    secrets = SecretStore(environ={"ROBOCLOUD_API_KEY_INVOICES_EU": NEW_KEY,
                                   "ROBOCLOUD_PROCESS_SECRET_INVOICES_EU": SECRET})
    assert secrets.credential_for(profile) == NEW_KEY  # the key's variable, not the process secret's
    assert secrets.state_for(profile) is SecretState.FROM_ENVIRONMENT
    other = store.add(v1("Payroll", process_id="proc-2"))
    assert secrets.credential_for(other) == KEY  # a variable is one profile's, not its workspace's
    assert keys(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", KEY)]


def test_without_a_keyring_a_profiles_key_variable_is_enough():
    secrets = SecretStore(environ={"ROBOCLOUD_API_KEY_INVOICES": KEY})  # the bus points nowhere
    assert secrets.credential_for(v1()) == KEY
    assert secrets.state_for(v1("Payroll")) is SecretState.UNAVAILABLE


def test_a_missing_key_says_how_to_store_it(secret_service):
    secrets = SecretStore(environ={})
    with pytest.raises(SecretNotFound) as info:
        secrets.credential_for(v1("Invoices EU"))
    message = info.value.message
    assert "set-secret 'Invoices EU' --api-key-stdin" in message and "ROBOCLOUD_API_KEY_INVOICES_EU" in message
    assert secrets.state_for(v1()) is SecretState.MISSING
    with pytest.raises(SecretNotFound, match="ROBOCLOUD_API_KEY"):
        secrets.get_key(CLOUD, "ws-1")  # no profile: the plain variable


# --- the file's versions --------------------------------------------------------------------------


def version_1_file(path, *entries: dict, **top) -> bytes:
    """A file as the app of format version 1 wrote it."""
    content = (json.dumps({"version": 1, "profiles": list(entries), **top}, indent=2) + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return content


OLD_ENTRY = {"name": "Invoices", "base_url": "https://api.eu1.robocloud.eu", "workspace_id": "ws-1",
             "process_id": "proc-1", "secret_in_query": False, "payload": '{"a": 1}', "notes": "",
             "recent_payloads": ['{"a": 1}'], "id": "p-1"}


def test_a_version_1_file_is_read_as_process_secret_profiles_and_left_until_a_change(path):
    content = version_1_file(path, OLD_ENTRY, {**OLD_ENTRY, "id": "p-2", "name": "Hand edited", "api": "v1"},
                             synced_at="2024-05-01")
    store = ProfileStore(path)
    assert store.problems == []
    assert [(p.name, p.api) for p in store.profiles()] == [("Hand edited", "process-secret"),
                                                           ("Invoices", "process-secret")]
    assert store.get("Invoices").recent_payloads == ('{"a": 1}',)
    assert path.read_bytes() == content  # reading changes nothing

    store.change("p-1", lambda p: p.with_payload('{"b": 2}'))
    document = json.loads(path.read_text())
    assert document["version"] == 2 and document["synced_at"] == "2024-05-01"
    assert [(e["id"], e["api"], e["follow_others"]) for e in document["profiles"]] == [
        ("p-1", "process-secret", True), ("p-2", "process-secret", True)]


@pytest.mark.parametrize(("changes", "words"), [
    ({"api": "soap"}, "'soap' as 'api'"),
    ({"api": None}, "None as 'api'"),
    ({"follow_others": "no"}, "text as 'follow_others', where true or false belongs"),
])
def test_a_version_2_entry_of_the_wrong_kind_is_kept_aside(path, changes, words):
    path.parent.mkdir(parents=True)
    content = json.dumps({"version": 2, "profiles": [{**OLD_ENTRY, **changes}]}).encode()
    path.write_bytes(content)
    store = ProfileStore(path)
    assert store.profiles() == []
    [problem] = store.problems
    assert words in problem.message and problem.kept_at.read_bytes() == content


def test_a_version_2_list_of_waiting_keys_of_the_wrong_shape_is_kept_aside(path):
    path.parent.mkdir(parents=True)
    content = json.dumps({"version": 2, "profiles": [], "keys_to_delete": [CLOUD]}).encode()
    path.write_bytes(content)
    [problem] = ProfileStore(path).problems
    assert "'keys_to_delete' is not a list of base URLs and workspace ids" in problem.message
