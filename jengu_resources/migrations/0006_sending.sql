-- Sending: the inbox pool's full settings, the once-only ledger's attempts, and the emergency stop.
-- DuckDB refuses ALTER TABLE on a table with indexes or constraints it would have to rebuild:
-- the ledger is recreated (it holds no rows before this migration ships), the rest is altered.

ALTER TABLE inboxes ADD COLUMN reply_to VARCHAR;                 -- NULL: replies go to the inbox itself
ALTER TABLE inboxes ADD COLUMN warmup_ramp VARCHAR NOT NULL DEFAULT '5,10,15,18,20'; -- per day, week by week
ALTER TABLE inboxes ADD COLUMN imap_host VARCHAR;                -- NULL: no Sent-folder reconcile
ALTER TABLE inboxes ADD COLUMN imap_port INTEGER;
ALTER TABLE inboxes ADD COLUMN imap_tls_mode VARCHAR;            -- implicit | starttls | none
ALTER TABLE inboxes ADD COLUMN sent_folder VARCHAR NOT NULL DEFAULT 'Sent';
ALTER TABLE inboxes ADD COLUMN backoff_until TIMESTAMPTZ;        -- 421 or connection failure: rest until then
ALTER TABLE inboxes ADD COLUMN backoff_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inboxes ADD COLUMN paused_at TIMESTAMPTZ;
ALTER TABLE inboxes ADD COLUMN updated_at TIMESTAMPTZ;

DROP TABLE send_ledger;
-- One row per (prospect, sequence step), claimed before SMTP is spoken: the primary key is what makes
-- a double send impossible. A soft bounce re-claims the same row later with a new Message-ID.
CREATE TABLE send_ledger (
    prospect_id     VARCHAR NOT NULL,
    sequence_step   INTEGER NOT NULL,
    email_id        VARCHAR NOT NULL,
    inbox_id        VARCHAR NOT NULL,
    to_email        VARCHAR NOT NULL,     -- lower-cased recipient
    message_id      VARCHAR NOT NULL,     -- of the latest attempt, angle brackets included
    state           VARCHAR NOT NULL,     -- claimed | sent | failed | unknown
    attempts        INTEGER NOT NULL DEFAULT 1,
    owner           VARCHAR NOT NULL,     -- host:pid:token of the process that claimed the attempt
    claimed_at      TIMESTAMPTZ NOT NULL, -- when the attempt was claimed (the send clock's time)
    resolved_at     TIMESTAMPTZ,
    smtp_code       INTEGER,
    enhanced_status VARCHAR,              -- e.g. 5.1.1
    category        VARCHAR,              -- delivered | soft | hard | policy | inbox | unknown
    detail          VARCHAR,
    retry_at        TIMESTAMPTZ,          -- failed softly: may be claimed again from then on
    reviewed_by     VARCHAR,              -- an unknown row an operator resolved by hand
    PRIMARY KEY (prospect_id, sequence_step)
);
CREATE UNIQUE INDEX send_ledger_message_id ON send_ledger (message_id);
CREATE INDEX send_ledger_to_email ON send_ledger (to_email);

-- Every Message-ID ever claimed, with its attempt: retries keep their history, and the nightly checks
-- and the reply matcher find any of them.
CREATE TABLE send_attempts (
    message_id      VARCHAR PRIMARY KEY,
    prospect_id     VARCHAR NOT NULL,
    sequence_step   INTEGER NOT NULL,
    attempt         INTEGER NOT NULL,
    inbox_id        VARCHAR NOT NULL,
    to_email        VARCHAR NOT NULL,
    claimed_at      TIMESTAMPTZ NOT NULL,
    state           VARCHAR NOT NULL,     -- as the ledger's, for this attempt
    resolved_at     TIMESTAMPTZ,
    smtp_code       INTEGER,
    enhanced_status VARCHAR,
    category        VARCHAR,
    detail          VARCHAR
);
CREATE INDEX send_attempts_prospect ON send_attempts (prospect_id, sequence_step);
-- Quotas and gaps are derived from the attempts (no counters to reset): by inbox and time.
CREATE INDEX send_attempts_inbox_claimed ON send_attempts (inbox_id, claimed_at);
CREATE INDEX send_attempts_to_email ON send_attempts (to_email);

-- Switches an operator flips: `emergency_stop` blocks every send, checked before each message.
CREATE TABLE control_flags (
    name          VARCHAR PRIMARY KEY,
    enabled       BOOLEAN NOT NULL,
    reason        VARCHAR,
    changed_by    VARCHAR,
    changed_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
