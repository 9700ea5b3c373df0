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


def test_sql_only_reads_unless_told_to_write(home):
    proc = run(home, "sql", "DROP TABLE prospects")
    assert proc.returncode == 2 and "--write" in proc.stderr
    assert run(home, "sql", "SELECT count(*) AS n FROM prospects", "--json").stdout.strip() \
        == '{"n": 0}'
    assert run(home, "sql", "CREATE TABLE scratch (x INTEGER)", "--write").returncode == 0
    assert run(home, "sql", "SELECT count(*) AS n FROM scratch", "--json").returncode == 0


def test_a_reader_that_stops_early_ends_the_command_quietly(home, tmp_path):
    # `jengu inspect-email *.eml --json | head -1`: the pipe closes after the first line.
    raw = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Hello\r\n\r\nThanks, sounds good.\r\n"
    paths = []
    for n in range(3000):
        paths.append(tmp_path / f"m{n}.eml")
        paths[-1].write_bytes(raw)
    env = {**os.environ, "JENGU_HOME": str(home.root)}
    with subprocess.Popen([JENGU, "inspect-email", *map(str, paths), "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        first = proc.stdout.readline()
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 141
    assert json.loads(first)["kind"] == "human_reply"
    assert stderr == ""


def test_each_command_loads_only_its_own_module():
    import argparse

    from jengu.cli import COMMAND_MODULES, build_parser

    def commands(parser: argparse.ArgumentParser) -> set[str]:
        (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return set(sub.choices)

    everything = commands(build_parser())
    own = commands(build_parser("sql"))
    assert everything == own | set(COMMAND_MODULES)
    for command, module in COMMAND_MODULES.items():
        assert command in commands(build_parser(command)) - own, (command, module)


def test_reading_files_starts_without_dagster(tmp_path):
    # Thousands of one-file calls (a corpus run file by file) must not pay for Dagster each time.
    eml = tmp_path / "m.eml"
    eml.write_bytes(b"From: a@example.org\r\nSubject: Hi\r\n\r\nSounds good.\r\n")
    page = tmp_path / "p.html"
    page.write_text("<html lang='en'><title>Hotel</title><a href='tel:+442079460958'>call</a></html>")
    script = (
        "import sys\n"
        "from jengu.cli import main\n"
        f"assert main(['inspect-email', {str(eml)!r}, '--json']) == 0\n"
        f"assert main(['analyze-site', {str(page)!r}, '--json']) == 0\n"
        "heavy = sorted(m for m in ('dagster', 'duckdb', 'openai', 'anthropic') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    email, site = (json.loads(line) for line in proc.stdout.splitlines())
    assert (email["kind"], site["title"], site["phones"]) == ("human_reply", "Hotel", ["+442079460958"])
