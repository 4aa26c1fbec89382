-- An account's agent bots (Chatwoot's agent_bots): a program at
-- `outgoing_url` that hears its inboxes' conversations and answers through
-- the API with its own access token (access_tokens, owner_type AgentBot).
-- `secret` signs what is sent to it.
CREATE TABLE agent_bots (
    -- AUTOINCREMENT: an id is never used again (messages and deliveries name it).
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    outgoing_url TEXT,
    bot_type TEXT NOT NULL,
    bot_config TEXT NOT NULL,
    avatar_url TEXT,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX agent_bots_account ON agent_bots (account_id, id);

-- The bot that answers an inbox first (one an inbox; status 0 active,
-- 1 inactive).
CREATE TABLE agent_bot_inboxes (
    inbox_id INTEGER PRIMARY KEY REFERENCES inboxes(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    agent_bot_id INTEGER NOT NULL REFERENCES agent_bots(id) ON DELETE CASCADE,
    status SMALLINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX agent_bot_inboxes_bot ON agent_bot_inboxes (agent_bot_id);

-- A delivery to a bot's outgoing_url (signed with the bot's secret,
-- listed in its delivery log).
ALTER TABLE deliveries ADD COLUMN agent_bot_id BIGINT;
CREATE INDEX deliveries_bot ON deliveries (agent_bot_id, id);
