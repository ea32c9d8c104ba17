"""`profile ...`: keep process profiles, their secrets and workspace keys in the keyring, never on screen."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from robocloud_desktop.cli.common import (
    EXIT_OK,
    Context,
    UsageError,
    add_config_dir,
    add_request_timeout,
)
from robocloud_desktop.core.profiles import API_PROCESS_SECRET, API_V1, APIS, Profile, SecretRemoval
from robocloud_desktop.core.regions import REGIONS, base_url_for_region
from robocloud_desktop.core.secrets import SecretState, SecretStoreError, env_var_for
from robocloud_desktop.core.workspaces import V1_CLOUD

CLEAN_SECRETS = "robocloud-desktop profile clean-secrets"
API_WORDS = {API_PROCESS_SECRET: "per-process secret", API_V1: "Control Room API v1 (workspace API key)"}


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    profile = commands.add_parser("profile", help="manage process profiles and their secrets")
    actions = profile.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        add_config_dir(parser)
        parser.set_defaults(handler=handler)
        return parser

    add = action("add", "add a profile (secret from --secret-stdin, or a workspace key from --api-key-stdin)",
                 add_command)
    add.add_argument("name", metavar="NAME")
    add.add_argument("--api", choices=APIS, default=API_PROCESS_SECRET,
                     help="the API the profile speaks: a per-process secret (the default), or Control Room API v1 "
                     "with a workspace API key")
    add.add_argument("--workspace", required=True, metavar="WS", help="workspace id")
    add.add_argument("--process", required=True, metavar="PID", help="process id")
    where = add.add_mutually_exclusive_group()
    where.add_argument("--region", choices=sorted(REGIONS), help="a known Control Room region (per-process secret)")
    where.add_argument("--base-url", help=f"Control Room API base URL (https); for --api v1 the API root, by default "
                       f"{V1_CLOUD}")
    add.add_argument("--secret-in-query", action="store_true",
                     help="send the secret in the URL (only if the target needs it: URLs get logged)")
    add.add_argument("--secret-stdin", action="store_true", help="read the process secret from stdin")
    add.add_argument("--api-key-stdin", action="store_true",
                     help="--api v1: read the workspace's API key from stdin (it replaces the key the workspace's "
                     "other profiles share)")
    _add_follow_others(add)
    add.add_argument("--notes", default="", help="free text shown with the profile")

    workspace = action("add-from-workspace", "add a profile (API v1) for each chosen process of a workspace, "
                       "named after it", add_from_workspace_command)
    workspace.add_argument("--base-url", default=V1_CLOUD,
                           help=f"the Control Room API v1 root (default {V1_CLOUD})")
    workspace.add_argument("--workspace", required=True, metavar="WS", help="workspace id")
    workspace.add_argument("--api-key-stdin", action="store_true",
                           help="read the workspace's API key from stdin and store it for the profiles (default: "
                           "$ROBOCLOUD_API_KEY, used and not stored, or the key stored for the workspace)")
    workspace.add_argument("--process", action="append", metavar="PID",
                           help="add a profile for this process (repeat for more; default: every process)")
    _add_follow_others(workspace)
    workspace.add_argument("--json", action="store_true", help="print machine-readable JSON")
    add_request_timeout(workspace)

    imp = action("import-curl", "add a profile from the curl command Control Room shows", import_command)
    imp.add_argument("name", metavar="NAME")
    imp.add_argument("--file", metavar="FILE", help="read the curl command from FILE (default: stdin)")

    listing = action("list", "list profiles (never shows secrets)", list_command)
    listing.add_argument("--json", action="store_true", help="print machine-readable JSON")

    show = action("show", "show one profile", show_command)
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="print machine-readable JSON")

    edit = action("edit", "change a profile's API, process, place, secret mode or notes (its secret stays)",
                  edit_command)
    edit.add_argument("name", metavar="NAME")
    edit.add_argument("--api", choices=APIS, help="the API the profile speaks (give the new API's --base-url too)")
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
    _add_follow_others(edit, default=None)
    edit.add_argument("--notes", help="free text shown with the profile")

    rename = action("rename", "rename a profile (its secret stays)", rename_command)
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")

    set_secret = action("set-secret", "store a profile's secret, or its workspace's API key, in the keyring",
                        set_secret_command)
    set_secret.add_argument("name", metavar="NAME")
    given = set_secret.add_mutually_exclusive_group(required=True)
    given.add_argument("--secret-stdin", action="store_true",
                       help="read the process secret from stdin (secrets are never arguments)")
    given.add_argument("--api-key-stdin", action="store_true",
                       help="API v1: read the workspace's API key from stdin; it replaces the key for every profile "
                       "of the workspace")

    remove = action("remove", "remove a profile and its secret", remove_command)
    remove.add_argument("name", metavar="NAME")

    action("clean-secrets", "delete the keyring entries of removed profiles that could not be deleted then",
           clean_secrets_command)

    curl = action("curl", "print the profile as a curl command (secret as $ROBOCLOUD_PROCESS_SECRET)",
                  curl_command)
    curl.add_argument("name", metavar="NAME")
    curl.add_argument("--reveal-secret", action="store_true", help="put the real secret in the command")


def _add_follow_others(parser: argparse.ArgumentParser, default: bool | None = True) -> None:
    parser.add_argument("--follow-others", action=argparse.BooleanOptionalAction, default=default,
                        help="API v1: bring runs of the process started elsewhere (a schedule, a colleague, e-mail) "
                        "onto the board and into the history (default: on)")


def add_command(ctx: Context) -> int:
    args = ctx.args
    if args.api == API_V1:
        return _add_v1(ctx)
    if args.api_key_stdin:
        raise UsageError("--api-key-stdin is for profiles of Control Room API v1 (--api v1). Give a per-process "
                         "secret with --secret-stdin.")
    if args.base_url is None and args.region is None:
        raise UsageError("Say where the process is: --region or --base-url.")
    secret = ctx.secret_from_stdin() if args.secret_stdin else None
    base_url = args.base_url if args.base_url is not None else base_url_for_region(args.region)
    profile = Profile(args.name, base_url, args.workspace, args.process,
                      secret_in_query=args.secret_in_query, notes=args.notes)
    profile = ctx.profiles.add(profile, secret)
    _say_saved(ctx, profile, secret is not None)
    return EXIT_OK


def _add_v1(ctx: Context) -> int:
    args = ctx.args
    if args.secret_stdin:
        raise UsageError("A profile of Control Room API v1 uses its workspace's API key, not a process secret: give "
                         "it with --api-key-stdin.")
    if args.region is not None:
        raise UsageError(f"--region names the per-process secret API's hosts. For API v1 give --base-url (by "
                         f"default {V1_CLOUD}).")
    if args.secret_in_query:
        raise UsageError("A profile of Control Room API v1 sends its key in a header; --secret-in-query is only for "
                         "per-process secrets.")
    key = ctx.key_from_stdin() if args.api_key_stdin else None
    profile = Profile(args.name, args.base_url if args.base_url is not None else V1_CLOUD, args.workspace,
                      args.process, notes=args.notes, api=API_V1, follow_others=args.follow_others)
    profile = ctx.profiles.add(profile, key)
    _say_saved(ctx, profile, key is not None)
    return EXIT_OK


def add_from_workspace_command(ctx: Context) -> int:
    from robocloud_desktop.cli.profile_from_workspace import add_from_workspace  # the HTTP stack loads with it

    return add_from_workspace(ctx)


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
    if profile.uses_key:
        ctx.print(f"Saved profile {profile.name!r} ({_key_note(ctx, profile, with_secret, where)}).")
        return
    secret_note = f"secret stored in {where}" if with_secret else (
        f"no secret yet: run `robocloud-desktop profile set-secret {quoted(profile.name)} --secret-stdin`"
    )
    ctx.print(f"Saved profile {profile.name!r} ({secret_note}).")
    if profile.secret_in_query:
        ctx.warn("This profile sends its secret in the URL query string, "
                 "where proxies and servers may log it.")


def _key_note(ctx: Context, profile: Profile, stored_now: bool, where: str) -> str:
    """How the profile's workspace key stands, for the line that says the profile was saved."""
    sharing = len(ctx.profiles.profiles_of_workspace(profile.base_url, profile.workspace_id))
    others = sharing - 1
    shared = f", shared by the {sharing} profiles of this workspace" if others else ""
    if stored_now:
        replaced = " (it replaced the key the others used)" if others else ""
        return f"API key of workspace {profile.workspace_id} stored in {where}{shared}{replaced}"
    state = ctx.secrets.key_state(profile.base_url, profile.workspace_id, profile.name)
    if state is SecretState.STORED:
        return f"it uses the API key stored for workspace {profile.workspace_id}{shared}"
    if state is SecretState.FROM_ENVIRONMENT:
        return f"API key from {env_var_for(profile.name, API_V1)}"
    return (f"no API key yet for workspace {profile.workspace_id}: run `robocloud-desktop profile set-secret "
            f"{quoted(profile.name)} --api-key-stdin`")


def quoted(name: str) -> str:
    """The name as a shell word (in quotes when it needs them)."""
    import shlex

    return shlex.quote(name)


def _describe(ctx: Context, profile: Profile) -> dict[str, Any]:
    state = ctx.secrets.state_for(profile)
    row: dict[str, Any] = {
        "id": profile.id, "name": profile.name, "api": profile.api, "region": profile.region,
        "baseUrl": profile.base_url, "workspaceId": profile.workspace_id, "processId": profile.process_id,
        "secretMode": "query" if profile.secret_in_query else "header",
        "secret": state.value, "secretStored": state in (SecretState.STORED, SecretState.FROM_ENVIRONMENT),
        "secretVariable": env_var_for(profile.name, profile.api),
        "notes": profile.notes, "payload": profile.payload,
    }
    if profile.uses_key:
        # The key is the workspace's: how many profiles share it (this one included).
        row["keyProfiles"] = len(ctx.profiles.profiles_of_workspace(profile.base_url, profile.workspace_id))
        row["followOthers"] = profile.follow_others
    return row


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
    places = [_place(r) for r in rows]
    place_width = max(14, *(len(p) for p in places))
    for row, where in zip(rows, places, strict=True):
        if row["api"] == API_V1:
            shared = f" (shared by {row['keyProfiles']})" if row["keyProfiles"] > 1 else ""
            credential = f"API v1 key: {row['secret']}{shared}"
        else:
            credential = f"secret: {row['secret']}"
        ctx.print(f"{row['name']:<{width}}  {where:<{place_width}} process {row['processId']}  {credential}")
    return EXIT_OK


def _place(row: dict[str, Any]) -> str:
    """Where a listed profile's process is, briefly: its region, the host of an API v1 root, or its base URL."""
    if row["api"] == API_V1:
        from urllib.parse import urlsplit

        return urlsplit(row["baseUrl"]).netloc or row["baseUrl"]
    return row["region"] or row["baseUrl"]


def show_command(ctx: Context) -> int:
    row = _describe(ctx, ctx.profiles.get(ctx.args.name))
    if ctx.as_json:
        ctx.print_json(row)
        return EXIT_OK
    shown = dict(row, api=API_WORDS[row["api"]])
    if row["api"] == API_V1:
        sharing = row["keyProfiles"]
        others = (f", shared by the {sharing} profiles of this workspace" if sharing > 1
                  else ", used by this profile only")
        shown["secret"] = f"{row['secret']}{others}"
        shown["followOthers"] = "yes: runs started elsewhere come onto the board" if row["followOthers"] else "no"
        labels = [("Name", "name"), ("API", "api"), ("Base URL", "baseUrl"), ("Workspace", "workspaceId"),
                  ("Process", "processId"), ("API key", "secret"), ("Other runs", "followOthers"),
                  ("Notes", "notes"), ("Payload", "payload")]
    else:
        labels = [("Name", "name"), ("API", "api"), ("Base URL", "baseUrl"), ("Workspace", "workspaceId"),
                  ("Process", "processId"), ("Secret mode", "secretMode"), ("Secret", "secret"),
                  ("Notes", "notes"), ("Payload", "payload")]
    for label, key in labels:
        ctx.print(f"{label + ':':<13}{shown[key] if shown[key] not in (None, '') else '-'}")
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
    api = args.api or profile.api
    if args.api is not None and args.api != profile.api:
        changes["api"] = args.api
        if args.base_url is None and args.region is None:
            raise UsageError(f"Give the base URL of the profile's new API with --base-url (for API v1 the API root, "
                             f"such as {V1_CLOUD}).")
        if args.api == API_V1 and args.secret_in_query is None:
            changes["secret_in_query"] = False  # a workspace key always travels in a header
    if api == API_V1 and args.region:
        raise UsageError("--region names the per-process secret API's hosts. For API v1 give --base-url.")
    if args.follow_others is not None:
        if api != API_V1:
            raise UsageError("--follow-others is for profiles of Control Room API v1: the per-process secret API "
                             "cannot list the runs started elsewhere.")
        changes["follow_others"] = args.follow_others
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
        raise UsageError("Say what to change: --api, --workspace, --process, --region or --base-url, "
                         "--secret-in-query or --secret-in-header, --follow-others or --no-follow-others, --notes.")
    old = profile
    profile = ctx.profiles.update(replace(profile, **changes))
    if profile.uses_key:
        ctx.print(f"Saved profile {profile.name!r} ({_key_note(ctx, profile, False, '')}).")
    elif old.uses_key:
        ctx.print(f"Saved profile {profile.name!r} (no secret yet: run `robocloud-desktop profile set-secret "
                  f"{quoted(profile.name)} --secret-stdin`).")
    else:
        ctx.print(f"Saved profile {profile.name!r}; its secret stays with it.")
    if profile.secret_in_query:
        ctx.warn("This profile sends its secret in the URL query string, "
                 "where proxies and servers may log it.")
    return EXIT_OK


def rename_command(ctx: Context) -> int:
    profile = ctx.profiles.rename(ctx.args.old, ctx.args.new)
    if profile.uses_key:
        ctx.print(f"Renamed to {profile.name!r}; it still uses the API key of workspace {profile.workspace_id}.")
    else:
        ctx.print(f"Renamed to {profile.name!r}; its secret stays with it.")
    return EXIT_OK


def set_secret_command(ctx: Context) -> int:
    args = ctx.args
    profile = ctx.profiles.get(args.name)
    if profile.uses_key:
        if not args.api_key_stdin:
            raise UsageError(f"The profile {profile.name!r} uses its workspace's API key (Control Room API v1), not "
                             "a process secret: give the key with --api-key-stdin.")
        key = ctx.key_from_stdin()
        ctx.secrets.set_key(profile.base_url, profile.workspace_id, key, profile.name)
        sharing = ctx.profiles.profiles_of_workspace(profile.base_url, profile.workspace_id)
        users = ("the profile " + repr(profile.name) if len(sharing) == 1 else
                 f"{len(sharing)} profiles: " + ", ".join(repr(p.name) for p in sharing))
        ctx.print(f"API key of workspace {profile.workspace_id} stored in {ctx.secrets.backend_name()}; "
                  f"used by {users}.")
        return EXIT_OK
    if not args.secret_stdin:
        raise UsageError(f"The profile {profile.name!r} uses a per-process secret, not a workspace API key: give it "
                         "with --secret-stdin.")
    ctx.secrets.set(profile.id, profile.name, ctx.secret_from_stdin())
    ctx.print(f"Secret for {profile.name!r} stored in {ctx.secrets.backend_name()}.")
    return EXIT_OK


def remove_command(ctx: Context) -> int:
    removal = ctx.profiles.remove(ctx.args.name)
    name = removal.profile.name
    workspace = removal.profile.workspace_id
    if removal.profile.uses_key and removal.secret is SecretRemoval.DELETED:
        ctx.print(f"Removed profile {name!r} and the API key of workspace {workspace}, which no other profile used.")
    elif removal.secret is SecretRemoval.DELETED:
        ctx.print(f"Removed profile {name!r} and its secret.")
    elif removal.secret is SecretRemoval.SHARED:
        others = ("the other profile that uses it" if removal.sharing == 1
                  else f"the {removal.sharing} other profiles that use it")
        ctx.print(f"Removed profile {name!r}; the API key of workspace {workspace} stays for {others}.")
    elif removal.secret is SecretRemoval.WAITING:
        entry = (f"the API key of workspace {workspace}, which no other profile uses," if removal.profile.uses_key
                 else "its keyring entry")
        ctx.print(f"Removed profile {name!r}; {entry} is not deleted yet.")
        if removal.no_keyring:
            what = ("the workspace's API key (if one was stored)" if removal.profile.uses_key
                    else "the profile's secret (if it had one)")
            ctx.warn(f"No keyring is available, so {what} could not be deleted. "
                     f"It will be once a keyring is there: on a later change, or with `{CLEAN_SECRETS}`.")
        else:
            ctx.warn(f"The profile is gone, but its keyring entry could not be deleted: {removal.reason} "
                     f"It will be deleted on a later change with the keyring working, or run `{CLEAN_SECRETS}`.")
    elif removal.profile.uses_key:
        ctx.print(f"Removed profile {name!r} (no API key was stored for its workspace).")
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
    if profile.uses_key:
        raise UsageError(f"The profile {profile.name!r} uses Control Room API v1; `profile curl` prints the command "
                         "of the per-process secret API only.")
    profile.target()  # a profile whose ids cannot be used says so, naming itself
    secret = ctx.secrets.get(profile.id, profile.name) if ctx.args.reveal_secret else None
    from robocloud_desktop.core.curl import render_curl

    ctx.print(render_curl(profile.base_url, profile.workspace_id, profile.process_id, profile.payload,
                          secret_in_query=profile.secret_in_query, secret=secret))
    return EXIT_OK
