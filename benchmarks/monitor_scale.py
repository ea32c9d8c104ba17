"""Follow many runs to their end with RunMonitor and measure what it costs.

Triggers N runs on the emulator (run in a subprocess, so that the memory and CPU measured are the
monitor's alone), follows them all with one RunMonitor backed by a real SQLite history, and prints:
runs ended, status requests against the ideal, lag from a run's end to the monitor's callback, peak
RSS, idle CPU after everything ended, and how long stop() took. Each figure comes with a baseline
measured in the same run, because the machines are noisy.

With the per-process secret API each run is asked about on its own, so the ideal is one GET per run
per interval. With `--api v1` the runs are spread over `--processes` processes of one workspace and
followed through each process's run list: the requests are set against that same one-GET-per-run
figure, which is what following them one by one would cost.

    .venv/bin/python benchmarks/monitor_scale.py --runs 1000
    .venv/bin/python benchmarks/monitor_scale.py --api v1 --runs 1000 --processes 5
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from robocloud_desktop.core.api import ProcessApiClient
from robocloud_desktop.core.history import RunHistory
from robocloud_desktop.core.monitor import PollPlan, RunMonitor, RunUpdate
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.core.target import API_PROCESS_SECRET, API_V1, Target

# ru_maxrss is a high-water mark, so this is the most the imports alone ever needed.
IMPORTED_RSS_KB = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
PAYLOAD = {"benchmark": "monitor_scale"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--api", choices=(API_PROCESS_SECRET, API_V1), default=API_PROCESS_SECRET,
                        help="the per-process secret API (one GET per run), or Control Room API v1 (run lists)")
    parser.add_argument("--runs", type=int, default=1000, help="runs to trigger and follow")
    parser.add_argument("--processes", type=int, default=5, help="with --api v1: processes the runs are spread over")
    parser.add_argument("--run-duration", type=float, default=10.0, metavar="S", help="seconds each run takes")
    parser.add_argument("--interval", type=float, default=2.0, metavar="S", help="poll interval")
    parser.add_argument("--first-delay", type=float, default=1.0, metavar="S", help="first poll after trigger")
    parser.add_argument("--workers", type=int, default=8, help="monitor worker threads")
    parser.add_argument("--trigger-threads", type=int, default=8, help="threads triggering the runs")
    parser.add_argument("--idle", type=float, default=10.0, metavar="S", help="idle window for the CPU figure")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.workers < 1 or args.trigger_threads < 1 or not 1 <= args.processes <= 100:
        parser.error("--runs, --workers and --trigger-threads must be at least 1, --processes 1 to 100")
    if args.run_duration < 0 or args.interval <= 0 or args.first_delay < 0 or args.idle <= 0:
        parser.error("durations must be >= 0, and --interval and --idle > 0")
    return args


class EmulatorProcess:
    """`robocloud-desktop emulator` in a child process; its secret and key are kept, never shown."""

    def __init__(self, run_duration: float, processes: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "robocloud_desktop", "emulator", "--port", "0",
             "--run-duration", str(run_duration), "--processes", str(processes)],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        )
        self.values: dict[str, str] = {}  # "label" for the per-process API, "v1 label" for API v1
        self.v1_processes: list[str] = []
        try:
            self._read_banner()
        except BaseException:
            self.close()
            raise

    def _read_banner(self) -> None:
        assert self.proc.stdout is not None
        # The banner is a handful of lines flushed at once; a watchdog keeps a hung child from
        # hanging the benchmark on readline.
        watchdog = threading.Timer(30.0, self.proc.kill)
        watchdog.start()
        section = ""
        try:
            for line in self.proc.stdout:
                if line.startswith("Try:"):
                    return
                if not line.startswith(" "):
                    section = "v1 " if line.startswith("Control Room API v1") else ""
                    continue
                label, _, value = line.strip().partition(":")
                if section and label == "process":
                    self.v1_processes.append(value.split()[0])
                else:
                    self.values[section + label] = value.strip()
        finally:
            watchdog.cancel()
        raise RuntimeError(f"the emulator exited (code {self.proc.poll()}) before printing its banner")

    def targets(self, api: str) -> list[Target]:
        if api == API_V1:
            return [Target(self.values["v1 base URL"], self.values["v1 workspace id"], process, api=API_V1)
                    for process in self.v1_processes]
        return [Target(self.values["base URL"], self.values["workspace id"], self.values["process id"])]

    def credential(self, api: str) -> str:
        return self.values["v1 API key"] if api == API_V1 else self.values["secret"]

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.values['base URL']}/_emulator/stats", timeout=10) as answer:
            return json.load(answer)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: always a value that was actually measured."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def ideal_polls(duration: float, first_delay: float, interval: float) -> int:
    """Polls at F, F+I, F+2I, ... up to the first one at or after the end."""
    return math.ceil(max(0.0, duration - first_delay) / interval) + 1


def cpu_share(seconds: float, wait: Any) -> float:
    """Process CPU over a window of `seconds`, as a percentage of one core."""
    cpu0, wall0 = time.process_time(), time.monotonic()
    wait(seconds)
    return 100.0 * (time.process_time() - cpu0) / (time.monotonic() - wall0)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    n, duration, interval = args.runs, args.run_duration, args.interval

    # Before anything starts, so nothing of ours can be running yet.
    sleep_cpu = cpu_share(args.idle, time.sleep)

    lock = threading.Lock()
    started: dict[str, float] = {}
    ended_at: dict[str, float] = {}
    all_ended = threading.Event()
    trigger_errors: list[str] = []

    def on_update(update: RunUpdate) -> None:
        # Taken first: anything slow below would otherwise count as lag.
        now = time.monotonic()
        if update.record.is_ended and not update.previous.is_ended:
            with lock:
                ended_at.setdefault(update.record.run_id, now)
                if len(ended_at) >= n:
                    all_ended.set()

    emulator = EmulatorProcess(duration, args.processes)
    try:
        targets, secret = emulator.targets(args.api), emulator.credential(args.api)
        with tempfile.TemporaryDirectory(prefix="monitor-scale-") as tmp:
            history = RunHistory(Path(tmp) / "history.sqlite3")
            client = ProcessApiClient(pool_size=args.workers + args.trigger_threads)
            monitor = RunMonitor(client, history, lambda _record: secret,
                                 plan=PollPlan(first_delay=args.first_delay, intervals=((0, interval),)),
                                 workers=args.workers, on_update=on_update)
            monitor.start(resume=False)
            stop_seconds = math.nan
            try:
                def trigger_one(index: int) -> None:
                    target = targets[index % len(targets)]
                    # Before the POST: the server creates the run later, so a lag measured from
                    # here plus the duration can only come out too high, never too low.
                    t_start = time.monotonic()
                    try:
                        run = client.trigger(target, secret, PAYLOAD)
                    except Exception as error:  # counted and reported; one failure must not stop the rest
                        with lock:
                            trigger_errors.append(f"{type(error).__name__}: {error}")
                        return
                    record: RunRecord = history.record_trigger(run, target, PAYLOAD)
                    with lock:
                        started[run.run_id] = t_start
                    monitor.track(record)

                triggering, cpu_before = time.monotonic(), time.process_time()
                with ThreadPoolExecutor(max_workers=args.trigger_threads) as pool:
                    list(pool.map(trigger_one, range(n)))
                trigger_seconds = time.monotonic() - triggering
                if trigger_errors:
                    print(f"{len(trigger_errors)} triggers failed, first: {trigger_errors[0]}", file=sys.stderr)

                deadline = duration + 60.0 + n / 100
                all_ended.wait(deadline)
                busy_cpu, busy_wall = time.process_time() - cpu_before, time.monotonic() - triggering
                with lock:
                    lags = [ended_at[r] - (started[r] + duration) for r in ended_at if r in started]
                    ended = len(ended_at)
                time.sleep(0.2)  # lets answers already in flight land before counting
                after_runs = emulator.stats()
                tracked_after = monitor.tracked
                idle_cpu = cpu_share(args.idle, time.sleep)
                after_idle = emulator.stats()
                stop_started = time.monotonic()
                stopped_cleanly = monitor.stop(timeout=5.0)
                stop_seconds = time.monotonic() - stop_started
            finally:
                monitor.stop(timeout=5.0)
                client.close()
                history.close()
            peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    finally:
        emulator.close()
    # The emulator is our only child, and close() waited for it, so this is all its CPU.
    emulator_cpu = sum(getattr(resource.getrusage(resource.RUSAGE_CHILDREN), f) for f in ("ru_utime", "ru_stime"))

    gets = after_runs["requests"]["GET"]
    ideal = n * ideal_polls(duration, args.first_delay, interval)
    bound = interval + 1.0
    spread = f" over {len(targets)} processes (API v1, run lists)" if args.api == API_V1 else ""
    print(f"monitor_scale: {n} runs of {duration:g} s{spread}, poll every {interval:g} s after "
          f"{args.first_delay:g} s, {args.workers} workers")
    print(f"  triggered          {after_runs['runs']} runs in {trigger_seconds:.2f} s "
          f"({len(trigger_errors)} trigger errors)")
    print(f"  runs ended         {ended} / {n}   (still tracked: {tracked_after})")
    if args.api == API_V1:
        print(f"  status requests    {gets}   one GET per run would need {ideal}   ratio {gets / ideal:.3f}   "
              f"(target <= 0.1: they grow with processes, not runs)")
    else:
        print(f"  status requests    {gets}   ideal {ideal}   ratio {gets / ideal:.3f}   (target <= 1.1)")
    if lags:
        print(f"  end -> callback    p50 {percentile(lags, 0.5):.2f} s   p99 {percentile(lags, 0.99):.2f} s   "
              f"max {max(lags):.2f} s   bound {bound:g} s   (target p99 <= bound)")
    print(f"  CPU, trigger->end  monitor process {busy_cpu:.2f} s ({100 * busy_cpu / busy_wall:.0f} % of a core, "
          f"{1000 * busy_cpu / max(1, gets + n):.2f} ms per request)   emulator process {emulator_cpu:.2f} s "
          f"(whole life)")
    print(f"  peak RSS           {peak_rss_kb / 1024:.1f} MB   after imports {IMPORTED_RSS_KB / 1024:.1f} MB   "
          f"difference {(peak_rss_kb - IMPORTED_RSS_KB) / 1024:.1f} MB")
    idle_gets = after_idle["requests"]["GET"] - gets
    print(f"  idle CPU {args.idle:g} s".ljust(21) + f"monitor {idle_cpu:.3f} % of a core   "
          f"plain sleep {sleep_cpu:.3f} %   status requests while idle {idle_gets}")
    print(f"  monitor.stop()     {stop_seconds * 1000:.1f} ms   (threads ended: {stopped_cleanly})")
    return 0 if ended == n else 1


if __name__ == "__main__":
    sys.exit(main())
