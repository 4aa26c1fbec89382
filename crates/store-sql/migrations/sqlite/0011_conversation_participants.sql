-- Agents taking part in a conversation (Chatwoot's conversation
-- participants): added by hand, and the assignee on assignment. A user is in
-- a conversation's set once; "participating" lists read it by user.
CREATE TABLE conversation_participants (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    UNIQUE (conversation_id, user_id)
);
CREATE INDEX conversation_participants_user ON conversation_participants (account_id, user_id, conversation_id);
