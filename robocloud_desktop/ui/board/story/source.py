"""Where the details pane's tabs get a v1 run's story: Control Room API v1, asked off the GUI thread,
with what was read kept per run for the session.

Every request runs on a Background pool of its own (a download may take minutes; the window's own
jobs must not wait behind it), with the key read from the keyring in the job, never on the GUI
thread. An answer is stored under the run it is about, and only the newest request of each kind
per run counts: an older answer that comes in late is dropped. Whether the answer is shown is the
tabs' choice (they show the run selected now, never the one that was selected when it was asked).

What was read for a run that had ended is kept as long as the run stays in that state; for a run in
flight it is shown while a fresh copy is asked for.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from robocloud_desktop.ui.workers import Background

if TYPE_CHECKING:
    from pathlib import Path

    from robocloud_desktop.core.api_v1 import ControlRoomClient
    from robocloud_desktop.core.records import RunRecord
    from robocloud_desktop.core.story_results import Artifact, ConsoleMessage, RunOutput, StepRun, WorkItem
    from robocloud_desktop.core.target import Target
    from robocloud_desktop.ui.board.story.access import StoryAccess

KEPT_RUNS = 16  # runs whose story stays in memory; the least recently shown goes first
STEPS, ITEMS, FILES, CONSOLE, PAYLOAD = "steps", "items", "files", "console", "payload"

# What a job is given: the v1 client, the run's target and the key, all read off the GUI thread.
Call = Callable[["ControlRoomClient", "Target", str], Any]


@dataclass
class ConsoleLog:
    """The console of one step run as far as it has been read."""

    messages: list[ConsoleMessage] = field(default_factory=list)
    next_url: str | None = None
    started: bool = False  # the first page was read

    @property
    def complete(self) -> bool:
        return self.started and self.next_url is None


@dataclass
class RunFiles:
    """The artifacts of each step run, and the run's outputs (None when they could not be read, with
    the reason in `outputs_problem`)."""

    steps: list[StepRun]
    artifacts: dict[str, list[Artifact]]
    outputs: list[RunOutput] | None
    outputs_problem: str = ""


@dataclass
class _Entry:
    state: str  # the run's state when this was read: another state means another story
    values: dict[str, Any] = field(default_factory=dict)  # STEPS, ITEMS, FILES -> what was read
    consoles: dict[str, ConsoleLog] = field(default_factory=dict)  # step run id -> its console
    payloads: dict[str, WorkItem] = field(default_factory=dict)  # work item id -> it, with its payload


class _Relay(QObject):
    """Carries a download's progress from its worker thread to the GUI thread (a queued signal)."""

    progressed = Signal(int, object, object)  # request number, bytes so far, total when known


class StorySource(QObject):
    def __init__(self, access: StoryAccess, parent: QObject | None = None) -> None:
        # Imported here, on the GUI thread (where the monitor has loaded it already, as a rule), so
        # that pool threads never import it for the first time side by side.
        from robocloud_desktop.core.run_secrets import run_secret_lookup

        super().__init__(parent)
        self._access = access
        self._key_for = run_secret_lookup(access.profiles, access.secrets)
        self._background = Background(self, max_threads=3)
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._latest: dict[tuple[str, str], int] = {}  # (run id, what) -> the request that counts
        self._numbers = iter(range(1, 2**62))
        self._relay = _Relay(self)
        self._progress: dict[int, Callable[[int, int | None], None]] = {}
        self._relay.progressed.connect(self._progressed)
        self._cancels: set[threading.Event] = set()

    # --- what is kept -------------------------------------------------------------------------

    def _entry(self, record: RunRecord) -> _Entry:
        entry = self._entries.get(record.run_id)
        if entry is None or entry.state != record.state:
            entry = _Entry(record.state)
            self._entries[record.run_id] = entry
        self._entries.move_to_end(record.run_id)
        while len(self._entries) > KEPT_RUNS:
            self._entries.popitem(last=False)
        return entry

    def kept(self, record: RunRecord, what: str) -> Any:
        """What was read of `what` (STEPS, ITEMS, FILES) for this run in its present state, or None."""
        entry = self._entries.get(record.run_id)
        return entry.values.get(what) if entry is not None and entry.state == record.state else None

    def console(self, record: RunRecord, step_run_id: str) -> ConsoleLog:
        return self._entry(record).consoles.setdefault(step_run_id, ConsoleLog())

    def payload(self, record: RunRecord, item_id: str) -> WorkItem | None:
        entry = self._entries.get(record.run_id)
        return entry.payloads.get(item_id) if entry is not None and entry.state == record.state else None

    def forget(self, run_id: str) -> None:
        """The user acted on the run: what was read of it no longer holds."""
        self._entries.pop(run_id, None)

    # --- asking -------------------------------------------------------------------------------

    def fetch(self, record: RunRecord, what: str, call: Call, on_done: Callable[[Any], None],
              on_error: Callable[[Exception], None], *, store: Callable[[_Entry, Any], None] | None = None) -> None:
        """Run `call(client, target, key)` off the GUI thread. Its answer is stored with `store` (by
        default as `what` of the run) and handed to `on_done`, unless a newer request of the same
        `what` for the same run went out since: then it is dropped."""
        number = next(self._numbers)
        self._latest[(record.run_id, what)] = number

        def counts() -> bool:
            return self._latest.get((record.run_id, what)) == number

        def done(value: Any) -> None:
            if not counts():
                return
            entry = self._entry(record)
            if store is None:
                entry.values[what] = value
            else:
                store(entry, value)
            on_done(value)

        def failed(error: Exception) -> None:
            if counts():
                on_error(error)

        self._background.run(self._job(record, call), done, failed)

    def fetch_console(self, record: RunRecord, step_run_id: str, on_done: Callable[[ConsoleLog], None],
                      on_error: Callable[[Exception], None], *, to_the_end: bool = False,
                      cancel: threading.Event | None = None) -> None:
        """The console's next page (or the first), or with `to_the_end` every page left."""
        log = self.console(record, step_run_id)
        url = log.next_url if log.started else None

        def call(client: ControlRoomClient, target: Target, key: str) -> tuple[list[ConsoleMessage], str | None]:
            read: list[ConsoleMessage] = []
            page = client.console_page(target, key, step_run_id, url=url)
            read.extend(page.items)
            while to_the_end and page.next_url and not (cancel and cancel.is_set()):
                page = client.console_page(target, key, step_run_id, url=page.next_url)
                read.extend(page.items)
            return read, page.next_url

        def store(entry: _Entry, value: tuple[list[ConsoleMessage], str | None]) -> None:
            kept = entry.consoles.setdefault(step_run_id, ConsoleLog())
            if url is not None and (not kept.started or kept.next_url != url):
                return  # the log was started again meanwhile: this page does not follow on from it
            if url is None:  # read from the start
                kept.messages.clear()
            kept.messages.extend(value[0])
            kept.next_url, kept.started = value[1], True

        self.fetch(record, f"{CONSOLE}:{step_run_id}", call, lambda _: on_done(self.console(record, step_run_id)),
                   on_error, store=store)

    def restart_console(self, record: RunRecord, step_run_id: str) -> None:
        """Read this console again from its first page next time (a run in flight writes more)."""
        self._entry(record).consoles.pop(step_run_id, None)

    def fetch_payload(self, record: RunRecord, item_id: str, on_done: Callable[[WorkItem], None],
                      on_error: Callable[[Exception], None]) -> None:
        def store(entry: _Entry, item: WorkItem) -> None:
            entry.payloads[item_id] = item

        self.fetch(record, f"{PAYLOAD}:{item_id}",
                   lambda client, target, key: client.work_item(target, key, item_id), on_done, on_error,
                   store=store)

    def download(self, record: RunRecord, artifacts: list[Artifact], folder: Path,
                 progress: Callable[[int, int | None], None], on_done: Callable[[list[Path]], None],
                 on_error: Callable[[Exception], None]) -> threading.Event:
        """Save the artifacts into `folder`, one after the other; `progress(bytes so far, total)`
        covers them all. Returns the event that cancels it."""
        cancel = threading.Event()
        self._cancels.add(cancel)
        number = next(self._numbers)
        self._progress[number] = progress
        relay = self._relay
        sizes = [artifact.size for artifact in artifacts]
        total = sum(size or 0 for size in sizes) if all(size is not None for size in sizes) else None

        def call(client: ControlRoomClient, target: Target, key: str) -> list[Path]:
            saved: list[Path] = []
            before = 0
            for artifact in artifacts:
                if cancel.is_set():
                    break

                def one(done: int, size: int | None, before: int = before) -> None:
                    # One file of unknown size in the list: the storage host's length says it.
                    relay.progressed.emit(number, before + done, total if len(artifacts) > 1 else total or size)

                path = client.download_artifact(target, key, artifact, folder, progress=one, cancel=cancel)
                saved.append(path)
                before += path.stat().st_size if path.exists() else (artifact.size or 0)
                relay.progressed.emit(number, before, total)
            return saved

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            self._cancels.discard(cancel)
            self._progress.pop(number, None)
            callback(value)

        self._background.run(self._job(record, call), lambda paths: finish(on_done, paths),
                             lambda error: finish(on_error, error))
        return cancel

    def _progressed(self, number: int, done: int, total: object) -> None:
        report = self._progress.get(number)
        if report is not None:
            report(int(done), total if isinstance(total, int) else None)

    def act(self, record: RunRecord, call: Call, on_done: Callable[[Any], None],
            on_error: Callable[[Exception], None]) -> None:
        """Send an action on the run (stop, retry...); what was read of it is forgotten when it is
        accepted, and the monitor follows the run closely again."""
        hurry = self._access.hurry

        def acting(client: ControlRoomClient, target: Target, key: str) -> Any:
            result = call(client, target, key)
            hurry([record])
            return result

        def done(value: Any) -> None:
            self.forget(record.run_id)
            on_done(value)

        self._background.run(self._job(record, acting), done, on_error)

    def _job(self, record: RunRecord, call: Call) -> Callable[[], Any]:
        v1, key_for = self._access.v1, self._key_for

        def job() -> Any:
            # The key from the keyring (or the environment), read here, off the GUI thread.
            return call(v1(), record.target(), key_for(record))

        return job

    @property
    def busy(self) -> int:
        """Requests out whose answers have not been handed over yet."""
        return self._background.busy

    # --- ending -------------------------------------------------------------------------------

    def shutdown(self, msecs: int = 5000) -> bool:
        """Cancel downloads and wait for the requests out (the window is closing)."""
        for cancel in list(self._cancels):
            cancel.set()
        return self._background.wait_idle(msecs)
