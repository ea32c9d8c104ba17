"""Work-item payloads: parsed and checked before anything is sent."""

from __future__ import annotations

import json
import math
from typing import Any

from robocloud_desktop.core.errors import InvalidPayload

# Control Room refuses work-item payloads over 100 KB; saying so before sending is kinder
# than an unknown status code afterwards.
MAX_PAYLOAD_BYTES = 100 * 1024


_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true/false",
               type(None): "null"}


def _refuse_constant(name: str) -> float:
    # Python's json accepts NaN and Infinity, but they are not JSON and the server would refuse them.
    raise ValueError(f"The payload contains {name}, which is not valid JSON. Use a number, a string or null.")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"The payload contains the number {text[:20]}, which is too large to send. Use a string.")
    return value


def parse_payload(text: str) -> dict[str, Any]:
    """Parse payload text into a JSON object, or raise InvalidPayload naming line and column."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        what = exc.msg.removesuffix(" at")  # "Invalid control character at" would read "at at line"
        raise InvalidPayload(
            f"The payload is not valid JSON: {what} at line {exc.lineno}, column {exc.colno}. "
            "Fix it and try again."
        ) from None
    except ValueError as exc:
        raise InvalidPayload(str(exc)) from None
    if not isinstance(value, dict):
        kind = _JSON_KINDS.get(type(value), "value")
        raise InvalidPayload(
            f"The payload must be a JSON object ({{...}}), not {kind}. Wrap the values in an object."
        )
    return value


def encode_payload(payload: dict[str, Any]) -> bytes:
    """The request body, refused when it is over Control Room's size limit."""
    try:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except ValueError:
        raise InvalidPayload("The payload contains NaN or Infinity, which is not valid JSON.") from None
    if len(body) > MAX_PAYLOAD_BYTES:
        raise InvalidPayload(
            f"The payload is {len(body) / 1024:.0f} KB; Control Room accepts at most 100 KB. "
            "Send less data, or pass a reference to it (a file or a URL) instead."
        )
    return body
