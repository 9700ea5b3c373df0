"""The prospect stage machine: every stage, every allowed move, and the one function that moves.

Nothing else in Jengu writes ``prospects.stage``. A move that is not in ``ALLOWED`` raises before
anything is written, and every move that is made is logged to ``state_transitions`` in the same
transaction as the update, with its time, reason and actor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

import duckdb


class Stage(StrEnum):
    NEW = "new"
    ENRICHING = "enriching"
    ENRICHED = "enriched"
    RESEARCHING = "researching"
    READY = "ready"
    COMPOSING = "composing"
    COMPOSED = "composed"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    CONTACTED = "contacted"
    ENGAGED = "engaged"
    REPLIED = "replied"
    MEETING = "meeting"
    WON = "won"
    LOST = "lost"
    ARCHIVED = "archived"
    SUPPRESSED = "suppressed"
    FAILED = "failed"


S = Stage

# Work in progress: a prospect should never sit in one of these for long (nightly check).
TRANSIENT = frozenset({S.ENRICHING, S.RESEARCHING, S.COMPOSING, S.SENDING})
# Nothing leaves these but an operator's repair.
TERMINAL = frozenset({S.WON, S.SUPPRESSED})

_PIPELINE = [
    S.NEW, S.ENRICHING, S.ENRICHED, S.RESEARCHING, S.READY, S.COMPOSING, S.COMPOSED, S.QUEUED,
    S.SENDING, S.SENT, S.CONTACTED,
]

ALLOWED: Mapping[Stage, frozenset[Stage]] = {
    stage: frozenset(moves)
    for stage, moves in {
        S.NEW: {S.ENRICHING},
        S.ENRICHING: {S.ENRICHED, S.FAILED, S.NEW},          # NEW: a stuck run is reset
        S.ENRICHED: {S.RESEARCHING},
        S.RESEARCHING: {S.READY, S.FAILED, S.ENRICHED},
        S.READY: {S.COMPOSING},
        S.COMPOSING: {S.COMPOSED, S.FAILED, S.READY},
        S.COMPOSED: {S.QUEUED, S.COMPOSING},                 # COMPOSING: regenerate a held draft
        S.QUEUED: {S.SENDING, S.COMPOSED},                   # COMPOSED: held back by a gate
        S.SENDING: {S.SENT, S.QUEUED, S.FAILED},             # QUEUED: soft bounce, retry later
        S.SENT: {S.CONTACTED, S.ENGAGED, S.REPLIED, S.MEETING, S.LOST},  # a reply within a day
        S.CONTACTED: {S.CONTACTED, S.ENGAGED, S.REPLIED, S.MEETING, S.LOST},  # self: follow-up
        S.ENGAGED: {S.REPLIED, S.MEETING, S.LOST},
        S.REPLIED: {S.MEETING, S.WON, S.LOST},
        S.MEETING: {S.WON, S.LOST},
        S.LOST: set(),
        S.WON: set(),
        S.ARCHIVED: {S.NEW},                                 # re-engaged after a new signal
        S.SUPPRESSED: set(),
        S.FAILED: {S.ENRICHING, S.RESEARCHING, S.COMPOSING, S.QUEUED},  # retry the failed step
    }.items()
}

# Moves open from (almost) anywhere: an unsubscribe or hard bounce suppresses, silence archives.
_SUPPRESSIBLE = set(Stage) - {S.SUPPRESSED}
_ARCHIVABLE = set(Stage) - {S.ARCHIVED, S.SUPPRESSED, S.WON}
ALLOWED = {
    stage: moves
    | ({S.SUPPRESSED} if stage in _SUPPRESSIBLE else set())
    | ({S.ARCHIVED} if stage in _ARCHIVABLE else set())
    for stage, moves in ALLOWED.items()
}


class InvalidTransition(ValueError):
    def __init__(self, prospect_id: str, current: str | None, target: Stage | str):
        target = Stage(target).value
        self.prospect_id, self.current, self.target = prospect_id, current, target
        if current is None:
            message = f"prospect {prospect_id!r} does not exist (cannot move it to {target!r})"
        else:
            allowed = ", ".join(sorted(ALLOWED.get(Stage(current), ()))) or "nothing"
            message = (
                f"prospect {prospect_id!r} cannot move from {current!r} to {target!r} "
                f"(allowed from {current!r}: {allowed})"
            )
        super().__init__(message)


def can_move(current: Stage | str, target: Stage | str) -> bool:
    return Stage(target) in ALLOWED[Stage(current)]


def transition(
    con: duckdb.DuckDBPyConnection,
    prospect_id: str,
    target: Stage | str,
    *,
    reason: str,
    actor: str | None = None,
) -> Stage:
    """Move one prospect to ``target`` and log it. Returns the stage it left.

    Run it inside the caller's transaction so that the move and the work it records commit together.
    """
    moved = transition_many(con, [prospect_id], target, reason=reason, actor=actor)
    return moved[prospect_id]


def transition_many(
    con: duckdb.DuckDBPyConnection,
    prospect_ids: Iterable[str],
    target: Stage | str,
    *,
    reason: str,
    actor: str | None = None,
) -> dict[str, Stage]:
    """Move several prospects to the same stage in one batch; all or none (raises on the first
    invalid move). Returns each prospect's previous stage."""
    if not reason or not reason.strip():
        raise ValueError("a stage transition needs a reason")
    return transition_each(con, {pid: (target, reason) for pid in prospect_ids}, actor=actor)


def transition_each(
    con: duckdb.DuckDBPyConnection,
    moves: Mapping[str, tuple[Stage | str, str]],
    *,
    actor: str | None = None,
) -> dict[str, Stage]:
    """Move each prospect to its own stage, each with its own reason (``{id: (target, reason)}``),
    in one batch: all or none (raises on the first invalid move). Returns each previous stage."""
    targets = {pid: Stage(target) for pid, (target, _) in moves.items()}
    if not all(reason and reason.strip() for _, reason in moves.values()):
        raise ValueError("a stage transition needs a reason")
    ids = list(targets)
    if not ids:
        return {}
    current = dict(
        con.execute(
            "SELECT id, stage FROM prospects WHERE id IN (SELECT unnest(?::VARCHAR[]))", [ids]
        ).fetchall()
    )
    for pid in ids:
        stage = current.get(pid)
        if stage is None or not can_move(stage, targets[pid]):
            raise InvalidTransition(pid, stage, targets[pid])
    values = [targets[pid].value for pid in ids]
    con.execute(
        "UPDATE prospects SET stage = m.stage, stage_changed_at = now(), updated_at = now() "
        "FROM (SELECT unnest(?::VARCHAR[]) AS id, unnest(?::VARCHAR[]) AS stage) m "
        "WHERE prospects.id = m.id",
        [ids, values],
    )
    _log(con, ids, [current[pid] for pid in ids], values, [moves[pid][1] for pid in ids], actor)
    return {pid: Stage(current[pid]) for pid in ids}


def log_creation(
    con: duckdb.DuckDBPyConnection,
    prospect_ids: Iterable[str],
    *,
    reason: str | Sequence[str],
    actor: str | None,
) -> None:
    """Record the birth of new prospects (from nothing to ``new``) in the transition log: one
    reason for all, or one per prospect."""
    ids = list(prospect_ids)
    reasons = [reason] * len(ids) if isinstance(reason, str) else list(reason)
    if len(reasons) != len(ids):
        raise ValueError(f"{len(ids)} prospects but {len(reasons)} reasons")
    if ids:
        _log(con, ids, [None] * len(ids), [S.NEW.value] * len(ids), reasons, actor)


def _log(con, ids: list[str], sources: list[str | None], targets: list[str], reasons: list[str],
         actor) -> None:
    # One statement for the whole batch: row-by-row inserts cost ~1 ms each in DuckDB.
    con.execute(
        "INSERT INTO state_transitions (prospect_id, from_stage, to_stage, reason, actor) "
        "SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
        "unnest(?::VARCHAR[]), ?",
        [ids, sources, targets, reasons, actor],
    )
