"""How long reading a pasted curl command takes, by the paste's shape and size.

Times parse_curl on pastes of about --small and --large characters (default 100 KB and 1 MB) of
each shape: hostile ones (long runs of backslashes, quotes, carets, backticks, spaces after a
line-continuation character, thousands of options, a URL of repeated segments, unbalanced quotes,
control characters, ...) and a benign baseline (Control Room's command with a large --data payload).

Each paste is read twice:
  read    parse_curl(text, max_length=None): the whole reading, past the size cap, so that the
          large/small ratio shows how the time grows: about 10 when linear, about 100 when quadratic
  capped  parse_curl(text), as the window and the command line call it: above the cap a paste is
          refused before it is split

Per shape it prints both times, the large/small ratio and, at the large size, the ratio to the
benign paste of the same size measured in the same run; then whether every large paste answered
within --budget seconds (default 1), read and capped.

    .venv/bin/python benchmarks/curl_import_scale.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from robocloud_desktop.core.curl import MAX_COMMAND_LENGTH, CurlParseError, parse_curl

SECRET = "Zq7-Secret_Value.9x"
BASE = "https://api.eu1.robocloud.eu"
URL = f"{BASE}/workspace-v1/workspaces/1a2b3c-ws/processes/9f8e7d-pid/runs"
HEADER = f"robocloud-process-secret: {SECRET}"
COMMAND = f"curl -X POST -H '{HEADER}' -H 'Content-Type: application/json' {URL} -d "


def repeat(unit: str, size: int, head: str = "", tail: str = "") -> str:
    """`head`, then `unit` repeated to make about `size` characters in all, then `tail`."""
    return head + unit * max(1, (size - len(head) - len(tail)) // len(unit)) + tail


def benign(size: int) -> str:
    """Control Room's command with a payload of many small work-item fields, `size` characters of
    them: just over Control Room's 100 KB at the small size, so that at both sizes the payload is
    refused for its size after every reading of the command, and the work compares."""
    fields = repeat('"field":"a value of a work item",', size)
    return f"{COMMAND}'{{{fields}\"end\":1}}'"


SHAPES: dict[str, Callable[[int], str]] = {
    "backslashes": lambda n: repeat("\\", n, "curl "),
    "backslashes, PowerShell": lambda n: repeat("\\", n, f"curl.exe `\n -H '{HEADER}' `\n -d '", f"' `\n {URL}"),
    "backslash-quote pairs": lambda n: repeat('\\"', n, f'curl -H "{HEADER}" -d "', f'" {URL}'),
    "double quotes": lambda n: repeat('"', n, "curl "),
    "single quotes": lambda n: repeat("'", n, "curl "),
    "carets": lambda n: repeat("^", n, "curl ^\n "),
    "caret quotes (cmd)": lambda n: repeat('^\\^"', n, f'curl ^"{URL}^" ^\n -H ^"{HEADER}^" --data-raw ^"'),
    "backticks": lambda n: repeat("`", n, "curl.exe `\n "),
    "spaces after \\": lambda n: repeat(" ", n, "curl \\"),
    "spaces after ^": lambda n: repeat(" ", n, "curl ^"),
    "spaces after `": lambda n: repeat(" ", n, "curl `"),
    "continuations": lambda n: repeat("\\ \t\n", n, "curl "),
    "escaped spaces": lambda n: repeat("\\ ", n, "curl "),
    "workspace segments": lambda n: repeat("/workspace-v1/workspaces", n, f"curl -H '{HEADER}' {BASE}"),
    "run-like segments": lambda n: repeat("/workspace-v1/workspaces/w/processes/p/runs", n,
                                          f"curl -H '{HEADER}' {BASE}"),
    "one long URL": lambda n: repeat("a", n, f"curl -H '{HEADER}' {BASE}/"),
    # Like the baseline, over Control Room's 100 KB at both sizes.
    "huge --data": lambda n: f"{COMMAND}'{{\"a\":\"{'x' * n}\"}}'",
    "deep --data": lambda n: repeat("[", n, f"{COMMAND}'"),
    "long number": lambda n: repeat("9", n, f"{COMMAND}'{{\"a\":", "}'"),
    "flags": lambda n: repeat("-s ", n, "curl ", f" -H '{HEADER}' {URL}"),
    "headers": lambda n: repeat("-H 'a: b' ", n, "curl ", f" -H '{HEADER}' {URL}"),
    "grouped flags": lambda n: repeat("s", n, "curl -", f" -H '{HEADER}' {URL}"),
    "many URLs": lambda n: repeat(f"{URL} ", n, f"curl -H '{HEADER}' "),
    "unbalanced quote": lambda n: repeat("x", n, f"curl -H '{HEADER}' -d \""),
    "ANSI-C escapes": lambda n: repeat("\\x41", n, "curl $'"),
    "prompt prefix": lambda n: repeat("x", n, "PS C:\\"),
    "leading blanks": lambda n: repeat(" \n", n, "", f"$ curl -H '{HEADER}' {URL}"),
    "NUL and controls": lambda n: repeat("\0\x01\x1b\x7f", n, "curl "),
    "prose (a log file)": lambda n: repeat("2024-05-01 12:00:00 INFO Started the run of process 1a2b3c.\n", n),
    "query string": lambda n: repeat("a=1&", n, f"curl -H '{HEADER}' '{URL}?", "'"),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--small", type=int, default=100 * 1024, help="characters in a small paste")
    parser.add_argument("--large", type=int, default=1024 * 1024, help="characters in a large paste")
    parser.add_argument("--repeat", type=int, default=3, help="timings per paste; the median is shown")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds a large paste may take")
    args = parser.parse_args(argv)
    if not 0 < args.small < args.large or args.repeat < 1 or args.budget <= 0:
        parser.error("need 0 < --small < --large, --repeat >= 1 and --budget > 0")
    return args


def timed(text: str, max_length: int | None, repeat: int) -> tuple[float, str]:
    """Median seconds of `repeat` calls, and the outcome: "ok" or the start of the message."""
    times, outcome = [], ""
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            parse_curl(text, max_length=max_length)
            outcome = "ok"
        except CurlParseError as error:
            outcome = error.message
        times.append(time.perf_counter() - started)
    return statistics.median(times), outcome


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cap = MAX_COMMAND_LENGTH
    print(f"parse_curl by shape: small {args.small:,}, large {args.large:,} characters, and {cap:,} (the cap); "
          f"median of {args.repeat}")
    timed(benign(args.small), None, 1)  # warm-up: compiled patterns, imports

    rows: list[tuple[str, float, float, float, float, str]] = []
    for name, make in {"benign (baseline)": benign, **SHAPES}.items():
        small, large = make(args.small), make(args.large)
        small_time, _ = timed(small, None, args.repeat)
        large_time, outcome = timed(large, None, args.repeat)
        at_cap_time, _ = timed(make(cap)[:cap], cap, args.repeat)
        capped_time, _ = timed(large, cap, args.repeat)
        rows.append((name, small_time, large_time, at_cap_time, capped_time, outcome))

    base_large = rows[0][2]
    print(f"\n{'shape':<26}{'small ms':>9}{'large ms':>9}{'large/small':>12}{'/benign':>8}{'cap ms':>8}"
          f"{'app µs':>8}  outcome of the large paste, read past the cap")
    for name, small_time, large_time, at_cap_time, capped_time, outcome in rows:
        print(f"{name:<26}{small_time * 1e3:>9.1f}{large_time * 1e3:>9.1f}{large_time / small_time:>12.1f}"
              f"{large_time / base_large:>8.1f}{at_cap_time * 1e3:>8.1f}{capped_time * 1e6:>8.1f}  {outcome[:58]}")
    print("  cap ms: a paste of the cap's length, read in full (the longest the app can spend reading);\n"
          "  app µs: the large paste as the app reads it (refused for its length before it is split)")

    def slowest(column: int) -> tuple[str, float]:
        row = max(rows, key=lambda r: r[column])
        return row[0], row[column]

    worst_ratio = max(rows, key=lambda r: r[2] / r[1])
    for label, (name, seconds) in (("large, read past the cap", slowest(2)), ("at the cap", slowest(3))):
        print(f"slowest {label}: {seconds:.3f} s ({name})")
    print(f"slowest large, as the app reads it: {slowest(4)[1] * 1e6:.1f} µs ({slowest(4)[0]})")
    print(f"largest large/small ratio: {worst_ratio[2] / worst_ratio[1]:.1f} ({worst_ratio[0]}); "
          "about 10 is linear, about 100 quadratic")
    within_app, within_read = slowest(4)[1] <= args.budget, slowest(2)[1] <= args.budget
    print(f"every large paste answered within {args.budget:g} s as the app reads it: {'yes' if within_app else 'NO'}; "
          f"read in full past the cap: {'yes' if within_read else 'no'}")
    return 0 if within_app and slowest(3)[1] <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
