"""Unsubscribe links end to end: a real DuckDB file and a real HTTP server on loopback, httpx as
the client (as a mail provider's one-click POST or a person's browser), and the `jengu` console
script in a subprocess."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from jengu.unsubscribe_server import (
    ACTOR,
    MAX_BODY_BYTES,
    REASON_CONFIRMED,
    REASON_ONE_CLICK,
    SOURCE,
    MissingSecretError,
    UnsubscribeServer,
)
from jengu_assets.composition.compliance import suppress_address
from jengu_assets.sending.unsubscribe import (
    SECRET_ENV,
    TokenError,
    UnsubscribeLinks,
    make_token,
    read_token,
    secret_from_env,
    unsubscribe_links,
)
from jengu_assets.stages import Stage

JENGU = str(Path(sys.executable).parent / "jengu")
SECRET = "test-secret-0123456789abcdef"
ADDRESS = "jo.doe@hotel-adler.example"


def _add(con, pid: str, email: str | None, stage: Stage = Stage.CONTACTED) -> None:
    con.execute(
        "INSERT INTO prospects (id, company_name, email, name_key, tier, source, source_ref,"
        " discovered_on, stage) VALUES (?, 'Hotel Adler', ?, 'hotel adler', 'warm', 'csv',"
        " 't row 1', DATE '2026-11-20', ?)",
        [pid, email, stage.value],
    )


def _token_with(token: str, *, payload: str | None = None, signature: str | None = None) -> str:
    p, _, s = token.partition(".")
    return f"{payload if payload is not None else p}.{signature if signature is not None else s}"


# -- tokens and links (pure) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (ADDRESS, ADDRESS),  # the plain case
        ("  Jo.Doe@Hotel-Adler.EXAMPLE ", ADDRESS),  # case and stray spaces do not split a person
        ("reservations+de@hotel.example", "reservations+de@hotel.example"),  # sub-addressing kept
        ("rezeption@hôtel-müller.example", "rezeption@hôtel-müller.example"),  # non-ASCII domain
    ],
)
def test_token_round_trip(given, expected):
    token = make_token(given, SECRET)
    assert read_token(token, SECRET) == expected
    assert all(c.isalnum() or c in "-_." for c in token)  # fits a URL path without escaping


TOKEN = make_token(ADDRESS, SECRET)
_PAYLOAD, _, _SIGNATURE = TOKEN.partition(".")
_OTHER_PAYLOAD = make_token("front.desk@hotel-adler.example", SECRET).partition(".")[0]
_FLIPPED = _SIGNATURE[:-2] + ("A" if _SIGNATURE[-2] != "A" else "B") + _SIGNATURE[-1]


@pytest.mark.parametrize(
    "bad",
    [
        _token_with(TOKEN, signature=_FLIPPED),  # one signature character altered
        _token_with(TOKEN, payload=_OTHER_PAYLOAD),  # someone else's address, this signature
        TOKEN[:-4],  # truncated by a mail client wrapping the line
        _PAYLOAD + ".",  # signature missing
        _PAYLOAD + _SIGNATURE,  # separator missing
        TOKEN + "==",  # padded: only the canonical spelling is a token
        TOKEN + ".x",  # an extra part
        "+" + TOKEN,  # outside the url-safe alphabet
        "",  # empty
        "%%%not-a-token%%%",  # garbage
        "A" * 5000 + "." + _SIGNATURE,  # too long to be worth hashing
    ],
)
def test_tampered_and_garbage_tokens_are_refused(bad):
    with pytest.raises(TokenError):
        read_token(bad, SECRET)


def test_a_token_does_not_verify_under_another_secret():
    token = make_token(ADDRESS, SECRET)
    with pytest.raises(TokenError):
        read_token(token, SECRET + "x")
    assert make_token(ADDRESS, "other-secret") != token


def test_an_empty_secret_is_refused_not_used():
    # An empty key would let anyone mint links that unsubscribe someone else.
    with pytest.raises(ValueError, match=SECRET_ENV):
        make_token(ADDRESS, "")


def test_links_encode_the_mailto_and_carry_a_token():
    links = unsubscribe_links(
        "Jo.Doe@Hotel-Adler.example", secret=SECRET, base_url="https://unsub.example.com/",
        mailto_address="opt out+jengu@example.com",
    )
    assert links.mailto == "mailto:opt%20out+jengu@example.com?subject=unsubscribe"
    assert links.url is not None and links.url.startswith("https://unsub.example.com/u/")
    assert read_token(links.url.rsplit("/", 1)[1], SECRET) == ADDRESS


def test_without_a_secret_there_is_only_the_mailto_link():
    links = unsubscribe_links(ADDRESS, secret=None, base_url="https://unsub.example.com",
                              mailto_address="sales@jengu.example")
    assert links == UnsubscribeLinks(mailto="mailto:sales@jengu.example?subject=unsubscribe",
                                      url=None)


def test_secret_from_env(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "  ")
    assert secret_from_env() is None
    monkeypatch.setenv(SECRET_ENV, SECRET + "\n")  # a secret file's trailing newline
    assert secret_from_env() == SECRET


# -- suppress_address (DuckDB) -----------------------------------------------------------------


def test_suppress_address_is_case_insensitive_and_idempotent(crm):
    with crm.transaction() as con:
        _add(con, "p1", "Jo.Doe@Hotel-Adler.example", Stage.CONTACTED)
        _add(con, "p2", ADDRESS, Stage.QUEUED)
        _add(con, "p3", ADDRESS.upper(), Stage.SUPPRESSED)  # already out of reach
        _add(con, "p4", "front.desk@hotel-adler.example", Stage.CONTACTED)
        _add(con, "p5", None, Stage.NEW)
        moved = suppress_address(con, "  JO.DOE@hotel-adler.example", reason="unsubscribed (reply)",
                                 source="imap", actor="pytest")
    assert moved == ["p1", "p2"]
    stages = {r["id"]: r["stage"] for r in crm.query("SELECT id, stage FROM prospects")}
    assert stages == {"p1": "suppressed", "p2": "suppressed", "p3": "suppressed",
                      "p4": "contacted", "p5": "new"}
    log = crm.query("SELECT prospect_id, from_stage, to_stage, reason, actor "
                    "FROM state_transitions ORDER BY prospect_id")
    assert log == [
        {"prospect_id": "p1", "from_stage": "contacted", "to_stage": "suppressed",
         "reason": "unsubscribed (reply)", "actor": "pytest"},
        {"prospect_id": "p2", "from_stage": "queued", "to_stage": "suppressed",
         "reason": "unsubscribed (reply)", "actor": "pytest"},
    ]
    first = crm.query("SELECT * FROM suppression_list")

    with crm.transaction() as con:
        again = suppress_address(con, ADDRESS, reason="hard bounce", source="bounce",
                                 actor="pytest")
    assert again == []
    assert crm.query("SELECT * FROM suppression_list") == first  # first reason, first time
    assert first[0]["email"] == ADDRESS and first[0]["reason"] == "unsubscribed (reply)"
    assert crm.scalar("SELECT count(*) FROM state_transitions") == 2


def test_suppress_address_rolls_back_with_the_callers_transaction(crm):
    with crm.transaction() as con:
        _add(con, "p1", ADDRESS)
    with pytest.raises(RuntimeError), crm.transaction() as con:
        suppress_address(con, ADDRESS, reason="unsubscribed", source="test", actor="pytest")
        raise RuntimeError("the caller's later work failed")
    assert crm.scalar("SELECT count(*) FROM suppression_list") == 0
    assert crm.scalar("SELECT stage FROM prospects") == "contacted"


# -- the HTTP service --------------------------------------------------------------------------


@pytest.fixture
def server(crm):
    with crm.transaction() as con:
        _add(con, "p1", "Jo.Doe@Hotel-Adler.example", Stage.CONTACTED)
        _add(con, "p2", "front.desk@hotel-adler.example", Stage.CONTACTED)
    with UnsubscribeServer(crm, SECRET, port=0) as running:
        yield running


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, trust_env=False, timeout=10) as c:
        yield c


def _suppressed(crm) -> list[dict]:
    return crm.query("SELECT email, reason, source FROM suppression_list ORDER BY email")


def _stage(crm, pid: str) -> str:
    return crm.scalar("SELECT stage FROM prospects WHERE id = ?", [pid])


def test_get_shows_a_confirm_page_and_suppresses_nothing(crm, client):
    # Mail security scanners fetch every link; a GET must never unsubscribe anyone.
    response = client.get(f"/u/{make_token(ADDRESS, SECRET)}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert '<form method="post">' in response.text and "jo***@hotel-adler.example" in response.text
    assert ADDRESS not in response.text
    assert client.head(f"/u/{make_token(ADDRESS, SECRET)}").status_code == 200
    assert _suppressed(crm) == []
    assert _stage(crm, "p1") == "contacted"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"List-Unsubscribe=One-Click"),  # what Gmail sends
        (
            "multipart/form-data; boundary=---FormBoundaryjWmhtjORrn",  # RFC 8058's own example
            b"-----FormBoundaryjWmhtjORrn\r\n"
            b'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
            b"One-Click\r\n"
            b"-----FormBoundaryjWmhtjORrn--\r\n",
        ),
    ],
)
def test_one_click_post_suppresses_and_moves_the_prospect(crm, client, content_type, body):
    response = client.post(f"/u/{make_token(ADDRESS, SECRET)}", content=body,
                           headers={"Content-Type": content_type})
    assert response.status_code == 200
    assert "unsubscribed" in response.text
    assert _suppressed(crm) == [{"email": ADDRESS, "reason": REASON_ONE_CLICK, "source": SOURCE}]
    assert _stage(crm, "p1") == "suppressed" and _stage(crm, "p2") == "contacted"
    assert crm.query("SELECT prospect_id, from_stage, to_stage, reason, actor "
                     "FROM state_transitions") == [
        {"prospect_id": "p1", "from_stage": "contacted", "to_stage": "suppressed",
         "reason": REASON_ONE_CLICK, "actor": ACTOR},
    ]


def test_a_second_post_changes_nothing(crm, client):
    url = f"/u/{make_token(ADDRESS, SECRET)}"
    form = {"List-Unsubscribe": "One-Click"}
    assert client.post(url, data=form).status_code == 200
    before = (crm.query("SELECT * FROM suppression_list"),
              crm.query("SELECT * FROM state_transitions"))
    # A provider retrying, or the person clicking the page's button afterwards.
    assert client.post(url, data=form).status_code == 200
    assert client.post(url, data={"confirm": "unsubscribe"}).status_code == 200
    assert (crm.query("SELECT * FROM suppression_list"),
            crm.query("SELECT * FROM state_transitions")) == before


def test_the_confirm_pages_button_suppresses(crm, client):
    response = client.post(f"/u/{make_token(ADDRESS, SECRET)}", data={"confirm": "unsubscribe"})
    assert response.status_code == 200
    assert _suppressed(crm) == [{"email": ADDRESS, "reason": REASON_CONFIRMED, "source": SOURCE}]
    assert _stage(crm, "p1") == "suppressed"


def test_bad_tokens_get_400_and_nothing_is_written(crm, client):
    token = make_token(ADDRESS, SECRET)
    forged = make_token("front.desk@hotel-adler.example", "a guessed secret")
    for bad in (token[:-3] + "abc", forged, "garbage", _token_with(token, signature="")):
        for response in (client.post(f"/u/{bad}", data={"List-Unsubscribe": "One-Click"}),
                         client.get(f"/u/{bad}")):
            assert response.status_code == 400, bad
            assert "not valid" in response.text and "<form" not in response.text
    assert _suppressed(crm) == []
    assert crm.scalar("SELECT count(*) FROM state_transitions") == 0


def test_unknown_paths_404_and_large_bodies_413(crm, client):
    token = make_token(ADDRESS, SECRET)
    assert client.get("/").status_code == 404
    assert client.get(f"/u/{token}/extra").status_code == 404
    assert client.post("/unsubscribe", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert client.get("/healthz").text == "ok\n"
    too_big = b"List-Unsubscribe=One-Click&pad=" + b"x" * MAX_BODY_BYTES
    assert client.post(f"/u/{token}", content=too_big).status_code == 413
    assert _suppressed(crm) == []


def test_logs_mask_the_address_and_never_show_token_or_secret(crm, client, caplog):
    token = make_token(ADDRESS, SECRET)
    with caplog.at_level(logging.INFO, logger="jengu.unsubscribe"):
        client.get(f"/u/{token}?utm_source={ADDRESS}")
        client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        client.get(f"/u/{token[:-3]}abc")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "jo***@hotel-adler.example" in text and "/u/<invalid token>" in text
    assert "POST" in text and "200" in text
    for secret_thing in (ADDRESS, token.split(".")[0], token.split(".")[1], SECRET):
        assert secret_thing not in text


def test_the_server_refuses_to_start_without_a_secret(crm):
    with pytest.raises(MissingSecretError, match=SECRET_ENV):
        UnsubscribeServer(crm, None, port=0)


# -- the console script ------------------------------------------------------------------------


def _env(home, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != SECRET_ENV}
    return {**env, "JENGU_HOME": str(home.root), **extra}


def test_cli_refuses_to_start_without_the_secret(home):
    proc = subprocess.run([JENGU, "unsubscribe-server", "--port", "0"], capture_output=True,
                          text=True, env=_env(home), timeout=60)
    assert proc.returncode == 2
    assert SECRET_ENV in proc.stderr and "Traceback" not in proc.stderr


def test_cli_serves_until_ctrl_c(home):
    proc = subprocess.Popen([JENGU, "unsubscribe-server", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(home, **{SECRET_ENV: SECRET}))
    try:
        first = proc.stdout.readline()
        assert first.startswith("Unsubscribe service on http://127.0.0.1:"), first
        base = first.split()[3].removesuffix("/u/<token>")
        with httpx.Client(base_url=base, trust_env=False, timeout=10) as client:
            assert client.get("/healthz").status_code == 200
            assert client.get(f"/u/{make_token(ADDRESS, SECRET)}").status_code == 200
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr and SECRET not in stderr and ADDRESS not in stderr
