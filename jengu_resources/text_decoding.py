"""Turning the bytes of a web page into text, whatever its encoding claims.

Hotel sites are old and hand-made: the HTTP header and the ``<meta>`` tag often name the wrong
charset, UTF-8 pages carry pasted windows-1252 snippets, and some pages are UTF-16 without a
byte order mark. ``decode_html`` reads all of them the way a browser (or a human) would and never
raises, so a badly encoded page still yields text. It is the one decoder for fetched pages
(``FetchResult.text``), saved files and raw bytes handed to the site analysis.

Pure functions over bytes: no I/O, no network.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata

log = logging.getLogger(__name__)

# Only this many bytes around non-ASCII bytes are used to guess a legacy encoding: enough to tell
# encodings apart, and it bounds the work on a hostile multi-megabyte page.
CHARSET_SAMPLE_BYTES = 64 * 1024

# UTF-32 comes before UTF-16 because the UTF-32-LE mark starts with the UTF-16-LE one. The
# "utf-8-sig" / "utf-16" / "utf-32" codecs consume the mark themselves.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
"""Byte order marks and the codec that decodes a body starting with each."""

# Bounded repetitions: these run on untrusted input.
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{1,40})""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-zA-Z0-9_.:-]{1,40})""")
# Browsers read these labels as windows-1252 (WHATWG Encoding), and so do the pages' authors.
_WINDOWS_1252_ALIASES = frozenset({"iso8859-1", "latin-1", "ascii"})
# Not a codec: the verdict of ``_guess_legacy_encoding`` for UTF-8 with stray cp1252 bytes.
_MIXED_UTF8_CP1252 = "utf-8+cp1252"
_CP1252_FALLBACK = "jengu-html-cp1252-fallback"


def decode_html(data: bytes, declared_charset: str | None = None) -> str:
    """Decode page bytes to text. Never raises.

    Order: byte order mark; the declared charset (HTTP header) and then the ``<meta>`` charset
    when they decode cleanly; UTF-8; UTF-8 with stray cp1252 bytes; charset-normalizer's guess
    when it reads better than cp1252; cp1252 with replacement characters. A page whose bytes are
    valid UTF-8 is read as UTF-8 even when it declares a single-byte charset: that combination
    is a wrong declaration far more often than a coincidence.
    """
    data = bytes(data)
    if not data:
        return ""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    for label, from_meta in ((declared_charset, False), (_sniff_meta_charset(data), True)):
        encoding = _usable_encoding(label, from_meta=from_meta)
        if encoding is None:
            continue
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            # LookupError: a real codec that is not a text encoding (base64, rot13, ...).
            continue
        if encoding != "utf-8" and not data.isascii() and _is_utf8(data):
            return data.decode("utf-8")
        return text
    utf16 = utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, "replace")
    if _is_utf8(data):
        return data.decode("utf-8")
    encoding = _guess_legacy_encoding(data)
    if encoding == _MIXED_UTF8_CP1252:
        return data.decode("utf-8", _CP1252_FALLBACK)
    try:
        return data.decode(encoding, "replace")
    except LookupError:
        return data.decode("cp1252", "replace")


def utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` when the head of ``data`` looks like UTF-16 text without a
    byte order mark (ASCII characters alternating with zero bytes), else None."""
    head = data[:4096]
    if b"\x00" not in head:
        return None
    half = max(len(head) // 2, 1)
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    # Error handler for mixed pages: the bytes that are not UTF-8 were written as cp1252.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return chunk.decode("cp1252", "replace"), error.end


codecs.register_error(_CP1252_FALLBACK, _cp1252_fallback)


def _sniff_meta_charset(data: bytes) -> str | None:
    # Browsers look for the declaration in the first 1024 bytes; pages with a long <head> of
    # scripts put it later, so look a little further.
    head = data[:8192]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _usable_encoding(label: str | None, *, from_meta: bool = True) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    if name in _WINDOWS_1252_ALIASES:
        return "cp1252"
    if name == "utf-7":
        # Browsers refuse UTF-7 (it smuggles markup past filters); read such pages as UTF-8.
        return "utf-8"
    if name.startswith(("utf-16", "utf-32")):
        # A charset found by reading the bytes as ASCII cannot really be UTF-16 (WHATWG agrees).
        return "utf-8" if from_meta else name
    return name


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LONG_WORD = re.compile(r"[^\W\d_]{4,}")
_C1_OR_REPLACEMENT = re.compile("[\x80-\x9f\ufffd]")
# Punctuation that legitimately touches letters, so it is no sign of a wrong decoding.
_LETTER_ADJACENT_OK = frozenset("“”„‘’‚«»‹›–—…•·°´¨€©®™")


def _mojibake_score(text: str) -> int:
    """How wrong a decoding looks: symbols glued to letters, capitals inside words, whole
    words of accented Latin letters (another script read as Latin) all count against it."""
    bad = len(_C1_OR_REPLACEMENT.findall(text)) * 2
    for match in _NON_ASCII.finditer(text):
        ch, i = match.group(), match.start()
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < len(text) else " "
        if ch.isalpha():
            # A capital inside a word, or a non-Latin letter glued to an ASCII one.
            if (ch.isupper() and prev.isalpha() and prev.islower()) or (
                prev.isascii() and prev.isalpha() and "LATIN" not in unicodedata.name(ch, "")
            ):
                bad += 1
        elif ch not in _LETTER_ADJACENT_OK and not "\x80" <= ch <= "\x9f":
            bad += prev.isalpha() or nxt.isalpha()
    for match in _LONG_WORD.finditer(text):
        word = match.group()
        if all(ord(c) > 127 and "LATIN" in unicodedata.name(c, "") for c in word):
            bad += 1
    return bad


def _guess_legacy_encoding(data: bytes) -> str:
    """Pick a decoding for bytes that are not UTF-8.

    charset-normalizer misreads short Western pages (a few umlauts can come back as Big5), so
    its guess has to read better than cp1252, which wins ties: it is what old Western sites use.
    """
    # Only the stretches around high bytes tell encodings apart.
    pieces: list[bytes] = []
    size, pos = 0, 0
    while size < CHARSET_SAMPLE_BYTES and (match := _HIGH_BYTE.search(data, pos)):
        start = max(match.start() - 80, pos)
        end = min(match.start() + 80, len(data))
        pieces.append(data[start:end])
        size += end - start
        pos = end
    sample = b"".join(pieces)
    as_utf8 = sample.decode("utf-8", "replace")
    invalid = as_utf8.count("\ufffd")
    valid = len(_NON_ASCII.findall(as_utf8)) - invalid
    if valid and valid * 4 >= invalid:
        # Valid UTF-8 sequences rarely happen by accident in legacy text (and then one at a
        # time): this is a UTF-8 page with pasted cp1252 bytes, and each run is decoded the way
        # it was written.
        return _MIXED_UTF8_CP1252
    candidates = ["cp1252"]
    guess = _charset_normalizer_guess(sample)
    if guess and guess not in {"cp1252", "utf-8"}:
        candidates.append(guess)
    scores = [_mojibake_score(sample.decode(enc, "replace")) for enc in candidates]
    return candidates[scores.index(min(scores))]


def _charset_normalizer_guess(sample: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
        return codecs.lookup(best.encoding).name if best is not None else None
    except Exception:  # the detector is only a hint: cp1252 remains, and no page is lost
        log.debug("charset-normalizer failed", exc_info=True)
        return None
