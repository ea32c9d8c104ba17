"""One call of a command: its streams and stores, its log, and its errors as a message and an exit code."""

from __future__ import annotations

import argparse
from typing import TextIO

from robocloud_desktop.cli.command_log import log_failure, start_command_log
from robocloud_desktop.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Context,
    Interrupted,
    UsageError,
    exit_code_for,
)
from robocloud_desktop.core.errors import ProcessApiError
from robocloud_desktop.core.profiles import ProfileError
from robocloud_desktop.core.secrets import SecretStoreError
from robocloud_desktop.startup import startup_done


def run_command(args: argparse.Namespace, *, stdin: TextIO | None = None, out: TextIO | None = None,
                err: TextIO | None = None) -> int:
    """Run the command `args` names; the streams default to the process's own."""
    startup_done()
    ctx = Context(args)
    ctx.stdin, ctx.out, ctx.err = stdin or ctx.stdin, out or ctx.out, err or ctx.err
    app_log = None
    try:
        app_log = start_command_log(ctx)
        return int(args.handler(ctx))
    except (UsageError, ProfileError, SecretStoreError, _history_error()) as error:
        return _fail(ctx, str(error), EXIT_USAGE, type(error).__name__, None, error)
    except ProcessApiError as error:
        return _fail(ctx, error.message, exit_code_for(error), type(error).__name__, error.status, error)
    except Interrupted as interruption:
        return _fail(ctx, interruption.message, interruption.code, "Interrupted", None)
    except KeyboardInterrupt:
        return _fail(ctx, "Interrupted.", EXIT_INTERRUPTED, "Interrupted", None)
    finally:
        ctx.close()
        if app_log is not None:
            app_log.close()


def _history_error() -> type[Exception]:
    # Looked up only while an error is being handled: a command that does not read the history
    # does not load its modules.
    from robocloud_desktop.core.records import HistoryError

    return HistoryError


def _fail(ctx: Context, message: str, code: int, kind: str, status: int | None,
          error: BaseException | None = None) -> int:
    log_failure(error, kind, code, message)
    if ctx.as_json:
        ctx.print_json({"error": {"type": kind, "message": message, "status": status}})
    ctx.warn(message)
    return code
