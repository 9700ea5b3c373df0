"""Turning bytes of unknown encoding into text: fetched web pages and the CSV files people send.

Hotel sites are old and hand-made: the HTTP header and the ``<meta>`` tag often name the wrong
charset, UTF-8 pages carry pasted windows-1252 snippets, and some pages are UTF-16 without a
byte order mark. ``decode_html`` reads all of them the way a browser (or a human) would and never
raises, so a badly encoded page still yields text. It is the one decoder for fetched pages
(``FetchResult.text``), saved files and raw bytes handed to the site analysis.

Lead CSVs go wrong the same ways, without the declarations, so the CSV reader
(``jengu_assets.acquisition.csv_leads``) detects with the same parts (``BOMS``,
``utf16_without_bom``, ``utf16_by_zero_bytes``, ``is_utf8``, ``guess_legacy_encoding``, then
``usual_code_page`` for Excel's MS-DOS and Macintosh saves) and reads through ``text_stream``.
It stores the names ``guess_legacy_encoding`` returns as a file's encoding, so they must not change.

Pure functions over bytes: no I/O, no network.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import unicodedata

log = logging.getLogger(__name__)

# Only this many bytes around non-ASCII bytes are used to guess a legacy encoding: enough to tell
# encodings apart, and it bounds the work on a hostile multi-megabyte page or file.
CHARSET_SAMPLE_BYTES = 64 * 1024
# A window, not the whole line: a minified page, or a CSV with a runaway line, is one huge line.
_SAMPLE_CONTEXT = 80

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

MIXED_UTF8_CP1252 = "utf-8+cp1252"
"""Not a codec: the verdict for a body of UTF-8 and cp1252 byte runs (two exports pasted together,
a cp1252 snippet in a UTF-8 page). ``text_stream`` decodes each run the way it was written."""

# Bounded repetitions: these run on untrusted input.
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{1,40})""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-zA-Z0-9_.:-]{1,40})""")
# Browsers read these labels as windows-1252 (WHATWG Encoding), and so do the pages' authors.
_WINDOWS_1252_ALIASES = frozenset({"iso8859-1", "latin-1", "ascii"})
_CP1252_FALLBACK = "jengu-cp1252-fallback"


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
        if encoding != "utf-8" and not data.isascii() and is_utf8(data):
            return data.decode("utf-8")
        return text
    utf16 = utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, "replace")
    if is_utf8(data):
        return data.decode("utf-8")
    encoding = guess_legacy_encoding(data)
    if encoding in (MIXED_UTF8_CP1252, "utf-8"):
        # Unlike the CSV reader, which has always stored a mostly-UTF-8 file's stray bytes as
        # U+FFFD, a page is only read: recovering a pasted "é" serves the analysis better.
        return data.decode("utf-8", _CP1252_FALLBACK)
    try:
        return data.decode(encoding, "replace")
    except LookupError:
        return data.decode("cp1252", "replace")


def text_stream(data: bytes, encoding: str) -> io.TextIOWrapper:
    """``data`` as a text stream in ``encoding``, a codec name or :data:`MIXED_UTF8_CP1252`.

    Never raises on bad bytes: they read as U+FFFD (in a mixed body, as cp1252). ``newline=""``
    hands ``\\r``, ``\\n`` and ``\\r\\n`` over untouched, which the csv module needs for quoted
    newlines and for counting physical lines.
    """
    if encoding == MIXED_UTF8_CP1252:
        return io.TextIOWrapper(
            io.BytesIO(data), encoding="utf-8", errors=_CP1252_FALLBACK, newline=""
        )
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")


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


def is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8 (ASCII included)."""
    if data.isascii():
        return True
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    view = memoryview(data)
    step = 1 << 20
    try:
        # Chunked so a 100 MB file is validated without a second 100 MB string in memory.
        for start in range(0, len(data), step):
            decoder.decode(view[start : start + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    # Error handler for mixed bodies: the bytes that are not UTF-8 were written as cp1252. Its
    # five undefined bytes become U+FFFD, as in a plain cp1252 read: C1 controls would be
    # invisible in a stored lead and look like binary content to the CSV reader.
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


_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_C1_BYTE = re.compile(rb"[\x80-\x9f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LONG_WORD = re.compile(r"[^\W\d_]{4,}")
_C1_OR_REPLACEMENT = re.compile("[\x80-\x9f\ufffd]")
# Punctuation that legitimately touches letters, so it is no sign of a wrong decoding.
_LETTER_ADJACENT_OK = frozenset("“”„‘’‚«»‹›–—…•·°´¨€")
# Spanish opening marks touch the word they open, so only a letter before one is suspect; a
# trademark sign follows a name, so only a letter after one is ("©umava" is ISO-8859-2 "Šumava").
_OPENERS = frozenset("¿¡")
_SUFFIXES = frozenset("©®™")


def _mojibake_score(text: str) -> int:
    """How wrong a decoding looks: 0 for clean text, more for each typical mis-decoding artefact.

    Wrong single-byte decodings put symbols or capitals inside words ("GdaÅ„sk", "£ódŸ"), glue
    letters of another script to Latin ones ("Mьnchen"), or turn whole words of another script
    into runs of accented Latin letters ("Ãîñòèíèöà").
    """
    bad = len(_C1_OR_REPLACEMENT.findall(text)) * 2
    for match in _NON_ASCII.finditer(text):
        ch, i = match.group(), match.start()
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < len(text) else " "
        if ch.isalpha():
            if (ch.isupper() and prev.isalpha() and prev.islower()) or (
                prev.isascii() and prev.isalpha() and "LATIN" not in unicodedata.name(ch, "")
            ):
                bad += 1
        elif ch in _OPENERS:
            bad += prev.isalpha()
        elif ch in _SUFFIXES:
            bad += nxt.isalpha()
        elif ch not in _LETTER_ADJACENT_OK and not _C1_OR_REPLACEMENT.match(ch):
            # C1 and U+FFFD were counted above: an unmappable byte costs the same whichever way
            # a codec shows it, so an ISO-8859 codec does not beat cp1252 by yielding controls.
            bad += prev.isalpha() or nxt.isalpha()
    for match in _LONG_WORD.finditer(text):
        word = match.group()
        if all(ord(c) > 127 and "LATIN" in unicodedata.name(c, "") for c in word):
            bad += 1
    return bad


def guess_legacy_encoding(data: bytes) -> str:
    """How to decode ``data``, which is not valid UTF-8 (and has no byte order mark).

    ``"utf-8"`` when UTF-8 sequences outnumber the bytes that are not UTF-8 (a UTF-8 body with a
    few stray bytes); :data:`MIXED_UTF8_CP1252` when there is still UTF-8 among them; otherwise
    ``"cp1252"``, ``"latin-1"`` when no byte in 0x80-0x9F shows cp1252, or a codec name as
    charset-normalizer spells it. The detector alone misreads short Western texts (a few umlauts
    can come back as Big5), so its guesses only compete with cp1252 on how clean the decoded text
    looks, and cp1252 wins every tie: it is what Excel and old sites on Western Windows write.
    """
    sample = _high_byte_sample(data)
    as_utf8 = sample.decode("utf-8", "replace")
    invalid = as_utf8.count("\ufffd")
    valid = len(_NON_ASCII.findall(as_utf8)) - invalid
    if valid > invalid:
        return "utf-8"
    # Valid UTF-8 sequences happen by accident in legacy text, one at a time (cp1251 "Ь»",
    # Shift_JIS kanji), so a body is mixed only when they are at least a fifth of its accents.
    if valid and valid * 4 >= invalid:
        return MIXED_UTF8_CP1252
    candidates = ["cp1252"]
    # latin-1 is cp1252 minus the 0x80-0x9F characters, so it never reads better; UTF-8 was
    # decided above; UTF-16/32 is found by its byte order mark or zero bytes, never guessed.
    seen = {"cp1252", "iso8859-1", "utf-8"}
    for encoding in _detector_candidates(sample):
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            continue
        if name not in seen and not name.startswith(("utf-16", "utf-32")):
            seen.add(name)
            candidates.append(encoding)
    scores = [_mojibake_score(sample.decode(enc, "replace")) for enc in candidates]
    best = candidates[scores.index(min(scores))]
    # Without bytes 0x80-0x9F the two decode identically; claim only what the bytes show.
    if best == "cp1252" and not _C1_BYTE.search(data):
        return "latin-1"
    return best


def _high_byte_sample(data: bytes) -> bytes:
    """The stretches of ``data`` around its bytes above 0x7F, up to ``CHARSET_SAMPLE_BYTES``.

    Only they tell single-byte encodings apart; a big body may have few of them, far apart.
    Stretches that do not touch are kept apart by a newline, so they cannot glue into one false
    word."""
    spans: list[list[int]] = []
    size, pos = 0, 0
    while size < CHARSET_SAMPLE_BYTES and (match := _HIGH_BYTE.search(data, pos)):
        start = max(match.start() - _SAMPLE_CONTEXT, pos)
        end = min(match.start() + _SAMPLE_CONTEXT, len(data))
        if spans and spans[-1][1] == start:
            spans[-1][1] = end
        else:
            spans.append([start, end])
        size += end - start
        pos = end
    return b"\n".join(data[start:end] for start, end in spans)


# The legacy encodings lead lists are really written in, in order of preference: Windows and
# ISO code pages, Excel's "CSV (MS-DOS)" (cp850 in Europe, cp437 in the US) and "CSV (Macintosh)",
# and the East Asian ones. The detector may name a rarer relative that decodes the same bytes a
# little differently (cp775 for cp850, ISO-8859-14 for ISO-8859-15): such a guess must read
# strictly cleaner than all of these to stand.
_USUAL_ENCODINGS = (
    "cp1252", "iso8859_15", "cp850", "cp437", "mac_roman", "cp1250", "iso8859_2", "cp852",
    "cp1251", "koi8_r", "cp866", "iso8859_5", "cp1253", "iso8859_7", "cp1254", "iso8859_9",
    "cp1257", "iso8859_13", "cp1255", "cp1256", "cp1258", "shift_jis", "cp932", "euc_jp",
    "gb18030", "big5", "euc_kr", "cp949", "tis_620",
)
_USUAL_CODECS = frozenset(codecs.lookup(name).name for name in _USUAL_ENCODINGS)
_MULTIBYTE_CODECS = frozenset(
    codecs.lookup(name).name
    for name in ("shift_jis", "cp932", "euc_jp", "gb18030", "gbk", "gb2312", "big5", "euc_kr",
                 "cp949", "iso2022_jp", "hz")
)
# Excel's "CSV (MS-DOS)" and "CSV (Macintosh)" put umlauts where Windows keeps quotes, symbols
# and rare letters: cp850 "König" reads as cp1252 "K”nig", mac_roman "Köln" as "Kšln" and
# "Rößle" as "Rš§le". Every byte is valid cp1252, so only how the words look tells them apart,
# and a code page other than the detector's must read much better to replace it.
_WESTERN = ("cp1252", "cp850", "cp437", "mac_roman")
_RARE_LETTERS = frozenset("šŠžŽŸƒœŒªºµÿýÝþÞðÐﬁﬂ")  # mac_roman reads cp1252 "ß" as "ﬂ"
_WORD_PUNCTUATION = frozenset("’´`·'–—")  # "l’Hôtel", "Baden–Baden"


def _oddness(text: str, rare_letters: bool) -> int:
    """How little ``text`` looks like words: symbols inside words count 2, a capital between a
    capital and a small letter ("HÖtel", mac_roman "Hôtel" read as cp850) 1, rare letters next
    to a letter 1 (only when asked: "š" is also Czech)."""
    odd = 0
    for match in _NON_ASCII.finditer(text):
        ch, i = match.group(), match.start()
        before = i > 0 and text[i - 1].isalpha()
        after = i + 1 < len(text) and text[i + 1].isalpha()
        if ch.isalpha():
            odd += rare_letters and ch in _RARE_LETTERS and (before or after)
            odd += ch.isupper() and before and after and text[i - 1].isupper() and (
                text[i + 1].islower()
            )
        elif before and after and ch not in _WORD_PUNCTUATION:
            odd += 2
    return odd


def usual_code_page(raw: bytes, guess: str) -> str:
    """``guess`` (from :func:`guess_legacy_encoding`) or the usual code page that reads ``raw``
    clearly better: the detector may name a rare relative of the one really used."""
    try:
        name = codecs.lookup(guess).name
    except LookupError:
        return guess  # utf-8+cp1252: a mixed body, decoded run by run
    if name == "utf-8" or name in _MULTIBYTE_CODECS:
        return guess
    sample = _high_byte_sample(raw)

    def score(encoding: str, rare_letters: bool = False) -> int:
        text = sample.decode(encoding, "replace")
        return _mojibake_score(text) + _oddness(text, rare_letters)

    if name != "mac-roman" and _mac_line_ends(raw):
        # Only classic Mac programs end lines with a bare CR, and Excel for Mac writes mac_roman:
        # it wins unless another usual code page reads strictly cleaner.
        others = {guess, *_WESTERN} - {"mac_roman"}
        if score("mac_roman", True) <= min(score(other, True) for other in others):
            return "mac_roman"
    base = score(guess)
    if name == "iso8859-1" and (euro := score("iso8859_15")) < base:
        # cp1252 without its 0x80-0x9F bytes: only the euro variant can read cleaner (œ, Š, Ž),
        # and the MS-DOS and Macintosh code pages below still compete with it ("A€o" is cp850).
        guess, base = "iso8859_15", euro
    if name in _USUAL_CODECS or name == "iso8859-1":
        better = [(score(c), rank, c) for rank, c in enumerate(_WESTERN) if c != guess]
        best_score, _rank, best = min(better)
        return best if best_score <= base - 2 and 2 * best_score <= base else guess
    best_score, _rank, best = min(
        (score(candidate), rank, candidate) for rank, candidate in enumerate(_USUAL_ENCODINGS)
    )
    return best if best_score <= base else guess


def _mac_line_ends(raw: bytes) -> bool:
    """Whether ``raw`` ends its lines the classic Mac way, with a bare CR, for at least a third
    of its line breaks. Excel for Mac writes a line break inside a cell as LF, and files pasted
    together mix the styles, so a single LF does not rule it out. A CR doubled before CRLF
    ("\\r\\r\\n", a Windows file converted twice) is no Mac line end."""
    crs = raw.count(b"\r")
    if not crs:
        return False
    bare = crs - raw.count(b"\r\n") - raw.count(b"\r\r\n")
    return bare > 0 and 2 * bare >= raw.count(b"\n")


def utf16_by_zero_bytes(raw: bytes) -> str | None:
    # UTF-16 of mostly non-Latin text (names in CJK or Cyrillic) has too few zero bytes for
    # utf16_without_bom, but its delimiters, digits and line breaks still put them on one side.
    head = raw[: 64 * 1024]
    head = head[: len(head) - len(head) % 2]
    zeros = head.count(0)
    if zeros < 0.05 * len(head):
        return None
    odd = head[1::2].count(0)
    for encoding, share in (("utf-16-le", odd), ("utf-16-be", zeros - odd)):
        if share >= 0.95 * zeros:
            try:
                head.decode(encoding)
            except UnicodeDecodeError:
                return None
            return encoding
    return None


def _detector_candidates(sample: bytes) -> list[str]:
    try:
        from charset_normalizer import from_bytes

        return [match.encoding for match in from_bytes(sample)]
    except Exception:  # the detector is only a hint: cp1252 remains, and no text is lost
        log.debug("charset-normalizer failed", exc_info=True)
        return []


# -- what a body is when it is certainly not text ------------------------------------------------

# (leading bytes, short name, how to say it to a person). One table for the web fetcher's
# content sniffing, the site analysis and the CSV reader.
FILE_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG", "a PNG image"),
    (b"%PDF-", "PDF", "a PDF document"),
    (b"\xff\xd8\xff", "JPEG", "a JPEG image"),
    (b"GIF87a", "GIF", "a GIF image"),
    (b"GIF89a", "GIF", "a GIF image"),
    (b"PK\x03\x04", "ZIP", "a ZIP archive (an Excel .xlsx workbook is one; save it as CSV)"),
    (b"PK\x05\x06", "ZIP", "a ZIP archive"),
    (b"\x1f\x8b", "gzip", "a gzip archive"),
    (b"\xfd7zXZ\x00", "xz", "an xz archive"),
    (b"\x28\xb5\x2f\xfd", "zstd", "a zstd archive"),
    (b"Rar!\x1a\x07", "RAR", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file",
     "a legacy Office file (.xls); save it as CSV"),
    (b"SQLite format 3\x00", "SQLite", "an SQLite database"),
    (b"\x7fELF", "an ELF executable", "an ELF executable"),
    (b"II*\x00", "TIFF", "a TIFF image"),
    (b"MM\x00*", "TIFF", "a TIFF image"),
    (b"\x00\x00\x01\x00", "ICO", "an icon file"),
    (b"wOFF", "WOFF", "a web font"),
    (b"wOF2", "WOFF2", "a web font"),
    (b"OggS", "Ogg", "an Ogg media file"),
    (b"ID3\x03", "MP3", "an MP3 file"),
    (b"ID3\x04", "MP3", "an MP3 file"),
    (b"%!PS", "PostScript", "a PostScript document"),
    (b"RIFF", "RIFF", "a RIFF media file"),
)


def file_signature(data: bytes) -> tuple[str, str] | None:
    """(short name, description) of a known binary format ``data`` starts with, else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP", "a WebP image"
    if data[4:8] == b"ftyp":
        return "MP4", "an MP4 video"
    for magic, name, description in FILE_SIGNATURES:
        if data.startswith(magic):
            return name, description
    return None
