-- Events carry their cause (who or what made the change, and how many
-- automatic steps led to it) and the webhook payload taken at the change,
-- for the listeners that consume the event stream (webhook_inbox_id: the
-- inbox whose webhooks may receive it, none for account-wide events).
ALTER TABLE events ADD COLUMN cause_kind TEXT NOT NULL DEFAULT 'system';
ALTER TABLE events ADD COLUMN cause_id INTEGER;
ALTER TABLE events ADD COLUMN cause_depth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN webhook_name TEXT;
ALTER TABLE events ADD COLUMN webhook_inbox_id INTEGER;
ALTER TABLE events ADD COLUMN webhook_payload TEXT;

-- Which listener handled which event: written in the transaction of the
-- listener's own changes, so an event is handled once per listener
-- whatever re-runs its job. The id is the order they were handled in.
CREATE TABLE listened (
    id INTEGER PRIMARY KEY,
    listener TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (listener, event_id)
);
CREATE INDEX listened_created ON listened (created_at);
