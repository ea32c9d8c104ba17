"""What ProcessApiClient.trigger adds to one POST, against a bare requests call and curl.

Three ways to start a run on an in-process emulator (run duration 0):
  client  ProcessApiClient.trigger(target, secret, {"a": 1})
  bare    requests.Session().post(url, json=..., headers={secret header}, timeout=...)
  curl    one `curl` process per call (what a shell script pays)
After a warm-up, the methods take turns in rounds so that the machine's noise hits all alike;
the median and p90 per call and the ratios client/bare and client/curl are printed.

    .venv/bin/python benchmarks/trigger_overhead.py --rounds 300 --curl-rounds 100
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import requests

from robocloud_desktop.core.api import NO_RETRY, ProcessApiClient
from robocloud_desktop.core.target import Target
from robocloud_desktop.core.timeouts import DEFAULT_TIMEOUT
from robocloud_desktop.emulator import Emulator

SECRET_HEADER = "robocloud-process-secret"
PAYLOAD = {"a": 1}
TARGET_RATIO = 1.1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--rounds", type=int, default=300, help="measured calls per Python method")
    parser.add_argument("--curl-rounds", type=int, default=100,
                        help="measured curl calls, spread evenly over the rounds (0: skip curl)")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured calls per method first")
    parser.add_argument("--profile", choices=("auto", "always", "never"), default="auto",
                        help="cProfile the client path: when client/bare misses the target, always, or never")
    parser.add_argument("--profile-calls", type=int, default=300, help="client calls under cProfile")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.curl_rounds < 0 or args.warmup < 0 or args.profile_calls < 1:
        parser.error("--rounds and --profile-calls must be >= 1, the other counts >= 0")
    return args


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: always a value that was actually measured."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def timed(call: Callable[[], None]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    curl = shutil.which("curl") if args.curl_rounds else None
    if args.curl_rounds and curl is None:
        print("curl not found: skipping the curl comparison", file=sys.stderr)

    with Emulator(run_duration=0) as emulator:
        process = emulator.default_process
        target = Target(emulator.base_url, process.workspace_id, process.process_id)
        secret, url = process.secret, target.runs_url()
        # NO_RETRY: a retry would be a second round trip hidden in one measurement.
        client = ProcessApiClient(retry=NO_RETRY)
        session = requests.Session()
        headers = {SECRET_HEADER: secret, "Content-Type": "application/json"}
        body = json.dumps(PAYLOAD)

        def via_client() -> None:
            client.trigger(target, secret, PAYLOAD)

        def via_bare() -> None:
            response = session.post(url, json=PAYLOAD, headers={SECRET_HEADER: secret}, timeout=DEFAULT_TIMEOUT)
            response.raise_for_status()
            response.json()

        def via_curl() -> None:
            assert curl is not None
            # The secret goes on curl's command line; acceptable for the emulator's throwaway
            # secret, and it is never printed.
            command = [curl, "-s", "-f", "-o", "/dev/null", "-X", "POST"]
            for name, value in headers.items():
                command += ["-H", f"{name}: {value}"]
            subprocess.run([*command, "--data", body, url], check=True, stdin=subprocess.DEVNULL)

        methods: dict[str, Callable[[], None]] = {"client": via_client, "bare": via_bare}
        if curl:
            methods["curl"] = via_curl
        try:
            for _ in range(args.warmup):
                for call in methods.values():
                    call()
            times: dict[str, list[float]] = {name: [] for name in methods}
            curl_every = max(1, args.rounds // args.curl_rounds) if curl else 0
            for round_number in range(args.rounds):
                # Alternating who goes first keeps one method from always following another's
                # side effects (a just-woken server thread, a warm cache line).
                order = ["client", "bare"] if round_number % 2 == 0 else ["bare", "client"]
                if curl and round_number % curl_every == 0 and len(times["curl"]) < args.curl_rounds:
                    order.insert((round_number // curl_every) % 3, "curl")
                for name in order:
                    times[name].append(timed(methods[name]))

            ratio = statistics.median(times["client"]) / statistics.median(times["bare"])
            profile_text = ""
            if args.profile == "always" or (args.profile == "auto" and ratio > TARGET_RATIO):
                profile_text = profile_client(via_client, args.profile_calls)
        finally:
            client.close()
            session.close()

    print(f"trigger_overhead: POST with payload {body} to an in-process emulator, "
          f"{args.rounds} rounds after {args.warmup} warm-up calls each")
    print(f"  {'method':<8}{'calls':>7}{'median ms':>12}{'p90 ms':>10}")
    for name, values in times.items():
        print(f"  {name:<8}{len(values):>7}{statistics.median(values) * 1000:>12.3f}"
              f"{percentile(values, 0.9) * 1000:>10.3f}")
    print(f"  client/bare  median {ratio:.3f}   p90 "
          f"{percentile(times['client'], 0.9) / percentile(times['bare'], 0.9):.3f}   (target <= {TARGET_RATIO})")
    if "curl" in times:
        print(f"  client/curl  median {statistics.median(times['client']) / statistics.median(times['curl']):.3f}   "
              f"p90 {percentile(times['client'], 0.9) / percentile(times['curl'], 0.9):.3f}")
    if profile_text:
        print(profile_text)
    return 0


def profile_client(call: Callable[[], None], calls: int) -> str:
    """Where the client's time goes, heaviest own time first (the emulator's threads are not seen)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write(f"\ncProfile of {calls} client triggers, by own time:\n")
    stats.sort_stats("tottime").print_stats(25)
    out.write("\nby cumulative time:\n")
    stats.sort_stats("cumulative").print_stats(40)
    return out.getvalue()


if __name__ == "__main__":
    sys.exit(main())
