"""ProfileStore on real files: atomic writes, unique names, unreadable files kept aside."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace

import pytest

from robocloud_desktop.core.paths import HOME_ENV, app_paths
from robocloud_desktop.core.profiles import Profile, ProfileError, ProfileStore
from robocloud_desktop.core.secrets import SERVICE, SecretStore, SecretStoreError

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
    assert json.loads(path.read_text())["version"] == 2


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
    with pytest.raises(ProfileError, match="could not be saved"):
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


# --- what the file may hold ---------------------------------------------------------------------


def entry(**changes) -> dict:
    return {**make().to_json(), "id": "p-1", **changes}


def file_with(path, *entries, **top) -> bytes:
    content = json.dumps({"version": 1, "profiles": list(entries), **top}).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return content


def assert_kept_aside(store, path, content, words):
    assert store.profiles() == []
    [problem] = store.problems
    assert problem.kept_at is not None and problem.kept_at.read_bytes() == content
    assert words in problem.message and str(problem.kept_at) in problem.message
    assert not path.exists()


@pytest.mark.parametrize(
    ("changes", "words"),
    [({"recent_payloads": 5}, "'recent_payloads', where a list of texts belongs"),
     ({"recent_payloads": ["{}", 7]}, "'recent_payloads', where a list of texts belongs"),
     ({"payload": 5}, "a number as 'payload'"),
     ({"notes": []}, "a list as 'notes'"),
     # bool("false") is True: read as text, the secret would go into every URL.
     ({"secret_in_query": "false"}, "text as 'secret_in_query', where true or false belongs"),
     ({"secret_in_query": 0}, "where true or false belongs"),
     ({"workspace_id": None}, "'workspace_id', where text belongs"),
     ({"id": ""}, "empty 'id'")],
)
def test_fields_of_the_wrong_type_make_the_file_unreadable(path, changes, words):
    content = file_with(path, entry(**changes))
    store = ProfileStore(path)
    assert_kept_aside(store, path, content, words)


@pytest.mark.parametrize(
    ("document", "words"),
    [({"version": 1, "profiles": [["Invoices", "https://a.example"]]}, "a profile entry is a list"),
     ({"version": True, "profiles": []}, "no format version"),
     ({"version": 1, "profiles": [entry(), entry(name="Other")]}, "two profiles have the id 'p-1'"),
     ({"version": 1, "profiles": [], "secrets_to_delete": ["p-1"]}, "not a list of ids and names")],
)
def test_entries_of_an_unknown_shape_make_the_file_unreadable(path, document, words):
    path.parent.mkdir(parents=True)
    content = json.dumps(document).encode()
    path.write_bytes(content)
    assert_kept_aside(ProfileStore(path), path, content, words)


def test_nesting_too_deep_is_kept_aside_not_a_crash(path):
    content = file_with(path, entry(notes="x")).replace(b'"x"', b"[" * 100_000 + b"]" * 100_000)
    path.write_bytes(content)
    assert_kept_aside(ProfileStore(path), path, content, "nested more than")


def test_a_file_over_the_size_cap_is_kept_aside_and_never_written(path):
    from robocloud_desktop.core.profiles import MAX_FILE_BYTES

    content = file_with(path, entry(payload=json.dumps({"blob": "x" * MAX_FILE_BYTES})))
    assert_kept_aside(ProfileStore(path), path, content, "more than the 16 MB")

    # The app itself never writes a file it would refuse to read back.
    store = ProfileStore(path)
    saved = store.add(make())
    big = json.dumps({"blob": "y" * MAX_FILE_BYTES})
    with pytest.raises(ProfileError, match="more than the 16 MB a profile file can hold"):
        store.change(saved.id, lambda p: p.with_payload(big))
    assert ProfileStore(path).profiles() == [saved]


def _open_in_thread(path):
    """ProfileStore(path) on a thread: a FIFO must not make it hang on open."""
    import threading

    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("store", ProfileStore(path)), daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():  # let the stuck open go: a writer ends its wait
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(10)
        pytest.fail("opening the store hung on a FIFO")
    return result["store"]


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_something_other_than_a_file_in_its_place_is_kept_aside(path, kind):
    path.parent.mkdir(parents=True)
    if kind == "folder":
        path.mkdir()
        (path / "inside").write_text("kept")
    elif kind == "fifo":
        os.mkfifo(path, 0o600)
    else:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
    store = _open_in_thread(path)
    assert store.profiles() == []
    [problem] = store.problems
    assert problem.kept_at is not None and not path.exists()
    assert {"folder": "it is a folder", "fifo": "named pipe", "device": "a device"}[kind] in problem.message
    if kind == "folder":
        assert (problem.kept_at / "inside").read_text() == "kept"
    store.add(make())  # the app goes on with a new file
    assert [p.name for p in ProfileStore(path).profiles()] == ["Invoices"]


def test_a_healthy_file_is_read_as_it_is_and_fields_it_does_not_know_are_kept(path):
    document = {"version": 1, "synced_at": "2024-05-01", "profiles": [
        entry(name="請求書", secret_in_query=True, recent_payloads=[], notes="ÄÖ"),
        {k: v for k, v in entry(id="p-2", name="Minimal").items()
         if k not in ("payload", "notes", "secret_in_query", "recent_payloads")}]}
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(document, ensure_ascii=False).encode())  # with a BOM, as Notepad saves
    store = ProfileStore(path)
    assert store.problems == []
    assert store.by_id("p-1").secret_in_query is True and store.by_id("p-1").name == "請求書"
    assert (store.by_id("p-2").payload, store.by_id("p-2").secret_in_query) == ("{}", False)
    store.add(make("Another"))
    assert json.loads(path.read_text())["synced_at"] == "2024-05-01"
    assert [p.name for p in path.parent.iterdir() if ".unreadable-" in p.name] == []


def test_a_newer_file_this_version_cannot_parse_is_left_alone(path):
    path.parent.mkdir(parents=True)
    document = {"version": 3, "profiles": [{"id": "p-1", "name": "Invoices", "target": {"url": EU}}]}
    path.write_text(json.dumps(document))
    store = ProfileStore(path)
    assert "newer version" in store.problems[0].message and "Update the app" in store.problems[0].message
    with pytest.raises(ProfileError, match="newer version"):
        store.add(make("Other"))
    assert json.loads(path.read_text()) == document
    assert [p.name for p in path.parent.iterdir() if p.name != "profiles.json.lock"] == ["profiles.json"]


# --- folders that cannot be written -------------------------------------------------------------


def test_a_read_only_folder_refuses_every_change_in_words_and_keeps_the_file(path):
    from tests.support.mounts import read_only

    store = ProfileStore(path)
    saved = store.add(make())
    before = path.read_bytes()
    with read_only(path.parent):
        store = ProfileStore(path)
        assert store.problems == [] and store.profiles() == [saved]  # reading works
        for change in (lambda: store.add(make("Other")), lambda: store.rename("Invoices", "Payroll"),
                       lambda: store.change(saved.id, lambda p: p.with_payload('{"a": 1}')),
                       lambda: store.remove("Invoices")):
            with pytest.raises(ProfileError) as info:
                change()
            assert str(path.parent) in info.value.message and "read-only file system" in info.value.message
        assert path.read_bytes() == before


def test_a_full_disk_refuses_the_change_in_words_and_keeps_the_file(app_home):
    from tests.support.mounts import fill, small_disk

    with small_disk(app_home / "config") as folder:
        path = folder / "profiles.json"
        store = ProfileStore(path)
        saved = store.add(make())
        before = path.read_bytes()
        filler = fill(folder)
        with pytest.raises(ProfileError) as info:
            store.change(saved.id, lambda p: p.with_payload(json.dumps({"a": "b" * 8000})))
        assert str(folder) in info.value.message and "no space left" in info.value.message
        assert path.read_bytes() == before
        assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []
        filler.unlink()
        assert store.change(saved.id, lambda p: p.with_payload('{"a": 1}')) is not None


# --- private files ------------------------------------------------------------------------------


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_folder_the_file_and_its_lock_are_private(app_home):
    app_home.chmod(0o755)
    path = app_paths(app_home).profiles_file
    ProfileStore(path).add(make())
    assert mode(path.parent) == 0o700
    assert mode(path) == 0o600
    assert mode(path.with_name("profiles.json.lock")) == 0o600
    assert mode(app_home) == 0o755  # the folder given with --config-dir is the user's: left as it is


def test_wider_modes_left_by_others_are_tightened(app_home):
    path = app_paths(app_home).profiles_file
    path.parent.mkdir(mode=0o755)
    path.parent.chmod(0o775)
    lock = path.with_name("profiles.json.lock")
    lock.write_bytes(b"")
    lock.chmod(0o666)
    ProfileStore(path).add(make())
    assert (mode(path.parent), mode(lock), mode(path)) == (0o700, 0o600, 0o600)


def test_private_dir_makes_or_tightens_only_its_own_folder(tmp_path):
    from robocloud_desktop.core.paths import private_dir

    parent = tmp_path / "theirs"
    parent.mkdir(mode=0o755)
    parent.chmod(0o755)
    assert private_dir(parent / "ours" / "deeper") == parent / "ours" / "deeper"
    assert mode(parent / "ours" / "deeper") == 0o700
    assert mode(parent) == 0o755
    (parent / "wide").mkdir()
    (parent / "wide").chmod(0o777)
    private_dir(parent / "wide")
    assert mode(parent / "wide") == 0o700


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Invoices\u202eEU",  # a right-to-left override: the name reads backwards
     "Invoices\u200b",  "In\u200dvoices", "\ufeffInvoices",  # zero-width characters
     "Invoices\x07", "Invoices\tEU", "Line\u2028break", "Para\u2029graph",
     "Private\ue000use", "Unassigned\U000e0080",
     "\u3164", "Invoices\u115f", "Invoices\u1160", "Invoices\uffa0", "Invoices\u2800"],
)
def test_invisible_or_control_characters_are_refused_in_names(path, name):
    store = ProfileStore(path)
    with pytest.raises(ProfileError, match="invisible or control character") as info:
        store.add(make(name))
    assert "U+" in info.value.message
    other = store.add(make("Plain"))
    with pytest.raises(ProfileError, match="invisible or control character"):
        store.rename("Plain", name)
    with pytest.raises(ProfileError, match="invisible or control character"):
        store.update(replace(other, name=name))
    assert ProfileStore(path).profiles() == [other]


@pytest.mark.parametrize("clash", ["invoices-eu", "INVOICES_EU", "Invoices  EU!", "invoices.eu", "_Invoices/EU_"])
def test_names_that_would_share_an_environment_variable_are_refused(path, clash):
    store = ProfileStore(path)
    store.add(make("Invoices EU"))
    with pytest.raises(ProfileError) as info:
        store.add(make(clash))
    message = info.value.message
    assert "'Invoices EU'" in message and "ROBOCLOUD_PROCESS_SECRET_INVOICES_EU" in message
    payroll = store.add(make("Payroll"))
    with pytest.raises(ProfileError, match="ROBOCLOUD_PROCESS_SECRET_INVOICES_EU"):
        store.rename("Payroll", clash)
    with pytest.raises(ProfileError, match="ROBOCLOUD_PROCESS_SECRET_INVOICES_EU"):
        store.update(replace(payroll, name=clash))
    assert sorted(p.name for p in ProfileStore(path).profiles()) == ["Invoices EU", "Payroll"]
    # Its own variable is no clash: a profile may be renamed to another spelling of its name.
    assert store.rename("Invoices EU", "invoices-eu").name == "invoices-eu"


def test_names_without_a_variable_are_allowed_and_clash_only_by_name(path):
    store = ProfileStore(path)
    store.add(make("請求書"))
    store.add(make("給与"))  # no letter A-Z or digit either: no variable, so no clash between them
    store.add(make("Café"))
    with pytest.raises(ProfileError, match="ROBOCLOUD_PROCESS_SECRET_CAF"):
        store.add(make("Cafè"))
    with pytest.raises(ProfileError, match="already exists"):
        store.add(make("請求書"))
    assert len(ProfileStore(path).profiles()) == 3


def test_a_file_with_clashing_names_loads_and_says_so(path):
    file_with(path, entry(name="Invoices EU"), entry(id="p-2", name="invoices-eu"),
              entry(id="p-3", name="invoices eu"), entry(id="p-4", name="Bad\u202ename"))
    store = ProfileStore(path)
    assert len(store.profiles()) == 4
    messages = [p.message for p in store.problems]
    assert any("'Invoices EU' and 'invoices-eu' share the environment variable "
               "ROBOCLOUD_PROCESS_SECRET_INVOICES_EU" in m and "Rename one" in m for m in messages), messages
    assert any("'Invoices EU' and 'invoices eu'" in m and "only by case" in m for m in messages), messages
    assert any("invisible or control character" in m and "Rename it" in m for m in messages), messages
    assert all(p.kept_at is None for p in store.problems)
    assert path.exists()


# --- ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [".", "..", "ws\x00", "ws\u202e1", " "])
def test_ids_that_are_not_ids_are_refused_on_save(path, bad):
    store = ProfileStore(path)
    with pytest.raises(ProfileError, match="workspace id"):
        store.add(make(workspace_id=bad))
    with pytest.raises(ProfileError, match="process id"):
        store.add(make(process_id=bad))
    assert ProfileStore(path).profiles() == []


def test_a_profile_with_an_unusable_id_in_the_file_loads_but_says_so_when_used(path):
    from robocloud_desktop.core.errors import InvalidTarget

    file_with(path, entry(name="Dots", workspace_id=".."), entry(id="p-2", name="Fine"))
    store = ProfileStore(path)
    assert [p.name for p in store.profiles()] == ["Dots", "Fine"]
    assert any("'Dots'" in p.message and "workspace id" in p.message for p in store.problems)
    with pytest.raises(InvalidTarget) as info:
        store.get("Dots").target()
    assert "profile 'Dots'" in info.value.message and "edited" in info.value.message
    # Its payload is still saved as the user types; editing it fixes it.
    dots = store.get("Dots")
    assert store.change(dots.id, lambda p: p.with_payload('{"kept": 1}')).payload == '{"kept": 1}'
    fixed = store.update(replace(dots, workspace_id="ws-9"))
    assert fixed.target().workspace_id == "ws-9"


# --- removing leaves no secret behind -----------------------------------------------------------

SECRET = "s3cret-value-for-removal-0000"


def test_a_locked_keyring_refuses_the_removal_before_anything_changes(path, secret_service):
    store = ProfileStore(path, SecretStore())
    profile = store.add(make(), secret=SECRET)
    before = path.read_bytes()
    with secret_service.locked(), pytest.raises(SecretStoreError) as info:
        store.remove("Invoices")
    assert "locked" in info.value.message and "Unlock it" in info.value.message
    assert "'Invoices' was not removed" in info.value.message
    assert path.read_bytes() == before and ProfileStore(path).get("Invoices") == profile
    assert [item[2] for item in secret_service.items(SERVICE)] == [SECRET]


def test_a_secret_that_cannot_be_deleted_after_the_profile_is_gone_is_remembered_and_deleted_later(
        path, secret_service):
    import keyring

    from robocloud_desktop.core.profiles import SecretRemoval

    calls = []

    def locking_at_the_delete():
        # The keyring works for the check made first, then locks (a screen lock, a timeout) before the
        # delete: the real Secret Service then refuses the delete.
        calls.append(1)
        if len(calls) == 2:
            secret_service.lock()
        return keyring.get_keyring()

    ProfileStore(path, SecretStore()).add(make(), secret=SECRET)
    try:
        removal = ProfileStore(path, SecretStore(backend=locking_at_the_delete)).remove("Invoices")
    finally:
        secret_service.unlock()
    assert removal.secret is SecretRemoval.WAITING and "locked" in removal.reason
    assert ProfileStore(path).profiles() == []
    assert json.loads(path.read_text())["secrets_to_delete"] == [{"id": removal.profile.id, "name": "Invoices"}]
    assert [item[2] for item in secret_service.items(SERVICE)] == [SECRET]  # not yet

    # The next change with a working keyring deletes it, and forgets it.
    store = ProfileStore(path, SecretStore())
    store.add(make("Payroll"))
    assert secret_service.items(SERVICE) == []
    assert "secrets_to_delete" not in json.loads(path.read_text())
    assert store.secrets_to_delete() == []


def test_without_any_keyring_removing_works_and_the_secret_goes_when_a_keyring_is_there(
        path, _secret_service_daemon, monkeypatch):
    from robocloud_desktop.core.profiles import SecretRemoval
    from robocloud_desktop.core.secrets import redetect_backend

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", _secret_service_daemon.address)
    redetect_backend()
    ProfileStore(path, SecretStore()).add(make(), secret=SECRET)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/no-keyring-here")
    redetect_backend()
    try:
        removal = ProfileStore(path, SecretStore()).remove("Invoices")
        assert removal.secret is SecretRemoval.WAITING and removal.no_keyring
        assert ProfileStore(path).profiles() == []
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", _secret_service_daemon.address)
        redetect_backend()
        assert [item[2] for item in _secret_service_daemon.items(SERVICE)] == [SECRET]
        cleaning = ProfileStore(path, SecretStore()).clean_secrets()
        assert (cleaning.deleted, cleaning.waiting) == (1, 0)
        assert _secret_service_daemon.items(SERVICE) == []
        assert ProfileStore(path).secrets_to_delete() == []
    finally:
        _secret_service_daemon.clear(SERVICE)
        monkeypatch.undo()
        redetect_backend()


def test_a_remembered_entry_whose_profile_came_back_is_not_deleted(path, secret_service):
    store = ProfileStore(path, SecretStore())
    profile = store.add(make(), secret=SECRET)
    # The file restored from a backup that has the profile, and a list naming its entry.
    file_with(path, profile.to_json(), secrets_to_delete=[{"id": profile.id, "name": "Invoices"}])
    cleaning = ProfileStore(path, SecretStore()).clean_secrets()
    assert (cleaning.deleted, cleaning.waiting) == (0, 0)  # dropped from the list, not from the keyring
    assert [item[2] for item in secret_service.items(SERVICE)] == [SECRET]
    assert ProfileStore(path).secrets_to_delete() == []


def test_an_unreadable_file_that_cannot_be_moved_aside_is_left_and_never_overwritten(path):
    from tests.support.mounts import read_only

    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"version": 1, "profiles": [')
    with read_only(path.parent):
        store = ProfileStore(path)
        [problem] = store.problems
        assert problem.kept_at is None
        assert "could not be moved aside either (read-only file system)" in problem.message
        with pytest.raises(ProfileError, match="still cannot be read, nor moved aside"):
            store.get("Invoices")
    # The folder is writable again: the next change sets the file aside and starts a new one.
    store.add(make())
    [kept] = [p for p in path.parent.iterdir() if ".unreadable-" in p.name]
    assert kept.read_bytes() == b'{"version": 1, "profiles": ['


def test_text_that_cannot_be_written_as_utf8_is_refused_in_words(path):
    # A shell argument that was not UTF-8 reaches Python as lone surrogates.
    store = ProfileStore(path)
    with pytest.raises(ProfileError, match="The notes cannot be saved: it contains a lone UTF-16 surrogate"):
        store.add(make(notes="\udcff\udcfe"))
    saved = store.add(make())
    with pytest.raises(ProfileError, match="The payload cannot be saved"):
        store.update(replace(saved, payload='{"a": "\ud800"}', notes="fine"))
    with pytest.raises(ProfileError, match="lone UTF-16 surrogate"):
        store.change(saved.id, lambda p: p.with_payload("\ud800"))
    assert ProfileStore(path).profiles() == [saved]
