"""Where a process lives: base URL, workspace id, process id, and how the secret travels."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from robocloud_desktop.core.errors import InvalidTarget

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash, or InvalidTarget saying what is wrong with it.

    Plain http is refused for any host that is not loopback: the secret would cross the network
    in clear text.
    """
    url = base_url.strip().rstrip("/")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise InvalidTarget(
            "The base URL contains spaces, control or invisible characters. "
            "Copy it again, for example https://api.eu1.robocloud.eu."
        )
    try:
        parts = urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL": a bracket that does not close
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidTarget(
            f"The base URL {url!r} is not an http(s) URL with a host. "
            "Use the one Control Room shows, for example https://api.eu1.robocloud.eu."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidTarget(
            "The base URL must not contain a query, a fragment or credentials. "
            "Give only the scheme, host and optional path, for example https://api.eu1.robocloud.eu."
        )
    try:
        port = parts.port
    except ValueError:  # not a number, or past 65535
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise InvalidTarget(
            f"The port in the base URL {url!r} is not a number from 1 to 65535. "
            "Fix it, or leave the port out for the usual https port."
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InvalidTarget(
            f"Refusing plain http to {parts.hostname}: the process secret would travel unencrypted. "
            "Use an https:// URL (plain http is allowed only for this computer, such as the emulator)."
        )
    return url


def check_id(value: str, what: str) -> str:
    """A workspace, process or run id, trimmed; InvalidTarget when it is empty, a path step (`.`,
    `..`) or holds control characters: put in a URL, such an id would name another resource."""
    value = value.strip()
    if not value:
        raise InvalidTarget(f"The {what} is empty. Copy it from Control Room.")
    if value in (".", ".."):
        raise InvalidTarget(f"The {what} {value!r} is not an id. Copy the real one from Control Room.")
    if any(not ch.isprintable() for ch in value):
        raise InvalidTarget(
            f"The {what} contains control or invisible characters. Copy it from Control Room again."
        )
    return value


@dataclass(frozen=True)
class Target:
    """A process on a Control Room host. Holds no secret: the secret is passed per call."""

    base_url: str
    workspace_id: str
    process_id: str
    secret_in_query: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", check_base_url(self.base_url))
        for name in ("workspace_id", "process_id"):
            object.__setattr__(self, name, check_id(getattr(self, name), name.replace("_", " ")))

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def is_loopback(self) -> bool:
        return is_loopback(self.host)

    def runs_url(self) -> str:
        """The trigger URL, without any secret (safe to show)."""
        ws, pid = quote(self.workspace_id, safe=""), quote(self.process_id, safe="")
        return f"{self.base_url}/workspace-v1/workspaces/{ws}/processes/{pid}/runs"

    def run_url(self, run_id: str) -> str:
        """The status URL of one run, without any secret (safe to show)."""
        return f"{self.runs_url()}/{quote(check_id(run_id, 'run id'), safe='')}"
