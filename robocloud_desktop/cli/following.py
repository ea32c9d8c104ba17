"""Following runs on the command line: `trigger --wait` and `watch`, one line per change; `watch` also
shows runs of Control Room API v1 processes started elsewhere (a schedule, a colleague, e-mail)."""

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
    from robocloud_desktop.core.profile import Profile
    from robocloud_desktop.core.target import Target


def describe(record: RunRecord) -> str:
    """One line: time, run, human label, raw codes, and the last error if there is one."""
    stamp = time.strftime("%H:%M:%S")
    who = f"{record.profile_name} " if record.profile_name else ""
    codes = "/".join(c for c in (record.state, record.result, record.error_code) if c)
    line = f"{stamp} {who}{record.run_id}: {record.label}" + (f" ({codes})" if codes else "")
    if record.last_error and not record.is_ended:
        line += f" — {record.last_error}"
    return visible(line)


def describe_found(record: RunRecord) -> str:
    """The line of a run started elsewhere, the first time it is seen."""
    stamp = time.strftime("%H:%M:%S")
    who = f"{record.profile_name} " if record.profile_name else ""
    codes = f" ({record.state})" if record.state else ""
    return visible(f"{stamp} {who}{record.run_id}: started by {record.started_by} — {record.label}{codes}")


def record_json(record: RunRecord) -> dict[str, object]:
    """A run of the history as `runs --json` and `--wait --json` print it; `startedBy` is "" for a run
    started from this computer."""
    return {
        "runId": record.run_id, "profile": record.profile_name, "profileId": record.profile_id,
        "workItemId": record.work_item_id, "state": record.state, "result": record.result,
        "errorCode": record.error_code, "duration": record.duration, "outcome": record.outcome.value,
        "ended": record.is_ended, "triggeredAt": record.triggered_at, "lastChecked": record.last_checked,
        "lastError": record.last_error, "api": record.api, "startedBy": record.started_by,
        "startedByType": record.started_by_type,
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
    if final.outcome is Outcome.NEEDS_ATTENTION:
        ctx.warn(f"Run {final.run_id} needs attention: work items failed and wait for a person in Control Room "
                 "(retry them, or mark them done).")
    return exit_code_of(final)


def processes_to_watch(ctx: Context) -> list[tuple[Target, Profile]]:
    """The processes of API v1 profiles that follow runs started elsewhere, each once."""
    from robocloud_desktop.core.errors import InvalidTarget

    wanted: dict[Target, Profile] = {}
    for profile in ctx.profiles.profiles():
        if profile.uses_key and profile.follow_others:
            try:
                wanted.setdefault(profile.target(), profile)
            except InvalidTarget as error:
                ctx.warn(error.message)
    return list(wanted.items())


def _usable(ctx: Context, client: ProcessApiClient, watched: list[tuple[Target, Profile]]
            ) -> tuple[list[tuple[Target, Profile]], list[str]]:
    """The watched processes whose key reads their run list now, and why the others cannot: a missing,
    wrong or revoked key, or one without Processes.read_runs, is said at start rather than never."""
    from robocloud_desktop.core.errors import ProcessApiError, SecretRejected
    from robocloud_desktop.core.secrets import SecretStoreError

    usable, refused = [], []
    for target, profile in watched:
        try:
            key = ctx.secrets.credential_for(profile)
            client.v1.runs_page(target, key, process_id=target.process_id, limit=1)
        except (SecretStoreError, SecretRejected) as error:
            refused.append(f"Not looking for runs of {profile.name!r} started elsewhere: {error.message}")
            continue
        except ProcessApiError as error:  # the network or the server: the monitor keeps trying
            ctx.warn(f"Runs of {profile.name!r} started elsewhere cannot be looked for yet: {error.message}")
        usable.append((target, profile))
    return usable, refused


def watch(ctx: Context) -> int:
    """Follow every unfinished run in the history until each has ended; while API v1 profiles follow
    runs started elsewhere (and not --until-ended), show those too, until Ctrl+C."""
    history = ctx.history
    if not history.readable:
        return EXIT_USAGE  # why was said as the history opened
    waiting = {r.run_id for r in history.unfinished() if not r.is_ended}
    watched = [] if ctx.args.until_ended else processes_to_watch(ctx)
    if not waiting and not watched:
        ctx.print("No runs to follow: every run in the history has ended.")
        return EXIT_OK
    lock = threading.Lock()
    done = threading.Event()
    gone: list[str] = []
    stuck: list[str] = []  # runs that cannot be read until the user acts, and why
    announced: set[str] = set(waiting)  # runs whose first line needs no "started by"
    warn = _Warnings(ctx)

    def on_update(update: RunUpdate) -> None:
        record = update.record
        with lock:
            if update.unsaved:
                warn(f"Runs are followed, but their states are not saved: {update.unsaved}")
            if record.run_id not in announced and record.started_by:
                ctx.print(describe_found(record))
                ctx.out.flush()
            elif update.changed:
                ctx.print(describe(record))
                ctx.out.flush()
            announced.add(record.run_id)
            if record.is_ended or record.finished:
                waiting.discard(record.run_id)
                if record.gone:
                    gone.append(record.run_id)
                    if watched:
                        ctx.warn(f"Run {record.run_id} could not be followed to its end: Control Room no longer "
                                 "knows it. Look for it in Control Room.")
            elif update.needs_user and record.run_id in waiting:
                waiting.discard(record.run_id)
                stuck.append(f"{record.run_id}: {record.last_error}")
                if watched:
                    ctx.warn(f"Not followed to its end: {stuck[-1]}")
            if not waiting and not watched:
                done.set()

    from robocloud_desktop.core.monitor import RunMonitor
    from robocloud_desktop.core.run_secrets import run_secret_lookup

    with ctx.client() as client:
        if watched:
            watched, refused = _usable(ctx, client, watched)
            for line in refused:
                ctx.warn(line)
            if not watched and not waiting:
                return EXIT_REJECTED
        if not watched:
            ctx.print(f"Following {len(waiting)} run(s) until they end (Ctrl+C to stop; `watch` again resumes).")
        else:
            if waiting:
                ctx.print(f"Following {len(waiting)} run(s) until they end.")
            names = ", ".join(repr(profile.name) for _, profile in watched)
            ctx.print(visible(f"Showing runs of {names} started elsewhere, until Ctrl+C."))
        ctx.out.flush()
        monitor = RunMonitor(client, history, run_secret_lookup(ctx.profiles, ctx.secrets), on_update=on_update)
        monitor.start(resume=True)
        now = time.time()
        for target, profile in watched:
            monitor.watch_process(target, profile_id=profile.id, profile_name=profile.name,
                                  since=profile.added_at if profile.added_at is not None else now)
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
