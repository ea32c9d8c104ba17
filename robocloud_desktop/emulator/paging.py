"""Paging of Control Room API v1 lists: `limit`, opaque cursors, and the page with its `next` URL.

A cursor is URL-safe base64 of a short text; each kind of list has its own text, so a cursor
from one list is refused by another rather than read as something else.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from .answers import Answer, bad_request

MAX_LIMIT = 100


def params_of(query: str) -> dict[str, str]:
    """The first value of each query parameter, blank ones kept."""
    return {name: values[0] for name, values in parse_qs(query, keep_blank_values=True).items()}


def parse_limit(text: str) -> int | None:
    """A whole number from 1 up, capped at MAX_LIMIT; None when it is not one."""
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text) > 6:  # int() refuses very long digit strings; anything this long is over the cap
        return MAX_LIMIT
    value = int(text)
    return min(value, MAX_LIMIT) if value >= 1 else None


@dataclass(frozen=True)
class Asked:
    """What a list request asked for: how many, and from where (the cursor's text, or None)."""

    limit: int
    cursor: str | None


def asked_of(params: dict[str, str]) -> Asked | Answer:
    """The limit and cursor of a list request, or the 400 that says what is wrong with them."""
    limit = MAX_LIMIT
    if "limit" in params:
        parsed = parse_limit(params["limit"])
        if parsed is None:
            return bad_request(f"limit must be a whole number from 1 (at most {MAX_LIMIT} are given per page)")
        limit = parsed
    cursor = None
    if "cursor" in params:
        cursor = _unpack(params["cursor"])
        if cursor is None:
            return bad_cursor()
    return Asked(limit, cursor)


def bad_cursor() -> Answer:
    return bad_request("The cursor is not one this server gave; start again without it")


def _pack(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unpack(text: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _whole(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 16 else None


# -- the run list: after a run, by (created_ms, run id) ------------------------------------------


def run_cursor(created_ms: int, run_id: str) -> str:
    return _pack(f"{created_ms}.{run_id}")


def read_run_cursor(text: str) -> tuple[int, str] | None:
    millis, _, run_id = text.partition(".")
    number = _whole(millis)
    return None if number is None or not run_id else (number, run_id)


# -- lists read by position: console messages, step runs, artifacts, outputs, one run's items ----


def offset_cursor(offset: int) -> str:
    return _pack(f"at:{offset}")


def read_offset_cursor(text: str) -> int | None:
    return _whole(text.removeprefix("at:")) if text.startswith("at:") else None


# -- the workspace's work items: after (created_ms, run id, index) --------------------------------


def item_cursor(created_ms: int, run_id: str, index: int) -> str:
    return _pack(f"wi:{created_ms}.{run_id}.{index}")


def read_item_cursor(text: str) -> tuple[int, str, int] | None:
    if not text.startswith("wi:"):
        return None
    parts = text.removeprefix("wi:").split(".")
    if len(parts) != 3:
        return None
    millis, index = _whole(parts[0]), _whole(parts[2])
    return None if millis is None or index is None or not parts[1] else (millis, parts[1], index)


def page(data: list[Any], following: str | None) -> dict[str, Any]:
    return {"next": following, "has_more": following is not None, "data": data}


def next_url(base: str, limit: int, filters: Iterable[tuple[str, str | None]], cursor: str) -> str:
    """The URL of the next page: the same limit and filters, and the cursor."""
    asked = [("limit", str(limit)), *((name, value) for name, value in filters if value), ("cursor", cursor)]
    return f"{base}?{urlencode(asked)}"
