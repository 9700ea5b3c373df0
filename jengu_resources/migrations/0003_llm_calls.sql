-- Every request to an LLM provider (and every offline answer, and every call a circuit breaker
-- refused), so that cost per prospect or per email is a SQL query:
--   SELECT sum(cost_usd) FROM llm_calls WHERE prospect_id = ?
-- No secondary indexes on purpose: the table is read by aggregates, which DuckDB's zone maps
-- serve well, and DuckDB refuses ALTER TABLE on a table with indexes, so later columns come cheap.

CREATE SEQUENCE llm_calls_id_seq;
CREATE TABLE llm_calls (
    id            BIGINT PRIMARY KEY DEFAULT nextval('llm_calls_id_seq'),
    provider      VARCHAR NOT NULL,     -- grok | claude | offline
    model         VARCHAR NOT NULL,     -- as configured; "rules" for the offline provider
    task          VARCHAR NOT NULL,
    prospect_id   VARCHAR,
    email_id      VARCHAR,
    status        VARCHAR NOT NULL,     -- ok | invalid_output | error | circuit_open
    error_class   VARCHAR,              -- e.g. RateLimitError, APITimeoutError, LLMOutputError
    detail        VARCHAR,              -- why it failed, keys scrubbed
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd      DOUBLE,               -- NULL when the model has no price
    latency_ms    DOUBLE NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
