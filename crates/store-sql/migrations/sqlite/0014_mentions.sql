-- Agents mentioned in private notes (Chatwoot's mentions): one row per
-- conversation and user, moved to the latest note that names them.
-- "mention" lists read it by user, newest mention first.
CREATE TABLE mentions (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL,
    mentioned_at BIGINT NOT NULL,
    UNIQUE (conversation_id, user_id)
);
CREATE INDEX mentions_user ON mentions (account_id, user_id, mentioned_at);
