"""Keep secrets out of text the app shows, logs or raises."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus

SECRET_HEADER = "robocloud-process-secret"
MASK = "***"
# What a copied curl command holds instead of the secret: the shell fills it in from the environment.
SECRET_PLACEHOLDER = "$ROBOCLOUD_PROCESS_SECRET"
# Longest text one character of a secret can be written as (a surrogate pair of \\uXXXX escapes, or
# four %XX bytes): a secret cut off at the end of an excerpt fits in this many characters per character.
FORM_CHARS_PER_CHAR = 12
# Longest secret looked for character by character. Control Room's are a few dozen characters; a
# longer "secret" (a paste gone wrong) is looked for in its usual whole forms only, which keeps the
# time and memory this takes in proportion to the text.
MAX_PATTERN_CHARS = 256

# The query-string fallback puts the secret into URLs, and urllib3 logs URLs at DEBUG level.
_QUERY_SECRET = re.compile(r"(robocloud-process-secret=)[^&\s\"'#]+", re.IGNORECASE)
_JSON_NAMED = {"\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t", '"': '"', "\\": "\\", "/": "/"}
_HTML_NAMED = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}


def _hex(value: int, width: int) -> str:
    """A regex for `value` in hex digits of either case: servers differ in how they write %2f."""
    return "".join(f"[{d}{d.lower()}]" if d.isalpha() else d for d in f"{value:0{width}X}")


def _char_forms(ch: str) -> str:
    """Every way a server may write one character of a secret back: as is, percent-encoded (either
    hex case, `+` for a space), JSON-escaped, or as an HTML character reference."""
    code = ord(ch)
    forms = [re.escape(ch), "".join("%" + _hex(byte, 2) for byte in ch.encode("utf-8"))]
    if ch == " ":
        forms.append(r"\+")
    if code > 0xFFFF:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(r"\\u" + _hex(high, 4) + r"\\u" + _hex(low, 4))
    else:
        forms.append(r"\\u" + _hex(code, 4))
    if ch in _JSON_NAMED:
        forms.append(re.escape("\\" + _JSON_NAMED[ch]))
    forms.append(f"&#0*{code};")
    forms.append(f"&#[xX]0*{_hex(code, 1)};")
    if ch in _HTML_NAMED:
        forms.append(f"&{_HTML_NAMED[ch]};")
    return "(?:" + "|".join(forms) + ")"


@lru_cache(maxsize=16)
def _secret_pattern(secret: str) -> re.Pattern[str]:
    # Per character, so a secret written back half encoded (a URL quoted with `/` left as is, a JSON
    # escape for one character only) is found as well as one written in a single form.
    return re.compile("".join(_char_forms(ch) for ch in secret))


def _whole_forms(secret: str) -> list[str]:
    """The usual forms of a secret too long to look for character by character, longest first."""
    encoded = {quote(secret, safe=""), quote(secret), quote_plus(secret)}
    lower_hex = {re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), form) for form in encoded}
    escaped = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    escaped |= {form.replace("/", "\\/") for form in escaped}
    return sorted({secret, *encoded, *lower_hex, *escaped}, key=len, reverse=True)


def _spans(text: str, secret: str) -> list[tuple[int, int]]:
    if len(secret) <= MAX_PATTERN_CHARS:
        return [match.span() for match in _secret_pattern(secret).finditer(text)]
    if len(secret) > len(text):
        return []  # every form is at least as long as the secret
    spans = []
    for form in _whole_forms(secret):
        start = text.find(form)
        while start >= 0:
            spans.append((start, start + len(form)))
            start = text.find(form, start + len(form))
    return spans


def redact(text: str, *secrets: str | None) -> str:
    """Replace every known secret, in any of the forms a server may echo it in, and any query-string
    secret with a mask."""
    for secret in secrets:
        if not secret:
            continue
        if len(secret) <= MAX_PATTERN_CHARS:
            text = _secret_pattern(secret).sub(MASK, text)
        elif len(secret) <= len(text):
            for form in _whole_forms(secret):
                text = text.replace(form, MASK)
    return _QUERY_SECRET.sub(r"\1" + MASK, text)


def secrets_pattern(secrets: Iterable[str | None]) -> re.Pattern[str] | None:
    """One pattern for every form `redact` finds each of `secrets` in (None without secrets): masking
    many texts, such as log lines, against many secrets costs one pass each, where `redact` would
    build each secret's pattern again once there are more than its cache holds."""
    alternatives: list[str] = []
    # Longest first: a secret that holds another is masked whole.
    for secret in sorted({secret for secret in secrets if secret}, key=len, reverse=True):
        if len(secret) <= MAX_PATTERN_CHARS:
            alternatives.append("".join(_char_forms(ch) for ch in secret))
        else:
            alternatives.extend(re.escape(form) for form in _whole_forms(secret))
    return re.compile("|".join(alternatives)) if alternatives else None


def mask_queries(text: str) -> str:
    """`text` with the query string of every URL in it masked, a query-string secret's name left: a
    presigned download link carries its signature there."""
    return _ANY_QUERY.sub("?" + MASK, redact(text))


def redact_head(text: str, end: int, *secrets: str | None) -> str:
    """`text[:end]` with every secret masked, including one that starts before `end` and runs past
    it: an excerpt cut there shows no first half of a secret. `text` must run on far enough
    (FORM_CHARS_PER_CHAR characters per character of the longest secret) to hold such a secret."""
    spans = [span for secret in secrets if secret for span in _spans(text, secret)]
    # The parameter's name stays, as `redact` leaves it; only its value goes.
    spans += [(match.end(1), match.end()) for match in _QUERY_SECRET.finditer(text)]
    pieces, position = [], 0
    for start, stop in sorted(span for span in spans if span[0] < end):
        if start < position:
            continue  # inside a span already masked (one secret holding another, say)
        pieces += [text[position:start], MASK]
        position = stop
    if position < end:
        pieces.append(text[position:end])
    return "".join(pieces)


def redact_json(value: Any, *secrets: str | None) -> Any:
    """Parsed JSON with every string, keys included, passed through `redact`: `value` itself when
    nothing needs masking (the usual case, checked in one pass), else a masked copy.

    Recursive: meant for values read with core.json_text.load_json, which bounds their depth."""
    texts: list[str] = []
    _collect_texts(value, texts)
    # A match within any one string is a match within all of them joined.
    joined = "\x00".join(texts)
    if redact(joined, *secrets) == joined:
        return value
    return _redact_all(value, secrets)


def _collect_texts(value: Any, texts: list[str]) -> None:
    if isinstance(value, str):
        texts.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            texts.append(key)
            _collect_texts(item, texts)
    elif isinstance(value, list):
        for item in value:
            _collect_texts(item, texts)


def _redact_all(value: Any, secrets: tuple[str | None, ...]) -> Any:
    if isinstance(value, str):
        return redact(value, *secrets)
    if isinstance(value, dict):
        return {redact(key, *secrets): _redact_all(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_all(item, secrets) for item in value]
    return value


# A presigned download link carries its signature in the query string: what the HTTP stack logs of
# any URL keeps its path and drops its query.
_ANY_QUERY = re.compile(r"\?[^\s\"']+")


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = mask_queries(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_installed = False


def install_log_redaction() -> None:
    """Redact query-string secrets in what the HTTP stack logs, whoever turns its logging on."""
    global _installed
    if _installed:
        return
    for name in ("urllib3.connectionpool", "urllib3.connection", "urllib3.poolmanager", "urllib3.util.retry"):
        logging.getLogger(name).addFilter(_RedactingFilter())
    _installed = True
