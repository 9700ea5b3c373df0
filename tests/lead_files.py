"""What the lead-file corpus tests share: ``jengu import-leads --json`` run in-process on one file,
and reads of the store it wrote."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from jengu.cli import main


def import_json(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict]:
    """(exit status, the one JSON object printed); nothing else on stdout, no traceback."""
    status = main(["import-leads", str(path), "--json"])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 1, (out, err)
    assert "Traceback" not in err
    return status, json.loads(lines[0])


def import_case(capsys: pytest.CaptureFixture[str], folder: Path, case: dict) -> tuple[int, dict]:
    """A manifest case imported: the files it lists ``before`` first (each must succeed), then its
    own file; (exit status, report). A case with an ``error`` must be refused with one naming the
    file and status 2."""
    for earlier in case.get("before", []):
        assert import_json(capsys, folder / earlier)[0] == 0
    status, report = import_json(capsys, folder / case["file"])
    if "error" in case:  # no lead list at all: one error naming the file, status 2
        assert status == 2 and case["error"] in report["error"], report
        assert case["file"] in report["error"]
    return status, report


def query(crm_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of one query on a read-only connection, closed before returning."""
    con = duckdb.connect(str(crm_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
