"""`jengu import-leads --json` against a corpus of messy real-world lead files.

Touches the real CSV reader (jengu_assets.acquisition.csv_leads), the import and admission into a
real DuckDB CRM file under an isolated JENGU_HOME (imports.py, admission.py), and the CLI: most
files go through `jengu.cli.main` in-process, a few through the installed `jengu` script. The
files are built byte by byte in temp directories (encodings, BOMs, line endings are the point);
three small exports in the shape Sales Navigator, Apollo and HubSpot write them live in
tests/fixtures/csv_messy/.

The contract checked for every readable file: one JSON object with rows == accepted + duplicates
+ rejected, every rejection with a 1-based row number (the record after the header; blank lines
are not records) and a reason that names the problem. Files that are no CSV at all get exit
status 2 and one error, never a crash and never rows.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pytest

from jengu.cli import main
from tests.lead_files import import_json

FIXTURES = Path(__file__).parent / "fixtures" / "csv_messy"
JENGU = str(Path(sys.executable).parent / "jengu")

# A plain English list used as the body of many cases: three hotels, each a new prospect.
HEADER = ["Company", "First Name", "Last Name", "Email", "City", "Country"]
ROWS = [
    ["Hotel Adler", "Anna", "Huber", "anna@adler-hotel.de", "München", "Germany"],
    ["Hôtel Étoile", "José", "Müller", "jose@etoile-hotel.fr", "Paris", "France"],
    ["Grand Hotel Łódź", "Piotr", "Nowak", "piotr@grand-lodz.pl", "Łódź", "Poland"],
]


def _table(delimiter: str = ",", eol: str = "\r\n", header: list[str] = HEADER,
           rows: list[list[str]] = ROWS) -> str:
    return "".join(delimiter.join(r) + eol for r in [header, *rows])


def _assert_contract(report: dict) -> None:
    for key in ("rows", "accepted", "duplicates", "rejected"):
        assert isinstance(report[key], int) and report[key] >= 0, report
    assert report["rows"] == report["accepted"] + report["duplicates"] + report["rejected"]
    assert len(report["rejections"]) == report["rejected"]
    rows = [r["row"] for r in report["rejections"]]
    assert rows == sorted(set(rows)) and all(1 <= n <= report["rows"] for n in rows)
    for rejection in report["rejections"]:
        assert isinstance(rejection["reason"], str) and rejection["reason"].strip()
        assert rejection["line"] >= rejection["row"]  # a row is never before its own line


def _write(tmp_path: Path, data: bytes | str, name: str = "leads.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- files that are lead lists, however messy ----------------------------------------------------

CORPUS = [
    # Excel "Unicode text": UTF-16LE with BOM, tab-delimited, CRLF.
    pytest.param(codecs.BOM_UTF16_LE + _table("\t").encode("utf-16-le"), (3, 3, 0, 0), {},
                 id="excel-unicode-text"),
    # The same big-endian, and once more without any BOM.
    pytest.param(codecs.BOM_UTF16_BE + _table("\t").encode("utf-16-be"), (3, 3, 0, 0), {},
                 id="utf16-be-bom"),
    pytest.param(_table("\t").encode("utf-16-be"), (3, 3, 0, 0), {}, id="utf16-be-no-bom"),
    # UTF-16 without BOM whose names are CJK: too few zero bytes for the ASCII-based guess.
    pytest.param(
        _table("\t", header=["Company", "City"], rows=[
            ["東京ステーションホテル", "東京都千代田区丸の内"], ["京都ホテルオークラ", "京都市中京区河原町"],
            ["ザ・リッツ・カールトン大阪", "大阪市北区梅田"],
        ]).encode("utf-16-le"),
        (3, 3, 0, 0), {}, id="utf16-le-no-bom-cjk",
    ),
    # European Excel "CSV UTF-8": BOM and semicolons.
    pytest.param(codecs.BOM_UTF8 + _table(";").encode(), (3, 3, 0, 0), {}, id="utf8-bom-semicolon"),
    # Excel's "sep=;" first line names the delimiter; cp1252 body (Łódź row replaced).
    pytest.param(
        ("sep=;\r\n" + _table(";", rows=ROWS[:2])).encode("cp1252"), (2, 2, 0, 0), {},
        id="excel-sep-line-cp1252",
    ),
    # Classic Mac line endings; then CRLF, LF and CR mixed in one file.
    pytest.param(_table(eol="\r").encode(), (3, 3, 0, 0), {}, id="mac-cr-only"),
    pytest.param(
        (",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\r\n" + ",".join(ROWS[1]) + "\r"
         + ",".join(ROWS[2])).encode(),
        (3, 3, 0, 0), {}, id="mixed-line-endings-no-final-eol",
    ),
    # Every line ends in a delimiter, or in a run of empty columns (Excel's used range).
    pytest.param(_table(eol=",\r\n").encode(), (3, 3, 0, 0), {}, id="trailing-delimiters"),
    pytest.param(_table(eol=",,,,\r\n").encode(), (3, 3, 0, 0), {}, id="trailing-empty-columns"),
    # Title lines and blank lines above the header; line numbers stay physical.
    pytest.param(
        ("Hotel leads Q1 2026\r\n\r\n,,,,,\r\nExported by: CRM\r\n" + _table()).encode(),
        (3, 3, 0, 0), {}, id="title-lines-above-header",
    ),
    # A report header with four values on its line; only a header naming more than the company
    # is trusted after it.
    pytest.param(("Report,Leads,2026-01-01,agency\r\n" + _table()).encode(), (3, 3, 0, 0), {},
                 id="wide-title-line"),
    # Header names in any case, padded, quoted, with non-breaking and zero-width spaces.
    pytest.param(
        (' COMPANY ,"first name",LAST\u00a0NAME,"\u200bE-Mail ",\'city\',"Country "\r\n'
         + _table()[_table().index("\r\n") + 2 :]).encode(),
        (3, 3, 0, 0), {}, id="header-name-variants",
    ),
    # Repeated and unknown header names: every value kept, the first "Email" is the address.
    pytest.param(
        b"ID,Company,Email,Email,Rating,Notes\r\n1,Hotel Adler,anna@adler-hotel.de,x@y.de,5,ok\r\n",
        (1, 1, 0, 0), {}, id="duplicate-and-unknown-headers",
    ),
    # Short rows are padded; a row with more values than the header is rejected, naming both.
    pytest.param(
        (_table() + "Hotel Kurz,Ann\r\nHotel Lang,B,C,b@lang.de,Rom,Italien,x,y\r\n").encode(),
        (5, 4, 0, 1), {5: "row has 8 fields, header has 6"}, id="short-and-long-rows",
    ),
    # A quote in the middle of a value is just a character.
    pytest.param(
        b'Company,Notes,Email\r\nHotel "Adler" Garni,5" screen,a@adler-garni.de\r\n',
        (1, 1, 0, 0), {}, id="stray-quote-mid-field",
    ),
    # A value that opens a quote and never closes it costs its own line only.
    pytest.param(
        (",".join(HEADER) + "\r\n" + '"Hotel Adler,Anna,Huber,anna@adler-hotel.de,München,DE\r\n'
         + _table()[_table().index("\r\n") + 2 :]).encode(),
        (4, 3, 0, 1), {1: "unbalanced quote: a field on line 2 opens a quote"},
        id="unbalanced-quote-mid-file",
    ),
    pytest.param(
        (_table() + 'Hotel Zeta,Zoe,Z,zoe@zeta.de,Rom,"Italien').encode(),
        (4, 3, 0, 1), {4: "unbalanced quote: a field on line 5"}, id="unterminated-quote-at-eof",
    ),
    # Two such quotes in one column would pair up and hide the rows between them in one value.
    pytest.param(
        (_table() + 'Hotel B,"Bea,B,b@b.de,Rom,IT\r\nHotel C,Cy,C,c@c.de,Rom,IT\r\n'
         'Hotel E,"Eve,E,e@e.de,Rom,IT\r\nHotel F,Fay,F,f@f.de,Rom,IT\r\n').encode(),
        (7, 5, 0, 2), {4: "line 5", 6: "line 7"}, id="two-unbalanced-quotes-in-one-column",
    ),
    # Real line breaks inside quotes, with delimiters in the continued text, stay one value.
    pytest.param(
        b'Company,Notes\r\n"Hotel A","Rooms: 20\r\nBreakfast, lunch\r\nParking"\r\nHotel B,ok\r\n',
        (2, 2, 0, 0), {}, id="quoted-newlines-with-delimiters",
    ),
    # A few NUL bytes from a database dump, and a file padded with zeros: dropped, not fatal.
    pytest.param(_table().replace("Hotel Adler", "Hotel\x00 Adler").encode(), (3, 3, 0, 0), {},
                 id="stray-nul-bytes"),
    pytest.param(_table().encode() + b"\x00" * 4096, (3, 3, 0, 0), {}, id="nul-padding"),
    # A 1 MB value (a pasted hotel description) is a value like any other.
    pytest.param(
        ("Company,Description\r\nHotel Long," + "x" * (1 << 20) + '\r\nHotel Quoted,"'
         + "word, " * 150_000 + '"\r\n').encode(),
        (2, 2, 0, 0), {}, id="one-megabyte-fields",
    ),
    # A description pasted into the company column is no name.
    pytest.param(("Company,City\r\n" + "Lovely hotel by the sea. " * 40 + ",Rome\r\n").encode(),
                 (1, 0, 0, 1), {1: "company name is 999 characters long"}, id="long-company-name"),
    # Only a header: nothing to import, and that is no error.
    pytest.param(",".join(HEADER).encode(), (0, 0, 0, 0), {}, id="header-only"),
    # Cells of spaces, tabs and non-breaking spaces are empty.
    pytest.param(
        "Company,Email\r\n   ,a@a.de\r\n\t\u00a0,b@b.de\r\nHotel Real , \u00a0 \r\n".encode(),
        (3, 1, 0, 2), {1: "missing required field: company name", 2: "company name"},
        id="whitespace-only-cells",
    ),
    # Formulas are rejected, also behind "+" and "@"; a phone number or Excel's "'" is not one.
    pytest.param(
        b'Company,Phone\r\n"=HYPERLINK(""http://evil.example"",""Hotel"")",1\r\n'
        b"+SUM(1+1),2\r\n@SUM(1),3\r\nHotel Call,+49 89 123\r\nHotel Quote,'+49 89 456\r\n"
        b"Hotel Cmd,-cmd|' /C calc'!A0\r\n",
        (6, 2, 0, 4),
        {1: "spreadsheet formula in column 'Company'", 2: "formula", 3: "formula",
         6: "spreadsheet formula in column 'Phone'"},
        id="formula-injection",
    ),
    # Emoji and CJK names are names; a name of nothing but an emoji is not.
    pytest.param(
        "Company,Contact,City\r\n🏨 Hotel Sunshine ☀️,李小龙,東京\r\n東京ホテル,山田太郎,Tokyo\r\n"
        "🏨,x,Rome\r\n".encode(),
        (3, 2, 0, 1), {3: "company name has no letters"}, id="emoji-and-cjk",
    ),
    # Entities from web scrapes are decoded; "AT&T" and "B&notes" are left alone.
    pytest.param(
        b"Company,City\r\nHotel &amp; Spa Adler,M&uuml;nchen\r\nCaf&eacute; Royal,Paris\r\n"
        b"AT&T Hotel,Dallas\r\nB&notes Inn,Bath\r\n",
        (4, 4, 0, 0), {}, id="html-entities",
    ),
    # A number is no company name (an ID column, or Excel's reformatting).
    pytest.param(b"Company,City\r\n12345,Berlin\r\n3.14,Rome\r\nHotel 1898,Paris\r\n",
                 (3, 1, 0, 2), {1: "company name has no letters: '12345'"}, id="numbers-as-names"),
    # Addresses as people paste them; only the last is no address at all.
    pytest.param(
        b"Company,Email\r\nH1,Jane Doe <jane@h1.com>\r\nH2,mailto:x@h2.com\r\n"
        b'H3,"a@h3.com; b@h3.com"\r\n'
        b"H4,a@h4.com|b@h4.com\r\nH5,\"\"\"Doe, Jane\"\" <j@h5.com>\"\r\nH6,J@H6.COM.\r\n"
        b"H7,Jane (jane@h7.com)\r\nH8,jane(at)h8.com\r\n",
        (8, 7, 0, 1), {8: "invalid email 'jane(at)h8.com'"}, id="email-variants",
    ),
    # Websites and profiles without a scheme; the domain still deduplicates (row 3 = row 1).
    pytest.param(
        b"Company,Website,LinkedIn\r\nHotel One,www.hotel-one.com,linkedin.com/in/abc\r\n"
        b"Hotel Two,hotel-two.de/en/,www.linkedin.com/in/x\r\n"
        b"Hotel One Berlin,https://hotel-one.com/,\r\n",
        (3, 2, 1, 0), {}, id="urls-without-scheme",
    ),
    # The same hotel twice in one file, by email and by name + city.
    pytest.param(
        (_table() + "Adler Hotel,Max,Muster,max@other.de,Munich,Germany\r\n"
         "Hotel Adler,Eva,Klein,anna@adler-hotel.de,Köln,Germany\r\n").encode(),
        (5, 3, 2, 0), {}, id="duplicates-within-the-file",
    ),
    # Two exports pasted together: the second header, behind its own BOM, is no hotel.
    pytest.param(
        ("\ufeff" + _table(rows=ROWS[:1]) + "\ufeff" + _table(rows=ROWS[1:])).encode(),
        (4, 3, 0, 1), {2: "repeated header row"}, id="concatenated-exports-with-boms",
    ),
    # A Google Maps scrape calls the hotel just "name".
    pytest.param(
        b"name,full_address,city,country,phone,site,category,rating,reviews\r\n"
        b'Hotel Adler,"Hauptstr. 1, 80331 M\xc3\xbcnchen",M\xc3\xbcnchen,Germany,+49 89 1,'
        b"adler.de,Hotel,4.5,120\r\n",
        (1, 1, 0, 0), {}, id="maps-listing",
    ),
]


@pytest.mark.parametrize(("data", "counts", "reasons"), CORPUS)
def test_messy_file(
    home, capsys, tmp_path: Path, data: bytes, counts: tuple, reasons: dict
) -> None:
    status, report = import_json(capsys, _write(tmp_path, data))

    assert status == 0, report
    _assert_contract(report)
    assert (report["rows"], report["accepted"], report["duplicates"], report["rejected"]) == counts
    found = {r["row"]: r["reason"] for r in report["rejections"]}
    for row, words in reasons.items():
        assert words in found.get(row, ""), found


@pytest.mark.parametrize(
    ("name", "counts", "reasons"),
    [
        # Blank row skipped; same person twice (by email); a row without company rejected.
        ("sales_navigator_export.csv", (6, 4, 1, 1), {6: "missing required field: company"}),
        # Company City beats the person's City; a software company fails the industry screen.
        ("apollo_export.csv", (3, 2, 0, 1), {3: "not hospitality"}),
        # Every field quoted; a malformed address and an empty record with only an ID rejected.
        ("hubspot_contacts.csv", (4, 2, 0, 2), {2: "invalid email", 4: "company"}),
    ],
)
def test_exports_of_lead_tools(home, capsys, name: str, counts: tuple, reasons: dict) -> None:
    status, report = import_json(capsys, FIXTURES / name)

    assert status == 0
    _assert_contract(report)
    assert (report["rows"], report["accepted"], report["duplicates"], report["rejected"]) == counts
    found = {r["row"]: r["reason"] for r in report["rejections"]}
    for row, words in reasons.items():
        assert words in found[row], found


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        # LinkedIn's connections export: a note above the header, the profile link called "URL".
        pytest.param(
            'Notes:\n"When exporting your connection data, you may notice that some of the email '
            'addresses are missing. Learn more: https://www.linkedin.com/help/linkedin/answer/261"'
            "\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
            "Anna,Huber,https://www.linkedin.com/in/annahuber,,Hotel Adler,GM,12 Jan 2026\n",
            {"company_name": "Company", "contact_title": "Position", "website": "URL"},
            id="linkedin-connections",
        ),
        # Phantombuster-style camelCase: the public profile beats the Sales Navigator link.
        pytest.param(
            "firstName,lastName,companyName,title,profileUrl,linkedinProfileUrl,companyUrl,"
            "companyWebsite\nAnna,Huber,Hotel Adler,GM,https://www.linkedin.com/sales/lead/1,"
            "https://www.linkedin.com/in/ah,https://www.linkedin.com/company/adler,adler.de\n",
            {"company_name": "companyName", "linkedin_url": "linkedinProfileUrl",
             "website": "companyWebsite"},
            id="camel-case-scraper",
        ),
        # Outlook: "Title" is "Ms.", the job is "Job Title"; the business address is the hotel's.
        pytest.param(
            "First Name,Last Name,Title,Company,Job Title,Business City,Business Country/Region,"
            "Web Page,E-mail Address,E-mail 2 Address\nAnna,Huber,Ms.,Hotel Adler,GM,München,"
            "Germany,www.adler.de,anna@adler.de,anna@gmail.com\n",
            {"contact_title": "Job Title", "city": "Business City",
             "country": "Business Country/Region", "website": "Web Page",
             "email": "E-mail Address"},
            id="outlook-contacts",
        ),
        # Google Contacts numbers its columns and says "Value".
        pytest.param(
            "First Name,Last Name,Organization Name,Organization Title,E-mail 1 - Label,"
            "E-mail 1 - Value,Phone 1 - Value\n"
            "Anna,Huber,Hotel Adler,GM,* Work,anna@adler.de,+49\n",
            {"company_name": "Organization Name", "email": "E-mail 1 - Value",
             "phone": "Phone 1 - Value"},
            id="google-contacts",
        ),
        # Salesforce report: account's billing address, the contact's fields behind "Contact:".
        pytest.param(
            "Account Name,Contact: Full Name,Contact: Email,Billing City,Billing Country\n"
            "Hotel Adler,Anna Huber,anna@adler.de,München,Germany\n",
            {"company_name": "Account Name", "contact_name": "Contact: Full Name",
             "email": "Contact: Email", "city": "Billing City", "country": "Billing Country"},
            id="salesforce-report",
        ),
        # HubSpot companies: the domain column, "Country/Region".
        pytest.param(
            "Record ID,Company name,Company Domain Name,City,State/Region,Country/Region\n"
            "5,Hotel Adler,adler.de,München,Bayern,Germany\n",
            {"company_name": "Company name", "website": "Company Domain Name",
             "region": "State/Region", "country": "Country/Region"},
            id="hubspot-companies",
        ),
        # Hand-made lists in Italian and Dutch, and a company column with a note.
        pytest.param(
            "Albergo;Nome;Cognome;Ruolo;Telefono;Sito web;Città;Nazione\n"
            "Hotel Danieli;Marco;Rossi;Direttore;+39 041;danieli.it;Venezia;Italia\n",
            {"company_name": "Albergo", "first_name": "Nome", "city": "Città",
             "country": "Nazione"},
            id="italian",
        ),
        pytest.param(
            "Bedrijfsnaam,Voornaam,Achternaam,Functie,Telefoon,Plaats,Land\n"
            "Hotel Krasnapolsky,Jan,de Vries,Manager,+31,Amsterdam,Nederland\n",
            {"company_name": "Bedrijfsnaam", "last_name": "Achternaam", "city": "Plaats"},
            id="dutch",
        ),
        pytest.param("Company Name (Legal),Email\nHotel A GmbH,a@hotel-a.de\n",
                     {"company_name": "Company Name (Legal)"}, id="company-name-with-note"),
    ],
)
def test_header_dialects(tmp_path: Path, text: str, columns: dict) -> None:
    from jengu_assets.acquisition.csv_leads import read_lead_file

    lead_file = read_lead_file(_write(tmp_path, text))

    assert {k: lead_file.columns.get(k) for k in columns} == columns
    assert [r.reason for r in lead_file.rows] == [None]


def test_profile_link_in_a_url_column_is_the_linkedin_url(tmp_path: Path) -> None:
    from jengu_assets.acquisition.csv_leads import read_lead_file

    text = "Company,URL\nHotel Adler,https://www.linkedin.com/in/annahuber\nHotel Sonne,sonne.at\n"
    first, second = (r.lead for r in read_lead_file(_write(tmp_path, text)).rows)

    assert first is not None and second is not None
    assert (first.website, first.linkedin_url) == (None, "https://www.linkedin.com/in/annahuber")
    assert (second.website, second.linkedin_url) == ("sonne.at", None)


def _prospects(home, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home.crm_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_exports_fill_the_hotels_own_place_and_clean_values(home, capsys) -> None:
    import_json(capsys, FIXTURES / "apollo_export.csv")
    import_json(capsys, FIXTURES / "sales_navigator_export.csv")

    rows = {r[0]: r[1:] for r in _prospects(
        home, "SELECT company_name, city, country, phone, email FROM prospects"
    )}
    # Apollo's person City (Berlin) loses to the Company City; the phone loses Excel's "'".
    assert rows["Hotel Bayerischer Hof"] == (
        "München", "DE", "+49 89 21200", "anna.huber@bayerischerhof-test.de"
    )
    # A display name around the address is dropped.
    assert rows["Hotel Sacher Wien"][3] == "l.gruber@sacher-test.at"


def test_entities_are_decoded_in_what_is_stored(home, capsys, tmp_path: Path) -> None:
    import_json(capsys, _write(tmp_path, b"Company,City\r\nHotel &amp; Spa Adler,M&uuml;nchen\r\n"))

    assert _prospects(home, "SELECT company_name, city FROM prospects") == [
        ("Hotel & Spa Adler", "München")
    ]


# --- files given by mistake ----------------------------------------------------------------------


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return buffer.getvalue()


_LEADS_JSON = [{"company": "Hotel A", "email": "a@hotel-a.de"}, {"company": "Hotel B"}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "file is empty", id="zero-bytes"),
        pytest.param(b"\r\n\r\n   \r\n\t\r\n;;;\r\n", "only blank lines", id="blank-lines-only"),
        # An API dump, and arrays whose cells would otherwise read as a CSV header and rows.
        pytest.param(json.dumps(_LEADS_JSON, indent=2).encode(), "looks like JSON", id="json"),
        pytest.param(json.dumps([["Company", "Email"], ["Hotel A", "a@a.de"]], indent=1).encode(),
                     "looks like JSON", id="json-arrays"),
        pytest.param("\n".join(json.dumps(r) for r in _LEADS_JSON).encode(), "looks like JSON",
                     id="ndjson"),
        # The workbook instead of its CSV export, a compressed export, a report, a screenshot.
        pytest.param(_xlsx(), ".xlsx", id="xlsx"),
        pytest.param(gzip.compress(_table().encode()), "gzip", id="gzip"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF",
                     id="pdf"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "PNG", id="png"),
        # A saved web page, even one with a CSV inside, and an XML dump.
        pytest.param(
            b"<!DOCTYPE html>\n<html><body><pre>\nCompany,Email\nHotel A,a@a.de\n"
            b"</pre></body></html>",
            "HTML or XML", id="html",
        ),
        pytest.param(b'<?xml version="1.0"?>\n<leads><lead company="Hotel A"/></leads>\n',
                     "HTML or XML", id="xml"),
        pytest.param(bytes((i * 7919 + 13) % 256 for i in range(5000)), "binary content",
                     id="unknown-binary"),
        pytest.param(b"Name,City,Email\nJohn,Berlin,j@hotel.de\n", "no recognisable header",
                     id="no-company-column"),
    ],
)
def test_not_a_lead_list_is_one_error_and_status_2(
    home, capsys, tmp_path: Path, data: bytes, message: str
) -> None:
    path = _write(tmp_path, data)

    status = main(["import-leads", str(path), "--json"])
    out, err = capsys.readouterr()

    assert status == 2
    assert json.loads(out) == {"file": str(path), "error": err.strip().removeprefix(
        "jengu import-leads: ")}
    assert message in err and str(path) in err and len(err.strip().splitlines()) == 1


def test_directory_and_missing_path_are_status_2(home, capsys, tmp_path: Path) -> None:
    status = main(["import-leads", str(tmp_path), str(tmp_path / "nope.csv"), "--json"])
    out, err = capsys.readouterr()

    assert status == 2
    errors = [json.loads(line)["error"] for line in out.splitlines()]
    assert "is a directory" in errors[0] and errors[1].startswith("file not found")


# --- the store -----------------------------------------------------------------------------------


def test_rejected_rows_are_stored_with_their_reason(home, capsys, tmp_path: Path) -> None:
    data = (_table() + ",x,y,z@z.de,Rom,IT\r\n=1+1,a,b,,Rom,IT\r\n").encode()
    _, report = import_json(capsys, _write(tmp_path, data))

    stored = _prospects(
        home, "SELECT row_number, line_number, reason FROM import_rows "
              "WHERE status = 'rejected' ORDER BY row_number"
    )
    assert [(r["row"], r["line"], r["reason"]) for r in report["rejections"]] == stored
    assert [row for row, _line, _reason in stored] == [4, 5]


def test_importing_again_changes_nothing(home, capsys, tmp_path: Path) -> None:
    lf = _write(tmp_path, _table(eol="\n").encode(), "unix.csv")
    _, first = import_json(capsys, lf)
    _, again = import_json(capsys, lf)
    # The same rows with other bytes (Windows line endings) are a new file of duplicates.
    _, other = import_json(capsys, _write(tmp_path, _table(eol="\r\n").encode(), "windows.csv"))

    assert (first["accepted"], again["already_imported"]) == (3, True)
    assert {k: again[k] for k in ("rows", "accepted", "duplicates", "rejected")} == {
        k: first[k] for k in ("rows", "accepted", "duplicates", "rejected")
    }
    assert (other["rows"], other["duplicates"], other["already_imported"]) == (3, 3, False)
    assert _prospects(home, "SELECT count(*) FROM prospects") == [(3,)]


def test_a_file_recorded_on_an_earlier_day_is_admitted_when_imported_again(
    home, capsys, crm, tmp_path: Path
) -> None:
    # The sensor recorded the file yesterday but admission has not run: its rows are pending.
    from jengu_assets.acquisition.csv_leads import read_lead_file
    from jengu_assets.acquisition.imports import record_lead_file

    path = _write(tmp_path, _table().encode())
    with crm.transaction() as con:
        record_lead_file(con, read_lead_file(path), date(2026, 1, 1))

    _, report = import_json(capsys, path)

    _assert_contract(report)
    assert (report["rows"], report["accepted"], report["already_imported"]) == (3, 3, True)


def test_file_name_that_is_not_utf8_is_stored_and_printed(home, capsys, tmp_path: Path) -> None:
    # A name copied from an old Windows share reaches Python as lone surrogates.
    path = tmp_path / os.fsdecode(b"h\xf4tels.csv")
    path.write_bytes(_table().encode())

    status, report = import_json(capsys, path)

    assert status == 0 and report["accepted"] == 3
    assert report["file"].endswith("h\ufffdtels.csv")


# --- through the installed script ----------------------------------------------------------------


def _run(home, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JENGU_HOME": str(home.root)}
    return subprocess.run([JENGU, *args], capture_output=True, text=True, env=env, timeout=120)


def test_script_reads_excel_unicode_text_and_refuses_a_workbook(home, tmp_path: Path) -> None:
    text = _write(tmp_path, codecs.BOM_UTF16_LE + _table("\t").encode("utf-16-le"), "leads.txt")
    book = _write(tmp_path, _xlsx(), "leads.xlsx")

    proc = _run(home, "import-leads", str(text), str(book), "--json")

    assert proc.returncode == 2, proc.stderr
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert (first["rows"], first["accepted"], first["encoding"]) == (3, 3, "utf-16")
    assert ".xlsx" in second["error"]
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
