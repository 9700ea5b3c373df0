"""CSV lead imports: record a file and its rows, admit the pending rows, report what happened.

A file is identified by the SHA-256 of its bytes: importing the same file again (from the sensor or
the CLI) changes nothing and reports the first import's outcome. Every row is stored, including
rejected ones with their reason, so nothing in a file is ever lost.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from jengu_assets.acquisition import admission, rules
from jengu_assets.acquisition.csv_leads import (
    LeadFile,
    display_path,
    file_sha256,
    read_lead_file,
)
from jengu_assets.acquisition.models import Lead
from jengu_resources.crm_store import CRMStore, fetch_dicts, insert_rows, update_rows

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}


def record_lead_file(con: duckdb.DuckDBPyConnection, lead_file: LeadFile, imported_on: date) -> bool:
    """Store the file and every row (pending or rejected). False when it was recorded before."""
    if con.execute("SELECT 1 FROM import_files WHERE sha256 = ?", [lead_file.sha256]).fetchone():
        return False
    insert_rows(
        con,
        "import_files",
        [
            {
                "sha256": lead_file.sha256,
                "file_name": display_path(lead_file.path.name),
                "path": display_path(lead_file.path),
                "size_bytes": lead_file.size_bytes,
                "encoding": lead_file.encoding,
                "delimiter": lead_file.delimiter,
                "format": lead_file.format,
                "rows": len(lead_file.rows),
                "imported_on": imported_on,
            }
        ],
    )
    insert_rows(
        con,
        "import_rows",
        [
            {
                "file_sha256": lead_file.sha256,
                "row_number": row.row,
                "line_number": row.line,
                "data": json.dumps(row.data, ensure_ascii=False),
                "lead": admission.lead_to_json(row.lead) if row.lead else None,
                "status": "pending" if row.lead else admission.REJECTED,
                "reason": row.reason,
                "imported_on": imported_on,
            }
            for row in lead_file.rows
        ],
    )
    return True


def admit_pending_rows(
    con: duckdb.DuckDBPyConnection, *, imported_on: date, actor: str, sha256: str | None = None
) -> list[admission.Outcome]:
    """Admit the pending rows of one import day, or of one file whatever day recorded it, in
    file and row order. A file the sensor recorded on an earlier day whose admission has not run
    yet is admitted by importing it again, so its report never counts a row as pending."""
    rows = fetch_dicts(
        con,
        "SELECT r.file_sha256, r.row_number, r.lead FROM import_rows r "
        "JOIN import_files f ON f.sha256 = r.file_sha256 "
        "WHERE r.status = 'pending' AND (r.file_sha256 = ? OR (? IS NULL AND r.imported_on = ?)) "
        "ORDER BY f.imported_at, r.file_sha256, r.row_number",
        [sha256, sha256, imported_on],
    )
    leads = [admission.lead_from_json(row["lead"]) for row in rows]
    outcomes = admission.admit(
        con, leads, discovered_on=imported_on, actor=actor, screen=_screen_industry
    )
    update_rows(
        con,
        "import_rows",
        [
            {
                "file_sha256": row["file_sha256"],
                "row_number": row["row_number"],
                # Admission and this update share one transaction, so a row already admitted
                # can only be an accepted one.
                "status": admission.ACCEPTED
                if outcome.status == admission.ALREADY_ADMITTED
                else outcome.status,
                "reason": outcome.reason,
                "prospect_id": outcome.prospect_id,
            }
            for row, outcome in zip(rows, outcomes)
        ],
        key=("file_sha256", "row_number"),
    )
    return outcomes


def _screen_industry(lead: Lead) -> str | None:
    # The industry column where the export has one, then the name itself: a plain list of
    # hotels picks up the odd dentist or software vendor too.
    for ok, reason in (
        rules.is_hospitality_industry(lead.industry),
        rules.is_hospitality_company(lead.company_name),
    ):
        if not ok:
            return reason
    return None


def file_report(con: duckdb.DuckDBPyConnection, sha256: str) -> dict[str, Any]:
    """The import-leads summary of one file, from what the store holds."""
    meta = fetch_dicts(con, "SELECT * FROM import_files WHERE sha256 = ?", [sha256])[0]
    rows = fetch_dicts(
        con,
        "SELECT row_number, line_number, status, reason, prospect_id FROM import_rows "
        "WHERE file_sha256 = ? ORDER BY row_number",
        [sha256],
    )
    counts = {status: 0 for status in ("accepted", "duplicate", "rejected", "pending")}
    for row in rows:
        counts[row["status"]] += 1
    return {
        "file": meta["path"],
        "sha256": sha256,
        "encoding": meta["encoding"],
        "delimiter": meta["delimiter"],
        "format": meta["format"],
        "rows": len(rows),
        "accepted": counts["accepted"],
        "duplicates": counts["duplicate"],
        "rejected": counts["rejected"],
        "pending": counts["pending"],
        "rejections": [
            {"row": r["row_number"], "line": r["line_number"], "reason": r["reason"]}
            for r in rows
            if r["status"] == "rejected"
        ],
        "duplicate_rows": [
            {"row": r["row_number"], "line": r["line_number"], "prospect_id": r["prospect_id"],
             "reason": r["reason"]}
            for r in rows
            if r["status"] == "duplicate"
        ],
    }


def import_lead_file(
    store: CRMStore, path: str | Path, *, imported_on: date, actor: str
) -> dict[str, Any]:
    """Read, record and admit one file; the CLI's ``import-leads``. Raises LeadFileError."""
    lead_file = read_lead_file(path)  # parse before any connection is opened
    with store.transaction() as con:
        is_new = record_lead_file(con, lead_file, imported_on)
        admit_pending_rows(con, imported_on=imported_on, actor=actor, sha256=lead_file.sha256)
        report = file_report(con, lead_file.sha256)
    report["already_imported"] = not is_new
    del report["pending"]
    return report


def files_to_import(crm: CRMStore, folder: Path) -> list[Path]:
    """CSV-like files in ``folder`` that are not recorded yet (by content, not by name). The
    files are hashed after the store is closed again: reading many files is slow."""
    known = {row["sha256"] for row in crm.query("SELECT sha256 FROM import_files")}
    candidates = sorted(p for p in folder.glob("*") if p.is_file() and p.suffix.lower() in CSV_SUFFIXES)
    return [p for p in candidates if file_sha256(p) not in known]
