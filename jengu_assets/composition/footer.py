"""The footer every outreach email carries: the sender's postal address and an opt-out line.

The gates judge the body the model (or template) wrote, without the footer: the footer is fixed
legal text, its street number and postcode would read as unsourced claims, and its words would
count against the pitch's length budget. The spam check, in contrast, scores the message exactly
as it will be sent, footer included. ``footer`` refuses an address with a link or an email
address in it, so the footer can never add a link the links gate did not see.
"""

from __future__ import annotations

import re

DEFAULT_SENDER_POSTAL_ADDRESS = (
    "Jengu Hospitality Ltd, 1 Example Street, London EC1A 1AA, United Kingdom"
)
OPT_OUT_LINE = "Not interested? Reply 'unsubscribe' and we will not write again."
SEPARATOR = "--"

_LINK_OR_ADDRESS = re.compile(r"(?i)https?://|www\.|[\w.+-]+@[\w-]+\.[\w.-]+")


def footer(postal_address: str = DEFAULT_SENDER_POSTAL_ADDRESS) -> str:
    """The footer text. Raises ``ValueError`` for an empty address or one with a link in it."""
    address = " ".join(postal_address.split())
    if not address:
        raise ValueError("the sender's postal address is required in every outreach email")
    if _LINK_OR_ADDRESS.search(address):
        raise ValueError(f"the sender's postal address must not contain a link: {address!r}")
    return f"{SEPARATOR}\n{address}\n{OPT_OUT_LINE}"


def with_footer(body: str, postal_address: str = DEFAULT_SENDER_POSTAL_ADDRESS) -> str:
    return f"{body.rstrip()}\n\n{footer(postal_address)}"


def without_footer(text: str, postal_address: str = DEFAULT_SENDER_POSTAL_ADDRESS) -> str:
    """The body of a stored email, footer removed (for re-running the gates on it)."""
    return text.removesuffix("\n\n" + footer(postal_address))


__all__ = [
    "DEFAULT_SENDER_POSTAL_ADDRESS",
    "OPT_OUT_LINE",
    "footer",
    "with_footer",
    "without_footer",
]
