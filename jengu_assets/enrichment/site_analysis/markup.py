"""The parsed tree made safe and readable: pathological markup flattened before parsing (deep
nesting, huge selects), and the page's visible text.
"""

from __future__ import annotations

import operator
import re
from itertools import accumulate

from selectolax.lexbor import LexborHTMLParser

from jengu_assets.enrichment.site_analysis.limits import (
    MAX_OPTIONS_PER_SELECT,
    MAX_TEXT_CHARS,
    MAX_TREE_DEPTH,
)

# --- markup guard ---------------------------------------------------------------------------------

# Elements that never nest: void elements, and those whose end tag is implied by a sibling.
_FLAT_ELEMENTS = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "keygen", "frame",
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot",
    "colgroup", "caption", "rb", "rt", "rp", "rtc", "html", "head", "body",
})
# The tag up to its ">" (or up to the next "<" when a truncated page leaves it open).
_WHOLE_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)([^<>]*)>?")
_FOREIGN_ROOTS = frozenset({"svg", "math"})


def _tag_depth_changes(text: str) -> list[tuple[int, int, str, bool, int]]:
    """(start, end, lower-case name, is end tag, change of nesting depth) for every tag.
    Inside <svg> and <math>, "<path/>" closes itself; in HTML only void elements do."""
    tags = [
        (match.start(), match.end(), match.group(2).lower(), bool(match.group(1)),
         match.group(3).endswith("/"))
        for match in _WHOLE_TAG.finditer(text)
    ]
    if not any(name in _FOREIGN_ROOTS for _, _, name, _, _ in tags):
        return [
            (start, end, name, closing, 0 if name in _FLAT_ELEMENTS else (-1 if closing else 1))
            for start, end, name, closing, _ in tags
        ]
    changes = []
    foreign = 0
    for start, end, name, closing, self_closing in tags:
        if name in _FOREIGN_ROOTS and not self_closing:
            foreign = max(foreign - 1, 0) if closing else foreign + 1
        if name in _FLAT_ELEMENTS or (self_closing and foreign and not closing):
            change = 0
        else:
            change = -1 if closing else 1
        changes.append((start, end, name, closing, change))
    return changes


def _tame_markup(text: str) -> str:
    """Drop tags (never text) that would make the parser quadratic: nesting beyond
    ``MAX_TREE_DEPTH`` and options beyond ``MAX_OPTIONS_PER_SELECT`` in one select."""
    if text.count("<") <= MAX_TREE_DEPTH:
        return text
    tags = _tag_depth_changes(text)
    heights = list(accumulate(change for _, _, _, _, change in tags if change))
    # Depth is the height above the lowest point so far: stray end tags must not hide a deep
    # run that follows them.
    floors = accumulate(heights, min, initial=0)
    peak = max(map(operator.sub, heights, floors), default=0)
    options = sum(1 for _, _, name, closing, _ in tags if name == "option" and not closing)
    if peak <= MAX_TREE_DEPTH and options <= MAX_OPTIONS_PER_SELECT:
        return text
    pieces: list[str] = []
    last = depth = options = 0
    for start, end, name, closing, change in tags:
        drop = False
        if name == "select":
            options = 0
        elif name == "option" and not closing:
            options += 1
            drop = options > MAX_OPTIONS_PER_SELECT
        elif change < 0:
            drop = depth > MAX_TREE_DEPTH
            depth = max(depth - 1, 0)
        elif change > 0:
            depth += 1
            drop = depth > MAX_TREE_DEPTH
        if drop:
            pieces.append(text[last:start])
            last = end
    pieces.append(text[last:])
    return "".join(pieces)


# --- visible text ---------------------------------------------------------------------------------

_INVISIBLE = [
    "script", "style", "noscript", "template", "svg", "canvas", "object", "iframe", "select",
]
_BLOCKS = (
    "address, article, aside, blockquote, br, dd, details, div, dl, dt, fieldset, figcaption, "
    "figure, footer, form, h1, h2, h3, h4, h5, h6, header, hr, li, main, nav, ol, p, pre, "
    "section, summary, table, td, th, tr, ul, button"
)


# Typographic spaces and hyphens inside numbers ("+49\u200930\u2009123", "0221\u2011123"), and
# the full-width forms of Japanese and Chinese pages, read as their plain ASCII forms.
_TEXT_SPACES = str.maketrans({
    # Full-width ASCII ("ＴＥＬ：０５５５－７２", "info＠...") first, the rest may override it.
    **{chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)},
    **dict.fromkeys(["\xa0", "\u202f", "\u205f", "\u3000", *map(chr, range(0x2000, 0x200B))], " "),
    **dict.fromkeys(["\u2010", "\u2011", "\u2012", "\uff0d"], "-"),
})


def _visible_text(tree: LexborHTMLParser) -> str:
    """Body text with one line per block, so numbers and addresses in separate paragraphs or
    cells never run together while inline markup (<b>, <span>) stays within its line."""
    tree.strip_tags(_INVISIBLE)
    for node in tree.css(_BLOCKS):
        node.insert_before("\n")
        if node.tag != "br":
            node.insert_after("\n")
    root = tree.body or tree.root
    if root is None:
        return ""
    text = root.text(deep=True, separator="").translate(_TEXT_SPACES)
    if len(text) > MAX_TEXT_CHARS:
        head = MAX_TEXT_CHARS * 2 // 3
        text = text[:head] + "\n" + text[-(MAX_TEXT_CHARS - head) :]
    return text
