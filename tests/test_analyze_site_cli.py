"""`jengu analyze-site` as an operator runs it: a real subprocess over saved files and over URLs
served by the sandbox's loopback hotel websites (reached only through the fetcher's explicit
sandbox routes; any other loopback address is refused)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

JENGU = str(Path(sys.executable).parent / "jengu")

PAGE = """<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Hotel Kranich Berlin</title>
<meta name="generator" content="WordPress 6.5">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Hotel",
 "name": "Hotel Kranich", "telephone": "+49 30 1234567",
 "address": {"@type": "PostalAddress", "streetAddress": "Kranichweg 1", "postalCode": "10115",
 "addressLocality": "Berlin", "addressCountry": "DE"},}</script>
</head><body><a href="tel:+49301234567">Anrufen</a>
<a href="mailto:info@hotel-kranich.de">info@hotel-kranich.de</a>
<a href="https://www.instagram.com/hotelkranich/">Instagram</a>
<script src="https://hotels.synxis.com/gc.js"></script>
<div><p>Unclosed <b>markup"""


def run(home, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "JENGU_HOME": str(home.root), **(env or {})}
    return subprocess.run([JENGU, "analyze-site", *args], capture_output=True, text=True,
                          env=full, timeout=120)


def test_saved_files_one_json_line_each(home, tmp_path):
    page = tmp_path / "kranich.html"
    page.write_text(PAGE, encoding="utf-8")
    garbage = tmp_path / "garbage.html"
    garbage.write_bytes(b"<html><script type='application/ld+json'>{{{{[[[</script>\xff\xfe<<>>")
    proc = run(home, str(page), str(garbage), page.as_uri(), "--json")
    assert proc.returncode == 0, proc.stderr
    first, second, third = [json.loads(line) for line in proc.stdout.splitlines()]
    # A file:// URL is the saved file itself, echoed as given.
    assert third == {**first, "input": page.as_uri()}
    assert first["input"] == str(page)
    assert first["phones"] == ["+49301234567"]
    assert "info@hotel-kranich.de" in first["emails"]
    assert first["social"]["instagram"].startswith("https://www.instagram.com/hotelkranich")
    assert first["cms"] == "WordPress"
    assert first["booking_engine"] and "synxis" in first["booking_engine"].lower()
    assert first["schema_org"]["name"] == "Hotel Kranich"  # despite the trailing comma
    assert first["title"] == "Hotel Kranich Berlin" and first["language"] == "de"
    assert second["input"] == str(garbage) and "error" not in second


def test_unreadable_inputs_get_an_error_line_and_status_2(home, tmp_path):
    missing = tmp_path / "nope.html"
    proc = run(home, str(missing), str(tmp_path), "--json")
    assert proc.returncode == 2
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["input"] for line in lines] == [str(missing), str(tmp_path)]
    assert all(line["error"] for line in lines)
    assert "Traceback" not in proc.stderr


def test_urls_through_the_sandbox_and_ssrf_refused(home, sandbox):
    from sandbox import sample_data

    hotel = next(
        h for h in sample_data.hotels()
        if sandbox.websites.profile(h.id).variant == "normal" and h.domain in h.website
    )
    env = {"JENGU_SANDBOX_ROUTES": sandbox.websites.routes()}
    loopback = f"{sandbox.search.url}/html/"  # a real server, but not a sandbox route
    proc = run(home, hotel.website, loopback, "http://169.254.169.254/latest/meta-data/",
               "--json", env=env)
    site, refused, metadata = [json.loads(line) for line in proc.stdout.splitlines()]
    assert site["url"].startswith(hotel.website.rstrip("/")) and site["title"]
    assert "error" in refused and "blocked" in refused["error"].lower()
    assert "error" in metadata
    assert proc.returncode == 2
