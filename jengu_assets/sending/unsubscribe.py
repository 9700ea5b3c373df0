"""Per-recipient unsubscribe tokens and the two links every outreach email carries.

A token is ``<address>.<mac>``, both parts unpadded url-safe base64: the lower-cased recipient
address and an HMAC-SHA256 over a versioned message. The unsubscribe service needs no lookup table
to act on a link, and nobody without the secret can mint a link that unsubscribes someone else.
The version prefix lets a future token format be told apart from this one instead of verifying
by accident. The address is readable by anyone holding the link, which is the recipient it was
sent to; log lines therefore mask addresses and never print tokens.

Links: ``mailto`` works in every mail client and always exists; the https ``url`` exists only
when a secret is configured, and is what mail providers' one-click unsubscribe (RFC 8058) posts
to (``jengu unsubscribe-server`` answers it).

Environment: ``JENGU_UNSUBSCRIBE_SECRET`` (signing key; unset means no https link),
``JENGU_UNSUBSCRIBE_BASE_URL`` (public address of ``jengu unsubscribe-server``, default
``http://127.0.0.1:8025``; mail providers only use one-click for https) and
``JENGU_UNSUBSCRIBE_MAILTO`` (default: the sending inbox's own address).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote

from jengu_resources.settings import read as read_setting

SECRET_ENV = "JENGU_UNSUBSCRIBE_SECRET"
BASE_URL_ENV = "JENGU_UNSUBSCRIBE_BASE_URL"
MAILTO_ENV = "JENGU_UNSUBSCRIBE_MAILTO"
DEFAULT_BASE_URL = "http://127.0.0.1:8025"

_VERSION = b"jengu-unsubscribe-v1\n"
# Far above any real address (RFC 5321 caps a path at 256 octets) yet small enough that a crafted
# URL cannot make the server hash megabytes.
_MAX_TOKEN_CHARS = 1024
# Characters RFC 6068 allows unencoded in a mailto address; everything else is percent-encoded.
_MAILTO_SAFE = "@!$'()*+,;:"
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class TokenError(ValueError):
    """An unsubscribe token that is malformed, truncated or not signed with this secret."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    # Only the canonical spelling is accepted: lenient decoders drop stray characters and ignore
    # trailing bits, which would let many different strings stand for one token.
    if not _B64URL.fullmatch(text):
        raise ValueError("not unpadded url-safe base64")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64encode(raw) != text:
        raise ValueError("not canonical base64")
    return raw


def _require_secret(secret: str) -> bytes:
    if not secret:
        raise ValueError(f"an unsubscribe token needs a non-empty secret ({SECRET_ENV})")
    return secret.encode("utf-8")


def _mac(address: str, key: bytes) -> bytes:
    return hmac.new(key, _VERSION + address.encode("utf-8"), hashlib.sha256).digest()


def make_token(email: str, secret: str) -> str:
    """The url-safe token for ``email`` (lower-cased). Raises ``ValueError`` on an empty address
    or secret."""
    key = _require_secret(secret)
    address = (email or "").strip().lower()
    if not address:
        raise ValueError("an unsubscribe token needs a recipient address")
    return f"{_b64encode(address.encode('utf-8'))}.{_b64encode(_mac(address, key))}"


def read_token(token: str, secret: str) -> str:
    """The lower-cased address ``token`` was made for. Raises ``TokenError`` unless it was made
    with ``secret`` and arrived unaltered."""
    key = _require_secret(secret)
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_CHARS:
        raise TokenError("not an unsubscribe token")
    payload, dot, signature = token.partition(".")
    if not dot or not payload or not signature:
        raise TokenError("not an unsubscribe token")
    try:
        raw_address = _b64decode(payload)
        given = _b64decode(signature)
        address = raw_address.decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise TokenError("not an unsubscribe token") from exc
    # Constant time, so response timing does not reveal how much of a forged signature matched.
    if not hmac.compare_digest(given, _mac(address, key)):
        raise TokenError("unsubscribe token signature does not match")
    if not address or address != address.strip().lower():
        # make_token never signs such an address; a match means the secret was misused elsewhere.
        raise TokenError("unsubscribe token carries a malformed address")
    return address


@dataclass(frozen=True)
class UnsubscribeLinks:
    mailto: str
    url: str | None


def mailto_link(address: str) -> str:
    address = (address or "").strip()
    if not address:
        raise ValueError("the unsubscribe mailto link needs an address")
    return f"mailto:{quote(address, safe=_MAILTO_SAFE)}?subject=unsubscribe"


def unsubscribe_links(
    recipient: str, *, secret: str | None, base_url: str, mailto_address: str
) -> UnsubscribeLinks:
    """Both links for one recipient; ``url`` is ``None`` when no secret is configured."""
    url = None
    if secret:
        url = f"{base_url.rstrip('/')}/u/{make_token(recipient, secret)}"
    return UnsubscribeLinks(mailto=mailto_link(mailto_address), url=url)


def secret_from_env() -> str | None:
    """``JENGU_UNSUBSCRIBE_SECRET``, stripped (a secret file's trailing newline must not change
    the key); empty means none."""
    return read_setting(SECRET_ENV)


__all__ = [
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "MAILTO_ENV",
    "SECRET_ENV",
    "TokenError",
    "UnsubscribeLinks",
    "mailto_link",
    "make_token",
    "read_token",
    "secret_from_env",
    "unsubscribe_links",
]
