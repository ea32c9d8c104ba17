"""Workspace API keys of Control Room API v1: which workspace a key opens and with what permissions.

Keys are kept by their SHA-256 digest, so looking one up compares digests, never the key itself.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass

# As Control Room names them; copied, not imported, because the emulator stands apart from the app.
PERMISSIONS = (
    "Processes.trigger_processes",
    "Processes.read_runs",
    "Processes.read_processes",
    "Processes.read_work_items",
    "Processes.write_work_items",
    "Processes.read_run_outputs",
)
SCHEME = "RC-WSKEY"


@dataclass(frozen=True)
class KeyGrant:
    workspace_id: str
    permissions: frozenset[str]


class KeyProblem(Exception):
    """Why a request's key opens nothing; the message is safe to send back (it never holds the key)."""


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


class KeyRing:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: dict[bytes, KeyGrant] = {}
        self._revoked: set[bytes] = set()

    def add(self, workspace_id: str, permissions: Iterable[str] | None = None) -> str:
        wanted = frozenset(PERMISSIONS if permissions is None else permissions)
        unknown = sorted(wanted - set(PERMISSIONS))
        if unknown:
            raise ValueError(f"unknown permissions {unknown}; use names from {PERMISSIONS}")
        key = secrets.token_urlsafe(32)
        with self._lock:
            self._grants[_digest(key)] = KeyGrant(workspace_id, wanted)
        return key

    def revoke(self, key: str) -> None:
        digest = _digest(key)
        with self._lock:
            if self._grants.pop(digest, None) is not None:
                self._revoked.add(digest)

    def grant_for(self, authorization: str | None) -> KeyGrant:
        """The grant of an `Authorization: RC-WSKEY <key>` header; KeyProblem when there is none."""
        if authorization is None or not authorization.strip():
            raise KeyProblem("No API key: send the header Authorization: RC-WSKEY <key>")
        scheme, _, key = authorization.strip().partition(" ")
        key = key.strip()
        if scheme.upper() != SCHEME or not key or " " in key:
            raise KeyProblem("Malformed Authorization header: use Authorization: RC-WSKEY <key>")
        digest = _digest(key)
        with self._lock:
            grant = self._grants.get(digest)
            revoked = digest in self._revoked
        if grant is None:
            raise KeyProblem("The API key was revoked" if revoked else "The API key is not valid")
        return grant
