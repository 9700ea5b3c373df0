"""follow_up_emails materialised in-process against a real DuckDB file, and its schedule.

Prospects, research reports and sent first emails are seeded directly (sending is not run), with
send times relative to the real clock, since the asset judges what is due at the time it runs.
The LLM chain runs offline (templates); ``SpamChecker(port=0)`` scores with the heuristic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

from jengu_assets.composition import gates
from jengu_assets.composition.follow_up_assets import follow_up_emails
from jengu_assets.composition.follow_ups import Kind, due_step, follow_up_email, thread_subject
from jengu_assets.composition.footer import OPT_OUT_LINE, without_footer
from jengu_assets.research.models import ResearchItem, ResearchReport
from jengu_resources.crm_store import CRMStore, insert_rows
from jengu_resources.llm import LLM
from jengu_resources.spamd import SpamChecker
from sensors.schedules import follow_up_schedule

NOW = datetime.now(UTC)
FIRST_DAY = (NOW - timedelta(days=16)).date()
PARTITION = FIRST_DAY.isoformat()


def _report(pid: str, language: str) -> ResearchReport:
    return ResearchReport(
        prospect_id=pid, company_name=f"Hotel {pid}", country="GB", language=language,
        contact_name="Anna Smith", found_via="your Front Desk Manager posting on Indeed",
        items=[
            ResearchItem(kind="pain_signal", text=f"No direct booking engine found on {pid}.example",
                         source=f"https://{pid}.example/", signal="no_booking_engine",
                         host=f"{pid}.example"),
            ResearchItem(kind="hiring_signal", text="Hiring a Front Desk Manager",
                         source=f"job posting adzuna:{pid}", role="Front Desk Manager"),
        ],
    )


# (id, language, days since the first send, first email status, follow-up steps already written)
THREADS: list[tuple[str, str, float, str, list[int]]] = [
    ("p_due", "en", 3.5, "sent", []),
    ("p_de", "de", 4, "sent", []),
    ("p_early", "en", 1, "sent", []),
    ("p_replied", "en", 4, "sent", []),
    ("p_bounced", "en", 4, "bounced", []),
    ("p_sup", "en", 4, "sent", []),
    ("p_hold", "en", 4, "sent", []),
    ("p_angle", "en", 8, "sent", [2]),
    ("p_break", "en", 15, "sent", [2, 3]),
]


def _email(pid: str, step: int, *, day, status: str, sent_at: datetime | None) -> dict[str, Any]:
    return {"id": f"e_{pid}_{step}", "prospect_id": pid, "sequence_step": step,
            "kind": "outreach" if step == 1 else "follow_up",
            "subject": "A question for Hotel" if step == 1 else "Re: A question for Hotel",
            "body": "seeded", "to_email": f"{pid}@hotel.example", "status": status,
            "message_id": f"<{pid}.{step}@jengu.example>" if sent_at else None,
            "sent_at": sent_at, "composed_on": day}


def _seed(crm: CRMStore) -> None:
    prospects, reports, emails = [], [], []
    for pid, language, age, status, steps in THREADS:
        prospects.append({
            "id": pid, "company_name": f"Hotel {pid}", "email": f"{pid}@hotel.example",
            "country": "GB", "name_key": pid, "tier": "hot", "source": "csv",
            "source_ref": "seed", "discovered_on": FIRST_DAY, "stage": "contacted",
            "email_sendable": True,
            "follow_up_hold_until": NOW + timedelta(days=2) if pid == "p_hold" else None,
        })
        reports.append({"id": f"r_{pid}", "prospect_id": pid, "partition_date": FIRST_DAY,
                        "report": _report(pid, language).model_dump_json()})
        sent = NOW - timedelta(days=age)
        emails.append(_email(pid, 1, day=FIRST_DAY, status=status, sent_at=sent))
        for step in steps:
            emails.append(_email(pid, step, day=FIRST_DAY, status="sent",
                                 sent_at=sent + timedelta(days=step)))
    with crm.transaction() as con:
        insert_rows(con, "prospects", prospects)
        insert_rows(con, "research_reports", reports)
        insert_rows(con, "emails", emails)
        con.execute("INSERT INTO replies (id, inbound_message_id, prospect_id, from_email) "
                    "VALUES ('y1', 'm1', 'p_replied', 'p_replied@hotel.example')")
        con.execute("INSERT INTO suppression_list (email, reason) "
                    "VALUES ('p_sup@hotel.example', 'unsubscribed')")


def _materialize(crm: CRMStore, partition: str = PARTITION) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [follow_up_emails], partition_key=partition,
        resources={"crm": crm, "llm": LLM(), "spam_checker": SpamChecker(port=0)},
    )


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    [event] = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _follow_ups(crm: CRMStore) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in crm.query(
        "SELECT * FROM emails WHERE kind = 'follow_up' AND body <> 'seeded'")}


def test_due_step_plan():
    sent = datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert due_step(sent, 1, sent + timedelta(days=2, hours=23)) is None
    assert due_step(sent, 1, sent + timedelta(days=3)) == 2
    assert due_step(sent, 2, sent + timedelta(days=6)) is None
    assert due_step(sent, 2, sent + timedelta(days=7)) == 3
    assert due_step(sent, 1, sent + timedelta(days=20)) == 2  # one step at a time
    assert due_step(sent, 3, sent + timedelta(days=14)) == 4
    assert due_step(sent, 4, sent + timedelta(days=60)) is None
    assert thread_subject("Re: RE: A question") == "Re: A question"


def test_offline_templates_pass_the_text_gates_in_every_language():
    for language in ("en", "de", "fr", "es", "it", "nl"):
        report = _report("p_x", language)
        facts = [gates.Fact(t, s) for t, s in report.facts()]
        for kind in Kind:
            draft = follow_up_email(report, kind)
            assert draft.body.startswith(("Hi Anna,", "Hallo Anna", "Bonjour Anna", "Hola Anna",
                                          "Buongiorno Anna"))
            for result in (gates.length("Re: A question", draft.body),
                           gates.readability(draft.body), gates.claims(draft.body, facts),
                           gates.links(draft.body), gates.placeholders("x y", draft.body)):
                assert result.passed, (language, kind, result.reason)
            if kind is not Kind.BREAK_UP:
                # The fact is said in the email's language (Dutch has no template: English).
                english = language in ("en", "nl")
                assert draft.facts_used and (("booking engine" in draft.body
                                              or "Hiring" in draft.body) is english)
    assert follow_up_email(_report("p_x", "en"), Kind.BREAK_UP).facts_used == []


def test_due_steps_are_written_in_the_thread_once(crm: CRMStore):
    _seed(crm)
    result = _materialize(crm)
    assert result.success
    written = _follow_ups(crm)
    assert set(written) == {"e_p_due_2", "e_p_de_2", "e_p_angle_3", "e_p_break_4"}
    for row in written.values():
        pid = row["prospect_id"]
        assert row["status"] == "queued" and row["hold_reason"] is None
        assert row["kind"] == "follow_up" and row["composed_on"] == FIRST_DAY
        assert row["subject"] == "Re: A question for Hotel"
        assert row["in_reply_to"] == f"<{pid}.1@jengu.example>"
        assert row["to_email"] == f"{pid}@hotel.example" and row["llm_provider"] == "offline"
        assert OPT_OUT_LINE in row["body"]
    assert written["e_p_due_2"]["references_header"] == "<p_due.1@jengu.example>"
    assert written["e_p_break_4"]["references_header"] == " ".join(
        f"<p_break.{n}@jengu.example>" for n in (1, 2, 3))
    assert written["e_p_de_2"]["body"].startswith("Hallo Anna Smith,")
    # The break-up is short and states no research fact.
    breakup = without_footer(written["e_p_break_4"]["body"])
    assert "last email" in breakup and "booking engine" not in breakup
    assert gates.word_count(breakup) < 90

    moves = crm.query("SELECT prospect_id, from_stage, to_stage, reason FROM state_transitions")
    assert sorted((m["prospect_id"], m["reason"]) for m in moves) == [
        ("p_angle", "follow-up step 3 queued"), ("p_break", "follow-up step 4 queued"),
        ("p_de", "follow-up step 2 queued"), ("p_due", "follow-up step 2 queued")]
    assert {(m["from_stage"], m["to_stage"]) for m in moves} == {("contacted", "contacted")}

    meta = _metadata(result)
    assert meta["by_step"] == {"step 2": 2, "step 3": 1, "step 4": 1}
    assert meta["skipped_by_reason"] == {"bounced": 1, "not due yet": 1, "on hold": 1,
                                         "replied": 1, "suppressed": 1}

    # A re-run of the partition writes no step twice and logs no second move.
    again = _materialize(crm)
    assert again.success and _metadata(again)["written"] == 0
    assert set(_follow_ups(crm)) == set(written)
    assert crm.scalar("SELECT count(*) FROM state_transitions") == 4
    assert crm.scalar("SELECT count(*) FROM emails") == len(THREADS) + 3 + len(written)


def test_schedule_requests_each_recent_day_with_sent_first_emails(crm: CRMStore):
    _seed(crm)
    old_day = (NOW - timedelta(days=30)).date()
    unsent_day = (NOW - timedelta(days=5)).date()
    with crm.transaction() as con:
        insert_rows(con, "emails", [
            _email("p_old", 1, day=old_day, status="sent", sent_at=NOW - timedelta(days=29)),
            _email("p_unsent", 1, day=unsent_day, status="queued", sent_at=None),
        ])
    tick = NOW.replace(hour=10, minute=0, second=0, microsecond=0)
    keys = []
    for _ in range(2):
        with dg.build_schedule_context(scheduled_execution_time=tick) as context:
            requests = follow_up_schedule(context)
        assert [r.partition_key for r in requests] == [PARTITION]
        keys.append([r.run_key for r in requests])
    assert keys[0] == keys[1] == [f"{PARTITION}@{tick.date().isoformat()}"]

    # A second tick of the same day runs the partition again, which then writes nothing new.
    assert _materialize(crm).success and _materialize(crm).success
    assert len(_follow_ups(crm)) == 4
