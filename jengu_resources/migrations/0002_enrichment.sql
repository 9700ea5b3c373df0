-- Enrichment: what was found for each prospect, and why anything is missing.
-- DuckDB refuses ALTER TABLE on a table with indexes: drop them, alter, create them again.

DROP INDEX prospects_name_city;
DROP INDEX prospects_domain;
DROP INDEX prospects_email;
DROP INDEX prospects_discovered_on;

ALTER TABLE prospects ADD COLUMN website_final_url VARCHAR;   -- after redirects
ALTER TABLE prospects ADD COLUMN website_kind VARCHAR;        -- candidate | chain_property | csv
ALTER TABLE prospects ADD COLUMN website_score DOUBLE;
ALTER TABLE prospects ADD COLUMN website_reason VARCHAR;      -- why this site, or why none
ALTER TABLE prospects ADD COLUMN email_status VARCHAR;        -- valid | catch_all | unverified | ...
ALTER TABLE prospects ADD COLUMN email_score DOUBLE;
ALTER TABLE prospects ADD COLUMN email_kind VARCHAR;          -- personal | generic
ALTER TABLE prospects ADD COLUMN email_origin VARCHAR;        -- csv | site | pattern
ALTER TABLE prospects ADD COLUMN email_sendable BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE prospects ADD COLUMN email_reason VARCHAR;
ALTER TABLE prospects ADD COLUMN website_analysis JSON;
ALTER TABLE prospects ADD COLUMN enrichment_reason VARCHAR;   -- set when enrichment failed
ALTER TABLE prospects ADD COLUMN enriched_at TIMESTAMPTZ;
CREATE INDEX prospects_name_city ON prospects (name_key, city_key);
CREATE INDEX prospects_domain ON prospects (domain);
CREATE INDEX prospects_email ON prospects (email);
CREATE INDEX prospects_discovered_on ON prospects (discovered_on);
CREATE INDEX prospects_stage ON prospects (stage);

-- One verdict per address: a re-run never pays the verifier twice for the same answer.
CREATE TABLE email_verifications (
    email       VARCHAR PRIMARY KEY,
    status      VARCHAR NOT NULL,
    score       DOUBLE NOT NULL,
    is_role     BOOLEAN NOT NULL,
    is_free     BOOLEAN NOT NULL,
    mx_found    BOOLEAN,
    source      VARCHAR NOT NULL,     -- millionverifier | offline
    detail      VARCHAR,
    verified_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The retry queue: one row per (task, prospect), updated in place on every attempt.
ALTER TABLE failed_tasks ADD COLUMN reason VARCHAR;          -- short code, e.g. search_unavailable
ALTER TABLE failed_tasks ADD COLUMN partition_date DATE;
ALTER TABLE failed_tasks ADD COLUMN status VARCHAR NOT NULL DEFAULT 'pending'; -- pending | resolved | gave_up
CREATE UNIQUE INDEX failed_tasks_task_prospect ON failed_tasks (task, prospect_id);
