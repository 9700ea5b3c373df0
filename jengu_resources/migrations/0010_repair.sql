-- Repair: a trace of everything the hand-run repair job deleted or merged. Rows are kept as JSON
-- (email and reply bodies left out: retention drops those), so a deleted delivery record still
-- answers "was this address ever sent to, from which inbox, under which Message-ID, when".
-- Stage resets need no table of their own: stages.transition logs them with actor 'repair'.

CREATE SEQUENCE repair_log_id_seq;
CREATE TABLE repair_log (
    id          BIGINT PRIMARY KEY DEFAULT nextval('repair_log_id_seq'),
    repair      VARCHAR NOT NULL,     -- orphans | duplicates
    action      VARCHAR NOT NULL,     -- delete | unmatch
    table_name  VARCHAR NOT NULL,
    row_key     VARCHAR NOT NULL,     -- the row's id; a ledger row's is prospect_id:sequence_step
    prospect_id VARCHAR,
    message_id  VARCHAR,              -- set for delivery records (emails, ledger rows, attempts)
    reason      VARCHAR NOT NULL,
    row_data    JSON,                 -- the row as it was before the repair
    actor       VARCHAR,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per prospect merged away; the loser is deleted, its row kept here whole.
CREATE SEQUENCE prospect_merges_id_seq;
CREATE TABLE prospect_merges (
    id           BIGINT PRIMARY KEY DEFAULT nextval('prospect_merges_id_seq'),
    survivor_id  VARCHAR NOT NULL,
    loser_id     VARCHAR NOT NULL UNIQUE,
    reason       VARCHAR NOT NULL,    -- which duplicate rule joined them, personal data masked
    kept_because VARCHAR NOT NULL,    -- why the survivor was the one kept
    loser_row    JSON NOT NULL,
    moved        JSON,                -- table -> rows re-pointed to the survivor
    actor        VARCHAR,
    merged_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
