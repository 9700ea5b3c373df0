-- Composition: why a composed email is held back, and how it was written.
-- DuckDB refuses ALTER TABLE on a table with indexes: drop them, alter, create them again.

DROP INDEX emails_prospect;

ALTER TABLE emails ADD COLUMN hold_reason VARCHAR;   -- NULL when queued; the gate or jurisdiction rule otherwise
ALTER TABLE emails ADD COLUMN attempts INTEGER;      -- drafts written, 1 + regenerations
ALTER TABLE emails ADD COLUMN llm_provider VARCHAR;  -- grok | claude | offline

CREATE INDEX emails_prospect ON emails (prospect_id);
