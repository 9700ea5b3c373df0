"""A seeded CRM store of any size, clean, and then a known number of faults of every kind.

    .venv/bin/python benchmarks/integrity_store.py PATH [--prospects 1000000] [--seed 7]

``build`` writes, into a real CRM file (opened through ``CRMStore``, so the migrations apply), N
prospects with the life they would have had: discovery, the stage machine's moves (every one of
them logged and allowed), research reports, emails (about 3 per prospect: a first email and up to
three follow-ups, queued drafts and held ones), the send ledger and its attempts (soft bounces
retried, old hard bounces, a few sends still unknown), about 0.3 N replies with the inbound
messages they came from, suppressions, inboxes, the retry queue and LLM calls. Everything is made
set-based in DuckDB SQL from ``range()`` and ``hash(i, seed, salt)``, so the same seed gives the
same store. The first rows are fixtures that sit just inside every bound (a bounce rate of 4%, 100
overdue retries, 37.5% of recent enrichments failing, transient stages 20 minutes old, unknown
sends 2-20 hours old, complaints and suppressions that came after the send...), so a check that is
off by one shows up as a false finding.

The clean store has no finding of any kind. ``inject_faults`` then adds faults, each of one kind
only, and returns the count each check must report (for the two rate-over-a-population kinds, the
whole offending population: see ``EXPECTED_NOTES``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from jengu_assets.stages import ALLOWED, Stage  # noqa: E402
from jengu_resources.crm_store import CRMStore  # noqa: E402

MEMORY_LIMIT = "2GB"       # DuckDB spills beyond it: the build stays polite on a shared machine
MIN_PROSPECTS = 1000
FIXTURES = 150            # prospects 0..149 play fixed parts, whatever N is
DOMAIN = "jengu-mail.example"
STEP_DAYS = (0, 3, 7, 14)  # first email, then the follow-ups' days (composition/follow_ups.PLAN)
CITIES = ("paris", "lyon", "nice", "berlin", "munich", "hamburg", "london", "bath", "york", "leeds",
          "madrid", "sevilla", "valencia", "rome", "milan", "naples", "lisbon", "porto", "athens",
          "vienna", "zurich", "geneva", "prague", "dublin", "edinburgh", "amsterdam", "brussels",
          "ghent", "krakow", "warsaw", "budapest", "copenhagen", "oslo", "bergen", "stockholm",
          "helsinki", "tallinn", "riga", "vilnius", "bled", "split", "zagreb", "sofia", "varna",
          "bucharest", "cluj", "salzburg", "graz", "basel", "bern")
COUNTRIES = ("FR", "DE", "GB", "ES", "IT", "PT", "GR", "AT", "CH", "CZ")
GATES_PASSED = ('[{"name": "spam", "passed": true, "score": 1.2, "threshold": 5.0, "reason": "ok", '
                '"details": []}, {"name": "readability", "passed": true, "score": 62.0, '
                '"threshold": 50.0, "reason": "ok", "details": []}]')
GATES_FAILED = GATES_PASSED.replace('"passed": true, "score": 1.2', '"passed": false, "score": 7.5')
REPORT = '{"summary": "Independent hotel, hiring front desk staff", "items": [], "sources": []}'

EXPECTED_NOTES = {
    "retry_backlog": "3 overdue retries added to the 100 the clean store holds at the bound: the "
                     "check lists all 103",
    "enrichment_failure_share": "11 failed enrichments added to the 15 of 40 recent ones: 26 of 51 "
                                "fail, and the check lists all 26",
}

# The stage machine's paths: (from, to, event) with the event that times the move.
_PIPE = [(None, "new", "born"), ("new", "enriching", "pipe"), ("enriching", "enriched", "pipe"),
         ("enriched", "researching", "pipe"), ("researching", "ready", "pipe"),
         ("ready", "composing", "pipe"), ("composing", "composed", "pipe"),
         ("composed", "queued", "pipe")]
_FAILED = [(None, "new", "born"), ("new", "enriching", "pipe"), ("enriching", "failed", "pipe")]
_SENT = _PIPE + [("queued", "sending", "claim"), ("sending", "sent", "delivered"),
                 ("sent", "contacted", "contacted")] + [
    ("contacted", "contacted", f"step:{s}") for s in (2, 3, 4)]
PATHS: dict[str, list[tuple[str | None, str, str]]] = {
    "new": _PIPE[:1], "enriched": _PIPE[:3], "ready": _PIPE[:5], "failed": _FAILED,
    "archived_early": [(None, "new", "born"), ("new", "archived", "pipe")],
    "composed": _PIPE[:7], "queued": _PIPE,
    "recent_enriched": _PIPE[:3], "recent_failed": _FAILED, "retry_failed": _FAILED,
    "transient_enriching": _PIPE[:2], "transient_researching": _PIPE[:4],
    "transient_composing": _PIPE[:6], "transient_sending": _PIPE + [("queued", "sending", "claim")],
    "hard_bounce": _PIPE + [("queued", "sending", "claim"), ("sending", "suppressed", "bounce")],
    "contacted": _SENT, "archived": _SENT + [("contacted", "archived", "archive")],
    "replied": _SENT + [("contacted", "replied", "reply")],
    "meeting": _SENT + [("contacted", "meeting", "reply")],
    "won": _SENT + [("contacted", "meeting", "reply"), ("meeting", "won", "won")],
    "lost": _SENT + [("contacted", "lost", "reply")],
    "engaged_q": _SENT + [("contacted", "engaged", "reply")],
    "engaged_d": _SENT + [("contacted", "engaged", "reply")],
    "unsubscribed": _SENT + [("contacted", "suppressed", "reply")],
    "complained": _SENT + [("contacted", "suppressed", "complaint")],
    "delegate": [(None, "new", "born")],
}
SENT_ROLES = ("hard_bounce", "contacted", "archived", "replied", "meeting", "won", "lost",
              "engaged_q", "engaged_d", "unsubscribed", "complained")
REPLY_ROLES = {"replied": "interested", "meeting": "meeting_request", "won": "meeting_request",
               "lost": "not_interested", "engaged_q": "needs_more_info", "engaged_d": "delegated",
               "unsubscribed": "unsubscribe"}


def _check_paths() -> None:
    for role, path in PATHS.items():
        for source, target, _ in path:
            if source is not None and Stage(target) not in ALLOWED[Stage(source)]:
                raise AssertionError(f"path {role}: {source} -> {target} is not allowed")


def build(store: CRMStore, prospects: int, *, seed: int, now: datetime) -> dict[str, int]:
    """Write the clean store into a new file; returns rows per table. Each statement commits on
    its own (one transaction for the whole build costs a third more: its commit rewrites what the
    statements wrote), so a build that fails half-way leaves a file to delete, not to use."""
    _check_paths()
    if prospects < MIN_PROSPECTS:
        raise ValueError(f"--prospects must be at least {MIN_PROSPECTS}: every inbox needs 50 sends "
                         "for its rates to be judged, and the faults need prospects to land on")
    with store.connect() as con:   # migrations run on the first connection
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute("SET preserve_insertion_order = false")
        indexes = _drop_indexes(con)
        _base(con, prospects, seed, now)
        _moves(con)
        _inboxes(con, max(20, prospects // 500))
        _prospects(con)
        _transitions(con)
        _sends(con)
        _replies(con)
        _the_rest(con, prospects)
        for sql in indexes:
            con.execute(sql)
        _near_misses(con)
        return sizes(con)


def _drop_indexes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Drop the secondary indexes of the tables about to be filled; returns the SQL that makes them
    again (as the migrations wrote it). Building an index over loaded rows is several times faster
    than keeping it up to date row by row."""
    indexes = con.execute("SELECT index_name, sql FROM duckdb_indexes() WHERE schema_name = 'main' "
                          "AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:
        con.execute(f"DROP INDEX {name}")
    return [sql for _, sql in indexes]


def sizes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = ("prospects", "emails", "send_ledger", "send_attempts", "replies", "inbound_messages",
              "research_reports", "state_transitions", "suppression_list", "inboxes",
              "failed_tasks", "llm_calls")
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}


def _base(con: duckdb.DuckDBPyConnection, n: int, seed: int, now: datetime) -> None:
    """One row per prospect: its part (role), steps, clock and inbox, decided by hashes."""
    con.execute(f"CREATE TEMP MACRO u(i, salt) AS (hash(i, {int(seed)}, salt) % 1000000) / 1000000.0")
    con.execute("CREATE TEMP TABLE clock AS SELECT CAST(? AS TIMESTAMPTZ) AS now", [now])
    # 22 enriched and 15 failed in the last days, plus three transient ones past enrichment: 40
    # tried, 37.5% failed. 100 old failures wait for an overdue retry: the backlog's bound.
    fixtures = ("CASE WHEN i < 22 THEN 'recent_enriched' WHEN i < 37 THEN 'recent_failed' "
                "WHEN i = 37 THEN 'transient_enriching' WHEN i = 38 THEN 'transient_researching' "
                "WHEN i = 39 THEN 'transient_composing' WHEN i = 40 THEN 'transient_sending' "
                "WHEN i < 50 THEN 'new' ELSE 'retry_failed' END")
    con.execute(f"""
        CREATE TEMP TABLE raw AS
        SELECT i, u(i, 'cohort') AS c, u(i, 'reply') AS r, u(i, 'intent') AS t, u(i, 'k') AS kk,
               (SELECT now FROM clock) - to_days(18 + CAST(u(i, 't0') * 58 AS INTEGER))
                   - to_minutes(CAST(u(i, 'min') * 480 AS INTEGER)) AS t0,
               hash(i, {int(seed)}, 'hard') % 100 = 0 AS hard,
               hash(i, {int(seed)}, 'complaint') % 1000 = 0 AS complaint,
               hash(i, {int(seed)}, 'unknown') % 1000 = 0 AS unknown_recent,
               hash(i, {int(seed)}, 'soft') % 50 = 0 AS soft,
               i % 2 = 1 AND hash(i, {int(seed)}, 'delegate') % 100 = 0 AS delegate
          FROM range({int(n)}) t(i)""")
    con.execute(f"""
        CREATE TEMP TABLE roles AS
        SELECT *, CASE
            WHEN i < {FIXTURES} THEN {fixtures}
            WHEN c < 0.002 THEN 'new' WHEN c < 0.004 THEN 'enriched' WHEN c < 0.006 THEN 'ready'
            WHEN c < 0.008 THEN 'failed' WHEN c < 0.010 THEN 'archived_early'
            WHEN c < 0.020 THEN 'composed' WHEN c < 0.050 THEN 'queued'
            WHEN hard AND t0 < (SELECT now FROM clock) - to_days(40) THEN 'hard_bounce'
            WHEN r < 0.316 THEN CASE
                WHEN t < 0.25 THEN 'replied' WHEN t < 0.32 THEN 'meeting' WHEN t < 0.35 THEN 'won'
                WHEN t < 0.65 THEN 'lost' WHEN t < 0.80 THEN 'engaged_q' WHEN t < 0.88 THEN 'engaged_d'
                ELSE 'unsubscribed' END
            WHEN complaint AND t0 < (SELECT now FROM clock) - to_days(40) THEN 'complained'
            WHEN t < 0.05 THEN 'archived'
            ELSE 'contacted' END AS role0
          FROM raw""")
    # A delegated colleague (odd i) is born from its parent's (i - 1) reply, so the parent's part
    # is a delegation; only parents that had a send can delegate.
    con.execute(f"""
        CREATE TEMP TABLE g AS
        WITH d AS (
            SELECT *, lead(delegate) OVER (ORDER BY i) AND role0 IN {SENT_ROLES} AND role0 <> 'hard_bounce'
                          AND i >= {FIXTURES} AS parent,
                      delegate AND lag(role0) OVER (ORDER BY i) IN {SENT_ROLES}
                          AND lag(role0) OVER (ORDER BY i) <> 'hard_bounce' AND i > {FIXTURES} AS child
              FROM roles)
        SELECT i, 'p' || lpad(CAST(i AS VARCHAR), 8, '0') AS id,
               CASE WHEN child THEN 'delegate' WHEN parent THEN 'engaged_d' ELSE role0 END AS role,
               t0, r, kk, soft,
               unknown_recent AND NOT parent AND role0 = 'contacted' AND kk >= 0.2 AS unknown_recent,
               CASE WHEN role0 = 'hard_bounce' THEN 1 WHEN kk < 0.1 THEN 1 WHEN kk < 0.2 THEN 2
                    WHEN kk < 0.6 THEN 3 ELSE 4 END AS k,
               CAST(hash(i, 'inbox') % (SELECT greatest(20, {int(n)} // 500)) AS INTEGER) AS inbox
          FROM d""")
    con.execute("DROP TABLE raw")
    con.execute("DROP TABLE roles")
    # Times: a step's claim, the reply, the complaint. An unknown send is a recent last step.
    con.execute("""
        CREATE TEMP MACRO step_at(t0, i, step, k, unknown_recent) AS CASE
            WHEN unknown_recent AND step = k
                THEN (SELECT now FROM clock) - to_minutes(120 + CAST(u(i, 'unknown_at') * 1000 AS INTEGER))
            ELSE t0 + to_days([0, 3, 7, 14][step]) + to_minutes(CAST(u(i, 'step' || step) * 90 AS INTEGER))
            END""")
    reply_roles = tuple(REPLY_ROLES)
    con.execute(f"""
        CREATE TEMP TABLE timed AS
        SELECT *, CASE WHEN role IN {reply_roles} THEN last_step_at
                       + to_minutes(1500 + CAST(u(i, 'reply_at') * 1440 AS INTEGER)) END AS reply_at
          FROM (SELECT *, step_at(t0, i, k, k, unknown_recent) AS last_step_at FROM g)""")
    con.execute("""
        CREATE TEMP TABLE timeline AS
        SELECT *, CASE
                   WHEN role IN ('transient_enriching', 'transient_researching',
                                 'transient_composing', 'transient_sending')
                       THEN (SELECT now FROM clock) - to_minutes(40)
                   WHEN role IN ('recent_enriched', 'recent_failed')
                       THEN (SELECT now FROM clock) - to_days(1 + i % 5)
                   WHEN role = 'delegate' THEN lag(reply_at) OVER (ORDER BY i)
                   ELSE t0 - to_days(2 + CAST(r * 8 AS INTEGER)) END AS created_at
          FROM timed""")
    con.execute("DROP TABLE timed")


def _inboxes(con: duckdb.DuckDBPyConnection, count: int) -> None:
    con.execute(f"""
        INSERT INTO inboxes (id, email, display_name, smtp_host, smtp_port, tls_mode, username,
                             password_env, daily_cap, min_gap_seconds, warmup_ramp, created_at)
        SELECT 'ib' || lpad(CAST(j AS VARCHAR), 5, '0'), 'sender' || j || '@{DOMAIN}',
               'Jengu Sender ' || j, '127.0.0.1', 2525, 'none', 'sender' || j || '@{DOMAIN}',
               'JENGU_BENCH_PASSWORD', 50, 300, '5,10,15,18,20',
               (SELECT now FROM clock) - to_days(120)
          FROM range({int(count)}) t(j)""")
    con.execute("CREATE TEMP TABLE inbox_ids AS SELECT row_number() OVER (ORDER BY id) - 1 AS j, id, "
                "email FROM inboxes")


def _prospects(con: duckdb.DuckDBPyConnection) -> None:
    cities = "[" + ", ".join(f"'{c}'" for c in CITIES) + "]"
    countries = "[" + ", ".join(f"'{c}'" for c in COUNTRIES) + "]"
    # Neighbours 2k and 2k+1 share a name in different cities (a chain: not duplicates); a
    # delegated colleague takes its parent's city, so it shares name and city with its parent.
    con.execute(f"""
        INSERT INTO prospects (id, company_name, contact_name, contact_title, email, phone, website,
            domain, company_type, city, country, timezone, name_key, city_key, tier, hiring_signal,
            hiring_role, source, source_ref, discovered_on, stage, stage_changed_at, created_at,
            updated_at, website_final_url, email_status, email_sendable, email_kind, email_origin,
            enrichment_reason, enriched_at, parent_prospect_id, behaviour_score, last_reply_at)
        SELECT id, 'Hotel ' || (i // 2), 'Guest ' || i, 'General Manager',
               'guest' || i || '@hotel' || i || '.example', '+33 1 00 00 ' || lpad(CAST(i % 10000 AS VARCHAR), 4, '0'),
               'https://hotel' || i || '.example', 'hotel' || i || '.example', 'independent',
               upper(city[1]) || city[2:], {countries}[1 + (i // 2) % {len(COUNTRIES)}], 'Europe/Paris',
               'hotel ' || (i // 2), city, 'warm', TRUE, 'front desk', 'csv', 'bench:' || i,
               CAST(timezone('UTC', created_at) AS DATE), f.stage, f.changed_at, created_at,
               f.changed_at,
               CASE WHEN enriched THEN 'https://hotel' || i || '.example/' END,
               CASE WHEN enriched THEN 'valid' END, enriched, CASE WHEN enriched THEN 'personal' END,
               CASE WHEN enriched THEN 'site' END,
               CASE WHEN role IN ('failed', 'recent_failed') THEN 'no website found'
                    WHEN role = 'retry_failed' THEN 'search_unavailable' END,
               CASE WHEN enriched THEN created_at + to_minutes(2) END,
               CASE WHEN role = 'delegate' THEN 'p' || lpad(CAST(i - 1 AS VARCHAR), 8, '0') END,
               CASE role WHEN 'replied' THEN 70 WHEN 'meeting' THEN 90 WHEN 'won' THEN 95
                         WHEN 'lost' THEN 10 WHEN 'engaged_q' THEN 55 WHEN 'engaged_d' THEN 50
                         WHEN 'unsubscribed' THEN 0 END,
               reply_at
          FROM (SELECT *, role NOT IN ('new', 'failed', 'recent_failed', 'retry_failed',
                                       'archived_early', 'transient_enriching', 'delegate') AS enriched,
                       {cities}[1 + CASE WHEN role = 'delegate' THEN (i - 1) % 2 ELSE i % 2 END
                                + 2 * ((i // 2) % {len(CITIES) // 2})] AS city
                  FROM timeline) t JOIN final f ON f.prospect_id = t.id""")
    con.execute("DROP TABLE final")


def _moves(con: duckdb.DuckDBPyConnection) -> None:
    """Every stage move of every prospect, timed, and so each prospect's stage and its time."""
    rows = [(role, j, source, target, *_event(event))
            for role, path in PATHS.items() for j, (source, target, event) in enumerate(path)]
    con.execute("CREATE TEMP TABLE paths (role VARCHAR, j INTEGER, from_stage VARCHAR, "
                "to_stage VARCHAR, event VARCHAR, step INTEGER)")
    con.executemany("INSERT INTO paths VALUES (?, ?, ?, ?, ?, ?)", rows)
    # A follow-up's self-move exists only for the steps that were sent.
    con.execute("""
        CREATE TEMP TABLE moves AS
        SELECT t.id AS prospect_id, p.j, p.from_stage, p.to_stage, p.event,
               CASE p.event
                   WHEN 'born' THEN t.created_at
                   WHEN 'pipe' THEN t.created_at + to_minutes(p.j)
                   WHEN 'claim' THEN CASE WHEN t.role = 'transient_sending'
                                          THEN (SELECT now FROM clock) - to_minutes(5)
                                          ELSE step_at(t.t0, t.i, 1, t.k, t.unknown_recent) END
                   WHEN 'delivered' THEN step_at(t.t0, t.i, 1, t.k, t.unknown_recent) + to_seconds(2)
                   WHEN 'bounce' THEN step_at(t.t0, t.i, 1, t.k, t.unknown_recent) + to_minutes(1)
                   WHEN 'contacted' THEN step_at(t.t0, t.i, 1, t.k, t.unknown_recent) + to_days(1)
                   WHEN 'reply' THEN t.reply_at
                   WHEN 'won' THEN t.reply_at + to_days(1)
                   WHEN 'complaint' THEN t.last_step_at + to_days(1)
                   WHEN 'archive' THEN least(t.last_step_at + to_days(30), (SELECT now FROM clock) - to_days(1))
                   WHEN 'step' THEN step_at(t.t0, t.i, p.step, t.k, t.unknown_recent)
               END AS changed_at
          FROM timeline t JOIN paths p ON p.role = t.role
         WHERE coalesce(p.step, 0) <= t.k""")
    con.execute("""
        CREATE TEMP TABLE final AS
        SELECT prospect_id, arg_max(to_stage, j) AS stage, max(changed_at) AS changed_at
          FROM moves GROUP BY 1""")


def _transitions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        INSERT INTO state_transitions (prospect_id, from_stage, to_stage, reason, actor, changed_at)
        SELECT prospect_id, from_stage, to_stage, event, 'benchmark', changed_at
          FROM moves ORDER BY prospect_id, j""")
    con.execute("DROP TABLE moves")


def _event(event: str) -> tuple[str, int | None]:
    """'step:3' -> ('step', 3): a follow-up's move, timed by its step; others have no step."""
    name, _, step = event.partition(":")
    return name, int(step) if step else None


def _sends(con: duckdb.DuckDBPyConnection) -> None:
    """Emails, ledger rows and attempts. Steps 1..k of the sent prospects went out (step 1 of a
    hard bounce failed; the last step of an ``unknown_recent`` one is unknown); a queued prospect
    has one queued draft, a composed one a held draft, the one in ``sending`` a claim in flight."""
    con.execute(f"""
        CREATE TEMP TABLE steps AS
        SELECT t.i, t.id AS prospect_id, s.step, t.role, t.soft AND s.step = 1 AS soft,
               ib.id AS inbox_id, ib.email AS inbox_email,
               'guest' || t.i || '@hotel' || t.i || '.example' AS to_email,
               CASE WHEN t.role = 'transient_sending' THEN (SELECT now FROM clock) - to_minutes(5)
                    ELSE step_at(t.t0, t.i, s.step, t.k, t.unknown_recent) END AS claimed_at,
               CASE WHEN t.role = 'hard_bounce' THEN 'hard'
                    WHEN t.role = 'transient_sending' THEN 'claimed'
                    WHEN t.unknown_recent AND s.step = t.k THEN 'unknown'
                    ELSE 'delivered' END AS outcome,
               '<m.' || t.i || '.' || s.step || '.' || CASE WHEN t.soft AND s.step = 1 THEN 2 ELSE 1 END
                   || '@{DOMAIN}>' AS message_id,
               CASE WHEN t.soft AND s.step = 1 THEN 2 ELSE 1 END AS attempts
          FROM timeline t
          JOIN inbox_ids ib ON ib.j = t.inbox
          CROSS JOIN LATERAL (SELECT unnest(range(1, CASE WHEN t.role = 'transient_sending' THEN 2
                                                          ELSE t.k + 1 END)) AS step) s
         WHERE t.role IN {SENT_ROLES + ('transient_sending',)}""")
    con.execute(f"""
        INSERT INTO emails (id, prospect_id, sequence_step, kind, subject, body, to_email, from_email,
                            inbox_id, status, message_id, gates, composed_on, created_at, sent_at,
                            hold_reason, attempts, llm_provider)
        SELECT 'e' || prospect_id || '-' || step, prospect_id, step,
               CASE WHEN step = 1 THEN 'outreach' ELSE 'follow_up' END,
               CASE WHEN step = 1 THEN 'Front desk hiring at Hotel ' || (i // 2)
                    ELSE 'Re: Front desk hiring at Hotel ' || (i // 2) END,
               'Hello Guest ' || i || E',\\n\\nA short note about your front desk posting.\\n\\nJengu\\n',
               to_email, inbox_email, inbox_id,
               CASE outcome WHEN 'hard' THEN 'bounced' WHEN 'claimed' THEN 'sending'
                            WHEN 'unknown' THEN 'unknown' ELSE 'sent' END,
               message_id, '{GATES_PASSED}', CAST(timezone('UTC', claimed_at) AS DATE) - 1,
               claimed_at - to_days(1), CASE WHEN outcome = 'delivered' THEN claimed_at + to_seconds(2) END,
               NULL, 1, 'offline'
          FROM steps""")
    con.execute(f"""
        INSERT INTO emails (id, prospect_id, sequence_step, kind, subject, body, to_email, status,
                            gates, composed_on, created_at, hold_reason, attempts, llm_provider)
        SELECT 'e' || id || '-1', id, 1, 'outreach', 'Front desk hiring at Hotel ' || (i // 2),
               'Hello Guest ' || i || E',\\n\\nA short note.\\n\\nJengu\\n',
               'guest' || i || '@hotel' || i || '.example',
               CASE role WHEN 'queued' THEN 'queued' ELSE 'held' END,
               CASE role WHEN 'queued' THEN '{GATES_PASSED}' ELSE '{GATES_FAILED}' END,
               CAST(timezone('UTC', created_at) AS DATE), created_at + to_minutes(7),
               CASE role WHEN 'composed' THEN 'gate: spam score above 5.0' END, 1, 'offline'
          FROM timeline WHERE role IN ('queued', 'composed')""")
    con.execute("""
        INSERT INTO send_ledger (prospect_id, sequence_step, email_id, inbox_id, to_email, message_id,
                                 state, attempts, owner, claimed_at, resolved_at, smtp_code,
                                 enhanced_status, category, detail)
        SELECT prospect_id, step, 'e' || prospect_id || '-' || step, inbox_id, to_email, message_id,
               CASE outcome WHEN 'hard' THEN 'failed' WHEN 'claimed' THEN 'claimed'
                            WHEN 'unknown' THEN 'unknown' ELSE 'sent' END,
               attempts, 'bench:0:' || i, claimed_at,
               CASE WHEN outcome IN ('hard', 'delivered') THEN claimed_at + to_seconds(2) END,
               CASE outcome WHEN 'hard' THEN 550 WHEN 'delivered' THEN 250 END,
               CASE outcome WHEN 'hard' THEN '5.1.1' WHEN 'delivered' THEN '2.0.0' END,
               CASE WHEN outcome IN ('hard', 'delivered', 'unknown') THEN outcome END,
               CASE outcome WHEN 'hard' THEN 'user unknown' WHEN 'delivered' THEN 'queued as 1'
                            WHEN 'unknown' THEN 'connection lost after DATA' END
          FROM steps""")
    con.execute(f"""
        INSERT INTO send_attempts (message_id, prospect_id, sequence_step, attempt, inbox_id, to_email,
                                   claimed_at, state, resolved_at, smtp_code, enhanced_status,
                                   category, detail)
        SELECT message_id, prospect_id, step, attempts, inbox_id, to_email, claimed_at,
               CASE outcome WHEN 'hard' THEN 'failed' WHEN 'claimed' THEN 'claimed'
                            WHEN 'unknown' THEN 'unknown' ELSE 'sent' END,
               CASE WHEN outcome IN ('hard', 'delivered') THEN claimed_at + to_seconds(2) END,
               CASE outcome WHEN 'hard' THEN 550 WHEN 'delivered' THEN 250 END,
               CASE outcome WHEN 'hard' THEN '5.1.1' WHEN 'delivered' THEN '2.0.0' END,
               CASE WHEN outcome IN ('hard', 'delivered', 'unknown') THEN outcome END,
               CASE outcome WHEN 'hard' THEN 'user unknown' WHEN 'delivered' THEN 'queued as 1'
                            WHEN 'unknown' THEN 'connection lost after DATA' END
          FROM steps
        UNION ALL
        -- A soft bounce a day before: retried with a new Message-ID and delivered.
        SELECT '<m.' || i || '.1.1@{DOMAIN}>', prospect_id, 1, 1, inbox_id, to_email,
               claimed_at - to_days(1), 'failed', claimed_at - to_days(1) + to_seconds(3), 451,
               '4.2.2', 'soft', 'mailbox full'
          FROM steps WHERE soft""")


def _replies(con: duckdb.DuckDBPyConnection) -> None:
    """A human reply to the last step of each replying prospect, stored raw first; old complaints
    about the last step of the complained ones; the suppressions that followed."""
    intents = "CASE t.role " + " ".join(f"WHEN '{r}' THEN '{i}'" for r, i in REPLY_ROLES.items()) + " END"
    con.execute(f"""
        CREATE TEMP TABLE answers AS
        SELECT t.i, t.id AS prospect_id, t.role, {intents} AS intent, s.inbox_id, s.message_id,
               'e' || t.id || '-' || s.step AS email_id, s.to_email,
               CASE WHEN t.role = 'complained' THEN t.last_step_at + to_days(1) ELSE t.reply_at END AS answered_at
          FROM timeline t JOIN steps s ON s.i = t.i AND s.step = t.k
         WHERE t.role IN {tuple(REPLY_ROLES) + ('complained',)}""")
    con.execute("""
        INSERT INTO inbound_messages (id, message_key, inbox_id, folder, uidvalidity, uid, raw,
            size_bytes, received_at, stored_at, status, kind, from_email, subject, in_reply_to,
            prospect_id, email_id, matched_by, processed_at, attempts)
        SELECT 'in_' || i, '<r.' || i || '@hotel' || i || '.example>', inbox_id, 'INBOX', 1,
               CAST(i AS BIGINT),
               encode('From: ' || to_email || E'\\r\\nIn-Reply-To: ' || message_id
                      || E'\\r\\nSubject: Re: your note\\r\\n\\r\\nThanks, tell me more.\\r\\n'),
               120, answered_at, answered_at + to_seconds(30), 'processed',
               CASE WHEN role = 'complained' THEN 'complaint' ELSE 'human_reply' END,
               to_email, 'Re: your note', message_id, prospect_id, email_id, 'in_reply_to',
               answered_at + to_seconds(40), 1
          FROM answers""")
    con.execute("""
        INSERT INTO replies (id, inbound_message_id, prospect_id, email_id, from_email, subject, body,
                             intent, sentiment, confidence, reasoning, provider, score, received_at,
                             processed_at)
        SELECT 'rp_in_' || i, 'in_' || i, prospect_id, email_id, to_email, 'Re: your note',
               'Thanks, tell me more.', intent,
               CASE WHEN intent IN ('not_interested', 'unsubscribe') THEN 'negative' ELSE 'positive' END,
               0.9, 'offline rules', 'offline',
               CASE intent WHEN 'interested' THEN 70 WHEN 'meeting_request' THEN 90
                           WHEN 'not_interested' THEN 10 WHEN 'needs_more_info' THEN 55
                           WHEN 'delegated' THEN 50 ELSE 0 END,
               answered_at, answered_at + to_seconds(40)
          FROM answers WHERE role <> 'complained'""")
    con.execute("""
        INSERT INTO suppression_list (email, reason, source, created_at)
        SELECT to_email, reason, source, created_at FROM (
            SELECT to_email, 'unsubscribe reply' AS reason, 'reply' AS source, answered_at + to_seconds(40) AS created_at
              FROM answers WHERE role = 'unsubscribed'
            UNION ALL
            SELECT to_email, 'complaint (feedback report)', 'complaint', answered_at + to_seconds(40)
              FROM answers WHERE role = 'complained'
            UNION ALL
            SELECT to_email, 'hard bounce: user unknown', 'smtp', claimed_at + to_minutes(1)
              FROM steps WHERE outcome = 'hard')""")


def _the_rest(con: duckdb.DuckDBPyConnection, n: int) -> None:
    con.execute(f"""
        INSERT INTO suppression_list (email, reason, source, created_at)
        SELECT 'optout' || j || '@elsewhere.example', 'asked by phone', 'manual',
               (SELECT now FROM clock) - to_days(200)
          FROM range({max(1, n // 100)}) t(j)""")
    con.execute(f"""
        INSERT INTO research_reports (id, prospect_id, partition_date, report, created_at)
        SELECT 'rr_' || id, id, CAST(timezone('UTC', created_at) AS DATE), '{REPORT}',
               created_at + to_minutes(4)
          FROM timeline
         WHERE role NOT IN ('new', 'enriched', 'failed', 'recent_enriched', 'recent_failed',
                            'retry_failed', 'archived_early', 'transient_enriching',
                            'transient_researching', 'delegate')""")
    con.execute("""
        INSERT INTO llm_calls (provider, model, task, prospect_id, email_id, status, input_tokens,
                               output_tokens, cost_usd, latency_ms, created_at)
        SELECT 'offline', 'rules', 'first_email', prospect_id, 'e' || prospect_id || '-1', 'ok', 900,
               250, 0.0021, 12.5, claimed_at - to_days(1)
          FROM steps WHERE step = 1 AND i % 10 = 0""")
    # The retry queue: 100 overdue retries (the bound), work done long ago, retries not yet due.
    con.execute("""
        INSERT INTO failed_tasks (task, prospect_id, error, reason, attempts, next_attempt_at,
                                  partition_date, status, created_at, resolved_at)
        SELECT 'enrich', id, 'search provider unavailable', 'search_unavailable', 2,
               (SELECT now FROM clock) - to_days(2), CAST(timezone('UTC', created_at) AS DATE),
               'pending', created_at, NULL
          FROM timeline WHERE role = 'retry_failed'
        UNION ALL
        SELECT 'enrich', id, 'verifier unavailable', 'verifier_unavailable', 1, NULL,
               CAST(timezone('UTC', created_at) AS DATE), 'resolved', created_at,
               created_at + to_minutes(2)
          FROM timeline WHERE role = 'contacted' AND i % 20 = 0
        UNION ALL
        SELECT 'enrich', id, 'search provider unavailable', 'search_unavailable', 1,
               (SELECT now FROM clock) + to_minutes(3), CAST(timezone('UTC', created_at) AS DATE),
               'pending', created_at, NULL
          FROM timeline WHERE role = 'recent_failed' AND i % 5 = 0""")


def _near_misses(con: duckdb.DuckDBPyConnection) -> None:
    """The first inbox: two bounces among its last 50 answered sends (4%, inside the 5% bound)."""
    _bounce(con, [r[0] for r in con.execute(f"""
        SELECT message_id FROM ({_LAST_ANSWERED}) WHERE inbox_id = (SELECT min(id) FROM inboxes)
           AND category = 'delivered' ORDER BY claimed_at DESC LIMIT 2""").fetchall()])
    for table in ("timeline", "steps", "answers", "paths", "inbox_ids", "g"):
        con.execute(f"DROP TABLE {table}")


# Each inbox's last 50 answered sends, as the rate checks count them.
_LAST_ANSWERED = """
    SELECT * FROM send_attempts WHERE category IN ('delivered', 'soft', 'hard', 'policy')
    QUALIFY row_number() OVER (PARTITION BY inbox_id ORDER BY claimed_at DESC, message_id DESC) <= 50"""


def _bounce(con: duckdb.DuckDBPyConnection, message_ids: list[str]) -> None:
    """Turn delivered attempts into hard bounces, in the attempt, its ledger row and its email."""
    con.execute("UPDATE send_attempts SET state = 'failed', category = 'hard', smtp_code = 550, "
                "enhanced_status = '5.1.1', detail = 'user unknown' WHERE message_id IN (SELECT unnest(?))",
                [message_ids])
    con.execute("UPDATE send_ledger SET state = 'failed', category = 'hard', smtp_code = 550, "
                "enhanced_status = '5.1.1' WHERE message_id IN (SELECT unnest(?))", [message_ids])
    con.execute("UPDATE emails SET status = 'bounced', sent_at = NULL "
                "WHERE message_id IN (SELECT unnest(?))", [message_ids])


def inject_faults(store: CRMStore, *, seed: int, now: datetime) -> dict[str, int]:
    """Add faults to a clean store, each of one kind only; returns the count each check must
    report (``EXPECTED_NOTES`` explains the two that count a whole population)."""
    expected: dict[str, int] = {}
    with store.transaction() as con:
        con.execute("CREATE TEMP TABLE clock AS SELECT CAST(? AS TIMESTAMPTZ) AS now", [now])
        # Inbox rates first: their flips touch recent sends, which the picks below then avoid.
        inboxes = [r[0] for r in con.execute(f"""
            SELECT inbox_id FROM ({_LAST_ANSWERED}) WHERE inbox_id <> (SELECT min(id) FROM inboxes)
             GROUP BY 1 HAVING count(*) = 50 ORDER BY hash(inbox_id, {int(seed)}) LIMIT 3""").fetchall()]
        for inbox in inboxes[:2]:
            _bounce(con, [r[0] for r in con.execute(f"""
                SELECT message_id FROM ({_LAST_ANSWERED}) WHERE inbox_id = ? AND category = 'delivered'
                 ORDER BY claimed_at DESC LIMIT 3""", [inbox]).fetchall()])
        expected["inbox_bounce_rate"] = 2
        con.execute(f"""
            INSERT INTO inbound_messages (id, message_key, inbox_id, raw, size_bytes, received_at,
                status, kind, from_email, prospect_id, email_id, matched_by, processed_at)
            SELECT 'in_complaint_' || l.prospect_id, '<complaint.' || l.prospect_id || '@fbl.example>',
                   l.inbox_id, encode('Feedback-Type: abuse'), 20, now, 'processed', 'complaint',
                   'fbl@isp.example', l.prospect_id, l.email_id, 'bounce_original', now
              FROM ({_LAST_ANSWERED}) a JOIN send_ledger l ON l.message_id = a.message_id, clock
             WHERE a.inbox_id = ? AND a.state = 'sent'
             ORDER BY a.claimed_at DESC LIMIT 1""", [inboxes[2]])
        expected["inbox_complaint_rate"] = 1

        # Prospects whose sends all went out at the first try, in a seeded order.
        candidates = [r[0] for r in con.execute(f"""
            SELECT p.id FROM prospects p
             WHERE p.stage = 'contacted' AND p.parent_prospect_id IS NULL
               AND p.id NOT IN (SELECT parent_prospect_id FROM prospects
                                 WHERE parent_prospect_id IS NOT NULL)
               AND p.id NOT IN (SELECT prospect_id FROM inbound_messages WHERE kind = 'complaint'
                                   AND prospect_id IS NOT NULL)
               AND p.id IN (SELECT prospect_id FROM send_attempts GROUP BY 1
                             HAVING bool_and(state = 'sent' AND attempt = 1) AND count(*) >= 2)
             ORDER BY hash(p.id, {int(seed)}) LIMIT 60""").fetchall()]
        pick = iter(candidates)

        def take(n: int) -> list[str]:
            return [next(pick) for _ in range(n)]

        expected["orphan_email"] = _orphan_emails(con, 7)
        expected["orphan_ledger"] = _orphan_sends(con, ledger_rows=4, attempts_only=3)
        expected["orphan_reply"] = _orphan_replies(con, 3)
        con.execute("INSERT INTO research_reports (id, prospect_id, partition_date, report) "
                    f"SELECT 'rr_gone_' || j, 'gone-rr' || j, current_date, '{REPORT}' FROM range(5) t(j)")
        expected["orphan_research"] = 5

        for n, ids in enumerate(take(5)):
            _twin(con, f"pdupe{n}", ids, same="email")
        expected["duplicate_email"] = 5
        for n, ids in enumerate(take(6)):
            _twin(con, f"ptwin{n}", ids, same="name_city")
        expected["duplicate_name_city"] = 6

        double = take(4)
        con.execute(f"""
            INSERT INTO emails (id, prospect_id, sequence_step, kind, subject, body, to_email,
                                from_email, inbox_id, status, message_id, gates, sent_at)
            SELECT e.id || 'b', e.prospect_id, 1, 'outreach', e.subject, e.body, e.to_email,
                   e.from_email, e.inbox_id, 'sent', '<dd.' || e.prospect_id || '@{DOMAIN}>',
                   e.gates, e.sent_at + to_hours(1)
              FROM emails e WHERE e.prospect_id IN (SELECT unnest(?)) AND e.sequence_step = 1""",
                    [double])
        con.execute("""
            INSERT INTO send_attempts (message_id, prospect_id, sequence_step, attempt, inbox_id,
                                       to_email, claimed_at, state, resolved_at, smtp_code, category)
            SELECT e.message_id, e.prospect_id, 1, 2, e.inbox_id, e.to_email, e.sent_at, 'sent',
                   e.sent_at, 250, 'delivered'
              FROM emails e WHERE e.prospect_id IN (SELECT unnest(?)) AND e.id LIKE '%b'""", [double])
        expected["double_delivery"] = 4

        # Suppressed an hour before the last step was claimed: that one delivery offends.
        con.execute("""
            INSERT INTO suppression_list (email, reason, source, created_at)
            SELECT lower(to_email), 'asked by phone', 'manual', max(claimed_at) - to_hours(1)
              FROM send_attempts WHERE prospect_id IN (SELECT unnest(?)) GROUP BY 1""", [take(3)])
        expected["suppressed_send"] = 3

        con.execute("""
            INSERT INTO state_transitions (prospect_id, from_stage, to_stage, reason, actor, changed_at)
            SELECT id, 'new', 'sent', 'written by hand', 'psql', created_at + to_seconds(30)
              FROM prospects WHERE id IN (SELECT unnest(?))""", [take(5)])
        expected["invalid_transition"] = 5

        stuck = [r[0] for r in con.execute(
            "SELECT id FROM prospects WHERE stage = 'new' AND id < 'p00000050' ORDER BY id LIMIT 4"
        ).fetchall()]
        for pid, stage in zip(stuck, ("enriching", "researching", "composing", "sending")):
            con.execute("UPDATE prospects SET stage = ?, stage_changed_at = ? - to_hours(3) "
                        "WHERE id = ?", [stage, now, pid])
        expected["stuck_transient"] = 4

        queued = [r[0] for r in con.execute(
            f"SELECT id FROM emails WHERE status = 'queued' ORDER BY hash(id, {int(seed)}) LIMIT 3"
        ).fetchall()]
        for email_id, change in zip(queued, ("body = NULL", "to_email = NULL",
                                             f"gates = '{GATES_FAILED}'")):
            con.execute(f"UPDATE emails SET {change} WHERE id = ?", [email_id])
        no_time, no_id, no_email = take(3)
        con.execute("UPDATE emails SET sent_at = NULL WHERE id = ?", [f"e{no_time}-1"])
        con.execute("UPDATE emails SET message_id = NULL WHERE id = ?", [f"e{no_id}-2"])
        con.execute("UPDATE prospects SET email = NULL WHERE id = ?", [no_email])
        expected["missing_required"] = 6

        con.execute("""
            INSERT INTO failed_tasks (task, prospect_id, error, reason, attempts, next_attempt_at,
                                      partition_date, status, created_at)
            SELECT 'research', unnest(?), 'search provider unavailable', 'search_unavailable', 3,
                   now - to_days(3), CAST(timezone('UTC', now) AS DATE) - 3, 'pending', now - to_days(4)
              FROM clock""", [take(3)])
        expected["retry_backlog"] = 103

        _failed_enrichments(con, 11)
        expected["enrichment_failure_share"] = 26

        unknown = [f"<m.{int(pid[1:])}.1.1@{DOMAIN}>" for pid in take(3)]
        con.execute("UPDATE send_ledger SET state = 'unknown', category = 'unknown', resolved_at = NULL, "
                    "smtp_code = NULL WHERE message_id IN (SELECT unnest(?))", [unknown])
        con.execute("UPDATE send_attempts SET state = 'unknown', category = 'unknown', resolved_at = NULL, "
                    "smtp_code = NULL WHERE message_id IN (SELECT unnest(?))", [unknown])
        con.execute("UPDATE emails SET status = 'unknown', sent_at = NULL "
                    "WHERE message_id IN (SELECT unnest(?))", [unknown])
        expected["stale_unknown_send"] = 3

        # Replies from addresses nothing places, left two days without a person.
        con.execute("""
            INSERT INTO inbound_messages (id, message_key, inbox_id, raw, size_bytes, received_at,
                stored_at, status, kind, from_email, reason, processed_at)
            SELECT 'in_unplaced_' || j, '<unplaced.' || j || '@private.example>',
                   (SELECT min(id) FROM inboxes), encode('Hello, tell me more.'), 20, now - to_days(2),
                   now - to_days(2), 'unmatched', 'human_reply', 'owner' || j || '@private.example',
                   'no thread header or address matches a prospect; kept for review', now - to_days(2)
              FROM range(4) t(j), clock""")
        expected["inbound_review_backlog"] = 4
        con.execute("DROP TABLE clock")
    return expected


def _orphan_emails(con: duckdb.DuckDBPyConnection, n: int) -> int:
    con.execute(f"""
        INSERT INTO emails (id, prospect_id, sequence_step, subject, body, to_email, from_email,
                            inbox_id, status, message_id, gates, sent_at)
        SELECT 'e_gone_' || j, 'gone-e' || j, 1, 'Front desk hiring', 'Hello', 'gone' || j || '@nowhere.example',
               (SELECT min(email) FROM inboxes), (SELECT min(id) FROM inboxes), 'sent',
               '<orphan-e' || j || '@{DOMAIN}>', '{GATES_PASSED}', now - to_days(80)
          FROM range({n}) t(j), clock""")
    return n


def _orphan_sends(con: duckdb.DuckDBPyConnection, *, ledger_rows: int, attempts_only: int) -> int:
    """Ledger rows with their attempt, and attempts alone, of prospects that are gone."""
    con.execute(f"""
        CREATE TEMP TABLE gone_sends AS
        SELECT 'gone-l' || j AS prospect_id, j < {ledger_rows} AS in_ledger,
               '<orphan-l' || j || '@{DOMAIN}>' AS message_id, now - to_days(80) AS sent_at,
               (SELECT max(id) FROM inboxes) AS inbox_id
          FROM range({ledger_rows + attempts_only}) t(j), clock""")
    con.execute("""
        INSERT INTO send_ledger (prospect_id, sequence_step, email_id, inbox_id, to_email, message_id,
                                 state, attempts, owner, claimed_at, resolved_at, smtp_code, category)
        SELECT prospect_id, 1, 'e_' || prospect_id, inbox_id, prospect_id || '@nowhere.example',
               message_id, 'sent', 1, 'bench:0:x', sent_at, sent_at, 250, 'delivered'
          FROM gone_sends WHERE in_ledger""")
    con.execute("""
        INSERT INTO send_attempts (message_id, prospect_id, sequence_step, attempt, inbox_id, to_email,
                                   claimed_at, state, resolved_at, smtp_code, category)
        SELECT message_id, prospect_id, 1, 1, inbox_id, prospect_id || '@nowhere.example', sent_at, 'sent',
               sent_at, 250, 'delivered'
          FROM gone_sends""")
    con.execute("DROP TABLE gone_sends")
    return ledger_rows + attempts_only


def _orphan_replies(con: duckdb.DuckDBPyConnection, n: int) -> int:
    con.execute(f"""
        INSERT INTO inbound_messages (id, message_key, raw, size_bytes, received_at, status, kind,
                                      from_email, prospect_id, matched_by, processed_at)
        SELECT 'in_gone_' || j, '<gone-r' || j || '@nowhere.example>', encode('Hello'), 5,
               now - to_days(9), 'processed', 'human_reply', 'gone' || j || '@nowhere.example',
               'gone-r' || j, 'address', now - to_days(9)
          FROM range({n}) t(j), clock""")
    con.execute(f"""
        INSERT INTO replies (id, inbound_message_id, prospect_id, from_email, body, intent, received_at)
        SELECT 'rp_in_gone_' || j, 'in_gone_' || j, 'gone-r' || j, 'gone' || j || '@nowhere.example',
               'Tell me more', 'interested', now - to_days(9)
          FROM range({n}) t(j), clock""")
    return n


def _twin(con: duckdb.DuckDBPyConnection, new_id: str, original: str, *, same: str) -> None:
    """A new prospect that shares the original's email (in capitals) or its name and city."""
    email = "upper(email)" if same == "email" else f"'{new_id}@twin.example'"
    keys = ("name_key, city_key" if same == "name_city"
            else f"'{new_id} hotel' AS name_key, 'nowhere' AS city_key")
    con.execute(f"""
        INSERT INTO prospects (id, company_name, email, city, name_key, city_key, tier, source,
                               source_ref, discovered_on, stage, stage_changed_at, created_at)
        SELECT ?, company_name, {email}, city, {keys}, 'warm', 'csv', 'bench:' || ?,
               CAST(timezone('UTC', now) AS DATE), 'new', now - to_hours(1), now - to_hours(1)
          FROM prospects, clock WHERE id = ?""", [new_id, new_id, original])
    con.execute("INSERT INTO state_transitions (prospect_id, from_stage, to_stage, reason, actor, "
                "changed_at) SELECT ?, NULL, 'new', 'discovered', 'benchmark', now - to_hours(1) "
                "FROM clock", [new_id])


def _failed_enrichments(con: duckdb.DuckDBPyConnection, n: int) -> None:
    con.execute(f"""
        INSERT INTO prospects (id, company_name, email, city, name_key, city_key, tier, source,
                               source_ref, discovered_on, stage, stage_changed_at, created_at,
                               enrichment_reason)
        SELECT 'pfail' || j, 'Failing Hotel ' || j, 'fail' || j || '@failing.example', 'Nowhere',
               'failing hotel ' || j, 'nowhere', 'cold', 'csv', 'bench:fail' || j,
               CAST(timezone('UTC', now) AS DATE), 'failed', now - to_hours(2), now - to_hours(3),
               'no website found'
          FROM range({n}) t(j), clock""")
    con.execute(f"""
        INSERT INTO state_transitions (prospect_id, from_stage, to_stage, reason, actor, changed_at)
        SELECT 'pfail' || j, m.from_stage, m.to_stage, 'benchmark', 'benchmark', now - to_minutes(m.ago)
          FROM range({n}) t(j), clock,
               (VALUES (NULL, 'new', 180), ('new', 'enriching', 150), ('enriching', 'failed', 120))
                   m(from_stage, to_stage, ago)""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="the CRM file to write (must not exist yet)")
    parser.add_argument("--prospects", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--check-clean", action="store_true",
                        help="run every check on the clean store; stop unless all report 0")
    parser.add_argument("--faults", action="store_true", help="inject the faults after building")
    args = parser.parse_args()
    if args.path.exists():
        parser.error(f"{args.path} exists already: the store is written from scratch")
    if args.prospects < MIN_PROSPECTS:
        parser.error(f"--prospects must be at least {MIN_PROSPECTS}")
    store = CRMStore(path=str(args.path))
    now = datetime.now(UTC)
    started = time.monotonic()
    out: dict = {"sizes": build(store, args.prospects, seed=args.seed, now=now)}
    out["seconds"] = round(time.monotonic() - started, 1)
    if args.check_clean:
        from jengu_assets.integrity.findings import find_all

        with store.connect() as con:
            out["clean_findings"] = {k: f.count for k, f in find_all(con, now=now).items()}
        if any(out["clean_findings"].values()):
            raise SystemExit(f"the clean store has findings: {json.dumps(out['clean_findings'])}")
    if args.faults:
        out["injected"] = inject_faults(store, seed=args.seed, now=now)
    out["now"] = now.isoformat()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
