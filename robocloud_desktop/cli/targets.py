"""Which process a command is about and what signs its requests: a saved profile, or the target in
flags (`--api`, `--base-url` or `--region`, `--workspace`, `--process`) with the process secret or
the workspace API key from the environment or the first line of stdin."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from robocloud_desktop.cli.common import KEY_ENV, SECRET_ENV, Context, UsageError
from robocloud_desktop.core.profiles import Profile
from robocloud_desktop.core.regions import REGIONS, base_url_for_region
from robocloud_desktop.core.target import API_PROCESS_SECRET, API_V1, APIS, Target
from robocloud_desktop.core.workspaces import V1_CLOUD, is_v1_root, v1_base_url

# The flags that spell a target out; none of them goes with a profile's name.
TARGET_FLAGS = ("api", "base_url", "region", "workspace", "process")


def add_where_options(parser: argparse.ArgumentParser, *, per_process: bool = True) -> None:
    """--api, --base-url (--region), --workspace, --process and the stdin flags of the credential.
    Without `per_process`, only what Control Room API v1 takes."""
    if per_process:
        parser.add_argument("--api", choices=APIS,
                            help=f"without a profile: the API to use (default {API_PROCESS_SECRET}; "
                            f"{API_V1} takes a workspace API key)")
    else:
        parser.add_argument("--api", choices=(API_V1,), help="without a profile: Control Room API v1, which takes a "
                            "workspace API key")
    if per_process:
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--base-url", help="Control Room API base URL, e.g. https://api.eu1.robocloud.eu; "
                           f"for --api v1 its API root (default {V1_CLOUD})")
        where.add_argument("--region", choices=sorted(REGIONS), help="a known region of the per-process secret API")
    else:
        parser.add_argument("--base-url", help=f"Control Room API v1 root (default {V1_CLOUD})")
    parser.add_argument("--workspace", metavar="WS", help="workspace id")
    parser.add_argument("--process", metavar="PID", help="process id")
    if per_process:
        parser.add_argument(
            "--secret-in-query", action="store_true",
            help="send the secret in the URL instead of a header (only if the target needs it: URLs get logged)",
        )
        parser.add_argument(
            "--secret-stdin", action="store_true",
            help="read the process secret from the first line of stdin "
            f"(default: the profile's keyring entry, or ${SECRET_ENV} without a profile)",
        )
    parser.add_argument(
        "--api-key-stdin", action="store_true",
        help="read the workspace API key from the first line of stdin "
        f"(default: the profile's workspace key, or ${KEY_ENV} without a profile)",
    )


@dataclass(frozen=True)
class Where:
    """The process a command is about, and its profile when it was named by one."""

    target: Target
    profile: Profile | None

    @property
    def default_payload(self) -> str:
        return self.profile.payload if self.profile is not None else "{}"


def where_from(ctx: Context, name: str | None, *, default_api: str = API_PROCESS_SECRET) -> Where:
    """The target of the profile `name`, or of the flags (`default_api` without --api); refuses in
    words what does not go together. Asks no keyring: see `credential`."""
    args = ctx.args
    if name:
        if any(getattr(args, flag, None) for flag in TARGET_FLAGS):
            raise UsageError("Give either a profile NAME or --api/--base-url/--region/--workspace/--process, "
                             "not both.")
        profile = ctx.profiles.get(name)
        _check_credential_flags(ctx, profile.api, profile)
        target = profile.target()
        if getattr(args, "secret_in_query", False):
            target = Target(target.base_url, target.workspace_id, target.process_id, secret_in_query=True)
        return Where(target, profile)
    api = args.api or default_api
    _check_credential_flags(ctx, api, None)
    if api == API_V1:
        if getattr(args, "region", None):
            raise UsageError(f"--region names the per-process secret API's hosts. For --api v1 give --base-url (by "
                             f"default {V1_CLOUD}).")
        if not args.workspace or not args.process:
            raise UsageError("Say which process: a profile NAME, or --api v1 with --workspace and --process (and "
                             f"--base-url unless it is {V1_CLOUD}).")
        base_url = v1_base_url(args.base_url if args.base_url else V1_CLOUD)
        return Where(Target(base_url, args.workspace, args.process, api=API_V1), None)
    if not (args.base_url or args.region) or not args.workspace or not args.process:
        raise UsageError(
            "Say which process: a profile NAME, or --base-url (or --region), --workspace and --process."
        )
    if args.base_url and is_v1_root(args.base_url):
        raise UsageError(f"{args.base_url.strip()} is the address of Control Room API v1, which takes a workspace "
                         "API key: add --api v1.")
    base_url = args.base_url or base_url_for_region(args.region)
    return Where(Target(base_url, args.workspace, args.process, secret_in_query=args.secret_in_query), None)


def _check_credential_flags(ctx: Context, api: str, profile: Profile | None) -> None:
    """The wrong one of --secret-stdin and --api-key-stdin (or --secret-in-query) for the API, refused."""
    args = ctx.args
    named = f"The profile {profile.name!r}" if profile is not None else ""
    if api == API_V1:
        if getattr(args, "secret_stdin", False):
            raise UsageError(
                f"{named} uses its workspace's API key, not a process secret: pipe the key in with --api-key-stdin, "
                "or leave both out to use the stored key." if profile is not None else
                f"--api v1 takes a workspace API key, not a process secret: pipe the key in with --api-key-stdin, or "
                f"set {KEY_ENV}."
            )
        if getattr(args, "secret_in_query", False):
            raise UsageError("A workspace API key travels in a header only: --secret-in-query is for per-process "
                             "secrets.")
    elif args.api_key_stdin:
        raise UsageError(
            f"{named} uses a per-process secret, not a workspace API key: pipe the secret in with --secret-stdin."
            if profile is not None else
            f"--api-key-stdin is for Control Room API v1: add --api v1, or give the process secret with "
            f"--secret-stdin or {SECRET_ENV}."
        )


def credential(ctx: Context, where: Where) -> str:
    """The process secret or workspace API key: from stdin when asked, else the profile's (keyring,
    or its environment variable), else the environment's."""
    args = ctx.args
    if where.target.uses_key:
        if args.api_key_stdin:
            return ctx.key_from_stdin()
        return ctx.secrets.credential_for(where.profile) if where.profile is not None else ctx.key_from_env()
    if getattr(args, "secret_stdin", False):
        return ctx.secret_from_stdin()
    return ctx.secrets.credential_for(where.profile) if where.profile is not None else ctx.secret_from_env()


def reads_stdin(ctx: Context) -> bool:
    """Whether the credential comes from stdin (which then holds nothing else)."""
    return bool(getattr(ctx.args, "secret_stdin", False) or ctx.args.api_key_stdin)
