-- A user's notifications in an account (Chatwoot's notifications):
-- notification_type is Chatwoot's integer code, the primary actor the
-- conversation, the secondary actor what caused it (a message) when there
-- is one. Lists read a user's newest first, a page at a time, through
-- notifications_user; notifications_actor serves "read all of this
-- conversation" and the mail batching (mailed_at: when a mail carried it).
-- (source_event, user_id) makes a listener's re-run insert nothing twice.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    notification_type INTEGER NOT NULL,
    primary_actor_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    secondary_actor_id INTEGER,
    source_event INTEGER NOT NULL,
    read_at BIGINT,
    snoozed_until BIGINT,
    last_activity_at BIGINT NOT NULL,
    mailed_at BIGINT,
    meta TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    UNIQUE (source_event, user_id)
);
CREATE INDEX notifications_user ON notifications (account_id, user_id, last_activity_at, id);
CREATE INDEX notifications_actor ON notifications (user_id, primary_actor_id);

-- Which notification types each member of an account gets by e-mail and
-- by push: Chatwoot's bit flags (bit n-1 for type n). No row: the defaults.
CREATE TABLE notification_settings (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email_flags BIGINT NOT NULL DEFAULT 0,
    push_flags BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, user_id)
);
-- The unread count reads only unread rows.
CREATE INDEX notifications_unread ON notifications (account_id, user_id) WHERE read_at IS NULL;
