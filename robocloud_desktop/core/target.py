"""Where a process lives: base URL, workspace id, process id, which API it speaks and how the
credential travels."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from robocloud_desktop.core.errors import InvalidTarget

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
# The per-process secret API (workspace-v1 routes, header robocloud-process-secret)...
API_PROCESS_SECRET = "process-secret"
# ...and Control Room API v1 (a workspace API key in `Authorization: RC-WSKEY <key>`).
API_V1 = "v1"
APIS = (API_PROCESS_SECRET, API_V1)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    import ipaddress  # loaded with the first address to check: https profiles need none to be listed

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
            f"Refusing plain http to {parts.hostname}: the secret or API key would travel unencrypted. "
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


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the default port filled in and case folded; None when
    `url` is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return scheme, host, port if port is not None else _DEFAULT_PORTS[scheme]


@dataclass(frozen=True)
class Target:
    """A process on a Control Room host. Holds no secret: the secret or key is passed per call.

    `api` says which API the process is reached through: API_PROCESS_SECRET (`base_url` is the
    host, e.g. https://api.eu1.robocloud.eu; `runs_url`, `run_url`) or API_V1 (`base_url` is the
    API root including /api/v1, e.g. https://cloud.robocorp.com/api/v1; the `v1_*` URLs). A v1
    target never sends its key in the query string."""

    base_url: str
    workspace_id: str
    process_id: str
    secret_in_query: bool = False
    api: str = API_PROCESS_SECRET

    def __post_init__(self) -> None:
        if self.api not in APIS:
            raise InvalidTarget(f"The API {self.api!r} is not one the app speaks: use {API_PROCESS_SECRET!r} or "
                                f"{API_V1!r}.")
        if self.api == API_V1 and self.secret_in_query:
            raise InvalidTarget("A workspace API key travels in a header only; sending it in the query string is "
                                "for per-process secrets. Turn that setting off.")
        object.__setattr__(self, "base_url", check_base_url(self.base_url))
        for name in ("workspace_id", "process_id"):
            object.__setattr__(self, name, check_id(getattr(self, name), name.replace("_", " ")))

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def is_loopback(self) -> bool:
        return is_loopback(self.host)

    @property
    def uses_key(self) -> bool:
        """Whether requests carry a workspace API key (Control Room API v1), not a process secret."""
        return self.api == API_V1

    def owns_url(self, url: str) -> bool:
        """Whether `url` is on this target's scheme, host and port: the only place its credential
        may be sent (a paging `next` URL pointing elsewhere must not get the key)."""
        mine = origin(self.base_url)
        return mine is not None and origin(url) == mine

    # -- the per-process secret API ----------------------------------------------------------------

    def runs_url(self) -> str:
        """The trigger URL, without any secret (safe to show)."""
        ws, pid = quote(self.workspace_id, safe=""), quote(self.process_id, safe="")
        return f"{self.base_url}/workspace-v1/workspaces/{ws}/processes/{pid}/runs"

    def run_url(self, run_id: str) -> str:
        """The status URL of one run, without any secret (safe to show)."""
        return f"{self.runs_url()}/{quote(check_id(run_id, 'run id'), safe='')}"

    # -- Control Room API v1 (never holds the key either) -----------------------------------------

    def v1_workspace_url(self) -> str:
        return f"{self.base_url}/workspaces/{quote(self.workspace_id, safe='')}"

    def v1_processes_url(self) -> str:
        return f"{self.v1_workspace_url()}/processes"

    def v1_trigger_url(self) -> str:
        return f"{self.v1_processes_url()}/{quote(self.process_id, safe='')}/process-runs"

    def v1_run_url(self, run_id: str) -> str:
        return f"{self.v1_workspace_url()}/process-runs/{quote(check_id(run_id, 'run id'), safe='')}"

    def v1_runs_url(self, *, process_id: str | None = None, state: str | None = None, limit: int = 100) -> str:
        """The run list, newest first, of one process (`process_id`) or the whole workspace (None),
        optionally of one `state`, `limit` runs a page."""
        query: list[tuple[str, str]] = []
        if process_id is not None:
            query.append(("process_id", check_id(process_id, "process id")))
        if state is not None:
            query.append(("state", check_id(state, "state")))
        query.append(("limit", _limit(limit)))
        return f"{self.v1_workspace_url()}/process-runs?{urlencode(query)}"

    # --- a run's story (Control Room API v1) ---------------------------------------------------------

    def v1_step_runs_url(self, run_id: str, *, limit: int = 100) -> str:
        query = urlencode([("process_run_id", check_id(run_id, "run id")), ("limit", _limit(limit))])
        return f"{self.v1_workspace_url()}/step-runs?{query}"

    def v1_step_run_url(self, step_run_id: str) -> str:
        return f"{self.v1_workspace_url()}/step-runs/{quote(check_id(step_run_id, 'step run id'), safe='')}"

    def v1_console_url(self, step_run_id: str, *, limit: int = 100) -> str:
        return f"{self.v1_step_run_url(step_run_id)}/console-messages?{urlencode([('limit', _limit(limit))])}"

    def v1_artifacts_url(self, step_run_id: str) -> str:
        return f"{self.v1_step_run_url(step_run_id)}/artifacts"

    def v1_artifact_url(self, step_run_id: str, artifact_id: str) -> str:
        return f"{self.v1_artifacts_url(step_run_id)}/{quote(check_id(artifact_id, 'artifact id'), safe='')}"

    def v1_work_items_url(self, run_id: str, *, state: str | None = None, limit: int = 100) -> str:
        query = [("process_run_id", check_id(run_id, "run id"))]
        if state is not None:
            query.append(("state", check_id(state, "state")))
        query.append(("limit", _limit(limit)))
        return f"{self.v1_workspace_url()}/work-items?{urlencode(query)}"

    def v1_work_item_url(self, item_id: str) -> str:
        return f"{self.v1_workspace_url()}/work-items/{quote(check_id(item_id, 'work item id'), safe='')}"

    def v1_batch_url(self) -> str:
        return f"{self.v1_workspace_url()}/work-items/batch"

    def v1_outputs_url(self, run_id: str, *, limit: int = 100) -> str:
        return f"{self.v1_run_url(run_id)}/outputs?{urlencode([('limit', _limit(limit))])}"

    def v1_stop_url(self, run_id: str) -> str:
        return f"{self.v1_run_url(run_id)}/stop"


def _limit(limit: int) -> str:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a whole number above 0, not {limit!r}")
    return str(limit)
