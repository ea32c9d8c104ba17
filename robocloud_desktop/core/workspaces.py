"""Where a Control Room API v1 workspace is: its API root, and the one name its key is kept under."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from robocloud_desktop.core.errors import InvalidTarget
from robocloud_desktop.core.regions import REGIONS
from robocloud_desktop.core.target import check_base_url

V1_SUFFIX = "/api/v1"
V1_CLOUD = "https://cloud.robocorp.com/api/v1"
_DEFAULT_PORTS = {"https": 443, "http": 80}


def v1_base_url(base_url: str) -> str:
    """The API root of Control Room API v1 for what the user gave: with or without its `/api/v1`,
    stored with it. InvalidTarget when it cannot be one (the per-process secret API's host, a URL
    that goes past the root)."""
    url = check_base_url(base_url)
    path = urlsplit(url).path
    lowered = path.lower()
    if url.lower() in REGIONS.values():
        raise InvalidTarget(
            f"{url} is the address of the per-process secret API, not of Control Room API v1. Use "
            f"{V1_CLOUD}, or your single-sign-on tenant's https://<subdomain>.robocorp.com/api/v1."
        )
    if lowered.endswith(V1_SUFFIX):
        return url
    if lowered.endswith("/api"):
        return url + "/v1"
    if V1_SUFFIX + "/" in lowered + "/":
        raise InvalidTarget(
            f"The base URL {url!r} goes past the API root. Give it up to /api/v1, for example {V1_CLOUD}."
        )
    return url + V1_SUFFIX


def is_v1_root(base_url: str) -> bool:
    """Whether a base URL ends in /api/v1: the per-process secret API is never there."""
    return urlsplit(base_url.strip().rstrip("/")).path.lower().endswith(V1_SUFFIX)


def workspace_key_name(base_url: str, workspace_id: str) -> str:
    """The one name a workspace's key is kept under, the same for every spelling of its API root
    (capitals in the host, the default port, a trailing slash)."""
    parts = urlsplit(base_url.strip().rstrip("/"))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    return f"workspace-key:{urlunsplit((scheme, netloc, parts.path, '', ''))}|{workspace_id.strip()}"


def same_workspace(base_url: str, workspace_id: str, other_base_url: str, other_workspace_id: str) -> bool:
    return workspace_key_name(base_url, workspace_id) == workspace_key_name(other_base_url, other_workspace_id)
