"""`robocloud-desktop emulator`: the local Process API emulator, for trying things out."""

from __future__ import annotations

import argparse
import math
import threading

from robocloud_desktop.cli.common import EXIT_OK, SECRET_ENV, Context, UsageError

API_KEY_ENV = "ROBOCLOUD_API_KEY"
# What a key for looking on needs: the runs and the processes, nothing that starts or changes anything.
READ_ONLY = ("Processes.read_runs", "Processes.read_processes")


def _port(text: str) -> int:
    """argparse type: a TCP port, or 0 for a free one."""
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (a number from 1 to 65535, or 0 for a free one)")
    return int(text)


def _seconds(text: str) -> float:
    """argparse type: a finite number of seconds, 0 or more, at most a day."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= 86400):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 86400")
    return value


def _process_count(text: str) -> int:
    """argparse type: how many processes the workspace has, 1 to 100."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes from 1 to 100")
    return int(text)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    emulator = commands.add_parser("emulator", help="run the local Process API emulator")
    emulator.add_argument("--port", type=_port, default=0, help="port on 127.0.0.1 (default: a free one)")
    emulator.add_argument("--run-duration", type=_seconds, default=5.0, metavar="S",
                          help="seconds an emulated run takes (default 5)")
    emulator.add_argument("--latency", type=_seconds, default=0.0, metavar="S",
                          help="seconds added before every answer, like a real network round trip (default 0)")
    emulator.add_argument("--schedule", type=_seconds, default=0.0, metavar="S",
                          help="start a run of the first process every S seconds, as a Control Room schedule "
                               "does (default 0: off)")
    emulator.add_argument("--processes", type=_process_count, default=2, metavar="N",
                          help="processes in the workspace, each printed with its id (default 2)")
    emulator.set_defaults(handler=run)


def run(ctx: Context) -> int:
    from robocloud_desktop.emulator import Emulator

    emulator = Emulator(port=ctx.args.port, run_duration=ctx.args.run_duration)
    emulator.latency = ctx.args.latency
    try:
        emulator.start()
    except OSError as error:
        raise UsageError(f"The emulator cannot listen on 127.0.0.1 port {ctx.args.port}: "
                         f"{error.strerror or error}. Pick another --port, or leave it out for a free one.") from None
    process = emulator.default_process
    processes = [process, *(emulator.add_process(process.workspace_id) for _ in range(ctx.args.processes - 1))]
    read_only = emulator.add_key(permissions=READ_ONLY)
    schedule = ctx.args.schedule
    if schedule > 0:
        emulator.schedule(process, every=schedule)
    where = (f"--base-url {emulator.base_url} --workspace {process.workspace_id} "
             f"--process {process.process_id}")
    where_v1 = (f"--api v1 --base-url {emulator.v1_base_url} --workspace {process.workspace_id} "
                f"--process {process.process_id}")
    # Ctrl+C may come as soon as the first lines are out (a script reading them), so it is a clean stop from
    # the first printed line on.
    try:
        ctx.print("\n".join([
            "Process API emulator running (Ctrl+C to stop).",
            f"  base URL:     {emulator.base_url}",
            f"  workspace id: {process.workspace_id}",
            f"  process id:   {process.process_id}",
            f"  secret:       {process.secret}",
            "Control Room API v1:",
            f"  base URL:     {emulator.v1_base_url}",
            f"  workspace id: {process.workspace_id}",
            *(f"  process:      {p.process_id}  {p.name}" for p in processes),
            f"  API key:      {emulator.default_key}",
            f"  read-only key: {read_only}  ({', '.join(READ_ONLY)})",
            *([f"  schedule:     a run of {process.name} every {schedule:g} s"] if schedule > 0 else []),
            "Try:",
            f"  export {SECRET_ENV}='{process.secret}'",
            f"  robocloud-desktop trigger {where} --payload '{{\"a\": 1}}'",
            f"  export {API_KEY_ENV}='{emulator.default_key}'",
            f"  robocloud-desktop trigger {where_v1} --payload '{{\"a\": 1}}'",
        ]))
        ctx.out.flush()
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return EXIT_OK
