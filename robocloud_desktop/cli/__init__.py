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
    from robocloud_desktop.cli.common import add_config_dir

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
    if args.command is None:
        # Qt loads only for the window, and the commands' context and log only for a command.
        from robocloud_desktop.ui.app import run_gui

        try:
            return run_gui(args.config_dir, args.demo, verbose=args.verbose)
        except KeyboardInterrupt:  # Ctrl+C in the terminal before the window has taken it over
            from robocloud_desktop.cli.common import EXIT_INTERRUPTED

            print("robocloud-desktop: Interrupted.", file=err or sys.stderr)
            return EXIT_INTERRUPTED
    from robocloud_desktop.cli.running import run_command

    return run_command(args, stdin=stdin, out=out, err=err)


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
