"""Texts and times from Control Room's answers, as the app may show them."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

NAME_CHARS = 200
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def shown_text(value: Any) -> str:
    """A name as the app may show it: text without control or invisible characters (those that
    part words made spaces), on one line, cut to a readable length; '' when it is not text."""
    if not isinstance(value, str):
        return ""
    kept = "".join(" " if ch.isspace() else ch for ch in value[: NAME_CHARS * 4]
                   if ch.isspace() or unicodedata.category(ch) not in _HIDDEN_CATEGORIES)
    text = " ".join(kept.split())
    return text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1].rstrip() + "…"


def epoch_seconds(value: Any) -> float | None:
    """An ISO 8601 time from Control Room (`2026-12-04T19:04:13.123Z`) as epoch seconds; None when
    absent or unreadable. A time without a zone is taken as UTC, as Control Room writes its times."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
