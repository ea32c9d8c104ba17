"""Two processes changing the profile file at once (the window and a command, two commands): the
second waits for the first to be done, and reads what it wrote; one that keeps it too long is told."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from robocloud_desktop.core.paths import app_paths
from robocloud_desktop.core.profile_file import lock
from robocloud_desktop.core.profiles import Profile, ProfileError, ProfileStore

ROOT = Path(__file__).resolve().parents[2]

# In the middle of a change: the file read under its lock, its new profile not written yet. It goes
# on when given a line.
CHANGING = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from robocloud_desktop.core.profiles import Profile, ProfileStore

    store = ProfileStore(Path(sys.argv[1]))
    with store.changing() as document:
        print("held", flush=True)
        sys.stdin.readline()
        document.profiles.append(Profile("Payroll", "https://api.eu1.robocloud.eu", "ws-1", "proc-2"))
    print("written", flush=True)
    """
)

ADDING = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from robocloud_desktop.core.profiles import Profile, ProfileStore

    store = ProfileStore(Path(sys.argv[1]))
    print("adding", flush=True)
    store.add(Profile("Invoices", "https://api.eu1.robocloud.eu", "ws-1", "proc-1"))
    print("added", flush=True)
    """
)


def start(script: str, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def path(app_home: Path) -> Path:
    return app_paths(app_home).profiles_file


@pytest.fixture
def holder(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process in the middle of a change of the file."""
    process = start(CHANGING, path)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "held\n", process.stderr.read() if process.stderr else ""
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_a_change_waits_for_the_one_under_way_and_keeps_both(path: Path, holder: subprocess.Popen[str]) -> None:
    adder = start(ADDING, path)
    try:
        assert adder.stdout is not None and adder.stdout.readline() == "adding\n"
        # That it waits can only be seen as it not ending for a while: a third of a second, when
        # adding a profile to a free file takes a few milliseconds.
        with pytest.raises(subprocess.TimeoutExpired):
            adder.wait(timeout=0.3)

        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.write("go on\n")
        holder.stdin.flush()
        assert holder.stdout.readline() == "written\n"
        out, err = adder.communicate(timeout=30)
    finally:
        if adder.poll() is None:
            adder.kill()
            adder.communicate()

    assert adder.returncode == 0, err
    assert out == "added\n"
    # The second change read the file as the first left it: nothing of either is lost.
    assert sorted(p.name for p in ProfileStore(path).profiles()) == ["Invoices", "Payroll"]


def test_a_change_that_cannot_have_the_file_in_time_is_refused_in_words(path: Path,
                                                                       holder: subprocess.Popen[str]) -> None:
    with pytest.raises(ProfileError) as refused:
        lock(path, wait_s=0.2)

    message = refused.value.message
    assert str(path) in message and f"(process {holder.pid})" in message
    assert "nothing was changed" in message and "end that process, then try again" in message

    holder.kill()  # gone without a word: the system lets go of its lock
    holder.wait()
    held = lock(path, wait_s=10)
    held.release()
    assert ProfileStore(path).add(Profile("Invoices", "https://api.eu1.robocloud.eu", "ws-1", "proc-1"))
