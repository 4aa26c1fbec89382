-- An account's automation rules (Chatwoot's automation_rules): on one
-- event, when the conditions hold, the actions run. `conditions` and
-- `actions` are stored as the API took them (validated); `active` off
-- keeps a rule without running it.
CREATE TABLE automation_rules (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    event_name TEXT NOT NULL,
    conditions TEXT NOT NULL,
    actions TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX automation_rules_event ON automation_rules (account_id, event_name, id);
