"""`runs` lists the run history (or, with --remote, the server's runs of a process); `watch` follows
unfinished runs to their end, and shows runs of API v1 processes started elsewhere."""

from __future__ import annotations

import argparse
import time

from robocloud_desktop.cli.common import EXIT_OK, EXIT_USAGE, Context, UsageError, add_config_dir, add_request_timeout
from robocloud_desktop.cli.following import record_json, watch
from robocloud_desktop.cli.targets import add_where_options
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.core.visible import visible

# The options that say where the server's list is: they go with --remote only.
_REMOTE_ONLY = ("api", "base_url", "workspace", "process", "api_key_stdin", "request_timeout")


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    runs = commands.add_parser("runs", help="list runs in the history (newest first), or with --remote the server's")
    runs.add_argument("--profile", metavar="NAME", help="only runs of this profile")
    runs.add_argument("--remote", nargs="?", const="", metavar="NAME",
                      help="list Control Room's runs of this API v1 profile's process (or of the --api v1 flags), "
                      "wherever they were started")
    runs.add_argument("--state", metavar="S",
                      help="only runs in this state: a raw code (COMPL, IP, ...) or a word (failed, running, ...); "
                      "with --remote: new, in_progress, stopping, completed or unresolved")
    runs.add_argument("--limit", type=_count, default=20, metavar="N", help="at most N runs (default 20; 0 = all)")
    runs.add_argument("--json", action="store_true", help="print machine-readable JSON")
    add_where_options(runs, per_process=False)
    add_request_timeout(runs)
    add_config_dir(runs)
    runs.set_defaults(handler=runs_command)

    watcher = commands.add_parser(
        "watch", help="follow every unfinished run until all have ended; with API v1 profiles that follow others, "
        "also show their runs started elsewhere, until Ctrl+C")
    watcher.add_argument("--until-ended", action="store_true",
                         help="end once every unfinished run has ended, without looking for runs started elsewhere")
    add_request_timeout(watcher)
    add_config_dir(watcher)
    watcher.set_defaults(handler=watch)


def _count(text: str) -> int:
    """argparse type: a whole number, 0 or more."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of runs (0 for all)")
    return int(text)


def _state_matches(record: RunRecord, wanted: str) -> bool:
    word = wanted.strip().casefold()
    return word in (record.state.casefold(), record.outcome.value.casefold(),
                    record.label.casefold())


def runs_command(ctx: Context) -> int:
    args = ctx.args
    if args.remote is not None:
        from robocloud_desktop.cli.remote_runs import remote_runs_command  # the HTTP stack loads with it

        return remote_runs_command(ctx)
    given = [name for name in _REMOTE_ONLY if getattr(args, name, None)]
    if given:
        flag = "--" + given[0].replace("_", "-")
        raise UsageError(f"{flag} says where the server's list of runs is: give --remote too, or leave it out for "
                         "the local history.")
    profile_id = ctx.profiles.get(args.profile).id if args.profile else None
    where = (lambda r: _state_matches(r, args.state)) if args.state else None
    if not ctx.history.readable:
        return EXIT_USAGE  # why was said as the history opened
    rows = ctx.history.recent(limit=args.limit, profile_id=profile_id, where=where)
    if ctx.as_json:
        ctx.print_json([record_json(r) for r in rows])
        return EXIT_OK
    if not rows:
        ctx.print("No runs match." if (args.profile or args.state) else "No runs yet.")
        return EXIT_OK
    for r in rows:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.triggered_at))
        label = r.label
        extra = f" {r.error_code}" if r.error_code else ""
        took = f" {r.duration:.0f}s" if r.duration is not None else ""
        # Runs started here say nothing; runs found on the server say who or what started them.
        who = f", started by {r.started_by}" if r.started_by else ""
        ctx.print(visible(f"{started}  {r.profile_name or '-':<16} {r.run_id}  {label}{extra}{took}{who}"))
    return EXIT_OK
