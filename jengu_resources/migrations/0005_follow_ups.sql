-- Follow-ups: the thread's References header on each email, and a pause on a prospect's sequence.
-- DuckDB refuses ALTER TABLE on a table with indexes: drop them, alter, create them again.

DROP INDEX emails_prospect;
DROP INDEX prospects_name_city;
DROP INDEX prospects_domain;
DROP INDEX prospects_email;
DROP INDEX prospects_discovered_on;
DROP INDEX prospects_stage;

ALTER TABLE emails ADD COLUMN references_header VARCHAR;            -- space-separated Message-IDs of the thread
ALTER TABLE prospects ADD COLUMN follow_up_hold_until TIMESTAMPTZ;   -- no follow-up before this (out of office, say)

CREATE INDEX emails_prospect ON emails (prospect_id);
CREATE INDEX prospects_name_city ON prospects (name_key, city_key);
CREATE INDEX prospects_domain ON prospects (domain);
CREATE INDEX prospects_email ON prospects (email);
CREATE INDEX prospects_discovered_on ON prospects (discovered_on);
CREATE INDEX prospects_stage ON prospects (stage);
