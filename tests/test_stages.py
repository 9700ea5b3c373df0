"""The stage machine against a real DuckDB file: allowed moves, refused moves, the transition log."""

from __future__ import annotations

import pytest

from jengu_assets import stages
from jengu_assets.stages import ALLOWED, InvalidTransition, Stage


def _add(con, pid: str, stage: Stage) -> None:
    con.execute(
        "INSERT INTO prospects (id, company_name, name_key, tier, source, source_ref, discovered_on,"
        " stage) VALUES (?, 'Hotel Test', 'hotel test', 'warm', 'csv', 't row 1', DATE '2026-11-20', ?)",
        [pid, stage.value],
    )


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Stage.NEW, Stage.ENRICHING),  # the pipeline's first step
        (Stage.ENRICHING, Stage.ENRICHED),  # enrichment succeeded
        (Stage.ENRICHING, Stage.FAILED),  # enrichment failed, reason logged
        (Stage.ENRICHING, Stage.NEW),  # repair job resets a stuck run
        (Stage.FAILED, Stage.ENRICHING),  # retry of a failed enrichment
        (Stage.COMPOSED, Stage.QUEUED),  # gates passed
        (Stage.QUEUED, Stage.COMPOSED),  # compliance hold sends it back
        (Stage.SENDING, Stage.QUEUED),  # soft bounce: retry later
        (Stage.SENT, Stage.CONTACTED),  # delivered
        (Stage.SENT, Stage.MEETING),  # a meeting asked for before the day was over
        (Stage.CONTACTED, Stage.CONTACTED),  # a follow-up keeps the stage
        (Stage.CONTACTED, Stage.REPLIED),  # a human answered
        (Stage.MEETING, Stage.WON),  # the happy end
        (Stage.REPLIED, Stage.LOST),  # not interested
        (Stage.QUEUED, Stage.SUPPRESSED),  # unsubscribe from anywhere
        (Stage.CONTACTED, Stage.ARCHIVED),  # 30 days of silence
        (Stage.ARCHIVED, Stage.NEW),  # a new hiring signal re-opens it
    ],
)
def test_allowed_moves_are_applied_and_logged(crm, current, target):
    with crm.transaction() as con:
        _add(con, "p1", current)
        left = stages.transition(con, "p1", target, reason="test move", actor="pytest")
    assert left == current
    assert crm.scalar("SELECT stage FROM prospects WHERE id = 'p1'") == target.value
    log = crm.query("SELECT from_stage, to_stage, reason, actor, changed_at FROM state_transitions")
    assert log == [
        {"from_stage": current.value, "to_stage": target.value, "reason": "test move",
         "actor": "pytest", "changed_at": log[0]["changed_at"]}
    ]
    assert log[0]["changed_at"] is not None


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Stage.NEW, Stage.QUEUED),  # skipping enrichment, research and composition
        (Stage.NEW, Stage.SENT),  # nothing is sent without being queued
        (Stage.READY, Stage.QUEUED),  # not composed yet
        (Stage.QUEUED, Stage.SENT),  # must pass through sending (the ledger claim)
        (Stage.SENT, Stage.QUEUED),  # a sent email is never queued again
        (Stage.CONTACTED, Stage.SENDING),  # follow-ups do not rewind the stage
        (Stage.SUPPRESSED, Stage.NEW),  # suppression is permanent
        (Stage.SUPPRESSED, Stage.ARCHIVED),  # even archiving keeps it suppressed
        (Stage.WON, Stage.ARCHIVED),  # customers are not archived
        (Stage.LOST, Stage.CONTACTED),  # lost stays lost
        (Stage.ENRICHED, Stage.ENRICHED),  # no silent self-moves outside follow-ups
    ],
)
def test_refused_moves_raise_and_write_nothing(crm, current, target):
    with crm.transaction() as con:
        _add(con, "p1", current)
    with pytest.raises(InvalidTransition, match=f"from '{current.value}' to '{target.value}'"):
        with crm.transaction() as con:
            stages.transition(con, "p1", target, reason="bad move")
    assert crm.scalar("SELECT stage FROM prospects WHERE id = 'p1'") == current.value
    assert crm.scalar("SELECT count(*) FROM state_transitions") == 0


def test_unknown_prospect_is_refused(crm):
    with pytest.raises(InvalidTransition, match="does not exist"):
        with crm.transaction() as con:
            stages.transition(con, "nobody", Stage.ENRICHING, reason="x")


def test_a_reason_is_required(crm):
    with crm.transaction() as con:
        _add(con, "p1", Stage.NEW)
    with pytest.raises(ValueError, match="reason"):
        with crm.transaction() as con:
            stages.transition(con, "p1", Stage.ENRICHING, reason=" ")


def test_batch_moves_are_all_or_nothing(crm):
    with crm.transaction() as con:
        _add(con, "a", Stage.NEW)
        _add(con, "b", Stage.SENT)
    with pytest.raises(InvalidTransition):
        with crm.transaction() as con:
            stages.transition_many(con, ["a", "b"], Stage.ENRICHING, reason="batch")
    assert crm.scalar("SELECT count(*) FROM prospects WHERE stage = 'new'") == 1
    assert crm.scalar("SELECT count(*) FROM state_transitions") == 0


def test_every_stage_has_a_rule_and_only_known_targets():
    assert set(ALLOWED) == set(Stage)
    for moves in ALLOWED.values():
        assert moves <= set(Stage)
    # Every stage but the permanent ones can be left.
    assert {s for s, moves in ALLOWED.items() if not moves} == {Stage.SUPPRESSED}
