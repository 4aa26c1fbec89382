-- Satisfaction ratings answered from input_csat messages (one per message).
-- Keep in step with ../postgres/0004_csat.sql.
CREATE TABLE csat_survey_responses (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL,
    assigned_agent_id INTEGER,
    rating INTEGER NOT NULL,
    feedback_message TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX csat_account_created ON csat_survey_responses (account_id, created_at);
