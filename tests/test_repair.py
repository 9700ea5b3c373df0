"""The repairs, the repair job and ``jengu repair`` on real DuckDB CRM files.

Real parts: a store written by the seeded generator (``benchmarks/integrity_store.py``, ~2,000
prospects, built once and copied into each test's JENGU_HOME), the integrity findings run against
it, the stage machine, the Dagster job executed in process, and the CLI's ``main``. Faults are
injected by the generator or written here by hand; no repair is judged by its own plan alone but by
what the checks report afterwards and by the rows themselves.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from benchmarks.integrity_store import build, inject_faults
from jengu_assets.integrity import repair
from jengu_assets.integrity.findings import FAULT_KINDS, find, find_all
from jengu_assets.integrity.repair_job import repair_job
from jengu_assets.stages import ALLOWED, TRANSIENT
from jengu_resources.crm_store import CRMStore, fetch_dicts

NOW = datetime.now(UTC).replace(microsecond=0)
PROSPECTS = 2000


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    """A clean store and one with every kind of fault, built once for the module."""
    root = tmp_path_factory.mktemp("integrity_store")
    clean = CRMStore(path=str(root / "clean.duckdb"))
    build(clean, PROSPECTS, seed=11, now=NOW)
    shutil.copy(root / "clean.duckdb", root / "faulty.duckdb")
    faulty = CRMStore(path=str(root / "faulty.duckdb"))
    injected = inject_faults(faulty, seed=11, now=NOW)
    (root / "injected.json").write_text(json.dumps(injected))
    for store in (clean, faulty):
        with store.connect() as con:
            con.execute("CHECKPOINT")
    return {"clean": root / "clean.duckdb", "faulty": root / "faulty.duckdb",
            "injected": root / "injected.json"}


def _copy(template: Path, crm: CRMStore) -> CRMStore:
    shutil.copy(template, crm.db_path)
    return crm


@pytest.fixture
def clean(templates, crm) -> CRMStore:
    return _copy(templates["clean"], crm)


@pytest.fixture
def faulty(templates, crm) -> CRMStore:
    return _copy(templates["faulty"], crm)


def counts(store: CRMStore) -> dict[str, int]:
    with store.connect() as con:
        return {kind: f.count for kind, f in find_all(con, now=NOW).items()}


def fingerprint(store: CRMStore) -> dict[str, tuple]:
    """Every table's row count and a hash of all its rows: equal means nothing changed."""
    with store.connect() as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return {t: con.execute(f"SELECT count(*), bit_xor(hash(CAST(to_json(x) AS VARCHAR))) "
                               f"FROM {t} x").fetchall()[0] for t in tables}


def steps_of(plan: repair.Plan, action: str, target: str) -> list[str]:
    return [i for s in plan.steps if s.action == action and s.target == target for i in s.ids]


# -- the generator stays honest -----------------------------------------------------------------


def test_generated_store_is_clean_and_its_faults_are_found_exactly(templates):
    """Zero findings of any kind before injection; afterwards exactly the counts it promises, for
    every kind the checks know."""
    assert set(counts(CRMStore(path=str(templates["clean"])))).issuperset(FAULT_KINDS)
    assert {k: n for k, n in counts(CRMStore(path=str(templates["clean"]))).items() if n} == {}
    injected = json.loads(templates["injected"].read_text())
    assert set(injected) == set(FAULT_KINDS)
    assert counts(CRMStore(path=str(templates["faulty"]))) == injected


# -- orphans --------------------------------------------------------------------------------------


def test_orphans_dry_run_lists_them_and_changes_nothing(faulty):
    before = fingerprint(faulty)
    (plan,) = repair.run_repairs(faulty, apply=False, only=["orphans"], now=NOW)
    assert fingerprint(faulty) == before
    assert not plan.applied
    assert steps_of(plan, "delete", "emails") == [f"e_gone_{j}" for j in range(7)]
    assert steps_of(plan, "delete", "send_ledger") == [f"<orphan-l{j}@jengu-mail.example>" for j in range(4)]
    assert steps_of(plan, "delete", "send_attempts") == [f"<orphan-l{j}@jengu-mail.example>" for j in range(7)]
    assert steps_of(plan, "delete", "replies") == [f"rp_in_gone_{j}" for j in range(3)]
    assert steps_of(plan, "unmatch", "inbound_messages") == [f"in_gone_{j}" for j in range(3)]
    assert steps_of(plan, "delete", "research_reports") == [f"rr_gone_{j}" for j in range(5)]
    assert plan.changes == 7 + 4 + 7 + 3 + 3 + 5


def test_orphans_apply_leaves_a_trace_and_is_idempotent(faulty):
    before = counts(faulty)
    (plan,) = repair.run_repairs(faulty, apply=True, only=["orphans"], now=NOW, by="test")
    assert plan.applied
    after = counts(faulty)
    for kind in ("orphan_email", "orphan_ledger", "orphan_reply", "orphan_research"):
        assert after[kind] == 0, kind
    assert {k: n for k, n in after.items() if not k.startswith("orphan_")} == \
        {k: n for k, n in before.items() if not k.startswith("orphan_")}
    # Every deleted delivery record is kept: which address, which Message-ID, from which inbox.
    logged = fetch_dicts_from(faulty, "SELECT table_name, row_key, message_id, row_data, actor "
                                      "FROM repair_log WHERE table_name = 'send_ledger' ORDER BY row_key")
    assert [r["message_id"] for r in logged] == [f"<orphan-l{j}@jengu-mail.example>" for j in range(4)]
    assert json.loads(logged[0]["row_data"])["to_email"] == "gone-l0@nowhere.example"
    assert logged[0]["row_key"] == "gone-l0:1" and logged[0]["actor"] == "test"
    emails = fetch_dicts_from(faulty, "SELECT row_data FROM repair_log WHERE table_name = 'emails'")
    assert len(emails) == 7 and "body" not in json.loads(emails[0]["row_data"])
    inbound = fetch_dicts_from(faulty, "SELECT status, prospect_id, reason FROM inbound_messages "
                                       "WHERE id = 'in_gone_0'")[0]
    assert inbound["status"] == "unmatched" and inbound["prospect_id"] is None
    assert "gone-r0 no longer exists" in inbound["reason"]

    snapshot = fingerprint(faulty)
    (again,) = repair.run_repairs(faulty, apply=True, only=["orphans"], now=NOW)
    assert again.steps == [] and fingerprint(faulty) == snapshot


def test_recent_orphan_sends_are_left_for_later(clean):
    with clean.transaction() as con:
        con.execute("""INSERT INTO send_attempts (message_id, prospect_id, sequence_step, attempt,
                           inbox_id, to_email, claimed_at, state, category)
                       VALUES ('<fresh@x>', 'gone-now', 1, 1, 'ib00000', 'a@b.example', ?, 'sent',
                               'delivered')""", [NOW - timedelta(hours=5)])
    (plan,) = repair.run_repairs(clean, apply=True, only=["orphans"], now=NOW)
    assert steps_of(plan, "leave", "send_attempts") == ["<fresh@x>"] and plan.changes == 0
    assert counts(clean)["orphan_ledger"] == 1
    (later,) = repair.run_repairs(clean, apply=True, only=["orphans"], now=NOW + timedelta(days=4))
    assert steps_of(later, "delete", "send_attempts") == ["<fresh@x>"]


# -- duplicates -----------------------------------------------------------------------------------


def add_prospect(con, pid: str, *, email: str, stage: str, name: str, score: int | None = None,
                 created: datetime = NOW - timedelta(days=40), parent: str | None = None) -> None:
    con.execute(
        "INSERT INTO prospects (id, company_name, email, city, name_key, city_key, tier, source, "
        "source_ref, discovered_on, stage, stage_changed_at, created_at, behaviour_score, "
        "parent_prospect_id, contact_name, phone) VALUES (?, ?, ?, 'Paris', ?, 'paris', 'warm', 'csv', "
        "'t', ?, ?, ?, ?, ?, ?, 'Ann', ?)",
        [pid, name, email, name.lower(), created.date(), stage, created, created, score, parent,
         None if stage == "new" else "+33 1"])
    con.execute("INSERT INTO state_transitions (prospect_id, from_stage, to_stage, reason, changed_at) "
                "VALUES (?, NULL, 'new', 'discovered', ?)", [pid, created])


def add_send(con, pid: str, step: int, state: str, *, email_status: str | None = None,
             at: datetime = NOW - timedelta(days=30)) -> str:
    """An email for the step with its ledger row and attempt in ``state``; returns the Message-ID."""
    message_id = f"<{pid}.{step}@jengu-mail.example>"
    sent = state == "sent"
    con.execute(
        "INSERT INTO emails (id, prospect_id, sequence_step, subject, body, to_email, inbox_id, status, "
        "message_id, sent_at, created_at) VALUES (?, ?, ?, 's', 'b', 'x@hotel.example', 'ib00000', ?, ?, ?, ?)",
        [f"e-{pid}-{step}", pid, step, email_status or ("sent" if sent else "queued"), message_id,
         at if sent else None, at])
    for table, extra in (("send_ledger", ", email_id, owner, attempts"), ("send_attempts", ", attempt")):
        values = [f"e-{pid}-{step}", "test", 1] if table == "send_ledger" else [1]
        con.execute(
            f"INSERT INTO {table} (prospect_id, sequence_step, inbox_id, to_email, message_id, state, "
            f"claimed_at, category{extra}) VALUES (?, ?, 'ib00000', 'x@hotel.example', ?, ?, ?, ?"
            f"{', ?' * len(values)})",
            [pid, step, message_id, state, at, "delivered" if sent else "soft", *values])
    return message_id


def test_merge_keeps_the_best_record_and_every_reference(clean):
    with clean.transaction() as con:
        # The survivor got further (replied); the loser is older and queued, same address.
        add_prospect(con, "s", email="ann@hotel-x.example", stage="replied", name="Hotel X", score=70,
                     created=NOW - timedelta(days=10))
        add_prospect(con, "l", email="Ann@Hotel-X.example", stage="queued", name="Hotel X Paris")
        s1 = add_send(con, "s", 1, "sent")
        l1 = add_send(con, "l", 1, "failed")             # conflicts with the survivor's delivery
        s2 = add_send(con, "s", 2, "failed")             # conflicts with the loser's delivery
        l2 = add_send(con, "l", 2, "sent", at=NOW - timedelta(days=20))
        l3 = add_send(con, "l", 3, "sent", at=NOW - timedelta(days=15))
        con.execute("INSERT INTO emails (id, prospect_id, sequence_step, subject, status) "
                    "VALUES ('draft-l-1', 'l', 1, 'never sent', 'queued')")
        con.execute("INSERT INTO research_reports (id, prospect_id, partition_date, report) "
                    "VALUES ('rr-l', 'l', current_date, '{}')")
        con.execute("INSERT INTO inbound_messages (id, message_key, raw, size_bytes, status, prospect_id) "
                    "VALUES ('in-l', 'k-l', 'x'::BLOB, 1, 'processed', 'l')")
        con.execute("INSERT INTO replies (id, inbound_message_id, prospect_id, from_email) "
                    "VALUES ('rp-l', 'in-l', 'l', 'ann@hotel-x.example')")
        con.execute("INSERT INTO prospect_sources (source_key, prospect_id, kind, ref, discovered_on) "
                    "VALUES ('csv:l', 'l', 'csv_row', 'r', current_date)")
        for pid in ("s", "l"):
            con.execute("INSERT INTO failed_tasks (task, prospect_id, error) VALUES ('research', ?, 'e')",
                        [pid])
        con.execute("INSERT INTO failed_tasks (task, prospect_id, error) VALUES ('enrich', 'l', 'e')")
        con.execute("INSERT INTO llm_calls (provider, model, task, prospect_id, status) "
                    "VALUES ('offline', 'rules', 'first_email', 'l', 'ok')")
        con.execute("INSERT INTO notifications (kind, prospect_id) VALUES ('reply', 'l')")
        con.execute("INSERT INTO job_postings (id, source, external_id, title, discovered_on, prospect_id) "
                    "VALUES ('jp', 'adzuna', '1', 'Receptionist', current_date, 'l')")
        add_prospect(con, "colleague", email="bob@hotel-x.example", stage="new", name="Hotel Colleague",
                     parent="l")
    assert counts(clean)["duplicate_email"] == 1

    before = fingerprint(clean)
    (dry,) = repair.run_repairs(clean, apply=False, only=["duplicates"], now=NOW)
    assert fingerprint(clean) == before
    assert steps_of(dry, "merge", "prospects") == ["l"]
    assert steps_of(dry, "delete", "send_ledger") == [l1, s2]
    # Drafts and retries-in-waiting of a step that went out are dead: dropped, from either side.
    assert steps_of(dry, "delete", "emails") == ["draft-l-1", "e-l-1", "e-s-2"]
    assert "stage replied is further than queued" in dry.steps[0].reason

    (plan,) = repair.run_repairs(clean, apply=True, only=["duplicates"], now=NOW, by="test")
    assert plan.as_dict() == {**dry.as_dict(), "applied": True}
    after = counts(clean)
    assert after["duplicate_email"] == 0 and after["duplicate_name_city"] == 0
    rows = fetch_dicts_from(clean, "SELECT * FROM prospects WHERE id IN ('s', 'l', 'colleague') ORDER BY id")
    assert [r["id"] for r in rows] == ["colleague", "s"]
    assert rows[0]["parent_prospect_id"] == "s"
    # One ledger row per step, the delivered one wherever it came from; every attempt kept.
    ledger = fetch_dicts_from(clean, "SELECT sequence_step, message_id, state FROM send_ledger "
                                     "WHERE prospect_id = 's' ORDER BY 1")
    assert [(r["sequence_step"], r["message_id"], r["state"]) for r in ledger] == \
        [(1, s1, "sent"), (2, l2, "sent"), (3, l3, "sent")]
    attempts = fetch_dicts_from(clean, "SELECT message_id FROM send_attempts WHERE prospect_id = 's' "
                                       "ORDER BY 1")
    assert {r["message_id"] for r in attempts} == {s1, l1, s2, l2, l3}
    for table, key in (("research_reports", "rr-l"), ("inbound_messages", "in-l"), ("replies", "rp-l"),
                       ("llm_calls", None), ("notifications", None), ("job_postings", "jp"),
                       ("state_transitions", None), ("prospect_sources", "csv:l")):
        assert fetch_dicts_from(clean, f"SELECT count(*) AS n FROM {table} WHERE prospect_id = 'l'")[0]["n"] == 0
        assert fetch_dicts_from(clean, f"SELECT count(*) AS n FROM {table} WHERE prospect_id = 's'")[0]["n"] >= 1
    tasks = fetch_dicts_from(clean, "SELECT task FROM failed_tasks WHERE prospect_id = 's' ORDER BY 1")
    assert [t["task"] for t in tasks] == ["enrich", "research"]
    merge = fetch_dicts_from(clean, "SELECT * FROM prospect_merges")
    assert len(merge) == 1 and merge[0]["survivor_id"] == "s" and merge[0]["loser_id"] == "l"
    assert "an***@hotel-x.example" in merge[0]["reason"] and merge[0]["actor"] == "test"
    assert json.loads(merge[0]["loser_row"])["stage"] == "queued"
    assert json.loads(merge[0]["moved"])["send_attempts"] == 3
    dropped = fetch_dicts_from(clean, "SELECT table_name, message_id FROM repair_log ORDER BY 1, 2")
    assert {(r["table_name"], r["message_id"]) for r in dropped} >= {("send_ledger", l1), ("send_ledger", s2)}

    snapshot = fingerprint(clean)
    (again,) = repair.run_repairs(clean, apply=True, only=["duplicates"], now=NOW)
    assert again.steps == [] and fingerprint(clean) == snapshot


def test_merging_two_delivered_first_emails_reports_the_double_delivery(clean):
    with clean.transaction() as con:
        add_prospect(con, "a", email="a@twin.example", stage="contacted", name="Twin Hotel")
        add_prospect(con, "b", email="b@twin.example", stage="contacted", name="Twin Hotel",
                     created=NOW - timedelta(days=39))
        first = add_send(con, "a", 1, "sent", at=NOW - timedelta(days=30))
        second = add_send(con, "b", 1, "sent", at=NOW - timedelta(days=29))
    assert counts(clean)["duplicate_name_city"] == 1
    (plan,) = repair.run_repairs(clean, apply=True, only=["duplicates"], now=NOW)
    # Equal on stage and score: the more complete (phone) then the older record is kept.
    assert steps_of(plan, "merge", "prospects") == ["b"]
    assert steps_of(plan, "leave", "send_attempts") == sorted([first, second])
    after = counts(clean)
    assert after["duplicate_name_city"] == 0 and after["double_delivery"] == 1
    assert fetch_dicts_from(clean, "SELECT message_id FROM send_ledger WHERE prospect_id = 'a'") == \
        [{"message_id": first}]


def test_a_send_in_flight_holds_its_duplicates_back(clean):
    with clean.transaction() as con:
        add_prospect(con, "a", email="same@hotel.example", stage="sending", name="Hotel A")
        add_prospect(con, "b", email="same@hotel.example", stage="new", name="Hotel B")
        add_send(con, "a", 1, "claimed", email_status="sending", at=NOW - timedelta(minutes=2))
    before = fingerprint(clean)
    (plan,) = repair.run_repairs(clean, apply=True, only=["duplicates"], now=NOW)
    assert plan.changes == 0 and steps_of(plan, "leave", "prospects") == ["a", "b"]
    assert fingerprint(clean) == before


def test_every_table_naming_a_prospect_is_repointed(clean):
    with clean.connect() as con:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'prospect_id'"
        ).fetchall()}
    assert tables - {"repair_log"} == set(repair.REPOINTED)


# -- stuck stages ---------------------------------------------------------------------------------


def test_each_reset_is_a_legal_move_back_from_a_transient_stage():
    assert set(repair.RESETS) == set(TRANSIENT)
    for source, target in repair.RESETS.items():
        assert target in ALLOWED[source], f"{source} -> {target}"


def test_stuck_stages_are_reset_but_a_send_that_may_have_left_is_not(faulty):
    stuck_at = NOW - timedelta(hours=3)
    with faulty.transaction() as con:
        for pid, state in (("maybe-sent", "unknown"), ("delivered", "sent"), ("bounced", "failed")):
            add_prospect(con, pid, email=f"{pid}@hotel.example", stage="sending", name=f"Hotel {pid}")
            add_send(con, pid, 1, state, at=stuck_at)
        con.execute("UPDATE prospects SET stage_changed_at = ? WHERE id IN ('maybe-sent', 'delivered', "
                    "'bounced')", [stuck_at])
    assert counts(faulty)["stuck_transient"] == 7

    before = fingerprint(faulty)
    (dry,) = repair.run_repairs(faulty, apply=False, only=["stuck"], now=NOW)
    assert fingerprint(faulty) == before
    resets = {s.reason.split(":")[0]: list(s.ids) for s in dry.steps if s.action == "reset"}
    assert resets == {"enriching -> new": ["p00000041"], "researching -> enriched": ["p00000042"],
                      "composing -> ready": ["p00000043"],
                      "sending -> queued": ["bounced", "p00000044"]}
    assert steps_of(dry, "leave", "prospects") == ["maybe-sent", "delivered"]  # unknown, then sent

    repair.run_repairs(faulty, apply=True, only=["stuck"], now=NOW)
    stages = dict(fetch_rows(faulty, "SELECT id, stage FROM prospects WHERE id IN ('p00000041', "
                                     "'p00000042', 'p00000043', 'p00000044', 'bounced', 'maybe-sent', 'delivered')"))
    assert stages == {"p00000041": "new", "p00000042": "enriched", "p00000043": "ready",
                      "p00000044": "queued", "bounced": "queued", "maybe-sent": "sending",
                      "delivered": "sending"}
    moves = fetch_dicts_from(faulty, "SELECT prospect_id, actor, reason FROM state_transitions "
                                     "WHERE actor = 'repair' ORDER BY 1")
    assert len(moves) == 5 and "stuck in" in moves[0]["reason"]
    assert counts(faulty)["stuck_transient"] == 2 and counts(faulty)["invalid_transition"] == 5

    snapshot = fingerprint(faulty)
    (again,) = repair.run_repairs(faulty, apply=True, only=["stuck"], now=NOW)
    assert again.changes == 0 and again.left == 2 and fingerprint(faulty) == snapshot


# -- all three on the generated faults ------------------------------------------------------------


def test_all_repairs_clear_their_kinds_and_touch_no_other(faulty, templates):
    injected = json.loads(templates["injected"].read_text())
    repair.run_repairs(faulty, apply=True, now=NOW)
    repaired = {"orphan_email", "orphan_ledger", "orphan_reply", "orphan_research",
                "duplicate_email", "duplicate_name_city", "stuck_transient"}
    after = counts(faulty)
    assert {k: after[k] for k in repaired} == dict.fromkeys(repaired, 0)
    assert {k: n for k, n in after.items() if k not in repaired} == \
        {k: n for k, n in injected.items() if k not in repaired}


# -- the job and the CLI --------------------------------------------------------------------------


def test_repair_job_is_a_dry_run_unless_told(faulty):
    before = fingerprint(faulty)
    result = repair_job.execute_in_process(resources={"crm": faulty})
    assert result.success and fingerprint(faulty) == before
    assert result.output_for_node("delete_orphans") == 7 + 4 + 7 + 3 + 3 + 5
    outputs = {e.step_key: e.event_specific_data.metadata for e in result.all_node_events
               if e.event_type == dg.DagsterEventType.STEP_OUTPUT}
    # One step per repair, in the order the repairs depend on.
    assert list(outputs) == ["delete_orphans", "merge_duplicate_prospects", "reset_stuck_stages"]
    assert outputs["delete_orphans"]["applied"].value is False
    assert outputs["reset_stuck_stages"]["changes"].value == 4
    assert "p00000041" in outputs["reset_stuck_stages"]["preview"].value

    applied = repair_job.execute_in_process(resources={"crm": faulty}, run_config={"dry_run": False})
    assert applied.success
    assert find_kind(faulty, "orphan_email") == 0 and find_kind(faulty, "duplicate_email") == 0


def test_repair_job_is_never_scheduled_or_sensed():
    from jengu_assets.definitions import defs

    assert defs.resolve_job_def("repair_job") is not None
    targets = [s.job_name for s in defs.schedules] + [
        t.job_name for s in defs.sensors for t in s.targets]
    assert targets and "repair_job" not in targets


def test_cli_prints_the_plan_and_applies_only_when_asked(faulty, capsys):
    from jengu.cli import main

    before = fingerprint(faulty)
    assert main(["repair", "--only", "orphans", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["applied"] is False and out["repairs"][0]["changes"] == 29
    assert fingerprint(faulty) == before

    assert main(["repair"]) == 0
    table = capsys.readouterr().out
    assert "merge" in table and "sending -> queued" in table and "dry run:" in table

    assert main(["repair", "--apply", "--only", "stuck"]) == 0
    assert "applied: 4 change(s)" in capsys.readouterr().out
    assert find_kind(faulty, "stuck_transient") == 0 and find_kind(faulty, "orphan_email") == 7


# -- helpers --------------------------------------------------------------------------------------


def fetch_dicts_from(store: CRMStore, sql: str) -> list[dict]:
    with store.connect() as con:
        return fetch_dicts(con, sql)


def fetch_rows(store: CRMStore, sql: str) -> list[tuple]:
    with store.connect() as con:
        return con.execute(sql).fetchall()


def find_kind(store: CRMStore, kind: str) -> int:
    with store.connect() as con:
        return find(con, kind, now=NOW).count
