"""What the commands about one run's story share (`steps`, `items`, `logs`, `artifacts`, `stop`,
`retry`, `mark-done`): their target (a profile with a workspace API key, or the `--api v1` flags),
the run id, and how times and sizes read."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from robocloud_desktop.cli.common import Context, UsageError, add_config_dir, add_request_timeout
from robocloud_desktop.cli.targets import Where, add_where_options, credential, where_from
from robocloud_desktop.core.target import API_V1, Target, check_id

if TYPE_CHECKING:
    from robocloud_desktop.core.story_results import StepRun

# A string: argparse's class takes no type arguments at run time.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_story_parser(commands: Subparsers, name: str, help_text: str, *, json_help: str | None = None
                     ) -> argparse.ArgumentParser:
    """A command taking `NAME RUN` (or the --api v1 flags and RUN), with the usual options."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text, description=help_text[0].upper()
                                                          + help_text[1:] + ".")
    parser.add_argument("name", nargs="?", metavar="NAME", help="a saved profile with a workspace API key "
                        "(see `profile list`); or give the --api v1 flags instead")
    parser.add_argument("run_id", metavar="RUN", help="the run's id")
    add_where_options(parser, per_process=False)
    if json_help is not None:
        parser.add_argument("--json", action="store_true", help=json_help)
    add_request_timeout(parser)
    add_config_dir(parser)
    return parser


@dataclass(frozen=True)
class RunOf:
    """The run a story command is about: where it is (the profile's or the flags' target) and its id."""

    where: Where
    run_id: str

    @property
    def target(self) -> Target:
        return self.where.target


def run_of(ctx: Context, command: str) -> RunOf:
    """The target and run id of a story command; refuses, in words, a profile with a per-process
    secret (its API tells nothing of a run's story) and an id that cannot be one. Asks no keyring:
    `key_for` does, once what was typed has been checked."""
    name = ctx.args.name
    if name:
        profile = ctx.profiles.get(name)
        if not profile.uses_key:
            raise UsageError(
                f"`{command}` needs a workspace API key (Control Room API v1): the profile {profile.name!r} uses a "
                "per-process secret, whose API tells nothing of a run's steps, work items, logs or artifacts, and "
                "cannot stop or retry one. Add a profile of the process with its workspace's key: "
                f"`robocloud-desktop profile add-from-workspace --workspace {profile.workspace_id} --api-key-stdin "
                "< key.txt` (or `profile add NAME --api v1 ...`)."
            )
    where = where_from(ctx, name or None, default_api=API_V1)
    run_id = check_id(ctx.args.run_id, "run id")
    return RunOf(where, run_id)


def key_for(ctx: Context, run: RunOf) -> str:
    """The workspace API key: from stdin when asked, else the profile's, else ROBOCLOUD_API_KEY."""
    return credential(ctx, run.where)


# -- how values read ------------------------------------------------------------------------------


class Clock:
    """Local times of a list of moments: the date in full when it differs from the one shown last
    ("2026-03-04 12:00:01", then "12:00:02")."""

    def __init__(self) -> None:
        self._day = ""

    def __call__(self, moment: float | None) -> str:
        if moment is None:
            return "--:--:--"
        local = time.localtime(moment)
        day = time.strftime("%Y-%m-%d", local)
        shown = time.strftime("%H:%M:%S" if day == self._day else "%Y-%m-%d %H:%M:%S", local)
        self._day = day
        return shown


def seconds(duration: float | None) -> str:
    if duration is None:
        return "-"
    if duration < 120:
        return f"{duration:.0f} s"
    minutes, secs = divmod(round(duration), 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min {secs:02d} s"


def size_text(size: int | None) -> str:
    """"512 B", "4.2 KB", "3.0 MB"; "size unknown" when Control Room did not say."""
    if size is None:
        return "size unknown"
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def step_json(number: int, step: StepRun) -> dict[str, Any]:
    return {"number": number, "id": step.id, "name": step.name, "state": step.state, "label": step.label,
            "failed": step.failed, "errorCode": step.error_code, "startedAt": step.started_at,
            "endedAt": step.ended_at, "duration": step.duration, "stepId": step.step_id}


def shown_json(value: Any, *, indent: int | None = None) -> str:
    """`value` as JSON whose every character shows: a character that would act on a terminal rather
    than show (a control character, a right-to-left override) is written as its JSON escape, so
    the text means the same to a parser and reads true on a screen."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    if text.isprintable() or all(ch.isprintable() or ch == "\n" for ch in text):
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == "\n":
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            high, low = divmod(ord(ch) - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
    return "".join(out)
