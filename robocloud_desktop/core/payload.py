"""Work-item payloads: parsed and checked before anything is sent."""

from __future__ import annotations

import json
from typing import Any, Literal, overload

from robocloud_desktop.core.errors import InvalidPayload
from robocloud_desktop.core.json_text import JsonProblem, check_shape, load_json

# Control Room refuses work-item payloads over 100 KB; saying so before sending is kinder
# than an unknown status code afterwards.
MAX_PAYLOAD_BYTES = 100 * 1024


_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true/false",
               type(None): "null"}


@overload
def parse_payload(text: str, *, allow_array: Literal[False] = False) -> dict[str, Any]: ...
@overload
def parse_payload(text: str, *, allow_array: bool) -> dict[str, Any] | list[Any]: ...


def parse_payload(text: str, *, allow_array: bool = False) -> dict[str, Any] | list[Any]:
    """Parse payload text into a JSON object, or raise InvalidPayload naming line and column.

    With `allow_array` (Control Room API v1), a JSON array is taken too: one run with one work item
    per element. It must hold at least one."""
    if not text.strip():
        return {}
    try:
        value = load_json(text)
    except JsonProblem as problem:
        if problem.line is not None:
            raise InvalidPayload(f"The payload is not valid JSON: {problem.message}. Fix it and try again.") from None
        raise InvalidPayload(f"The payload cannot be sent: {problem.message}.") from None
    if isinstance(value, list) and allow_array:
        if not value:
            raise InvalidPayload("The payload is an empty array, which holds no work item to send. Give at least "
                                 "one element, or {} for one empty work item.")
        return value
    if isinstance(value, list):
        raise InvalidPayload(
            "The payload must be a JSON object ({...}), not an array. Wrap the values in an object; a profile "
            "with a workspace API key (Control Room API v1) takes an array, as one work item per element."
        )
    if not isinstance(value, dict):
        kind = _JSON_KINDS.get(type(value), "value")
        what = "an object ({...}), or an array of work items" if allow_array else "a JSON object ({...})"
        raise InvalidPayload(f"The payload must be {what}, not {kind}. Wrap the values in an object.")
    return value


def encode_payload(payload: dict[str, Any] | list[Any]) -> bytes:
    """The request body (an object, or an array of work items for API v1), refused when it is over
    Control Room's size limit."""
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
