"""Site analysis over a corpus of saved hotel pages: the real ``analyze_file`` (decoding,
lexbor parsing, JSON-LD/microdata/RDFa, phone and email heuristics) on files under
tests/fixtures/sites_realworld/, and the real ``jengu analyze-site`` command in a subprocess.
No network.

The pages are modelled on what hotel sites built with WordPress/Elementor, Wix, Squarespace,
Webflow, TYPO3, Drupal, Joomla, Contao, Jimdo, Weebly, Duda, Ghost, HubSpot, Shopify and chain
stacks really serve, including their broken parts. ``expected.json`` holds, per file, one line
saying why it is there and the values the analysis must produce; a field missing from an entry
is not checked, and ``schema_org`` is compared on the keys listed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jengu_assets.enrichment.site_analysis import analyze_html
from tests.site_corpus import FIXTURES, check_file, corpus_files, load_expected, run_cli
from tests.timing import within_cpu_budget

CORPUS = FIXTURES / "sites_realworld"
EXPECTED = load_expected(CORPUS)
JENGU = str(Path(sys.executable).parent / "jengu")


def test_manifest_covers_every_corpus_file() -> None:
    files = corpus_files(CORPUS)
    assert files == set(EXPECTED)
    assert len(files) >= 40


@pytest.mark.parametrize(
    "name, expected",
    [pytest.param(name, entry, id=name) for name, entry in EXPECTED.items()],
)
def test_corpus_page(name: str, expected: dict[str, Any]) -> None:
    check_file(CORPUS, name, expected)


def five_megabyte_page() -> str:
    """A Wix-style page grown to 5 MB the way real ones are: inline state JSON, a base64 hero
    image, an SVG icon sprite and a long room list, with the contacts in the footer."""
    page = (CORPUS / "wix_boutique_lisbon.html").read_text(encoding="utf-8")
    state = {
        "rooms": [
            {"id": i, "name": f"Quarto {i}", "price": 89 + i % 50,
             "images": [f"https://static.wixstatic.com/media/4f2a1b_{i:06d}~mv2.jpg"] * 3,
             "description": "Quarto duplo com varanda e vista rio. " * 8}
            for i in range(4_000)
        ]
    }
    image = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8" * 30_000
    sprite = "<svg xmlns='http://www.w3.org/2000/svg' style='display:none'>" + "".join(
        f"<symbol id='i{i}' viewBox='0 0 24 24'><path d='M{i % 24} 2L12 22Z'/></symbol>"
        for i in range(8_000)
    ) + "</svg>"
    rooms = "".join(
        f"<li class='room'><h3>Quarto {i}</h3><p>Desde {89 + i % 50} € · {i % 3 + 1} pessoas"
        f" · 18 m² · disponível 0{i % 9 + 1}/06/2024</p></li>"
        for i in range(4_000)
    )
    extra = (
        f"<script>window.__STATE__ = {json.dumps(state)};</script>"
        f"<img alt='' src='data:image/png;base64,{image}'>{sprite}<ul>{rooms}</ul>"
    )
    return page.replace("</main>", extra + "</main>")


def test_five_megabyte_page_is_fast_and_complete() -> None:
    html = five_megabyte_page().encode("utf-8")
    assert len(html) > 5_000_000
    # About half a second on a developer machine.
    result = within_cpu_budget(lambda: analyze_html(html), 2.0)
    assert result.phones == ["+351218864521", "+351912345678"]
    assert result.emails == ["reservas@casadoalecrim.pt"]
    assert result.cms == "Wix" and result.booking_engine == "HotelRunner"
    assert set(result.social) == {"facebook", "instagram", "tripadvisor"}


def odd_page(tmp_path: Path) -> Path:
    # A file name that is not UTF-8 reaches Python as lone surrogates, and so does a JSON-LD
    # string escaping half a surrogate pair; neither may stop the output.
    page = tmp_path / os.fsdecode(b"caf\xe9.html")
    page.write_text('<html><script type="application/ld+json">{"@type": "Hotel", '
                    '"name": "Hotel \\ud83d Sol", "telephone": "+34 933 01 23 45"}</script>'
                    "</html>", encoding="utf-8")
    return page


def test_cli_runs_the_whole_corpus_one_line_per_input(tmp_path: Path) -> None:
    names = sorted(EXPECTED)
    odd = odd_page(tmp_path)
    inputs = [str(CORPUS / name) for name in names] + [str(odd)]
    proc, records = run_cli(inputs, tmp_path)
    errors = {name for name, record in zip(names, records, strict=False) if "error" in record}
    assert errors == {name for name, entry in EXPECTED.items() if "error" in entry}
    # An unreadable input among readable ones is bad input, not a crash.
    assert proc.returncode == 2
    assert records[-1]["phones"] == ["+34933012345"]
    assert records[-1]["schema_org"]["name"] == "Hotel \ufffd Sol"


def test_cli_text_output_survives_undecodable_file_names(tmp_path: Path) -> None:
    odd = odd_page(tmp_path)
    env = {**os.environ, "JENGU_HOME": str(tmp_path)}
    proc = subprocess.run([JENGU, "analyze-site", str(odd)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "caf" in proc.stdout and "+34933012345" in proc.stdout
