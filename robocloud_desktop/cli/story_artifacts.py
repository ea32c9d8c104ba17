"""`artifacts`: the files a run's steps left (logs, outputs), listed, or downloaded with --download.

A download goes to the storage host through a short-lived link, which is a credential of its own:
it is never printed, not even with --json. Each step run's files go into a folder of their own
(`DIR/1-Producer/log.html`), so the same name in two steps never clashes; a file already there is
never replaced (the new one is `log (2).html`), and a download that fails leaves nothing under the
file's name.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from robocloud_desktop.cli.common import EXIT_NETWORK, EXIT_OK, EXIT_USAGE, Context, UsageError
from robocloud_desktop.cli.story_common import Subparsers, add_story_parser, key_for, run_of, size_text
from robocloud_desktop.core.errors import DownloadFailed
from robocloud_desktop.core.visible import visible

if TYPE_CHECKING:
    from robocloud_desktop.core.story_results import Artifact, StepRun

Found = tuple[int, "StepRun", "Artifact"]  # the step's number (from 1), the step run, the artifact


def add_parsers(commands: Subparsers) -> None:
    parser = add_story_parser(commands, "artifacts", "list the files a run's steps left, or download them",
                              json_help="print the artifacts as a JSON array (with --download: where each went)")
    parser.add_argument("--download", metavar="DIR",
                        help="save every artifact into DIR, a folder per step (DIR/1-Producer/log.html), and print "
                        "each saved file's path; a file already there is kept")
    parser.set_defaults(handler=artifacts_command)


def step_folder(number: int, step: StepRun) -> str:
    """The folder of a step's files: its number and name, in characters any file system takes."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", step.name).strip("._-")[:60]
    return f"{number}-{name}" if name else str(number)


def artifacts_command(ctx: Context) -> int:
    run = run_of(ctx, "artifacts")
    folder = _download_folder(ctx.args.download) if ctx.args.download is not None else None
    key = key_for(ctx, run)
    with ctx.client() as client:
        steps = client.v1.step_runs(run.target, key, run.run_id)
        found: list[Found] = [(number, step, artifact) for number, step in enumerate(steps, start=1)
                              for artifact in client.v1.artifacts(run.target, key, step.id)]
        if folder is None:
            return _list(ctx, run.run_id, found)
        return _download(ctx, client, run.target, key, found, folder)


def _list(ctx: Context, run_id: str, found: list[Found]) -> int:
    if ctx.as_json:
        ctx.print_json([artifact_json(*each) for each in found])
        return EXIT_OK
    if not found:
        ctx.print(f"Control Room lists no artifacts of run {run_id}.")
        return EXIT_OK
    step_width = min(30, max(len(f"{n} {step.name}") for n, step, _ in found))
    name_width = min(40, max(len(artifact.name) for _, _, artifact in found))
    for number, step, artifact in found:
        ctx.print(visible(f"{f'{number} {step.name}':<{step_width}}  {artifact.name:<{name_width}}  "
                          f"{size_text(artifact.size)}"))
    ctx.print(f"{len(found):,} artifact{'' if len(found) == 1 else 's'}. `--download DIR` saves them.")
    return EXIT_OK


def artifact_json(number: int, step: StepRun, artifact: Artifact) -> dict[str, Any]:
    return {"stepNumber": number, "step": step.name, "stepRunId": step.id, "id": artifact.id, "name": artifact.name,
            "size": artifact.size}


def _download_folder(text: str) -> Path:
    """DIR, made when missing; refused (exit 2) before anything is sent when it cannot be written."""
    if not text.strip():
        raise UsageError("--download needs a folder: give one, or leave --download out to list the artifacts.")
    folder = Path(text).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"{text} is a file, not a folder: give --download a folder.") from None
    except OSError as error:
        raise UsageError(f"Cannot make the folder {text}: {error.strerror or error}.") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"Cannot write in the folder {text}: choose another one.")
    return folder


def _download(ctx: Context, client: Any, target: Any, key: str, found: list[Found], folder: Path) -> int:
    from robocloud_desktop.core.artifact_download import safe_target

    code = EXIT_OK
    results = []
    for number, step, artifact in found:
        where = folder / step_folder(number, step)
        shown = f"{where.name}/{artifact.name}"
        result = artifact_json(number, step, artifact) | {"path": None, "error": None}
        results.append(result)
        try:
            safe_target(where, artifact.name)  # a name that would leave the folder is refused here
        except DownloadFailed as error:
            result["error"] = error.message
            ctx.warn(error.message)
            code = max(code, EXIT_USAGE)
            continue
        progress = ProgressLine(ctx.err, visible(shown)) if _is_terminal(ctx.err) else None
        try:
            path = client.v1.download_artifact(target, key, artifact, where, progress=progress)
        except DownloadFailed as error:
            result["error"] = error.message
            ctx.warn(error.message)
            code = EXIT_NETWORK
            continue
        finally:
            if progress is not None:
                progress.clear()
        result["path"] = str(path)
        if not ctx.as_json:
            ctx.print(visible(str(path)))
            ctx.out.flush()
    if ctx.as_json:
        ctx.print_json(results)
    elif not found:
        ctx.print("Control Room lists no artifacts of this run: nothing to download.")
    failed = sum(result["error"] is not None for result in results)
    if failed:
        ctx.warn(f"{failed:,} of {len(found):,} artifacts were not saved; the others were.")
    return code


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressLine:
    """One line on a terminal, rewritten as a download goes: "Downloading 1-Producer/log.html:
    1.2 MB of 3.0 MB (40%)". At most ten rewrites a second."""

    def __init__(self, stream: TextIO, what: str) -> None:
        self._stream, self._what = stream, what
        self._width = 0
        self._last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last < 0.1 and (total is None or done < total):
            return
        self._last = now
        text = f"Downloading {self._what}: {size_text(done)}"
        if total:
            text += f" of {size_text(total)} ({min(100, done * 100 // total)}%)"
        self._stream.write("\r" + text.ljust(self._width))
        self._stream.flush()
        self._width = len(text)

    def clear(self) -> None:
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0
