"""Reading the server's answers: error bodies in their many shapes, Retry-After, snippets, and the
fields of an answer as the app may show them."""

from __future__ import annotations

import html
import math
import re
import time
import unicodedata
from email.utils import parsedate_to_datetime
from typing import Any

from robocloud_desktop.core.json_text import JsonProblem, load_json
from robocloud_desktop.core.redact import FORM_CHARS_PER_CHAR, redact, redact_head

_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")
SNIPPET_CHARS = 160
# A run id goes into URLs, file names and the window: letters, digits and a few marks only.
_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
# Control, format (bidirectional marks, zero-width characters), line and paragraph separators,
# surrogates, private-use and unassigned characters: none belongs in a code or an id.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
CODE_CHARS = 100
# Shown for a code field that holds neither text nor a number (true, an object, a list).
NOT_TEXT = "?"
# No run takes a year; a longer duration is a wrong answer, not a long run.
MAX_DURATION = 366 * 24 * 3600.0
# Retry-After in seconds is digits (HTTP says an integer; some servers send a fraction).
_DELAY_SECONDS = re.compile(r"(\d+)(\.\d+)?")


def snippet(body: bytes, *secrets: str | None, limit: int = SNIPPET_CHARS) -> str:
    """A short, single-line, tag-free and secret-free excerpt of a body, for error messages."""
    window = limit * 8
    margin = FORM_CHARS_PER_CHAR * max((len(s) for s in secrets if s), default=0)
    # Secrets are masked before anything is cut, so a secret running past the window goes whole;
    # then again once tags and character references are gone, which may join one up.
    text = redact_head(body[: (window + margin) * 4].decode("utf-8", errors="replace"), window, *secrets)
    text = _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", text))).strip()
    text = redact(text, *secrets)
    # Keep only printable characters: a body can hold anything, a message must stay readable.
    text = "".join(ch for ch in text if ch.isprintable())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or "(empty)"


def decode_json(body: bytes | str) -> Any:
    """Decode JSON with the limits of load_json, unwrapping JSON that was encoded again as a string
    (seen up to three times). Raises JsonProblem when the outer text cannot be read."""
    value: Any = load_json(body)
    for _ in range(3):
        if not isinstance(value, str):
            break
        try:
            value = load_json(value)
        except JsonProblem:
            break
    return value


def server_message(body: bytes) -> str:
    """The human message inside an error body, or '' when there is none."""
    try:
        value = decode_json(body)
    except JsonProblem:
        return ""
    if isinstance(value, str):
        return value.strip()
    if not isinstance(value, dict):
        return ""
    error = value.get("error")
    if isinstance(error, dict):
        value = error
    elif isinstance(error, str) and error.strip():
        return error.strip()
    message = value.get("message") or value.get("detail") or ""
    code = value.get("code") or ""
    if isinstance(message, str) and message.strip():
        text = message.strip()
        return f"{text} ({code})" if isinstance(code, str) and code and code not in text else text
    return code if isinstance(code, str) else ""


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After as seconds from now, as the server asked (never negative, never infinite), or
    None when it is missing or not a delay: it may be a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    number = _DELAY_SECONDS.fullmatch(value)
    if number:
        # More digits than a float holds exactly is still a (very long) delay: the caller caps it.
        return float(value) if len(number.group(1)) <= 15 else 1e15
    try:
        when = parsedate_to_datetime(value)
        seconds = when.timestamp() - (time.time() if now is None else now)
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def plain_token(value: Any) -> str | None:
    """`value` when it is an id the app can put in a URL and show as is: letters, digits and
    `-_.:`, at most 128 characters, and not `.` or `..`; else None."""
    if isinstance(value, str) and _TOKEN.fullmatch(value) and value not in (".", ".."):
        return value
    return None


def shown_code(value: Any) -> str:
    """A state, result or error code as the app may show it: text without control, bidirectional
    or invisible characters and cut to a readable length; a number as its digits; '' when absent;
    NOT_TEXT for anything else, so that a wrong type never reads as an empty (successful) result."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return NOT_TEXT
    if isinstance(value, int):
        text = str(value) if abs(value) < 10**20 else NOT_TEXT
        return text
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else NOT_TEXT
    if not isinstance(value, str):
        return NOT_TEXT
    if value.isascii() and value.isprintable():
        text = value.strip()
    else:
        text = "".join(ch for ch in value if unicodedata.category(ch) not in _HIDDEN_CATEGORIES).strip()
        if not text and value.strip():
            return NOT_TEXT  # nothing but hidden characters: not the empty result it would look like
    if len(text) > CODE_CHARS:
        text = text[: CODE_CHARS - 1].rstrip() + "…"
    return text


def duration_seconds(value: Any) -> float | None:
    """A run's duration in seconds when the answer holds a plausible one: a number, not a boolean,
    finite, from zero to a year; else None (shown as unknown)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = float(value) if not isinstance(value, int) or abs(value) < 10**20 else math.inf
    return seconds if math.isfinite(seconds) and 0 <= seconds <= MAX_DURATION else None
