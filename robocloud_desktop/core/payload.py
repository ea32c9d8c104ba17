"""Work-item payloads: parsed and checked before anything is sent."""

from __future__ import annotations

import json
from typing import Any

from robocloud_desktop.core.errors import InvalidPayload

# Control Room refuses work-item payloads over 100 KB; saying so before sending is kinder
# than an unknown status code afterwards.
MAX_PAYLOAD_BYTES = 100 * 1024


_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true/false",
               type(None): "null"}


def parse_payload(text: str) -> dict[str, Any]:
    """Parse payload text into a JSON object, or raise InvalidPayload naming line and column."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidPayload(
            f"The payload is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. "
            "Fix it and try again."
        ) from None
    if not isinstance(value, dict):
        kind = _JSON_KINDS.get(type(value), "value")
        raise InvalidPayload(
            f"The payload must be a JSON object ({{...}}), not {kind}. Wrap the values in an object."
        )
    return value


def encode_payload(payload: dict[str, Any]) -> bytes:
    """The request body, refused when it is over Control Room's size limit."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_PAYLOAD_BYTES:
        raise InvalidPayload(
            f"The payload is {len(body) / 1024:.0f} KB; Control Room accepts at most 100 KB. "
            "Send less data, or pass a reference to it (a file or a URL) instead."
        )
    return body
