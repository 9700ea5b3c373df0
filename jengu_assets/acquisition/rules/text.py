"""Folded text: the one form in which two spellings of a word compare equal, and whole-phrase
matching on it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Letters that NFKD leaves alone because they are not "letter + accent" (ø, æ, ł, ...).
_UNDECOMPOSABLE = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
# "Claridge's" and "Claridges" are the same hotel; an elided "l'Europe" is two words.
_POSSESSIVE = re.compile(r"(?<=\w)['’`´]s\b")
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Reduce text to lower-case ASCII-ish words separated by single spaces.

    Used everywhere two spellings of the same thing must compare equal: "Hôtel Müller & Söhne" and
    "hotel muller and sohne" fold to the same string.
    """
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_UNDECOMPOSABLE)
    text = _POSSESSIVE.sub("s", text).replace("&", " and ")
    return _NOT_WORD.sub(" ", text).strip()


def phrases(words: Iterable[str]) -> re.Pattern[str]:
    """A matcher for whole words or word sequences inside folded text (longest phrase wins)."""
    alternatives = sorted({fold(w) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<!\S)(?:" + "|".join(map(re.escape, alternatives)) + r")(?!\S)")


def find(pattern: re.Pattern[str], folded: str) -> str | None:
    """The first phrase of ``pattern`` in the folded text, or None."""
    match = pattern.search(folded)
    return match.group(0) if match else None
