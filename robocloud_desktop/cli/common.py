"""What every command shares: exit codes, usage errors, secrets from stdin, the stores."""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TextIO

from robocloud_desktop.core.errors import (
    ActionRefused,
    InvalidPayload,
    InvalidTarget,
    NotFound,
    PayloadRejected,
    ProcessApiError,
    SecretRejected,
)
from robocloud_desktop.core.paths import AppPaths, app_paths
from robocloud_desktop.core.profiles import ProfileStore
from robocloud_desktop.core.secrets import SecretStore

if TYPE_CHECKING:
    from robocloud_desktop.core.api import ProcessApiClient
    from robocloud_desktop.core.history import RunHistory

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE, EXIT_REJECTED, EXIT_NETWORK, EXIT_TIMEOUT = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED = 130  # what shells report for a command ended by Ctrl+C
SECRET_ENV = "ROBOCLOUD_PROCESS_SECRET"
KEY_ENV = "ROBOCLOUD_API_KEY"  # the workspace API key of commands given a v1 target without a profile


class UsageError(Exception):
    """Bad usage or bad input: exit 2 with this message."""


class Interrupted(Exception):
    """Ctrl+C: exit with `code`, saying what became of what the command was doing."""

    def __init__(self, message: str, code: int = EXIT_INTERRUPTED) -> None:
        super().__init__(message)
        self.message, self.code = message, code


class Interruption:
    """Ctrl+C, noted rather than raised: `pressed` says whether it came; events given to `wake` are set
    when it does, so a wait ends at once."""

    def __init__(self) -> None:
        self.pressed = False
        self._wakes: list[threading.Event] = []

    def wake(self, event: threading.Event) -> None:
        self._wakes.append(event)
        if self.pressed:
            event.set()

    def __call__(self, _number: int, _frame: object) -> None:
        self.pressed = True
        for event in self._wakes:
            event.set()


@contextmanager
def interrupts_deferred() -> Iterator[Interruption]:
    """While the block runs, Ctrl+C is noted instead of stopping it (a run that started must reach the
    history and the screen, and a wait must end by saying what became of the run)."""
    interruption = Interruption()
    if threading.current_thread() is not threading.main_thread():
        yield interruption
        return
    previous = signal.signal(signal.SIGINT, interruption)
    try:
        yield interruption
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def positive_seconds(text: str) -> float:
    """argparse type: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def exit_code_for(error: ProcessApiError) -> int:
    # Refused for what was sent or asked: a stop of a run that has ended, a batch Control Room would not take.
    if isinstance(error, InvalidPayload | InvalidTarget | PayloadRejected | ActionRefused):
        return EXIT_USAGE
    if isinstance(error, SecretRejected | NotFound):
        return EXIT_REJECTED
    return EXIT_NETWORK


@dataclass
class Context:
    """The streams and stores of one command-line call; stores open only when a command needs them."""

    args: argparse.Namespace
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)

    @cached_property
    def paths(self) -> AppPaths:
        return app_paths(getattr(self.args, "config_dir", None))

    @cached_property
    def secrets(self) -> SecretStore:
        return SecretStore()

    @cached_property
    def profiles(self) -> ProfileStore:
        store = ProfileStore(self.paths.profiles_file, self.secrets)
        for problem in store.problems:
            self.warn(problem.message)
        return store

    @cached_property
    def history(self) -> RunHistory:
        from robocloud_desktop.core.history import RunHistory  # SQLite loads for the commands that use it

        history = RunHistory(self.paths.history_db)
        for problem in history.problems:
            self.warn(problem)
        return history

    def close(self) -> None:
        """Close what the call opened: a program that calls main() again keeps no history open."""
        history = self.__dict__.get("history")  # only if a command opened it
        if history is not None:
            history.close()

    def client(self) -> ProcessApiClient:
        """The HTTP client, with the --request-timeout the command was given."""
        from robocloud_desktop.core.api import ProcessApiClient  # the HTTP stack loads only when needed

        timeout = getattr(self.args, "request_timeout", None)
        return ProcessApiClient(request_timeout=timeout) if timeout is not None else ProcessApiClient()

    @property
    def as_json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def print_json(self, value: Any) -> None:
        print(json.dumps(value, ensure_ascii=False), file=self.out)

    def warn(self, text: str) -> None:
        print(f"robocloud-desktop: {text}", file=self.err)

    def secret_from_stdin(self) -> str:
        return self._first_line_of_stdin("--secret-stdin", "secret")

    def key_from_stdin(self) -> str:
        return self._first_line_of_stdin("--api-key-stdin", "API key")

    def _first_line_of_stdin(self, flag: str, what: str) -> str:
        line = self.stdin.readline(MAX_SECRET_CHARS + 1)
        if len(line.rstrip("\r\n")) > MAX_SECRET_CHARS:
            raise UsageError(f"The first line of stdin is longer than {MAX_SECRET_CHARS:,} characters, which no "
                             f"Control Room {what} is. Pipe in only the {what}.")
        secret = line.strip()
        if not secret:
            raise UsageError(f"{flag} was given but stdin held no {what}. Pipe the {what} in.")
        return check_secret(secret, "on stdin", what)

    def secret_from_env(self) -> str:
        secret = os.environ.get(SECRET_ENV, "").strip()
        if not secret:
            raise UsageError(
                f"No process secret. Set {SECRET_ENV} or pipe it in with --secret-stdin "
                "(never pass it as an argument: arguments show up in process lists and shell history)."
            )
        return check_secret(secret, f"in {SECRET_ENV}")

    def key_from_env(self) -> str:
        key = os.environ.get(KEY_ENV, "").strip()
        if not key:
            raise UsageError(
                f"No workspace API key. Set {KEY_ENV} or pipe it in with --api-key-stdin "
                "(never pass it as an argument: arguments show up in process lists and shell history)."
            )
        return check_secret(key, f"in {KEY_ENV}", "API key")


# Control Room's secrets and keys are a few dozen characters; room for far longer ones.
MAX_SECRET_CHARS = 4096


def check_secret(secret: str, where: str, what: str = "secret") -> str:
    """The secret (or API key: `what`), or UsageError when it cannot be one: it travels in an HTTP
    header (or a URL), where only visible ASCII can go. The message never shows the secret."""
    if len(secret) > MAX_SECRET_CHARS:
        raise UsageError(f"The {what} {where} is longer than {MAX_SECRET_CHARS:,} characters, which no Control "
                         f"Room {what} is. Check that it is the {what}.")
    if not all("!" <= ch <= "~" for ch in secret):
        raise UsageError(f"The {what} {where} contains spaces, control characters or characters outside ASCII, "
                         f"which a Control Room {what} cannot have. Copy it from Control Room again.")
    return secret


def add_request_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--request-timeout", type=positive_seconds, metavar="S",
        help="give up on one request to Control Room after S seconds in all (default 60; raise it on a slow VPN)",
    )


def _folder(text: str) -> str:
    """argparse type: a folder name that is not blank (a blank one would mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the folder name is empty; give a folder, or leave the option out")
    return text


def add_config_dir(parser: argparse.ArgumentParser, default: Any = argparse.SUPPRESS) -> None:
    parser.add_argument(
        "--config-dir", metavar="DIR", default=default, type=_folder,
        help="keep config, data and logs under DIR (default: $ROBOCLOUD_DESKTOP_HOME or the usual places)",
    )
