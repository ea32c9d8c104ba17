"""The command line's log. Every command writes the app's log file, the one the window writes: a start
line with the versions, each request to Control Room (method, host, the route's shape, status, time),
warnings and errors. A command run by a scheduler leaves no other trace of why it failed, and the
file is bounded by its rotation. With -v/--verbose the same lines, and DEBUG ones, go to stderr too.
"""

from __future__ import annotations

import logging

from robocloud_desktop.cli.common import Context
from robocloud_desktop.core.errors import ProcessApiError
from robocloud_desktop.core.logs import AppLog, start_logging

log = logging.getLogger(__name__)


def start_command_log(ctx: Context) -> AppLog:
    verbose = bool(getattr(ctx.args, "verbose", False))
    app_log = start_logging(verbose=verbose)
    if verbose:
        app_log.to_stream(ctx.err)
    app_log.open_file(ctx.paths.log_dir, f"the command line ({ctx.args.command})")
    return app_log


def log_failure(error: BaseException | None, kind: str, code: int, message: str) -> None:
    """Say in the log why the command ended with `code`: in the app's words, never in Control Room's
    (an answer may quote what was sent, and the log holds no payload), of which only the HTTP status."""
    if isinstance(error, ProcessApiError) and error.status is not None:
        log.warning("The command ended with exit code %d: %s (HTTP %d)", code, kind, error.status)
    else:
        log.warning("The command ended with exit code %d: %s: %s", code, kind, message)
