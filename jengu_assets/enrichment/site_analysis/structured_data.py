"""Structured data: schema.org Hotel / LodgingBusiness (or the business behind the page) from
JSON-LD, microdata and RDFa, read leniently (broken JSON is repaired where it can be) and
flattened to the fields the enrichment step stores.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from jengu_assets.enrichment.site_analysis.head import _attr, _clean_text, _join
from jengu_assets.enrichment.site_analysis.limits import (
    MAX_ITEMPROPS,
    MAX_ITEMSCOPES,
    MAX_JSON_DEPTH,
    MAX_JSON_LIST,
    MAX_JSON_NODES,
    MAX_JSONLD_CHARS,
    MAX_JSONLD_SCRIPTS,
)
from jengu_assets.enrichment.site_analysis.models import _Page

_LODGING_TYPES = {
    "hotel", "lodgingbusiness", "resort", "bedandbreakfast", "hostel", "motel", "campground",
    "vacationrental", "skiresort",
}
_BUSINESS_TYPES = {"localbusiness"}
_ORGANIZATION_TYPES = {"organization", "corporation"}
_SCHEMA_RANKS = (_LODGING_TYPES, _BUSINESS_TYPES, _ORGANIZATION_TYPES)
_GENERIC_TYPES = frozenset({"lodgingbusiness", "localbusiness", "organization"})
# Strings (kept as they are), comments and trailing commas (dropped), unquoted keys (quoted).
# Every alternative always matches once started (an unterminated string or comment runs to the
# end, a trailing backslash included): a failed scan retried from each later position would make
# hostile input quadratic.
_JSON_REPAIRS = re.compile(
    r'("(?:[^"\\]++|\\.?)*+(?:"|$))'
    r"|//[^\n]*|/\*.*?(?:\*/|$)|,(?=\s*[\]}])"
    r"|(?<=[{,])(\s*)([A-Za-z_$][\w$-]*)(?=\s*:)"
    # JavaScript habits: 'single-quoted strings'.
    r"|'((?:[^'\\\n]|\\.)*)'",
    re.DOTALL,
)
_JSON_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def _fix_escape(match: re.Match[str]) -> str:
    escaped = match.group(1)
    if escaped[0] in '"\\/bfnrt' or len(escaped) == 5:
        return match.group()
    return escaped  # "\'" and other escapes JSON does not know: the character itself
_JSON_SEPARATORS = re.compile(r"[\s,;]*")
_HTML_COMMENT_WRAPPER = re.compile(
    r"^\s*(?://\s*)?(?:<!--|<!\[CDATA\[)|(?://\s*)?(?:-->|\]\]>)\s*$"
)


def _schema_types(node: dict[str, Any]) -> list[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    types = []
    for value in values[:20]:
        if isinstance(value, str) and value.strip():
            types.append(re.split(r"[/#:]", value.strip())[-1])
    return types


def _json_values(text: str) -> tuple[list[Any], bool]:
    """Every JSON value in ``text`` (pages concatenate objects) and whether all of it parsed."""
    decoder = json.JSONDecoder(strict=False)
    values: list[Any] = []
    position = _JSON_SEPARATORS.match(text, 0).end()
    while position < len(text) and len(values) < 100:
        try:
            value, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            return values, False
        values.append(value)
        position = _JSON_SEPARATORS.match(text, position).end()
    return values, True


def _repair_json_token(match: re.Match[str]) -> str:
    string, space, bare_key, quoted = match.groups()
    if string is not None:
        return _JSON_ESCAPE.sub(_fix_escape, string) if "\\" in string else string
    if bare_key is not None:
        return f'{space}"{bare_key}"'
    if quoted is not None:
        inner = _JSON_ESCAPE.sub(_fix_escape, quoted) if "\\" in quoted else quoted
        return '"' + re.sub(r'(?<!\\)"', '\\"', inner) + '"'
    return ""


def _lenient_json(script: str) -> list[Any]:
    """JSON-LD as written by hand: comments, trailing commas, unquoted keys, raw newlines in
    strings, HTML entities instead of quotes and several objects in one script are accepted."""
    # A byte order mark pasted in with the script (or left by a CMS field) is not JSON.
    text = _HTML_COMMENT_WRAPPER.sub("", script.strip().lstrip("\ufeff").strip())
    values, complete = _json_values(text)
    if complete and values:
        return values
    best = values
    candidates = [text]
    if "&" in text:
        candidates.append(html_lib.unescape(text))
    if "\n" in text:
        # Last resorts for hand-written JSON: one property per line lets a missing comma
        # or an unescaped quote inside a value be seen.
        candidates.append(_repair_lines(text))
    repaired = text
    for candidate in candidates:
        repaired = _JSON_REPAIRS.sub(_repair_json_token, candidate)
        values, complete = _json_values(repaired)
        if complete and values:
            return values
        if len(values) > len(best):
            best = values
    if not best:
        # Cut off (a field length limit, a truncated save): the complete part is kept.
        for closed in _closed_truncation(repaired):
            values, complete = _json_values(closed)
            if complete and values:
                return values
    return best


_MISSING_COMMA = re.compile(r'("|\d|\btrue|\bfalse|\bnull|[}\]])([ \t]*\r?\n\s*)(?=")')
_STRING_PROPERTY_LINE = re.compile(r'^([ \t]*"[^"\n]{1,100}"[ \t]*:[ \t]*")(.*)("[ \t]*,?[ \t]*)$', re.M)


def _escape_inner_quotes(match: re.Match[str]) -> str:
    inner = match.group(2)
    if '"' not in inner or re.search(r'"\s*[,:]\s*"', inner):
        return match.group()  # several properties on the line: not one value
    return match.group(1) + re.sub(r'(?<!\\)"', '\\"', inner) + match.group(3)


def _repair_lines(text: str) -> str:
    text = _MISSING_COMMA.sub(r"\1,\2", text)
    return _STRING_PROPERTY_LINE.sub(_escape_inner_quotes, text)


_JSON_STRUCTURE = re.compile(r'"(?:[^"\\]++|\\.)*+("?)|[\[\]{},]', re.DOTALL)


def _closed_truncation(text: str) -> list[str]:
    """``text`` completed with the brackets it leaves open: as it ends, and cut back to its
    last comma (dropping a half-written member)."""
    closers: list[str] = []
    in_string = False
    last_comma: tuple[int, str] | None = None
    for match in _JSON_STRUCTURE.finditer(text):
        token = match.group()
        if token[0] == '"':
            in_string = not match.group(1)  # a string still open at the end of the text
        elif token in "[{":
            closers.append("]" if token == "[" else "}")
        elif token in "]}":
            if closers:
                closers.pop()
        elif closers:
            last_comma = (match.start(), "".join(reversed(closers)))
    if not closers:
        return []
    attempts = []
    if not in_string:
        attempts.append(text.rstrip().rstrip(",:") + "".join(reversed(closers)))
    if last_comma:
        attempts.append(text[: last_comma[0]] + last_comma[1])
    return attempts


def _is_jsonld_type(value: str) -> bool:
    # Hand-written pages also say "application/json-ld", "application/ld-json" or "json+ld".
    lowered = value.lower()
    return any(kind in lowered for kind in ("ld+json", "json+ld", "ld-json", "json-ld"))


def _jsonld_documents(tree: LexborHTMLParser) -> list[Any]:
    documents: list[Any] = []
    scripts = 0
    budget = [MAX_JSON_NODES]
    for node in tree.css("script"):
        if not _is_jsonld_type(_attr(node, "type")):
            continue
        scripts += 1
        if scripts > MAX_JSONLD_SCRIPTS:
            break
        body = node.text(deep=True)
        if len(body) > MAX_JSONLD_CHARS:
            continue
        documents.extend(_normalized(value, budget) for value in _lenient_json(body))
    return documents


def _local_name(key: str) -> str:
    # "schema:name" (a prefix from @context) and "http://schema.org/name" (expanded JSON-LD)
    # name the same property as "name".
    if key.startswith("@") or not any(ch in key for ch in ":/#"):
        return key
    return re.split(r"[/#:]", key.rstrip("/#"))[-1] or key


def _normalized(value: Any, budget: list[int], depth: int = 0) -> Any:
    """JSON-LD with plain property names: prefixed and full-IRI keys become local names, and
    microdata written as JSON ({"type": [...], "properties": {...}}) becomes a node."""
    if budget[0] <= 0 or depth > MAX_JSON_DEPTH:
        return value
    if isinstance(value, list):
        budget[0] -= 1
        return [_normalized(item, budget, depth + 1) for item in value[:MAX_JSON_LIST]]
    if not isinstance(value, dict):
        return value
    budget[0] -= 1
    properties = value.get("properties")
    if "@type" not in value and isinstance(properties, dict) and isinstance(
        value.get("type"), (str, list)
    ):
        node: dict[str, Any] = {"@type": value["type"]}
        if isinstance(value.get("id"), str):
            node["@id"] = value["id"]
        node.update(properties)
        value = node
    out: dict[str, Any] = {}
    for key, child in list(value.items())[:MAX_JSON_LIST]:
        name = _local_name(key) if isinstance(key, str) else key
        if name not in out:
            out[name] = _normalized(child, budget, depth + 1)
    return out


def _walk_json(roots: list[Any]) -> Iterator[dict[str, Any]]:
    """Every object in document order, iteratively and within node and depth budgets."""
    stack: list[tuple[Any, int]] = [(root, 0) for root in reversed(roots)]
    visited = 0
    while stack and visited < MAX_JSON_NODES:
        value, depth = stack.pop()
        visited += 1
        if isinstance(value, dict):
            yield value
            children: Iterable[Any] = list(value.values())[:MAX_JSON_LIST]
        elif isinstance(value, list):
            children = value[:MAX_JSON_LIST]
        else:
            continue
        if depth < MAX_JSON_DEPTH:
            stack.extend(
                (child, depth + 1)
                for child in reversed(list(children))
                if isinstance(child, (dict, list))
            )


def _microdata_types(itemtype: str) -> list[str]:
    return [re.split(r"[/#:]", token)[-1] for token in itemtype.split() if token][:10]


@dataclass(frozen=True)
class _Vocabulary:
    """Attribute names of an HTML structured-data syntax: microdata or RDFa Lite."""

    scope: str
    types: str
    prop: str


_MICRODATA = _Vocabulary(scope="itemscope", types="itemtype", prop="itemprop")
_RDFA = _Vocabulary(scope="typeof", types="typeof", prop="property")


def _nearest_scope_id(node: LexborNode, vocab: _Vocabulary = _MICRODATA) -> int | None:
    parent = node.parent
    steps = 0
    while parent is not None and steps < 200:
        if vocab.scope in parent.attributes:
            return parent.mem_id
        parent = parent.parent
        steps += 1
    return None


def _microdata_value(
    node: LexborNode, depth: int, vocab: _Vocabulary = _MICRODATA,
    tree: LexborHTMLParser | None = None,
) -> Any:
    attrs = node.attributes
    if vocab.scope in attrs:
        return _microdata_item(node, depth + 1, vocab, tree) if depth < 4 else None
    tag = node.tag
    if tag == "meta":
        return _attr(node, "content")
    if vocab is _RDFA and _attr(node, "content"):
        return _attr(node, "content")
    if tag in {"a", "area", "link"}:
        return _attr(node, "href")
    if tag in {"img", "audio", "video", "source", "iframe", "embed"}:
        return _attr(node, "src")
    if tag == "time" and _attr(node, "datetime"):
        return _attr(node, "datetime")
    if tag in {"data", "meter"} and _attr(node, "value"):
        return _attr(node, "value")
    if _attr(node, "content"):
        return _attr(node, "content")
    return " ".join(node.text(deep=True, separator=" ").split())


def _property_names(value: str) -> list[str]:
    # RDFa writes "schema:name" or a full IRI; microdata a plain "name".
    return [re.split(r"[/#:]", token)[-1] for token in value.split() if token][:10]


def _referenced_properties(
    scope: LexborNode, vocab: _Vocabulary, tree: LexborHTMLParser | None
) -> list[LexborNode]:
    """Properties that ``itemref`` pulls in from elements elsewhere on the page."""
    if tree is None or vocab is not _MICRODATA:
        return []
    nodes: list[LexborNode] = []
    for ref in _attr(scope, "itemref").split()[:20]:
        if not re.fullmatch(r"[\w.:-]{1,200}", ref):
            continue
        target = tree.css_first(f'[id="{ref}"]')
        if target is None:
            continue
        if vocab.prop in target.attributes:
            nodes.append(target)
        if vocab.scope in target.attributes:
            continue  # its descendants belong to its own item
        for node in target.css(f"[{vocab.prop}]")[:MAX_ITEMPROPS]:
            parent, inside = node.parent, True
            while parent is not None and parent.mem_id != target.mem_id:
                if vocab.scope in parent.attributes:
                    inside = False
                    break
                parent = parent.parent
            if inside:
                nodes.append(node)
    return nodes


def _microdata_item(
    scope: LexborNode, depth: int = 0, vocab: _Vocabulary = _MICRODATA,
    tree: LexborHTMLParser | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": _microdata_types(_attr(scope, vocab.types))}
    scope_id = scope.mem_id
    own = [
        node for node in scope.css(f"[{vocab.prop}]")[:MAX_ITEMPROPS]
        if _nearest_scope_id(node, vocab) == scope_id
    ]
    for node in own + _referenced_properties(scope, vocab, tree):
        value = _microdata_value(node, depth, vocab, tree)
        if value in (None, ""):
            continue
        for name in _property_names(_attr(node, vocab.prop)):
            if name in item:
                existing = item[name]
                item[name] = (existing if isinstance(existing, list) else [existing]) + [value]
            else:
                item[name] = value
    return item


_SCOPE_TYPES = (
    "Hotel", "Lodging", "Resort", "BedAndBreakfast", "Hostel", "Motel", "Campground",
    "VacationRental", "LocalBusiness", "Organization", "Corporation",
)
_MICRODATA_CANDIDATES = ", ".join(
    f"[itemscope][itemtype*={name} i]" for name in _SCOPE_TYPES
)
_RDFA_CANDIDATES = ", ".join(f"[typeof*={name} i]" for name in _SCOPE_TYPES)


def _schema_org(page: _Page) -> dict[str, Any] | None:
    documents = _jsonld_documents(page.tree)
    nodes = list(_walk_json(documents))
    id_index: _IdIndex = {}
    for node in nodes:
        node_id = node.get("@id")
        if isinstance(node_id, str) and not _is_reference(node):
            id_index.setdefault(node_id, node)
    lodgings: list[tuple[dict[str, Any], str]] = []
    best: list[tuple[dict[str, Any], str] | None] = [None] * len(_SCHEMA_RANKS)
    for node in nodes:
        # A typed reference ({"@type": "Hotel", "@id": "#hotel"}, e.g. a WebSite's publisher)
        # stands for a node described elsewhere in the graph.
        if _is_reference(node) and node.get("@id") in id_index:
            continue
        _rank_candidate(node, best, lodgings)
    for selector, vocab in ((_MICRODATA_CANDIDATES, _MICRODATA), (_RDFA_CANDIDATES, _RDFA)):
        if best[0] is not None:
            break
        for scope in page.tree.css(selector)[:MAX_ITEMSCOPES]:
            _rank_candidate(_microdata_item(scope, 0, vocab, page.tree), best, lodgings)
            if best[0] is not None:
                break
    chosen = _chosen_business(lodgings, best, _list_members(nodes), page.url or page.base)
    if chosen is None:
        return None
    schema = _flatten_schema(chosen[0], chosen[1], id_index, page.base)
    page.schema_phones, page.schema_emails = _schema_contacts(chosen[0], id_index)
    # Site builders split one business over several blocks (Squarespace: a LocalBusiness
    # with the address, an unnamed Organization with the phone and email).
    for candidate in best:
        if candidate is None or candidate is chosen:
            continue
        node, type_name = candidate
        other = _flatten_schema(node, type_name, id_index, page.base)
        if _same_business(schema, other, node):
            for key in _MERGED_FIELDS:
                if schema.get(key) in (None, "", []) and other.get(key) not in (None, "", []):
                    schema[key] = other[key]
    return schema


def _is_reference(node: dict[str, Any]) -> bool:
    return "@id" in node and set(node) <= {"@id", "@type"}


def _list_members(nodes: list[dict[str, Any]]) -> set[int]:
    """Identities of the nodes that are entries of an ItemList."""
    members: set[int] = set()
    for node in nodes:
        if not any(t.lower() == "itemlist" for t in _schema_types(node)):
            continue
        elements = node.get("itemListElement")
        for element in (elements if isinstance(elements, list) else [elements])[:MAX_JSON_LIST]:
            if isinstance(element, dict):
                members.add(id(element))
                if isinstance(element.get("item"), dict):
                    members.add(id(element["item"]))
    return members


def _chosen_business(
    lodgings: list[tuple[dict[str, Any], str]],
    best: list[tuple[dict[str, Any], str] | None],
    list_members: set[int],
    page_url: str | None,
) -> tuple[dict[str, Any], str] | None:
    """The node that describes the business behind the page. Several different properties:
    the one at the page's own address; on a list of them (a group's overview) the group's
    own Organization or LocalBusiness; else the first."""
    names = {_business_name(_first_text(node.get("name"))) for node, _ in lodgings}
    if len(lodgings) > 1 and len(names) > 1:
        page_key = _page_key(page_url)
        if page_key:
            for candidate in lodgings:
                if _page_key(_link_text(candidate[0].get("url"))) == page_key:
                    return candidate
        if id(lodgings[0][0]) in list_members:
            for candidate in best[1:]:
                if candidate is not None and id(candidate[0]) not in list_members:
                    return candidate
    return next((candidate for candidate in best if candidate), None)


def _page_key(url: str | None) -> str | None:
    """A URL reduced to what tells two pages apart: host without "www." and path."""
    if not url or "//" not in url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}".lower() if host else None


_MERGED_FIELDS = ("telephone", "email", "url", "address", "geo", "sameAs")


def _business_name(value: str | None) -> str:
    return "".join(ch for ch in (value or "").casefold() if ch.isalnum())


def _same_business(
    chosen: dict[str, Any], other: dict[str, Any], other_node: dict[str, Any]
) -> bool:
    mine, theirs = _business_name(chosen.get("name")), _business_name(other.get("name"))
    if theirs:
        return theirs == mine
    # A nameless block is the site owner's, unless its legal name says otherwise.
    legal = _business_name(_first_text(other_node.get("legalName")))
    return not legal or not mine or legal.startswith(mine) or mine.startswith(legal)


def _rank_candidate(
    node: dict[str, Any],
    best: list[tuple[dict[str, Any], str] | None],
    lodgings: list[tuple[dict[str, Any], str]] | None = None,
) -> None:
    # ["LodgingBusiness", "Hotel"]: the business is named by its most specific type.
    types = sorted(_schema_types(node), key=lambda t: t.lower() in _GENERIC_TYPES)
    for rank, accepted in enumerate(_SCHEMA_RANKS):
        matched = next((t for t in types if t.lower() in accepted), None)
        if not matched:
            continue
        if rank == 0 and lodgings is not None and len(lodgings) < 50:
            lodgings.append((node, matched))
        if best[rank] is None:
            best[rank] = (node, matched)
            return


def _resolve(value: Any, id_index: _IdIndex) -> Any:
    if isinstance(value, list):
        value = next((v for v in value if v not in (None, "", [], {})), None)
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and "@id" in value:
        return id_index.get(value["@id"], value)
    return value


def _first_text(value: Any, limit: int = 500) -> str | None:
    if isinstance(value, list):
        for item in value[:20]:
            text = _first_text(item, limit)
            if text:
                return text
        return None
    if isinstance(value, dict):
        return _first_text(value.get("@value") or value.get("name"), limit)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return _clean_text(value, limit)


def _text_list(value: Any, limit: int = 50) -> list[str]:
    values = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in values[: limit * 2]:
        text = _first_text(item)
        if text and text not in out:
            out.append(text)
    return out[:limit]


_ADDRESS_FIELDS = (
    "streetAddress", "postalCode", "addressLocality", "addressRegion", "addressCountry",
)
_IdIndex = dict[str, dict[str, Any]]


def _flatten_address(value: Any, id_index: _IdIndex) -> dict[str, Any] | str | None:
    value = _resolve(value, id_index)
    if isinstance(value, str):
        # Builders store the address as lines ("1412 Mountain Road\nStowe, VT, 05672").
        lines = [" ".join(line.split()).strip(" ,") for line in value.splitlines()]
        return _clean_text(", ".join(line for line in lines if line), 500)
    if not isinstance(value, dict):
        return None
    address = {key: _first_text(_resolve(value.get(key), id_index), 200) for key in _ADDRESS_FIELDS}
    if not any(address.values()):
        return _first_text(value.get("name"))
    return address


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        match = re.search(r"-?\d+(?:[.,]\d+)?", value)
        if match:
            return float(match.group().replace(",", "."))
    return None


def _flatten_geo(node: dict[str, Any], id_index: _IdIndex) -> dict[str, float] | None:
    geo = _resolve(node.get("geo"), id_index)
    source = geo if isinstance(geo, dict) else node
    lat = _number(_resolve(source.get("latitude"), id_index))
    lon = _number(_resolve(source.get("longitude"), id_index))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"lat": lat, "lon": lon}


def _star_rating(value: Any) -> int | float | None:
    if isinstance(value, dict):
        value = value.get("ratingValue")
    number = _number(_resolve(value, {}))
    if number is None or not 0 < number <= 10:
        return None
    return int(number) if number.is_integer() else number


def _link_text(value: Any) -> str | None:
    """A URL property: a string, or a node reference {"@id": "https://..."} (expanded and
    prefixed JSON-LD write links that way)."""
    if isinstance(value, list):
        return next((text for text in map(_link_text, value[:20]) if text), None)
    if isinstance(value, dict) and isinstance(value.get("@id"), str):
        target = value["@id"].strip()
        if target.lower().startswith(("http://", "https://", "//")):
            return target
    return _first_text(value)


def _contact_points(node: dict[str, Any], id_index: _IdIndex) -> list[dict[str, Any]]:
    points = node.get("contactPoint")
    points = points if isinstance(points, list) else [points]
    resolved = (_resolve(point, id_index) for point in points[:20])
    return [point for point in resolved if isinstance(point, dict)]


def _strip_scheme(value: str | None, schemes: tuple[str, ...]) -> str | None:
    # Microdata on a link gives its href: "tel:+39031950123", "mailto:info@...".
    if value and value.lower().startswith(schemes):
        value = unquote(value.split(":", 1)[1].split("?", 1)[0]).lstrip("/").strip()
    return value or None


def _schema_contacts(node: dict[str, Any], id_index: _IdIndex) -> tuple[list[str], list[str]]:
    """Every telephone and e-mail the business node gives, its contact points' included."""
    phones: list[str] = []
    emails: list[str] = []
    for source in [node, *_contact_points(node, id_index)]:
        for raw in _text_list(_contact_values(source, "telephone", id_index), 10):
            phone = _strip_scheme(raw, ("tel:", "callto:"))
            if phone and phone not in phones:
                phones.append(phone)
        for raw in _text_list(_contact_values(source, "email", id_index), 10):
            email = _strip_scheme(raw, ("mailto:",))
            if email and email not in emails:
                emails.append(email)
    return phones, emails


def _resolve_all(value: Any, id_index: _IdIndex) -> list[Any]:
    values = value if isinstance(value, list) else [value]
    return [_resolve(item, id_index) for item in values[:20]]


def _contact_values(node: dict[str, Any], key: str, id_index: _IdIndex) -> list[Any]:
    """The values of ``key``; a value that is itself a node holding ``key`` (a telephone
    given as a ContactPoint) stands for its own value."""
    return [
        _resolve(item.get(key), id_index) if isinstance(item, dict) and key in item else item
        for item in _resolve_all(node.get(key), id_index)
    ]


def _flatten_schema(
    node: dict[str, Any], type_name: str, id_index: _IdIndex, base: str | None
) -> dict[str, Any]:
    def text(key: str) -> str | None:
        return _first_text(_resolve(node.get(key), id_index))

    url = _link_text(_resolve(node.get("url"), id_index))
    if url and base and "://" not in url:
        url = _join(base, url)
    email = _strip_scheme(_first_text(_contact_values(node, "email", id_index)), ("mailto:",))
    telephone = _strip_scheme(
        _first_text(_contact_values(node, "telephone", id_index)), ("tel:", "callto:")
    )
    # Organizations often give their numbers only as contact points ("reservations").
    for point in _contact_points(node, id_index):
        telephone = telephone or _strip_scheme(
            _first_text(_resolve(point.get("telephone"), id_index)), ("tel:", "callto:")
        )
        email = email or _strip_scheme(
            _first_text(_resolve(point.get("email"), id_index)), ("mailto:",)
        )
    same_as = [
        u for u in (_link_text(item) for item in _as_list(node.get("sameAs"))[:100])
        if u and u.lower().startswith(("http", "//"))
    ]
    geo = _flatten_geo(node, id_index)
    if geo is None:
        # Rank Math puts the coordinates on a Place the business names as its location.
        location = _resolve(node.get("location"), id_index)
        if isinstance(location, dict) and location is not node:
            geo = _flatten_geo(location, id_index)
    return {
        "type": type_name,
        "name": text("name"),
        "telephone": telephone,
        "email": email,
        "url": url,
        "address": _flatten_address(node.get("address"), id_index),
        "geo": geo,
        "starRating": _star_rating(_resolve(node.get("starRating"), id_index)),
        "priceRange": text("priceRange"),
        "sameAs": list(dict.fromkeys(same_as))[:50],
    }


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
