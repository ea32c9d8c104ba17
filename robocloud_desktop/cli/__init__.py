"""Command-line front end over the core.

Exit codes: 0 success; 1 the run finished with a failed result; 2 bad usage or bad input;
3 secret rejected or not found; 4 network or server error, or outcome unknown.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from robocloud_desktop import __version__
from robocloud_desktop.core.api import ProcessApiClient
from robocloud_desktop.core.errors import (
    InvalidPayload,
    InvalidTarget,
    NotFound,
    PayloadRejected,
    ProcessApiError,
    SecretRejected,
)
from robocloud_desktop.core.models import Outcome, RunStatus
from robocloud_desktop.core.payload import parse_payload
from robocloud_desktop.core.regions import REGIONS, base_url_for_region
from robocloud_desktop.core.target import Target

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE, EXIT_REJECTED, EXIT_NETWORK = 0, 1, 2, 3, 4
SECRET_ENV = "ROBOCLOUD_PROCESS_SECRET"


class UsageError(Exception):
    """Bad usage or bad input: exit 2 with this message."""


def exit_code_for(error: ProcessApiError) -> int:
    if isinstance(error, InvalidPayload | InvalidTarget | PayloadRejected):
        return EXIT_USAGE
    if isinstance(error, SecretRejected | NotFound):
        return EXIT_REJECTED
    return EXIT_NETWORK


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--base-url", help="Control Room API base URL, e.g. https://api.eu1.robocloud.eu")
    where.add_argument("--region", choices=sorted(REGIONS), help="a known Control Room region")
    parser.add_argument("--workspace", required=True, metavar="WS", help="workspace id")
    parser.add_argument("--process", required=True, metavar="PID", help="process id")
    parser.add_argument(
        "--secret-in-query", action="store_true",
        help="send the secret in the URL instead of a header (only if the target needs it: URLs get logged)",
    )
    parser.add_argument(
        "--secret-stdin", action="store_true",
        help=f"read the process secret from the first line of stdin (default: ${SECRET_ENV})",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="robocloud-desktop",
        description="Trigger Robocorp Control Room processes and follow their runs.",
        epilog="Exit codes: 0 success; 1 the run failed; 2 bad usage or input; "
        "3 secret rejected or not found; 4 network or server error, or outcome unknown.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--demo", action="store_true", help="start the built-in Process API emulator")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    trigger = commands.add_parser("trigger", help="start a run of a process")
    _add_target_options(trigger)
    trigger.add_argument(
        "--payload", default="{}", metavar="JSON|@FILE|-",
        help="work-item payload: a JSON object, @file to read it from a file, - for stdin (default {})",
    )

    status = commands.add_parser("status", help="show the state and result of a run")
    _add_target_options(status)
    status.add_argument("run_id", metavar="RUN_ID")

    emulator = commands.add_parser("emulator", help="run the local Process API emulator")
    emulator.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    emulator.add_argument("--run-duration", type=float, default=5.0, metavar="S",
                          help="seconds an emulated run takes (default 5)")
    return parser


def _target(args: argparse.Namespace) -> Target:
    base_url = args.base_url or base_url_for_region(args.region)
    return Target(base_url, args.workspace, args.process, secret_in_query=args.secret_in_query)


def _secret(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.secret_stdin:
        secret = stdin.readline().strip()
        if not secret:
            raise UsageError("--secret-stdin was given but stdin held no secret. Pipe the secret in.")
        return secret
    secret = os.environ.get(SECRET_ENV, "").strip()
    if not secret:
        raise UsageError(
            f"No process secret. Set {SECRET_ENV} or pipe it in with --secret-stdin "
            "(never pass it as an argument: arguments show up in process lists and shell history)."
        )
    return secret


def _payload_text(spec: str, stdin: TextIO) -> str:
    if spec == "-":
        return stdin.read()
    if spec.startswith("@"):
        path = spec[1:]
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"Cannot read the payload file {path!r}: {exc.strerror or exc}.") from None
    return spec


def status_json(status: RunStatus) -> dict[str, Any]:
    return {
        "runId": status.run_id, "state": status.state, "result": status.result,
        "errorCode": status.error_code, "duration": status.duration,
        "outcome": status.outcome.value, "ended": status.outcome.is_ended,
    }


def status_exit_code(status: RunStatus) -> int:
    failed = status.outcome in (Outcome.FAILED, Outcome.NEEDS_ATTENTION)
    return EXIT_RUN_FAILED if failed else EXIT_OK


def _print_status(status: RunStatus, as_json: bool, out: TextIO) -> None:
    if as_json:
        print(json.dumps(status_json(status)), file=out)
        return
    print(f"Run {status.run_id}: {status.label}", file=out)
    print(f"  state {status.state or '-'}, result {status.result or '-'}", file=out)
    if status.error_code:
        print(f"  error code {status.error_code}", file=out)
    if status.duration is not None:
        print(f"  duration {status.duration:.0f} s", file=out)


def cmd_trigger(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    if args.payload == "-" and args.secret_stdin:
        raise UsageError("Both the payload and the secret cannot come from stdin. Use --payload @FILE.")
    target = _target(args)
    payload = parse_payload(_payload_text(args.payload, stdin))
    secret = _secret(args, stdin)
    with ProcessApiClient() as client:
        run = client.trigger(target, secret, payload)
    if args.json:
        print(json.dumps({"runId": run.run_id, "workItemId": run.work_item_id,
                          "workspaceId": run.workspace_id, "processId": run.process_id}), file=out)
    else:
        print(f"Run started: {run.run_id}", file=out)
        print(f"  work item {run.work_item_id or '-'}", file=out)
    return EXIT_OK


def cmd_status(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    target = _target(args)
    secret = _secret(args, stdin)
    with ProcessApiClient() as client:
        status = client.get_run(target, secret, args.run_id)
    _print_status(status, args.json, out)
    return status_exit_code(status)


def cmd_emulator(port: int, run_duration: float, out: TextIO) -> int:
    from robocloud_desktop.emulator import Emulator

    emulator = Emulator(port=port, run_duration=run_duration).start()
    process = emulator.default_process
    lines = [
        "Process API emulator running (Ctrl+C to stop).",
        f"  base URL:     {emulator.base_url}",
        f"  workspace id: {process.workspace_id}",
        f"  process id:   {process.process_id}",
        f"  secret:       {process.secret}",
        "Try:",
        f"  export {SECRET_ENV}='{process.secret}'",
        f"  robocloud-desktop trigger --base-url {emulator.base_url} --workspace {process.workspace_id} "
        f"--process {process.process_id} --payload '{{\"a\": 1}}'",
    ]
    print("\n".join(lines), file=out, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {"trigger": cmd_trigger, "status": cmd_status}
    try:
        if args.command == "emulator":
            return cmd_emulator(args.port, args.run_duration, out)
        if args.demo:
            return cmd_emulator(0, 5.0, out)
        if args.command is None:
            parser.print_help(out)
            return EXIT_OK
        return handlers[args.command](args, stdin, out)
    except UsageError as error:
        return _fail(args, str(error), EXIT_USAGE, "UsageError", None, out, err)
    except ProcessApiError as error:
        return _fail(args, error.message, exit_code_for(error), type(error).__name__, error.status, out, err)


def _fail(args: argparse.Namespace, message: str, code: int, kind: str, status: int | None,
          out: TextIO, err: TextIO) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": {"type": kind, "message": message, "status": status}}), file=out)
    print(f"robocloud-desktop: {message}", file=err)
    return code
