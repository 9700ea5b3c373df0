"""What a batch of understood messages does to the CRM file, statement-batched per kind: the same
effects as one message at a time, on a real DuckDB file."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from jengu_assets import stages
from jengu_assets.replies.actions import Analysis, Inbound, act, act_many
from jengu_assets.replies.assets import _query, _to_inbound
from jengu_assets.replies.matching import NO_MATCH, Match, match, match_many
from jengu_assets.replies.understanding import understand
from jengu_assets.sending.inboxes import HEALTH_POLICY
from jengu_resources.crm_store import insert_rows
from jengu_resources.notify import render
from sandbox.outbox import deliver_queued, queue_emails, warm_inboxes

SENT = datetime(2026, 11, 16, 10, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc)
PROSPECTS = 60
INBOUND = Path(__file__).parent / "fixtures" / "inbound_realworld"


@pytest.fixture
def sent(crm):
    """60 prospects whose first email went out from one inbox, one sent attempt each."""
    with crm.transaction() as con:
        pids = queue_emails(con, PROSPECTS)
        inbox = warm_inboxes(con, 1, smtp_host="127.0.0.1", smtp_ports=[25])[0]
        deliver_queued(con, inbox, pids, at=SENT, owner="pytest")
        con.execute("UPDATE inboxes SET health_score = 40")
    return inbox


def _rows(crm, sql: str) -> list[tuple]:
    with crm.connect() as con:
        return con.execute(sql).fetchall()


def _found(n: int, inbox: str) -> Match:
    return Match(f"p{n:06d}", f"e{n:06d}-1", inbox, 1, "in_reply_to")


def _message(kind: str, n: int, **fields) -> Inbound:
    return Inbound(id=f"in_{kind}_{n}_{len(fields)}", message_key=f"<{kind}{n}@x>", inbox_id=None,
                   received_at=NOW, from_address=f"guest{n}@hotel.example", subject="Re: hello",
                   kind=kind, **fields)


def _reply(n: int, intent: str, at: datetime = NOW) -> Inbound:
    analysis = Analysis(intent=intent, sentiment="neutral", confidence=0.9, reasoning="",
                        details={}, provider="offline")
    return Inbound(id=f"in_reply_{n}_{intent}", message_key=f"<r{n}{intent}@x>", inbox_id=None,
                   received_at=at, from_address=f"guest{n}@hotel.example", subject="Re: hello",
                   kind="human_reply", reply_text="text", analysis=analysis)


def test_a_mixed_batch(crm, sent):
    inbox = sent
    items = [
        (_message("bounce", 1, bounce_recipient="Guest1@hotel.example", bounce_status="5.1.1",
                  bounce_category="hard"), _found(1, inbox)),
        (_message("bounce", 2, bounce_status="5.1.1", bounce_category="hard"), _found(2, inbox)),
        (_message("bounce", 3, bounce_status="4.2.2", bounce_category="soft"), _found(3, inbox)),
        (_message("bounce", 4, bounce_status="5.7.1", bounce_category="policy"), _found(4, inbox)),
        (_message("bounce", 5, bounce_status="5.7.1", bounce_category="policy"), _found(5, inbox)),
        (_message("bounce", 6, bounce_category="hard"), NO_MATCH),
        (_message("complaint", 7, bounce_recipient="guest7@hotel.example"), _found(7, inbox)),
        (_message("auto_reply", 8, return_date=date(2026, 11, 30)), _found(8, inbox)),
        (_message("auto_reply", 8, return_date=date(2026, 11, 24), reason=None), _found(8, inbox)),
        (_message("auto_reply", 9), _found(9, inbox)),
        (_message("own", 10), NO_MATCH),
        (_message("malformed", 11, reason="not an email"), NO_MATCH),
        (_message("human_reply", 12), NO_MATCH),
        (_reply(13, "interested"), _found(13, inbox)),
    ]
    with crm.transaction() as con:
        outcomes = act_many(con, items, now=NOW, actor="pytest")
    assert [o.status for o in outcomes] == ["processed"] * 5 + ["unmatched", "processed", "processed",
                                                                "processed", "processed", "own",
                                                                "malformed", "unmatched", "processed"]
    assert outcomes[0].actions == ["suppressed gu***@hotel.example"]
    assert outcomes[2].actions[0].startswith("soft bounce noted (4.2.2)")
    assert outcomes[7].actions == ["follow-ups held until 2026-12-01 (back on 2026-11-30)"]
    assert outcomes[9].actions == ["follow-ups held until 2026-11-25 (no return date stated: 7 days)"]
    assert outcomes[11].reason == "not an email"

    suppressed = {r[0]: r[1] for r in _rows(crm, "SELECT email, source FROM suppression_list")}
    assert suppressed == {"guest1@hotel.example": "dsn", "guest2@hotel.example": "dsn",
                          "guest7@hotel.example": "complaint"}
    assert _rows(crm, "SELECT message_id, category, enhanced_status, detail FROM send_attempts "
                          "WHERE category <> 'delivered' ORDER BY message_id") == [
        ("<m1@jengu.test>", "hard", "5.1.1", "bounced after acceptance: 5.1.1"),
        ("<m2@jengu.test>", "hard", "5.1.1", "bounced after acceptance: 5.1.1"),
        ("<m4@jengu.test>", "policy", "5.7.1", None),
        ("<m5@jengu.test>", "policy", "5.7.1", None)]
    assert _rows(crm, "SELECT id FROM emails WHERE status = 'bounced' ORDER BY id") == [
        ("e000001-1",), ("e000002-1",)]
    assert crm.scalar("SELECT health_score FROM inboxes") == max(0, 40 + 2 * HEALTH_POLICY)
    assert _rows(crm, "SELECT alert_type, count(*) FROM alerts GROUP BY 1 ORDER BY 1") == [
        ("complaint", 1), ("sender_policy", 2)]
    holds = dict(_rows(crm, "SELECT id, follow_up_hold_until FROM prospects "
                                "WHERE follow_up_hold_until IS NOT NULL"))
    # The later of the two stated returns wins, whatever their order in the batch.
    assert {k: v.astimezone(timezone.utc).date() for k, v in holds.items()} == {
        "p000008": date(2026, 12, 1), "p000009": date(2026, 11, 25)}
    assert dict(_rows(crm, "SELECT id, stage FROM prospects WHERE stage <> 'sent'")) == {
        "p000001": "suppressed", "p000002": "suppressed", "p000007": "suppressed",
        "p000013": "replied"}


def test_hard_bounces_pause_their_inbox_once(crm, sent):
    inbox = sent
    items = [(_message("bounce", n, bounce_status="5.1.1", bounce_category="hard"), _found(n, inbox))
             for n in range(56, 60)]
    with crm.transaction() as con:
        outcomes = act_many(con, items, now=NOW, actor="pytest")
    # 4 of the last 50 sends bounced: 8% is over 5%, told on the batch's last bounce only.
    assert [any(a.startswith("inbox paused: bounce rate 8.0%") for a in o.actions) for o in outcomes] \
        == [False, False, False, True]
    assert crm.scalar("SELECT paused FROM inboxes") is True
    assert crm.scalar("SELECT count(*) FROM alerts WHERE alert_type = 'inbox_paused'") == 1
    with crm.transaction() as con:   # the same reports again: nothing new
        again = act_many(con, items, now=NOW, actor="pytest")
    assert not any("paused" in a for o in again for a in o.actions)
    assert crm.scalar("SELECT count(*) FROM alerts WHERE alert_type = 'inbox_paused'") == 1


def test_one_message_acts_like_a_batch_of_one(crm, sent):
    with crm.transaction() as con:
        outcome = act(con, _message("auto_reply", 3), _found(3, sent), now=NOW, actor="pytest")
    assert outcome.actions == ["follow-ups held until 2026-11-25 (no return date stated: 7 days)"]


def test_two_replies_of_one_prospect_move_it_step_by_step(crm, sent):
    items = [(_reply(3, "needs_more_info", NOW - timedelta(hours=1)), _found(3, sent)),
             (_reply(3, "meeting_request"), _found(3, sent)),
             (_reply(4, "not_interested"), _found(4, sent))]
    with crm.transaction() as con:
        outcomes = act_many(con, items, now=NOW, actor="pytest")
    assert [a for o in outcomes for a in o.actions if a.startswith("stage")] == [
        "stage sent -> engaged", "stage engaged -> meeting", "stage sent -> lost"]
    assert _rows(crm, "SELECT prospect_id, from_stage, to_stage, reason FROM state_transitions "
                          "WHERE actor = 'pytest' ORDER BY id") == [
        ("p000003", "sent", "engaged", "reply: needs_more_info"),
        ("p000004", "sent", "lost", "reply: not_interested"),
        ("p000003", "engaged", "meeting", "reply: meeting_request")]


def test_address_fallback(crm, sent):
    with crm.transaction() as con:
        # A second, later send to guest5 (step 2): the latest send wins.
        insert_rows(con, "send_ledger", [{
            "prospect_id": "p000005", "sequence_step": 2, "email_id": "e000005-2", "inbox_id": sent,
            "to_email": "guest5@hotel.example", "message_id": "<m5b@jengu.test>", "state": "sent",
            "attempts": 1, "owner": "pytest", "claimed_at": SENT + timedelta(days=1),
            "resolved_at": SENT + timedelta(days=1), "category": "delivered"}])
        con.execute("UPDATE prospects SET email = ' Other@Hotel.example' WHERE id = 'p000009'")
        queries = [
            {"in_reply_to": "<m1@jengu.test>", "original_recipient": "guest2@hotel.example"},
            {"in_reply_to": "<unknown@x>", "original_recipient": "guest2@hotel.example",
             "from_address": "guest3@hotel.example"},
            {"in_reply_to": None, "from_address": " GUEST5@hotel.example "},
            {"in_reply_to": None, "from_address": "other@hotel.example"},
            {"in_reply_to": None, "from_address": "stranger@elsewhere.example"},
            {"in_reply_to": None, "references": ["<a@x>", "<m6@jengu.test>", "<b@x>"]},
            {},
        ]
        found = match_many(con, queries)
        one = match(con, in_reply_to=None, from_address="guest4@hotel.example")
    assert found == [
        Match("p000001", "e000001-1", sent, 1, "in_reply_to"),
        Match("p000002", "e000002-1", sent, 1, "recipient"),
        Match("p000005", "e000005-2", sent, 2, "address"),
        Match("p000009", None, None, None, "address"),
        NO_MATCH,
        Match("p000006", "e000006-1", sent, 1, "references"),
        NO_MATCH,
    ]
    assert one == Match("p000004", "e000004-1", sent, 1, "address")


def test_transition_each(crm, sent):
    with crm.transaction() as con:
        before = stages.transition_each(con, {"p000001": ("engaged", "reply: a"),
                                              "p000002": ("lost", "reply: b")}, actor="pytest")
        assert before == {"p000001": stages.Stage.SENT, "p000002": stages.Stage.SENT}
        with pytest.raises(stages.InvalidTransition, match="p000003"):
            stages.transition_each(con, {"p000004": ("engaged", "x"), "p000003": ("new", "y")})
        with pytest.raises(ValueError, match="needs a reason"):
            stages.transition_each(con, {"p000004": ("engaged", " ")})
        stages.log_creation(con, ["p000010", "p000011"], reason=["from a", "from b"], actor="pytest")
        with pytest.raises(ValueError, match="2 prospects but 1 reasons"):
            stages.log_creation(con, ["p000010", "p000011"], reason=["one"], actor="pytest")
    assert dict(_rows(crm, "SELECT id, stage FROM prospects WHERE id IN ('p000001', 'p000002', "
                               "'p000003', 'p000004') ORDER BY id")) == {
        "p000001": "engaged", "p000002": "lost", "p000003": "sent", "p000004": "sent"}
    assert _rows(crm, "SELECT prospect_id, from_stage, to_stage, reason FROM state_transitions "
                          "WHERE actor = 'pytest' ORDER BY prospect_id") == [
        ("p000001", "sent", "engaged", "reply: a"), ("p000002", "sent", "lost", "reply: b"),
        ("p000010", None, "new", "from a"), ("p000011", None, "new", "from b")]


def test_a_report_placed_only_by_its_recipient(crm, sent):
    """A delivery report no thread header places is tied to the latest send to the recipient it
    names."""
    items = [(_message("bounce", 20, bounce_recipient=" Guest20@Hotel.example", bounce_status="5.1.1",
                       bounce_category="hard"), NO_MATCH)]
    with crm.transaction() as con:
        [outcome] = act_many(con, items, now=NOW, actor="pytest")
    assert outcome.status == "processed" and outcome.actions == ["suppressed gu***@hotel.example"]
    assert _rows(crm, "SELECT message_id, category FROM send_attempts WHERE category <> 'delivered'") \
        == [("<m20@jengu.test>", "hard")]
    assert _rows(crm, "SELECT id FROM emails WHERE status = 'bounced'") == [("e000020-1",)]


DEPARTED = (b"From: Hans Maier <guest{n}@hotel.example>\nTo: anna@jengu.example\n"
            b"Subject: Automatic reply: hello\nMessage-ID: <left{n}@hotel.example>\n"
            b"In-Reply-To: <m{n}@jengu.test>\nAuto-Submitted: auto-replied\n\n")


@pytest.mark.parametrize("body, successor", [
    (b"Hans Maier no longer works at the hotel. Please contact our new sales manager "
     b"Julia Weber at julia.weber@hotel.example.", "julia.weber@hotel.example"),
    (b"Hans Maier hat unser Haus verlassen. Bitte wenden Sie sich an Frau Julia Weber.", None),
    (b"This mailbox is no longer monitored.", None),
])
def test_a_departed_notice_suppresses_the_address_and_follows_its_successor(crm, sent, body,
                                                                            successor):
    understood = understand(DEPARTED.replace(b"{n}", b"7") + body)
    assert understood.kind == "auto_reply" and understood.auto_reply.departed
    with crm.connect() as con:
        found = match_many(con, [_query(understood)])[0]
    assert found.prospect_id == "p000007"
    message = _to_inbound({"id": "in_left", "message_key": understood.parsed.message_key,
                           "inbox_id": None, "received_at": NOW}, understood, None)
    outcomes = []
    for _ in range(2):  # a second run adds nothing
        with crm.transaction() as con:
            outcomes.append(act(con, message, found, now=NOW, actor="pytest"))
    first, again = outcomes
    assert again.actions == ["suppressed gu***@hotel.example: the contact has left"]
    # No hold: every email to the address would get the same notice.
    assert _rows(crm, "SELECT stage, follow_up_hold_until FROM prospects WHERE id = 'p000007'") \
        == [("suppressed", None)]
    assert _rows(crm, "SELECT email, reason FROM suppression_list") == [
        ("guest7@hotel.example", "the contact has left (automatic notice)")]
    delegated = _rows(crm, "SELECT contact_name, email, parent_prospect_id, stage, source "
                           "FROM prospects WHERE parent_prospect_id IS NOT NULL")
    if body.startswith(b"This mailbox"):
        assert delegated == [] and first.actions == again.actions
        return
    assert delegated == [("Julia Weber", successor, "p000007", "new", "delegation")]
    assert first.actions[1].startswith("delegated prospect p_")


def test_a_departed_notice_naming_the_same_address_delegates_to_no_one(crm, sent):
    understood = understand(DEPARTED.replace(b"{n}", b"8") + (
        b"Hans Maier no longer works here. This address stays open: write to "
        b"guest8@hotel.example and reception will answer."))
    message = _to_inbound({"id": "in_same", "message_key": understood.parsed.message_key,
                           "inbox_id": None, "received_at": NOW}, understood, None)
    with crm.transaction() as con:
        outcome = act(con, message, _found(8, sent), now=NOW, actor="pytest")
    assert outcome.actions == ["suppressed gu***@hotel.example: the contact has left"]
    assert _rows(crm, "SELECT count(*) FROM prospects WHERE parent_prospect_id IS NOT NULL") == [(0,)]


def test_a_challenge_notice_holds_follow_ups_and_asks_a_person(crm, sent):
    # A filter service writes from its own address and names the one it holds our email for.
    raw = (INBOUND / "r5_auto_challenge_guest_list_waitlisted.eml").read_bytes().replace(
        b"m.huber@hotel-alpenblick.example", b"guest5@hotel.example")
    understood = understand(raw)
    assert understood.kind == "auto_reply" and understood.auto_reply.challenge
    with crm.connect() as con:
        found = match_many(con, [_query(understood)])[0]
    assert (found.prospect_id, found.matched_by) == ("p000005", "recipient")
    message = _to_inbound({"id": "in_challenge", "message_key": understood.parsed.message_key,
                           "inbox_id": None, "received_at": NOW}, understood, None)
    for _ in range(2):  # a second run adds nothing
        with crm.transaction() as con:
            outcome = act(con, message, found, now=NOW, actor="pytest")
    assert outcome.actions == ["follow-ups held until 2026-11-25 (no return date stated: 7 days)",
                               "notification: reply_challenge"]
    [(kind, pid, payload)] = _rows(crm, "SELECT kind, prospect_id, payload FROM notifications")
    assert (kind, pid) == ("reply_challenge", "p000005")
    # The person who decides needs the link; Jengu itself never follows it.
    assert "https://guestlist.example/request?t=9c21e4b07a" in json.loads(payload)["quote"]
    title, text, fields = render(kind, json.loads(payload))
    assert title.startswith("Sender check") and "never follows" in text
    assert fields["Link"] == "https://guestlist.example/request?t=9c21e4b07a"
    assert _rows(crm, "SELECT stage FROM prospects WHERE id = 'p000005'") == [("sent",)]

    # The follow-up went out after the hold and the filter held it too: nobody confirmed the
    # sender, so the rest of the sequence waits the full cap instead of walking into it again.
    later = NOW + timedelta(days=8)
    second = _to_inbound({"id": "in_challenge_2", "message_key": "<second@filter>",
                          "inbox_id": None, "received_at": later}, understood, None)
    for _ in range(2):
        with crm.transaction() as con:
            outcome = act(con, second, found, now=later, actor="pytest")
    assert outcome.actions == [
        "follow-ups held until 2027-03-06 (the filter held an earlier email too: 100 days)",
        "notification: reply_challenge"]
    assert _rows(crm, "SELECT follow_up_hold_until FROM prospects WHERE id = 'p000005'") == [
        (later + timedelta(days=100),)]
    assert _rows(crm, "SELECT count(*) FROM notifications") == [(2,)]
