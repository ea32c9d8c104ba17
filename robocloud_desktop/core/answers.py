"""Reading the server's answers: error bodies in their many shapes, Retry-After, snippets."""

from __future__ import annotations

import html
import json
import re
import time
from email.utils import parsedate_to_datetime
from typing import Any

from robocloud_desktop.core.redact import redact

_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")
SNIPPET_CHARS = 160


def snippet(body: bytes, *secrets: str | None) -> str:
    """A short, single-line, tag-free and secret-free excerpt of a body, for error messages."""
    text = body[: SNIPPET_CHARS * 8].decode("utf-8", errors="replace")
    text = _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", text))).strip()
    text = redact(text, *secrets)
    # Keep only printable characters: a body can hold anything, a message must stay readable.
    text = "".join(ch for ch in text if ch.isprintable())
    if len(text) > SNIPPET_CHARS:
        text = text[: SNIPPET_CHARS - 1].rstrip() + "…"
    return text or "(empty)"


def decode_json(body: bytes) -> Any:
    """Decode JSON, unwrapping JSON that was encoded again as a string (seen up to three times)."""
    value: Any = json.loads(body.decode("utf-8"))
    for _ in range(3):
        if not isinstance(value, str):
            break
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            break
    return value


def server_message(body: bytes) -> str:
    """The human message inside an error body, or '' when there is none."""
    try:
        value = decode_json(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
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
    """Retry-After as seconds from now; it may be a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
