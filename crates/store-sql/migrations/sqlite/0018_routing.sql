-- Routing: each agent's routing state in an account (when routing last gave
-- them a conversation, for round robin; an optional overall capacity), and
-- the decision log (why a conversation went to whom, or waits).
CREATE TABLE routing_agents (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_routed_at INTEGER NOT NULL DEFAULT 0,
    capacity INTEGER,
    PRIMARY KEY (account_id, user_id)
);

CREATE TABLE routing_decisions (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    outcome TEXT NOT NULL,
    assignee_id INTEGER,
    detail TEXT NOT NULL DEFAULT '{}',
    digest TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX routing_decisions_conversation ON routing_decisions (conversation_id, id);
CREATE INDEX routing_decisions_recent ON routing_decisions (account_id, created_at);
CREATE INDEX routing_decisions_created ON routing_decisions (created_at);

-- An agent's open conversations (load), counted without reading history.
CREATE INDEX conversations_assignee_open ON conversations (account_id, assignee_id, status, inbox_id);
-- The waiting queue: open conversations nobody holds.
CREATE INDEX conversations_queue ON conversations (account_id, status, priority, waiting_since) WHERE assignee_id IS NULL;
