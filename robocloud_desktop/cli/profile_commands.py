"""`profile ...`: keep process profiles, their secrets in the keyring, never on screen."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from robocloud_desktop.cli.common import EXIT_OK, Context, UsageError, add_config_dir
from robocloud_desktop.core.profiles import Profile, SecretRemoval
from robocloud_desktop.core.regions import REGIONS, base_url_for_region
from robocloud_desktop.core.secrets import SecretState, SecretStoreError, env_var_for

CLEAN_SECRETS = "robocloud-desktop profile clean-secrets"


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    profile = commands.add_parser("profile", help="manage process profiles and their secrets")
    actions = profile.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        add_config_dir(parser)
        parser.set_defaults(handler=handler)
        return parser

    add = action("add", "add a profile (secret from --secret-stdin)", add_command)
    add.add_argument("name", metavar="NAME")
    add.add_argument("--workspace", required=True, metavar="WS", help="workspace id")
    add.add_argument("--process", required=True, metavar="PID", help="process id")
    where = add.add_mutually_exclusive_group(required=True)
    where.add_argument("--region", choices=sorted(REGIONS), help="a known Control Room region")
    where.add_argument("--base-url", help="Control Room API base URL (https)")
    add.add_argument("--secret-in-query", action="store_true",
                     help="send the secret in the URL (only if the target needs it: URLs get logged)")
    add.add_argument("--secret-stdin", action="store_true", help="read the secret from stdin")
    add.add_argument("--notes", default="", help="free text shown with the profile")

    imp = action("import-curl", "add a profile from the curl command Control Room shows", import_command)
    imp.add_argument("name", metavar="NAME")
    imp.add_argument("--file", metavar="FILE", help="read the curl command from FILE (default: stdin)")

    listing = action("list", "list profiles (never shows secrets)", list_command)
    listing.add_argument("--json", action="store_true", help="print machine-readable JSON")

    show = action("show", "show one profile", show_command)
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="print machine-readable JSON")

    edit = action("edit", "change a profile's process, place, secret mode or notes (its secret stays)",
                  edit_command)
    edit.add_argument("name", metavar="NAME")
    edit.add_argument("--workspace", metavar="WS", help="workspace id")
    edit.add_argument("--process", metavar="PID", help="process id")
    place = edit.add_mutually_exclusive_group()
    place.add_argument("--region", choices=sorted(REGIONS), help="a known Control Room region")
    place.add_argument("--base-url", help="Control Room API base URL (https)")
    mode = edit.add_mutually_exclusive_group()
    mode.add_argument("--secret-in-query", dest="secret_in_query", action="store_const", const=True,
                      help="send the secret in the URL (only if the target needs it: URLs get logged)")
    mode.add_argument("--secret-in-header", dest="secret_in_query", action="store_const", const=False,
                      help="send the secret in a header (the usual way)")
    edit.add_argument("--notes", help="free text shown with the profile")

    rename = action("rename", "rename a profile (its secret stays)", rename_command)
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")

    set_secret = action("set-secret", "store a profile's secret in the keyring", set_secret_command)
    set_secret.add_argument("name", metavar="NAME")
    set_secret.add_argument("--secret-stdin", action="store_true", required=True,
                            help="read the secret from stdin (required: secrets are never arguments)")

    remove = action("remove", "remove a profile and its secret", remove_command)
    remove.add_argument("name", metavar="NAME")

    action("clean-secrets", "delete the keyring entries of removed profiles that could not be deleted then",
           clean_secrets_command)

    curl = action("curl", "print the profile as a curl command (secret as $ROBOCLOUD_PROCESS_SECRET)",
                  curl_command)
    curl.add_argument("name", metavar="NAME")
    curl.add_argument("--reveal-secret", action="store_true", help="put the real secret in the command")


def add_command(ctx: Context) -> int:
    args = ctx.args
    secret = ctx.secret_from_stdin() if args.secret_stdin else None
    base_url = args.base_url if args.base_url is not None else base_url_for_region(args.region)
    profile = Profile(args.name, base_url, args.workspace, args.process,
                      secret_in_query=args.secret_in_query, notes=args.notes)
    profile = ctx.profiles.add(profile, secret)
    _say_saved(ctx, profile, secret is not None)
    return EXIT_OK


def import_command(ctx: Context) -> int:
    from robocloud_desktop.cli.inputs import read_file_text, read_stream_text
    from robocloud_desktop.core.curl import MAX_COMMAND_LENGTH, CurlParseError, parse_curl

    args = ctx.args
    # At most the core's cap in bytes, so never more characters than it reads: a file or pipe that
    # never ends (a log, /dev/zero) is refused after that much, not read into memory.
    if args.file:
        text = read_file_text(args.file, what="the curl command file", limit=MAX_COMMAND_LENGTH)
    else:
        if ctx.stdin is sys.stdin and sys.stdin.isatty():
            ctx.warn("Paste the curl command, then press Ctrl+D.")
        text = read_stream_text(ctx.stdin, what="the curl command on stdin", limit=MAX_COMMAND_LENGTH)
    try:
        parsed = parse_curl(text)
    except CurlParseError as error:
        raise UsageError(error.message) from None
    profile = Profile(args.name, parsed.base_url, parsed.workspace_id, parsed.process_id,
                      secret_in_query=parsed.secret_in_query, payload=parsed.payload or "{}")
    profile = ctx.profiles.add(profile, parsed.secret)
    _say_saved(ctx, profile, True)
    return EXIT_OK


def _say_saved(ctx: Context, profile: Profile, with_secret: bool) -> None:
    where = ctx.secrets.backend_name()
    secret_note = f"secret stored in {where}" if with_secret else (
        f"no secret yet: run `robocloud-desktop profile set-secret {profile.name} --secret-stdin`"
    )
    ctx.print(f"Saved profile {profile.name!r} ({secret_note}).")
    if profile.secret_in_query:
        ctx.warn("This profile sends its secret in the URL query string, "
                 "where proxies and servers may log it.")


def _describe(ctx: Context, profile: Profile) -> dict[str, Any]:
    state = ctx.secrets.state(profile.id, profile.name)
    return {
        "id": profile.id, "name": profile.name, "region": profile.region, "baseUrl": profile.base_url,
        "workspaceId": profile.workspace_id, "processId": profile.process_id,
        "secretMode": "query" if profile.secret_in_query else "header",
        "secret": state.value, "secretStored": state in (SecretState.STORED, SecretState.FROM_ENVIRONMENT),
        "secretVariable": env_var_for(profile.name),
        "notes": profile.notes, "payload": profile.payload,
    }


def list_command(ctx: Context) -> int:
    ctx.profiles.check_readable()  # no profiles listed is not what a file that cannot be read holds
    rows = [_describe(ctx, p) for p in ctx.profiles.profiles()]
    if ctx.as_json:
        ctx.print_json(rows)
        return EXIT_OK
    if not rows:
        ctx.print("No profiles yet. Add one with `robocloud-desktop profile import-curl NAME` "
                  "or `robocloud-desktop profile add NAME ...`.")
        return EXIT_OK
    width = max(len(r["name"]) for r in rows)
    for row in rows:
        where = row["region"] or row["baseUrl"]
        ctx.print(f"{row['name']:<{width}}  {where:<14} process {row['processId']}  secret: {row['secret']}")
    return EXIT_OK


def show_command(ctx: Context) -> int:
    row = _describe(ctx, ctx.profiles.get(ctx.args.name))
    if ctx.as_json:
        ctx.print_json(row)
        return EXIT_OK
    labels = [("Name", "name"), ("Base URL", "baseUrl"), ("Workspace", "workspaceId"),
              ("Process", "processId"), ("Secret mode", "secretMode"), ("Secret", "secret"),
              ("Notes", "notes"), ("Payload", "payload")]
    for label, key in labels:
        ctx.print(f"{label + ':':<13}{row[key] if row[key] not in (None, '') else '-'}")
    variable = row["secretVariable"]
    if variable:
        ctx.print(f"{'Override:':<13}${variable} (read-only, for headless use)")
    else:
        ctx.print(f"{'Override:':<13}none: the name has no letter A-Z or digit to name an environment variable "
                  "after; rename the profile to have one")
    return EXIT_OK


def edit_command(ctx: Context) -> int:
    args = ctx.args
    profile = ctx.profiles.get(args.name)
    changes: dict[str, Any] = {}
    if args.workspace is not None:
        changes["workspace_id"] = args.workspace
    if args.process is not None:
        changes["process_id"] = args.process
    if args.base_url is not None:  # an empty one too: it is refused in words
        changes["base_url"] = args.base_url
    elif args.region:
        changes["base_url"] = base_url_for_region(args.region)
    if args.secret_in_query is not None:
        changes["secret_in_query"] = args.secret_in_query
    if args.notes is not None:
        changes["notes"] = args.notes
    if not changes:
        raise UsageError("Say what to change: --workspace, --process, --region or --base-url, --secret-in-query "
                         "or --secret-in-header, --notes.")
    profile = ctx.profiles.update(replace(profile, **changes))
    ctx.print(f"Saved profile {profile.name!r}; its secret stays with it.")
    if profile.secret_in_query:
        ctx.warn("This profile sends its secret in the URL query string, "
                 "where proxies and servers may log it.")
    return EXIT_OK


def rename_command(ctx: Context) -> int:
    profile = ctx.profiles.rename(ctx.args.old, ctx.args.new)
    ctx.print(f"Renamed to {profile.name!r}; its secret stays with it.")
    return EXIT_OK


def set_secret_command(ctx: Context) -> int:
    profile = ctx.profiles.get(ctx.args.name)
    ctx.secrets.set(profile.id, profile.name, ctx.secret_from_stdin())
    ctx.print(f"Secret for {profile.name!r} stored in {ctx.secrets.backend_name()}.")
    return EXIT_OK


def remove_command(ctx: Context) -> int:
    removal = ctx.profiles.remove(ctx.args.name)
    name = removal.profile.name
    if removal.secret is SecretRemoval.DELETED:
        ctx.print(f"Removed profile {name!r} and its secret.")
    elif removal.secret is SecretRemoval.WAITING:
        ctx.print(f"Removed profile {name!r}; its keyring entry is not deleted yet.")
        if removal.no_keyring:
            ctx.warn("No keyring is available, so the profile's secret (if it had one) could not be deleted. "
                     f"It will be once a keyring is there: on a later change, or with `{CLEAN_SECRETS}`.")
        else:
            ctx.warn(f"The profile is gone, but its keyring entry could not be deleted: {removal.reason} "
                     f"It will be deleted on a later change with the keyring working, or run `{CLEAN_SECRETS}`.")
    else:
        ctx.print(f"Removed profile {name!r} (it had no secret in the keyring).")
    return EXIT_OK


def clean_secrets_command(ctx: Context) -> int:
    cleaning = ctx.profiles.clean_secrets()
    if cleaning.deleted:
        entries = "entry" if cleaning.deleted == 1 else "entries"
        ctx.print(f"Deleted {cleaning.deleted} keyring {entries} of removed profiles.")
    if cleaning.waiting:
        raise SecretStoreError(
            f"{cleaning.waiting} keyring {'entry' if cleaning.waiting == 1 else 'entries'} of removed profiles "
            f"could not be deleted: {cleaning.reason}")
    if not cleaning.deleted:
        ctx.print("No keyring entries of removed profiles are waiting to be deleted.")
    return EXIT_OK


def curl_command(ctx: Context) -> int:
    profile = ctx.profiles.get(ctx.args.name)
    profile.target()  # a profile whose ids cannot be used says so, naming itself
    secret = ctx.secrets.get(profile.id, profile.name) if ctx.args.reveal_secret else None
    from robocloud_desktop.core.curl import render_curl

    ctx.print(render_curl(profile.base_url, profile.workspace_id, profile.process_id, profile.payload,
                          secret_in_query=profile.secret_in_query, secret=secret))
    return EXIT_OK
