"""The `jengu` console script as an operator runs it: real subprocesses, real files, a real DuckDB
file under an isolated JENGU_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

JENGU = str(Path(sys.executable).parent / "jengu")

MESSY = (
    "\ufeffHotel;Stadt;Land;E-Mail;Vorname;Nachname\r\n"
    "Hotel Adler;München;Deutschland;max.muster@hotel-adler-test.de;Max;Muster\r\n"
    "\r\n"
    "\"Adler, Hotel\";Muenchen;DE;;Max;Muster\r\n"
    ";Berlin;DE;x@y.de;A;B\r\n"
    "\"Gasthof \"\"Zur Post\"\"\nHinterhaus\";Köln;DE;n/a;Eva;Klein\r\n"
    "Pension Sonne;Köln;DE;not-an-email;Eva;Klein\r\n"
    "Hotel Adler;München;Deutschland;max.muster@hotel-adler-test.de;Max;Muster\r\n"
)


def run(home, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JENGU_HOME": str(home.root)}
    return subprocess.run([JENGU, *args], capture_output=True, text=True, env=env, timeout=120)


def test_import_leads_json_accounts_for_every_row(home, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(MESSY.encode("utf-8"))
    proc = run(home, "import-leads", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["rows"] == 6  # the blank line is not a record
    assert report["rows"] == report["accepted"] + report["duplicates"] + report["rejected"]
    assert (report["accepted"], report["duplicates"], report["rejected"]) == (2, 2, 2)
    rejected = {r["row"]: r["reason"] for r in report["rejections"]}
    assert set(rejected) == {3, 5}
    assert "company" in rejected[3] and "not-an-email" in rejected[5]

    # Importing the same file again reports the first import and adds nothing.
    again = run(home, "import-leads", str(path), "--json")
    second = json.loads(again.stdout)
    assert second["already_imported"] is True
    assert {k: second[k] for k in ("rows", "accepted", "duplicates", "rejected")} == {
        k: report[k] for k in ("rows", "accepted", "duplicates", "rejected")
    }
    count = run(home, "sql", "SELECT count(*) AS n FROM prospects", "--json")
    assert json.loads(count.stdout) == {"n": 2}


def test_cp1252_tab_file_is_read(home, tmp_path):
    path = tmp_path / "liste.txt"
    path.write_bytes("Company\tCity\tCountry\r\nHôtel Bellevue\tGenève\tSuisse\r\n".encode("cp1252"))
    report = json.loads(run(home, "import-leads", str(path), "--json").stdout)
    assert (report["rows"], report["accepted"]) == (1, 1)
    name = run(home, "sql", "SELECT company_name, country FROM prospects", "--json").stdout
    assert json.loads(name) == {"company_name": "Hôtel Bellevue", "country": "CH"}


def test_not_a_csv_is_one_clear_error_and_status_2(home, tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200)))
    proc = run(home, "import-leads", str(path), "--json")
    assert proc.returncode == 2
    assert str(path) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["error"]


def test_missing_file_is_status_2(home, tmp_path):
    proc = run(home, "import-leads", str(tmp_path / "nope.csv"))
    assert proc.returncode == 2
    assert "nope.csv" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_sql_is_status_2(home):
    proc = run(home, "sql", "SELECT * FROM no_such_table")
    assert proc.returncode == 2 and "no_such_table" in proc.stderr
