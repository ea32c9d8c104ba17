"""Profiles on the command line, with secrets in a real Secret Service and never in a file."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from robocloud_desktop.core.secrets import SERVICE
from robocloud_desktop.emulator import EmulatedProcess, Emulator
from tests.cli.test_cli import run_cli


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


def test_import_curl_then_trigger_then_remove(secret_service, emulator, process, app_home):
    done = cli(app_home, "profile", "import-curl", "demo", stdin=control_room_snippet(emulator, process))
    assert done.returncode == 0, done.stderr
    assert "secret stored in the Secret Service" in done.stdout

    triggered = cli(app_home, "trigger", "demo", "--payload", '{"a":1}', "--json")
    assert triggered.returncode == 0, triggered.stderr
    assert json.loads(triggered.stdout)["runId"]
    assert emulator.requests[-1].secret_via == "header"

    listed = cli(app_home, "profile", "list", "--json")
    [row] = json.loads(listed.stdout)
    assert row["name"] == "demo" and row["secretStored"] is True and row["secret"] == "stored"
    assert row["payload"] == '{"workItemKey":"workItemValue"}'
    assert process.secret not in listed.stdout

    [(label, _, stored)] = secret_service.items(SERVICE)
    assert stored == process.secret and "demo" in label
    assert files_containing(app_home, process.secret) == []

    removed = cli(app_home, "profile", "remove", "demo")
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
