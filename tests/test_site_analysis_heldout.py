"""Site analysis over a second, independent corpus of saved hotel pages and structured-data
samples (tests/fixtures/sites_heldout/): the real ``analyze_file`` and ``analyze_html``
(decoding, lexbor parsing, JSON-LD/microdata/RDFa, phone, e-mail and technology rules) and the
real ``jengu analyze-site --json`` in a subprocess. No network.

The corpus is shaped unlike tests/fixtures/sites_realworld/ on purpose: JSON-LD @graph with @id
references and @type arrays, addresses as strings and as Country objects, telephones as arrays
and ContactPoint objects, microdata pulled in by itemref, RDFa with vocab and with a prefix,
Open Graph business tags as the only contact data, tel: links in every format editors produce,
CMS pages without generator tags, booking engines behind redirects, onclick handlers, data
attributes and iframes, consent walls, Cloudflare/entity/JavaScript-obfuscated addresses, wrong
charsets, UTF-16, broken gzip, empty and non-HTML files. ``expected.json`` says per file why it
is there and what the analysis must give; a field missing from an entry is not checked,
``schema_org`` is compared on the keys listed, ``error_prefix`` on the start of the error.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from jengu_assets.enrichment.site_analysis import analyze_html
from tests.site_corpus import FIXTURES, check_file, corpus_files, load_expected, run_cli

CORPUS = FIXTURES / "sites_heldout"
EXPECTED = load_expected(CORPUS)
JENGU = str(Path(sys.executable).parent / "jengu")
PAGES = [name for name, entry in EXPECTED.items() if "error" not in entry
         and "error_prefix" not in entry]


def test_manifest_covers_every_corpus_file() -> None:
    files = corpus_files(CORPUS)
    assert files == set(EXPECTED)
    assert len(files) >= 40


@pytest.mark.parametrize("name", list(EXPECTED))
def test_corpus_file(name: str) -> None:
    check_file(CORPUS, name, EXPECTED[name])


def damaged(data: bytes) -> list[bytes]:
    """What downloads and disks do to a page: cut at several points, a run of bytes zeroed,
    one byte in ten flipped."""
    cuts = [data[: len(data) * k // 7] for k in range(1, 7)]
    middle = len(data) // 2
    zeroed = data[:middle] + b"\x00" * 64 + data[middle + 64 :]
    flipped = bytes(b ^ 0x20 if i % 10 == 3 else b for i, b in enumerate(data))
    return [*cuts, zeroed, flipped]


@pytest.mark.parametrize("name", PAGES)
def test_damaged_copies_never_break_an_extractor(name: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    # analyze_html never raises by contract; a step that failed says so in a warning, so no
    # warning at all means every extractor coped with the damage.
    caplog.set_level(logging.WARNING, logger="jengu_assets.enrichment.site_analysis")
    for data in damaged((CORPUS / name).read_bytes()):
        result = analyze_html(data)
        assert all(phone.startswith("+") for phone in result.phones)
    assert not caplog.records, [record.getMessage() for record in caplog.records]


def test_cli_runs_the_whole_corpus_one_line_per_input(tmp_path: Path) -> None:
    names = sorted(EXPECTED)
    inputs = [str(CORPUS / name) for name in names]
    proc, records = run_cli(inputs, tmp_path)
    errors = {name for name, record in zip(names, records, strict=True) if "error" in record}
    assert errors == {name for name in names if name not in PAGES}
    # Unreadable inputs among readable ones are bad input, not a crash.
    assert proc.returncode == 2
    by_name = dict(zip(names, records, strict=True))
    for name in PAGES:
        for key in ("phones", "emails", "booking_engine", "cms", "title", "language"):
            if key in EXPECTED[name]:
                assert by_name[name][key] == EXPECTED[name][key], (name, key)
