"""Keep secrets out of text the app shows, logs or raises."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, quote_plus

SECRET_HEADER = "robocloud-process-secret"
MASK = "***"
# What a copied curl command holds instead of the secret: the shell fills it in from the environment.
SECRET_PLACEHOLDER = "$ROBOCLOUD_PROCESS_SECRET"

# The query-string fallback puts the secret into URLs, and urllib3 logs URLs at DEBUG level.
_QUERY_SECRET = re.compile(r"(robocloud-process-secret=)[^&\s\"'#]+", re.IGNORECASE)


def redact(text: str, *secrets: str | None) -> str:
    """Replace every known secret (raw or URL-encoded) and any query-string secret with a mask."""
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, MASK)
    return _QUERY_SECRET.sub(r"\1" + MASK, text)


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
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
