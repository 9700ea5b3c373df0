"""Publishing the analyst file: a complete new DuckDB file, swapped in with one rename.

Analysts may keep the published file open read-only for hours; the pipeline must never wait for
them, and they must never see half a publication. So the file is never opened for writing in
place: a new one is built beside it under a temporary name and ``os.replace`` puts it where the old
one was. An open reader keeps the old inode (its snapshot, without error) until it reconnects; a
new connection opens the new file. DuckDB keeps one database instance per path and process, so
"reconnects" means closing every connection to the file first.

The CRM is locked while it is read (DuckDB: one process at a time), and the pipeline waits on
that lock. So the work is split in two phases:

1. under the CRM's lock, projections of the CRM tables are written straight into the new file
   (``ATTACH`` from the CRM's connection, ``CREATE TABLE pub.x AS SELECT ...``): columns chosen,
   personal data and raw content left out. JSON columns (email gate verdicts, website analyses)
   are only copied, into a staging file: parsing them costs three times as much;
2. with the CRM released, the staged JSON is parsed into its tables, the summaries (funnel, inbox
   health, rates, costs) are built from the copies, every column is commented, and the file is
   checkpointed and swapped in.

One publisher at a time (a ``flock`` beside the file); whoever holds it removes the temporary
files of publishes that crashed.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from jengu_assets.composition.follow_ups import FOLLOW_UP_TASK
from jengu_assets.composition.prompts import FIRST_EMAIL_TASK
from jengu_assets.sending.inboxes import BOUNCE_WINDOW, COUNTS_AGAINST_QUOTA
from jengu_assets.stages import Stage
from jengu_resources.crm_store import CRMStore, open_duckdb
from jengu_resources.paths import jengu_home

LOCK_WAIT_SECONDS = 600.0
# DuckDB's buffer pool defaults to 80% of the machine; a publish streams, so far less does.
MEMORY_LIMIT = "1GB"
# Published tables' columns may hold free text the pipeline wrote (reasons); addresses in it go.
_ADDRESS = r'[^\s<>()\[\],;:"]+@[^\s<>()\[\],;:"]+'
COMPOSITION_TASKS = (FIRST_EMAIL_TASK, FOLLOW_UP_TASK)


class PublishBusyError(RuntimeError):
    """Another publish kept the analytics file's lock for longer than the wait allowed."""


@dataclass(frozen=True)
class Column:
    name: str
    comment: str
    sql: str = ""  # for copies: the expression over the CRM row; empty means the same-named column
    parsed: bool = False  # computed from staged JSON once the CRM is released


@dataclass(frozen=True)
class Table:
    """A published table: a copy of a CRM table (``source``) or a summary of the copies (``sql``).

    Parsing JSON costs about three times what copying it does, so a copy with ``json`` columns
    stages them raw under the CRM's lock and computes its ``parsed`` columns afterwards, from
    ``parse``: a query over the staged rows (``{staged}``) exposing what those columns read.
    """

    name: str
    comment: str
    columns: tuple[Column, ...]
    source: str = ""
    sql: str = ""
    json: tuple[str, ...] = ()
    parse: str = "{staged}"

    def copy_select(self) -> str:
        """The select list run against the CRM."""
        copied = [f"{c.sql or c.name} AS {c.name}" for c in self.columns if not c.parsed]
        return ", ".join([*copied, *self.json])

    def parse_select(self) -> str:
        """The select list run against the staged rows."""
        return ", ".join(f"{c.sql} AS {c.name}" if c.parsed else c.name for c in self.columns)


def _mask(column: str) -> str:
    return f"regexp_replace({column}, '{_ADDRESS}', '<address>', 'g')"


C = Column

# How far along the pipeline each stage is: reaching one means having passed those before it.
# Lost is only reachable after a send; archived, suppressed and failed say nothing about progress.
_PROGRESS = {stage: rank for rank, stage in enumerate((
    Stage.NEW, Stage.ENRICHING, Stage.ENRICHED, Stage.RESEARCHING, Stage.READY, Stage.COMPOSING,
    Stage.COMPOSED, Stage.QUEUED, Stage.SENDING, Stage.SENT, Stage.CONTACTED, Stage.ENGAGED,
    Stage.REPLIED, Stage.MEETING, Stage.WON))}
_PROGRESS[Stage.LOST] = _PROGRESS[Stage.SENT]
_RANKS = ", ".join(f"('{stage.value}', {rank})" for stage, rank in _PROGRESS.items())


# -- phase 1: copies taken under the CRM's lock ---------------------------------------------------

PROSPECTS = Table(
    "prospects",
    "One row per hotel contact in the CRM. Contact names, addresses, phones and profile links are "
    "left out; has_* columns say whether the CRM holds them. What its website shows is in "
    "prospect_sites.",
    source="prospects",
    columns=(
        C("id", "Prospect id (p_...), the key other tables use as prospect_id."),
        C("company_name", "The hotel or company."),
        C("company_type", "chain_hq, franchise or independent, when known."),
        C("contact_title", "The contact's job title (General Manager, Revenue Manager...)."),
        C("city", "City of the hotel."),
        C("region", "Region or state."),
        C("country", "ISO 3166-1 alpha-2 country code; NULL when unknown."),
        C("timezone", "IANA time zone of the hotel, used for business-hours sending."),
        C("tier", "hot, warm or cold, set on admission."),
        C("hiring_signal", "True when a job posting showed the hotel hiring."),
        C("hiring_role", "The role the posting advertised."),
        C("source", "Where the prospect came from: job_board:<board> or csv."),
        C("discovered_on", "The daily partition (UTC day) that found the prospect."),
        C("stage", "Current pipeline stage (new, enriched, ..., sent, replied, won, lost...)."),
        C("stage_changed_at", "When the current stage was entered."),
        C("created_at", "When the row was created."),
        C("updated_at", "When the row last changed."),
        C("has_contact_name", "True when the CRM knows the contact's name.",
          "contact_name IS NOT NULL AND contact_name <> ''"),
        C("has_email", "True when the CRM holds an email address for the contact.",
          "email IS NOT NULL AND email <> ''"),
        C("has_phone", "True when the CRM holds a phone number.",
          "phone IS NOT NULL AND phone <> ''"),
        C("has_linkedin", "True when the CRM holds a LinkedIn profile.",
          "linkedin_url IS NOT NULL AND linkedin_url <> ''"),
        C("website", "The hotel's website as imported or found (its home page)."),
        C("website_final_url", "The website enrichment verified, after redirects; NULL when none."),
        C("domain", "The hotel's own web domain."),
        C("website_kind", "How the site was found: candidate (search), chain_property or csv."),
        C("website_score", "Confidence of the website pick (0-1)."),
        C("website_reason", "Why this website was picked, or why none was (addresses masked).",
          _mask("website_reason")),
        C("email_status", "Verifier verdict on the address: valid, catch_all, unverified, ..."),
        C("email_kind", "personal or generic (info@, reservations@...)."),
        C("email_origin", "Where the address came from: csv, site or pattern."),
        C("email_sendable", "True when the address may be sent to (personal and verified)."),
        C("email_reason", "Why the address is or is not sendable (addresses masked).",
          _mask("email_reason")),
        C("enrichment_failure", "Short reason enrichment failed (search_unavailable, "
          "verifier_unavailable, nothing_found, other); NULL when it did not fail.",
          "CASE WHEN enrichment_reason IS NULL THEN NULL "
          "WHEN regexp_matches(enrichment_reason, '^[a-z_]+:') "
          "THEN regexp_extract(enrichment_reason, '^([a-z_]+):', 1) "
          "WHEN enrichment_reason LIKE 'no website%' THEN 'nothing_found' ELSE 'other' END"),
        C("enrichment_reason", "Why enrichment failed, in full (addresses masked).",
          _mask("enrichment_reason")),
        C("enriched_at", "When enrichment last ran for the prospect (failed or not)."),
        C("parent_prospect_id", "The prospect who delegated to this contact, if any."),
        C("behaviour_score", "0-100 score from the latest reply."),
        C("last_reply_at", "When the latest reply arrived."),
        C("follow_up_hold_until", "No follow-up before this time (out of office, another contact "
          "replied)."),
    ),
)

PROSPECT_SITES = Table(
    "prospect_sites",
    "What enrichment read on each hotel's website, one row per prospect whose site was analysed.",
    source="(SELECT id, website_analysis FROM prospects WHERE website_analysis IS NOT NULL)",
    json=("website_analysis",),
    parse="(SELECT *, json_extract_string(website_analysis, "
    "['$.booking_engine', '$.cms', '$.chat_widget', '$.language']) AS _site FROM {staged})",
    columns=(
        C("prospect_id", "The prospect (prospects.id).", "id"),
        C("booking_engine", "Booking engine seen on the site.", "_site[1]", parsed=True),
        C("cms", "Content management system of the site.", "_site[2]", parsed=True),
        C("chat_widget", "Chat widget seen on the site.", "_site[3]", parsed=True),
        C("site_language", "Language of the site.", "_site[4]", parsed=True),
    ),
)

# Scores stay out: parsing them costs a fifth more; emails has the spam and readability ones.
_GATE_TYPE = '[{"name": "VARCHAR", "passed": "BOOLEAN"}]'

EMAILS = Table(
    "emails",
    "One row per composed email (first emails and follow-ups). Bodies, recipients and message "
    "headers are left out; the gates' verdicts are in email_gates.",
    source="emails",
    columns=(
        C("id", "Email id (e_<prospect>_<step>)."),
        C("prospect_id", "The prospect it is written to."),
        C("campaign_id", "Campaign, when one is set."),
        C("sequence_step", "1 for the first email, 2, 3, 4 for the follow-ups."),
        C("kind", "outreach or follow_up."),
        C("subject", "The subject line."),
        C("status", "queued, held, sending, sent, bounced, unknown or failed."),
        C("hold_reason", "Why it is held, shortened: gates (see email_gates), jurisdiction XX, "
          "the prospect replied, another contact replied.",
          "CASE WHEN hold_reason IS NULL THEN NULL "
          "WHEN hold_reason LIKE 'gates failed%' THEN 'gates' "
          "WHEN hold_reason LIKE 'another contact at %' THEN 'another contact replied' "
          "ELSE split_part(hold_reason, ':', 1) END"),
        C("inbox_id", "The inbox it was (or is being) sent from."),
        C("from_email", "The sending inbox's address."),
        C("composed_on", "The composition partition (UTC day)."),
        C("created_at", "When the email was written."),
        C("sent_at", "When the recipient's server accepted it; NULL when not sent."),
        C("spam_score", "Spam score of the final draft (SpamAssassin points)."),
        C("readability_score", "Reading-ease score of the final draft."),
        C("attempts", "Drafts written (1 + regenerations)."),
        C("llm_provider", "Provider of the final draft: grok, claude or offline."),
    ),
)

EMAIL_GATES = Table(
    "email_gates",
    "The gates' verdicts on each email's final draft (spam, readability, length, links, "
    "placeholders, claims, injection). Reasons are left out: they quote the body.",
    source="(SELECT id, composed_on, gates FROM emails WHERE gates IS NOT NULL)",
    json=("gates",),
    parse=f"(SELECT *, json_transform(gates, '{_GATE_TYPE}') AS _gates FROM {{staged}})",
    columns=(
        C("email_id", "The email (emails.id).", "id"),
        C("composed_on", "Its composition day (UTC), as in emails."),
        C("gates", "Every gate's verdict: name, passed.", "_gates", parsed=True),
        C("failed_gates", "Names of the gates the draft failed (empty when all passed).",
          "list_transform(list_filter(_gates, lambda g: NOT g.passed), lambda g: g.name)",
          parsed=True),
        C("passed", "True when every gate passed.",
          "coalesce(list_bool_and(list_transform(_gates, lambda g: g.passed)), true)",
          parsed=True),
    ),
)

SENDS = Table(
    "sends",
    "The send ledger: one row per (prospect, sequence step) that was ever claimed, with its "
    "latest outcome. Recipients and Message-IDs are left out.",
    source="send_ledger",
    columns=(
        C("prospect_id", "The prospect."),
        C("sequence_step", "The step of the sequence (1 = first email)."),
        C("email_id", "The email sent."),
        C("inbox_id", "The inbox of the latest attempt."),
        C("state", "claimed, sent, failed or unknown."),
        C("category", "Outcome of the latest attempt: delivered, soft, hard, policy, inbox or "
          "unknown."),
        C("attempts", "Attempts made (a soft bounce is retried)."),
        C("claimed_at", "When the latest attempt was claimed."),
        C("resolved_at", "When the latest attempt's outcome was known."),
        C("smtp_code", "SMTP reply code of the latest attempt."),
        C("enhanced_status", "Enhanced status code (e.g. 5.1.1) of the latest attempt."),
        C("retry_at", "A soft failure may be retried from then on."),
        C("reviewed", "True when an operator resolved an unknown send by hand.",
          "reviewed_by IS NOT NULL"),
    ),
)

SEND_ATTEMPTS = Table(
    "send_attempts",
    "Every send attempt, retries included: what inbox quotas, bounce and complaint rates are "
    "measured on.",
    source="send_attempts",
    columns=(
        C("prospect_id", "The prospect."),
        C("sequence_step", "The step of the sequence."),
        C("attempt", "1 for the first attempt, 2 for the first retry, ..."),
        C("inbox_id", "The inbox that sent it."),
        C("claimed_at", "When the attempt was claimed (just before SMTP)."),
        C("state", "claimed, sent, failed or unknown."),
        C("category", "delivered, soft, hard, policy, inbox or unknown."),
        C("resolved_at", "When the outcome was known."),
        C("smtp_code", "SMTP reply code."),
        C("enhanced_status", "Enhanced status code (e.g. 5.1.1)."),
    ),
)

REPLIES = Table(
    "replies",
    "One row per human reply, with what it was understood to mean. Sender, subject, text and "
    "the model's reasoning are left out.",
    source="replies",
    columns=(
        C("id", "Reply id."),
        C("prospect_id", "The prospect who replied (NULL when unmatched)."),
        C("email_id", "The email replied to, when known."),
        C("intent", "interested, not_interested, delegated, needs_more_info, meeting_request or "
          "unsubscribe."),
        C("sentiment", "positive, neutral or negative."),
        C("confidence", "Confidence of the intent (0-1)."),
        C("provider", "Who read it: grok, claude or offline."),
        C("score", "Behavioural score 0-100 after this reply."),
        C("received_at", "When the reply reached the inbox."),
        C("processed_at", "When it was understood and acted on."),
    ),
)

INBOUND = Table(
    "inbound_messages",
    "Every message received by the inboxes (replies, bounces, auto-replies, complaints), without "
    "its bytes, sender or subject.",
    source="inbound_messages",
    columns=(
        C("id", "Inbound message id."),
        C("inbox_id", "The inbox that received it."),
        C("kind", "bounce, auto_reply, complaint, human_reply or malformed."),
        C("status", "new, processed, unmatched, failed, dismissed, own or malformed."),
        C("received_at", "The server's arrival time."),
        C("processed_at", "When it was processed."),
        C("prospect_id", "The prospect it was matched to."),
        C("email_id", "The email it was matched to."),
        C("matched_by", "person, in_reply_to, references, bounce_original, recipient or address."),
        C("size_bytes", "Size of the raw message."),
    ),
)

LLM_CALLS = Table(
    "llm_calls",
    "Every LLM request (and offline answer) with its tokens and cost. Error texts are left out.",
    source="llm_calls",
    columns=(
        C("id", "Call id."),
        C("provider", "grok, claude or offline."),
        C("model", "Model as configured (rules for offline)."),
        C("task", "What it was for: first_email, follow_up, reply_intent, ..."),
        C("prospect_id", "The prospect it was about."),
        C("email_id", "The email it wrote, for composition calls."),
        C("status", "ok, invalid_output, error or circuit_open."),
        C("error_class", "Exception class of a failed call."),
        C("input_tokens", "Prompt tokens."),
        C("output_tokens", "Completion tokens."),
        C("cost_usd", "Cost in US dollars; NULL when the model has no price."),
        C("latency_ms", "Time the call took."),
        C("created_at", "When the call was made."),
    ),
)

_MILESTONES = ("enriched", "composed", "queued", "sent", "contacted", "engaged", "replied",
               "meeting", "won", "lost", "suppressed", "archived", "failed")
_FIRST_ENTERED = ", ".join(f"min(t.changed_at) FILTER (WHERE t.to_stage = '{stage}') AS {stage}_at"
                           for stage in _MILESTONES)

MILESTONES = Table(
    "prospect_milestones",
    "Per prospect, when it first entered each stage (from the stage history), and the furthest "
    "pipeline stage it reached: conversion timing without every single move.",
    source=f"""(
WITH progress(stage, rank) AS (VALUES {_RANKS})
SELECT t.prospect_id, arg_max(t.to_stage, p.rank) AS furthest_stage, count(*) AS moves,
       {_FIRST_ENTERED}
  FROM state_transitions t LEFT JOIN progress p ON p.stage = t.to_stage
 GROUP BY t.prospect_id)""",
    columns=(
        C("prospect_id", "The prospect."),
        C("furthest_stage", "The furthest pipeline stage it ever entered (new ... sent, "
          "contacted, engaged, replied, meeting, won; lost counts as sent)."),
        C("moves", "Stage moves recorded."),
        *(C(f"{stage}_at", f"When it first entered {stage}.") for stage in _MILESTONES),
    ),
)

INBOXES = Table(
    "inboxes",
    "The sending inboxes and their settings, without logins, servers or password variables.",
    source="inboxes",
    columns=(
        C("id", "Inbox id."),
        C("email", "The inbox's address."),
        C("display_name", "Name shown in From."),
        C("warmup_start", "First day of warm-up (NULL: treated as warm)."),
        C("warmup_ramp", "Sends per day, week by week of warm-up."),
        C("daily_cap", "Most sends a day once warm."),
        C("min_gap_seconds", "Least time between two sends."),
        C("health_score", "0-100; policy rejections lower it, deliveries raise it."),
        C("paused", "True when the inbox does not send."),
        C("pause_reason", "Why it is paused (addresses masked).", _mask("pause_reason")),
        C("paused_at", "When it was paused."),
        C("backoff_until", "Resting after a connection failure until then."),
    ),
)

COPIES = (PROSPECTS, PROSPECT_SITES, EMAILS, EMAIL_GATES, SENDS, SEND_ATTEMPTS, REPLIES, INBOUND,
          LLM_CALLS, MILESTONES, INBOXES)

# -- phase 2: summaries built from the copies, with the CRM released ------------------------------

FUNNEL_DAILY = Table(
    "funnel_daily",
    "The funnel by discovery day, source and country: of the prospects discovered that day, how "
    "many ever reached each step (from the stage history and the current stage).",
    sql=f"""
WITH progress(stage, rank) AS (VALUES {_RANKS}),
answered AS (SELECT DISTINCT prospect_id FROM replies WHERE prospect_id IS NOT NULL),
reached AS (
    SELECT p.discovered_on, p.source, p.country, p.stage,
           greatest(coalesce(now_rank.rank, -1), coalesce(furthest.rank, -1)) AS rank,
           p.stage = 'meeting' OR m.meeting_at IS NOT NULL AS meeting,
           p.stage = 'won' OR m.won_at IS NOT NULL AS won,
           p.stage = 'lost' OR m.lost_at IS NOT NULL AS lost,
           p.stage = 'suppressed' OR m.suppressed_at IS NOT NULL AS suppressed,
           a.prospect_id IS NOT NULL AS has_reply
      FROM prospects p
      LEFT JOIN progress now_rank ON now_rank.stage = p.stage
      LEFT JOIN prospect_milestones m ON m.prospect_id = p.id
      LEFT JOIN progress furthest ON furthest.stage = m.furthest_stage
      LEFT JOIN answered a ON a.prospect_id = p.id)
SELECT discovered_on AS day, source, country,
       count(*) AS discovered,
       count(*) FILTER (WHERE rank >= {_PROGRESS[Stage.ENRICHED]}) AS enriched,
       count(*) FILTER (WHERE rank >= {_PROGRESS[Stage.COMPOSED]}) AS composed,
       count(*) FILTER (WHERE rank >= {_PROGRESS[Stage.QUEUED]}) AS queued,
       count(*) FILTER (WHERE rank >= {_PROGRESS[Stage.SENT]}) AS sent,
       count(*) FILTER (WHERE has_reply OR rank >= {_PROGRESS[Stage.ENGAGED]}) AS replied,
       count(*) FILTER (WHERE meeting) AS meeting,
       count(*) FILTER (WHERE won) AS won,
       count(*) FILTER (WHERE lost) AS lost,
       count(*) FILTER (WHERE suppressed) AS suppressed,
       count(*) FILTER (WHERE stage = 'failed') AS failed_now
  FROM reached
 GROUP BY ALL
 ORDER BY ALL""",
    columns=(
        C("day", "Discovery day (UTC): the daily partition that found the prospects."),
        C("source", "job_board:<board> or csv."),
        C("country", "ISO country code; NULL when unknown."),
        C("discovered", "Prospects discovered."),
        C("enriched", "Of those, enriched at some point (website or email found)."),
        C("composed", "Composed a first email."),
        C("queued", "Had a first email queued (passed the gates and jurisdiction rules)."),
        C("sent", "Had a first email accepted by the recipient's server."),
        C("replied", "Replied (a stored reply, or reached engaged, replied, meeting or won)."),
        C("meeting", "Reached the meeting stage."),
        C("won", "Won."),
        C("lost", "Lost (declined, or closed without a deal)."),
        C("suppressed", "Suppressed (unsubscribed, hard bounce, complaint)."),
        C("failed_now", "In the failed stage now (a step failed; may be retried)."),
    ),
)

INBOX_HEALTH = Table(
    "inbox_health",
    "Per inbox at publication time: sends in the last day, 7 and 30 days, bounce and complaint "
    "rates, health and pause state.",
    sql=f"""
WITH usage AS (
    SELECT a.inbox_id,
           count(*) FILTER (WHERE a.claimed_at >= getvariable('today') AND {COUNTS_AGAINST_QUOTA})
               AS sends_today,
           count(*) FILTER (WHERE a.claimed_at >= getvariable('published_at') - INTERVAL 7 DAY
                              AND {COUNTS_AGAINST_QUOTA}) AS sends_7d,
           count(*) FILTER (WHERE a.claimed_at >= getvariable('published_at') - INTERVAL 30 DAY
                              AND {COUNTS_AGAINST_QUOTA}) AS sends_30d,
           count(*) FILTER (WHERE a.claimed_at >= getvariable('published_at') - INTERVAL 30 DAY
                              AND a.category = 'delivered') AS delivered_30d,
           count(*) FILTER (WHERE a.claimed_at >= getvariable('published_at') - INTERVAL 30 DAY
                              AND a.category IN ('delivered', 'soft', 'hard', 'policy'))
               AS answered_30d,
           count(*) FILTER (WHERE a.claimed_at >= getvariable('published_at') - INTERVAL 30 DAY
                              AND a.category IN ('hard', 'policy')) AS bounced_30d
      FROM send_attempts a
     GROUP BY a.inbox_id),
latest AS (
    SELECT inbox_id, max_by(category, claimed_at, {BOUNCE_WINDOW}) AS categories
      FROM send_attempts WHERE category IN ('delivered', 'soft', 'hard', 'policy')
     GROUP BY inbox_id),
complaints AS (
    SELECT coalesce(e.inbox_id, m.inbox_id) AS inbox_id, count(*) AS complaints_30d
      FROM inbound_messages m LEFT JOIN emails e ON e.id = m.email_id
     WHERE m.kind = 'complaint'
       AND m.received_at >= getvariable('published_at') - INTERVAL 30 DAY
     GROUP BY ALL)
SELECT i.id AS inbox_id, i.email, i.paused, i.pause_reason, i.health_score,
       coalesce(u.sends_today, 0) AS sends_today,
       coalesce(u.sends_7d, 0) AS sends_7d,
       coalesce(u.sends_30d, 0) AS sends_30d,
       coalesce(u.delivered_30d, 0) AS delivered_30d,
       coalesce(u.bounced_30d, 0) AS bounced_30d,
       u.bounced_30d / nullif(u.answered_30d, 0) AS bounce_rate_30d,
       CASE WHEN len(l.categories) >= {BOUNCE_WINDOW}
            THEN len(list_filter(l.categories, lambda c: c IN ('hard', 'policy')))
                 / len(l.categories) END AS bounce_rate_last_{BOUNCE_WINDOW},
       coalesce(c.complaints_30d, 0) AS complaints_30d,
       c.complaints_30d / nullif(u.delivered_30d, 0) AS complaint_rate_30d
  FROM inboxes i
  LEFT JOIN usage u ON u.inbox_id = i.id
  LEFT JOIN latest l ON l.inbox_id = i.id
  LEFT JOIN complaints c ON c.inbox_id = i.id
 ORDER BY i.email""",
    columns=(
        C("inbox_id", "Inbox id."),
        C("email", "The inbox's address."),
        C("paused", "True when the inbox does not send."),
        C("pause_reason", "Why it is paused."),
        C("health_score", "0-100; policy rejections lower it, deliveries raise it."),
        C("sends_today", "Sends counted against today's quota (UTC day of publication): "
          "attempts the recipient's server saw."),
        C("sends_7d", "The same over the 7 days before publication."),
        C("sends_30d", "The same over the 30 days before publication."),
        C("delivered_30d", "Attempts delivered in the last 30 days."),
        C("bounced_30d", "Hard and policy bounces in the last 30 days."),
        C("bounce_rate_30d", "bounced_30d over the attempts answered (delivered, soft, hard, "
          "policy) in the last 30 days; NULL without any."),
        C(f"bounce_rate_last_{BOUNCE_WINDOW}", f"Hard and policy bounces over the last "
          f"{BOUNCE_WINDOW} answered attempts, the rule that pauses an inbox above 5%; NULL with "
          f"fewer than {BOUNCE_WINDOW}."),
        C("complaints_30d", "Spam complaints received in the last 30 days about its sends."),
        C("complaint_rate_30d", "complaints_30d over delivered_30d; NULL without deliveries."),
    ),
)

REPLY_INTENTS = Table(
    "reply_intents",
    "Human replies by day of arrival and intent.",
    sql="""
SELECT CAST(coalesce(received_at, processed_at) AS DATE) AS day,
       coalesce(intent, 'unknown') AS intent,
       count(*) AS replies,
       count(DISTINCT prospect_id) AS prospects,
       avg(confidence) AS avg_confidence,
       count(*) FILTER (WHERE sentiment = 'positive') AS positive,
       count(*) FILTER (WHERE sentiment = 'neutral') AS neutral,
       count(*) FILTER (WHERE sentiment = 'negative') AS negative
  FROM replies
 GROUP BY ALL
 ORDER BY ALL""",
    columns=(
        C("day", "Day the reply arrived (UTC)."),
        C("intent", "interested, not_interested, delegated, needs_more_info, meeting_request, "
          "unsubscribe, or unknown."),
        C("replies", "Replies."),
        C("prospects", "Distinct prospects who sent them."),
        C("avg_confidence", "Mean confidence of the intent."),
        C("positive", "Replies with a positive tone."),
        C("neutral", "Replies with a neutral tone."),
        C("negative", "Replies with a negative tone."),
    ),
)

ENRICHMENT_RATES = Table(
    "enrichment_rates",
    "Enrichment outcomes by discovery day: of the prospects enrichment ran for, how many got a "
    "website, an email, a sendable email, or failed.",
    sql="""
SELECT discovered_on AS day,
       count(*) AS prospects,
       count(*) FILTER (WHERE enriched_at IS NOT NULL) AS attempted,
       count(*) FILTER (WHERE enriched_at IS NOT NULL AND website_final_url IS NOT NULL)
           AS website_found,
       count(*) FILTER (WHERE enriched_at IS NOT NULL AND has_email) AS email_found,
       count(*) FILTER (WHERE enriched_at IS NOT NULL AND email_sendable) AS sendable,
       count(*) FILTER (WHERE enrichment_failure IS NOT NULL) AS failed,
       website_found / nullif(attempted, 0) AS website_rate,
       email_found / nullif(attempted, 0) AS email_rate,
       sendable / nullif(attempted, 0) AS sendable_rate,
       failed / nullif(attempted, 0) AS failure_rate
  FROM prospects
 GROUP BY ALL
 ORDER BY ALL""",
    columns=(
        C("day", "Discovery day (UTC): the partition enrichment ran for."),
        C("prospects", "Prospects discovered that day."),
        C("attempted", "Of those, enrichment ran for (succeeded or failed)."),
        C("website_found", "A website was found and verified."),
        C("email_found", "An email address is known (found, or imported)."),
        C("sendable", "The address may be sent to (personal and verified)."),
        C("failed", "Enrichment failed (see enrichment_failures for why)."),
        C("website_rate", "website_found / attempted."),
        C("email_rate", "email_found / attempted."),
        C("sendable_rate", "sendable / attempted."),
        C("failure_rate", "failed / attempted."),
    ),
)

ENRICHMENT_FAILURES = Table(
    "enrichment_failures",
    "Why enrichment failed, by discovery day.",
    sql="""
SELECT discovered_on AS day, enrichment_failure AS reason, count(*) AS prospects
  FROM prospects WHERE enrichment_failure IS NOT NULL
 GROUP BY ALL
 ORDER BY ALL""",
    columns=(
        C("day", "Discovery day (UTC)."),
        C("reason", "search_unavailable, verifier_unavailable (retried later), nothing_found "
          "(neither website nor email), or other."),
        C("prospects", "Prospects that failed for that reason."),
    ),
)

GATE_PASS_RATES = Table(
    "gate_pass_rates",
    "How often each gate passed the final draft, by composition day.",
    sql="""
SELECT day, g.name AS gate,
       count(*) AS checked,
       count(*) FILTER (WHERE g.passed) AS passed,
       passed / checked AS pass_rate
  FROM (SELECT composed_on AS day, unnest(gates) AS g FROM email_gates)
 GROUP BY ALL
 ORDER BY ALL""",
    columns=(
        C("day", "Composition day (UTC)."),
        C("gate", "spam, readability, length, links, placeholders, claims, injection."),
        C("checked", "Emails whose final draft the gate judged."),
        C("passed", "Of those, passed."),
        C("pass_rate", "passed / checked."),
    ),
)

_COMPOSING = ", ".join(f"'{task}'" for task in COMPOSITION_TASKS)

COST_PER_EMAIL = Table(
    "cost_per_email",
    "LLM spend by day and provider, and what it cost per composed and per sent email.",
    sql=f"""
SELECT CAST(c.created_at AS DATE) AS day, c.provider,
       count(*) AS calls,
       count(*) FILTER (WHERE c.status = 'ok') AS ok_calls,
       count(*) FILTER (WHERE c.cost_usd IS NULL) AS unpriced_calls,
       sum(c.input_tokens)::BIGINT AS input_tokens,
       sum(c.output_tokens)::BIGINT AS output_tokens,
       coalesce(sum(c.cost_usd), 0) AS cost_usd,
       coalesce(sum(c.cost_usd) FILTER (WHERE c.task IN ({_COMPOSING})), 0) AS composition_cost_usd,
       count(DISTINCT c.email_id) FILTER (WHERE c.task IN ({_COMPOSING}) AND e.id IS NOT NULL)
           AS emails_composed,
       count(DISTINCT c.email_id) FILTER (WHERE c.task IN ({_COMPOSING}) AND e.sent_at IS NOT NULL)
           AS emails_sent,
       composition_cost_usd / nullif(emails_composed, 0) AS cost_per_composed_email,
       composition_cost_usd / nullif(emails_sent, 0) AS cost_per_sent_email
  FROM llm_calls c LEFT JOIN emails e ON e.id = c.email_id
 GROUP BY ALL
 ORDER BY ALL""",
    columns=(
        C("day", "Day of the calls (UTC)."),
        C("provider", "grok, claude or offline."),
        C("calls", "Calls made."),
        C("ok_calls", "Calls that returned a valid answer."),
        C("unpriced_calls", "Calls whose model has no price (their cost counts as 0)."),
        C("input_tokens", "Prompt tokens."),
        C("output_tokens", "Completion tokens."),
        C("cost_usd", "Spend on every task, in US dollars."),
        C("composition_cost_usd", "Spend on writing emails (first emails and follow-ups), "
          "failed drafts and regenerations included."),
        C("emails_composed", "Emails this provider worked on that were stored."),
        C("emails_sent", "Of those, accepted by the recipient's server so far."),
        C("cost_per_composed_email", "composition_cost_usd / emails_composed."),
        C("cost_per_sent_email", "composition_cost_usd / emails_sent: what one email that went "
          "out cost, the ones that never did included."),
    ),
)

SUMMARIES = (FUNNEL_DAILY, INBOX_HEALTH, REPLY_INTENTS, ENRICHMENT_RATES, ENRICHMENT_FAILURES,
             GATE_PASS_RATES, COST_PER_EMAIL)

PUBLICATION = Table(
    "publication",
    "One row about this file: when it was published and from what.",
    columns=(
        C("published_at", "When the CRM was read for this file."),
        C("crm_schema_version", "The CRM's latest migration."),
        C("crm_lock_seconds", "How long the CRM was held to copy it."),
        C("row_counts", "Rows per table of this file (JSON object)."),
    ),
)

TABLES = (*COPIES, *SUMMARIES, PUBLICATION)


# -- the publish ----------------------------------------------------------------------------------


def publish(store: CRMStore, target: Path | None = None, *, now: datetime | None = None,
            lock_wait_seconds: float = LOCK_WAIT_SECONDS) -> dict[str, Any]:
    """Build a complete new analytics file from the CRM and swap it in atomically.

    ``now`` is the publication time the rolling windows (today, 7 and 30 days) are measured from.
    Returns a summary: path, published_at, rows per table, seconds, crm_lock_seconds, bytes,
    stale_files_removed and the funnel's totals.
    """
    target = Path(target or jengu_home().analytics_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    published_at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    started = time.perf_counter()
    with _publisher_lock(target, lock_wait_seconds):
        removed = remove_stale_files(target)
        name = f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}"
        temp, stage = target.with_name(f"{name}.tmp"), target.with_name(f"{name}.stage.tmp")
        try:
            lock_seconds, schema_version = _copy_from_crm(store, temp, stage)
            rows, funnel = _build(temp, stage, published_at, lock_seconds, schema_version)
            temp.chmod(0o444)  # read-only on disk too: the file is for reading
            os.replace(temp, target)
        finally:
            _remove(temp)
            _remove(stage)
        # A write-ahead log beside the target can only come from someone who opened the old file
        # for writing; replayed onto the new file it would corrupt it.
        _remove(target.with_name(target.name + ".wal"))
        _fsync_dir(target.parent)
    return {
        "path": str(target),
        "published_at": published_at.isoformat(),
        "rows": rows,
        "seconds": round(time.perf_counter() - started, 3),
        "crm_lock_seconds": round(lock_seconds, 3),
        "bytes": target.stat().st_size,
        "stale_files_removed": removed,
        "funnel": funnel,
    }


def _copy_from_crm(store: CRMStore, temp: Path, stage: Path) -> tuple[float, int]:
    """Phase 1: the copies. Returns (seconds the CRM was held, the CRM's schema version).

    DuckDB lets a transaction write to one attached file only, so the staged and the final copies
    are two read transactions back to back. No other process can write while this connection
    holds the CRM, so both read the same data.
    """
    with store.connect() as con:
        opened = time.perf_counter()
        previous = _settings(con, memory_limit=f"'{MEMORY_LIMIT}'",
                             preserve_insertion_order="false")
        try:
            for alias, path, tables in (("stage", stage, [t for t in COPIES if t.json]),
                                        ("pub", temp, [t for t in COPIES if not t.json])):
                con.execute(f"ATTACH '{_sql_string(path)}' AS {alias}")
                try:
                    with _transaction(con):
                        for table in tables:
                            con.execute(f"CREATE TABLE {alias}.{table.name} AS "
                                        f"SELECT {table.copy_select()} FROM {table.source}")
                finally:
                    con.execute(f"DETACH {alias}")
            version = con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0][0]
        finally:
            _settings(con, **previous)
        held = time.perf_counter() - opened
    return held, int(version or 0)


def _settings(con: duckdb.DuckDBPyConnection, **values: str) -> dict[str, str]:
    """Set DuckDB settings (SQL literals); returns the previous ones, for restoring.

    They belong to the CRM's database instance, which other connections of this process share.
    """
    previous = {}
    for name, value in values.items():
        current = con.execute("SELECT current_setting(?)", [name]).fetchall()[0][0]
        previous[name] = f"'{_sql_string(current)}'" if isinstance(current, str) else str(current)
        con.execute(f"SET {name} = {value}")
    return previous


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _build(temp: Path, stage: Path, published_at: datetime, lock_seconds: float,
           schema_version: int) -> tuple[dict[str, int], dict[str, int]]:
    """Phase 2, on the new file alone: the parsed copies, the summaries, comments, the publication
    row, a checkpoint. Returns (rows per table, the funnel's totals)."""
    con = open_duckdb(str(temp), config={"memory_limit": MEMORY_LIMIT,
                                         "preserve_insertion_order": False})
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")   # stdout is `publish-analytics --json`'s
        con.execute(f"ATTACH '{_sql_string(stage)}' AS stage (READ_ONLY)")
        with _transaction(con):
            for table in COPIES:
                if table.json:
                    source = table.parse.replace("{staged}", f"stage.{table.name}")
                    con.execute(f"CREATE TABLE {table.name} AS "
                                f"SELECT {table.parse_select()} FROM {source}")
        con.execute("DETACH stage")
        con.execute("SET VARIABLE published_at = ?::TIMESTAMPTZ", [published_at])
        con.execute("SET VARIABLE today = date_trunc('day', getvariable('published_at'))")
        # One transaction: each statement committed alone would write the log once more.
        with _transaction(con):
            for table in SUMMARIES:
                con.execute(f"CREATE TABLE {table.name} AS {table.sql}")
            rows = {t.name: con.execute(f"SELECT count(*) FROM {t.name}").fetchall()[0][0]
                    for t in (*COPIES, *SUMMARIES)}
            con.execute(
                "CREATE TABLE publication AS SELECT ?::TIMESTAMPTZ AS published_at, "
                "?::INTEGER AS crm_schema_version, ?::DOUBLE AS crm_lock_seconds, "
                "?::JSON AS row_counts",
                [published_at, schema_version, round(lock_seconds, 3), json.dumps(rows)])
            rows["publication"] = 1
            for table in TABLES:
                _comment(con, table)
        funnel = _funnel_totals(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return rows, funnel


def _comment(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    actual = [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE NOT internal AND table_name = ? "
        "ORDER BY column_index",
        [table.name]).fetchall()]
    declared = [c.name for c in table.columns]
    if actual != declared:
        raise RuntimeError(f"analytics table {table.name}: built columns {actual} differ from "
                           f"the documented {declared}")
    con.execute(f"COMMENT ON TABLE {table.name} IS '{_sql_string(table.comment)}'")
    for column in table.columns:
        con.execute(f"COMMENT ON COLUMN {table.name}.{column.name} "
                    f"IS '{_sql_string(column.comment)}'")


def _funnel_totals(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    steps = ("discovered", "enriched", "composed", "queued", "sent", "replied", "meeting", "won",
             "lost")
    row = con.execute(
        f"SELECT {', '.join(f'coalesce(sum({s}), 0)::BIGINT' for s in steps)} FROM funnel_daily"
    ).fetchall()[0]
    return dict(zip(steps, row))


# -- files ----------------------------------------------------------------------------------------


@contextmanager
def _publisher_lock(target: Path, wait_seconds: float) -> Iterator[None]:
    """One publisher at a time per file. The lock dies with its process, so a crash frees it."""
    path = target.with_name(f".{target.name}.lock")
    with open(path, "a") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PublishBusyError(
                        f"another publish of {target} held {path} for over {wait_seconds:.0f} s")
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def stale_files(target: Path) -> list[Path]:
    """Temporary files (and DuckDB's spill folders and logs beside them) of earlier publishes."""
    return sorted(target.parent.glob(f".{target.name}.*.tmp*"))


def remove_stale_files(target: Path) -> int:
    """Remove what crashed publishes left. Only safe while holding the publisher lock."""
    found = stale_files(target)
    for path in found:
        _remove(path)
    return len(found)


def _remove(path: Path) -> None:
    """A DuckDB file with its write-ahead log and its spill folder (``<file>.tmp``)."""
    for item in (path, path.with_name(path.name + ".wal"), path.with_name(path.name + ".tmp")):
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sql_string(value: object) -> str:
    return str(value).replace("'", "''")

