"""Where Control Room lives. The host names the region; a profile stores its full base URL."""

from __future__ import annotations

from urllib.parse import urlsplit

# The documented host for the per-process secret API is the robocloud.eu one; the robocorp.com
# hosts came later. No public list of regions exists, so a custom https URL is always allowed.
REGIONS: dict[str, str] = {
    "eu1": "https://api.eu1.robocloud.eu",
    "eu1-robocorp": "https://api.eu1.robocorp.com",
    "eu2": "https://api.eu2.robocorp.com",
    "us1": "https://api.us1.robocorp.com",
}


def base_url_for_region(region: str) -> str:
    try:
        return REGIONS[region.lower()]
    except KeyError:
        known = ", ".join(REGIONS)
        raise ValueError(f"Unknown region {region!r}. Use one of {known}, or give --base-url.") from None


def region_of(base_url: str) -> str | None:
    """The region key for a base URL, or None for a custom URL."""
    normalized = base_url.rstrip("/").lower()
    return next((key for key, url in REGIONS.items() if url == normalized), None)


def region_label(base_url: str) -> str:
    """"EU1" for a known region, else the host: short enough for a list's second line."""
    key = region_of(base_url)
    if key is not None:
        return key.split("-")[0].upper()
    return urlsplit(base_url).netloc or base_url
