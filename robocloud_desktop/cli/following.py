"""Following runs on the command line: `trigger --wait` and `watch`, one line per change."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from robocloud_desktop.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_RUN_FAILED,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    Context,
    Interruption,
)
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.core.visible import visible

if TYPE_CHECKING:  # the HTTP stack and the monitor load only for the commands that follow runs
    from robocloud_desktop.core.api import ProcessApiClient
    from robocloud_desktop.core.monitor import RunUpdate


def describe(record: RunRecord) -> str:
    """One line: time, run, human label, raw codes, and the last error if there is one."""
    stamp = time.strftime("%H:%M:%S")
    who = f"{record.profile_name} " if record.profile_name else ""
    codes = "/".join(c for c in (record.state, record.result, record.error_code) if c)
    line = f"{stamp} {who}{record.run_id}: {record.label}" + (f" ({codes})" if codes else "")
    if record.last_error and not record.is_ended:
        line += f" — {record.last_error}"
    return visible(line)


def record_json(record: RunRecord) -> dict[str, object]:
    return {
        "runId": record.run_id, "profile": record.profile_name, "profileId": record.profile_id,
        "workItemId": record.work_item_id, "state": record.state, "result": record.result,
        "errorCode": record.error_code, "duration": record.duration, "outcome": record.outcome.value,
        "ended": record.is_ended, "triggeredAt": record.triggered_at, "lastChecked": record.last_checked,
        "lastError": record.last_error,
    }


def exit_code_of(record: RunRecord) -> int:
    if record.outcome is Outcome.SUCCEEDED:
        return EXIT_OK
    return EXIT_REJECTED if record.outcome is Outcome.GONE else EXIT_RUN_FAILED


class _Warnings:
    """Says each different warning once: a history that cannot be written would say so every poll."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._said: set[str] = set()

    def __call__(self, text: str) -> None:
        if text and text not in self._said:
            self._said.add(text)
            self._ctx.warn(text)


def wait_for_run(ctx: Context, client: ProcessApiClient, record: RunRecord, secret: str,
                 timeout: float | None, interruption: Interruption) -> int:
    from robocloud_desktop.core.monitor import RunMonitor

    done = threading.Event()
    latest = [record]
    stuck = [""]  # why the run cannot be read until the user acts
    warn = _Warnings(ctx)

    def on_update(update: RunUpdate) -> None:
        latest[0] = update.record
        if update.unsaved:
            warn(f"Run {update.record.run_id} is followed, but its state is not saved: {update.unsaved}")
        if update.changed and not ctx.as_json:
            ctx.print(describe(update.record))
            ctx.out.flush()
        if update.record.is_ended or update.record.finished:
            done.set()
        elif update.needs_user:
            stuck[0] = update.record.last_error
            done.set()

    monitor = RunMonitor(client, ctx.history, lambda _: secret, workers=1, on_update=on_update)
    monitor.start(resume=False)
    monitor.track(record)
    interruption.wake(done)
    try:
        ended = done.wait(timeout) and not interruption.pressed
    finally:
        monitor.stop()
    final = latest[0]
    if ctx.as_json:
        ctx.print_json(record_json(final))
    if interruption.pressed and not ended:
        ctx.warn(f"Stopped waiting; run {final.run_id} is still {final.outcome.value}. "
                 "`robocloud-desktop watch` follows it to its end.")
        return EXIT_INTERRUPTED
    if stuck[0]:
        ctx.warn(f"Stopped waiting: run {final.run_id} cannot be followed. {stuck[0]}")
        return EXIT_REJECTED
    if not ended:
        ctx.warn(f"Timed out after {timeout:g} s; run {final.run_id} is still {final.outcome.value}. "
                 f"Check it later with `robocloud-desktop status ... {final.run_id}` or `watch`.")
        return EXIT_TIMEOUT
    return exit_code_of(final)


def watch(ctx: Context) -> int:
    """Follow every unfinished run in the history until each has ended."""
    history = ctx.history
    if not history.readable:
        return EXIT_USAGE  # why was said as the history opened
    waiting = {r.run_id for r in history.unfinished() if not r.is_ended}
    if not waiting:
        ctx.print("No runs to follow: every run in the history has ended.")
        return EXIT_OK
    ctx.print(f"Following {len(waiting)} run(s) until they end (Ctrl+C to stop; `watch` again resumes).")
    ctx.out.flush()
    lock = threading.Lock()
    done = threading.Event()
    gone: list[str] = []
    stuck: list[str] = []  # runs that cannot be read until the user acts, and why
    warn = _Warnings(ctx)

    def on_update(update: RunUpdate) -> None:
        record = update.record
        with lock:
            if update.unsaved:
                warn(f"Runs are followed, but their states are not saved: {update.unsaved}")
            if update.changed:
                ctx.print(describe(record))
                ctx.out.flush()
            if record.is_ended or record.finished:
                waiting.discard(record.run_id)
                if record.gone:
                    gone.append(record.run_id)
            elif update.needs_user and record.run_id in waiting:
                waiting.discard(record.run_id)
                stuck.append(f"{record.run_id}: {record.last_error}")
            if not waiting:
                done.set()

    from robocloud_desktop.core.monitor import RunMonitor
    from robocloud_desktop.core.run_secrets import run_secret_lookup

    with ctx.client() as client:
        monitor = RunMonitor(client, history, run_secret_lookup(ctx.profiles, ctx.secrets), on_update=on_update)
        monitor.start(resume=True)
        try:
            done.wait()
        except KeyboardInterrupt:
            ctx.warn("Stopped; the runs are still in the history and `watch` will pick them up again.")
            return EXIT_INTERRUPTED
        finally:
            monitor.stop()
    if gone:
        ctx.warn(f"{len(gone)} run(s) could not be followed to their end: Control Room no longer knows "
                 f"{', '.join(gone)}. Look for them in Control Room.")
    for line in stuck:
        ctx.warn(f"Not followed to its end: {line}")
    return EXIT_REJECTED if gone or stuck else EXIT_OK
