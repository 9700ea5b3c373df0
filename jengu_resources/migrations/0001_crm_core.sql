-- The CRM core: every table SPEC.md section 5 names. Later migrations add columns; none edits this file.
-- No foreign keys on purpose: DuckDB refuses updates of referenced rows, and orphans are caught by
-- the nightly asset checks instead.

CREATE TABLE prospects (
    id               VARCHAR PRIMARY KEY,
    company_name     VARCHAR NOT NULL,
    contact_name     VARCHAR,
    contact_title    VARCHAR,
    email            VARCHAR,
    phone            VARCHAR,
    linkedin_url     VARCHAR,
    website          VARCHAR,
    domain           VARCHAR,
    company_type     VARCHAR,          -- chain_hq | franchise | independent
    city             VARCHAR,
    region           VARCHAR,
    country          VARCHAR,          -- ISO 3166-1 alpha-2 when known
    timezone         VARCHAR,
    name_key         VARCHAR NOT NULL, -- normalised company name, for deduplication
    city_key         VARCHAR NOT NULL DEFAULT '',
    tier             VARCHAR NOT NULL, -- hot | warm | cold
    hiring_signal    BOOLEAN NOT NULL DEFAULT FALSE,
    hiring_role      VARCHAR,
    source           VARCHAR NOT NULL, -- job_board:<name> | csv
    source_ref       VARCHAR NOT NULL, -- posting URL, or file name + row
    discovered_on    DATE NOT NULL,    -- the daily partition that found it
    stage            VARCHAR NOT NULL DEFAULT 'new',
    stage_changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX prospects_name_city ON prospects (name_key, city_key);
CREATE INDEX prospects_domain ON prospects (domain);
CREATE INDEX prospects_email ON prospects (email);
CREATE INDEX prospects_discovered_on ON prospects (discovered_on);

-- Every place a prospect was seen (each posting, each CSV row). The key makes admission idempotent.
CREATE TABLE prospect_sources (
    source_key    VARCHAR PRIMARY KEY,  -- posting:<source>:<external id> | csv:<sha256>:<row>
    prospect_id   VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,     -- job_posting | csv_row
    ref           VARCHAR NOT NULL,
    discovered_on DATE NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX prospect_sources_prospect ON prospect_sources (prospect_id);

CREATE TABLE job_postings (
    id            VARCHAR PRIMARY KEY,  -- <source>:<external id>
    source        VARCHAR NOT NULL,
    external_id   VARCHAR NOT NULL,
    title         VARCHAR NOT NULL,
    company       VARCHAR,
    location      VARCHAR,
    description   VARCHAR,
    url           VARCHAR,
    posted_at     TIMESTAMPTZ,
    discovered_on DATE NOT NULL,
    raw           JSON,
    status        VARCHAR NOT NULL DEFAULT 'pending', -- pending | accepted | duplicate | rejected
    reason        VARCHAR,
    prospect_id   VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX job_postings_discovered_on ON job_postings (discovered_on);

CREATE TABLE import_files (
    sha256        VARCHAR PRIMARY KEY,
    file_name     VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,
    size_bytes    BIGINT NOT NULL,
    encoding      VARCHAR NOT NULL,
    delimiter     VARCHAR NOT NULL,
    format        VARCHAR NOT NULL,     -- sales_navigator | plain_list
    rows          INTEGER NOT NULL,
    imported_on   DATE NOT NULL,
    imported_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE import_rows (
    file_sha256   VARCHAR NOT NULL,
    row_number    INTEGER NOT NULL,     -- 1-based record number after the header
    line_number   INTEGER NOT NULL,     -- physical line where the record starts
    data          JSON NOT NULL,        -- the row as read, column -> value
    lead          JSON,                 -- the parsed lead; NULL when the row was rejected on reading
    status        VARCHAR NOT NULL,     -- pending | accepted | duplicate | rejected
    reason        VARCHAR,
    prospect_id   VARCHAR,
    imported_on   DATE NOT NULL,
    PRIMARY KEY (file_sha256, row_number)
);

CREATE TABLE research_reports (
    id            VARCHAR PRIMARY KEY,
    prospect_id   VARCHAR NOT NULL,
    partition_date DATE NOT NULL,
    report        JSON NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE campaigns (
    id            VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL UNIQUE,
    description   VARCHAR,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE emails (
    id            VARCHAR PRIMARY KEY,
    prospect_id   VARCHAR NOT NULL,
    campaign_id   VARCHAR,
    sequence_step INTEGER NOT NULL DEFAULT 1,
    kind          VARCHAR NOT NULL DEFAULT 'outreach', -- outreach | follow_up
    subject       VARCHAR NOT NULL,
    body          VARCHAR,
    to_email      VARCHAR,
    from_email    VARCHAR,
    inbox_id      VARCHAR,
    status        VARCHAR NOT NULL DEFAULT 'draft',
    message_id    VARCHAR,
    in_reply_to   VARCHAR,
    spam_score    DOUBLE,
    readability_score DOUBLE,
    gates         JSON,
    composed_on   DATE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at       TIMESTAMPTZ
);
CREATE INDEX emails_prospect ON emails (prospect_id);

-- Claimed before SMTP is spoken; the unique key is what makes a double send impossible.
CREATE TABLE send_ledger (
    id            VARCHAR PRIMARY KEY,
    prospect_id   VARCHAR NOT NULL,
    sequence_step INTEGER NOT NULL,
    email_id      VARCHAR NOT NULL,
    inbox_id      VARCHAR NOT NULL,
    message_id    VARCHAR NOT NULL UNIQUE,
    state         VARCHAR NOT NULL,     -- claimed | sent | failed | unknown
    claimed_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at   TIMESTAMPTZ,
    smtp_code     INTEGER,
    detail        VARCHAR,
    UNIQUE (prospect_id, sequence_step)
);

CREATE TABLE inboxes (
    id              VARCHAR PRIMARY KEY,
    email           VARCHAR NOT NULL UNIQUE,
    display_name    VARCHAR,
    smtp_host       VARCHAR NOT NULL,
    smtp_port       INTEGER NOT NULL,
    tls_mode        VARCHAR NOT NULL,   -- implicit | starttls | none
    username        VARCHAR NOT NULL,
    password_env    VARCHAR NOT NULL,   -- the NAME of the env var, never the password
    warmup_start    DATE,
    daily_cap       INTEGER NOT NULL DEFAULT 20,
    min_gap_seconds INTEGER NOT NULL DEFAULT 300,
    health_score    DOUBLE NOT NULL DEFAULT 100,
    paused          BOOLEAN NOT NULL DEFAULT FALSE,
    pause_reason    VARCHAR,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Stored raw before anything is acknowledged on the server.
CREATE TABLE inbound_messages (
    id            VARCHAR PRIMARY KEY,
    inbox_id      VARCHAR,
    message_key   VARCHAR NOT NULL UNIQUE,  -- Message-ID, or a hash of the raw bytes without one
    uidvalidity   BIGINT,
    uid           BIGINT,
    raw           BLOB,
    kind          VARCHAR,
    received_at   TIMESTAMPTZ,
    stored_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at  TIMESTAMPTZ
);

CREATE TABLE replies (
    id            VARCHAR PRIMARY KEY,
    inbound_message_id VARCHAR NOT NULL UNIQUE,
    prospect_id   VARCHAR,
    email_id      VARCHAR,
    from_email    VARCHAR NOT NULL,
    subject       VARCHAR,
    body          VARCHAR,
    intent        VARCHAR,
    sentiment     VARCHAR,
    confidence    DOUBLE,
    reasoning     VARCHAR,
    details       JSON,
    received_at   TIMESTAMPTZ,
    processed_at  TIMESTAMPTZ
);

CREATE TABLE suppression_list (
    email         VARCHAR PRIMARY KEY,  -- lower-cased
    reason        VARCHAR NOT NULL,
    source        VARCHAR,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE SEQUENCE failed_tasks_id_seq;
CREATE TABLE failed_tasks (
    id              BIGINT PRIMARY KEY DEFAULT nextval('failed_tasks_id_seq'),
    task            VARCHAR NOT NULL,
    prospect_id     VARCHAR,
    error           VARCHAR NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 1,
    next_attempt_at TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at     TIMESTAMPTZ
);

CREATE SEQUENCE state_transitions_id_seq;
CREATE TABLE state_transitions (
    id            BIGINT PRIMARY KEY DEFAULT nextval('state_transitions_id_seq'),
    prospect_id   VARCHAR NOT NULL,
    from_stage    VARCHAR,              -- NULL when the prospect is created
    to_stage      VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,
    actor         VARCHAR,              -- asset key, run id or CLI command that made the move
    changed_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX state_transitions_prospect ON state_transitions (prospect_id);

CREATE SEQUENCE notifications_id_seq;
CREATE TABLE notifications (
    id            BIGINT PRIMARY KEY DEFAULT nextval('notifications_id_seq'),
    kind          VARCHAR NOT NULL,
    prospect_id   VARCHAR,
    payload       JSON,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at  TIMESTAMPTZ
);

CREATE SEQUENCE alerts_id_seq;
CREATE TABLE alerts (
    id              BIGINT PRIMARY KEY DEFAULT nextval('alerts_id_seq'),
    alert_type      VARCHAR NOT NULL,
    severity        VARCHAR NOT NULL,
    message         VARCHAR NOT NULL,
    payload         JSON,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at    TIMESTAMPTZ,
    delivery_status VARCHAR
);
