"""What is wrong in the CRM store, as set-based SQL: the evidence behind every integrity check.

Each fault kind is one query (``OFFENDERS``) that returns one row per offending item, its first
column ``id`` naming it (an email id, a Message-ID, a prospect id, an inbox id...). ``find`` turns a
query into a ``Finding``: how many items offend and the first 20 of their ids, sorted. The same
queries serve the Dagster checks (``checks.py``), the repair job (which needs the full lists) and the
benchmark, so what a check reports is exactly what a repair touches.

Every query is written against whole tables (anti-joins, GROUP BY ... HAVING, window functions over
the few rows a grouping leaves), never row by row in Python: all of them together must stay under
10 s on a store of 1,000,000 prospects and 3,000,000 emails and sends. Every query names the named
parameter ``$now`` (in its ``clock`` CTE), so ``con.execute(OFFENDERS[kind], {"now": now})`` works
for each of them; ``now`` is the moment the store is judged at, aware of its time zone.

Thresholds (bounce rate, backlog bounds...) are ``Thresholds`` fields, written into the SQL: a kind
with a threshold returns rows only when its bound is crossed, so a zero count always means "passed".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

import duckdb

from jengu_assets.sending.inboxes import BOUNCE_WINDOW, MAX_BOUNCE_RATE
from jengu_assets.stages import ALLOWED, TRANSIENT, Stage

ERROR, WARN = "ERROR", "WARN"
SAMPLE_SIZE = 20

# A prospect this far along was written to: it must have an address.
NEEDS_EMAIL = frozenset({Stage.QUEUED, Stage.SENDING, Stage.SENT, Stage.CONTACTED, Stage.ENGAGED,
                         Stage.REPLIED, Stage.MEETING, Stage.WON, Stage.LOST})
# Attempts the recipient's server answered, and those of them that count as bounces: the same
# measure as the sender's own pause (``sending.inboxes.bounce_rate``).
ANSWERED = ("delivered", "soft", "hard", "policy")
BOUNCED = ("hard", "policy")


@dataclass(frozen=True)
class Finding:
    kind: str            # one of FAULT_KINDS
    severity: str        # "ERROR" | "WARN"
    count: int           # number of offending items
    sample: list[str]    # up to 20 offending ids, sorted
    detail: str          # one human line, e.g. "3 emails pointing at no prospect"


@dataclass(frozen=True)
class Thresholds:
    """The bounds of the drift checks. Defaults are what the docs (docs/integrity.md) promise."""

    stuck_after_minutes: int = 60
    unknown_after_hours: int = 24
    review_after_hours: int = 24
    rate_window_sends: int = BOUNCE_WINDOW
    max_bounce_rate: float = MAX_BOUNCE_RATE
    max_complaint_rate: float = 0.001
    retry_overdue_hours: int = 24
    max_retry_backlog: int = 100
    enrichment_window_days: int = 7
    min_enriched_prospects: int = 20
    max_enrichment_failure_share: float = 0.5


THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class _Kind:
    severity: str
    noun: tuple[str, str]   # singular, plural
    what: str               # the rest of the detail line, e.g. "pointing at no prospect"
    sql: str
    limits: tuple[str, ...] = ()   # the Thresholds fields it uses, for metadata


_CLOCK = "WITH clock AS (SELECT CAST($now AS TIMESTAMPTZ) AS now)"


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in sorted(str(v) for v in values))


def _allowed_moves() -> str:
    """The stage machine's moves as SQL VALUES; '' stands for "from nothing" (the creation row)."""
    pairs = [("", Stage.NEW.value)] + sorted(
        (source.value, target.value) for source, targets in ALLOWED.items() for target in targets)
    return ", ".join(f"('{a}', '{b}')" for a, b in pairs)


def _duplicates(key: str, where: str) -> str:
    """Prospects sharing ``key`` with an earlier prospect (created first, then by id). A prospect
    created by delegation shares its parent's hotel, and so its keys: it is a colleague, not a
    duplicate, unless it shares the key with someone other than its parent. Groups are found by the
    key's hash first (a 64-bit integer groups several times faster than text), then checked by the
    key itself on the few rows left."""
    return f"""{_CLOCK},
candidates AS (
    SELECT hash({key}) AS h FROM prospects p WHERE {where} GROUP BY h HAVING count(*) > 1),
grouped AS (
    SELECT p.id, {key} AS key, p.created_at, p.parent_prospect_id
      FROM prospects p
     WHERE {where} AND hash({key}) IN (SELECT h FROM candidates)),
members AS (
    SELECT g.* FROM grouped g
     WHERE NOT EXISTS (SELECT 1 FROM grouped parent
                        WHERE parent.id = g.parent_prospect_id AND parent.key = g.key)),
ranked AS (
    SELECT id, key, first_value(id) OVER w AS kept, row_number() OVER w AS n
      FROM members
    WINDOW w AS (PARTITION BY key ORDER BY created_at, id))
SELECT id, key, kept FROM ranked WHERE n > 1"""


def _windows(t: Thresholds, column: str) -> str:
    """Each inbox's last ``rate_window_sends`` answered attempts, as a list of ``column`` newest
    first: a top-N aggregate per inbox, many times cheaper than ranking every attempt."""
    return f"""windows AS (
    SELECT inbox_id, max_by({column}, claimed_at, {t.rate_window_sends}) AS latest
      FROM send_attempts WHERE category IN ({_quoted(ANSWERED)}) GROUP BY inbox_id)"""


def _kinds(t: Thresholds) -> dict[str, _Kind]:
    transient = _quoted(s.value for s in TRANSIENT)
    return {
        "orphan_email": _Kind(ERROR, ("email", "emails"), "pointing at no prospect", f"""{_CLOCK}
SELECT e.id, e.prospect_id FROM emails e
 WHERE NOT EXISTS (SELECT 1 FROM prospects p WHERE p.id = e.prospect_id)"""),

        # One row per orphaned send (prospect, step), whether its ledger row, its attempts or both
        # lost the prospect; ``id`` is the ledger row's Message-ID, else the first attempt's.
        "orphan_ledger": _Kind(ERROR, ("send", "sends"), "(ledger rows or attempts) pointing at no prospect",
                               f"""{_CLOCK},
sends AS (
    SELECT prospect_id, sequence_step, message_id, 0 AS attempt FROM send_ledger
    UNION ALL
    SELECT prospect_id, sequence_step, message_id, attempt FROM send_attempts)
SELECT arg_min(s.message_id, s.attempt) AS id, s.prospect_id, s.sequence_step
  FROM sends s
 WHERE NOT EXISTS (SELECT 1 FROM prospects p WHERE p.id = s.prospect_id)
 GROUP BY s.prospect_id, s.sequence_step"""),

        # A reply without a prospect id is unmatched mail (kept for review), not an orphan.
        "orphan_reply": _Kind(ERROR, ("reply", "replies"), "matched to a prospect that does not exist",
                              f"""{_CLOCK}
SELECT r.id, r.prospect_id FROM replies r
 WHERE r.prospect_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM prospects p WHERE p.id = r.prospect_id)"""),

        "orphan_research": _Kind(ERROR, ("research report", "research reports"), "pointing at no prospect",
                                 f"""{_CLOCK}
SELECT r.id, r.prospect_id FROM research_reports r
 WHERE NOT EXISTS (SELECT 1 FROM prospects p WHERE p.id = r.prospect_id)"""),

        # Writers store addresses trimmed (rules.normalise_email); hand edits and imports vary.
        "duplicate_email": _Kind(WARN, ("prospect", "prospects"),
                                 "sharing an email address with an earlier prospect", _duplicates(
            "lower(trim(p.email))", "trim(p.email) <> ''")),

        # Admission never deduplicates on an empty name_key, so neither does the check.
        "duplicate_name_city": _Kind(WARN, ("prospect", "prospects"),
                                     "with the same name and city as an earlier prospect", _duplicates(
            "{'name_key': p.name_key, 'city_key': p.city_key}", "p.name_key <> ''")),

        # Deliveries per (prospect, step) counted in the attempts and in the emails; the larger
        # count decides, so a double send recorded in both tables counts once. The extra ones are
        # listed: Message-IDs (attempts) or email ids, all but the first delivered. Keys are grouped
        # by hash first, then counted exactly on the few candidates.
        "double_delivery": _Kind(ERROR, ("extra delivery", "extra deliveries"),
                                 "of one (prospect, sequence step)", f"""{_CLOCK},
attempt_hashes AS (
    SELECT hash(prospect_id, sequence_step) AS h FROM send_attempts WHERE state = 'sent'
     GROUP BY h HAVING count(*) > 1),
email_hashes AS (
    SELECT hash(prospect_id, sequence_step) AS h FROM emails WHERE status = 'sent'
     GROUP BY h HAVING count(*) > 1),
by_attempts AS (
    SELECT prospect_id, sequence_step, count(*) AS n FROM send_attempts
     WHERE state = 'sent' AND hash(prospect_id, sequence_step) IN (SELECT h FROM attempt_hashes)
     GROUP BY ALL HAVING count(*) > 1),
by_emails AS (
    SELECT prospect_id, sequence_step, count(*) AS n FROM emails
     WHERE status = 'sent' AND hash(prospect_id, sequence_step) IN (SELECT h FROM email_hashes)
     GROUP BY ALL HAVING count(*) > 1),
doubled AS (
    SELECT coalesce(a.prospect_id, e.prospect_id) AS prospect_id,
           coalesce(a.sequence_step, e.sequence_step) AS sequence_step,
           coalesce(a.n, 0) >= coalesce(e.n, 0) AS attempts_decide
      FROM by_attempts a
      FULL JOIN by_emails e ON e.prospect_id = a.prospect_id AND e.sequence_step = a.sequence_step)
SELECT x.message_id AS id, x.prospect_id, x.sequence_step
  FROM send_attempts x JOIN doubled d USING (prospect_id, sequence_step)
 WHERE x.state = 'sent' AND d.attempts_decide
QUALIFY row_number() OVER (PARTITION BY x.prospect_id, x.sequence_step
                           ORDER BY x.claimed_at, x.message_id) > 1
UNION ALL
SELECT x.id, x.prospect_id, x.sequence_step
  FROM emails x JOIN doubled d USING (prospect_id, sequence_step)
 WHERE x.status = 'sent' AND NOT d.attempts_decide
QUALIFY row_number() OVER (PARTITION BY x.prospect_id, x.sequence_step
                           ORDER BY x.sent_at, x.id) > 1"""),

        # A delivery claimed after its address was suppressed. One delivery is one Message-ID: each
        # delivered attempt, then a delivered ledger row or sent email whose Message-ID no delivered
        # attempt records (an email without one counts by its id). Addresses compare lower-cased and
        # trimmed, on both sides. Only the few sends to suppressed addresses are de-duplicated.
        "suppressed_send": _Kind(ERROR, ("delivery", "deliveries"),
                                 "to an address suppressed before the send was claimed", f"""{_CLOCK},
suppressed AS (
    SELECT lower(trim(email)) AS email, min(created_at) AS suppressed_at,
           arg_min(source, created_at) AS source
      FROM suppression_list GROUP BY ALL),
sends AS (
    SELECT 0 AS rank, message_id, message_id AS id, prospect_id, to_email, claimed_at AS at
      FROM send_attempts WHERE state = 'sent'
    UNION ALL
    SELECT 1, message_id, message_id, prospect_id, to_email, claimed_at FROM send_ledger WHERE state = 'sent'
    UNION ALL
    SELECT 2, message_id, id, prospect_id, to_email, sent_at FROM emails WHERE status = 'sent'),
late AS (
    SELECT x.*, s.source, s.suppressed_at FROM sends x JOIN suppressed s ON s.email = lower(trim(x.to_email))
     WHERE s.suppressed_at < x.at),
recorded AS (
    SELECT message_id, min(rank) AS rank FROM sends
     WHERE message_id IN (SELECT message_id FROM late) GROUP BY message_id)
SELECT l.id, l.prospect_id, l.source, l.suppressed_at, l.at AS claimed_at
  FROM late l LEFT JOIN recorded r USING (message_id)
 WHERE l.message_id IS NULL OR r.rank = l.rank"""),

        # The distinct (from, to) pairs first (a few dozen), then the rows of the disallowed ones.
        "invalid_transition": _Kind(ERROR, ("stage transition", "stage transitions"),
                                    "not allowed by the stage machine", f"""{_CLOCK},
allowed (from_stage, to_stage) AS (VALUES {_allowed_moves()}),
disallowed AS (
    SELECT DISTINCT coalesce(from_stage, '') AS from_stage, to_stage FROM state_transitions
    EXCEPT SELECT from_stage, to_stage FROM allowed)
SELECT CAST(t.id AS VARCHAR) AS id, t.prospect_id, t.from_stage, t.to_stage
  FROM state_transitions t
  SEMI JOIN disallowed d ON d.from_stage = coalesce(t.from_stage, '') AND d.to_stage = t.to_stage"""),

        "stuck_transient": _Kind(WARN, ("prospect", "prospects"),
                                 f"in a transient stage for over {t.stuck_after_minutes} minutes", f"""{_CLOCK}
SELECT p.id, p.stage, p.stage_changed_at
  FROM prospects p, clock c
 WHERE p.stage IN ({transient})
   AND p.stage_changed_at < c.now - to_minutes({t.stuck_after_minutes})""",
                                 ("stuck_after_minutes",)),

        # ``part`` says which rule: a queued email (not held) needs its recipient, subject, body and
        # every gate passed; a sent one its recipient, subject, Message-ID and time (not its body,
        # which retention drops); a prospect queued or further along needs an email address.
        "missing_required": _Kind(ERROR, ("record", "records"), "missing what their stage requires",
                                  f"""{_CLOCK}
SELECT e.id, 'email' AS part, concat_ws(', ',
           CASE WHEN coalesce(trim(e.to_email), '') = '' THEN 'to_email' END,
           CASE WHEN coalesce(trim(e.subject), '') = '' THEN 'subject' END,
           CASE WHEN coalesce(trim(e.body), '') = '' THEN 'body' END,
           CASE WHEN NOT coalesce(list_bool_and(
               CAST(json_extract(e.gates, '$[*].passed') AS BOOLEAN[])), FALSE)
                THEN 'gates passed' END) AS missing
  FROM emails e
 WHERE e.status = 'queued' AND e.hold_reason IS NULL
   AND (coalesce(trim(e.to_email), '') = '' OR coalesce(trim(e.subject), '') = ''
        OR coalesce(trim(e.body), '') = ''
        OR NOT coalesce(list_bool_and(CAST(json_extract(e.gates, '$[*].passed') AS BOOLEAN[])), FALSE))
UNION ALL
SELECT e.id, 'email', concat_ws(', ',
           CASE WHEN coalesce(trim(e.to_email), '') = '' THEN 'to_email' END,
           CASE WHEN coalesce(trim(e.subject), '') = '' THEN 'subject' END,
           CASE WHEN coalesce(trim(e.message_id), '') = '' THEN 'message_id' END,
           CASE WHEN e.sent_at IS NULL THEN 'sent_at' END)
  FROM emails e
 WHERE e.status = 'sent'
   AND (coalesce(trim(e.to_email), '') = '' OR coalesce(trim(e.subject), '') = ''
        OR coalesce(trim(e.message_id), '') = '' OR e.sent_at IS NULL)
UNION ALL
SELECT p.id, 'prospect', 'email'
  FROM prospects p
 WHERE p.stage IN ({_quoted(s.value for s in NEEDS_EMAIL)}) AND (p.email IS NULL OR trim(p.email) = '')"""),

        "inbox_bounce_rate": _Kind(WARN, ("inbox", "inboxes"),
                                   f"bouncing (hard or policy) above {t.max_bounce_rate:.1%} of their last "
                                   f"{t.rate_window_sends} answered sends", f"""{_CLOCK},
{_windows(t, "category")},
measured AS (
    SELECT inbox_id, len(latest) AS sends,
           len(list_filter(latest, lambda c: c IN ({_quoted(BOUNCED)}))) AS bounced
      FROM windows)
SELECT inbox_id AS id, sends, bounced FROM measured
 WHERE sends >= {t.rate_window_sends} AND bounced > {t.max_bounce_rate} * sends""",
                                   ("rate_window_sends", "max_bounce_rate")),

        # A complaint counts against the inbox of the delivered attempt it is about: the one its
        # email's ledger row names, else the one its In-Reply-To names, else its prospect's latest
        # delivery; and only while that attempt is within the inbox's window (claimed at or after
        # the window's oldest answered attempt). Any number of answered sends is judged: at 0.1%,
        # one complaint fails an inbox with fewer than 1,000 sends in its window.
        "inbox_complaint_rate": _Kind(WARN, ("inbox", "inboxes"),
                                      f"with complaints above {t.max_complaint_rate:.1%} of their last "
                                      f"{t.rate_window_sends} answered sends", f"""{_CLOCK},
{_windows(t, "claimed_at")},
complaints AS (
    SELECT email_id, trim(in_reply_to) AS in_reply_to, prospect_id
      FROM inbound_messages WHERE kind = 'complaint'),
delivered AS (
    SELECT message_id, prospect_id, inbox_id, claimed_at FROM send_attempts
     WHERE state = 'sent' AND (message_id IN (SELECT in_reply_to FROM complaints)
                               OR prospect_id IN (SELECT prospect_id FROM complaints))),
about AS (
    SELECT coalesce(
               (SELECT any_value(l.message_id) FROM send_ledger l
                 WHERE l.email_id = c.email_id AND l.state = 'sent'),
               (SELECT any_value(d.message_id) FROM delivered d WHERE d.message_id = c.in_reply_to),
               (SELECT arg_max(d.message_id, d.claimed_at) FROM delivered d
                 WHERE d.prospect_id = c.prospect_id)) AS message_id
      FROM complaints c),
complained AS (
    SELECT a.inbox_id, a.claimed_at FROM send_attempts a
     WHERE a.message_id IN (SELECT message_id FROM about))
SELECT w.inbox_id AS id, len(w.latest) AS sends, count(c.claimed_at) AS complaints
  FROM windows w
  LEFT JOIN complained c ON c.inbox_id = w.inbox_id AND c.claimed_at >= list_min(w.latest)
 GROUP BY w.inbox_id, w.latest
HAVING count(c.claimed_at) > {t.max_complaint_rate} * len(w.latest)""",
                                      ("rate_window_sends", "max_complaint_rate")),

        "retry_backlog": _Kind(WARN, ("retry", "retries"),
                               f"overdue by more than {t.retry_overdue_hours} hours, above the bound of "
                               f"{t.max_retry_backlog}", f"""{_CLOCK},
overdue AS (
    SELECT CAST(f.id AS VARCHAR) AS id, f.task, f.prospect_id, f.next_attempt_at
      FROM failed_tasks f, clock c
     WHERE f.status = 'pending'
       AND f.next_attempt_at < c.now - to_hours({t.retry_overdue_hours}))
SELECT * FROM overdue WHERE (SELECT count(*) FROM overdue) > {t.max_retry_backlog}""",
                               ("retry_overdue_hours", "max_retry_backlog")),

        # Enrichment was tried on a prospect when it has a result time or a failure reason.
        "enrichment_failure_share": _Kind(WARN, ("prospect", "prospects"),
                                          f"of the last {t.enrichment_window_days} days failing enrichment, "
                                          f"above {t.max_enrichment_failure_share:.0%} of those tried",
                                          f"""{_CLOCK},
tried AS (
    SELECT p.id, p.enrichment_reason IS NOT NULL AS failed
      FROM prospects p, clock c
     WHERE p.discovered_on > CAST(timezone('UTC', c.now) AS DATE) - {t.enrichment_window_days}
       AND (p.enriched_at IS NOT NULL OR p.enrichment_reason IS NOT NULL)),
share AS (SELECT count(*) AS tried, count(*) FILTER (WHERE failed) AS failed FROM tried)
SELECT t.id FROM tried t, share s
 WHERE t.failed AND s.tried >= {t.min_enriched_prospects}
   AND s.failed > {t.max_enrichment_failure_share} * s.tried""",
                                          ("enrichment_window_days", "min_enriched_prospects",
                                           "max_enrichment_failure_share")),

        "stale_unknown_send": _Kind(ERROR, ("unknown send", "unknown sends"),
                                    f"older than {t.unknown_after_hours} hours: review them with "
                                    "`jengu sends review`", f"""{_CLOCK}
SELECT l.message_id AS id, l.prospect_id, l.sequence_step, l.inbox_id, l.claimed_at
  FROM send_ledger l, clock c
 WHERE l.state = 'unknown' AND l.reviewed_by IS NULL
   AND l.claimed_at < c.now - to_hours({t.unknown_after_hours})""", ("unknown_after_hours",)),

        # Mail only a person can place (unmatched) or act on (failed), waiting since processing
        # left it there (a failed message was never processed: since it was stored).
        "inbound_review_backlog": _Kind(WARN, ("inbound message", "inbound messages"),
                                        f"waiting for a person (unmatched or failed) for over "
                                        f"{t.review_after_hours} hours: work them with "
                                        "`jengu inbound review`", f"""{_CLOCK}
SELECT i.id, i.status, i.kind, coalesce(i.processed_at, i.stored_at) AS waiting_since
  FROM inbound_messages i, clock c
 WHERE i.status IN ('unmatched', 'failed')
   AND coalesce(i.processed_at, i.stored_at) < c.now - to_hours({t.review_after_hours})""",
                                        ("review_after_hours",)),
    }


_KINDS = _kinds(THRESHOLDS)
FAULT_KINDS: tuple[str, ...] = tuple(_KINDS)
OFFENDERS: dict[str, str] = {kind: spec.sql for kind, spec in _KINDS.items()}
SEVERITY: dict[str, str] = {kind: spec.severity for kind, spec in _KINDS.items()}
# The kinds whose rows carry a ``part`` column, and its values.
PARTS: dict[str, tuple[str, ...]] = {"missing_required": ("email", "prospect")}


def offenders_sql(kind: str, thresholds: Thresholds = THRESHOLDS) -> str:
    """``OFFENDERS[kind]`` under other thresholds."""
    return _spec(kind, thresholds).sql


def limits(kind: str, thresholds: Thresholds = THRESHOLDS) -> dict[str, int | float]:
    """The thresholds a kind is judged by (empty for the kinds that must never happen)."""
    values = asdict(thresholds)
    return {name: values[name] for name in _spec(kind, thresholds).limits}


def find(con: duckdb.DuckDBPyConnection, kind: str, *, now: datetime,
         thresholds: Thresholds = THRESHOLDS, part: str | None = None) -> Finding:
    """How many items of ``kind`` offend at ``now``, with a sample of their ids. ``part`` narrows
    a kind with parts (``PARTS``) to one of them, e.g. the prospects of ``missing_required``."""
    spec = _spec(kind, thresholds)
    params: dict[str, object] = {"now": _aware(now)}
    where = ""
    if part is not None:
        if part not in PARTS.get(kind, ()):
            raise ValueError(f"fault kind {kind!r} has no part {part!r} (parts: {PARTS.get(kind, ())})")
        where, params["part"] = "WHERE part = $part", part
    count, sample = con.execute(
        f"SELECT count(*), min(id, {SAMPLE_SIZE}) FROM ({spec.sql}) AS offenders {where}", params,
    ).fetchall()[0]
    return Finding(kind, spec.severity, count, list(sample or []), _detail(spec, count, part))


def find_all(con: duckdb.DuckDBPyConnection, *, now: datetime,
             thresholds: Thresholds = THRESHOLDS) -> dict[str, Finding]:
    """Every kind, over one connection, in ``FAULT_KINDS`` order."""
    return {kind: find(con, kind, now=now, thresholds=thresholds) for kind in FAULT_KINDS}


def offenders(con: duckdb.DuckDBPyConnection, kind: str, *, now: datetime,
              thresholds: Thresholds = THRESHOLDS) -> list[dict]:
    """Every offending row of ``kind`` as a dict, in id order (what a repair works through)."""
    cursor = con.execute(f"SELECT * FROM ({_spec(kind, thresholds).sql}) AS offenders ORDER BY id",
                         {"now": _aware(now)})
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _spec(kind: str, thresholds: Thresholds) -> _Kind:
    if kind not in _KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
    return _KINDS[kind] if thresholds == THRESHOLDS else _kinds(thresholds)[kind]


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError(f"now={now.isoformat()} has no time zone: pass an aware datetime (UTC)")
    return now.astimezone(timezone.utc)


def _detail(spec: _Kind, count: int, part: str | None) -> str:
    singular, plural = spec.noun
    if part is not None:
        singular, plural = part, f"{part}s"
    noun = singular if count == 1 else plural
    return f"{count or 'no'} {noun} {spec.what}"
