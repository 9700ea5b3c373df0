"""Phrase alternations searched over only the branches a text can match: the same matches as the
whole pattern, on every saved message and on texts written to trip the shortcut."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from jengu_assets import phrases
from jengu_assets.phrases import Phrases, branches, fold, needs
from jengu_assets.replies import auto_replies, intent, reports
from jengu_assets.replies.parsing import parse
from jengu_assets.replies.quoting import reply_text
from jengu_assets.sending import bounces

FIXTURES = Path(__file__).parent / "fixtures"
RULE_MODULES = (intent, auto_replies, reports, bounces)


def _rule_sets() -> dict[str, Phrases]:
    return {f"{m.__name__.rsplit('.', 1)[1]}.{name}": value for m in RULE_MODULES
            for name, value in vars(m).items() if isinstance(value, Phrases)}


@cache
def _texts() -> tuple[str, ...]:
    """Every saved message: its headers and body text, and the new text of its reply."""
    texts = []
    for folder in ("inbound", "inbound_heldout", "inbound_realworld"):
        for path in sorted((FIXTURES / folder).glob("*.eml")):
            parsed = parse(path.read_bytes())
            texts += [parsed.subject or "", parsed.text, reply_text(parsed.text)]
    return tuple(texts)


TRICKY = (
    "Please unſubscribe me",                 # the long s: IGNORECASE takes it for an s
    "İNTERESSİERT? NOT İNTERESTED",          # the dotted capital I lowers to two characters
    "ΟΧΙ ΕΝΔΙΑΦΕΡΟΝ, ΣΤΑΜΑΤΗΣΤΕ",            # the final sigma lowers by context
    "Out of office until 3 March",
    "UNSUBSCRIBE",
    "ne plus me contacter SVP. Abmelden! Désabonnez-moi; Baja.",
    "not interested\n\nstop",
    "ıntereſted in a call next week",        # dotless i and long s together
    "Kelvin sign: \u212aeine weiteren E-Mails",
    "",
)


def test_rule_modules_hold_phrase_sets() -> None:
    found = _rule_sets()
    assert len(found) >= 25, sorted(found)
    assert all(len(p._parts) >= 2 or p._literals for p in found.values())


@pytest.mark.parametrize("name", sorted(_rule_sets()))
def test_matches_equal_the_whole_alternation(name: str) -> None:
    rules = _rule_sets()[name]
    for text in _texts() + TRICKY:
        expected = [m.span() for m in rules.whole.finditer(text)]
        assert [m.span() for m in rules.finditer(text)] == expected, (name, text[:200])
        first = rules.search(text)
        assert (first.span() if first else None) == (expected[0] if expected else None)


def test_shortcut_leaves_out_branches() -> None:
    rules = intent._UNSUBSCRIBE
    narrowed = rules.for_text("Thanks, sounds good. Call me on Tuesday.")
    assert narrowed is None or len(narrowed.pattern) < len(rules.pattern) / 4
    assert rules.for_text("please unsubscribe me") is not rules.whole


def test_tricky_characters_still_match() -> None:
    unsubscribe = Phrases([r"\bunsubscrib", r"\bstop"], re.IGNORECASE)
    assert unsubscribe.search("Please unſubscribe me")
    interested = Phrases([r"\binterested\b", r"\bcall\b"], re.IGNORECASE)
    assert interested.search("NOT İNTERESTED")
    assert interested.search("ıntereſted")
    sigma = Phrases([r"σταματηστε", r"οχι"], re.IGNORECASE)
    assert sigma.search("ΣΤΑΜΑΤΗΣΤΕ")
    assert Phrases([r"\bkeine\b", r"\bstop\b"], re.IGNORECASE).search("\u212aEINE")


def test_case_sensitive_phrases() -> None:
    names = Phrases([r"\bMr\.? [A-Z][a-z]+", r"\bGeneral Manager\b"])
    assert [m.group() for m in names.finditer("ask Mr Smith or the General Manager")] \
        == ["Mr Smith", "General Manager"]
    assert names.search("ask mr smith") is None
    assert names.search("the general manager") is None


@pytest.mark.parametrize(("pattern", "parts"), [
    (r"a|b|c", ["a", "b", "c"]),
    (r"(a|b)|c", ["(a|b)", "c"]),
    (r"[|(]x|\|y|z\(", ["[|(]x", r"\|y", r"z\("]),
    (r"[]|]a|[^]|]b", ["[]|]a", "[^]|]b"]),
    (r"(?:x(?:y|z))|w", ["(?:x(?:y|z))", "w"]),
])
def test_branches(pattern: str, parts: list[str]) -> None:
    assert branches(pattern) == parts
    assert re.compile("|".join(parts)).pattern == pattern


@pytest.mark.parametrize(("branch", "literals"), [
    (r"\bunsubscrib", {"unsubscrib"}),
    (r"\bdar(me|nos)? de baja\b", {" de baja"}),
    (r"\b(stop|halt) (e-?mailing|contacting)", {"mailing", "contacting"}),
    (r"\b(ticket|case)\b", {"ticket", "case"}),
    (r"(?:hello)+ world", {" world"}),
    (r"\b(a|)\b", None),                      # an empty alternative needs nothing
    (r"[a-z]+\d", None),                      # nothing literal
    (r"UNSUBSCRIBE", {"unsubscribe"}),        # looked up folded
    (r"(?<!no )thanks", {"thanks"}),          # a lookbehind is not required text
])
def test_needs(branch: str, literals: set[str] | None) -> None:
    assert needs(branch, re.IGNORECASE) == (frozenset(literals) if literals is not None else None)


def test_fold() -> None:
    assert fold("UNSUBSCRIBE") == "unsubscribe"
    assert fold("unſubscribe") == "unsubscribe"
    assert fold("İstanbul") == "istanbul"
    assert fold("ΟΔΟΣ") == fold("οδοσ")


def test_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(phrases, "_CACHE_LIMIT", 4)
    words = [f"word{i}" for i in range(12)]
    rules = Phrases([rf"\b{w}\b" for w in words], re.IGNORECASE)
    for i in range(len(words)):
        for j in range(i, len(words)):
            text = f"{words[i]} and {words[j]}"
            assert [m.group() for m in rules.finditer(text)] == [words[i], words[j]]
    assert len(rules._by_literals) <= 4
    assert rules.search("nothing here") is None
