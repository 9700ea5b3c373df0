-- The inbound review queue's answers: what a person did with mail the pipeline kept for review
-- (unmatched or failed), one row per decision, never updated. inbound_messages itself keeps only
-- where a message stands; processing rewrites its reason and actions, this log stays.

CREATE SEQUENCE inbound_reviews_id_seq;
CREATE TABLE inbound_reviews (
    id                  BIGINT PRIMARY KEY DEFAULT nextval('inbound_reviews_id_seq'),
    inbound_message_id  VARCHAR NOT NULL,
    action              VARCHAR NOT NULL,     -- assign | retry | dismiss
    from_status         VARCHAR NOT NULL,     -- unmatched | failed
    prospect_id         VARCHAR,              -- assign: the prospect the person chose
    note                VARCHAR,              -- dismiss: the person's reason
    actor               VARCHAR NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
