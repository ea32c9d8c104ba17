"""Typed errors of the Control Room clients (the per-process secret API and API v1).

Each message says, in one or two sentences, what happened and what to do. Messages are built
from sanitized parts only, so they never carry a secret.
"""

from __future__ import annotations


class ProcessApiError(Exception):
    """Base of every error the client raises. `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class InvalidTarget(ProcessApiError):
    """The base URL or ids cannot be used (for example plain http to a remote host)."""


class InvalidPayload(ProcessApiError):
    """The payload was refused before sending: not JSON, not an object, or too large."""


class SecretRejected(ProcessApiError):
    """401/403: the secret is missing, wrong or was regenerated."""


# The permissions a Control Room API v1 key may carry, as Control Room names them.
TRIGGER_PROCESSES = "Processes.trigger_processes"
READ_RUNS = "Processes.read_runs"
READ_PROCESSES = "Processes.read_processes"
READ_WORK_ITEMS = "Processes.read_work_items"
WRITE_WORK_ITEMS = "Processes.write_work_items"
READ_RUN_OUTPUTS = "Processes.read_run_outputs"
PERMISSIONS = (TRIGGER_PROCESSES, READ_RUNS, READ_PROCESSES, READ_WORK_ITEMS, WRITE_WORK_ITEMS, READ_RUN_OUTPUTS)


class KeyRejected(SecretRejected):
    """401 from Control Room API v1: the workspace API key is wrong, revoked or expired."""


class PermissionMissing(SecretRejected):
    """403 from Control Room API v1: the key lacks `permission` (e.g. Processes.read_runs), which
    is granted to the key in Control Room (the workspace → API keys)."""

    def __init__(self, message: str, *, status: int | None = 403, permission: str = "") -> None:
        super().__init__(message, status=status)
        self.permission = permission


class NotFound(ProcessApiError):
    """404: unknown workspace, process or run, or a retired endpoint."""


class PayloadRejected(ProcessApiError):
    """400/409/413/415/422: the server refused the request; `server_message` says why."""

    def __init__(self, message: str, *, status: int | None = None, server_message: str = "") -> None:
        super().__init__(message, status=status)
        self.server_message = server_message


class ActionRefused(ProcessApiError):
    """400/409 to a stop, retry or mark-done: the run or its work items are not in a state that allows
    it (the run already ended, the items are not failed). `server_message` says why."""

    def __init__(self, message: str, *, status: int | None = None, server_message: str = "") -> None:
        super().__init__(message, status=status)
        self.server_message = server_message


class DownloadFailed(ProcessApiError):
    """An artifact could not be downloaded: the link expired, the storage host failed, the name would
    leave the chosen folder, or the file could not be written. No partial file is left under its name."""


# The longest wait a Retry-After can impose on the app: a server asking for more (an hour, a date
# next year) gets its requests limited by this, and the message says so.
MAX_RETRY_AFTER = 600.0


class RateLimited(ProcessApiError):
    """429: too many requests. `retry_after` is in seconds when the server said, from 0 to MAX_RETRY_AFTER."""

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        if retry_after is not None and not retry_after >= 0:  # negative or NaN: no usable wait
            retry_after = None
        self.retry_after = None if retry_after is None else min(retry_after, MAX_RETRY_AFTER)


class ServerError(ProcessApiError):
    """5xx from Control Room or a proxy in between."""


class UnexpectedAnswer(ProcessApiError):
    """An answer the client cannot read: HTML, empty, truncated or not JSON."""


class RequestTimeout(ProcessApiError):
    """No answer in time."""


class CannotConnect(ProcessApiError):
    """The request never reached the server: DNS failure, refused connection, TLS failure, proxy."""


class OutcomeUnknown(ProcessApiError):
    """A trigger was sent but its answer was lost: the run may or may not have started."""
