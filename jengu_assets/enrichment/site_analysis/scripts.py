"""The page's scripts and embeds: their code, as one bounded haystack for the technology markers,
and the URLs it names.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from jengu_assets.enrichment.site_analysis.head import _attr
from jengu_assets.enrichment.site_analysis.limits import (
    MAX_INLINE_SCRIPT_CHARS,
    MAX_SCRIPT_HAYSTACK_CHARS,
)
from jengu_assets.enrichment.site_analysis.structured_data import _is_jsonld_type

_URL_IN_CODE = re.compile(r"""//[a-zA-Z0-9][a-zA-Z0-9.-]{0,250}\.[a-zA-Z]{2,24}[^\s"'<>)\\]*""")


_ESCAPED_SLASH = re.compile(r"\\(?:/|u002[fF])")


def _unescape_slashes(code: str) -> str:
    if "\\/" not in code and "\\u002" not in code:
        return code
    return _ESCAPED_SLASH.sub("/", code)


def _collect_code(tree: LexborHTMLParser) -> tuple[str, list[str]]:
    """Text the technology detectors read (script sources and bodies, embeds, stylesheets,
    pixels) and the URLs the page itself loads, in document order."""
    parts: list[str] = []
    embedded: list[str] = []
    budget = MAX_SCRIPT_HAYSTACK_CHARS
    for node in tree.css("script")[:2000]:
        src = _attr(node, "src")
        if src:
            parts.append(src)
            embedded.append(src)
            continue
        if _is_jsonld_type(_attr(node, "type")) or budget <= 0:
            continue
        body = node.text(deep=True)[:MAX_INLINE_SCRIPT_CHARS]
        budget -= len(body)
        parts.append(body)
        # JSON in scripts escapes slashes ("https:\/\/be.synxis.com", Nuxt "\u002F").
        unescaped = _unescape_slashes(body)
        embedded.extend(_URL_IN_CODE.findall(unescaped)[:300])
    for node in tree.css("iframe[src], frame[src], embed[src], object[data], form[action]")[:500]:
        url = _attr(node, "src") or _attr(node, "data") or _attr(node, "action")
        parts.append(url)
        embedded.append(url)
    for node in tree.css("link[href]")[:500]:
        parts.append(_attr(node, "href"))
    for node in tree.css("img[src]")[:1000]:
        parts.append(_attr(node, "src"))
    return "\n".join(parts), embedded
