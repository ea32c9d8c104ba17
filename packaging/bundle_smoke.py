"""Smoke test of a built bundle, run by `packaging/build-bundle --smoke`: the bundle's own executable,
as a user runs it, against the bundle's own emulator on loopback.

Each check prints one line; the first that fails raises SmokeFailure with what went wrong and what the
bundle printed. Nothing here reads or writes the user's own files or keyring: every run gets a
throw-away home and config folder; on Linux the keyring is a private gnome-keyring on a private D-Bus
session (tests/support/secret_service.py), and on macOS and Windows the system's keyring is used only
on a CI machine (CI=true), with the entry removed again.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
IS_LINUX = sys.platform.startswith("linux")
IS_WINDOWS = sys.platform == "win32"
SERVICE = "robocloud-desktop"  # the keyring service the app stores secrets under
PROFILE = "bundle-smoke"
SECRET_VARIABLE = "ROBOCLOUD_PROCESS_SECRET_BUNDLE_SMOKE"
COMMAND_TIMEOUT_S = 60
WINDOW_UP_WITHIN_S = 30
# Where the window's coming up cannot be seen from outside (not Linux): the time it is given.
WINDOW_SETTLE_S = 10


class SmokeFailure(Exception):
    pass


@dataclass(frozen=True)
class Emulated:
    base_url: str
    v1_base_url: str
    workspace: str
    process: str
    secret: str
    api_key: str


class Smoke:
    def __init__(self, executable: Path, version: str, stack: ExitStack) -> None:
        self.executable = executable
        self.version = version
        self.home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="robocloud-bundle-smoke-")))
        self.config = self.home / "config-dir"
        self.env = self._private_environment()
        self.stack = stack

    def _private_environment(self) -> dict[str, str]:
        # The bundle must work on its own: nothing from the build's Python, Qt or app settings leaks in.
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("PYTHON", "QT_", "ROBOCLOUD_", "DBUS_SESSION_BUS", "VIRTUAL_ENV"))}
        home = self.home / "home"
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
                   XDG_CACHE_HOME=str(home / ".cache"), XDG_STATE_HOME=str(home / ".local/state"),
                   QT_QPA_PLATFORM="offscreen")
        if IS_WINDOWS:
            env.update(APPDATA=str(home / "AppData" / "Roaming"), LOCALAPPDATA=str(home / "AppData" / "Local"))
        if IS_LINUX:
            # No session bus but the private one started below: nothing reaches the user's keyring.
            env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={self.home / 'no-bus'}"
        return env

    # ---- running the bundle

    def run(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None,
            expect: int = 0) -> subprocess.CompletedProcess[str]:
        command = [str(self.executable), *args]
        try:
            done = subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=self.home,
                                  env={**self.env, **(env or {})}, timeout=COMMAND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise SmokeFailure(f"`{_shown(args)}` did not end within {COMMAND_TIMEOUT_S} s.") from None
        if done.returncode != expect or "Traceback" in done.stderr:
            raise SmokeFailure(f"`{_shown(args)}` exited {done.returncode} (expected {expect}).\n"
                               f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}")
        return done

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        process = subprocess.Popen([str(self.executable), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, text=True, cwd=self.home,
                                   env={**self.env, **(env or {})})
        self.stack.callback(_end, process)
        return process

    # ---- the checks

    def check_version(self) -> str:
        out = self.run("--version").stdout.strip()
        if out != f"robocloud-desktop {self.version}":
            raise SmokeFailure(f"--version printed {out!r}, not 'robocloud-desktop {self.version}'.")
        return out

    def start_emulator(self) -> Emulated:
        process = self.start("emulator", "--run-duration", "0.5")
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if line.startswith("Try:"):
                break
        text = "\n".join(lines)

        def field(label: str, nth: int = 0) -> str:
            found = re.findall(rf"^\s*{re.escape(label)}\s+(\S+)", text, re.MULTILINE)
            if len(found) <= nth:
                raise SmokeFailure(f"The bundle's emulator did not start as expected; it said:\n{_masked(text)}\n"
                                   f"{process.stderr.read() if process.poll() is not None and process.stderr else ''}")
            return found[nth]

        return Emulated(base_url=field("base URL:"), v1_base_url=field("base URL:", 1),
                        workspace=field("workspace id:"), process=field("process id:"), secret=field("secret:"),
                        api_key=field("API key:"))

    def check_triggers(self, emulated: Emulated) -> str:
        self.run("profile", "add", PROFILE, "--base-url", emulated.base_url, "--workspace", emulated.workspace,
                 "--process", emulated.process, "--config-dir", str(self.config))
        self.run("trigger", PROFILE, "--payload", '{"smoke": 1}', "--wait", "--timeout", "30",
                 "--config-dir", str(self.config), env={SECRET_VARIABLE: emulated.secret})
        self.run("trigger", "--api", "v1", "--base-url", emulated.v1_base_url, "--workspace", emulated.workspace,
                 "--process", emulated.process, "--payload", '[{"smoke": 1}, {"smoke": 2}]', "--wait",
                 "--timeout", "30", "--config-dir", str(self.config), env={"ROBOCLOUD_API_KEY": emulated.api_key})
        return "a run through each API started and followed to Completed"

    def check_keyring(self, emulated: Emulated) -> str:
        env: dict[str, str] = {}
        items: Callable[[], list[str]] | None = None
        if IS_LINUX:
            sys.path.insert(0, str(ROOT))
            try:
                from tests.support.secret_service import PrivateSecretService
            except ImportError as error:
                raise SmokeFailure(f"The keyring check needs the test dependencies ({error}): run scripts/setup-env.") \
                    from None
            try:
                service = PrivateSecretService()
            except RuntimeError as error:
                raise SmokeFailure(str(error)) from None
            self.stack.callback(service.stop)
            env = service.env
            items = functools.partial(_secrets_in, service)
        elif os.environ.get("CI") != "true":
            return "skipped: it would store a secret in your own keychain (runs on CI machines, CI=true)"

        self.run("profile", "set-secret", PROFILE, "--secret-stdin", "--config-dir", str(self.config),
                 stdin=emulated.secret + "\n", env=env)
        if items is not None and items() != [emulated.secret]:
            raise SmokeFailure("`profile set-secret` succeeded but the Secret Service does not hold the secret.")
        # No variable now: the secret can only come from the keyring, read back by the bundle.
        self.run("trigger", PROFILE, "--wait", "--timeout", "30", "--config-dir", str(self.config), env=env)
        self.run("profile", "remove", PROFILE, "--config-dir", str(self.config), env=env)
        if items is not None and items():
            raise SmokeFailure("`profile remove` left the secret in the Secret Service.")
        backend = "a private gnome-keyring" if IS_LINUX else "the system keyring"
        return f"secret stored in {backend}, read back for a trigger, removed with the profile"

    def check_notification(self, emulated: Emulated) -> str:
        """A run triggered with the command line while the window is open ends in a desktop
        notification: desktop-notifier and dbus-fast inside the bundle reach a real notification
        daemon (dunst, on a private D-Bus session and screen: tests/support/notification_service.py)."""
        sys.path.insert(0, str(ROOT))
        try:
            from tests.support.notification_service import PrivateNotificationService
        except ImportError as error:
            raise SmokeFailure(f"The notification check needs tests/support ({error}): run it from a checkout.") \
                from None
        try:
            service = PrivateNotificationService()
        except RuntimeError as error:
            raise SmokeFailure(str(error)) from None
        self.stack.callback(service.stop)
        home = str(self.home / "notified-home")
        env = {**service.env, SECRET_VARIABLE: emulated.secret}
        self.run("profile", "add", PROFILE, "--base-url", emulated.base_url, "--workspace", emulated.workspace,
                 "--process", emulated.process, "--config-dir", home, env=env)
        window = self.start("--config-dir", home, env=env)
        self._wait_until_drawn(window)
        self.run("trigger", PROFILE, "--config-dir", home, env=env)
        deadline = time.monotonic() + WINDOW_UP_WITHIN_S
        shown: list[dict[str, str]] = []
        while not shown and time.monotonic() < deadline:
            if service.displayed():
                service.close_all()  # into dunst's history, which says what it showed
            shown = service.history()
            time.sleep(0.1)
        self._close(window)
        if not shown:
            raise SmokeFailure(f"No desktop notification within {WINDOW_UP_WITHIN_S} s of the run's trigger.")
        if shown[0].get("summary") != f"{PROFILE}: Completed" or not Path(shown[0].get("icon_path", "")).is_file():
            raise SmokeFailure(f"The notification is not the run's end with the app's icon: {shown[0]}")
        return f"'{shown[0]['summary']}' shown by dunst, with the bundle's icon"

    def check_demo_window(self) -> str:
        window = self.start("--demo")
        how = self._wait_until_drawn(window)
        self._close(window)
        return f"came up ({how}) and closed on SIGTERM with exit 0" if not IS_WINDOWS else f"came up ({how})"

    def check_x11_window(self) -> str:
        """The xcb platform on a virtual X screen: the libraries a desktop session loads (xcb, GL, fonts)
        are all found, from the bundle or the system."""
        display = self._start_xvfb()
        window = self.start("--demo", env={"QT_QPA_PLATFORM": "xcb", "DISPLAY": display})
        how = self._wait_until_drawn(window)
        self._close(window)
        return f"came up on Xvfb {display} ({how}) and closed on SIGTERM with exit 0"

    def _start_xvfb(self) -> str:
        read, write = os.pipe()
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        self.stack.callback(_end_quietly, xvfb)
        # Xvfb writes the number of the display it took once it accepts connections.
        with os.fdopen(read) as numbers:
            number = numbers.readline().strip()
        if not number.isdigit():
            raise SmokeFailure("Xvfb did not start (install the Debian package xvfb: scripts/setup-env does).")
        return f":{number}"

    def check_window_and_second_launch(self) -> str:
        home = self.home / "window-home"
        window = self.start("--config-dir", str(home))
        self._wait_until_drawn(window)
        second = self.run("--config-dir", str(home))
        if "already open" not in second.stdout:
            raise SmokeFailure("A second launch did not find the open window; it said:\n"
                               f"{second.stdout}{second.stderr}")
        self._close(window)
        if not IS_WINDOWS and not (home / "config" / "window.ini").is_file():
            raise SmokeFailure("The window closed without keeping its layout (config/window.ini).")
        log = "".join(path.read_text(encoding="utf-8", errors="replace") for path in (home / "logs").glob("*.log*"))
        started = [line for line in log.splitlines() if "Started the window" in line]
        if not started or "not found" in started[0]:
            raise SmokeFailure(f"The log does not name every library's version at start:\n{started or log}")
        if "Traceback" in log or " ERROR " in log:
            raise SmokeFailure(f"The window logged an error:\n{log}")
        closed = "" if IS_WINDOWS else "; closed keeping its layout"
        return f"a second launch brought it forward{closed}; the log names every version, no error"

    def check_desktop_entry(self, bundle: Path) -> str:
        launcher = bundle / "install-desktop-entry"
        if not launcher.is_file():
            raise SmokeFailure(f"{launcher} is missing from the bundle.")
        data = self.home / "xdg-data"
        env = {**self.env, "XDG_DATA_HOME": str(data)}
        done = subprocess.run([str(launcher)], capture_output=True, text=True, env=env, timeout=COMMAND_TIMEOUT_S)
        if done.returncode != 0:
            raise SmokeFailure(f"install-desktop-entry exited {done.returncode}:\n{done.stdout}{done.stderr}")
        entries = list((data / "applications").glob("*.desktop"))
        if len(entries) != 1:
            raise SmokeFailure(f"install-desktop-entry wrote {len(entries)} desktop entries under {data}, not one.")
        text = entries[0].read_text(encoding="utf-8")
        if f"Exec={self.executable}" not in text:
            raise SmokeFailure(f"The desktop entry does not start the bundle's executable:\n{text}")
        icons = list((data / "icons").rglob("*.svg"))
        metainfo = list((data / "metainfo").glob("*.xml"))
        if not icons or not metainfo:
            raise SmokeFailure(f"install-desktop-entry wrote no icon or no AppStream metadata under {data}.")
        done = subprocess.run([str(launcher), "--remove"], capture_output=True, text=True, env=env,
                              timeout=COMMAND_TIMEOUT_S)
        left = [p for p in (entries[0], *icons, *metainfo) if p.exists()]
        if done.returncode != 0 or left:
            raise SmokeFailure(f"install-desktop-entry --remove exited {done.returncode} and left {left}.")
        return f"{entries[0].name}, icon and metainfo written with Exec= the bundle, then removed"

    # ---- the window from outside

    def _wait_until_drawn(self, window: subprocess.Popen[str]) -> str:
        """Linux: the window takes over SIGTERM (to close as if the user did) once its first frame is
        drawn, which the process's signal mask in /proc shows. Elsewhere there is nothing to look at
        from outside: it must still be running after a while."""
        deadline = time.monotonic() + (WINDOW_UP_WITHIN_S if IS_LINUX else WINDOW_SETTLE_S)
        status = Path(f"/proc/{window.pid}/status")
        while time.monotonic() < deadline:
            if window.poll() is not None:
                _, err = window.communicate()
                err = err or "(nothing on stderr: Qt's own messages go to the app's log file)"
                raise SmokeFailure(f"The window's process ended with {window.returncode} before its window "
                                   f"was up:\n{err}")
            if IS_LINUX and _catches_sigterm(status):
                return f"drawn in {WINDOW_UP_WITHIN_S - (deadline - time.monotonic()):.1f} s"
            time.sleep(0.05)
        if IS_LINUX:
            raise SmokeFailure(f"The window was not drawn within {WINDOW_UP_WITHIN_S} s.")
        return f"still running after {WINDOW_SETTLE_S} s"

    def _close(self, window: subprocess.Popen[str]) -> None:
        if IS_WINDOWS:  # no SIGTERM to ask with: the window's closing is not what this checks there
            window.kill()
            window.wait()
            return
        window.send_signal(signal.SIGTERM)
        try:
            _, err = window.communicate(timeout=COMMAND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise SmokeFailure(f"The window did not close within {COMMAND_TIMEOUT_S} s of SIGTERM.") from None
        if window.returncode != 0 or "Traceback" in err:
            raise SmokeFailure(f"The window exited {window.returncode} on SIGTERM (expected 0):\n{err}")


def _catches_sigterm(status: Path) -> bool:
    try:
        text = status.read_text()
    except OSError:
        return False
    found = re.search(r"^SigCgt:\s*([0-9a-f]+)", text, re.MULTILINE)
    return bool(found and int(found.group(1), 16) >> (signal.SIGTERM - 1) & 1)


def _secrets_in(service: Any) -> list[str]:
    return [secret for _, _, secret in service.items(SERVICE)]


def _end_quietly(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _end(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate()


def _shown(args: Sequence[str]) -> str:
    return " ".join(["robocloud-desktop", *args])


def _masked(text: str) -> str:
    return re.sub(r"^(\s*(secret|API key|read-only key):\s+)\S+", r"\1***", text, flags=re.MULTILINE)


def run_smoke(bundle: Path, executable: Path, version: str, *, has_desktop_entry: bool) -> None:
    """Run every check, printing one line each; raises SmokeFailure at the first that fails."""
    started = time.monotonic()
    with ExitStack() as stack:
        smoke = Smoke(executable, version, stack)
        checks: list[tuple[str, Callable[[], str]]] = [("--version", smoke.check_version)]
        emulated: list[Emulated] = []

        def emulator() -> str:
            emulated.append(smoke.start_emulator())
            return f"listening at {emulated[0].base_url}"

        checks += [
            ("emulator (the bundle's own)", emulator),
            ("trigger with the bundle's CLI", lambda: smoke.check_triggers(emulated[0])),
            ("keyring backend", lambda: smoke.check_keyring(emulated[0])),
            ("window --demo (offscreen)", smoke.check_demo_window),
            ("window on a config folder", smoke.check_window_and_second_launch),
        ]
        if IS_LINUX:
            if shutil.which("Xvfb"):
                checks.insert(-1, ("window --demo on X11", smoke.check_x11_window))
            else:
                print("  skip  window on X11: no Xvfb here (scripts/setup-env installs it)")
            checks.append(("desktop notification", lambda: smoke.check_notification(emulated[0])))
            if has_desktop_entry:
                checks.append(("install-desktop-entry", lambda: smoke.check_desktop_entry(bundle)))
            else:
                print("  skip  install-desktop-entry: this build's command line has no install-desktop-entry command")
        for label, check in checks:
            began = time.monotonic()
            try:
                outcome = check()
            except SmokeFailure as failure:
                print(f"  FAIL  {label}: {failure}", flush=True)
                raise
            print(f"  ok    {label}: {outcome} ({time.monotonic() - began:.1f} s)", flush=True)
    print(f"Smoke test passed in {time.monotonic() - started:.1f} s.")


if __name__ == "__main__":  # for trying the checks on a bundle built before: bundle_smoke.py DIST_FOLDER
    folder = Path(sys.argv[1]).resolve()
    exe = folder / ("robocloud-desktop.exe" if IS_WINDOWS else "robocloud-desktop")
    sys.path.insert(0, str(ROOT))
    from robocloud_desktop import __version__

    help_text = subprocess.run([str(exe), "--help"], capture_output=True, text=True).stdout
    try:
        run_smoke(folder, exe, __version__, has_desktop_entry="install-desktop-entry" in help_text)
    except SmokeFailure:
        raise SystemExit(1) from None
