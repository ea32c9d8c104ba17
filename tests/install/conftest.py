"""What the tests of an installed copy share: the app's wheel, built once per test run, and a copy installed
from it, whose commands run as a user runs them: by their installed path, from a folder outside the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[2]
# The checkout's uv (scripts/setup-env puts it in the virtualenv): it installs from its warm cache in seconds.
UV = Path(sys.executable).parent / "uv"


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The app's wheel, built from the checkout as it is now (changes not yet committed included)."""
    # The test workers of one run (pytest-xdist) share the folder above their own: the first one builds
    # the wheel, the others wait for it and take the same.
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    with FileLock(shared / "wheel.lock"):
        built = sorted((shared / "wheel").glob("*.whl"))
        if built:
            return built[0]
        # Built from a copy: a build writes build/ and *.egg-info/ beside the sources, and the checkout is
        # shared with whoever works in it.
        source = shared / "wheel-source"
        shutil.copytree(ROOT / "robocloud_desktop", source / "robocloud_desktop",
                        ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, source / name)
        uv("build", "--quiet", "--wheel", "--out-dir", shared / "wheel", source)
        return next((shared / "wheel").glob("*.whl"))


def uv(*args: str | os.PathLike[str]) -> None:
    """Runs uv with what its cache holds (a tenth of a second to install the app's dependencies), or, when
    the cache lacks something, with the package index too (two seconds and more: it asks the index about
    every package)."""
    done = subprocess.run([UV, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "UV_OFFLINE": "1"})
    if done.returncode != 0:
        done = subprocess.run([UV, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


@dataclass
class Installed:
    """An installed copy of the app: its scripts' folder, and the environment and folder its commands run in."""

    scripts: Path
    env: dict[str, str]
    cwd: Path

    def command(self, name: str = "robocloud-desktop") -> Path:
        return self.scripts / name

    def run(self, *args: str | os.PathLike[str], timeout: float = 60,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.command(), *args], capture_output=True, text=True, cwd=self.cwd,
                              env={**self.env, **(env or {})}, timeout=timeout)

    def start(self, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=self.cwd,
                                env={**self.env, **(env or {})})


def clean_environment(**changes: str) -> dict[str, str]:
    """This environment without what would make an installed copy load the checkout's (or another
    environment's) modules, with `changes`."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return {**env, **changes}
