"""Every command of the command line, given hostile arguments, stdin and files, answers in words: a
documented exit code and a message, never a traceback, never a secret.

The commands and their options are read from the command line's own --help, so a command added later
is fuzzed too. The calls run in this process (thousands of them would take minutes as processes);
the command line's `main` is what the installed command runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from robocloud_desktop.cli import main
from robocloud_desktop.core.api_results import TriggeredRun
from robocloud_desktop.core.history import SCHEMA_VERSION, RunHistory
from robocloud_desktop.core.paths import app_paths
from robocloud_desktop.core.profiles import Profile, ProfileStore
from robocloud_desktop.core.target import Target

DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 4, 5}
SECRET = "fuzz-secret-8d1f0c7e4b2a9d6f3e5c1b0a"


@dataclass
class Command:
    words: list[str]
    positionals: list[str] = field(default_factory=list)
    options: dict[str, bool] = field(default_factory=dict)  # flag -> takes a value


def _help(words: list[str]) -> str:
    """The command's --help as the installed command prints it (argparse writes it to sys.stdout), at
    the 80 columns a pipe gets."""
    shown = io.StringIO()
    with pytest.MonkeyPatch.context() as env, contextlib.redirect_stdout(shown), pytest.raises(SystemExit) as done:
        env.setenv("COLUMNS", "80")
        main([*words, "--help"])
    assert done.value.code == 0
    return shown.getvalue()


def _sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if re.match(r"^[a-z][a-z ]*:$", line):
            current = line[:-1]
            sections[current] = []
        elif current and line.strip():
            sections[current].append(line)
    return sections


def discover(words: list[str]) -> list[Command]:
    """The commands under `words`, from their --help: subcommands are recursed into."""
    sections = _sections(_help(words))
    positionals = sections.get("positional arguments", [])
    subcommands = [m[1] for line in positionals if (m := re.match(r"^ {4}([a-z][a-z-]*)\b", line))]
    if subcommands:
        return [command for sub in subcommands for command in discover([*words, sub])]
    command = Command(words)
    for line in positionals:
        if m := re.match(r"^ {2}([A-Za-z_][A-Za-z_]*)\b", line):
            command.positionals.append(m[1])
    for line in sections.get("options", []):
        if (m := re.match(r"^ {2}(?:-\w, )?(--[a-z][a-z-]*)( \S+)?", line)) and m[1] != "--help":
            command.options[m[1]] = m[2] is not None
    return command and [command]


def ending(commands: list[Command]) -> list[Command]:
    """The commands that end by themselves: the emulator serves until stopped, so its flags are fuzzed
    apart, with values that cannot start it."""
    return [command for command in commands if command.words != ["emulator"]]


@pytest.fixture(scope="module")
def commands() -> list[Command]:
    found = discover([])
    names = {" ".join(c.words) for c in found}
    # What the README documents must be there; anything added later is fuzzed as well.
    assert {"trigger", "status", "runs", "watch", "emulator", "profile add", "profile import-curl",
            "profile list", "profile show", "profile rename", "profile set-secret", "profile remove",
            "profile curl"} <= names
    return found


HOSTILE = [
    "", " ", ".", "..", "-", "--", "-5", "0", "nan", "inf", "1e999", "9" * 30, "\udcff\udcfe", "a\u202eb",
    "\x1b[2J", "x" * 70_000, "請求書", "{}", "[1, 2]", '{"a": NaN}', '{"a": "\\ud800"}',
    '{"a": ' + "[" * 5_000 + "]" * 5_000 + "}", "1" * 5_000, "@", "@/dev/zero", "@/dev/null",
    "@/nonexistent/p.json", "https://h:99999", "http://example.com", "ftp://h", "https://u:p@h", "https://h/?q=1",
    "file:///etc/passwd", "https://[::1", "../../etc/passwd", "%2e%2e", "$(id)", "'", '"', "a\nb", "\t",
]
HOSTILE_STDIN = ["", "\n", "x" * 3_000_000, "\udcff\n", "{" * 100_000, SECRET + "\n" + SECRET]


@pytest.fixture
def home(tmp_path, emulator, process) -> Iterator[Path]:
    """A config folder with two profiles on the emulator and a run in the history."""
    home = tmp_path / "home"
    paths = app_paths(home)
    store = ProfileStore(paths.profiles_file)
    for name in ("alpha", "beta"):
        store.add(Profile(name, emulator.base_url, process.workspace_id, process.process_id))
    history = RunHistory(paths.history_db)
    run = TriggeredRun("run-0001", "wi", process.process_id, process.workspace_id)
    record = history.record_trigger(run, Target(emulator.base_url, process.workspace_id, process.process_id), {})
    history.save(replace(record, finished=True))  # `watch` has nothing to wait for: each call ends at once
    history.close()
    yield home


@pytest.fixture
def files(tmp_path) -> dict[str, str]:
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"city": "Jyväskylä"}'.encode("latin-1"))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    curl = tmp_path / "curl.txt"
    curl.write_text("curl -X POST https://api.eu1.robocloud.eu/workspace-v1/workspaces/../processes/p/runs "
                    f"-H 'robocloud-process-secret: {SECRET}'")
    return {"latin1": f"@{latin1}", "deep": f"@{deep}", "folder": f"@{tmp_path}", "curl": str(curl)}


@pytest.fixture(autouse=True)
def elsewhere(tmp_path, monkeypatch) -> None:
    # Hostile --config-dir values are relative folders: they are made here, not in the checkout.
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture
def quiet_network(monkeypatch, process) -> None:
    # A call that reaches for a real Control Room host meets a proxy that refuses at once: the fuzz
    # never leaves this computer, and never waits on it.
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ROBOCLOUD_PROCESS_SECRET", SECRET)


def valid_value(flag: str, command: Command, emulator, process, home: Path) -> str | None:
    """A value that works for the slot, so that one hostile value at a time is tried in a call that
    would otherwise succeed."""
    return {
        "--config-dir": str(home), "--base-url": emulator.base_url, "--workspace": process.workspace_id,
        "--process": process.process_id, "--payload": "{}", "--timeout": "30", "--request-timeout": "10",
        "--notes": "n", "--region": "eu1", "--limit": "5", "--profile": "alpha", "--state": "running",
        "NAME": "alpha", "RUN_ID": "run-0001", "OLD": "alpha", "NEW": "gamma", "run_id": "run-0001",
    }.get(flag)


class Findings:
    """What went wrong across many calls, told all at once: one run of the test shows every fault."""

    def __init__(self) -> None:
        self.faults: list[str] = []

    def call(self, argv: list[str], stdin: str, capsys) -> int | None:
        out, err = io.StringIO(), io.StringIO()
        shown = " ".join(repr(a[:40]) for a in argv)
        try:
            code = main(argv, stdin=io.StringIO(stdin), out=out, err=err)
        except SystemExit as stop:  # argparse's own refusals, and --help
            code = stop.code if isinstance(stop.code, int) else 2
        except Exception as error:  # what a user would see as a traceback
            capsys.readouterr()
            self.faults.append(f"{type(error).__name__}: {str(error)[:200]} for {shown}")
            return None
        captured = capsys.readouterr()
        out_text, err_text = out.getvalue() + captured.out, err.getvalue() + captured.err
        if code not in DOCUMENTED_EXIT_CODES:
            self.faults.append(f"exit {code} for {shown}: {err_text[-300:]}")
        if "Traceback" in err_text + out_text:
            self.faults.append(f"traceback for {shown}: {err_text[-1000:]}")
        if SECRET in out_text + err_text:
            self.faults.append(f"the secret was shown for {shown}")
        if code != 0 and "robocloud-desktop" not in err_text:
            self.faults.append(f"exit {code} without a message for {shown}")
        return code

    def assert_none(self) -> None:
        unique = list(dict.fromkeys(self.faults))
        assert not unique, f"{len(unique)} faults:\n" + "\n".join(unique[:60])


@pytest.fixture
def findings() -> Findings:
    return Findings()


def base_argv(command: Command, emulator, process, home: Path) -> list[str]:
    argv = [*command.words]
    for name in command.positionals:
        argv.append(valid_value(name, command, emulator, process, home) or "alpha")
    if "--config-dir" in command.options:
        argv += ["--config-dir", str(home)]
    if command.words == ["profile", "add"]:
        argv += ["--workspace", process.workspace_id, "--process", process.process_id, "--base-url", emulator.base_url]
    if command.words == ["profile", "set-secret"]:
        argv += ["--secret-stdin"]
    return argv


# The commands are shared out over this many tests, so that parallel workers take a share each.
SHARDS = 8


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_command_given_one_hostile_value_at_a_time_answers_in_words(commands, home, files, emulator, process,
                                                                         quiet_network, capsys, findings, shard):
    values = HOSTILE + list(files.values())
    calls = 0
    for command in ending(commands)[shard::SHARDS]:
        slots = [("positional", i) for i in range(len(command.positionals))]
        slots += [("option", flag) for flag, takes in command.options.items() if takes and flag != "--config-dir"]
        for kind, slot in slots:
            for value in values:
                argv = base_argv(command, emulator, process, home)
                if kind == "positional":
                    argv[len(command.words) + slot] = value
                else:
                    argv += [slot, value]
                findings.call(argv, "", capsys)
                calls += 1
    assert calls > 50  # every shard has commands with values to try
    findings.assert_none()


def test_commands_given_hostile_stdin_answer_in_words(commands, home, emulator, process, quiet_network, capsys, findings):
    for command in ending(commands):
        takes_stdin = [flag for flag in ("--secret-stdin",) if flag in command.options]
        argv = base_argv(command, emulator, process, home)
        variants = [[*argv, *takes_stdin]]
        if "--payload" in command.options:
            variants.append([*argv, "--payload", "-"])
        for variant in variants:
            for stdin in HOSTILE_STDIN:
                findings.call(variant, stdin, capsys)
    findings.assert_none()


@pytest.mark.parametrize("flag", ["--port", "--run-duration", "--latency"])
def test_the_emulator_refuses_hostile_flags_in_words(flag, capsys, findings):
    for value in ("", "-1", "nan", "inf", "1e999", "9" * 30, "\udcff", "x" * 70_000, "0x10", "12 s"):
        assert findings.call(["emulator", flag, value], "", capsys) == 2
    findings.assert_none()


def test_random_mixes_of_hostile_arguments_answer_in_words(commands, home, files, emulator, process, quiet_network,
                                                          capsys, findings):
    chooser = random.Random(1309)  # the same mixes every run: a failure can be replayed
    values = HOSTILE + list(files.values())
    for _ in range(400):
        command = chooser.choice(ending(commands))
        argv = base_argv(command, emulator, process, home)
        flags = list(command.options)
        for flag in chooser.sample(flags, k=min(len(flags), chooser.randint(1, 4))):
            if flag in ("--wait",):
                continue  # follows a run for as long as it goes; its timeouts are in the slot fuzz
            argv += [flag, chooser.choice(values)] if command.options[flag] else [flag]
        chooser.shuffle(argv[len(command.words):])
        findings.call(argv, chooser.choice(["", *HOSTILE_STDIN[:2]]), capsys)
    findings.assert_none()


def _profiles_file(home: Path, content: bytes | None, *, folder: bool = False) -> None:
    path = app_paths(home).profiles_file
    path.parent.mkdir(parents=True, exist_ok=True)
    if folder:
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)


def _profile(**changes: object) -> bytes:
    entry = {"id": "p1", "name": "alpha", "base_url": "https://api.eu1.robocloud.eu", "workspace_id": "w",
             "process_id": "p", **changes}
    return json.dumps({"version": 1, "profiles": [entry]}).encode()


HOSTILE_PROFILE_FILES = {
    "garbage": os.urandom(4096),
    "not utf-8": b'{"version": 1, "profiles": [{"name": "\xff"}]}',
    "deep": b'{"version": 1, "profiles": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "wrong types": _profile(recent_payloads=5, payload=5, secret_in_query="false"),
    "ids that are path steps": _profile(workspace_id="..", process_id="."),
    "newer version": json.dumps({"version": 99, "profiles": []}).encode(),
    "not an object": b"[1, 2, 3]",
    "huge": b'{"version": 1, "profiles": [], "pad": "' + b"x" * (17 * 1024 * 1024) + b'"}',  # past the 16 MB cap
}


@pytest.mark.parametrize("variant", [*HOSTILE_PROFILE_FILES, "a folder"])
def test_hostile_profile_files_get_words_from_every_command(variant, tmp_path, commands, emulator, process,
                                                            quiet_network, capsys, findings):
    for command in ending(commands):
        home = tmp_path / f"home-{'-'.join(command.words)}"
        _profiles_file(home, HOSTILE_PROFILE_FILES.get(variant), folder=variant == "a folder")
        findings.call(base_argv(command, emulator, process, home), SECRET + "\n", capsys)
    findings.assert_none()


HOSTILE_HISTORIES = {
    "garbage": os.urandom(8192),
    "truncated sqlite": b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + b"\x00" * 100,
}


@pytest.mark.parametrize("variant", [*HOSTILE_HISTORIES, "newer schema", "a folder"])
def test_hostile_run_histories_get_words_from_every_command(variant, tmp_path, commands, emulator, process,
                                                            quiet_network, capsys, findings):
    for command in ending(commands):
        home = tmp_path / f"home-{'-'.join(command.words)}"
        store = ProfileStore(app_paths(home).profiles_file)
        store.add(Profile("alpha", emulator.base_url, process.workspace_id, process.process_id))
        history = app_paths(home).history_db
        history.parent.mkdir(parents=True, exist_ok=True)
        if variant == "a folder":
            history.mkdir()
        elif variant == "newer schema":
            RunHistory(history).close()
            import sqlite3

            with sqlite3.connect(history) as db:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
        else:
            history.write_bytes(HOSTILE_HISTORIES[variant])
        findings.call(base_argv(command, emulator, process, home), SECRET + "\n", capsys)
    findings.assert_none()
