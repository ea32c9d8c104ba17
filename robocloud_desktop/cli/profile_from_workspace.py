"""`profile add-from-workspace`: list a workspace's processes by name and add a profile for each one chosen."""

from __future__ import annotations

import os
from typing import Any

from robocloud_desktop.cli.common import EXIT_OK, Context, UsageError
from robocloud_desktop.core.errors import InvalidTarget
from robocloud_desktop.core.secrets import PLAIN_KEY_ENV, SecretState
from robocloud_desktop.core.target import check_id
from robocloud_desktop.core.visible import visible
from robocloud_desktop.core.workspace_profiles import list_processes, plan_profiles
from robocloud_desktop.core.workspaces import v1_base_url

# Named in a message listing the processes of a workspace; past that, "and N more".
LISTED = 12


def add_from_workspace(ctx: Context) -> int:
    args = ctx.args
    try:
        base_url = v1_base_url(args.base_url)
        workspace_id = check_id(args.workspace, "workspace id")
    except InvalidTarget as error:
        raise UsageError(error.message) from None
    store = ctx.profiles
    store.check_readable()
    key, stored_key = _key(ctx, base_url, workspace_id)
    processes = list_processes(base_url, workspace_id, key, request_timeout=args.request_timeout)
    chosen = processes
    if args.process:
        wanted = list(dict.fromkeys(p.strip() for p in args.process))
        by_id = {p.id: p for p in processes}
        missing = [pid for pid in wanted if pid not in by_id]
        if missing:
            raise UsageError(f"The workspace {workspace_id} has no process {visible(missing[0])!r}. "
                             f"{_its_processes(processes)}")
        chosen = [by_id[pid] for pid in wanted]

    plan = plan_profiles(store.profiles(), base_url, workspace_id, chosen, follow_others=args.follow_others)
    added = store.add_of_workspace(plan.new, key if stored_key else None)
    names = {p.process_id: p.name for p in added} | {proc.id: p.name for proc, p in plan.existing}

    if ctx.as_json:
        ctx.print_json({
            "workspaceId": workspace_id, "baseUrl": base_url,
            "processes": [{"id": p.id, "name": p.name, "profile": names.get(p.id)} for p in processes],
            "added": [{"name": p.name, "processId": p.process_id} for p in added],
            "existing": [{"name": p.name, "processId": proc.id} for proc, p in plan.existing],
            "keyStored": stored_key and bool(added),
        })
        return EXIT_OK
    _print_processes(ctx, workspace_id, processes, {p.process_id for p in added}, names)
    _print_outcome(ctx, base_url, workspace_id, added, plan.existing, stored_key)
    return EXIT_OK


def _key(ctx: Context, base_url: str, workspace_id: str) -> tuple[str, bool]:
    """The key to list the processes with, and whether the profiles are to keep it (it came on stdin)."""
    if ctx.args.api_key_stdin:
        return ctx.key_from_stdin(), True
    plain = os.environ.get(PLAIN_KEY_ENV, "").strip()
    if plain:
        if not all("!" <= ch <= "~" for ch in plain):
            raise UsageError(f"{PLAIN_KEY_ENV} contains spaces, control characters or characters outside ASCII, "
                             "which a Control Room API key cannot have. Copy it from Control Room again.")
        return plain, False
    stored = ctx.secrets.stored_key(base_url, workspace_id)
    if stored:
        return stored, False
    raise UsageError(f"No API key for the workspace {workspace_id}. Pipe it in with --api-key-stdin (it is then "
                     f"stored for the profiles), or set {PLAIN_KEY_ENV}.")


def _its_processes(processes: list[Any]) -> str:
    if not processes:
        return "It has no processes."
    shown = ", ".join(f"{visible(p.name)} ({visible(p.id)})" for p in processes[:LISTED])
    more = f", and {len(processes) - LISTED} more" if len(processes) > LISTED else ""
    return f"Its processes: {shown}{more}."


def _print_processes(ctx: Context, workspace_id: str, processes: list[Any], new: set[str],
                     names: dict[str, str]) -> None:
    if not processes:
        ctx.print(f"The workspace {workspace_id} has no processes; no profile was added.")
        return
    count = "1 process" if len(processes) == 1 else f"{len(processes)} processes"
    ctx.print(f"The workspace {workspace_id} has {count}:")
    width = min(max(len(visible(p.name)) for p in processes), 40)
    for process in processes:
        if process.id in new:
            note = f"added as {names[process.id]!r}"
        elif process.id in names:
            note = f"already the profile {names[process.id]!r}"
        else:
            note = ""
        ctx.print(f"  {visible(process.name):<{width}}  {visible(process.id)}" + (f"  ({note})" if note else ""))


def _print_outcome(ctx: Context, base_url: str, workspace_id: str, added: list[Any], existing: list[Any],
                   stored_key: bool) -> None:
    if not added:
        if existing:
            ctx.print("No profile was added: every process chosen has one already.")
        return
    ctx.print(f"Added {'1 profile' if len(added) == 1 else f'{len(added)} profiles'}.")
    sharing = len(ctx.profiles.profiles_of_workspace(base_url, workspace_id))
    users = "its profile" if sharing == 1 else f"the {sharing} profiles of this workspace"
    if stored_key:
        ctx.print(f"The API key is stored in {ctx.secrets.backend_name()}, shared by {users}.")
        return
    if ctx.secrets.key_state(base_url, workspace_id) is SecretState.STORED:
        ctx.print(f"They use the API key stored for the workspace, shared by {users}.")
    else:
        ctx.print(f"The key from {PLAIN_KEY_ENV} listed the processes but is not stored: store it with "
                  f"`robocloud-desktop profile set-secret {_shell(added[0].name)} --api-key-stdin` (once for the "
                  "workspace), or set ROBOCLOUD_API_KEY_<NAME> for each profile.")


def _shell(name: str) -> str:
    import shlex

    return shlex.quote(name)

