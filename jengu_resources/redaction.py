"""Keys in URLs never reach a log or an error message; personal addresses in alerts, notifications
and logs are masked.

Job boards (``app_key``, ``api_key``) and MillionVerifier (``api``) take their key as a query
parameter, and httpx logs every request URL at INFO. ``redact`` blanks those values; importing
this module installs one filter on httpx's logger that applies it to every record.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

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


class SecretScrubber:
    """Blanks known secret values in any text that may be kept or shown: longest first, so a
    secret that contains another (a URL path and its last segment) is blanked whole. A path keeps
    its slash (``/***``) so the text still reads as a URL. Values shorter than ``min_length`` are
    ignored where they would blank ordinary text and hide nothing real. ``add`` is safe while other
    threads scrub."""

    def __init__(self, secrets: Iterable[str | None] = (), *, min_length: int = 4) -> None:
        self._min_length = min_length
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self.add(secrets)

    def add(self, secrets: Iterable[str | None]) -> None:
        with self._lock:
            merged = set(self._secrets) | {s for s in secrets
                                           if s and len(s) >= self._min_length}
            self._secrets = tuple(sorted(merged, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "/***" if secret.startswith("/") else "***")
        return text

    def __repr__(self) -> str:
        return f"SecretScrubber({len(self._secrets)} secrets)"


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
