"""`jengu inspect-email` as an operator runs it: real subprocesses over copies of the fixture
corpus (tests/fixtures/inbound) in a temp dir, and ``run()`` in-process for the output contract,
the streaming and the exit-status rules. No network: intents come from the offline rules."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jengu.inspect_email import inspect_file, run
from tests.timing import within_cpu_budget

CORPUS = Path(__file__).parent / "fixtures" / "inbound"
JENGU = str(Path(sys.executable).parent / "jengu")
KEYS = {"path", "kind", "bounce", "auto_reply", "reply_text", "intent", "confidence"}
KINDS = {"bounce", "auto_reply", "complaint", "human_reply", "malformed"}


def fixtures() -> list[str]:
    return [str(p) for p in sorted(CORPUS.glob("*.eml"))]


def lines_of(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_json_contract_over_the_corpus():
    out = io.StringIO()
    assert run(fixtures(), json_output=True, out=out) == 0
    records = lines_of(out)
    assert [r["path"] for r in records] == fixtures()
    for record in records:
        kind = record["kind"]
        assert kind in KINDS
        assert set(record) == KEYS | ({"reason"} if kind == "malformed" else set())
        assert (record["bounce"] is not None) == (kind == "bounce")
        assert (record["auto_reply"] is not None) == (kind == "auto_reply")
        assert (record["intent"] is not None) == (kind == "human_reply")
        assert (record["reply_text"] is not None) == (kind == "human_reply")
        if kind == "bounce":
            assert set(record["bounce"]) == {"recipient", "status", "category"}
            assert record["bounce"]["category"] in ("hard", "soft", "policy")
        if kind == "human_reply":
            assert 0.0 <= record["confidence"] <= 1.0


def test_one_record_per_kind():
    by_name = {Path(r["path"]).name: r for r in
               (inspect_file(p) for p in fixtures())}
    assert by_name["bounce_postfix_user_unknown.eml"]["bounce"] == {
        "recipient": "reservations@hotel-alpenblick.de", "status": "5.1.1", "category": "hard"}
    assert by_name["auto_de_abwesenheitsnotiz.eml"]["auto_reply"] == {
        "return_date": "2026-12-03", "challenge": False, "departed": False, "successor": None}
    assert by_name["auto_en_no_return_date.eml"]["auto_reply"] == {
        "return_date": None, "challenge": False, "departed": False, "successor": None}
    reply = by_name["reply_it_delegated.eml"]
    assert (reply["intent"], reply["confidence"]) == ("delegated", 0.85)
    assert "Cordiali saluti" not in reply["reply_text"] and "ha scritto" not in reply["reply_text"]
    assert by_name["complaint_arf_yahoo.eml"]["kind"] == "complaint"
    assert by_name["malformed_empty.eml"]["reason"] == "empty input"


def test_unreadable_files_are_reported_in_place_and_exit_2(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe")
    paths = [fixtures()[0], str(tmp_path / "missing.eml"), str(tmp_path), str(tmp_path / "pipe"),
             fixtures()[1]]
    out = io.StringIO()
    assert run(paths, json_output=True, out=out) == 2
    records = lines_of(out)
    # Every file gets its line, in order; the later files are still inspected.
    assert [r["path"] for r in records] == paths
    assert records[1] == {"path": paths[1], "error": "no such file or directory"}
    assert records[2] == {"path": paths[2], "error": "is a directory"}
    assert records[3] == {"path": paths[3], "error": "not a regular file"}
    assert "kind" in records[0] and "kind" in records[4]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied(tmp_path: Path):
    locked = tmp_path / "locked.eml"
    locked.write_bytes(b"From: a@b.example\n\nhi\n")
    locked.chmod(0)
    out = io.StringIO()
    assert run([str(locked)], json_output=True, out=out) == 2
    assert lines_of(out) == [{"path": str(locked), "error": "permission denied"}]


def test_human_readable_lines():
    out = io.StringIO()
    names = ["bounce_soft_timeout.eml", "auto_it_fuori_sede_new_year.eml",
             "reply_en_meeting_html_only.eml", "malformed_binary_junk.eml",
             "complaint_arf_yahoo.eml", "reply_en_interested_gmail.eml"]
    assert run([str(CORPUS / n) for n in names], json_output=False, out=out) == 0
    lines = [line.split(": ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines == [
        "bounce soft 4.4.1 reservas@hotel-atlantico.pt",
        "auto_reply back 2027-01-05",
        # The reply on one line (the sender's name under it is the signature).
        'human_reply meeting_request (0.85) "Hi Anna, Sounds good. Could we do a quick call on '
        'Thursday at 10am?"',
        "malformed not an email message (no header lines)",
        "complaint",
        # A longer reply on one line, cut to 70 characters.
        'human_reply interested (0.80) "Hi Anna, Thanks for reaching out - this sounds interesting. '
        'We get a …"',
    ]


class _Recorder(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def write(self, text: str) -> int:
        self.events.append("write")
        return super().write(text)

    def flush(self) -> None:
        self.events.append("flush")
        super().flush()


def test_streams_one_flushed_line_per_file():
    out = _Recorder()
    seen: list[int] = []

    def paths():
        # Lazy input: each path is asked for only after the previous line went out.
        for i, path in enumerate(fixtures()[:5]):
            assert out.getvalue().count("\n") == i
            seen.append(i)
            yield path

    assert run(paths(), json_output=True, out=out) == 0
    assert seen == [0, 1, 2, 3, 4]
    assert out.events == ["write", "flush"] * 5


def test_a_25_mb_file_under_a_second(tmp_path: Path):
    body = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n"
    message = (b"From: Tom <tom@hotel.example>\r\nTo: anna@jengu.example\r\nSubject: Re: hi\r\n"
               b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
               b"Content-Type: text/plain\r\n\r\nNot interested, thanks.\r\n--B\r\n"
               b"Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n"
               + body * 340_000 + b"--B--\r\n")
    path = tmp_path / "big.eml"
    path.write_bytes(message)
    assert path.stat().st_size > 25 * 1024 * 1024
    record = within_cpu_budget(lambda: inspect_file(str(path)), 1.0)
    assert (record["kind"], record["intent"]) == ("human_reply", "not_interested")


def _thousand_files(tmp_path: Path) -> list[str]:
    sources = [p for p in sorted(CORPUS.glob("*.eml"))]
    paths = []
    for i in range(1000):
        target = tmp_path / f"{i:04d}-{sources[i % len(sources)].name}"
        shutil.copyfile(sources[i % len(sources)], target)
        paths.append(str(target))
    return paths


def test_thousand_files_in_one_subprocess(tmp_path: Path):
    paths = _thousand_files(tmp_path)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "jengu.inspect_email", "--json", *paths],
                          capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["path"] for r in records] == paths
    assert all(r["kind"] in KINDS for r in records)
    assert elapsed < 15, elapsed


def test_exit_status_of_the_subprocess(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "jengu.inspect_email", fixtures()[0],
                           str(tmp_path / "missing.eml")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert done.stdout.splitlines()[1] == f"{tmp_path / 'missing.eml'}: error: no such file or directory"


def _registered() -> bool:
    from jengu.cli import build_parser

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            build_parser().parse_args(["inspect-email", "x.eml"])
    except SystemExit:
        return False
    return True


@pytest.mark.skipif(not _registered(), reason="inspect-email is not wired into jengu.cli yet")
def test_the_jengu_console_script(tmp_path: Path):
    done = subprocess.run([JENGU, "inspect-email", "--json", *fixtures()[:3]],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3
