"""Domains and email addresses as they are stored and compared."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_HOST = re.compile(r"^(?:[\w](?:[\w-]*[\w])?\.)+(?:[^\W\d_]{2,}|xn--[a-z0-9-]+)$")
_EMAIL_HOST_END = re.compile(r"[\s>/?#;,]")
_URL_PUNCTUATION = re.compile(r"[/:?#\[\]]")


def domain_of(url_or_email: str | None) -> str | None:
    """The lower-case host of a URL ("https://www.Hotel.de/x" -> "hotel.de") or of an email address.

    None for anything that does not look like a public host name (empty, "n/a", an IP address).
    """
    if not url_or_email:
        return None
    value = url_or_email.strip().lower()
    value = value.removeprefix("mailto:")
    if "://" not in value and "@" in value:
        host = _EMAIL_HOST_END.split(value.rsplit("@", 1)[1], maxsplit=1)[0]
    elif "://" in value or _URL_PUNCTUATION.search(value):
        try:
            host = urlsplit(value if "://" in value else "//" + value).hostname or ""
        except ValueError:  # e.g. an unbalanced "[" that urlsplit reads as an IPv6 literal
            return None
    else:  # already a bare host, the common case when re-normalising a stored domain
        host = value
    host = host.strip(". ").removeprefix("www.")
    if not host.isascii():
        host = _punycode(host) or ""  # "hotel-müller.de" is written either way
    return host if _HOST.match(host) else None


def _punycode(host: str) -> str | None:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)
_BRACKETED = re.compile(r"<([^<>]+)>")
_EMAIL_SEPARATOR = re.compile(r"\s*[;,\s]\s*")
_EMAIL_PLACEHOLDERS = frozenset(
    {"", "-", "--", "n/a", "na", "n.a.", "none", "null", "nil", "unknown", "tbd", "tba", "?",
     "no email", "keine", "nan", "0", "x"}
)
_EMAIL = re.compile(
    r"^(?=.{3,254}$)(?!\.)(?!.*\.\.)[a-z0-9!#$%&'*+/=?^_`{|}~.-]+(?<!\.)"
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$",
    re.IGNORECASE,
)


def normalise_email(value: str | None) -> str | None:
    """The address as we store and compare it: trimmed, no "mailto:", no query, lower-case.

    A display name ("Jane Doe <jane@hotel.de>") is dropped, and of several addresses in one cell
    the first is kept.

    None when the cell is empty or a placeholder ("n/a", "-", "unknown"...). Anything else is
    returned even if it is not a valid address; `is_valid_email` is the separate check, so that a
    bad address can be reported rather than silently dropped.
    """
    if value is None:
        return None
    text = value.strip()
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # full-width "ｉｎｆｏ＠ｈｏｔｅｌ．ｊｐ"
    bracketed = _BRACKETED.search(text)  # "Jane Doe <jane@hotel.de>"
    if bracketed:
        text = bracketed.group(1)
    text = _MAILTO.sub("", text.strip()).split("?", 1)[0].strip().lower()
    if text in _EMAIL_PLACEHOLDERS:
        return None
    # A cell with several addresses: the first is the one the list's author put first.
    address = _EMAIL_SEPARATOR.split(text, maxsplit=1)[0]
    local, at, host = address.rpartition("@")
    if at and not host.isascii() and local.isascii() and (ascii_host := _punycode(host)):
        address = f"{local}@{ascii_host}"  # an umlaut domain, sent as its ASCII form
    return address


def is_valid_email(value: str) -> bool:
    """A pragmatic syntax check: local@domain.tld, one @, no spaces, a letters-only TLD of 2+.

    Deliverability is another question; this only keeps obvious junk out of the send queue.
    """
    return bool(value) and _EMAIL.match(value) is not None
