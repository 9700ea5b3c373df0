"""The inbound review queue worked by a person: mail stored as the polling sensor stores it, processed
by the replies code, left unmatched or failed, then assigned, retried or dismissed with the
``jengu inbound`` commands (in-process, argparse and all) and processed again, on a real DuckDB file."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timezone

import dagster as dg
import pytest

from jengu.cli import main
from jengu_assets.replies.assets import process_pending
from jengu_assets.replies.polling import inbound_id, store_batch
from jengu_assets.replies.understanding import message_key
from jengu_resources.imap import FetchBatch, FetchedMessage
from jengu_resources.llm import LLM
from sandbox.outbox import deliver_queued, queue_emails, warm_inboxes
from sensors.reply_polling_sensor import reply_polling_sensor

SENT = datetime(2026, 11, 16, 10, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)

# The owner answers from a private address, and the mail client dropped the thread headers.
PRIVATE_REPLY = b"""\
From: Maria Huber <maria.huber.private@mail.example>
To: sender0@jengu-mail.example
Subject: Your note about our rooms
Date: Wed, 18 Nov 2026 11:00:00 +0000
Message-ID: <private-1@mail.example>

Hello, yes, we are interested in this for our hotel.

Maria
"""
# A delivery report that names neither the recipient nor our Message-ID.
BARE_BOUNCE = b"""\
From: Mail Delivery System <MAILER-DAEMON@mx.hotel.example>
To: sender0@jengu-mail.example
Subject: Undelivered Mail Returned to Sender
Date: Wed, 18 Nov 2026 11:05:00 +0000
Message-ID: <bounce-1@mx.hotel.example>
Auto-Submitted: auto-replied

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

550 5.1.1 mailbox unavailable
"""
STOP_PRIVATE = b"""\
From: Maria Huber <maria.huber.private@mail.example>
To: sender0@jengu-mail.example
Subject: Stop
Date: Wed, 18 Nov 2026 11:20:00 +0000
Message-ID: <private-2@mail.example>

Please remove me from your mailing list and do not contact me again.
"""
NEWSLETTER = b"""\
From: Hotel Weekly <news@hotelweekly.example>
To: sender0@jengu-mail.example
Subject: This week in hospitality
Date: Wed, 18 Nov 2026 11:10:00 +0000
Message-ID: <weekly-47@hotelweekly.example>

Ten trends for the winter season.
"""


@pytest.fixture
def sent(crm):
    """Three prospects whose first email went out from one inbox; the inbox polls a closed port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with crm.transaction() as con:
        pids = queue_emails(con, 3)
        inbox = warm_inboxes(con, 1, smtp_host="127.0.0.1", smtp_ports=[25], imap_host="127.0.0.1",
                             imap_port=closed_port, imap_tls_mode="none")[0]
        deliver_queued(con, inbox, pids, at=SENT, owner="pytest")
    return inbox


def _store(crm, inbox: str, *raws: bytes) -> list[str]:
    messages = [FetchedMessage(uid, raw, NOW) for uid, raw in enumerate(raws, start=1)]
    with crm.transaction() as con:
        store_batch(con, inbox, "INBOX", FetchBatch(1, messages, len(raws), False), NOW)
    return [inbound_id(message_key(raw)) for raw in raws]


def _process(crm):
    return process_pending(crm, LLM(), actor="pytest", now=NOW)


def jengu(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def _row(crm, inbound: str) -> dict:
    return crm.query("SELECT status, kind, reason, prospect_id, email_id, matched_by "
                     "FROM inbound_messages WHERE id = ?", [inbound])[0]


def _run_key(instance) -> str | None:
    request = reply_polling_sensor(dg.build_sensor_context(instance=instance))
    return request.run_key if isinstance(request, dg.RunRequest) else None


def test_an_assigned_reply_is_acted_on_for_that_prospect(crm, sent, home, capsys):
    reply, bounce, newsletter = _store(crm, sent, PRIVATE_REPLY, BARE_BOUNCE, NEWSLETTER)
    assert _process(crm).statuses == {"unmatched": 3}
    # Each human reply that matches nobody is told to a person, once: it may be a lead.
    told = crm.query("SELECT dedup_key, prospect_id, payload FROM notifications ORDER BY dedup_key")
    assert sorted(n["dedup_key"] for n in told) == sorted(
        [f"reply_review:{reply}", f"reply_review:{newsletter}"])
    payload = json.loads(next(n for n in told if n["dedup_key"] == f"reply_review:{reply}")["payload"])
    assert (payload["inbound_id"], payload["intent"], told[0]["prospect_id"]) == (reply, "interested", None)

    status, out, _ = jengu(capsys, "inbound", "review")
    assert status == 0 and reply in out and "next: jengu inbound show ID" in out
    status, out, _ = jengu(capsys, "inbound", "show", reply, "--json")
    shown = json.loads(out)
    assert (shown["status"], shown["read_as"]["kind"], shown["read_as"]["intent"]) == (
        "unmatched", "human_reply", "interested")
    assert shown["reviews"] == []

    status, out, _ = jengu(capsys, "inbound", "assign", reply, "p000001")
    assert status == 0 and f"{reply}: unmatched -> new" in out
    status, out, _ = jengu(capsys, "inbound", "assign", bounce, "p000002")
    assert status == 0
    assert _row(crm, reply)["matched_by"] == "person"
    report = _process(crm)
    assert report.processed == 2 and report.statuses == {"processed": 2}

    assert _row(crm, reply) == {"status": "processed", "kind": "human_reply",
                                "reason": None, "prospect_id": "p000001", "email_id": "e000001-1",
                                "matched_by": "person"}
    assert crm.query("SELECT prospect_id, intent FROM replies") == [
        {"prospect_id": "p000001", "intent": "interested"}]
    assert crm.scalar("SELECT stage FROM prospects WHERE id = 'p000001'") == "replied"
    # The bare report is placed by the person: the prospect's own address is suppressed.
    assert _row(crm, bounce)["prospect_id"] == "p000002"
    assert crm.scalar("SELECT count(*) FROM suppression_list WHERE email = 'guest2@hotel.example'") == 1
    assert _row(crm, newsletter)["status"] == "unmatched"

    # Processed mail is out of the queue: assigning it again changes nothing.
    status, _, err = jengu(capsys, "inbound", "assign", reply, "p000000")
    assert status == 2 and f"{reply} is processed, not waiting for review" in err
    assert _process(crm).processed == 0
    assert crm.scalar("SELECT count(*) FROM replies") == 1
    # Once placed, the reply is told as any interested reply is; the review notice is not repeated.
    assert sorted(r["kind"] for r in crm.query("SELECT kind FROM notifications")) == [
        "reply_interest", "reply_review", "reply_review"]
    assert crm.query("SELECT inbound_message_id, action, from_status, prospect_id, actor "
                     "FROM inbound_reviews ORDER BY id") == [
        {"inbound_message_id": reply, "action": "assign", "from_status": "unmatched",
         "prospect_id": "p000001", "actor": crm.scalar("SELECT actor FROM inbound_reviews LIMIT 1")},
        {"inbound_message_id": bounce, "action": "assign", "from_status": "unmatched",
         "prospect_id": "p000002", "actor": crm.scalar("SELECT actor FROM inbound_reviews LIMIT 1")}]
    assert crm.scalar("SELECT actor FROM inbound_reviews LIMIT 1").startswith("cli")

    status, out, _ = jengu(capsys, "inbound", "show", reply)
    assert "matched_by:   person" in out and "(unmatched): assigned to p000001" in out


def test_dismissed_mail_leaves_the_queue_with_its_reason(crm, sent, home, capsys):
    (newsletter,) = _store(crm, sent, NEWSLETTER)
    _process(crm)
    status, out, _ = jengu(capsys, "inbound", "dismiss", newsletter, "--reason", " a   newsletter ")
    assert status == 0 and f"{newsletter}: unmatched -> dismissed" in out
    assert _row(crm, newsletter)["status"] == "dismissed"
    assert _row(crm, newsletter)["reason"] == "dismissed: a newsletter"
    assert "nothing to review" in jengu(capsys, "inbound", "review")[1]
    assert "(unmatched): dismissed: a newsletter" in jengu(capsys, "inbound", "show", newsletter)[1]
    status, _, err = jengu(capsys, "inbound", "retry", newsletter)
    assert status == 2 and "is dismissed, not waiting for review" in err


def test_a_failed_message_is_retried_after_the_fix(crm, sent, home, capsys):
    reply, newsletter = _store(crm, sent, PRIVATE_REPLY, NEWSLETTER)
    with crm.transaction() as con:       # as _write leaves a message whose actions raised
        con.execute("UPDATE inbound_messages SET status = 'failed', attempts = 1, "
                    "reason = 'ConversionException: a bug' WHERE id = ?", [reply])
    status, out, _ = jengu(capsys, "inbound", "review", "--json")
    assert [json.loads(line)["status"] for line in out.splitlines()] == ["failed"]

    status, out, _ = jengu(capsys, "inbound", "retry", "--all-failed")
    assert status == 0 and f"{reply}: failed -> new" in out
    assert _row(crm, reply)["status"] == "new"
    assert _process(crm).statuses == {"unmatched": 2}     # matched again, still by nothing
    assert "no failed inbound message to retry" in jengu(capsys, "inbound", "retry", "--all-failed")[1]


def test_requests_are_all_or_nothing_and_say_what_is_wrong(crm, sent, home, capsys):
    reply, newsletter = _store(crm, sent, PRIVATE_REPLY, NEWSLETTER)
    _process(crm)
    status, _, err = jengu(capsys, "inbound", "assign", reply, "p999999")
    assert status == 2 and "no prospect 'p999999'" in err
    status, _, err = jengu(capsys, "inbound", "dismiss", newsletter, "in_nope", "--reason", "spam")
    assert status == 2 and "no inbound message 'in_nope'" in err
    assert _row(crm, newsletter)["status"] == "unmatched"
    assert crm.scalar("SELECT count(*) FROM inbound_reviews") == 0

    with crm.transaction() as con:       # what retention leaves of an old message
        con.execute("UPDATE inbound_messages SET raw = NULL, raw_dropped_at = ? WHERE id = ?",
                    [NOW, reply])
    status, _, err = jengu(capsys, "inbound", "retry", reply)
    assert status == 2 and "retention dropped its raw message on 2026-11-18" in err
    status, _, err = jengu(capsys, "inbound", "show", reply, "--raw")
    assert status == 2 and "dropped the raw bytes" in err
    assert "raw bytes dropped by retention" in jengu(capsys, "inbound", "show", reply)[1]
    assert jengu(capsys, "inbound", "dismiss", reply, "--reason", "too old to place")[0] == 0


def test_show_raw_gives_back_the_stored_bytes(crm, sent, home, capsysbinary):
    (reply,) = _store(crm, sent, PRIVATE_REPLY)
    assert main(["inbound", "show", reply, "--raw"]) == 0
    assert capsysbinary.readouterr().out == PRIVATE_REPLY


def test_mail_sent_back_from_review_asks_for_a_new_processing_run(crm, sent, home):
    (reply,) = _store(crm, sent, PRIVATE_REPLY)
    with dg.instance_for_test() as instance:
        first = _run_key(instance)
        assert first is not None and _run_key(instance) == first    # a repeated tick: the same run
        _process(crm)
        assert _run_key(instance) is None                             # nothing new
        with crm.transaction() as con:
            from jengu_assets.replies import review
            review.assign(con, reply, "p000000", actor="pytest", now=NOW)
        again = _run_key(instance)
        assert again is not None and again != first


def test_an_unplaced_request_to_unsubscribe_suppresses_its_sender(crm, sent, home):
    (stop,) = _store(crm, sent, STOP_PRIVATE)
    _process(crm)
    assert _row(crm, stop)["status"] == "unmatched"
    assert crm.query("SELECT email, source FROM suppression_list") == [
        {"email": "maria.huber.private@mail.example", "source": "reply"}]
    assert crm.scalar("SELECT count(*) FROM notifications WHERE kind = 'reply_review'") == 1
