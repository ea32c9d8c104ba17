"""ProfileStore on real files: atomic writes, unique names, unreadable files kept aside."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace

import pytest

from robocloud_desktop.core.paths import HOME_ENV, app_paths
from robocloud_desktop.core.profiles import Profile, ProfileError, ProfileStore
from robocloud_desktop.core.secrets import SERVICE, SecretStore

EU = "https://api.eu1.robocloud.eu"


def make(name: str = "Invoices", **changes) -> Profile:
    values = {"base_url": EU, "workspace_id": "ws-1", "process_id": "proc-1", **changes}
    return Profile(name=name, **values)


@pytest.fixture
def path(app_home):
    return app_paths(app_home).profiles_file


def test_profiles_survive_a_reopen_and_the_file_is_private(path):
    store = ProfileStore(path)
    saved = store.add(make(notes="month end", payload='{"a": 1}'))
    again = ProfileStore(path)
    assert again.profiles() == [saved]
    assert again.get("invoices").region == "eu1"  # names are matched without regard to case
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text())["version"] == 1


def test_names_are_unique_and_checked(path):
    store = ProfileStore(path)
    store.add(make("Invoices"))
    with pytest.raises(ProfileError, match="already exists"):
        store.add(make("  INVOICES "))
    other = store.add(make("Payroll"))
    with pytest.raises(ProfileError, match="already exists"):
        store.rename("Payroll", "invoices")
    with pytest.raises(ProfileError, match="needs a name"):
        store.add(make("   "))
    with pytest.raises(ProfileError, match="https"):
        store.add(make("Plain", base_url="http://api.eu1.robocloud.eu"))
    assert store.rename("Payroll", "Payroll EU").id == other.id


def test_two_stores_on_one_file_do_not_lose_each_others_changes(path):
    first, second = ProfileStore(path), ProfileStore(path)
    first.add(make("A"))
    second.add(make("B"))  # second never saw A in memory, but re-reads under the lock
    assert [p.name for p in ProfileStore(path).profiles()] == ["A", "B"]


def test_a_change_applies_to_the_profile_as_the_file_has_it_now(path):
    typing_store = ProfileStore(path)
    profile = typing_store.add(make(payload="{}"))
    running_store = ProfileStore(path)  # another thread or process, with its own copy
    running_store.change(profile.id, lambda p: p.with_payload_used('{"sent": 1}'))

    # The payload saved as the user types, by a store whose copy predates the run: the run's recent
    # payload stays, which writing back that older copy would have lost.
    saved = typing_store.change(profile.id, lambda p: p.with_payload('{"typing": 2}'))

    assert saved is not None and ProfileStore(path).by_id(profile.id) == saved
    assert saved.payload == '{"typing": 2}'
    assert saved.recent_payloads == ('{"sent": 1}',)
    assert typing_store.change("no-such-id", lambda p: p) is None


def test_editing_settings_keeps_the_payloads_saved_meanwhile(path):
    window = ProfileStore(path)
    profile = window.add(make(payload="{}"))
    editing = window.get("Invoices")  # an edit dialog opens on this copy
    window.change(profile.id, lambda p: p.with_payload_used('{"sent": 1}'))  # a run, meanwhile

    renamed = window.update(replace(editing, name="Invoices EU", notes="month end"))
    ProfileStore(path).rename("Invoices EU", "Invoices (EU)")  # a shell that read the file before: the same

    again = ProfileStore(path).get("Invoices (EU)")
    assert (renamed.name, renamed.notes) == ("Invoices EU", "month end")
    assert (again.payload, again.recent_payloads) == ('{"sent": 1}', ('{"sent": 1}',))


@pytest.mark.parametrize(
    "content",
    [b'{"version": 1, "profiles": [{"id": "x", "name": "A", "base_url": "https://a.example"',  # truncated
     b"\x00\x01garbage\xff",
     b'["not", "an", "object"]',
     b'{"version": 1, "profiles": [{"name": 3}]}',
     b""],
)
def test_an_unreadable_file_is_kept_aside_and_the_store_starts_empty(path, content):
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    store = ProfileStore(path)
    assert store.profiles() == []
    [problem] = store.problems
    assert problem.kept_at is not None and problem.kept_at.read_bytes() == content
    assert str(problem.kept_at) in problem.message and "could not be read" in problem.message
    assert not path.exists()  # nothing was overwritten
    store.add(make())
    assert problem.kept_at.read_bytes() == content
    assert ProfileStore(path).problems == []


def test_a_newer_file_is_used_but_not_changed(path):
    path.parent.mkdir(parents=True)
    document = {"version": 99, "profiles": [make().to_json()], "future": True}
    path.write_text(json.dumps(document))
    store = ProfileStore(path)
    assert [p.name for p in store.profiles()] == ["Invoices"]
    assert "newer version" in store.problems[0].message
    with pytest.raises(ProfileError, match="newer version"):
        store.add(make("Other"))
    assert json.loads(path.read_text()) == document


def test_a_crash_while_writing_leaves_the_old_file(path, monkeypatch):
    store = ProfileStore(path)
    store.add(make("A"))
    before = path.read_bytes()

    def crash(*args, **kwargs):  # os.replace failing is what a crash before the rename looks like
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.add(make("B"))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_recent_payloads_keep_the_newest_first_without_repeats():
    profile = make().with_payload_used('{"a": 1}').with_payload_used('{"b": 2}').with_payload_used('{"a": 1}')
    assert profile.payload == '{"a": 1}'
    assert profile.recent_payloads == ('{"a": 1}', '{"b": 2}')


def test_one_override_moves_config_data_and_logs(tmp_path, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "portable"))
    paths = app_paths()
    assert {paths.config_dir.parent, paths.data_dir.parent, paths.log_dir.parent} == {tmp_path / "portable"}
    assert app_paths(tmp_path / "flag").config_dir == tmp_path / "flag" / "config"  # the option wins


def test_removing_a_profile_removes_its_secret_and_renaming_keeps_it(path, secret_service):
    store = ProfileStore(path, SecretStore())
    profile = store.add(make("Invoices"), secret="s3cret-value-for-invoices-000")
    store.rename("Invoices", "Invoices EU")
    assert store.secrets.get(profile.id, "Invoices EU") == "s3cret-value-for-invoices-000"
    [(label, _, _)] = secret_service.items(SERVICE)
    assert "Invoices EU" in label  # the keyring entry names the profile by its new name
    store.remove("Invoices EU")
    assert secret_service.items(SERVICE) == []
    assert store.profiles() == []


def test_a_profile_whose_secret_cannot_be_stored_is_not_kept(path):
    store = ProfileStore(path, SecretStore())  # no keyring on this test's bus
    with pytest.raises(Exception, match="No keyring"):
        store.add(make(), secret="s3cret-value-000000000")
    assert ProfileStore(path).profiles() == []
