"""Profiles of Control Room API v1 on the command line: real subprocesses, a real Secret Service, one
workspace key shared by the workspace's profiles and never in a file or on screen."""

from __future__ import annotations

import json

from robocloud_desktop.core.secrets import SERVICE
from tests.cli.test_profile_cli import cli, files_containing

CLOUD = "https://cloud.robocorp.com/api/v1"
KEY = "wskey-Hc27-command-line-5rTq9m"
NEW_KEY = "wskey-Bv63-replaced-0pLk2w"
SECRET = "s3cret-value-command-line-0000"


def add_v1(home, name: str, process: str = "proc-1", *extra: str, key: str | None = None, **kwargs):
    args = ["profile", "add", name, "--api", "v1", "--base-url", "https://cloud.robocorp.com", "--workspace", "ws-1",
            "--process", process, *extra]
    if key is not None:
        args.append("--api-key-stdin")
    return cli(home, *args, stdin=(key + "\n") if key is not None else "", **kwargs)


def keyring_entries(service) -> list[tuple[str, str]]:
    return sorted((attributes["username"], secret) for _, attributes, secret in service.items(SERVICE))


def rows(home) -> dict[str, dict]:
    return {r["name"]: r for r in json.loads(cli(home, "profile", "list", "--json").stdout)}


def test_the_profiles_of_a_workspace_share_its_key_and_say_so(secret_service, app_home):
    first = add_v1(app_home, "Invoices", key=KEY)
    assert first.returncode == 0, first.stderr
    assert "API key of workspace ws-1 stored in the Secret Service" in first.stdout
    second = add_v1(app_home, "Payroll", "proc-2")
    assert second.returncode == 0, second.stderr
    assert "it uses the API key stored for workspace ws-1, shared by the 2 profiles of this workspace" in second.stdout

    listed = rows(app_home)
    assert {(r["api"], r["baseUrl"], r["secret"], r["keyProfiles"], r["followOthers"]) for r in listed.values()} == {
        ("v1", CLOUD, "stored", 2, True)}
    assert listed["Invoices"]["secretVariable"] == "ROBOCLOUD_API_KEY_INVOICES"
    text = cli(app_home, "profile", "list").stdout
    assert "API v1 key: stored (shared by 2)" in text
    shown = cli(app_home, "profile", "show", "Payroll").stdout
    assert "Control Room API v1 (workspace API key)" in shown
    assert "stored, shared by the 2 profiles of this workspace" in shown
    assert "$ROBOCLOUD_API_KEY_PAYROLL" in shown and "Secret mode" not in shown

    assert keyring_entries(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", KEY)]
    assert files_containing(app_home, KEY) == []
    for done in (first, second):
        assert KEY not in done.stdout + done.stderr


def test_set_secret_replaces_the_key_once_for_every_profile_and_says_how_many_use_it(secret_service, app_home):
    add_v1(app_home, "Invoices", key=KEY)
    add_v1(app_home, "Payroll", "proc-2")
    done = cli(app_home, "profile", "set-secret", "Payroll", "--api-key-stdin", stdin=NEW_KEY + "\n")
    assert done.returncode == 0, done.stderr
    assert "used by 2 profiles: 'Invoices', 'Payroll'" in done.stdout
    assert keyring_entries(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", NEW_KEY)]
    assert NEW_KEY not in done.stdout + done.stderr

    alone = add_v1(app_home, "Elsewhere", "proc-3", "--workspace", "ws-2")  # the last --workspace wins
    assert alone.returncode == 0, alone.stderr
    assert "no API key yet for workspace ws-2: run `robocloud-desktop profile set-secret Elsewhere --api-key-stdin`" \
        in alone.stdout
    one = cli(app_home, "profile", "set-secret", "Elsewhere", "--api-key-stdin", stdin=KEY)
    assert one.returncode == 0 and "used by the profile 'Elsewhere'" in one.stdout


def test_the_wrong_kind_of_secret_for_a_profile_is_refused_in_words(secret_service, app_home):
    add_v1(app_home, "Invoices", key=KEY)
    cli(app_home, "profile", "add", "Old", "--region", "eu1", "--workspace", "ws-1", "--process", "p")
    for args, words in [
        (("profile", "set-secret", "Invoices", "--secret-stdin"), "uses its workspace's API key"),
        (("profile", "set-secret", "Old", "--api-key-stdin"), "uses a per-process secret"),
        (("profile", "add", "New", "--api", "v1", "--workspace", "w", "--process", "p", "--secret-stdin"),
         "give it with --api-key-stdin"),
        (("profile", "add", "New", "--api", "v1", "--workspace", "w", "--process", "p", "--region", "eu1"),
         "--region names the per-process secret API's hosts"),
        (("profile", "add", "New", "--api", "v1", "--workspace", "w", "--process", "p", "--secret-in-query"),
         "sends its key in a header"),
        (("profile", "add", "New", "--workspace", "w", "--process", "p", "--region", "eu1", "--api-key-stdin"),
         "--api-key-stdin is for profiles of Control Room API v1"),
        (("profile", "add", "New", "--workspace", "w", "--process", "p"), "--region or --base-url"),
        (("profile", "add", "New", "--api", "v1", "--base-url", "https://api.eu1.robocloud.eu", "--workspace", "w",
          "--process", "p"), "per-process secret API, not of Control Room API v1"),
        (("profile", "edit", "Old", "--follow-others"), "--follow-others is for profiles of Control Room API v1"),
        (("profile", "edit", "Old", "--api", "v1"), "Give the base URL of the profile's new API"),
        (("profile", "curl", "Invoices"), "per-process secret API only"),
    ]:
        done = cli(app_home, *args, stdin=SECRET)
        assert done.returncode == 2, (args, done.stderr)
        assert words in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr and SECRET not in done.stderr
    assert keyring_entries(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", KEY)]
    assert sorted(rows(app_home)) == ["Invoices", "Old"]


def test_removing_keeps_the_key_for_the_others_and_deletes_it_with_the_last(secret_service, app_home):
    add_v1(app_home, "Invoices", key=KEY)
    add_v1(app_home, "Payroll", "proc-2")
    first = cli(app_home, "profile", "remove", "Invoices")
    assert first.returncode == 0, first.stderr
    assert "the API key of workspace ws-1 stays for the other profile that uses it" in first.stdout
    assert keyring_entries(secret_service) == [(f"workspace-key:{CLOUD}|ws-1", KEY)]
    last = cli(app_home, "profile", "remove", "Payroll")
    assert last.returncode == 0, last.stderr
    assert "and the API key of workspace ws-1, which no other profile used" in last.stdout
    assert secret_service.items(SERVICE) == []


def test_a_profiles_key_variable_works_without_a_keyring(app_home):
    assert add_v1(app_home, "Invoices EU").returncode == 0
    env = {"ROBOCLOUD_API_KEY_INVOICES_EU": KEY}
    row = json.loads(cli(app_home, "profile", "show", "Invoices EU", "--json", env=env).stdout)
    assert (row["secret"], row["secretStored"]) == ("from environment", True)
    without = rows(app_home)["Invoices EU"]
    assert without["secret"] == "no keyring" and without["secretStored"] is False


def test_edit_moves_a_profile_to_v1_and_its_process_secret_goes(secret_service, app_home):
    added = cli(app_home, "profile", "add", "Invoices", "--region", "eu1", "--workspace", "ws-1", "--process",
                "proc-1", "--secret-in-query", "--secret-stdin", stdin=SECRET)
    assert added.returncode == 0, added.stderr
    moved = cli(app_home, "profile", "edit", "Invoices", "--api", "v1", "--base-url", "https://cloud.robocorp.com",
                "--no-follow-others")
    assert moved.returncode == 0, moved.stderr
    assert "no API key yet for workspace ws-1" in moved.stdout
    row = rows(app_home)["Invoices"]
    assert (row["api"], row["baseUrl"], row["secretMode"], row["followOthers"]) == ("v1", CLOUD, "header", False)
    assert "Other runs:  no" in cli(app_home, "profile", "show", "Invoices").stdout
    assert secret_service.items(SERVICE) == []  # the process secret no profile uses any more
    back = cli(app_home, "profile", "edit", "Invoices", "--follow-others")
    assert back.returncode == 0 and rows(app_home)["Invoices"]["followOthers"] is True
