"""`robocloud-desktop emulator`: the local Process API emulator, for trying things out."""

from __future__ import annotations

import argparse
import threading

from robocloud_desktop.cli.common import EXIT_OK, SECRET_ENV, Context


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    emulator = commands.add_parser("emulator", help="run the local Process API emulator")
    emulator.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    emulator.add_argument("--run-duration", type=float, default=5.0, metavar="S",
                          help="seconds an emulated run takes (default 5)")
    emulator.add_argument("--latency", type=float, default=0.0, metavar="S",
                          help="seconds added before every answer, like a real network round trip (default 0)")
    emulator.set_defaults(handler=run)


def run(ctx: Context) -> int:
    from robocloud_desktop.emulator import Emulator

    emulator = Emulator(port=ctx.args.port, run_duration=ctx.args.run_duration)
    emulator.latency = getattr(ctx.args, "latency", 0.0)
    emulator.start()
    process = emulator.default_process
    where = (f"--base-url {emulator.base_url} --workspace {process.workspace_id} "
             f"--process {process.process_id}")
    ctx.print("\n".join([
        "Process API emulator running (Ctrl+C to stop).",
        f"  base URL:     {emulator.base_url}",
        f"  workspace id: {process.workspace_id}",
        f"  process id:   {process.process_id}",
        f"  secret:       {process.secret}",
        "Try:",
        f"  export {SECRET_ENV}='{process.secret}'",
        f"  robocloud-desktop trigger {where} --payload '{{\"a\": 1}}'",
    ]))
    ctx.out.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return EXIT_OK
