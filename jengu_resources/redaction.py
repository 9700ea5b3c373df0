"""Keys in URLs never reach a log or an error message; personal addresses in alerts, notifications
and logs are masked.

Job boards (``app_key``, ``api_key``) and MillionVerifier (``api``) take their key as a query
parameter, and httpx logs every request URL at INFO. ``redact`` blanks those values; importing
this module installs one filter on httpx's logger that applies it to every record.
"""

from __future__ import annotations

import logging
import re

_SECRET_PARAMS = re.compile(r"(?i)\b((?:app_key|api_key|api)=)[^&\s\"'#]+")
_ADDRESS_IN_TEXT = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")


def redact(text: str) -> str:
    """``text`` with the value of every app_key/api_key/api query parameter replaced by ``***``."""
    return _SECRET_PARAMS.sub(r"\1***", text)


def mask_email(address: str | None) -> str:
    """``john.doe@example.com`` -> ``jo***@example.com``: enough to tell two apart, not to write."""
    if not address:
        return ""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return address[:2] + "***"
    return f"{local[:2]}***@{domain}"


def mask_addresses(text: str) -> str:
    """``text`` with every email address in it masked (a reply's signature often carries one)."""
    return _ADDRESS_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)


class _RedactSecrets(logging.Filter):
    jengu_redacts = True

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install_log_redaction() -> None:
    # Logger filters do not apply to records of child loggers; httpx logs requests on "httpx"
    # itself. The flag keeps a module reload from stacking a second filter.
    logger = logging.getLogger("httpx")
    if not any(getattr(f, "jengu_redacts", False) for f in logger.filters):
        logger.addFilter(_RedactSecrets())


install_log_redaction()
