"""Reading and acting on one run's story over Control Room API v1: step runs, work items, console
messages, artifacts, outputs; stopping a run; retrying or marking work items done.

A mix-in of ControlRoomClient (core/api_v1.py): every call goes through its transport, retry rules
and error messages. Lists follow `next` while the server says there are more, on the target's own
scheme, host and port only (the key goes nowhere else), and stop when a server pages in circles.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from robocloud_desktop.core.answers import duration_seconds, plain_token, shown_code, snippet
from robocloud_desktop.core.errors import UnexpectedAnswer
from robocloud_desktop.core.story_results import (
    BATCH_OPERATIONS,
    Artifact,
    ConsoleMessage,
    FileInfo,
    ItemException,
    Page,
    Presigned,
    RunOutput,
    StepRun,
    WorkItem,
)
from robocloud_desktop.core.text_values import epoch_seconds, shown_text

if TYPE_CHECKING:
    import threading
    from pathlib import Path

    from robocloud_desktop.core.artifact_download import Progress
    from robocloud_desktop.core.retry import RetryPolicy
    from robocloud_desktop.core.target import Target
    from robocloud_desktop.core.transport import Answer

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_PAGE = 100
MAX_PAGES = 10_000
MESSAGE_CHARS = 2000  # an exception's message: long enough for a traceback's last line
CONSOLE_CHARS = 10_000  # one console line


class RunStory:
    """What ControlRoomClient provides (typed here for the reader and the checker)."""

    retry: RetryPolicy

    if TYPE_CHECKING:
        def _call(self, method: str, target: Target, url: str, secret: str, body: bytes | None,
                  policy: RetryPolicy) -> Answer: ...

        @staticmethod
        def _json_value(answer: Answer, target: Target, method: str, secret: str, *,
                        kinds: type | tuple[type, ...] = dict) -> Any: ...

    # --- reading -------------------------------------------------------------------------------------

    def step_runs(self, target: Target, key: str, run_id: str) -> list[StepRun]:
        """The run's step runs, in the order Control Room gives them."""
        return list(self._every(target, key, target.v1_step_runs_url(run_id, limit=MAX_PAGE), "step runs", step_run))

    def console_page(self, target: Target, key: str, step_run_id: str, *, url: str | None = None,
                     limit: int = MAX_PAGE) -> Page:
        """One page of a step run's console messages (oldest first); `url` a previous page's next_url."""
        first = target.v1_console_url(step_run_id, limit=min(limit, MAX_PAGE))
        return self._page(target, key, url or first, "console messages", console_message)

    def console_messages(self, target: Target, key: str, step_run_id: str) -> list[ConsoleMessage]:
        """Every console message of a step run, over all pages."""
        return list(self._every(target, key, target.v1_console_url(step_run_id, limit=MAX_PAGE),
                                "console messages", console_message))

    def artifacts(self, target: Target, key: str, step_run_id: str) -> list[Artifact]:
        """The step run's artifacts (log, output files)."""
        return list(self._every(target, key, target.v1_artifacts_url(step_run_id), "artifacts",
                                lambda item: artifact(item, step_run_id)))

    def artifact_link(self, target: Target, key: str, found: Artifact) -> Presigned:
        """The artifact's short-lived download link: a credential, never shown or logged."""
        answer = self._call("GET", target, target.v1_artifact_url(found.step_run_id, found.id), key, None, self.retry)
        data = self._json_value(answer, target, "GET", key)
        url = data.get("url")
        if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
            raise UnexpectedAnswer(f"{target.host} gave no download link for {found.name}. Try again.",
                                   status=answer.status)
        if url.lower().startswith("http://") and not target.is_loopback:
            raise UnexpectedAnswer(f"{target.host} gave a download link for {found.name} without TLS (http://); "
                                   "the app only downloads over https.")
        return Presigned(url, found.name, size_of(data.get("size")) or found.size)

    def download_artifact(self, target: Target, key: str, found: Artifact, folder: Path, *,
                          progress: Progress | None = None, cancel: threading.Event | None = None) -> Path:
        """Save the artifact into `folder` (core/artifact_download.py) and return its path."""
        from robocloud_desktop.core.artifact_download import download

        return download(self.artifact_link(target, key, found), folder, progress=progress, cancel=cancel)

    def work_items(self, target: Target, key: str, run_id: str, *, state: str | None = None) -> list[WorkItem]:
        """The run's work items (without payloads), of `state` when given."""
        url = target.v1_work_items_url(run_id, state=state, limit=MAX_PAGE)
        return list(self._every(target, key, url, "work items", work_item))

    def work_item(self, target: Target, key: str, item_id: str) -> WorkItem:
        """One work item, with its payload and files."""
        answer = self._call("GET", target, target.v1_work_item_url(item_id), key, None, self.retry)
        data = self._json_value(answer, target, "GET", key)
        item = work_item(data)
        if item is None:
            raise UnexpectedAnswer(f"{target.host} answered the work item without its id: "
                                   f"{snippet(answer.body, key)}.", status=answer.status)
        return item

    def run_outputs(self, target: Target, key: str, run_id: str) -> list[RunOutput]:
        """What the run's work items produced (their output payloads and files)."""
        return list(self._every(target, key, target.v1_outputs_url(run_id, limit=MAX_PAGE), "outputs", run_output))

    # --- acting --------------------------------------------------------------------------------------

    def stop_run(self, target: Target, key: str, run_id: str, *, terminate: bool, mark_done: bool,
                 reason: str = "") -> bool:
        """Stop (let the work item in progress finish) or terminate (end every step run now) a run;
        the remaining work items fail, or are marked done with `mark_done`. True when accepted."""
        body: dict[str, Any] = {"set_remaining_work_items_as_done": mark_done,
                                "terminate_ongoing_activity_runs": terminate}
        if reason:
            body["reason"] = reason
        return self._accepted(target, key, target.v1_stop_url(run_id), body)

    def work_items_batch(self, target: Target, key: str, operation: str, item_ids: list[str]) -> bool:
        """Retry (`retry`) or mark done (`mark_as_done`) work items. True when accepted."""
        if operation not in BATCH_OPERATIONS:
            raise ValueError(f"operation must be one of {BATCH_OPERATIONS}, not {operation!r}")
        if not item_ids:
            raise ValueError("no work items given")
        return self._accepted(target, key, target.v1_batch_url(),
                              {"batch_operation": operation, "work_item_ids": list(item_ids)})

    def _accepted(self, target: Target, key: str, url: str, body: dict[str, Any]) -> bool:
        import json

        # A stop or a retry sent twice does no harm, but the rules stay those of every POST.
        answer = self._call("POST", target, url, key, json.dumps(body).encode(), self.retry)
        data = self._json_value(answer, target, "POST", key)
        return data.get("accepted") is not False

    # --- pages ---------------------------------------------------------------------------------------

    def _page(self, target: Target, key: str, url: str, what: str, read: Callable[[Any], T | None]) -> Page:
        if not target.owns_url(url):
            raise UnexpectedAnswer(
                f"{target.host} gave a link to the next page of {what} on another host, scheme or port; the app "
                "sends the API key nowhere else, so the list stops here. Check the base URL."
            )
        answer = self._call("GET", target, url, key, None, self.retry)
        data = self._json_value(answer, target, "GET", key)
        items = data.get("data")
        if not isinstance(items, list):
            raise UnexpectedAnswer(f"{target.host} answered the {what} without a list: {snippet(answer.body, key)}. "
                                   "Check the base URL (it ends in /api/v1).", status=answer.status)
        kept = []
        for item in items:
            value = read(item)
            if value is None:
                log.warning("%s listed %s it could not read; left out", target.host, what)
            else:
                kept.append(value)
        next_url = data.get("next")
        more = data.get("has_more") is True and isinstance(next_url, str) and bool(next_url)
        return Page(kept, next_url if more else None)

    def _every(self, target: Target, key: str, url: str, what: str, read: Callable[[Any], T | None]) -> Iterator[T]:
        seen: set[str] = set()
        next_url = url
        for _ in range(MAX_PAGES):
            page = self._page(target, key, next_url, what, read)
            yield from page.items
            if page.next_url is None:
                return
            if page.next_url in seen:
                raise UnexpectedAnswer(f"{target.host} sent the same next page twice while listing {what}; the "
                                       "list stops there. Try again later.")
            seen.add(page.next_url)
            next_url = page.next_url
        raise UnexpectedAnswer(f"{target.host} still had more {what} after {MAX_PAGES:,} pages; the list stops there.")


# --- reading one item of an answer ----------------------------------------------------------------------


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def size_of(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        return None
    return value


def step_run(item: Any) -> StepRun | None:
    data = _dict(item)
    step_run_id = plain_token(data.get("id"))
    if step_run_id is None:
        return None
    step = _dict(data.get("step"))
    error = _dict(data.get("error"))
    return StepRun(
        id=step_run_id, name=shown_text(step.get("name")) or "Step", state=shown_code(data.get("state")),
        error_code=shown_code(error.get("code")), started_at=epoch_seconds(data.get("started_at")),
        ended_at=epoch_seconds(data.get("ended_at")), duration=duration_seconds(data.get("duration")),
        step_id=plain_token(step.get("id")) or "",
    )


def console_message(item: Any) -> ConsoleMessage | None:
    data = _dict(item)
    message = data.get("message")
    if not isinstance(message, str):
        return None
    return ConsoleMessage(epoch_seconds(data.get("timestamp")), console_text(message))


def console_text(text: str) -> str:
    """A console line as the app shows it: tabs kept, other control characters (terminal escapes
    that could rewrite what a user reads) dropped, cut to a readable length."""
    kept = "".join(ch for ch in text[:CONSOLE_CHARS] if ch == "\t" or ch == "\n" or ch.isprintable())
    return kept if len(text) <= CONSOLE_CHARS else kept + "…"


def files_of(value: Any) -> tuple[FileInfo, ...]:
    found = []
    for item in value if isinstance(value, list) else []:
        data = _dict(item)
        file_id = plain_token(data.get("id"))
        if file_id is not None:
            found.append(FileInfo(file_id, shown_text(data.get("name")) or file_id, size_of(data.get("size"))))
    return tuple(found)


def item_exception(value: Any) -> ItemException | None:
    if not isinstance(value, dict):
        return None
    message = value.get("message")
    text = " ".join(message.split())[:MESSAGE_CHARS] if isinstance(message, str) else ""
    return ItemException(shown_code(value.get("type")), shown_code(value.get("code")), shown_text_long(text))


def shown_text_long(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())


def work_item(item: Any) -> WorkItem | None:
    data = _dict(item)
    item_id = plain_token(data.get("id"))
    if item_id is None:
        return None
    return WorkItem(
        id=item_id, state=shown_code(data.get("state")), created_at=epoch_seconds(data.get("created_at")),
        state_updated_at=epoch_seconds(data.get("state_updated_at")),
        step_run_id=plain_token(_dict(data.get("step_run")).get("id")) or "",
        exception=item_exception(data.get("exception")), files=files_of(data.get("files")),
        payload=data.get("payload"), has_payload="payload" in data,
    )


def artifact(item: Any, step_run_id: str) -> Artifact | None:
    data = _dict(item)
    artifact_id = plain_token(data.get("id"))
    if artifact_id is None:
        return None
    return Artifact(artifact_id, shown_text(data.get("name")) or artifact_id, size_of(data.get("size")), step_run_id)


def run_output(item: Any) -> RunOutput | None:
    data = _dict(item)
    output_id = plain_token(data.get("id"))
    if output_id is None:
        return None
    return RunOutput(output_id, epoch_seconds(data.get("created_at")), data.get("payload"),
                     files_of(data.get("files")))
