"""`runs --remote`: the server's list of a process's runs (Control Room API v1), newest first, not the
local history: runs started anywhere, by anyone."""

from __future__ import annotations

import time

from robocloud_desktop.cli.common import EXIT_OK, Context, UsageError
from robocloud_desktop.cli.run_commands import status_json
from robocloud_desktop.cli.targets import credential, where_from
from robocloud_desktop.core.target import API_V1
from robocloud_desktop.core.visible import visible

# Control Room API v1's run states, as its run list filters them.
V1_STATES = ("new", "in_progress", "stopping", "completed", "unresolved")


def remote_runs_command(ctx: Context) -> int:
    args = ctx.args
    if args.profile:
        raise UsageError("--profile picks runs of the local history. For the server's list give the profile to "
                         "--remote: `runs --remote NAME`.")
    state = None
    if args.state is not None:
        state = args.state.strip().casefold()
        if state not in V1_STATES:
            raise UsageError(f"--state with --remote takes one of Control Room's run states ({', '.join(V1_STATES)}), "
                             f"not {visible(args.state)!r}.")
    if not args.remote and not (args.workspace or args.process):
        raise UsageError("Say whose runs to list: --remote NAME (a profile with a workspace API key), or --remote "
                         "with --workspace and --process (and --base-url for a tenant of its own).")
    if args.remote:
        profile = ctx.profiles.get(args.remote)
        if not profile.uses_key:
            raise UsageError(
                f"The server's list of runs needs a workspace API key (Control Room API v1): the profile "
                f"{profile.name!r} uses a per-process secret, whose API lists no runs. Add a profile of the process "
                "with its workspace's key (`robocloud-desktop profile add NAME --api v1 ...`)."
            )
    where = where_from(ctx, args.remote or None, default_api=API_V1)
    target = where.target
    key = credential(ctx, where)
    with ctx.client() as client:
        runs = client.v1.list_runs(target, key, process_id=target.process_id, state=state, limit=args.limit or None)
    if ctx.as_json:
        ctx.print_json([{**status_json(run, API_V1), "processId": run.process_id or target.process_id,
                         "processName": run.process_name} for run in runs])
        return EXIT_OK
    if not runs:
        ctx.print(f"Control Room lists no runs of this process{f' in state {state}' if state else ''}.")
        return EXIT_OK
    for run in runs:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.created_at)) if run.created_at else "-"
        took = f" {run.duration:.0f}s" if run.duration is not None else ""
        who = f", started by {run.started_by}" if run.started_by else ""
        ctx.print(visible(f"{created}  {run.run_id}  {run.label} ({run.state or '-'}){took}{who}"))
    if args.limit and len(runs) == args.limit:
        ctx.print(f"(the newest {args.limit:,}; --limit N shows more, --limit 0 all)")
    return EXIT_OK
