-- Replies: every inbound message stored raw before anything is acknowledged, what it was understood
-- to be, what it was matched to, and what was done about it. The core's inbound_messages and replies
-- tables never held rows before this migration (nothing wrote them), so they are recreated whole:
-- DuckDB refuses ALTER TABLE on tables with indexes.

DROP TABLE replies;
DROP TABLE inbound_messages;

-- Per inbox and folder: where polling stopped. A changed UIDVALIDITY means the folder was rebuilt.
CREATE TABLE inbox_cursors (
    inbox_id      VARCHAR NOT NULL,
    folder        VARCHAR NOT NULL,
    uidvalidity   BIGINT NOT NULL,
    last_uid      BIGINT NOT NULL,
    polled_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (inbox_id, folder)
);

CREATE TABLE inbound_messages (
    id            VARCHAR PRIMARY KEY,               -- 'in_' + a hash of message_key
    message_key   VARCHAR NOT NULL UNIQUE,           -- Message-ID, or sha256:<raw bytes> without one
    inbox_id      VARCHAR,
    folder        VARCHAR,
    uidvalidity   BIGINT,
    uid           BIGINT,
    raw           BLOB NOT NULL,                     -- dropped by retention after 90 days; metadata kept
    size_bytes    BIGINT NOT NULL,
    received_at   TIMESTAMPTZ,                       -- the server's INTERNALDATE
    stored_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- What processing concluded (NULL until processed):
    status        VARCHAR NOT NULL DEFAULT 'new',    -- new | processed | unmatched | own | malformed
    kind          VARCHAR,                           -- bounce | auto_reply | complaint | human_reply | malformed
    reason        VARCHAR,                           -- why malformed / unmatched / skipped
    from_email    VARCHAR,
    subject       VARCHAR,
    in_reply_to   VARCHAR,
    prospect_id   VARCHAR,
    email_id      VARCHAR,
    matched_by    VARCHAR,                           -- in_reply_to | references | bounce_original | address
    details       JSON,                              -- bounce / auto-reply / complaint particulars
    actions       JSON,                              -- what was done, in order
    processed_at  TIMESTAMPTZ,
    attempts      INTEGER NOT NULL DEFAULT 0
);
-- No index on status or prospect_id: processing updates both, and DuckDB rewrites a whole row
-- (raw bytes included) when an indexed column changes. Scans of this table are cheap enough.

-- One row per human reply: the new text and what it means.
CREATE TABLE replies (
    id                  VARCHAR PRIMARY KEY,         -- 'rp_' + the inbound message id
    inbound_message_id  VARCHAR NOT NULL UNIQUE,
    prospect_id         VARCHAR,
    email_id            VARCHAR,
    from_email          VARCHAR NOT NULL,
    subject             VARCHAR,
    body                VARCHAR,                      -- the new text: quotes and signature removed
    intent              VARCHAR,                      -- interested | not_interested | delegated | needs_more_info | meeting_request | unsubscribe
    sentiment           VARCHAR,
    confidence          DOUBLE,
    reasoning           VARCHAR,
    details             JSON,
    provider            VARCHAR,                      -- grok | claude | offline
    score               INTEGER,                      -- behavioural score 0-100
    received_at         TIMESTAMPTZ,
    processed_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX replies_prospect ON replies (prospect_id);

DROP INDEX prospects_name_city;
DROP INDEX prospects_domain;
DROP INDEX prospects_email;
DROP INDEX prospects_discovered_on;
DROP INDEX prospects_stage;
ALTER TABLE prospects ADD COLUMN parent_prospect_id VARCHAR;   -- the prospect who delegated to this one
ALTER TABLE prospects ADD COLUMN behaviour_score INTEGER;      -- 0-100 from the latest reply
ALTER TABLE prospects ADD COLUMN last_reply_at TIMESTAMPTZ;
CREATE INDEX prospects_name_city ON prospects (name_key, city_key);
CREATE INDEX prospects_domain ON prospects (domain);
CREATE INDEX prospects_email ON prospects (email);
CREATE INDEX prospects_discovered_on ON prospects (discovered_on);
CREATE INDEX prospects_stage ON prospects (stage);

-- Notifications: one per event (dedup_key), delivered once per channel, retried with backoff.
ALTER TABLE notifications ADD COLUMN dedup_key VARCHAR;
ALTER TABLE notifications ADD COLUMN status VARCHAR NOT NULL DEFAULT 'pending';  -- pending | delivered | failed
ALTER TABLE notifications ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN next_attempt_at TIMESTAMPTZ;
ALTER TABLE notifications ADD COLUMN channels JSON;             -- channel -> delivered_at, once each
ALTER TABLE notifications ADD COLUMN last_error VARCHAR;
CREATE UNIQUE INDEX notifications_dedup ON notifications (dedup_key);
