"""Script state: the JSON or JavaScript object a client-rendered page (Next.js, Nuxt, Gatsby, Vue or
React stores, Wix) carries its data in, read for contacts under contact-like keys only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser

from jengu_assets.enrichment.site_analysis.head import _attr
from jengu_assets.enrichment.site_analysis.limits import MAX_JSON_NODES, MAX_SCRIPT_HAYSTACK_CHARS
from jengu_assets.enrichment.site_analysis.links import _SOCIAL_HINT
from jengu_assets.enrichment.site_analysis.structured_data import _is_jsonld_type

# Pages rendered in the browser (Next.js, Nuxt, Gatsby, Vue/React stores, Wix) ship their data as
# JSON or a JavaScript object in a script; saved before the scripts ran, that is the only place
# the contacts are. Only values under contact-like keys are read ("phone", "contactEmail"), and
# only when the page itself shows none: state also carries partners', owners' and developers'
# details.
_STATE_MARKERS = (
    "__NEXT_DATA__", "__next_f", "__NUXT__", "__NUXT_DATA__", "__INITIAL_STATE__",
    "__APOLLO_STATE__", "__PRELOADED_STATE__", "__INITIAL_DATA__", "__INITIAL_PROPS__",
    "__remixContext", "__SERVER_DATA__", "__STATE__", "__DATA__", "__APP_DATA__",
    "__staticRouterHydrationData",
)
# A contact-like word, the rest of its key and a quoted value; the whole key is read backwards.
_STATE_CONTACT_PAIR = re.compile(
    r"""(?:phone|tel|fon|mobil|cell|whats|mail)[\w$-]{0,40}["']?[ \t]*:[ \t]*["']([^"'\\\n]{3,160})["']""",
    re.IGNORECASE,
)
_KEY_HEAD = re.compile(r"[\w$-]{0,50}$")
_STATE_PHONE_VALUE = re.compile(r"(?:\+|00|\()?\d[\d ()./–-]{5,24}\d")
_STATE_ESCAPES = re.compile(r"\\(?:u00(?:2[fF]|40|22)|[\\/\"])")
_STATE_UNESCAPED = {"u002f": "/", "u0040": "@", "u0022": '"', "\\": "\\", "/": "/", '"': '"'}
_KEY_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_PHONE_KEY_WORDS = frozenset({
    "phone", "telephone", "tel", "telefon", "telefono", "telefone", "telf", "tfno", "fon",
    "mobile", "mobil", "cell", "cellphone", "whatsapp", "landline", "hotline",
})
# Keys naming someone else's address: accounts, developers, tools.
_FOREIGN_KEY_WORDS = frozenset({
    "owner", "user", "member", "admin", "login", "author", "developer", "dev", "support",
    "sender", "from", "noreply", "account", "customer", "guest", "billing", "webmaster",
    "sentry", "test", "partner", "agency", "fax", "telefax",
})
_TECHNICAL_LOCALS = frozenset({
    "devops", "dev", "developer", "webmaster", "admin", "root", "postmaster", "hostmaster",
    "abuse", "security", "sentry", "bugs", "support",
})
_STATE_URL = re.compile(r"https?://[^\s\"'<>\\)]{4,300}")


@dataclass
class _State:
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)


def _state_text(tree: LexborHTMLParser) -> str:
    """The page's state scripts, JavaScript string escapes undone, within a budget."""
    parts: list[str] = []
    budget = MAX_SCRIPT_HAYSTACK_CHARS
    for node in tree.css("script")[:2000]:
        if _attr(node, "src"):
            continue
        kind = _attr(node, "type").lower()
        if _is_jsonld_type(kind):
            continue
        body = node.text(deep=True)
        if "json" not in kind and not any(marker in body[:400] for marker in _STATE_MARKERS):
            continue
        if len(body) > budget:
            # Contact blocks sit at either end of a store (settings first, footer last).
            body = body[: budget // 2] + "\n" + body[-(budget // 2) :]
        budget -= len(body)
        if "\\" in body:
            body = _STATE_ESCAPES.sub(
                lambda m: _STATE_UNESCAPED.get(m.group()[1:].lower(), m.group()), body
            )
        parts.append(body)
        if _attr(node, "id") == "__NUXT_DATA__":
            parts.append(_devalue_pairs(body))
        if budget <= 0:
            break
    return "\n".join(parts)


def _devalue_pairs(body: str) -> str:
    """Nuxt 3 state is one flat array whose objects hold indices into it ({"phone": 12}): the
    contact-like pairs written out as "key":"value" lines."""
    try:
        values = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    if not isinstance(values, list):
        return ""
    lines: list[str] = []
    for item in values[:MAX_JSON_NODES]:
        if not isinstance(item, dict):
            continue
        for key, index in item.items():
            if (isinstance(key, str) and isinstance(index, int) and 0 <= index < len(values)
                    and isinstance(values[index], str)):
                lines.append(json.dumps({key: values[index]})[1:-1])
    return "\n".join(lines)


def _key_words(key: str) -> list[str]:
    return [word.lower() for word in _KEY_WORDS.findall(key)]


def _read_state(text: str) -> _State:
    state = _State()
    if not text:
        return state
    for match in _STATE_CONTACT_PAIR.finditer(text):
        value = match.group(1)
        head = _KEY_HEAD.search(text, max(0, match.start() - 50), match.start())
        key = (head.group() if head else "") + re.match(r"[\w$-]*", match.group()).group()
        lowered = key.lower()
        words = _key_words(key)
        if any(word in _FOREIGN_KEY_WORDS for word in words) or "fax" in lowered:
            continue
        if "@" in value:
            if any(word.startswith("email") or word.endswith("email") or word == "mail"
                   for word in words) and len(state.emails) < 50:
                local = value.split("@", 1)[0].strip().lower()
                if local not in _TECHNICAL_LOCALS:
                    state.emails.append(value.strip())
        elif (
            len(state.phones) < 200
            and _STATE_PHONE_VALUE.fullmatch(value.strip())
            and any(word in _PHONE_KEY_WORDS or word.startswith("phone") or word.endswith("phone")
                    for word in words)
        ):
            state.phones.append(value.strip())
    if _SOCIAL_HINT.search(text):
        state.profiles = [url for url in _STATE_URL.findall(text) if _SOCIAL_HINT.search(url)][:200]
    return state
