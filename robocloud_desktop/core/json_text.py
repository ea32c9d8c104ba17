"""JSON read with limits: what the app reads from users, files and servers, refused in words.

Python's json accepts what other programs refuse (NaN, lone surrogates) and fails with what
no user should see (a RecursionError for deep nesting, advice to call sys.set_int_max_str_digits
for long numbers). Here every such case is a JsonProblem with a sentence.
"""

from __future__ import annotations

import json
import math
from typing import Any

# Deeper than any payload, profile file or Control Room answer; shallow enough that every later
# step (formatting with indent, highlighting, the window's views) stays far from recursion limits.
MAX_DEPTH = 64
# Python refuses longer integers; a longer number is an id or a hash that belongs in a string.
MAX_DIGITS = 4300


class JsonProblem(ValueError):
    """Text that is not JSON the app accepts. `message` says what, without quoting the text;
    `line` and `column` (1-based) say where, when the parser knows."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column

    def __str__(self) -> str:
        return self.message


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are Python's extension, not JSON: a server would refuse them.
    raise JsonProblem(f"it contains {name}, which is not valid JSON (use a number, a string or null)")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        shown = text if len(text) <= 20 else text[:19] + "…"
        raise JsonProblem(f"it contains the number {shown}, too large for a JSON number (use a string)")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise JsonProblem(f"it contains a number with {len(text.lstrip('-')):,} digits; numbers of more than "
                          f"{MAX_DIGITS:,} digits cannot be read (put it in a string)")
    return int(text)


def load_json(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text, or raise JsonProblem saying, in a clause, what is wrong with it."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise JsonProblem(f"it is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start:,} "
                              "cannot be read)") from None
    else:
        text = data
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float,
                           parse_int=_bounded_int)
    except json.JSONDecodeError as error:
        what = error.msg.removesuffix(" at")  # "Invalid control character at" would read "at at line"
        raise JsonProblem(f"{what} at line {error.lineno}, column {error.colno}", error.lineno, error.colno) from None
    except RecursionError:
        raise JsonProblem(f"it is nested more than {max_depth} levels deep") from None
    check_shape(value, max_depth=max_depth)
    return value


def check_shape(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """JsonProblem when a parsed value nests deeper than `max_depth` or holds a lone surrogate (which
    no UTF-8 text can carry: it would fail when sent or saved). Iterative, so depth cannot overflow."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > max_depth:
                raise JsonProblem(f"it is nested more than {max_depth} levels deep")
            for key, child in item.items():
                _check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            if depth > max_depth:
                raise JsonProblem(f"it is nested more than {max_depth} levels deep")
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _check_text(item)


def _check_text(text: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")  # fails on a lone surrogate, and on nothing else
    except UnicodeEncodeError:
        raise JsonProblem("it contains a lone UTF-16 surrogate (such as \\ud800), which is not a character "
                          "and cannot be sent as UTF-8; remove it or fix the escape") from None
