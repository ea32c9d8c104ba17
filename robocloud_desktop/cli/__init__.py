"""Command-line front end over the core.

Exit codes: 0 success; 1 the run finished with a failed result; 2 bad usage or bad input (or a stop,
retry or mark done Control Room refused); 3 secret or key rejected (or lacking a permission), or not
found; 4 network or server error, a failed download, or outcome unknown; 5 timed out waiting.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from typing import TextIO

from robocloud_desktop import __version__
from robocloud_desktop.cli.command_log import log_failure, start_command_log
from robocloud_desktop.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Context,
    Interrupted,
    UsageError,
    add_config_dir,
    exit_code_for,
)
from robocloud_desktop.core.errors import ProcessApiError
from robocloud_desktop.core.profiles import ProfileError
from robocloud_desktop.core.secrets import SecretStoreError
from robocloud_desktop.startup import startup_done


@functools.cache
def build_parser() -> argparse.ArgumentParser:
    # Built once per process: the installed command calls main() once, but a program that imports it
    # (the tests do) may call it many times, and building every command's parser (argparse and its
    # gettext look-ups) takes ~25 ms each time. argparse keeps no state between parse_args calls:
    # each gets a fresh namespace, and the appending options (`--process`, `--item`) start new lists.
    # The commands' modules load here, not for the window opened with no arguments: see parse().
    from robocloud_desktop.cli import (
        desktop_entry,
        emulator_command,
        history_commands,
        profile_commands,
        run_commands,
        story_actions,
        story_artifacts,
        story_commands,
    )

    parser = argparse.ArgumentParser(
        prog="robocloud-desktop",
        description="Trigger Robocorp Control Room processes and follow their runs.",
        epilog="Exit codes: 0 success; 1 the run failed; 2 bad usage or input, or an action refused; "
        "3 secret or key rejected, or not found; 4 network or server error, a failed download, or outcome unknown; "
        "5 timed out; 130 interrupted (Ctrl+C).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print the log's lines on stderr, each request to Control Room among them (method, "
                        "host, status, time; never a secret); also after the command's name")
    parser.add_argument("--demo", action="store_true",
                        help="open the window on the built-in Process API emulator, with demo profiles")
    add_config_dir(parser, default=None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run_commands.add_parsers(commands)
    profile_commands.add_parsers(commands)
    history_commands.add_parsers(commands)
    story_commands.add_parsers(commands)
    story_artifacts.add_parsers(commands)
    story_actions.add_parsers(commands)
    emulator_command.add_parser(commands)
    desktop_entry.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    args = parse(list(sys.argv[1:] if argv is None else argv))
    ctx = Context(args)
    ctx.stdin, ctx.out, ctx.err = stdin or ctx.stdin, out or ctx.out, err or ctx.err
    app_log = None
    try:
        if args.command is None:
            from robocloud_desktop.ui.app import run_gui  # Qt loads only for the window

            return run_gui(args.config_dir, args.demo, verbose=args.verbose)
        startup_done()
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
    # Looked up only while an error is being handled: the window starts without the history's modules.
    from robocloud_desktop.core.records import HistoryError

    return HistoryError


# What the full parser gives for no arguments at all (tests/cli/test_cli.py checks it does).
NO_ARGUMENTS = {"command": None, "demo": False, "config_dir": None, "verbose": False}
VERBOSE = ("-v", "--verbose")


def parse(words: list[str]) -> argparse.Namespace:
    """The parsed command line. With no arguments (the window, as a desktop menu starts it) that is
    the parser's defaults, known without building every command's parser, which takes longer than
    drawing the window; any argument at all goes through the full parser."""
    if not words:
        return argparse.Namespace(**NO_ARGUMENTS)
    parser = build_parser()
    # -v is taken after the command's name too (`trigger invoices -v`), where each command's own
    # parser leaves it over; anything else left over is refused as parse_args would.
    args, rest = parser.parse_known_args(words)
    unknown = [word for word in rest if word not in VERBOSE]
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.verbose = args.verbose or len(unknown) < len(rest)
    return args


def _fail(ctx: Context, message: str, code: int, kind: str, status: int | None,
          error: BaseException | None = None) -> int:
    log_failure(error, kind, code, message)
    if ctx.as_json:
        ctx.print_json({"error": {"type": kind, "message": message, "status": status}})
    ctx.warn(message)
    return code
