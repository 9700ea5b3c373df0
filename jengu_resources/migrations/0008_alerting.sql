-- Alerting: what makes two alerts repeats of each other, which outside event an alert came from,
-- and how its delivery went (delivered_at and delivery_status existed, never written). The table
-- has no index but its primary key (0001-0007 create none on it), so ALTER TABLE works here; the
-- unique index comes last, and a later migration that alters alerts must drop it first and
-- create it again.

-- With alert_type: what makes two alerts repeats (a check, an inbox, a job).
ALTER TABLE alerts ADD COLUMN fingerprint VARCHAR;
-- The outside event's identity (a check evaluation, a failed run); NULL for sender-health
-- alerts, recorded in the same transaction as their event.
ALTER TABLE alerts ADD COLUMN source_key VARCHAR;
ALTER TABLE alerts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;     -- tries, the good one too
ALTER TABLE alerts ADD COLUMN next_attempt_at TIMESTAMPTZ;   -- backoff, rate limit or a lease
ALTER TABLE alerts ADD COLUMN channel VARCHAR;               -- webhook | email: the one that took it
ALTER TABLE alerts ADD COLUMN last_error VARCHAR;            -- the last failed try; no secrets
ALTER TABLE alerts ADD COLUMN folded_into BIGINT;            -- a repeat: the alert it was folded into
ALTER TABLE alerts ADD COLUMN folded_count INTEGER NOT NULL DEFAULT 0;  -- the first: its repeats

-- pending | delivered | folded | failed. Alerts stored before this migration were never sent.
ALTER TABLE alerts ALTER COLUMN delivery_status SET DEFAULT 'pending';
UPDATE alerts SET delivery_status = 'pending' WHERE delivery_status IS NULL;
UPDATE alerts
SET fingerprint = coalesce('inbox_id:' || json_extract_string(payload, '$.inbox_id'), message)
WHERE fingerprint IS NULL;

-- Reading a source again (a sensor evaluated twice, a tick whose cursor was not saved) must not
-- record its events twice. Never updated after insert, so the index costs no row rewrites.
CREATE UNIQUE INDEX alerts_source_key ON alerts (source_key);
