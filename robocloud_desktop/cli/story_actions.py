"""Acting on one run over Control Room API v1: `stop` (or terminate) it, `retry` its failed work
items (and with --wait follow them), `mark-done` its failed work items."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from robocloud_desktop.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TIMEOUT,
    Context,
    Interrupted,
    UsageError,
    positive_seconds,
)
from robocloud_desktop.cli.story_common import RunOf, Subparsers, add_story_parser, key_for, run_of
from robocloud_desktop.core.errors import ActionRefused, NotFound, ProcessApiError
from robocloud_desktop.core.story_results import MARK_AS_DONE, RETRY
from robocloud_desktop.core.target import check_id
from robocloud_desktop.core.visible import visible

if TYPE_CHECKING:
    from robocloud_desktop.core.api import ProcessApiClient
    from robocloud_desktop.core.story_results import WorkItem

MAX_REASON = 1000  # characters of a stop's reason
BATCH = 100  # work items per batch request
_WORDS = {RETRY: ("retry", "retried"), MARK_AS_DONE: ("mark done", "marked done")}


def add_parsers(commands: Subparsers) -> None:
    stop = add_story_parser(commands, "stop", "stop a run: the work item in progress finishes, the rest fail "
                            "(--terminate: end it now)", json_help="print the result as a JSON object")
    stop.add_argument("--terminate", action="store_true",
                      help="end every step run now: the work item in progress fails too")
    stop.add_argument("--mark-done", action="store_true",
                      help="mark the work items not yet processed done, instead of letting them fail")
    stop.add_argument("--reason", metavar="TEXT", default="", help="why, as Control Room keeps it with the run")
    stop.add_argument("--yes", action="store_true",
                      help="do not ask for confirmation (needed when stdin is not a terminal)")
    stop.set_defaults(handler=stop_command)

    retry = add_story_parser(commands, "retry", "retry a run's failed work items (all of them, or those given)",
                             json_help="print the result as a JSON object")
    _add_items_option(retry)
    retry.add_argument("--wait", action="store_true",
                       help="follow the retried items and the run to the end: exit 0 if it completes, 1 if not")
    retry.add_argument("--timeout", type=positive_seconds, metavar="S", help="with --wait: give up after S seconds")
    retry.set_defaults(handler=retry_command)

    mark = add_story_parser(commands, "mark-done", "mark a run's failed work items done, without processing them",
                            json_help="print the result as a JSON object")
    _add_items_option(mark)
    mark.set_defaults(handler=mark_done_command)


def _add_items_option(parser: Any) -> None:
    parser.add_argument("--item", action="append", metavar="ID", dest="items",
                        help="only this failed work item (repeat for more; default: every failed item of the run)")


# -- stop ------------------------------------------------------------------------------------------


def what_stop_does(terminate: bool, mark_done: bool) -> str:
    """What becomes of the run's work items, in words."""
    now = ("every step run ends now and the work item in progress fails" if terminate
           else "the work item in progress finishes first")
    rest = ("the work items not yet processed are marked done without being processed" if mark_done
            else "the work items not yet processed fail and wait in Control Room for a person "
                 "(`retry` or `mark-done` them)")
    return f"{now}; {rest}"


def stop_command(ctx: Context) -> int:
    args = ctx.args
    reason = args.reason.strip()
    if len(reason) > MAX_REASON or not reason.isprintable():
        raise UsageError(f"--reason is text of at most {MAX_REASON:,} characters on one line, without control "
                         "characters.")
    run = run_of(ctx, "stop")
    verb = "Terminate" if args.terminate else "Stop"
    effect = what_stop_does(args.terminate, args.mark_done)
    _confirm(ctx, f"{verb} run {run.run_id}? Then {effect}.")
    key = key_for(ctx, run)
    with ctx.client() as client:
        accepted = client.v1.stop_run(run.target, key, run.run_id, terminate=args.terminate,
                                      mark_done=args.mark_done, reason=reason)
    if not accepted:
        raise ActionRefused(f"Control Room did not accept the {verb.lower()} of run {run.run_id} (\"accepted\": "
                            "false). Look at the run in Control Room.")
    message = (f"Run {run.run_id} is being terminated: {effect}." if args.terminate else
               f"Run {run.run_id} is stopping: {effect}.")
    if ctx.as_json:
        ctx.print_json({"runId": run.run_id, "action": verb.lower(), "accepted": True,
                        "remainingWorkItems": "done" if args.mark_done else "failed", "reason": reason,
                        "message": message})
    else:
        ctx.print(message)
    return EXIT_OK


def _confirm(ctx: Context, question: str) -> None:
    """Ask on the terminal, unless --yes; without a terminal to ask on, --yes is needed."""
    if ctx.args.yes:
        return
    if ctx.args.api_key_stdin or not _is_terminal(ctx.stdin):
        why = "stdin holds the API key" if ctx.args.api_key_stdin else "stdin is not a terminal"
        raise UsageError(f"Nothing was stopped: `stop` asks before it stops a run, and {why}. Give --yes to stop "
                         "it without asking.")
    ctx.err.write(visible(question) + " [y/N] ")
    ctx.err.flush()
    try:
        answer = ctx.stdin.readline(100)
    except KeyboardInterrupt:
        raise Interrupted("Nothing was stopped.") from None
    if answer.strip().casefold() not in ("y", "yes"):
        raise UsageError("Nothing was stopped (not confirmed).")


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# -- retry and mark done ----------------------------------------------------------------------------


def retry_command(ctx: Context) -> int:
    if ctx.args.timeout is not None and not ctx.args.wait:
        raise UsageError("--timeout says how long --wait waits: give --wait too, or leave --timeout out.")
    return _batch_command(ctx, RETRY)


def mark_done_command(ctx: Context) -> int:
    return _batch_command(ctx, MARK_AS_DONE)


def _batch_command(ctx: Context, operation: str) -> int:
    command = "retry" if operation == RETRY else "mark-done"
    verb = _WORDS[operation][0]
    run = run_of(ctx, command)
    asked = list(dict.fromkeys(check_id(item, "work item id") for item in ctx.args.items or ()))
    key = key_for(ctx, run)
    with ctx.client() as client:
        items = client.v1.work_items(run.target, key, run.run_id)
        chosen, skipped = _choose(run, items, asked)
        answer: dict[str, Any] = {"runId": run.run_id, "operation": operation, "workItemIds": [i.id for i in chosen],
                                  "count": len(chosen), "skipped": [{"id": i.id, "state": i.state} for i in skipped]}
        if skipped and not ctx.as_json:
            ctx.warn(visible("Left as they are, not being failed: " + ", ".join(f"{i.id} ({i.label.lower()})"
                                                                                 for i in skipped) + "."))
        if not chosen:
            message = (f"Run {run.run_id} has no failed work items: nothing to {verb}." if not asked else
                       f"None of the work items given has failed: nothing to {verb}.")
            _say(ctx, answer | {"accepted": None, "message": message}, message)
            return EXIT_OK
        before = {item.id: item for item in chosen}
        _send(client, run, key, operation, list(before))
        what = f"{len(chosen):,} failed work item{'' if len(chosen) == 1 else 's'}"
        message = (f"Asked Control Room to retry {what} of run {run.run_id}: they go back into the queue." if
                   operation == RETRY else f"Marked {what} of run {run.run_id} done, without processing.")
        if not (operation == RETRY and ctx.args.wait):
            _say(ctx, answer | {"accepted": True, "message": message}, message)
            return EXIT_OK
        if not ctx.as_json:
            ctx.print(message)
            ctx.out.flush()
        return _follow(ctx, client, run, key, before, answer | {"accepted": True, "message": message})


def _choose(run: RunOf, items: list[WorkItem], asked: list[str]) -> tuple[list[WorkItem], list[WorkItem]]:
    """(the failed items to act on, the items asked for that have not failed)."""
    if not asked:
        return [item for item in items if item.failed], []
    by_id = {item.id: item for item in items}
    unknown = [item_id for item_id in asked if item_id not in by_id]
    if unknown:
        raise NotFound(visible(f"Run {run.run_id} has no work item {unknown[0]} (Control Room lists {len(items):,} "
                               "work items of it). `items` lists their ids."))
    given = [by_id[item_id] for item_id in asked]
    return [item for item in given if item.failed], [item for item in given if not item.failed]


def _send(client: ProcessApiClient, run: RunOf, key: str, operation: str, ids: list[str]) -> None:
    verb, done = _WORDS[operation]
    sent = 0
    for start in range(0, len(ids), BATCH):
        part = ids[start:start + BATCH]
        try:
            accepted = client.v1.work_items_batch(run.target, key, operation, part)
        except ProcessApiError as error:
            if sent:
                error.message += f" ({sent:,} of the {len(ids):,} work items were {done} already.)"
            raise
        if not accepted:
            already = f" ({sent:,} of the {len(ids):,} work items were {done} already.)" if sent else ""
            raise ActionRefused(f"Control Room did not accept to {verb} the work items (\"accepted\": false).{already} "
                                "Look at the run in Control Room.")
        sent += len(part)


def _say(ctx: Context, answer: dict[str, Any], message: str) -> None:
    if ctx.as_json:
        ctx.print_json(answer)
    else:
        ctx.print(message)


# -- retry --wait ------------------------------------------------------------------------------------

# Seconds between looks at the retried items: soon after the retry, then less often.
PACE = (0.5, 0.5, 1.0, 1.0, 2.0)


def _follow(ctx: Context, client: ProcessApiClient, run: RunOf, key: str, before: dict[str, WorkItem],
            answer: dict[str, Any]) -> int:
    """Follow the retried items until each is done or has failed again, then the run until it has
    ended; one line per change. Control Room carries a retry out after accepting it, so an item
    still failed counts only once it has been seen moving (or its state has a new time)."""
    from robocloud_desktop.cli.run_commands import exit_code_for_outcome, status_json
    from robocloud_desktop.core.target import API_V1

    deadline = None if ctx.args.timeout is None else time.monotonic() + ctx.args.timeout
    moved: set[str] = set()
    last = {item_id: item.state for item_id, item in before.items()}
    looks = 0
    try:
        while True:
            _pause(deadline, PACE[min(looks, len(PACE) - 1)])
            looks += 1
            now = {item.id: item for item in client.v1.work_items(run.target, key, run.run_id)}
            for item_id, old in before.items():
                item = now.get(item_id)
                state = item.state if item is not None else "deleted"
                if item is None or state != "failed" or item.state_updated_at != old.state_updated_at:
                    moved.add(item_id)
                if state != last[item_id] and not ctx.as_json:
                    ctx.print(visible(f"{time.strftime('%H:%M:%S')} {item_id}: "
                                      f"{item.label if item is not None else 'deleted'}"))
                    ctx.out.flush()
                last[item_id] = state
            settled = all(item_id in moved and last[item_id] in ("done", "failed", "deleted") for item_id in before)
            if not settled:
                continue
            status = client.v1.get_run(run.target, key, run.run_id)
            # Every item done but the run still unresolved: Control Room has yet to see it; look again.
            if status.outcome.is_ended and not (status.state == "unresolved" and not any(
                    item.failed for item in now.values())):
                break
    except _TimedOut:
        ctx.warn(f"Timed out after {ctx.args.timeout:g} s; the retried work items carry on in Control Room. "
                 f"`items ... {run.run_id}` shows where they stand.")
        if ctx.as_json:
            ctx.print_json(answer | {"items": [{"id": i, "state": s} for i, s in last.items()], "timedOut": True})
        return EXIT_TIMEOUT
    except KeyboardInterrupt:
        raise Interrupted("Stopped waiting; the retried work items carry on in Control Room.",
                          EXIT_INTERRUPTED) from None
    failed_again = [item_id for item_id, state in last.items() if state == "failed"]
    if ctx.as_json:
        ctx.print_json(answer | {"items": [{"id": i, "state": s} for i, s in last.items()], "timedOut": False,
                                 "run": status_json(status, API_V1)})
    else:
        ctx.print(f"Run {run.run_id}: {status.label} ({status.state})")
    if failed_again:
        ctx.warn(f"{len(failed_again):,} of the retried work items failed again: `items --failed ... {run.run_id}` "
                 "says why.")
    return exit_code_for_outcome(status.outcome)


class _TimedOut(Exception):
    pass


def _pause(deadline: float | None, seconds: float) -> None:
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _TimedOut
        seconds = min(seconds, left)
    time.sleep(seconds)
