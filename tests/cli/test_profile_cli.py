"""Profiles on the command line, with secrets in a real Secret Service and never in a file. The
command line runs in this process, but for a whole cycle run as a user does and what needs a
process of its own (another user, a process without a keyring)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from robocloud_desktop.core.secrets import SERVICE
from robocloud_desktop.emulator import EmulatedProcess, Emulator
from tests.cli.test_cli import run_cli, run_cli_process


def control_room_snippet(emulator: Emulator, process: EmulatedProcess) -> str:
    """The curl command as Control Room shows it, pointed at the emulator."""
    return (
        "curl\n"
        "--request POST\n"
        f'--header "robocloud-process-secret: {process.secret}"\n'
        '--header "Content-Type: application/json"\n'
        '--data "{\\"workItemKey\\":\\"workItemValue\\"}"\n'
        f"{emulator.base_url}/workspace-v1/workspaces/{process.workspace_id}/processes/{process.process_id}/runs\n"
    )


def files_containing(root: Path, secret: str) -> list[Path]:
    forms = {secret.encode(), quote(secret, safe="").encode()}
    return [p for p in root.rglob("*") if p.is_file() and any(f in p.read_bytes() for f in forms)]


def cli(home: Path, *args: str, **kwargs):  # type: ignore[no-untyped-def]
    return run_cli(*args, "--config-dir", str(home), **kwargs)


def cli_process(home: Path, *args: str, **kwargs):  # type: ignore[no-untyped-def]
    return run_cli_process(*args, "--config-dir", str(home), **kwargs)


def test_import_curl_then_trigger_then_remove(secret_service, emulator, process, app_home):
    # As a user runs it: each command a process that finds the Secret Service on its own.
    done = cli_process(app_home, "profile", "import-curl", "demo", stdin=control_room_snippet(emulator, process))
    assert done.returncode == 0, done.stderr
    assert "secret stored in the Secret Service" in done.stdout

    triggered = cli_process(app_home, "trigger", "demo", "--payload", '{"a":1}', "--json")
    assert triggered.returncode == 0, triggered.stderr
    assert json.loads(triggered.stdout)["runId"]
    assert emulator.requests[-1].secret_via == "header"

    listed = cli_process(app_home, "profile", "list", "--json")
    [row] = json.loads(listed.stdout)
    assert row["name"] == "demo" and row["secretStored"] is True and row["secret"] == "stored"
    assert row["payload"] == '{"workItemKey":"workItemValue"}'
    assert process.secret not in listed.stdout

    [(label, _, stored)] = secret_service.items(SERVICE)
    assert stored == process.secret and "demo" in label
    assert files_containing(app_home, process.secret) == []

    removed = cli_process(app_home, "profile", "remove", "demo")
    assert removed.returncode == 0, removed.stderr
    assert secret_service.items(SERVICE) == []
    for d in (done, triggered, listed, removed):
        assert process.secret not in d.stdout + d.stderr


def test_full_cycle_leaves_the_secret_in_no_file(secret_service, emulator, process, app_home):
    added = cli(app_home, "profile", "add", "Invoices", "--base-url", emulator.base_url,
                "--workspace", process.workspace_id, "--process", process.process_id, "--secret-stdin",
                stdin=process.secret + "\n")
    assert added.returncode == 0, added.stderr
    assert cli(app_home, "trigger", "Invoices", "--json").returncode == 0
    renamed = cli(app_home, "profile", "rename", "Invoices", "Invoices EU")
    assert renamed.returncode == 0, renamed.stderr
    # The secret followed the rename: the profile still triggers.
    run_id = json.loads(cli(app_home, "trigger", "Invoices EU", "--json").stdout)["runId"]
    status = cli(app_home, "status", "Invoices EU", run_id, "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["runId"] == run_id
    assert files_containing(app_home, process.secret) == []
    assert cli(app_home, "profile", "remove", "Invoices EU").returncode == 0
    assert secret_service.items(SERVICE) == []
    assert files_containing(app_home, process.secret) == []


def test_show_and_curl_hide_the_secret_unless_revealed(secret_service, emulator, process, app_home):
    cli(app_home, "profile", "import-curl", "demo", stdin=control_room_snippet(emulator, process))
    shown = cli(app_home, "profile", "show", "demo")
    assert process.process_id in shown.stdout and "stored" in shown.stdout
    assert "ROBOCLOUD_PROCESS_SECRET_DEMO" in shown.stdout
    hidden = cli(app_home, "profile", "curl", "demo")
    assert "$ROBOCLOUD_PROCESS_SECRET" in hidden.stdout and process.secret not in hidden.stdout
    revealed = cli(app_home, "profile", "curl", "demo", "--reveal-secret")
    assert process.secret in revealed.stdout


def test_set_secret_replaces_the_stored_one(secret_service, emulator, process, app_home):
    cli(app_home, "profile", "add", "p", "--base-url", emulator.base_url, "--workspace", process.workspace_id,
        "--process", process.process_id)
    listed = json.loads(cli(app_home, "profile", "list", "--json").stdout)
    assert listed[0]["secret"] == "missing" and listed[0]["secretStored"] is False
    no_secret = cli(app_home, "trigger", "p")
    assert no_secret.returncode == 2 and "set-secret p --secret-stdin" in no_secret.stderr
    assert cli(app_home, "profile", "set-secret", "p", "--secret-stdin", stdin=process.secret).returncode == 0
    assert cli(app_home, "trigger", "p").returncode == 0


def test_environment_override_works_without_a_keyring(emulator, process, app_home):
    cli(app_home, "profile", "add", "Payroll", "--base-url", emulator.base_url,
        "--workspace", process.workspace_id, "--process", process.process_id)
    done = cli(app_home, "trigger", "Payroll", "--json", env={"ROBOCLOUD_PROCESS_SECRET_PAYROLL": process.secret})
    assert done.returncode == 0, done.stderr
    listed = json.loads(cli(app_home, "profile", "list", "--json",
                            env={"ROBOCLOUD_PROCESS_SECRET_PAYROLL": process.secret}).stdout)
    assert listed[0]["secret"] == "from environment"


def test_without_a_keyring_adding_a_secret_exits_2_and_writes_it_nowhere(emulator, process, app_home):
    # The test session's D-Bus address points nowhere: no Secret Service, no keyring backend.
    for args, stdin in [
        (("profile", "add", "p", "--base-url", emulator.base_url, "--workspace", process.workspace_id,
          "--process", process.process_id, "--secret-stdin"), process.secret),
        (("profile", "import-curl", "p"), control_room_snippet(emulator, process)),
    ]:
        done = cli(app_home, *args, stdin=stdin)
        assert done.returncode == 2
        assert "No keyring is available" in done.stderr and "GNOME Keyring" in done.stderr
        assert "ROBOCLOUD_PROCESS_SECRET_P " in done.stderr
        assert process.secret not in done.stdout + done.stderr
    assert json.loads(cli(app_home, "profile", "list", "--json").stdout) == []
    assert files_containing(app_home, process.secret) == []


def test_profile_mistakes_exit_2_with_a_clear_message(emulator, process, app_home):
    unknown = cli(app_home, "trigger", "nope")
    assert unknown.returncode == 2 and "no profile named 'nope'" in unknown.stderr
    bad_curl = cli(app_home, "profile", "import-curl", "x", stdin="curl https://example.com/hello")
    assert bad_curl.returncode == 2
    both = cli(app_home, "trigger", "x", "--workspace", "w")
    assert both.returncode == 2 and "not both" in both.stderr
    cli(app_home, "profile", "add", "a", "--region", "eu1", "--workspace", "w", "--process", "p")
    again = cli(app_home, "profile", "add", "A", "--region", "eu1", "--workspace", "w", "--process", "p")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_an_unreadable_profile_file_is_reported_and_kept(app_home):
    config = app_home / "config"
    config.mkdir()
    original = '{"version": 1, "profiles": ['
    (config / "profiles.json").write_text(original)
    done = cli(app_home, "profile", "list")
    assert done.returncode == 0
    assert "could not be read" in done.stderr and "kept as" in done.stderr
    kept = [p for p in config.iterdir() if p.name.startswith("profiles.json.unreadable-")]
    assert len(kept) == 1 and kept[0].read_text() == original


# --- files that cannot be read or written -------------------------------------------------------


def add_args(emulator: Emulator, process: EmulatedProcess, name: str = "Invoices") -> tuple[str, ...]:
    return ("profile", "add", name, "--base-url", emulator.base_url, "--workspace", process.workspace_id,
            "--process", process.process_id)


def test_a_file_the_user_may_not_read_is_left_alone_and_never_overwritten(emulator, process):
    import os
    import shutil
    import subprocess
    import sys
    import tempfile

    # The test runs as root, whom no permission stops: the commands run as "nobody", who owns the
    # folder (and so could replace the file) but may not read the file, which root owns.
    home = Path(tempfile.mkdtemp(prefix="robocloud-perm-"))
    try:
        home.chmod(0o755)
        assert cli(home, *add_args(emulator, process)).returncode == 0
        config = home / "config"
        for mine in (config, config / "profiles.json.lock"):
            os.chown(mine, 65534, 65534)
        original = (config / "profiles.json").read_bytes()

        def as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                                   "-m", "robocloud_desktop", *args, "--config-dir", str(home)],
                                  capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

        listed = as_nobody("profile", "list")
        assert listed.returncode == 2, listed.stderr
        assert "could not be read (permission denied)" in listed.stderr and "Check that you own it" in listed.stderr
        assert "No profiles yet" not in listed.stdout
        for args in (add_args(emulator, process, "Payroll"), ("profile", "rename", "Invoices", "Payroll"),
                     ("profile", "remove", "Invoices"), ("trigger", "Invoices")):
            done = as_nobody(*args)
            assert done.returncode == 2, (args, done.stderr)
            assert "still cannot be read (permission denied)" in done.stderr, args
            assert "Traceback" not in done.stderr
        assert (config / "profiles.json").read_bytes() == original
        assert sorted(p.name for p in config.iterdir()) == ["profiles.json", "profiles.json.lock"]
        # Readable again: the next command works on the profiles the file has.
        os.chown(config / "profiles.json", 65534, 65534)
        assert "Invoices" in as_nobody("profile", "list").stdout
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_every_command_that_writes_fails_in_words_on_a_read_only_folder(emulator, process, app_home,
                                                                        secret_service):
    from tests.support.mounts import read_only

    assert cli(app_home, *add_args(emulator, process)).returncode == 0
    config = app_home / "config"
    before = (config / "profiles.json").read_bytes()
    with read_only(config):
        for args, stdin in [(add_args(emulator, process, "Payroll"), ""),
                            (("profile", "import-curl", "Payroll"), control_room_snippet(emulator, process)),
                            (("profile", "rename", "Invoices", "Payroll"), ""),
                            (("profile", "remove", "Invoices"), "")]:
            done = cli(app_home, *args, stdin=stdin)
            assert done.returncode == 2, (args, done.stderr)
            assert f"could not be saved in {config} (read-only file system)" in done.stderr, args
            assert "Traceback" not in done.stderr
        # Storing a secret writes to the keyring only, nothing in the folder: it works.
        assert cli(app_home, "profile", "set-secret", "Invoices", "--secret-stdin", stdin=process.secret).returncode == 0
        assert cli(app_home, "profile", "list").returncode == 0
        assert (config / "profiles.json").read_bytes() == before
    assert cli(app_home, "trigger", "Invoices").returncode == 0


def test_a_full_disk_fails_in_words_and_keeps_the_file(emulator, process, app_home):
    from tests.support.mounts import fill, small_disk

    with small_disk(app_home / "config") as config:
        assert cli(app_home, *add_args(emulator, process)).returncode == 0
        before = (config / "profiles.json").read_bytes()
        fill(config)
        done = cli(app_home, *add_args(emulator, process, "Payroll"), "--notes", "n" * 5000)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert f"could not be saved in {config} (no space left on device)" in done.stderr
        assert (config / "profiles.json").read_bytes() == before


def test_the_config_folder_and_files_are_private_but_the_given_folder_is_not_touched(emulator, process, app_home):
    import os
    import stat

    app_home.chmod(0o755)
    assert cli(app_home, *add_args(emulator, process)).returncode == 0
    modes = {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in [app_home, *app_home.rglob("*")]}
    assert modes == {"home": 0o755, "config": 0o700, "profiles.json": 0o600, "profiles.json.lock": 0o600,
                     "logs": 0o700, "robocloud-desktop.log": 0o600}


# --- names and ids ------------------------------------------------------------------------------


def test_names_sharing_a_variable_or_hiding_characters_are_refused(emulator, process, app_home):
    assert cli(app_home, *add_args(emulator, process, "Invoices EU")).returncode == 0
    clash = cli(app_home, *add_args(emulator, process, "invoices-eu"))
    assert clash.returncode == 2
    assert "'Invoices EU'" in clash.stderr and "ROBOCLOUD_PROCESS_SECRET_INVOICES_EU" in clash.stderr
    hidden = cli(app_home, *add_args(emulator, process, "Invoices\u202eUE"))
    assert hidden.returncode == 2 and "U+202E" in hidden.stderr
    assert [r["name"] for r in json.loads(cli(app_home, "profile", "list", "--json").stdout)] == ["Invoices EU"]


def test_a_name_without_a_variable_works_and_show_says_it_has_none(emulator, process, app_home):
    assert cli(app_home, *add_args(emulator, process, "請求書")).returncode == 0
    shown = cli(app_home, "profile", "show", "請求書")
    assert "Override:    none" in shown.stdout and "ROBOCLOUD_PROCESS_SECRET" not in shown.stdout
    assert json.loads(cli(app_home, "profile", "show", "請求書", "--json").stdout)["secretVariable"] is None
    # No variable gives it a secret, not even the bare prefix.
    done = cli(app_home, "trigger", "請求書", env={"ROBOCLOUD_PROCESS_SECRET_": process.secret})
    assert done.returncode == 2 and "No keyring" in done.stderr


def test_a_profile_with_an_unusable_id_says_which_and_to_edit_it(emulator, process, app_home):
    config = app_home / "config"
    config.mkdir()
    entry = {"id": "p-1", "name": "Dots", "base_url": emulator.base_url, "workspace_id": "..",
             "process_id": process.process_id}
    (config / "profiles.json").write_text(json.dumps({"version": 1, "profiles": [entry]}))
    listed = cli(app_home, "profile", "list")
    assert listed.returncode == 0 and "Dots" in listed.stdout
    for args in (("trigger", "Dots"), ("status", "Dots", "run-1"), ("profile", "curl", "Dots")):
        done = cli(app_home, *args, env={"ROBOCLOUD_PROCESS_SECRET_DOTS": process.secret})
        assert done.returncode == 2, (args, done.stderr)
        assert "The profile 'Dots' cannot be used until it is edited: the workspace id '..'" in done.stderr
    assert emulator.requests == []
    refused = cli(app_home, "profile", "edit", "Dots", "--workspace", ".")
    assert refused.returncode == 2 and "The workspace id '.' is not an id" in refused.stderr
    edited = cli(app_home, "profile", "edit", "Dots", "--workspace", process.workspace_id)
    assert edited.returncode == 0, edited.stderr
    done = cli(app_home, "trigger", "Dots", env={"ROBOCLOUD_PROCESS_SECRET_DOTS": process.secret})
    assert done.returncode == 0, done.stderr
    nothing = cli(app_home, "profile", "edit", "Dots")
    assert nothing.returncode == 2 and "Say what to change" in nothing.stderr


# --- removing -----------------------------------------------------------------------------------


def test_remove_with_a_locked_keyring_changes_nothing(emulator, process, app_home, secret_service):
    assert cli(app_home, *add_args(emulator, process), "--secret-stdin", stdin=process.secret).returncode == 0
    with secret_service.locked():
        done = cli(app_home, "profile", "remove", "Invoices")
    assert done.returncode == 2
    assert "keyring is locked" in done.stderr and "'Invoices' was not removed" in done.stderr
    assert [r["name"] for r in json.loads(cli(app_home, "profile", "list", "--json").stdout)] == ["Invoices"]
    assert cli(app_home, "trigger", "Invoices").returncode == 0


def test_remove_without_a_keyring_says_so_and_clean_secrets_finishes_the_job(emulator, process, app_home,
                                                                              secret_service):
    assert cli(app_home, *add_args(emulator, process), "--secret-stdin", stdin=process.secret).returncode == 0
    nowhere = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/no-keyring-here"}
    removed = cli_process(app_home, "profile", "remove", "Invoices", env=nowhere)  # a process without a keyring
    assert removed.returncode == 0, removed.stderr
    assert "Removed profile 'Invoices'; its keyring entry is not deleted yet." in removed.stdout
    assert "No keyring is available" in removed.stderr and "profile clean-secrets" in removed.stderr
    assert json.loads(cli(app_home, "profile", "list", "--json").stdout) == []
    assert [item[2] for item in secret_service.items(SERVICE)] == [process.secret]

    with secret_service.locked():
        locked = cli(app_home, "profile", "clean-secrets")
    assert locked.returncode == 2 and "1 keyring entry" in locked.stderr and "locked" in locked.stderr
    cleaned = cli(app_home, "profile", "clean-secrets")
    assert cleaned.returncode == 0 and "Deleted 1 keyring entry of removed profiles." in cleaned.stdout
    assert secret_service.items(SERVICE) == []
    again = cli(app_home, "profile", "clean-secrets")
    assert again.returncode == 0 and "No keyring entries" in again.stdout


def test_remove_says_when_there_was_no_secret(emulator, process, app_home, secret_service):
    assert cli(app_home, *add_args(emulator, process)).returncode == 0
    done = cli(app_home, "profile", "remove", "Invoices")
    assert done.returncode == 0 and "had no secret in the keyring" in done.stdout and "and its secret" not in done.stdout


def test_edit_changes_only_what_it_is_told(emulator, process, app_home):
    assert cli(app_home, *add_args(emulator, process), "--notes", "month end").returncode == 0
    query = cli(app_home, "profile", "edit", "Invoices", "--secret-in-query", "--region", "us1")
    assert query.returncode == 0 and "URL query string" in query.stderr
    row = json.loads(cli(app_home, "profile", "show", "Invoices", "--json").stdout)
    assert (row["secretMode"], row["region"], row["notes"], row["processId"]) == (
        "query", "us1", "month end", process.process_id)
    assert cli(app_home, "profile", "edit", "Invoices", "--secret-in-header", "--notes", "").returncode == 0
    row = json.loads(cli(app_home, "profile", "show", "Invoices", "--json").stdout)
    assert (row["secretMode"], row["region"], row["notes"]) == ("header", "us1", "")


def test_an_empty_base_url_or_undecodable_notes_are_refused_in_words(emulator, process, app_home):
    empty = cli(app_home, "profile", "add", "a", "--base-url", "", "--workspace", "w", "--process", "p")
    assert empty.returncode == 2 and "is not an http(s) URL" in empty.stderr
    assert cli(app_home, *add_args(emulator, process)).returncode == 0
    edit = cli(app_home, "profile", "edit", "Invoices", "--base-url", "")
    assert edit.returncode == 2 and "is not an http(s) URL" in edit.stderr
    for args in (("profile", "edit", "Invoices", "--notes", "\udcff\udcfe"),
                 (*add_args(emulator, process, "Payroll"), "--notes", "\udcff")):
        done = cli(app_home, *args)
        assert done.returncode == 2 and "The notes cannot be saved" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
