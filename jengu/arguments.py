"""Argument types the operator commands share: a wrong number is refused by argparse with the
option's name (``jengu inbox add: error: argument --smtp-port: 99999 is not a port ...``) and
exit status 2, before anything is opened."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def _port_from(lowest: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = at_least(lowest)(text)
        if value > 65535:
            raise argparse.ArgumentTypeError(f"{text} is not a port ({lowest} to 65535)")
        return value

    return parse


port = _port_from(1)
"""A TCP port to connect to, 1 to 65535."""
listen_port = _port_from(0)
"""A TCP port to listen on, 0 to 65535; 0 lets the system pick a free one."""


def at_least(minimum: int) -> Callable[[str], int]:
    """A whole number no smaller than ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} is below {minimum}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse
