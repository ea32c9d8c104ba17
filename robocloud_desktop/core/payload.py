"""Work-item payloads: parsed and checked before anything is sent."""

from __future__ import annotations

import json
from typing import Any

from robocloud_desktop.core.errors import InvalidPayload
from robocloud_desktop.core.json_text import JsonProblem, check_shape, load_json

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
        value = load_json(text)
    except JsonProblem as problem:
        if problem.line is not None:
            raise InvalidPayload(f"The payload is not valid JSON: {problem.message}. Fix it and try again.") from None
        raise InvalidPayload(f"The payload cannot be sent: {problem.message}.") from None
    if not isinstance(value, dict):
        kind = _JSON_KINDS.get(type(value), "value")
        raise InvalidPayload(
            f"The payload must be a JSON object ({{...}}), not {kind}. Wrap the values in an object."
        )
    return value


def encode_payload(payload: dict[str, Any]) -> bytes:
    """The request body, refused when it is over Control Room's size limit."""
    try:
        check_shape(payload)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except JsonProblem as problem:
        raise InvalidPayload(f"The payload cannot be sent: {problem.message}.") from None
    except ValueError:
        raise InvalidPayload("The payload contains NaN or Infinity, which is not valid JSON.") from None
    check_size(len(body))
    return body


def check_size(size: int) -> None:
    """InvalidPayload when `size` bytes are over the limit, with the real size: "100 KB" would read
    as allowed for a payload a few bytes over."""
    if size > MAX_PAYLOAD_BYTES:
        raise InvalidPayload(
            f"The payload is {size:,} bytes ({size / 1024:.1f} KB); Control Room accepts at most "
            f"{MAX_PAYLOAD_BYTES:,} bytes (100 KB). Send less data, or pass a reference to it (a file or a URL) "
            "instead."
        )
