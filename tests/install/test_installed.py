"""The app installed from its wheel, as users install it: into a virtualenv of its own (as pipx does) and
with `pip install --user` into a Python outside any virtualenv. Each copy, run from a folder outside the
checkout, says its version, adds itself to the desktop's menu, opens its window from that menu entry, and
triggers a run on the emulator it brings, to its end."""

from __future__ import annotations

import contextlib
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from robocloud_desktop import __version__, resources
from robocloud_desktop.cli.desktop_entry import Placement
from robocloud_desktop.core.paths import app_paths
from robocloud_desktop.ui.single_instance import WindowLock, ask_to_come_forward
from tests.install.conftest import ROOT, Installed, clean_environment, uv
from tests.install.entries import exec_command, validate


def test_installed_in_a_virtualenv_of_its_own(qapp, wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "my apps" / "robocloud"  # a space in the path, as in many users' folders
    uv("venv", "--quiet", "--python", sys.executable, venv)
    uv("pip", "install", "--quiet", "--python", venv / "bin" / "python", wheel)
    check_installed_copy(Installed(venv / "bin", clean_environment(ROBOCLOUD_DESKTOP_HOME=str(tmp_path / "home")),
                                   tmp_path))


def test_installed_for_the_user_with_pip(qapp, wheel: Path, tmp_path: Path) -> None:
    # The Python this checkout's virtualenv was made from: one outside any virtualenv, as a user has.
    python = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    user_base = tmp_path / "user"
    # PIP_BREAK_SYSTEM_PACKAGES: a distribution's Python (Debian's) refuses --user installs without it.
    env = clean_environment(ROBOCLOUD_DESKTOP_HOME=str(tmp_path / "home"), PYTHONUSERBASE=str(user_base),
                            PIP_BREAK_SYSTEM_PACKAGES="1", PIP_ROOT_USER_ACTION="ignore")
    site = subprocess.run([python, "-c", "import site; print(site.getusersitepackages())"], capture_output=True,
                          text=True, env=env, timeout=60).stdout.strip()
    # The app's dependencies go into the user's site-packages from uv's cache (pip would download and unpack
    # PySide6 for a minute), so that pip has only the app itself to install.
    uv("pip", "install", "--quiet", "--python", python, "--target", site, "-r", ROOT / "pyproject.toml")
    # --no-compile: compiling the app's modules takes pip a second, and a start does without.
    setup = subprocess.run([python, "-m", "pip", "install", "--quiet", "--user", "--no-index", "--no-compile",
                            "--no-warn-script-location", wheel], capture_output=True, text=True, env=env,
                           cwd=tmp_path, timeout=300)
    assert setup.returncode == 0, setup.stderr
    installed = Installed(user_base / "bin", env, tmp_path)
    where = subprocess.run([python, "-c", "from robocloud_desktop import resources; print(resources.folder())"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert Path(where.stdout.strip()).is_relative_to(site)  # the copy installed with --user, nothing else
    check_installed_copy(installed)


def check_installed_copy(app: Installed) -> None:
    menu = app.cwd / "menu"
    added = app.run("install-desktop-entry", "--prefix", menu)
    assert added.returncode == 0, added.stderr
    place = Placement(menu / "share")
    command = exec_command(place.entry)
    assert command == [str(app.command("robocloud-desktop-window"))]
    # As the desktop starts it from its menu, on the files the commands below use: the window cannot follow
    # the run `trigger --wait` starts without a profile (the secret is in that command's environment only),
    # and leaves it to the command.
    window_home = Path(app.env["ROBOCLOUD_DESKTOP_HOME"])
    window = app.start(command)
    try:
        validate(place.entry, place.metainfo)
        assert place.icon.read_bytes() == (resources.folder() / "icons" / "app.svg").read_bytes()

        version = app.run("--version")
        assert version.stdout.strip() == f"robocloud-desktop {__version__}", version.stderr

        with emulator(app) as (secret, trigger):
            done = app.run(*trigger, "--wait", env={"ROBOCLOUD_PROCESS_SECRET": secret})
        assert done.returncode == 0, done.stderr
        assert "Completed (COMPL/OK)" in done.stdout

        # The window answers once drawn (it is the one window of its files): then it is asked to end.
        assert ask_to_come_forward(WindowLock(app_paths(window_home)).server_name, within_s=60), (
            window.communicate(timeout=30)[1] if window.poll() is not None else "the window did not answer")
        window.send_signal(signal.SIGTERM)
        _, err = window.communicate(timeout=30)
    finally:
        if window.poll() is None:
            window.kill()
            window.communicate()
    assert window.returncode == 0, err
    assert "Traceback" not in err

    demo_opens_its_window(app)

    removed = app.run("install-desktop-entry", "--remove", "--prefix", menu)
    assert removed.returncode == 0, removed.stderr
    assert not [path for path in place.files if path.exists()]


def demo_opens_its_window(app: Installed) -> None:
    """`robocloud-desktop --demo`, as the README has users try it: the window opens on the emulator. With -v
    its log's lines come on stderr too, the first of them once the window is drawn."""
    window = app.start([str(app.command()), "--demo", "-v"])
    lines, reader = read_lines(window.stderr)
    seen: list[str] = []
    give_up_at = time.monotonic() + 60
    try:
        while not any("Started the window on the demo emulator" in line for line in seen):
            try:  # the demo's emulator logs its requests meanwhile: the wait is for the whole, not a line
                seen.append(lines.get(timeout=max(give_up_at - time.monotonic(), 0)))
            except queue.Empty:
                pytest.fail("the demo window did not start: " + "".join(seen))
        window.send_signal(signal.SIGTERM)
        assert window.wait(timeout=30) == 0
    finally:
        if window.poll() is None:
            window.kill()
            window.wait()
        reader.join(timeout=30)
    while not lines.empty():  # what it wrote as it ended
        seen.append(lines.get_nowait())
    assert "Traceback" not in "".join(seen)


def read_lines(stream: IO[str]) -> tuple[queue.Queue[str], threading.Thread]:
    """The lines of a program's output as they come, read on a thread: a program that never prints the line
    a test waits for fails it instead of hanging it."""
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True)
    reader.start()
    return lines, reader


@contextlib.contextmanager
def emulator(app: Installed) -> Iterator[tuple[str, list[str]]]:
    """The copy's own `robocloud-desktop emulator`; yields the secret and the trigger command (without the
    program's name) it prints for trying it out."""
    with subprocess.Popen([app.command(), "emulator", "--run-duration", "0.3"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, cwd=app.cwd, env=app.env) as process:
        lines, reader = read_lines(process.stdout)
        try:
            secret, trigger = "", []
            while not trigger:
                try:
                    line = lines.get(timeout=60).strip()
                except queue.Empty:
                    pytest.fail("the emulator printed no trigger command")
                if line.startswith("export ROBOCLOUD_PROCESS_SECRET="):
                    secret = shlex.split(line)[1].partition("=")[2]
                elif line.startswith("robocloud-desktop trigger --base-url"):
                    trigger = shlex.split(line)[1:]
            yield secret, trigger
        finally:
            process.send_signal(signal.SIGINT)
            try:
                stopped = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
            reader.join(timeout=30)
    assert stopped == 0
