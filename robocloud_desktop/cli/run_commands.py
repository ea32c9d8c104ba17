"""`trigger` and `status`: by profile name, or with the target spelled out in flags."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
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
from robocloud_desktop.core.api_results import RunStatus, TriggeredRun
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.payload import parse_payload
from robocloud_desktop.core.profiles import Profile
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.core.regions import REGIONS, base_url_for_region
from robocloud_desktop.core.target import Target


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="a saved profile (see `profile list`)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--base-url", help="Control Room API base URL, e.g. https://api.eu1.robocloud.eu")
    where.add_argument("--region", choices=sorted(REGIONS), help="a known Control Room region")
    parser.add_argument("--workspace", metavar="WS", help="workspace id")
    parser.add_argument("--process", metavar="PID", help="process id")
    parser.add_argument(
        "--secret-in-query", action="store_true",
        help="send the secret in the URL instead of a header (only if the target needs it: URLs get logged)",
    )
    parser.add_argument(
        "--secret-stdin", action="store_true",
        help="read the process secret from the first line of stdin "
        "(default: the profile's keyring entry, or $ROBOCLOUD_PROCESS_SECRET without a profile)",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    add_request_timeout(parser)
    add_config_dir(parser)


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    trigger = commands.add_parser("trigger", help="start a run of a process")
    _add_target_options(trigger)
    trigger.add_argument(
        "--payload", metavar="JSON|@FILE|-",
        help="work-item payload: a JSON object, @file to read it from a file, - for stdin "
        "(default: the profile's saved payload, or {})",
    )
    trigger.add_argument("--wait", action="store_true",
                         help="follow the run to its end: exit 0 if it succeeded, 1 if not, 5 on timeout")
    trigger.add_argument("--timeout", type=positive_seconds, metavar="S", help="with --wait: give up after S seconds")
    trigger.set_defaults(handler=trigger_command)

    status = commands.add_parser("status", help="show the state and result of a run")
    _add_target_options(status)
    status.add_argument("run_id", metavar="RUN_ID")
    status.set_defaults(handler=status_command)


@dataclass(frozen=True)
class Resolved:
    target: Target
    secret: str = field(repr=False)
    payload: str
    profile: Profile | None


def resolve(ctx: Context) -> Resolved:
    """The target, the secret and the default payload text, from a profile or from flags."""
    args = ctx.args
    flags = [f for f in ("base_url", "region", "workspace", "process") if getattr(args, f)]
    if args.name:
        if flags:
            raise UsageError(
                "Give either a profile NAME or --base-url/--region/--workspace/--process, not both."
            )
        profile = ctx.profiles.get(args.name)
        target = profile.target()
        if args.secret_in_query:
            target = Target(target.base_url, target.workspace_id, target.process_id, secret_in_query=True)
        secret = ctx.secret_from_stdin() if args.secret_stdin else ctx.secrets.get(profile.id, profile.name)
        return Resolved(target, secret, profile.payload, profile)
    if not (args.base_url or args.region) or not args.workspace or not args.process:
        raise UsageError(
            "Say which process: a profile NAME, or --base-url (or --region), --workspace and --process."
        )
    base_url = args.base_url or base_url_for_region(args.region)
    target = Target(base_url, args.workspace, args.process, secret_in_query=args.secret_in_query)
    secret = ctx.secret_from_stdin() if args.secret_stdin else ctx.secret_from_env()
    return Resolved(target, secret, "{}", None)


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


def status_json(status: RunStatus) -> dict[str, Any]:
    return {
        "runId": status.run_id, "state": status.state, "result": status.result,
        "errorCode": status.error_code, "duration": status.duration,
        "outcome": status.outcome.value, "ended": status.outcome.is_ended,
    }


def exit_code_for_outcome(outcome: Outcome) -> int:
    """0 unless the run has ended without succeeding (failed, needs attention, unknown result);
    a run Control Room no longer knows is 3, as for any id it does not know."""
    if outcome is Outcome.GONE:
        return EXIT_REJECTED
    return EXIT_RUN_FAILED if outcome.is_ended and outcome is not Outcome.SUCCEEDED else EXIT_OK


def print_status(ctx: Context, status: RunStatus) -> None:
    if ctx.as_json:
        ctx.print_json(status_json(status))
        return
    ctx.print(f"Run {status.run_id}: {status.label}")
    ctx.print(f"  state {status.state or '-'}, result {status.result or '-'}")
    if status.error_code:
        ctx.print(f"  error code {status.error_code}")
    if status.duration is not None:
        ctx.print(f"  duration {status.duration:.0f} s")


def trigger_command(ctx: Context) -> int:
    args = ctx.args
    if args.payload == "-" and args.secret_stdin:
        raise UsageError("Both the payload and the secret cannot come from stdin. Use --payload @FILE.")
    if args.timeout is not None and not args.wait:
        raise UsageError("--timeout says how long --wait waits: give --wait too, or leave --timeout out.")
    try:
        # The payload is checked before the secret is looked up: a typo costs no keyring prompt.
        if args.payload is not None:
            payload = parse_payload(payload_text(args.payload, ctx))
        resolved = resolve(ctx)
        if args.payload is None:
            payload = parse_payload(resolved.payload)
        # Opened before anything is sent: what is wrong with it is said now, and a run that started
        # is never lost to a history that fails to open after the fact.
        ctx.history  # noqa: B018
        client = ctx.client()
    except KeyboardInterrupt:
        raise Interrupted("Interrupted before anything was sent: no run was started.") from None
    with client:
        try:
            run = client.trigger(resolved.target, resolved.secret, payload)
        except KeyboardInterrupt:
            raise Interrupted(
                "Interrupted while the trigger was being sent: the run may or may not have started. "
                "Check Control Room before triggering again.", EXIT_NETWORK,
            ) from None
        # The run has started: Ctrl+C now waits until it is on record and its id is printed, and then
        # ends a wait by saying what became of the run.
        with interrupts_deferred() as interruption:
            record, warning = _remember(ctx, run, resolved, payload)
            if ctx.as_json and not args.wait:
                answer = {"runId": run.run_id, "workItemId": run.work_item_id,
                          "workspaceId": run.workspace_id, "processId": run.process_id}
                ctx.print_json({**answer, "warning": warning} if warning else answer)
            elif not ctx.as_json:
                ctx.print(f"Run started: {run.run_id}")
                ctx.print(f"  work item {run.work_item_id or '-'}")
            if warning:
                ctx.warn(warning)
            ctx.out.flush()
            if not args.wait:
                return EXIT_OK
            return wait_for_run(ctx, client, record, resolved.secret, args.timeout, interruption)


def _remember(ctx: Context, run: TriggeredRun, resolved: Resolved, payload: dict[str, Any]) -> tuple[RunRecord, str]:
    profile = resolved.profile
    return ctx.history.remember_trigger(run, resolved.target, payload, profile_id=profile.id if profile else "",
                                        profile_name=profile.name if profile else "")


def status_command(ctx: Context) -> int:
    resolved = resolve(ctx)
    resolved.target.run_url(ctx.args.run_id)  # an id that is not one is refused before the secret is used
    with ctx.client() as client:
        status = client.get_run(resolved.target, resolved.secret, ctx.args.run_id)
    print_status(ctx, status)
    return exit_code_for_outcome(status.outcome)
