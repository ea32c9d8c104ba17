"""The command line, run for a test: in this process, or as a process of its own.

Most tests run `robocloud_desktop.cli.main`, what the installed command runs, in this process: each
new Python costs more CPU than what most commands do. A test whose meaning needs a separate process
(Ctrl+C, a kill, what a child inherits, a real pipe or terminal, the installed command itself) starts
one, and every family of commands keeps at least one test that runs it as a user does.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import pytest

from robocloud_desktop.cli import main


def in_process(args: list[str], *, stdin: str = "", env: Mapping[str, str | None] | None = None
               ) -> subprocess.CompletedProcess[str]:
    """`robocloud-desktop ARGS` called in this process, with `stdin` as its input and the variables in
    `env` set (or, for None, unset) while it runs; its exit code and what it printed, as a process's.

    Only the command line's own variables can be given: the others (the keyring's D-Bus address...) are
    read once per process by the libraries, so a test that changes them needs a process of its own."""
    changes = dict(env or {})
    others = [name for name in changes if not name.startswith("ROBOCLOUD_")]
    assert not others, f"{others} would not reach the libraries in this process: use as_process()"
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as environ, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        for name, value in changes.items():
            if value is None:
                environ.delenv(name, raising=False)
            else:
                environ.setenv(name, value)
        try:
            code = main(args, stdin=io.StringIO(stdin), out=out, err=err)
        except SystemExit as stop:  # argparse's --help, --version and refusals, as the command exits
            code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
    return subprocess.CompletedProcess(["robocloud-desktop", *args], code, out.getvalue(), err.getvalue())


def at_once(*calls: list[str], env: Mapping[str, str | None] | None = None) -> list[subprocess.CompletedProcess[str]]:
    """Several command lines called in this process at the same time, one thread each (commands that
    wait on runs, so that their waits overlap); their results in the order given. For commands that
    print only through main()'s streams: argparse's own messages would go to this process's."""
    def call(args: list[str]) -> subprocess.CompletedProcess[str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(args, stdin=io.StringIO(""), out=out, err=err)
        return subprocess.CompletedProcess(["robocloud-desktop", *args], code, out.getvalue(), err.getvalue())

    changes = dict(env or {})
    assert all(name.startswith("ROBOCLOUD_") for name in changes), "see in_process()"
    with pytest.MonkeyPatch.context() as environ, ThreadPoolExecutor(len(calls)) as pool:
        for name, value in changes.items():
            if value is None:
                environ.delenv(name, raising=False)
            else:
                environ.setenv(name, value)
        return list(pool.map(call, calls))


def as_process(args: list[str], *, stdin: str = "", env: Mapping[str, str | None] | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m robocloud_desktop ARGS` as a process of its own, with this process's environment
    changed by `env` (None unsets a variable)."""
    environ = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return subprocess.run([sys.executable, "-m", "robocloud_desktop", *args], input=stdin, capture_output=True,
                          text=True, env=environ, timeout=timeout)
