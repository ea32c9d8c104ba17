"""A real notification service for tests: dunst, a notification daemon from Debian, on a private
D-Bus session and a virtual screen of its own (Xvfb), so that no test ever notifies the developer's
desktop. `dunstctl` tells what it showed, and clicks a notification as a user would.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import suppress
from pathlib import Path

from tests.support.private_bus import start_bus

REQUIRED = ("dbus-daemon", "Xvfb", "dunst", "dunstctl")


class PrivateNotificationService:
    def __init__(self) -> None:
        missing = [tool for tool in REQUIRED if shutil.which(tool) is None]
        if missing:
            raise RuntimeError(f"Notification tests need {', '.join(missing)}: install the Debian packages "
                               "dunst, xvfb and dbus-x11 (scripts/setup-env does).")
        self.home = Path(tempfile.mkdtemp(prefix="robocloud-notifications-"))
        runtime = self.home / "run"
        runtime.mkdir(mode=0o700)
        # Its own HOME and config folder: dunst reads no dunstrc of the developer's.
        self._env = {**os.environ, "HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / "config"),
                     "XDG_RUNTIME_DIR": str(runtime)}
        self._env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        self._processes: list[subprocess.Popen[bytes]] = []
        self._bus_pid: int | None = None
        try:
            self._start(runtime)
        except BaseException:
            self.stop()
            raise

    def _start(self, runtime: Path) -> None:
        self.address, self._bus_pid = start_bus(self.home, runtime, self._env)
        self._env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        self._env["DISPLAY"] = self._start_screen()
        log = self.home / "dunst.log"
        with log.open("wb") as out:
            self._processes.append(subprocess.Popen(["dunst"], env=self._env, stdout=out, stderr=out))
        deadline = time.monotonic() + 20
        while self._dunstctl("count", "displayed", check=False).returncode != 0:  # not on the bus yet
            if time.monotonic() > deadline or self._processes[-1].poll() is not None:
                raise RuntimeError(f"dunst did not come up on the private D-Bus session: {log.read_text()}")
            time.sleep(0.02)

    def _start_screen(self) -> str:
        """A virtual screen on a display number Xvfb picks free, and says once it listens."""
        read, write = os.pipe()
        try:
            self._processes.append(subprocess.Popen(
                ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "800x600x24"],
                env=self._env, pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            os.close(write)
            write = -1
            number = _read_line(read, within_s=20)  # "" if it ended
        finally:
            os.close(read)
            if write != -1:
                os.close(write)
        if not number.isdigit():
            raise RuntimeError("Xvfb did not start")
        return f":{number}"

    def _dunstctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["dunstctl", *args], env=self._env, capture_output=True, text=True, timeout=10,
                              check=check)

    @property
    def env(self) -> dict[str, str]:
        """What a process needs to reach this service (and only this one)."""
        return {"DBUS_SESSION_BUS_ADDRESS": self.address}

    def displayed(self) -> int:
        """How many notifications are on its screen now."""
        return int(self._dunstctl("count", "displayed").stdout.strip())

    def click(self) -> None:
        """Click the notification at the top, as a user would: its default action."""
        self._dunstctl("action", "0")

    def close_all(self) -> None:
        """Close those on screen: they go into its history."""
        self._dunstctl("close-all")

    def history(self) -> list[dict[str, str]]:
        """What it showed and has closed since it started, newest first: appname, summary, body..."""
        data = json.loads(self._dunstctl("history").stdout)["data"][0]
        return [{key: field["data"] for key, field in entry.items()} for entry in data]

    def stop(self) -> None:
        for process in reversed(self._processes):
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._bus_pid is not None:
            with suppress(ProcessLookupError):
                os.kill(self._bus_pid, signal.SIGTERM)
        shutil.rmtree(self.home, ignore_errors=True)


def _read_line(fd: int, within_s: float) -> str:
    """The first line written to the pipe `fd`, read to its end: Xvfb writes its number and the line's
    end apart, and ends with an error if the pipe is closed between them."""
    deadline = time.monotonic() + within_s
    said = b""
    while not said.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 16) if ready else b""
        if not chunk:
            return ""
        said += chunk
    return said.decode().strip()
