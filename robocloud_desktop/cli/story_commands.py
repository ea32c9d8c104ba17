"""Reading one run's story over Control Room API v1: `steps` (its step runs), `items` (its work
items and why they failed) and `logs` (the console of its steps, streamed page by page).
`artifacts` is in story_artifacts.py; acting on a run (stop, retry, mark done) in story_actions.py."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from robocloud_desktop.cli.common import EXIT_OK, Context, UsageError
from robocloud_desktop.cli.story_common import (
    Clock,
    Subparsers,
    add_story_parser,
    key_for,
    run_of,
    seconds,
    shown_json,
    step_json,
)
from robocloud_desktop.core.errors import NotFound, UnexpectedAnswer
from robocloud_desktop.core.target import check_id
from robocloud_desktop.core.visible import visible

if TYPE_CHECKING:
    from robocloud_desktop.core.story_results import StepRun, WorkItem

# A console that still says "more" after this many pages is a server paging in circles.
MAX_CONSOLE_PAGES = 100_000


def add_parsers(commands: Subparsers) -> None:
    steps = add_story_parser(commands, "steps", "list a run's step runs: state, duration, error code",
                             json_help="print the step runs as a JSON array")
    steps.set_defaults(handler=steps_command)

    items = add_story_parser(commands, "items", "list a run's work items, failed ones first, with why they failed",
                             json_help="print the work items as a JSON array")
    items.add_argument("--failed", action="store_true", help="only the failed work items")
    items.add_argument("--payload", metavar="ITEM", help="print the payload of this work item of the run (JSON)")
    items.set_defaults(handler=items_command)

    logs = add_story_parser(commands, "logs", "print the console output of a run's steps, oldest line first")
    logs.add_argument("--step", metavar="S", help="only this step: its number (1 is the first), name or step run id")
    logs.set_defaults(handler=logs_command)


# -- steps ----------------------------------------------------------------------------------------


def steps_command(ctx: Context) -> int:
    run = run_of(ctx, "steps")
    key = key_for(ctx, run)
    with ctx.client() as client:
        steps = client.v1.step_runs(run.target, key, run.run_id)
    if ctx.as_json:
        ctx.print_json([step_json(number, step) for number, step in enumerate(steps, start=1)])
        return EXIT_OK
    if not steps:
        ctx.print(f"Control Room lists no step runs of run {run.run_id} yet.")
        return EXIT_OK
    name_width = min(30, max(len(step.name) for step in steps))
    label_width = max(len(_state(step)) for step in steps)
    for number, step in enumerate(steps, start=1):
        mark = "!" if step.failed else " "
        line = f"{mark} {number:>2}  {step.name:<{name_width}}  {_state(step):<{label_width}}  {seconds(step.duration)}"
        if step.error_code:
            line += f"  error {step.error_code}"
        ctx.print(visible(line.rstrip()))
    failed = sum(step.failed for step in steps)
    ctx.print(f"{_count(len(steps), 'step run')}" + (f", {failed} failed (marked !)." if failed else "."))
    return EXIT_OK


def _state(step: StepRun) -> str:
    return f"{step.label} ({step.state})" if step.state and step.state != step.label.casefold() else step.label


def _count(number: int, what: str) -> str:
    return f"{number:,} {what}" + ("" if number == 1 else "s")


# -- work items -------------------------------------------------------------------------------------


def item_json(item: WorkItem) -> dict[str, Any]:
    exception = item.exception
    answer: dict[str, Any] = {
        "id": item.id, "state": item.state, "label": item.label, "failed": item.failed,
        "exception": None if exception is None else {"type": exception.type, "code": exception.code,
                                                     "message": exception.message},
        "createdAt": item.created_at, "stateUpdatedAt": item.state_updated_at, "stepRunId": item.step_run_id,
        "files": [{"id": f.id, "name": f.name, "size": f.size} for f in item.files],
    }
    if item.has_payload:
        answer["payload"] = item.payload
    return answer


def items_command(ctx: Context) -> int:
    args = ctx.args
    if args.payload is not None and args.failed:
        raise UsageError("--payload shows one work item; --failed filters the list. Give one of them.")
    run = run_of(ctx, "items")
    item_id = check_id(args.payload, "work item id") if args.payload is not None else None
    key = key_for(ctx, run)
    with ctx.client() as client:
        items = client.v1.work_items(run.target, key, run.run_id, state="failed" if args.failed else None)
        if item_id is not None:
            if item_id not in {item.id for item in items}:
                raise NotFound(f"Run {run.run_id} has no work item {visible(item_id)} (Control Room lists "
                               f"{_count(len(items), 'work item')} of it). `items` lists their ids.")
            return _print_payload(ctx, client.v1.work_item(run.target, key, item_id))
    items.sort(key=lambda item: not item.failed)  # failed first; otherwise Control Room's order
    if ctx.as_json:
        ctx.print_json([item_json(item) for item in items])
        return EXIT_OK
    if not items:
        ctx.print(f"Run {run.run_id} has no failed work items." if args.failed
                  else f"Control Room lists no work items of run {run.run_id}.")
        return EXIT_OK
    label_width = max(len(item.label) for item in items)
    for item in items:
        line = f"{'!' if item.failed else ' '} {item.id}  {item.label:<{label_width}}"
        if item.exception is not None:
            line += f"  {item.exception}"
        if item.files:
            line += f"  ({_count(len(item.files), 'file')})"
        ctx.print(visible(line.rstrip()))
    ctx.print(_summary(items, args.failed))
    return EXIT_OK


def _summary(items: list[WorkItem], only_failed: bool) -> str:
    if only_failed:
        text = f"{_count(len(items), 'failed work item')}."
    else:
        counts: dict[str, int] = {}
        for item in items:
            counts[item.label.casefold()] = counts.get(item.label.casefold(), 0) + 1
        text = f"{_count(len(items), 'work item')}: " + ", ".join(f"{n:,} {label}" for label, n in counts.items()) + "."
    if any(item.failed for item in items):
        text += " Failed items wait for a person: `retry` or `mark-done` them."
    return text


def _print_payload(ctx: Context, item: WorkItem) -> int:
    if ctx.as_json:
        ctx.print(shown_json(item_json(item)))
    else:
        ctx.print(shown_json(item.payload, indent=2))
    return EXIT_OK


# -- console output --------------------------------------------------------------------------------


def logs_command(ctx: Context) -> int:
    run = run_of(ctx, "logs")
    key = key_for(ctx, run)
    with ctx.client() as client, _quiet_on_closed_pipe(ctx):
        steps = client.v1.step_runs(run.target, key, run.run_id)
        if not steps:
            ctx.print(f"Control Room lists no step runs of run {run.run_id} yet, so no console output.")
            return EXIT_OK
        chosen = pick_steps(steps, ctx.args.step)
        clock = Clock()
        for number, step in chosen:
            if len(chosen) > 1:
                ctx.print(visible(f"=== Step {number} of {len(steps)}: {step.name} ({step.label}) ==="))
            lines = 0
            for messages in _console_pages(client, run.target, key, step.id):
                # Written page by page: a console of ten thousand lines shows as it comes.
                for message in messages:
                    ctx.print(f"{clock(message.timestamp)}  {message.message}")
                lines += len(messages)
                ctx.out.flush()
            if not lines:
                ctx.print("(no console output)" if step.state not in ("new", "awaiting_worker")
                          else "(no console output: the step has not started)")
    return EXIT_OK


def pick_steps(steps: list[StepRun], spec: str | None) -> list[tuple[int, StepRun]]:
    """Every step run numbered from 1, or the one `spec` names: by number, step run id or name
    (case does not matter)."""
    numbered = list(enumerate(steps, start=1))
    if spec is None:
        return numbered
    wanted = spec.strip()
    if wanted.isascii() and wanted.isdigit():
        chosen = [(n, step) for n, step in numbered if n == int(wanted)]
    else:
        chosen = [(n, step) for n, step in numbered if step.id == wanted] or \
            [(n, step) for n, step in numbered if step.name.casefold() == wanted.casefold()]
    if not chosen:
        listed = ", ".join(f"{n} {step.name}" for n, step in numbered)
        raise UsageError(visible(f"The run has no step {wanted!r}. Its steps: {listed}."))
    return chosen[:1]


def _console_pages(client: Any, target: Any, key: str, step_run_id: str) -> Iterator[list[Any]]:
    """The step run's console messages, a page at a time, following `next` to the end."""
    seen: set[str] = set()
    url: str | None = None
    for _ in range(MAX_CONSOLE_PAGES):
        page = client.v1.console_page(target, key, step_run_id, url=url)
        yield page.items
        if page.next_url is None:
            return
        if page.next_url in seen:
            raise UnexpectedAnswer(f"{target.host} sent the same next page twice while listing console messages; "
                                   "the output stops there. Try again later.")
        seen.add(page.next_url)
        url = page.next_url
    raise UnexpectedAnswer(f"{target.host} still had more console messages after {MAX_CONSOLE_PAGES:,} pages; the "
                           "output stops there.")


@contextmanager
def _quiet_on_closed_pipe(ctx: Context) -> Iterator[None]:
    """`logs ... | head`: once the reader has gone, stop quietly rather than with a traceback."""
    try:
        yield
    except BrokenPipeError:
        if ctx.out is sys.stdout:
            # Python flushes stdout again on the way out; point it at nothing so that flush is quiet.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
