"""Saved pages as they arrive: gzip bodies saved undecoded, MHTML archives, a browser's "saved from
url" comment, bare JSON-LD documents, and the binary files that are no page at all.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
import zlib
from email import message_from_bytes
from email import policy as email_policy

from jengu_assets.enrichment.site_analysis.head import _absolute_http
from jengu_assets.enrichment.site_analysis.limits import MAX_FILE_BYTES, MAX_HTML_CHARS
from jengu_assets.enrichment.site_analysis.structured_data import _lenient_json
from jengu_resources.text_decoding import BOMS, decode_html, file_signature, utf16_without_bom

log = logging.getLogger(__name__)


def _as_text(html: object) -> str:
    if html is None:
        return ""
    if isinstance(html, (bytes, bytearray, memoryview)):
        return decode_html(bytes(html))
    text = html if isinstance(html, str) else str(html)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (from surrogateescape decoding) cannot reach the parser.
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


_MHTML_HEAD = re.compile(rb"multipart/related", re.IGNORECASE)
_SAVED_FROM = re.compile(
    r"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->"  # browsers' "Save page as" mark of the web
    r"|Page saved with SingleFile\s+url:\s*(\S+)",
    re.IGNORECASE,
)
_JSON_START = re.compile(r"^[\ufeff\s]*[\[{]")


def _unwrap_saved_page(data: bytes) -> tuple[bytes | str, str | None]:
    """The page inside a saved file: a gzip body saved without decoding, or the HTML part of
    an MHTML archive ("Webpage, single file") with the address it was saved from."""
    if data.startswith(b"\x1f\x8b"):
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            inflated = inflater.decompress(data, MAX_FILE_BYTES)
        except zlib.error:
            return data, None
        return (inflated, None) if inflated.strip() else (data, None)
    head = data[:4096]
    if _MHTML_HEAD.search(head) and b"MIME-Version" in head[:2048]:
        return _mhtml_page(data) or (data, None)
    return data, None


def _mhtml_page(data: bytes) -> tuple[str, str | None] | None:
    try:
        archive = message_from_bytes(data, policy=email_policy.compat32)
        location = archive.get("Snapshot-Content-Location")
        page: tuple[str, str | None] | None = None
        # Chrome saves each frame as its own part and points the <iframe> at "cid:frame-...";
        # the part's Content-Location is the address the frame was loaded from (a booking
        # engine, a map), which is what the page really embeds.
        frames: dict[str, str] = {}
        for part in archive.walk():
            content_id = str(part.get("Content-ID") or "").strip().strip("<>")
            part_location = _absolute_http(str(part.get("Content-Location") or ""))
            if content_id and part_location and len(frames) < 200:
                frames[content_id] = part_location
            if page is not None or part.get_content_type() != "text/html":
                continue
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            text = decode_html(payload, part.get_content_charset())
            page = text, _absolute_http(location or part.get("Content-Location"))
        if page is not None and frames and "cid:" in page[0]:
            text = _CID_REFERENCE.sub(
                lambda m: frames.get(m.group(1), m.group()), page[0][:MAX_HTML_CHARS]
            )
            page = text, page[1]
        return page
    except Exception:  # noqa: BLE001 - an archive that does not parse is read as plain markup
        log.info("MHTML archive could not be parsed; reading it as markup", exc_info=True)
    return None


_CID_REFERENCE = re.compile(r"cid:([^\s\"'<>]{1,200})")


def _saved_from_url(text: str) -> str | None:
    match = _SAVED_FROM.search(text[:4096])
    if not match:
        return None
    return _absolute_http(match.group(1) or match.group(2))


def _structured_data_page(text: str) -> str:
    """A bare JSON-LD document (a ``.jsonld`` or ``.json`` file) as the page it came from."""
    values = _lenient_json(text.lstrip("\ufeff"))
    if not any(isinstance(value, (dict, list)) for value in values):
        return text
    # "</" cannot occur outside JSON strings and "<\/" means the same inside them. The text is
    # also the body, so a plain JSON file still gives the contacts written in it.
    data = text.lstrip("\ufeff")
    script = data.replace("</", "<\\/")
    # Other JSON (an API response, an app's state) is read like a page's state script.
    kind = "application/ld+json" if _LINKED_DATA_HINT.search(data[:200_000]) else "application/json"
    return (f'<html><head><script type="{kind}">{script}</script></head>'
            f"<body><pre>{html_lib.escape(data, quote=False)}</pre></body></html>")


_LINKED_DATA_HINT = re.compile(r'"@(?:context|type|graph|id)"|"properties"\s*:')


def _binary_kind(data: bytes) -> str | None:
    """A short name for a file that is certainly not an HTML page, else None."""
    signature = file_signature(data)
    if signature:
        return signature[0]
    if any(data.startswith(bom) for bom, _ in BOMS) or utf16_without_bom(data):
        return None
    head = data[:8192]
    control = sum(head.count(bytes([b])) for b in (*range(9), *range(14, 32)))
    if b"\x00" in head or control > 0.1 * len(head):
        return "binary data"
    return None
