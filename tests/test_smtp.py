"""The SMTP client against a real aiosmtpd server on loopback, with the real aiosmtplib client.

Every test talks TCP to ``sandbox.smtp_server.SandboxSMTP`` on 127.0.0.1 and a free port (its
record file in a temp dir); the TLS tests use a throw-away certificate made with the ``openssl``
command and are skipped without it; one test runs the server as its own process
(``python -m sandbox.smtp_server``) and stops it with SIGTERM; one uses a ten-line asyncio server
that echoes AUTH data back, to prove the password never reaches an outcome.
"""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

import pytest

from jengu_assets.sending.bounces import classify
from jengu_resources.smtp import (
    OutgoingEmail,
    SendOutcome,
    SmtpSession,
    SmtpSettings,
    build_message,
    new_message_id,
)
from sandbox.smtp_server import AcceptedMessage, Rule, SandboxSMTP, read_record

REPO = Path(__file__).resolve().parents[1]
SENT_AT = datetime(2026, 11, 20, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def settings(port: int, **overrides) -> SmtpSettings:
    values = dict(host="127.0.0.1", port=port, tls_mode="none", username=None, password=None,
                  timeout_seconds=5.0, connect_timeout_seconds=2.0, local_hostname="sender.test")
    values.update(overrides)
    return SmtpSettings(**values)


def first_email(to: str = "anna@hotel-alpenblick.test", **overrides) -> OutgoingEmail:
    values = dict(
        message_id=new_message_id("jengu.test"),
        from_email="jörg@jengu.test".replace("ö", "oe"),
        from_name="Jörg Müller, Jengu",
        to_email=to,
        subject="Ihre Stellenanzeige: Rezeptionist (m/w/d)",
        body="Grüß Gott Frau Huber,\n\n.a line that starts with a dot\n\nJörg\n",
        date=SENT_AT,
        reply_to="replies@jengu.test",
        unsubscribe_mailto="mailto:unsubscribe@jengu.test?subject=unsubscribe",
        unsubscribe_url="https://jengu.test/u/one-click?token=" + "t" * 60,
    )
    values.update(overrides)
    return OutgoingEmail(**values)


def parsed(message: AcceptedMessage) -> EmailMessage:
    return email.message_from_bytes(message.raw, policy=email.policy.default)  # type: ignore[return-value]


def unfold(value: object) -> str:
    return " ".join(str(value).split())


async def send_all(session_settings: SmtpSettings, emails: list[OutgoingEmail]) -> tuple[list[SendOutcome], int]:
    async with SmtpSession(session_settings) as session:
        outcomes = [await session.send(e) for e in emails]
        return outcomes, session.connections_opened


@pytest.fixture
def server(tmp_path: Path):
    with SandboxSMTP(record_path=tmp_path / "accepted.jsonl") as srv:
        yield srv


# -- the message ---------------------------------------------------------------------------------

def test_first_email_headers_as_the_server_received_them(server: SandboxSMTP) -> None:
    email_out = first_email()
    [outcome], _ = asyncio.run(send_all(settings(server.port), [email_out]))
    assert outcome == SendOutcome(True, "done", 250, outcome.message, False)
    [accepted] = server.accepted
    msg = parsed(accepted)
    assert msg["From"].addresses[0].display_name == "Jörg Müller, Jengu"
    assert msg["From"].addresses[0].addr_spec == "joerg@jengu.test"
    assert msg["To"] == "anna@hotel-alpenblick.test"
    assert msg["Message-ID"] == email_out.message_id
    assert msg["Date"].datetime == SENT_AT
    assert msg["Reply-To"] == "replies@jengu.test"
    assert msg["Subject"] == "Ihre Stellenanzeige: Rezeptionist (m/w/d)"
    assert unfold(msg["List-Unsubscribe"]) == (
        f"<{email_out.unsubscribe_mailto}>, <{email_out.unsubscribe_url}>")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["MIME-Version"] == "1.0"
    assert msg["In-Reply-To"] is None and msg["References"] is None
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    # The dot-stuffed line arrives as written; a lost dot would end the message early.
    assert msg.get_content().replace("\r\n", "\n") == email_out.body
    assert all(len(line) <= 998 for line in accepted.raw.split(b"\r\n"))
    assert accepted.raw.isascii(), "no 8-bit data: the body must pass servers without 8BITMIME"


def test_follow_up_threads_under_the_first_email(server: SandboxSMTP) -> None:
    first = first_email()
    earlier = "<" + "x" * 70 + "@jengu.test>"
    follow_up = first_email(message_id=new_message_id("jengu.test"), subject="Re: " + first.subject,
                            in_reply_to=first.message_id, references=(earlier, first.message_id),
                            unsubscribe_url=None)
    asyncio.run(send_all(settings(server.port), [first, follow_up]))
    msg = parsed(server.accepted[1])
    assert msg["In-Reply-To"] == first.message_id
    assert unfold(msg["References"]) == f"{earlier} {first.message_id}"
    assert msg["List-Unsubscribe"] == f"<{first.unsubscribe_mailto}>"
    assert msg["List-Unsubscribe-Post"] is None, "one-click needs an https URL (RFC 8058)"
    assert server.accepted[1].in_reply_to == first.message_id


def test_html_body_makes_multipart_alternative() -> None:
    msg = build_message(first_email(html_body="<p>Grüß Gott</p>"))
    assert msg.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]


@pytest.mark.parametrize(
    "overrides",
    [{"subject": "Hello\r\nBcc: everyone@example.test"}, {"date": datetime(2026, 11, 20, 9, 30)},
     {"in_reply_to": "not-a-message-id"}, {"unsubscribe_mailto": "unsubscribe@jengu.test"}],
    ids=["a newline in a header would inject headers", "a naive date has no offset to write",
         "In-Reply-To must be a Message-ID", "List-Unsubscribe needs a mailto: URI"],
)
def test_build_message_refuses_what_cannot_be_sent(overrides: dict) -> None:
    with pytest.raises(ValueError):
        build_message(first_email(**overrides))


def test_new_message_id_is_unique_and_bracketed() -> None:
    ids = {new_message_id("jengu.test") for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.startswith("<") and i.endswith("@jengu.test>") for i in ids)


# -- one connection, many messages ---------------------------------------------------------------

def test_several_sends_reuse_one_connection(server: SandboxSMTP) -> None:
    emails = [first_email(to=f"guest{i}@hotel.test") for i in range(5)]
    outcomes, opened = asyncio.run(send_all(settings(server.port), emails))
    assert all(o.delivered for o in outcomes)
    assert opened == 1
    assert server.connections == 1
    assert len({m.peer_port for m in server.accepted}) == 1


def test_concurrent_sends_on_one_session_take_turns(server: SandboxSMTP) -> None:
    async def main() -> tuple[list[SendOutcome], int]:
        async with SmtpSession(settings(server.port)) as session:
            outcomes = await asyncio.gather(
                *(session.send(first_email(to=f"g{i}@hotel.test")) for i in range(6)))
            return list(outcomes), session.connections_opened

    outcomes, opened = asyncio.run(main())
    assert all(o.delivered for o in outcomes) and opened == 1
    assert sorted(m.rcpt_tos[0] for m in server.accepted) == [f"g{i}@hotel.test" for i in range(6)]


TAG_CASES = [
    ("anna+hard@hotel.test", False, "rcpt", 550, False, "hard"),
    ("anna+soft@hotel.test", False, "rcpt", 451, False, "soft"),
    ("anna+policy@hotel.test", False, "data", 550, False, "policy"),
    ("anna+drop@hotel.test", False, "data", None, True, "unknown"),
    ("anna+busy@hotel.test", False, "rcpt", 421, False, "inbox"),
    ("anna@hotel.test", True, "done", 250, False, "delivered"),
]


@pytest.mark.parametrize(("to", "delivered", "stage", "code", "maybe", "category"), TAG_CASES,
                         ids=[case[0].split("@")[0] for case in TAG_CASES])
def test_tag_rules_give_outcome_and_classification(
    server: SandboxSMTP, to: str, delivered: bool, stage: str, code: int | None, maybe: bool,
    category: str,
) -> None:
    [outcome], _ = asyncio.run(send_all(settings(server.port), [first_email(to=to)]))
    assert (outcome.delivered, outcome.stage, outcome.code, outcome.maybe_delivered) == (
        delivered, stage, code, maybe)
    assert classify(outcome).category == category


def test_refused_rcpt_leaves_the_connection_usable(server: SandboxSMTP) -> None:
    emails = [first_email(to="a+hard@hotel.test"), first_email(to="b@hotel.test"),
              first_email(to="c+soft@hotel.test"), first_email(to="d+policy@hotel.test"),
              first_email(to="e@hotel.test")]
    outcomes, opened = asyncio.run(send_all(settings(server.port), emails))
    assert [o.delivered for o in outcomes] == [False, True, False, False, True]
    assert opened == 1 and server.connections == 1
    assert [m.rcpt_tos for m in server.accepted] == [("b@hotel.test",), ("e@hotel.test",)]


def test_421_closes_the_connection_and_the_next_send_reconnects(server: SandboxSMTP) -> None:
    emails = [first_email(to="a+busy@hotel.test"), first_email(to="b@hotel.test")]
    outcomes, opened = asyncio.run(send_all(settings(server.port), emails))
    assert (outcomes[0].code, outcomes[1].delivered) == (421, True)
    assert opened == 2 and server.connections == 2


def test_drop_after_the_body_is_maybe_delivered_and_the_server_has_it(server: SandboxSMTP) -> None:
    dropped = first_email(to="anna+drop@hotel.test")
    outcomes, opened = asyncio.run(send_all(settings(server.port),
                                            [dropped, first_email(to="next@hotel.test")]))
    assert outcomes[0] == SendOutcome(False, "data", None, "disconnected", True)
    assert outcomes[1].delivered and opened == 2
    assert server.record_path is not None
    recorded = [r["message_id"] for r in read_record(server.record_path)]
    assert recorded[0] == dropped.message_id


def test_server_closing_an_idle_connection_costs_no_send(tmp_path: Path) -> None:
    async def main() -> tuple[list[SendOutcome], int]:
        async with SmtpSession(settings(srv.port)) as session:
            first = await session.send(first_email(to="a@hotel.test"))
            await asyncio.sleep(0.6)  # the server hangs up meanwhile, as real ones do after minutes
            second = await session.send(first_email(to="b@hotel.test"))
            return [first, second], session.connections_opened

    with SandboxSMTP(idle_timeout_seconds=0.3) as srv:
        outcomes, opened = asyncio.run(main())
    assert [o.delivered for o in outcomes] == [True, True]
    assert opened == 2


# -- failures that must come back as outcomes ----------------------------------------------------

def test_slow_greeting_is_a_connect_timeout_not_an_exception() -> None:
    with SandboxSMTP(greeting_delay_seconds=3.0) as srv:
        started = time.monotonic()
        [outcome], opened = asyncio.run(send_all(
            settings(srv.port, connect_timeout_seconds=0.3), [first_email()]))
        elapsed = time.monotonic() - started
    assert (outcome.delivered, outcome.stage, outcome.code) == (False, "connect", None)
    assert outcome.message == "connect timeout"
    assert elapsed < 2.0 and opened == 0
    assert classify(outcome).category == "inbox"


def test_nothing_listening_is_an_outcome() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        [outcome], opened = asyncio.run(send_all(settings(port), [first_email()]))
    assert (outcome.delivered, outcome.stage, outcome.code, outcome.maybe_delivered) == (
        False, "connect", None, False)
    assert outcome.message.startswith("connection failed")
    assert opened == 0 and classify(outcome).category == "inbox"


def test_login_with_the_right_password_delivers() -> None:
    with SandboxSMTP(users={"anna@jengu.test": "s3cret-Pa55"}) as srv:
        [outcome], _ = asyncio.run(send_all(
            settings(srv.port, username="anna@jengu.test", password="s3cret-Pa55"),
            [first_email()]))
    assert outcome.delivered


def test_wrong_password_is_an_auth_outcome_without_the_password() -> None:
    password = "wr0ng-Pa55word"
    with SandboxSMTP(users={"anna@jengu.test": "s3cret-Pa55"}) as srv:
        [outcome], opened = asyncio.run(send_all(
            settings(srv.port, username="anna@jengu.test", password=password), [first_email()]))
        assert srv.accepted == []
    assert (outcome.delivered, outcome.stage, outcome.code) == (False, "auth", 535)
    assert password not in outcome.message and password not in repr(outcome)
    assert classify(outcome).category == "inbox"
    assert password not in repr(settings(1, password=password))


def test_no_login_where_the_server_requires_one_is_refused_at_mail() -> None:
    with SandboxSMTP(users={"anna@jengu.test": "s3cret-Pa55"}) as srv:
        [outcome], _ = asyncio.run(send_all(settings(srv.port), [first_email()]))
    assert (outcome.stage, outcome.code) == ("mail", 530)
    assert classify(outcome).category == "policy"


def test_a_server_echoing_the_credentials_never_gets_them_into_an_outcome() -> None:
    password = "echo-me-Pa55"

    served = asyncio.Event()

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"220 echo ESMTP\r\n")
            while line := await reader.readline():
                if line.upper().startswith(b"EHLO"):
                    writer.write(b"250-echo\r\n250 AUTH PLAIN\r\n")
                elif line.upper().startswith(b"AUTH"):
                    blob = line.split()[-1]
                    writer.write(b"535 5.7.8 refused " + blob + b" = "
                                 + base64.b64decode(blob).replace(b"\0", b" ") + b"\r\n")
                else:
                    writer.write(b"221 bye\r\n")
                    break
        finally:
            writer.close()
            served.set()

    async def main() -> SendOutcome:
        srv = await asyncio.start_server(echo, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        async with srv:
            async with SmtpSession(settings(port, username="anna", password=password)) as session:
                outcome = await session.send(first_email())
            await asyncio.wait_for(served.wait(), 5)
            return outcome

    outcome = asyncio.run(main())
    assert (outcome.stage, outcome.code) == ("auth", 535)
    assert "refused" in outcome.message
    assert password not in outcome.message
    assert base64.b64encode(f"\0anna\0{password}".encode()).decode() not in outcome.message


async def scripted_exchange(at: str, action: str, timeout_seconds: float = 0.3) -> SendOutcome:
    """One send against a bare asyncio server that answers normally until ``at`` ("DATA" for the
    DATA command, "." for the end of the body), where it drops the connection or stalls."""
    done = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"220 scripted ESMTP\r\n")
            in_body = False
            while line := await reader.readline():
                if in_body and line != b".\r\n":
                    continue
                word = "." if in_body else line.split()[0].upper().decode()
                in_body = False
                if word == at:
                    if action == "stall":
                        await reader.read()  # until the client gives up and hangs up
                    break
                reply = {"EHLO": b"250 scripted", "DATA": b"354 go ahead", ".": b"250 queued",
                         "QUIT": b"221 bye"}.get(word, b"250 OK")
                writer.write(reply + b"\r\n")
                in_body = word == "DATA"
        finally:
            writer.close()
            done.set()

    srv = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    async with srv:
        async with SmtpSession(settings(port, timeout_seconds=timeout_seconds)) as session:
            outcome = await session.send(first_email())
        await asyncio.wait_for(done.wait(), 5)
    return outcome


@pytest.mark.parametrize(
    ("at", "action", "maybe", "message"),
    [("DATA", "drop", False, "disconnected"), ("DATA", "stall", False, "timeout"),
     (".", "drop", True, "disconnected"), (".", "stall", True, "timeout")],
    ids=["dropped before the 354: nothing was handed over",
         "no 354 in time: nothing was handed over",
         "dropped after the body: it may have been delivered",
         "no reply after the body in time: it may have been delivered"],
)
def test_only_a_failure_after_the_body_is_maybe_delivered(at: str, action: str, maybe: bool,
                                                          message: str) -> None:
    outcome = asyncio.run(scripted_exchange(at, action))
    assert outcome == SendOutcome(False, "data", None, message, maybe)
    assert classify(outcome).category == ("unknown" if maybe else "inbox")


def test_unsendable_addresses_are_outcomes_without_a_connection(server: SandboxSMTP) -> None:
    emails = [first_email(to="not-an-address"), first_email(to="jörg@hotel.test")]
    outcomes, opened = asyncio.run(send_all(settings(server.port), emails))
    assert [(o.stage, o.code) for o in outcomes] == [("rcpt", None), ("rcpt", None)]
    assert [classify(o).category for o in outcomes] == ["hard", "hard"]
    assert opened == 0


def test_international_domain_goes_out_as_idna(server: SandboxSMTP) -> None:
    [outcome], _ = asyncio.run(send_all(settings(server.port),
                                        [first_email(to="info@hotel-müller.test")]))
    assert outcome.delivered
    assert server.accepted[0].rcpt_tos == ("info@xn--hotel-mller-zhb.test",)
    assert parsed(server.accepted[0])["To"] == "info@xn--hotel-mller-zhb.test"


# -- the server's record -------------------------------------------------------------------------

def test_record_is_written_before_the_250(server: SandboxSMTP) -> None:
    async def main() -> list[tuple[bool, int]]:
        seen = []
        async with SmtpSession(settings(server.port)) as session:
            for i in range(3):
                outcome = await session.send(first_email(to=f"g{i}@hotel.test"))
                assert server.record_path is not None
                seen.append((outcome.delivered, len(read_record(server.record_path))))
        return seen

    assert asyncio.run(main()) == [(True, 1), (True, 2), (True, 3)]


def test_on_accept_runs_before_the_250_and_its_failure_refuses_the_message(tmp_path: Path) -> None:
    calls: list[str | None] = []

    def on_accept(message: AcceptedMessage) -> None:
        calls.append(message.message_id)
        if "fail" in message.rcpt_tos[0]:
            raise RuntimeError("Sent folder unavailable")

    record = tmp_path / "record.jsonl"
    good, bad = first_email(to="ok@hotel.test"), first_email(to="fail@hotel.test")
    with SandboxSMTP(record_path=record, on_accept=on_accept) as srv:
        outcomes, _ = asyncio.run(send_all(settings(srv.port), [good, bad]))
        assert [m.message_id for m in srv.accepted] == [good.message_id]
    assert calls == [good.message_id, bad.message_id]
    assert (outcomes[0].delivered, outcomes[1].code) == (True, 451)
    assert classify(outcomes[1]).category == "soft"
    assert [r["message_id"] for r in read_record(record)] == [good.message_id]


def test_exact_address_rules_override_and_can_be_removed(server: SandboxSMTP) -> None:
    server.set_rule("Manager@Hotel.test", Rule("rcpt", "reply", 550, "5.2.1 Mailbox disabled"))
    [refused], _ = asyncio.run(send_all(settings(server.port), [first_email(to="manager@hotel.test")]))
    server.set_rule("manager@hotel.test", None)
    [accepted], _ = asyncio.run(send_all(settings(server.port), [first_email(to="manager@hotel.test")]))
    assert (refused.code, classify(refused).category) == (550, "hard")
    assert accepted.delivered


# -- TLS -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.parametrize(("tls_mode", "implicit"), [("starttls", False), ("implicit", True)])
def test_tls_modes_deliver(tls_context: ssl.SSLContext, tls_mode: str, implicit: bool) -> None:
    with SandboxSMTP(tls_context=tls_context, implicit_tls=implicit,
                     users={"anna": "s3cret-Pa55"}) as srv:
        [outcome], _ = asyncio.run(send_all(
            settings(srv.port, tls_mode=tls_mode, validate_certs=False, username="anna",
                     password="s3cret-Pa55"), [first_email()]))
    assert outcome.delivered


@pytest.mark.parametrize(("tls_mode", "implicit"), [("starttls", False), ("implicit", True)])
def test_untrusted_certificate_is_a_connect_outcome(tls_context: ssl.SSLContext, tls_mode: str,
                                                    implicit: bool) -> None:
    with SandboxSMTP(tls_context=tls_context, implicit_tls=implicit) as srv:
        [outcome], _ = asyncio.run(send_all(settings(srv.port, tls_mode=tls_mode),
                                            [first_email()]))
        assert srv.accepted == []
    assert (outcome.delivered, outcome.stage, outcome.code) == (False, "connect", None)
    assert "CERTIFICATE_VERIFY_FAILED" in outcome.message


def test_starttls_mode_never_falls_back_to_plain_text(server: SandboxSMTP) -> None:
    [outcome], _ = asyncio.run(send_all(settings(server.port, tls_mode="starttls", username="anna",
                                                 password="s3cret-Pa55"), [first_email()]))
    assert (outcome.stage, outcome.message) == ("connect", "STARTTLS not offered")
    assert server.accepted == []


# -- its own process -----------------------------------------------------------------------------

def test_subprocess_mode_prints_ready_accepts_and_stops_on_sigterm(tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen(
        [sys.executable, "-m", "sandbox.smtp_server", "--port", "0", "--record", str(record)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            ready = proc.stdout.readline().split()
            assert ready[0] == "READY", ready
            port = int(ready[1])
            sent = first_email()
            [outcome], _ = asyncio.run(send_all(settings(port), [sent]))
            assert outcome.delivered
            assert [r["message_id"] for r in read_record(record)] == [sent.message_id]
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
