"""`jengu inbox`, `jengu emergency-stop` and `jengu sends` as an operator runs them: the jengu
entry point in-process (argparse and all) against a real DuckDB file under an isolated JENGU_HOME."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from jengu.cli import main
from jengu_assets.sending import ledger
from jengu_assets.sending.inboxes import InboxConfigError, add_inbox
from sandbox.outbox import queue_emails


def jengu(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_inbox_add_list_pause_resume(home, crm, capsys, monkeypatch):
    monkeypatch.setenv("SENDER_ONE_PASSWORD", "hunter2-never-printed")
    start = (date.today() - timedelta(days=8)).isoformat()          # warm-up week 2: 10 a day
    status, out, _ = jengu(capsys, "inbox", "add", "One@Jengu.example", "--smtp-host", "smtp.example",
                           "--smtp-port", "587", "--password-env", "SENDER_ONE_PASSWORD",
                           "--warmup-start", start, "--display-name", "Anna from Jengu")
    assert status == 0 and "SENDER_ONE_PASSWORD" in out
    status, out, _ = jengu(capsys, "inbox", "list", "--json")
    row = json.loads(out)
    assert row["email"] == "one@jengu.example" and row["status"] == "active"
    assert (row["sent_today"], row["cap_today"], row["remaining"], row["warmup_week"]) == (0, 10, 10, 2)
    assert "hunter2" not in out
    assert crm.scalar("SELECT password_env FROM inboxes") == "SENDER_ONE_PASSWORD"

    assert jengu(capsys, "inbox", "pause", "one@jengu.example", "--reason", "provider warning")[0] == 0
    _, out, _ = jengu(capsys, "inbox", "list")
    assert "paused: provider warning" in out
    assert jengu(capsys, "inbox", "resume", "one@jengu.example")[0] == 0
    _, out, _ = jengu(capsys, "inbox", "list", "--json")
    assert json.loads(out)["status"] == "active"


def test_inbox_add_refuses_bad_settings(home, crm, capsys):
    status, _, err = jengu(capsys, "inbox", "add", "x@jengu.example", "--smtp-host", "h",
                           "--smtp-port", "25", "--password-env", "not a name!")
    assert status == 2 and "NAME of the variable" in err
    status, _, err = jengu(capsys, "inbox", "add", "x@jengu.example", "--smtp-host", "h",
                           "--smtp-port", "25", "--ramp", "5,0")
    assert status == 2 and "ramp" in err
    with pytest.raises(SystemExit) as refused:
        jengu(capsys, "inbox", "add", "x@jengu.example", "--smtp-host", "h",
              "--smtp-port", "993", "--imap-port", "70000")
    assert refused.value.code == 2
    assert "argument --imap-port: 70000 is not a port" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        jengu(capsys, "inbox", "add", "x@jengu.example", "--smtp-host", "h",
              "--smtp-port", "25", "--daily-cap", "0")
    assert "argument --daily-cap: 0 is below 1" in capsys.readouterr().err
    with pytest.raises(InboxConfigError, match="SMTP port 0 is not between 1 and 65535"):
        with crm.transaction() as con:
            add_inbox(con, email="x@jengu.example", smtp_host="h", smtp_port=0)
    status, _, err = jengu(capsys, "inbox", "pause", "nobody@jengu.example", "--reason", "x")
    assert status == 2 and "no inbox" in err


def test_inbox_without_password_and_gap_says_so(home, crm, capsys):
    status, out, _ = jengu(capsys, "inbox", "add", "relay@jengu.example", "--smtp-host", "h",
                           "--smtp-port", "25", "--tls", "none", "--min-gap", "0")
    assert status == 0 and "no password" in out
    assert crm.scalar("SELECT min_gap_seconds FROM inboxes") == 0   # a 0 is kept, not defaulted


def test_emergency_stop_round_trip(home, crm, capsys):
    assert "off" in jengu(capsys, "emergency-stop", "status")[1]
    status, out, _ = jengu(capsys, "emergency-stop", "on", "--reason", "complaint spike")
    assert status == 0 and "ON" in out and "complaint spike" in out
    with crm.connect() as con:
        assert ledger.emergency_stop(con)["reason"] == "complaint spike"
    status, out, _ = jengu(capsys, "sends", "run", "--json")
    assert status == 0 and "complaint spike" in json.loads(out)["emergency_stop"]
    assert "off" in jengu(capsys, "emergency-stop", "off")[1]


def test_sends_review_and_resolve(home, crm, capsys):
    with crm.transaction() as con:
        queue_emails(con, 1)
        con.execute(
            "INSERT INTO send_ledger (prospect_id, sequence_step, email_id, inbox_id, to_email, "
            "message_id, state, owner, claimed_at, category, detail) VALUES ('p000000', 1, "
            "'e000000-1', 'i', 'guest0@hotel.example', '<u1@x>', 'unknown', 'gone:1:x', now(), "
            "'unknown', 'the sending process stopped')")
        con.execute("UPDATE emails SET status = 'unknown', message_id = '<u1@x>'")
        con.execute("UPDATE prospects SET stage = 'sending'")
    status, out, _ = jengu(capsys, "sends", "review", "--json")
    assert status == 0 and json.loads(out)["message_id"] == "<u1@x>"
    assert jengu(capsys, "sends", "resolve", "<u1@x>", "--delivered")[0] == 0
    assert crm.scalar("SELECT state FROM send_ledger") == "sent"
    assert crm.scalar("SELECT stage FROM prospects") == "sent"
    assert crm.scalar("SELECT status FROM emails") == "sent"
    assert "no unknown sends" in jengu(capsys, "sends", "review")[1]
    status, _, err = jengu(capsys, "sends", "resolve", "<u1@x>", "--not-delivered")
    assert status == 2 and "not an unknown send" in err


def test_inbound_review_lists_unmatched_mail(home, crm, capsys):
    with crm.transaction() as con:
        con.execute("INSERT INTO inbound_messages (id, message_key, raw, size_bytes, status, kind, "
                    "from_email, subject, reason) VALUES ('in_1', '<x@y>', 'raw', 3, 'unmatched', "
                    "'human_reply', 'who@else.example', 'Hello?', 'no thread or address match')")
    status, out, _ = jengu(capsys, "inbound", "review", "--json")
    assert status == 0 and json.loads(out)["id"] == "in_1"
    assert "no thread or address match" in jengu(capsys, "inbound", "review")[1]


def test_sends_run_on_a_compressed_clock(home, crm, capsys, monkeypatch):
    from sandbox.outbox import warm_inboxes
    from sandbox.smtp_server import SandboxSMTP

    monkeypatch.setenv("JENGU_HELD_COUNTRIES", "DE=allow")   # the outbox's zones include Berlin
    monkeypatch.setenv("JENGU_SEND_SKIP_PROBABILITY", "0")
    monkeypatch.setenv("JENGU_SEND_SEED", "3")
    with SandboxSMTP() as smtp:
        with crm.transaction() as con:
            queue_emails(con, 6, zones=(("DE", "Berlin", "Europe/Berlin"),))
            warm_inboxes(con, 2, smtp_host=smtp.host, smtp_ports=[smtp.port], min_gap_seconds=300)
        # Wednesday 10:00 UTC: business hours in Berlin.
        status, out, _ = jengu(capsys, "sends", "run", "--at", "2026-11-18T10:00", "--ticks", "4",
                               "--json")
        accepted = smtp.accepted
    ticks = [json.loads(line) for line in out.splitlines()]
    assert status == 0 and len(ticks) == 4
    # Paced: at most one send per inbox in each 5-minute tick, all six within the four ticks.
    assert all(t["sent"] <= 2 for t in ticks) and sum(t["sent"] for t in ticks) == 6
    assert [t["tick_at"] for t in ticks] == [
        f"2026-11-18T10:{m:02d}:00+00:00" for m in (0, 5, 10, 15)]
    assert len({m.message_id for m in accepted}) == len(accepted) == 6
    assert crm.scalar("SELECT count(*) FROM send_ledger WHERE state = 'sent'") == 6


def test_sends_run_refuses_ticks_on_the_real_clock(home, capsys):
    status, _, err = jengu(capsys, "sends", "run", "--ticks", "3")
    assert status == 2 and "--ticks needs --at" in err
    with pytest.raises(SystemExit) as refused:
        jengu(capsys, "sends", "run", "--at", "2026-11-18T10:00", "--ticks", "0")
    assert refused.value.code == 2
    assert "argument --ticks: 0 is below 1" in capsys.readouterr().err
