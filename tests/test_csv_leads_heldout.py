"""`jengu import-leads --json` on a second corpus of lead files: tests/fixtures/csv_heldout.

Touches the real CSV reader, the import, the industry and name screens and admission into a real
DuckDB CRM file under an isolated JENGU_HOME, through `jengu.cli.main` in-process; one test runs
the installed `jengu` script in a subprocess. The corpus differs on purpose from csv_messy: other
tools (Excel for Windows and Mac, Google Sheets, LibreOffice, HubSpot, Salesforce, a German CRM,
a map scrape), headers in other languages, and the damage files pick up on the way (NUL bytes,
a quote left open, ragged rows, formulas, summary lines, a header pasted in twice).

manifest.json gives each file's counts (rows, accepted, duplicates, rejected), words each listed
rejection's reason must contain, the files imported before it into the same store, and what the
stored prospects must say. For every readable file the contract is checked too: rows ==
accepted + duplicates + rejected, every rejection has its row and a reason, and the store holds
exactly one import row per reported row.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lead_files import import_case, query

FIXTURES = Path(__file__).parent / "fixtures" / "csv_heldout"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
JENGU = str(Path(sys.executable).parent / "jengu")

# Stored prospects of one file, in the order of the rows that created them.
_OF_FILE_IN_ROW_ORDER = (
    "WHERE source_ref LIKE ? "
    "ORDER BY TRY_CAST(regexp_extract(source_ref, 'row ([0-9]+)$', 1) AS INT)"
)
_STORED = {"names": "company_name", "emails": "email", "phones": "phone", "cities": "city",
           "countries": "country"}


def _assert_contract(report: dict) -> None:
    counts = [report[k] for k in ("rows", "accepted", "duplicates", "rejected")]
    assert all(isinstance(n, int) and n >= 0 for n in counts), report
    assert report["rows"] == sum(counts[1:]), report
    assert len(report["rejections"]) == report["rejected"]
    rows = [r["row"] for r in report["rejections"]]
    assert rows == sorted(set(rows)) and all(1 <= n <= report["rows"] for n in rows)
    for rejection in report["rejections"]:
        assert isinstance(rejection["reason"], str) and rejection["reason"].strip(), rejection
        assert rejection["line"] >= rejection["row"] + 1  # the header is above every row


def test_the_corpus_is_what_the_manifest_lists() -> None:
    listed = {case["file"] for case in MANIFEST}
    present = {p.name for p in FIXTURES.iterdir() if p.name != "manifest.json"}
    assert listed == present and len(listed) >= 25


@pytest.mark.parametrize("case", [pytest.param(c, id=c["file"]) for c in MANIFEST])
def test_heldout_file(home, capsys, case: dict) -> None:
    status, report = import_case(capsys, FIXTURES, case)
    if "error" in case:
        if home.crm_path.exists():  # the file is read before the store is opened
            assert query(home.crm_path, "SELECT count(*) FROM import_files", []) == [(0,)]
        return
    assert status == 0, report
    _assert_contract(report)
    counts = (report["rows"], report["accepted"], report["duplicates"], report["rejected"])
    assert counts == tuple(case["counts"]), (case["why"], report)
    reasons = {r["row"]: r["reason"] for r in report["rejections"]}
    for row, words in case["reasons"].items():
        assert words in reasons.get(int(row), ""), (row, reasons)
    # Nothing lost: every reported row is stored, with its outcome.
    stored = query(home.crm_path, "SELECT count(*) FROM import_rows WHERE file_sha256 = ?",
                    [report["sha256"]])
    assert stored == [(report["rows"],)]
    for key, column in _STORED.items():
        if key in case:
            values = query(home.crm_path, f"SELECT {column} FROM prospects {_OF_FILE_IN_ROW_ORDER}",
                            [f"{case['file']} row %"])
            assert [v for (v,) in values] == case[key], case["why"]
    if "encoding_in" in case:
        assert report["encoding"] in case["encoding_in"]


def test_the_installed_script_reports_each_file_and_exits_2_for_the_unreadable(
    tmp_path: Path,
) -> None:
    # One run over good and unreadable files: a JSON line for each, in order, no traceback,
    # and exit status 2 because some were no lead lists.
    names = ["json_export_renamed.csv", "nul_bytes.csv", "xlsx_workbook_renamed.csv",
             "empty.csv", "header_only.csv"]
    env = {**os.environ, "JENGU_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [JENGU, "import-leads", *(str(FIXTURES / n) for n in names), "--json"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    assert [Path(r["file"]).name for r in reports] == names
    assert [("error" in r) for r in reports] == [True, False, True, True, False]
    assert len(done.stderr.strip().splitlines()) == 3  # one line per unreadable file
