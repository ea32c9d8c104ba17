"""`trigger` and `status`: by profile name, or with the target spelled out in flags, for either API."""

from __future__ import annotations

import argparse
import time
from typing import Any

from robocloud_desktop.cli.common import (
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_RUN_FAILED,
    Context,
    Interrupted,
    UsageError,
    add_config_dir,
    add_request_timeout,
    interrupts_deferred,
    positive_seconds,
)
from robocloud_desktop.cli.following import wait_for_run
from robocloud_desktop.cli.inputs import read_file_text, read_stream_text
from robocloud_desktop.cli.targets import Where, add_where_options, credential, reads_stdin, where_from
from robocloud_desktop.core.api_results import RunStatus, TriggeredRun
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.payload import parse_payload
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.core.target import API_PROCESS_SECRET, API_V1
from robocloud_desktop.core.visible import visible


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="a saved profile (see `profile list`)")
    add_where_options(parser)
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    add_request_timeout(parser)
    add_config_dir(parser)


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    trigger = commands.add_parser("trigger", help="start a run of a process")
    _add_target_options(trigger)
    trigger.add_argument(
        "--payload", metavar="JSON|@FILE|-",
        help="work-item payload: a JSON object (for API v1 also an array: one work item each), @file to read it "
        "from a file, - for stdin (default: the profile's saved payload, or {})",
    )
    trigger.add_argument("--wait", action="store_true",
                         help="follow the run to its end: exit 0 if it succeeded, 1 if not, 5 on timeout")
    trigger.add_argument("--timeout", type=positive_seconds, metavar="S", help="with --wait: give up after S seconds")
    trigger.set_defaults(handler=trigger_command)

    status = commands.add_parser("status", help="show the state and result of a run")
    _add_target_options(status)
    status.add_argument("run_id", metavar="RUN_ID")
    status.set_defaults(handler=status_command)


# Generous above Control Room's 100 KB, which counts the compact JSON: a file may be indented. Past
# it, nothing could be sent anyway, and a device such as /dev/zero is never read to its end.
MAX_PAYLOAD_TEXT = 1024 * 1024


def payload_text(spec: str, ctx: Context) -> str:
    if spec == "-":
        text = read_stream_text(ctx.stdin, what="the payload on stdin", limit=MAX_PAYLOAD_TEXT)
        where = "stdin held no payload"
    elif spec.startswith("@"):
        text = read_file_text(spec[1:], what="the payload file", limit=MAX_PAYLOAD_TEXT)
        where = f"the payload file {spec[1:]!r} is empty"
    else:
        text, where = spec, "--payload is empty"
    if not text.strip():
        # An empty file or an unset variable is a mistake more often than a wish for an empty work item.
        raise UsageError(f"Nothing to send: {where}. Give a JSON object; {{}} sends an empty work item.")
    return text


def status_json(status: RunStatus, api: str = API_PROCESS_SECRET) -> dict[str, Any]:
    """The run as `status --json` prints it; the v1 fields are "" or null for the per-process API."""
    return {
        "runId": status.run_id, "state": status.state, "result": status.result,
        "errorCode": status.error_code, "duration": status.duration,
        "outcome": status.outcome.value, "ended": status.outcome.is_ended, "api": api,
        "startedBy": status.started_by, "startedByType": status.started_by_type,
        "createdAt": status.created_at, "startedAt": status.started_at, "endedAt": status.ended_at,
    }


def exit_code_for_outcome(outcome: Outcome) -> int:
    """0 unless the run has ended without succeeding (failed, needs attention, unknown result);
    a run Control Room no longer knows is 3, as for any id it does not know."""
    if outcome is Outcome.GONE:
        return EXIT_REJECTED
    return EXIT_RUN_FAILED if outcome.is_ended and outcome is not Outcome.SUCCEEDED else EXIT_OK


def local_times(status: RunStatus) -> str:
    """Control Room's times of a run in local time, the date once: "created 2026-03-04 12:00:01,
    started 12:00:02, not ended yet"."""
    parts: list[str] = []
    day = ""
    for word, moment in (("created", status.created_at), ("started", status.started_at),
                         ("ended", status.ended_at)):
        if moment is None:
            if word == "ended":
                parts.append("not ended yet" if not status.outcome.is_ended else "end time not given")
            elif word == "started":
                parts.append("not started yet" if status.created_at is not None else "start time not given")
            continue
        local = time.localtime(moment)
        shown = time.strftime("%H:%M:%S", local) if time.strftime("%Y-%m-%d", local) == day else \
            time.strftime("%Y-%m-%d %H:%M:%S", local)
        day = time.strftime("%Y-%m-%d", local)
        parts.append(f"{word} {shown}")
    return ", ".join(parts) + " (local time)"


def print_status(ctx: Context, status: RunStatus, api: str = API_PROCESS_SECRET) -> None:
    if ctx.as_json:
        ctx.print_json(status_json(status, api))
        return
    ctx.print(f"Run {status.run_id}: {status.label}")
    if api == API_V1:
        ctx.print(visible(f"  state {status.state or '-'}, started by {status.started_by or '(not said)'}"))
        if status.process_name:
            ctx.print(visible(f"  process {status.process_name}"))
        ctx.print(f"  {local_times(status)}")
    else:
        ctx.print(f"  state {status.state or '-'}, result {status.result or '-'}")
    if status.error_code:
        ctx.print(f"  error code {status.error_code}")
    if status.duration is not None:
        ctx.print(f"  duration {status.duration:.0f} s")


def trigger_command(ctx: Context) -> int:
    args = ctx.args
    if args.payload == "-" and reads_stdin(ctx):
        what = "key" if args.api_key_stdin else "secret"
        raise UsageError(f"Both the payload and the {what} cannot come from stdin. Use --payload @FILE.")
    if args.timeout is not None and not args.wait:
        raise UsageError("--timeout says how long --wait waits: give --wait too, or leave --timeout out.")
    try:
        # The payload is checked before the secret is looked up: a typo costs no keyring prompt.
        text = payload_text(args.payload, ctx) if args.payload is not None else None
        if text is not None:
            parse_payload(text, allow_array=True)  # what is wrong with the text itself is said first
        where = where_from(ctx, args.name)
        # An array is one work item per element: Control Room API v1 takes it, the per-process API does not.
        payload = parse_payload(where.default_payload if text is None else text, allow_array=where.target.uses_key)
        secret = credential(ctx, where)
        # Opened before anything is sent: what is wrong with it is said now, and a run that started
        # is never lost to a history that fails to open after the fact.
        ctx.history  # noqa: B018
        client = ctx.client()
    except KeyboardInterrupt:
        raise Interrupted("Interrupted before anything was sent: no run was started.") from None
    with client:
        try:
            run = client.trigger(where.target, secret, payload)
        except KeyboardInterrupt:
            raise Interrupted(
                "Interrupted while the trigger was being sent: the run may or may not have started. "
                "Check Control Room before triggering again.", EXIT_NETWORK,
            ) from None
        if not run.started:
            return _none_started(ctx, run, payload)
        # The run has started: Ctrl+C now waits until it is on record and its id is printed, and then
        # ends a wait by saying what became of the run.
        with interrupts_deferred() as interruption:
            record, warning = _remember(ctx, run, where, payload)
            if ctx.as_json and not args.wait:
                answer = {"started": True, "runId": run.run_id, "workItemId": run.work_item_id,
                          "workspaceId": run.workspace_id, "processId": run.process_id, "api": where.target.api}
                ctx.print_json({**answer, "warning": warning} if warning else answer)
            elif not ctx.as_json:
                ctx.print(f"Run started: {run.run_id}")
                if where.target.uses_key:  # v1 names no work item: say how many went
                    ctx.print(f"  {_items(payload)}")
                else:
                    ctx.print(f"  work item {run.work_item_id or '-'}")
            if warning:
                ctx.warn(warning)
            ctx.out.flush()
            if not args.wait:
                return EXIT_OK
            return wait_for_run(ctx, client, record, secret, args.timeout, interruption)


def _items(payload: dict[str, Any] | list[Any]) -> str:
    count = len(payload) if isinstance(payload, list) else 1
    return "1 work item" if count == 1 else f"{count:,} work items"


def _none_started(ctx: Context, run: TriggeredRun, payload: dict[str, Any] | list[Any]) -> int:
    """Control Room API v1 answered {"started": false}: no run, and not an error (exit 0)."""
    message = (f"No run was started: Control Room answered that it started none for the {_items(payload)} sent "
               "(\"started\": false), and gave no run id. Look at the process in Control Room before triggering "
               "again.")
    if ctx.args.wait:
        message += " --wait has nothing to wait for."
    if ctx.as_json:
        ctx.print_json({"started": False, "runId": None, "workspaceId": run.workspace_id,
                        "processId": run.process_id, "api": API_V1, "message": message})
    else:
        ctx.print(message)
    return EXIT_OK


def _remember(ctx: Context, run: TriggeredRun, where: Where, payload: dict[str, Any] | list[Any]
              ) -> tuple[RunRecord, str]:
    profile = where.profile
    return ctx.history.remember_trigger(run, where.target, payload, profile_id=profile.id if profile else "",
                                        profile_name=profile.name if profile else "")


def status_command(ctx: Context) -> int:
    where = where_from(ctx, ctx.args.name)
    target = where.target
    # An id that is not one is refused before the secret is used.
    if target.uses_key:
        target.v1_run_url(ctx.args.run_id)
    else:
        target.run_url(ctx.args.run_id)
    secret = credential(ctx, where)
    with ctx.client() as client:
        status = client.get_run(target, secret, ctx.args.run_id)
    print_status(ctx, status, target.api)
    return exit_code_for_outcome(status.outcome)
