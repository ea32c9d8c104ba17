"""Text from elsewhere (a server's answer, an old history file) shown as it is, invisible parts included.

A control character can clear a terminal; a bidirectional override can make an id read backwards
(`abc\u202edef` shows as "abcfed"); a zero-width space makes two ids look alike. Shown here as
escapes such as `\\u202e`, they are seen for what they are and can no longer act.
"""

from __future__ import annotations


def _shown(ch: str) -> str:
    # Python's printable: all but Unicode's Other (control, format, surrogate, private use, unassigned)
    # and Separator categories, the plain space excepted.
    if ch.isprintable():
        return ch
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: str, *, lines: bool = False) -> str:
    """`text` with every character that does not show (or acts instead of showing) written as an
    escape; with `lines`, line breaks and tabs stay as they are (a pretty-printed answer)."""
    if text.isprintable():  # the usual case, at C speed
        return text
    keep = "\n\t" if lines else ""
    return "".join(ch if ch in keep else _shown(ch) for ch in text)
