-- Retention: after 90 days an email's body and an inbound message's raw bytes are dropped by the
-- weekly maintenance job (jengu_assets/maintenance.py); the row and its metadata stay, with the
-- moment the content went and how big it was.
-- DuckDB 2.0 adds columns to a table with indexes, but refuses ALTER COLUMN on one: inbound_messages
-- has none (0007 kept them off it), so its raw column can lose NOT NULL in place.

ALTER TABLE inbound_messages ALTER COLUMN raw DROP NOT NULL;
ALTER TABLE inbound_messages ADD COLUMN raw_dropped_at TIMESTAMPTZ;  -- NULL while raw is kept

ALTER TABLE emails ADD COLUMN body_dropped_at TIMESTAMPTZ;           -- NULL while body is kept
ALTER TABLE emails ADD COLUMN body_bytes INTEGER;                    -- the body's UTF-8 size when dropped
