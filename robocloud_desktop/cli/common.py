"""What every command shares: exit codes, usage errors, secrets from stdin, the stores."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TextIO

from robocloud_desktop.core.errors import (
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
    from robocloud_desktop.core.history import RunHistory

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE, EXIT_REJECTED, EXIT_NETWORK, EXIT_TIMEOUT = 0, 1, 2, 3, 4, 5
SECRET_ENV = "ROBOCLOUD_PROCESS_SECRET"


class UsageError(Exception):
    """Bad usage or bad input: exit 2 with this message."""


def exit_code_for(error: ProcessApiError) -> int:
    if isinstance(error, InvalidPayload | InvalidTarget | PayloadRejected):
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
        secret = self.stdin.readline().strip()
        if not secret:
            raise UsageError("--secret-stdin was given but stdin held no secret. Pipe the secret in.")
        return secret

    def secret_from_env(self) -> str:
        secret = os.environ.get(SECRET_ENV, "").strip()
        if not secret:
            raise UsageError(
                f"No process secret. Set {SECRET_ENV} or pipe it in with --secret-stdin "
                "(never pass it as an argument: arguments show up in process lists and shell history)."
            )
        return secret


def add_config_dir(parser: argparse.ArgumentParser, default: Any = argparse.SUPPRESS) -> None:
    parser.add_argument(
        "--config-dir", metavar="DIR", default=default,
        help="keep config, data and logs under DIR (default: $ROBOCLOUD_DESKTOP_HOME or the usual places)",
    )
