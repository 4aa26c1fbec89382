-- Consent before membership, and credentials only their owner changes.
--
-- users.confirmed_at: when the person proved they hold the address (set a
-- password through a link sent to it, or was created by setup / the first
-- start). An invited address without a user gets an unconfirmed one whose
-- password nobody knows until the invitation link sets it.
ALTER TABLE users ADD COLUMN confirmed_at BIGINT;
UPDATE users SET confirmed_at = created_at;

-- An administrator's invitation of a person to an account. The person is not
-- a member until they accept. The token is random and stored as its SHA-256;
-- the link carries the token itself, is single-use and expires.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role INTEGER NOT NULL,
    availability INTEGER NOT NULL DEFAULT 0,
    auto_offline INTEGER NOT NULL DEFAULT 1,
    invited_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    token_hash TEXT NOT NULL UNIQUE,
    mail_status TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    UNIQUE (account_id, user_id)
);
CREATE INDEX invitations_user ON invitations (user_id);

-- "Forgot password" links: random, stored as their SHA-256, single-use,
-- short-lived; a new request replaces the user's earlier one.
CREATE TABLE password_resets (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
