"""Repairs for what the integrity checks find, run by hand (UI or CLI), never on a clock.

Three repairs, each in one transaction, each idempotent (a second run finds nothing left to do),
each returning a ``Plan``: exactly what it did or, in a dry run, would do (counts and ids). A repair
first plans with reads only, then, when applied, carries out that very plan in the same
transaction, so a dry run shows what an apply would do on the same data.

- ``orphans``: emails, ledger rows, send attempts, replies and research reports whose prospect is
  gone are deleted, each copied to ``repair_log`` first (bodies left out), so a deleted delivery
  record still says which address got which Message-ID from which inbox and when. Ledger rows and
  attempts claimed in the last three days are left alone: the send rules (today's quota, the
  three-day rule, a claim still in flight) still read them; a later repair takes them. A deleted
  reply's inbound message goes back to ``unmatched`` (``jengu inbound review``), as the reply
  matcher does when a prospect has vanished: the person's message is never dropped.
- ``duplicates``: prospects sharing an email, or a name + city (a delegated contact and the
  prospect who delegated are not duplicates), are merged into one survivor; see ``merge_order``.
- ``stuck``: prospects in a transient stage for over an hour are moved back to the stage before it
  through ``stages.transition_many`` (actor ``repair``), except ``sending`` with a ledger row that
  may have gone out: that is left for ``jengu sends review``, since a reset could send twice.

Run them when no pipeline run is in progress: a run still working on a prospect the repair moves
or merges would fail on its next stage move (loudly, not silently).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from jengu_assets.integrity.findings import THRESHOLDS, offenders
from jengu_assets.sending.pacing import MIN_CONTACT_INTERVAL
from jengu_assets.stages import Stage, transition_many
from jengu_resources.crm_store import CRMStore, fetch_dicts
from jengu_resources.redaction import mask_email

REPAIRS = ("orphans", "duplicates", "stuck")
ACTOR = "repair"
# Recent delivery records are still load-bearing for the send rules; see the module docstring.
HOLD_RECENT_SENDS = MIN_CONTACT_INTERVAL

# The stage a stuck prospect goes back to: the one it waited in before the work began.
RESETS: dict[Stage, Stage] = {
    Stage.ENRICHING: Stage.NEW,
    Stage.RESEARCHING: Stage.ENRICHED,
    Stage.COMPOSING: Stage.READY,
    Stage.SENDING: Stage.QUEUED,
}
# A first email whose ledger row is in one of these may have left: never reset such a prospect
# (the reset would queue it again). What a person does about each instead:
MAYBE_DELIVERED = {
    "claimed": "a send is in flight, or its process died: the next send run marks it unknown, "
               "then jengu sends review settles it",
    "unknown": "its delivery is unknown: settle it with jengu sends review",
    "sent": "it was delivered but the stage never moved on: a person moves it",
}

# How far a prospect got, for choosing a merge's survivor. A stop (suppressed, lost) outranks
# ongoing work so that a merge never makes someone who said no contactable again.
STAGE_RANK: dict[str, int] = {
    stage: rank for rank, stage in enumerate(reversed([
        "suppressed", "won", "meeting", "replied", "engaged", "lost", "contacted", "sent",
        "sending", "queued", "composed", "composing", "ready", "researching", "enriched",
        "enriching", "failed", "new", "archived",
    ]))
}
COMPLETENESS_FIELDS = ("email", "contact_name", "contact_title", "phone", "website",
                       "linkedin_url", "city", "country")

# Every table that names a prospect, re-pointed to the survivor of a merge (tests check that no
# table with a prospect_id column is missing here).
REPOINTED = (
    "emails", "send_ledger", "send_attempts", "replies", "inbound_messages", "research_reports",
    "state_transitions", "prospect_sources", "failed_tasks", "llm_calls", "notifications",
    "job_postings", "import_rows", "inbound_reviews",
)
# table -> (key, repair_log row_key, message_id, row data), over the table aliased ``t``: how a
# deleted row is identified and logged.
_LOGGED: dict[str, tuple[str, str, str, str]] = {
    "emails": ("t.id", "t.id", "t.message_id", """json_merge_patch(to_json(t), '{"body": null}')"""),
    "send_ledger": ("t.message_id", "t.prospect_id || ':' || t.sequence_step", "t.message_id",
                    "to_json(t)"),
    "send_attempts": ("t.message_id", "t.message_id", "t.message_id", "to_json(t)"),
    "replies": ("t.id", "t.id", "NULL", """json_merge_patch(to_json(t), '{"body": null}')"""),
    "research_reports": ("t.id", "t.id", "NULL", "to_json(t)"),
    "failed_tasks": ("CAST(t.id AS VARCHAR)", "CAST(t.id AS VARCHAR)", "NULL", "to_json(t)"),
}
# An email that may have reached its recipient: never dropped by a merge.
_ON_THE_WIRE = "('sending', 'sent', 'unknown')"
# Emails past the draft stage (those, and bounced ones): history a merge never drops.
_SETTLED = "('sending', 'sent', 'unknown', 'bounced')"


@dataclass(frozen=True)
class Step:
    """One line of a plan: an action on some rows of one table, and why."""

    action: str                 # delete | unmatch | merge | repoint | reset | leave
    target: str                 # the table acted on
    ids: tuple[str, ...]        # the rows (for merge and repoint: the prospects merged away)
    reason: str
    count: int | None = None    # rows, when they are not one per id (re-pointed rows)

    @property
    def rows(self) -> int:
        return len(self.ids) if self.count is None else self.count

    def as_dict(self, sample: int | None = None) -> dict[str, Any]:
        ids = list(self.ids if sample is None else self.ids[:sample])
        return {"action": self.action, "target": self.target, "rows": self.rows, "ids": ids,
                "reason": self.reason}


@dataclass
class Plan:
    """What one repair did (``applied``) or would do."""

    repair: str
    applied: bool = False
    steps: list[Step] = field(default_factory=list)

    def add(self, action: str, target: str, ids: Iterable[str], reason: str,
            count: int | None = None) -> None:
        ids = tuple(ids)
        if ids or count:
            self.steps.append(Step(action, target, ids, reason, count))

    @property
    def changes(self) -> int:
        """Rows deleted, prospects merged or reset (re-pointed rows follow from the merges)."""
        return sum(s.rows for s in self.steps if s.action not in ("leave", "repoint"))

    @property
    def left(self) -> int:
        return sum(s.rows for s in self.steps if s.action == "leave")

    def as_dict(self, sample: int | None = None) -> dict[str, Any]:
        return {"repair": self.repair, "applied": self.applied, "changes": self.changes,
                "left": self.left, "steps": [s.as_dict(sample) for s in self.steps]}


# -- running ------------------------------------------------------------------------------------


def run_repairs(store: CRMStore, *, apply: bool, only: Sequence[str] = REPAIRS,
                now: datetime, by: str = ACTOR) -> list[Plan]:
    """Run the chosen repairs in a fixed order (orphans, duplicates, stuck), each in its own
    transaction; a dry run (``apply=False``) writes nothing."""
    unknown = sorted(set(only) - set(REPAIRS))
    if unknown:
        raise ValueError(f"unknown repair(s) {', '.join(unknown)}: choose from {', '.join(REPAIRS)}")
    runners = {"orphans": repair_orphans, "duplicates": merge_duplicates, "stuck": reset_stuck}
    return [runners[name](store, apply=apply, now=now, by=by) for name in REPAIRS if name in only]


def repair_orphans(store: CRMStore, *, apply: bool, now: datetime, by: str = ACTOR) -> Plan:
    with store.transaction() as con:
        plan = plan_orphans(con, now=now)
        if apply:
            apply_orphans(con, plan, by=by, now=now)
    return plan


def merge_duplicates(store: CRMStore, *, apply: bool, now: datetime, by: str = ACTOR) -> Plan:
    with store.transaction() as con:
        merges = plan_merges(con, now=now)
        if apply:
            apply_merges(con, merges, by=by)
    merges.plan.applied = apply
    return merges.plan


def reset_stuck(store: CRMStore, *, apply: bool, now: datetime, by: str = ACTOR) -> Plan:
    with store.transaction() as con:
        plan = plan_stuck(con, now=now)
        if apply:
            apply_stuck(con, plan)
    return plan


# -- orphans ------------------------------------------------------------------------------------

GONE = "its prospect does not exist"


def plan_orphans(con: duckdb.DuckDBPyConnection, *, now: datetime) -> Plan:
    """The rows the orphan checks report (``findings.offenders``), one step per table."""
    plan = Plan("orphans")
    plan.add("delete", "emails", _offending_ids(con, "orphan_email", now), GONE)
    sends = offenders(con, "orphan_ledger", now=now)
    rows = con.execute("""
        WITH orphan AS (SELECT unnest(?::VARCHAR[]) AS prospect_id, unnest(?::INTEGER[]) AS sequence_step),
        rows AS (
            SELECT 'send_ledger' AS tbl, prospect_id, sequence_step, message_id, claimed_at
              FROM send_ledger SEMI JOIN orphan USING (prospect_id, sequence_step)
            UNION ALL
            SELECT 'send_attempts', prospect_id, sequence_step, message_id, claimed_at
              FROM send_attempts SEMI JOIN orphan USING (prospect_id, sequence_step))
        SELECT tbl, message_id,
               max(claimed_at) OVER (PARTITION BY prospect_id, sequence_step) >= ? AS recent
          FROM rows ORDER BY tbl, message_id""",
        [[r["prospect_id"] for r in sends], [r["sequence_step"] for r in sends],
         now - HOLD_RECENT_SENDS]).fetchall()
    for table in ("send_ledger", "send_attempts"):
        plan.add("delete", table, [m for t, m, recent in rows if t == table and not recent],
                 f"{GONE}; the row is kept in repair_log")
    for table in ("send_ledger", "send_attempts"):
        plan.add("leave", table, [m for t, m, recent in rows if t == table and recent],
                 f"{GONE}, but the step was claimed within {HOLD_RECENT_SENDS.days} days: the send "
                 "rules still read it (today's quota, the three-day rule); a later repair takes it")
    replies = _offending_ids(con, "orphan_reply", now)
    plan.add("delete", "replies", replies, GONE)
    plan.add("unmatch", "inbound_messages", _ids(
        con, "SELECT i.id FROM inbound_messages i JOIN replies r ON r.inbound_message_id = i.id "
             "WHERE r.id IN (SELECT unnest(?::VARCHAR[]))", [replies]),
        "its reply's prospect does not exist: back to unmatched, for jengu inbound review")
    plan.add("delete", "research_reports", _offending_ids(con, "orphan_research", now), GONE)
    return plan


def apply_orphans(con: duckdb.DuckDBPyConnection, plan: Plan, *, by: str, now: datetime) -> None:
    for step in plan.steps:
        if step.action == "delete":
            _log_and_delete(con, "orphans", step.target, [(i, step.reason) for i in step.ids], by)
        elif step.action == "unmatch":
            con.execute(
                "INSERT INTO repair_log (repair, action, table_name, row_key, prospect_id, reason, "
                "row_data, actor) SELECT 'orphans', 'unmatch', 'inbound_messages', t.id, t.prospect_id, "
                "?, to_json({'status': t.status, 'reason': t.reason, 'prospect_id': t.prospect_id, "
                "'email_id': t.email_id}), ? FROM inbound_messages t WHERE t.id IN (SELECT unnest(?))",
                [step.reason, by, list(step.ids)])
            # Processed anew, by the repair: the review queue's wait starts now.
            con.execute(
                "UPDATE inbound_messages SET status = 'unmatched', prospect_id = NULL, email_id = NULL, "
                "reason = 'matched prospect ' || coalesce(prospect_id, '?') || ' no longer exists "
                "(reply removed by repair)', processed_at = ? WHERE id IN (SELECT unnest(?))",
                [now, list(step.ids)])
    plan.applied = True


# -- stuck transient stages ---------------------------------------------------------------------


def plan_stuck(con: duckdb.DuckDBPyConnection, *, now: datetime) -> Plan:
    """The prospects the stuck_transient check reports, grouped by the stage they go back to."""
    plan = Plan("stuck")
    stuck = {r["id"]: r["stage"] for r in offenders(con, "stuck_transient", now=now)}
    ledger = dict(con.execute(
        "SELECT prospect_id, state FROM send_ledger WHERE sequence_step = 1 "
        "AND prospect_id IN (SELECT unnest(?::VARCHAR[]))",
        [[pid for pid, stage in stuck.items() if stage == Stage.SENDING]]).fetchall())
    minutes = THRESHOLDS.stuck_after_minutes
    for stage in sorted(RESETS, key=list(Stage).index):
        ids = sorted(pid for pid, s in stuck.items()
                     if s == stage and ledger.get(pid) not in MAYBE_DELIVERED)
        plan.add("reset", "prospects", ids, f"{stage} -> {RESETS[stage]}: in {stage} for over "
                 f"{minutes} minutes")
    for state, what_next in MAYBE_DELIVERED.items():
        plan.add("leave", "prospects", sorted(pid for pid in stuck if ledger.get(pid) == state),
                 f"sending for over {minutes} minutes with its first email's ledger row {state}: a "
                 f"reset could send twice; {what_next}")
    return plan


def apply_stuck(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    for step in plan.steps:
        if step.action != "reset":
            continue
        stages = dict(con.execute("SELECT id, stage FROM prospects WHERE id IN (SELECT unnest(?))",
                                  [list(step.ids)]).fetchall())
        for source in {Stage(s) for s in stages.values()}:
            transition_many(con, [i for i in step.ids if stages[i] == source], RESETS[source],
                            reason=f"stuck in {source} for over an hour: reset by repair", actor=ACTOR)
    plan.applied = True


# -- duplicates ---------------------------------------------------------------------------------


@dataclass
class _Merges:
    """A merge plan with the row-level detail its apply needs."""

    plan: Plan
    rows: list[dict[str, Any]] = field(default_factory=list)       # loser, survivor, reason, ...
    drops: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # table -> (key, why)


def merge_order(row: dict[str, Any]) -> tuple:
    """The survivor of a merge is the first in this order: furthest stage (a stop counts as
    furthest, see ``STAGE_RANK``), then highest behaviour score, then most complete (contact
    fields filled in, a sendable address), then oldest, then smallest id (so the choice is stable)."""
    score = row["behaviour_score"]
    return (-STAGE_RANK.get(row["stage"], -1), -(score if score is not None else -1),
            -row["completeness"], row["created_at"], row["id"])


def _why_kept(survivor: dict[str, Any], loser: dict[str, Any]) -> str:
    if survivor["stage"] != loser["stage"]:
        return f"stage {survivor['stage']} is further than {loser['stage']}"
    if survivor["behaviour_score"] != loser["behaviour_score"]:
        return f"behaviour score {survivor['behaviour_score']} beats {loser['behaviour_score']}"
    if survivor["completeness"] != loser["completeness"]:
        return f"more complete ({survivor['completeness']} fields to {loser['completeness']})"
    if survivor["created_at"] != loser["created_at"]:
        return "older record"
    return "equal on every rule: smaller id"


def duplicate_groups(con: duckdb.DuckDBPyConnection, *, now: datetime) -> list[list[dict[str, Any]]]:
    """The prospects the two duplicate checks report, with the earlier prospect each duplicates,
    joined into groups (a shares an email with b, b a name + city with c: one group), each sorted
    by ``merge_order``. The checks already leave out a delegated colleague and its parent."""
    parent: dict[str, str] = {}
    kinds: dict[str, set[str]] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for kind in ("duplicate_email", "duplicate_name_city"):
        for row in offenders(con, kind, now=now):
            for pid in (row["id"], row["kept"]):
                kinds.setdefault(pid, set()).add(kind)
            parent[root(row["id"])] = root(row["kept"])
    if not parent:
        return []
    completeness = " + ".join(f"(p.{c} IS NOT NULL AND CAST(p.{c} AS VARCHAR) <> '')::INT"
                              for c in COMPLETENESS_FIELDS) + " + p.email_sendable::INT"
    members = fetch_dicts(con, f"""
        SELECT p.id, p.stage, p.behaviour_score, p.created_at, {completeness} AS completeness,
               p.email, p.name_key, p.city_key
          FROM prospects p WHERE p.id IN (SELECT unnest(?::VARCHAR[]))""", [sorted(parent)])
    groups: dict[str, list[dict[str, Any]]] = {}
    for m in members:
        rules = {"duplicate_email": f"same email {mask_email((m['email'] or '').strip().lower())}",
                 "duplicate_name_city": f"same name and city ({m['name_key']} | {m['city_key']})"}
        groups.setdefault(root(m["id"]), []).append(
            {**m, "rules": {rules[kind] for kind in kinds[m["id"]]}})
    return [sorted(g, key=merge_order) for _, g in sorted(groups.items()) if len(g) > 1]


def plan_merges(con: duckdb.DuckDBPyConnection, *, now: datetime) -> _Merges:
    merges = _Merges(Plan("duplicates"))
    groups = duplicate_groups(con, now=now)
    in_flight = _in_flight(con, [m["id"] for g in groups for m in g])
    for group in groups:
        survivor, losers = group[0], group[1:]
        if in_flight & {m["id"] for m in group}:
            merges.plan.add("leave", "prospects", [m["id"] for m in group],
                            "duplicates, but a send is in flight for one of them (ledger row "
                            "claimed): merge once it is answered")
            continue
        for loser in losers:
            merges.rows.append({
                "loser": loser["id"], "survivor": survivor["id"],
                "reason": "; ".join(sorted(loser["rules"])),
                "kept_because": _why_kept(survivor, loser)})
    if not merges.rows:
        return merges
    con.register("merge_map", pa.Table.from_pylist(
        [{"loser": r["loser"], "survivor": r["survivor"]} for r in merges.rows]))
    try:
        _plan_merge_rows(con, merges)
    finally:
        con.unregister("merge_map")
    return merges


# Rows of every prospect in a merge (survivors included), with the survivor they end up under.
_MEMBERS = """(SELECT loser AS id, survivor FROM merge_map
               UNION SELECT DISTINCT survivor, survivor FROM merge_map) m"""


def _plan_merge_rows(con: duckdb.DuckDBPyConnection, merges: _Merges) -> None:
    plan = merges.plan
    for r in merges.rows:
        plan.add("merge", "prospects", [r["loser"]],
                 f"into {r['survivor']}: {r['reason']}; kept {r['survivor']}: {r['kept_because']}")
    # One ledger row per (prospect, step): the one that records a delivery wins, then the
    # survivor's own, then the earliest. The dropped row's attempts stay in send_attempts.
    merges.drops["send_ledger"] = [(m, f"merged into {s}: step {step} keeps ledger row {k} ({ks}), "
                                       f"this one was {st}") for m, s, step, st, k, ks in con.execute(f"""
        SELECT message_id, survivor, sequence_step, state, kept, kept_state FROM (
            SELECT l.message_id, m.survivor, l.sequence_step, l.state,
                   row_number() OVER w AS rank, first_value(l.message_id) OVER w AS kept,
                   first_value(l.state) OVER w AS kept_state
              FROM send_ledger l JOIN {_MEMBERS} ON m.id = l.prospect_id
            WINDOW w AS (PARTITION BY m.survivor, l.sequence_step ORDER BY
                CASE l.state WHEN 'sent' THEN 0 WHEN 'unknown' THEN 1 WHEN 'claimed' THEN 2 ELSE 3 END,
                l.prospect_id <> m.survivor, l.claimed_at, l.message_id))
         WHERE rank > 1 ORDER BY message_id""").fetchall()]
    # One live email per step: a draft (never handed to SMTP) is dropped when the step has an email
    # that may have reached the recipient, or else when another draft is kept (the survivor's own,
    # then the oldest). Bounced emails stay as history and stop nothing.
    merges.drops["emails"] = [
        (e, f"merged into {s}: step {step} already has "
            + ("an email that went out" if wire else "a draft, which is kept") + "; this draft was never sent")
        for e, s, step, wire in con.execute(f"""
        SELECT id, survivor, sequence_step, on_the_wire FROM (
            SELECT e.id, m.survivor, e.sequence_step, e.status,
                   bool_or(e.status IN {_ON_THE_WIRE}) OVER part AS on_the_wire,
                   bool_or(e.prospect_id <> m.survivor) OVER part AS merged,
                   row_number() OVER (PARTITION BY m.survivor, e.sequence_step,
                                      e.status IN {_SETTLED}
                                      ORDER BY e.prospect_id <> m.survivor, e.created_at, e.id) AS rank
              FROM emails e JOIN {_MEMBERS} ON m.id = e.prospect_id
            WINDOW part AS (PARTITION BY m.survivor, e.sequence_step))
         WHERE merged AND status NOT IN {_SETTLED} AND (on_the_wire OR rank > 1)
         ORDER BY id""").fetchall()]
    # failed_tasks is unique on (task, prospect): the survivor's own row wins, then the latest.
    merges.drops["failed_tasks"] = [(str(i), f"merged into {s}: its {task} retry row is kept")
                                    for i, s, task in con.execute(f"""
        SELECT id, survivor, task FROM (
            SELECT f.id, m.survivor, f.task, row_number() OVER (PARTITION BY m.survivor, f.task
                   ORDER BY f.prospect_id <> m.survivor, f.created_at DESC, f.id) AS rank
              FROM failed_tasks f JOIN {_MEMBERS} ON m.id = f.prospect_id)
         WHERE rank > 1 ORDER BY id""").fetchall()]
    for table, rows in merges.drops.items():
        plan.add("delete", table, [k for k, _ in rows],
                 "duplicates of one step or task once merged; each row is kept in repair_log")

    dropped = {(t, k) for t, rows in merges.drops.items() for k, _ in rows}
    moved: dict[str, dict[str, int]] = {r["loser"]: {} for r in merges.rows}
    for table in REPOINTED:
        key = _LOGGED[table][0] if table in _LOGGED else "NULL"
        for loser, k in con.execute(
                f"SELECT t.prospect_id, {key} FROM {table} t "
                "WHERE t.prospect_id IN (SELECT loser FROM merge_map)").fetchall():
            if (table, k) not in dropped:
                moved[loser][table] = moved[loser].get(table, 0) + 1
    for loser, n in con.execute("SELECT parent_prospect_id, count(*) FROM prospects WHERE "
                                "parent_prospect_id IN (SELECT loser FROM merge_map) GROUP BY 1").fetchall():
        moved[loser]["prospects.parent_prospect_id"] = n
    for r in merges.rows:
        r["moved"] = moved[r["loser"]]
    for table in [*REPOINTED, "prospects.parent_prospect_id"]:
        losers = [r["loser"] for r in merges.rows if r["moved"].get(table)]
        plan.add("repoint", table, losers, "rows of the merged prospects now name the survivor",
                 count=sum(r["moved"].get(table, 0) for r in merges.rows))
    twice = con.execute(f"""
        SELECT list(a.message_id ORDER BY a.message_id) FROM send_attempts a
          JOIN {_MEMBERS} ON m.id = a.prospect_id
         WHERE a.state = 'sent' GROUP BY m.survivor, a.sequence_step
        HAVING count(DISTINCT a.prospect_id) > 1""").fetchall()
    plan.add("leave", "send_attempts", [m for (ids,) in twice for m in ids],
             "each duplicate was sent the same step before the merge: a real double delivery, kept "
             "as history (the double_delivery check shows it)")


def apply_merges(con: duckdb.DuckDBPyConnection, merges: _Merges, *, by: str) -> None:
    if not merges.rows:
        return
    con.register("merge_map", pa.Table.from_pylist(
        [{**r, "moved": json.dumps(r["moved"], sort_keys=True)} for r in merges.rows]))
    try:
        con.execute("""
            INSERT INTO prospect_merges (survivor_id, loser_id, reason, kept_because, loser_row,
                                         moved, actor)
            SELECT m.survivor, m.loser, m.reason, m.kept_because, to_json(p), m.moved::JSON, ?
              FROM merge_map m JOIN prospects p ON p.id = m.loser""", [by])
        for table, rows in merges.drops.items():
            _log_and_delete(con, "duplicates", table, rows, by)
        for table in REPOINTED:
            con.execute(f"UPDATE {table} SET prospect_id = m.survivor FROM merge_map m "
                        f"WHERE {table}.prospect_id = m.loser")
        con.execute("UPDATE prospects SET parent_prospect_id = m.survivor FROM merge_map m "
                    "WHERE prospects.parent_prospect_id = m.loser")
        con.execute("UPDATE prospects SET parent_prospect_id = NULL WHERE parent_prospect_id = id")
        # A reply or an out-of-office hold on any of them holds for the one that remains.
        con.execute(f"""
            UPDATE prospects SET last_reply_at = g.last_reply_at,
                   follow_up_hold_until = g.follow_up_hold_until, updated_at = now()
              FROM (SELECT m.survivor, max(p.last_reply_at) AS last_reply_at,
                           max(p.follow_up_hold_until) AS follow_up_hold_until
                      FROM {_MEMBERS} JOIN prospects p ON p.id = m.id GROUP BY 1) g
             WHERE prospects.id = g.survivor""")
        con.execute("DELETE FROM prospects WHERE id IN (SELECT loser FROM merge_map)")
    finally:
        con.unregister("merge_map")


def _in_flight(con: duckdb.DuckDBPyConnection, ids: list[str]) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT DISTINCT prospect_id FROM send_ledger WHERE state = 'claimed' "
        "AND prospect_id IN (SELECT unnest(?::VARCHAR[]))", [ids]).fetchall()}


# -- helpers ------------------------------------------------------------------------------------


def _log_and_delete(con: duckdb.DuckDBPyConnection, repair: str, table: str,
                    rows: Sequence[tuple[str, str]], by: str) -> None:
    """Copy the rows to repair_log (with a reason each), then delete them."""
    if not rows:
        return
    key, row_key, message_id, data = _LOGGED[table]
    con.register("repair_rows", pa.Table.from_pylist([{"k": k, "why": why} for k, why in rows]))
    try:
        con.execute(f"""
            INSERT INTO repair_log (repair, action, table_name, row_key, prospect_id, message_id,
                                    reason, row_data, actor)
            SELECT ?, 'delete', ?, {row_key}, t.prospect_id, {message_id}, r.why, {data}, ?
                FROM {table} t JOIN repair_rows r ON r.k = {key}""", [repair, table, by])
        con.execute(f"DELETE FROM {table} t WHERE {key} IN (SELECT k FROM repair_rows)")
    finally:
        con.unregister("repair_rows")


def _offending_ids(con: duckdb.DuckDBPyConnection, kind: str, now: datetime) -> list[str]:
    return [r["id"] for r in offenders(con, kind, now=now)]


def _ids(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[str]:
    return [r[0] for r in con.execute(sql + " ORDER BY 1", list(params)).fetchall()]
