"""Answers the emulator sends, shared by both APIs' routing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_PAYLOAD = 100 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


def json_answer(status: int, obj: Any, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    return Answer(status, json.dumps(obj).encode(), headers=headers)


def error(status: int, code: str, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    return json_answer(status, {"error": {"code": code, "message": message}}, headers)


def too_large(size: int) -> Answer:
    return json_answer(413, {"message": f"Payload too large: {size} bytes, the limit is {MAX_PAYLOAD} bytes"})


def bad_request(message: str) -> Answer:
    """v1's 400: the request names what exists, but its parameters or body are wrong."""
    return error(400, "invalid_request", message)


def not_found(message: str) -> Answer:
    return error(404, "not_found", message)
