"""Large phrase alternations searched at the speed of the few phrases a text can hold.

Python's ``re`` tries every branch of ``a|b|c...`` at every position of the text, so a rule set
of eighty phrases costs eighty scans. Most phrases need a word the text does not contain: an
unsubscribe rule for "désabonner" cannot match a reply without "désabonn". ``Phrases`` reads,
once, the literal text each branch cannot match without (for ``\\bdar(me|nos)? de baja\\b``,
" de baja"), and for each text searches the alternation of only the branches whose literal is
in it, in their original order. The matches are exactly those of the whole alternation: a
branch left out cannot match anywhere in the text, and the leftmost-first choice among the
others is unchanged.

Literals are looked up in the text folded as IGNORECASE compares characters (``fold``), which
is sound for case-sensitive patterns too: a text holding "Abc" holds "abc" once folded. A branch
whose literal cannot be named (a character class, an unusual construct) is always searched.
Groups are not numbered as in the whole pattern: ``Phrases`` offers the whole match, its span and
position, as the rule sets use. Patterns are read with the ``re`` package's own parser, and the
subsets compiled outside its cache of 512 patterns, which they would otherwise crowd out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from re import _casefix, _compiler, _constants, _parser  # type: ignore[attr-defined]

_CACHE_LIMIT = 256     # compiled subsets per rule set; cleared when full


def _fold_table() -> dict[int, int | None]:
    """``str.lower`` lowers every character to the one ``re`` compares it as, save two: the dotted
    capital I (to "i" and a combining dot) and the final sigma (by context). And ``re`` takes a few
    lowercase letters as one (s and the long s, i and the dotless i, the two sigmas, the micro
    sign and mu...). Each such letter is mapped to the first of its kind; the combining dot goes."""
    table: dict[int, int | None] = {0x0307: None}
    for low, extras in _casefix._EXTRA_CASES.items():
        for code in (low, *extras):
            table[code] = min(low, *extras)
    return {code: target for code, target in table.items() if code != target}


_FOLD = _fold_table()
_NEEDS_FOLD = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_FOLD)) + "]")


def fold(text: str) -> str:
    """``text`` as the literals of a case-insensitive pattern are looked up in it: two characters
    that IGNORECASE takes as one fold to the same."""
    low = text.lower()
    return low.translate(_FOLD) if _NEEDS_FOLD.search(low) else low


def branches(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern``, as source text."""
    parts, current, depth, escaped, in_class = [], [], 0, False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]" or current[-1] == "[" or current[-2:] == ["[", "^"]
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _literal(chars: list[int]) -> str:
    return fold("".join(map(chr, chars)))


def _needs(items, flags: int) -> frozenset[str] | None:
    """Literals of which at least one occurs (folded) in any text a parsed sequence matches;
    None when none can be named. Of a sequence's mandatory parts, the most selective one."""
    options: list[frozenset[str]] = []
    run: list[int] = []
    for op, av in list(items) + [(None, None)]:
        if op is _constants.LITERAL:
            run.append(av)
            continue
        if len(run) >= 2 or (run and not options):
            options.append(frozenset({_literal(run)}))
        run = []
        need = None
        if op is _constants.SUBPATTERN:
            need = _needs(av[3], flags)
        elif op is _constants.BRANCH:
            alternatives = [_needs(alt, flags) for alt in av[1]]
            if all(alternatives):
                need = frozenset().union(*alternatives)
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT):
            if av[0] >= 1:
                need = _needs(av[2], flags)
        elif op is _constants.ATOMIC_GROUP:
            need = _needs(av, flags)
        if need:
            options.append(need)
    options = [o for o in options if all(o)]
    if not options:
        return None
    return max(options, key=lambda o: (min(len(s) for s in o), -len(o)))


def needs(branch: str, flags: int = 0) -> frozenset[str] | None:
    """What ``branch`` cannot match without (see ``_needs``); None when unknown."""
    try:
        return _needs(_parser.parse(branch, flags), flags)
    except Exception:   # an unusual construct: the branch is simply always searched
        return None


class Phrases:
    """An alternation of phrases, searched like ``re.compile("|".join(branches), flags)``."""

    def __init__(self, pattern: str | Sequence[str], flags: int = 0) -> None:
        parts = branches(pattern) if isinstance(pattern, str) else list(pattern)
        self._parts = [f"(?:{p})" for p in parts]
        self.pattern = "|".join(self._parts)
        self.flags = flags
        self.whole = re.compile(self.pattern, flags)
        owners: dict[str, list[int]] = {}
        self._always: list[int] = []
        for i, part in enumerate(parts):
            need = needs(part, flags)
            if need is None:
                self._always.append(i)
            for literal in need or ():
                owners.setdefault(literal, []).append(i)
        self._literals = sorted(owners)
        self._owners = owners
        self._by_literals: dict[tuple[str, ...], re.Pattern[str] | None] = {}
        self._by_branches: dict[tuple[int, ...], re.Pattern[str] | None] = {}

    def __repr__(self) -> str:
        return f"Phrases({len(self._parts)} branches, {len(self._literals)} literals)"

    def for_text(self, text: str) -> re.Pattern[str] | None:
        """The alternation of the branches that can match ``text``; None when none can."""
        low = fold(text)
        present = tuple([s for s in self._literals if s in low])
        try:
            return self._by_literals[present]
        except KeyError:
            pass
        chosen = tuple(sorted({*self._always, *(i for s in present for i in self._owners[s])}))
        if chosen in self._by_branches:
            compiled = self._by_branches[chosen]
        elif len(chosen) == len(self._parts):
            compiled = self.whole
        else:
            compiled = _compiler.compile("|".join(self._parts[i] for i in chosen), self.flags) \
                if chosen else None
        if len(self._by_literals) >= _CACHE_LIMIT:
            self._by_literals, self._by_branches = {}, {}
        self._by_branches[chosen] = self._by_literals[present] = compiled
        return compiled

    def search(self, text: str) -> re.Match[str] | None:
        pattern = self.for_text(text)
        return pattern.search(text) if pattern else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        pattern = self.for_text(text)
        return pattern.finditer(text) if pattern else iter(())
