"""`jengu import-leads --json` on real-world lead files: the r2_* files in tests/fixtures/csv_messy.

Touches the real CSV reader (jengu_assets.acquisition.csv_leads), the import, the industry and name
screens and admission into a real DuckDB CRM file under an isolated JENGU_HOME (imports.py,
admission.py, rules.py), through `jengu.cli.main` in-process. r2_manifest.json lists every file
with the counts it must give (rows, accepted, duplicates, rejected), the reasons of some rejections,
the files imported before it into the same store, and what the stored prospects must say (names in
row order, emails, phones, the encoding read). Counts are the point: exports of lead tools (Sales
Navigator leads and accounts, Apollo, ZoomInfo, Lusha, Hunter, HubSpot, Salesforce, Outlook,
Phantombuster, Kaspr), spreadsheet saves (Excel MS-DOS / Macintosh / Unicode text, Numbers, Google
Sheets, LibreOffice with ' quotes), legacy encodings, and the same hotel written many ways.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.lead_files import import_case, query

FIXTURES = Path(__file__).parent / "fixtures" / "csv_messy"
MANIFEST = json.loads((FIXTURES / "r2_manifest.json").read_text(encoding="utf-8"))

# Stored prospects in the order of the rows that created them.
_IN_ROW_ORDER = "ORDER BY TRY_CAST(regexp_extract(source_ref, 'row ([0-9]+)$', 1) AS INT)"


def _stored(home, column: str) -> list:
    return [r[0] for r in query(home.crm_path, f"SELECT {column} FROM prospects {_IN_ROW_ORDER}")]


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c["file"].removeprefix("r2_")) for c in MANIFEST]
)
def test_real_world_file(home, capsys, case: dict) -> None:
    status, report = import_case(capsys, FIXTURES, case)
    if "error" in case:
        return
    assert status == 0, report
    counts = (report["rows"], report["accepted"], report["duplicates"], report["rejected"])
    assert counts == tuple(case["counts"]), (case["why"], report)
    assert report["rows"] == sum(counts[1:])
    rejected_rows = [r["row"] for r in report["rejections"]]
    assert rejected_rows == sorted(set(rejected_rows))
    found = {r["row"]: r["reason"] for r in report["rejections"]}
    assert all(isinstance(reason, str) and reason.strip() for reason in found.values())
    for row, words in case["reasons"].items():
        assert words in found.get(int(row), ""), (row, found)
    for key, column in (("names", "company_name"), ("emails", "email"), ("phones", "phone")):
        if key in case:
            assert _stored(home, column) == case[key], case["why"]
    if "encoding_in" in case:
        assert report["encoding"] in case["encoding_in"]
