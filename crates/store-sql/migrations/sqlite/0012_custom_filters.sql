-- A user's saved filters (Chatwoot's custom filters): their own, per account,
-- for conversations (0), contacts (1) or reports (2). `query` is the filter
-- payload as the client saved it.
CREATE TABLE custom_filters (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    filter_type SMALLINT NOT NULL,
    query TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX custom_filters_user ON custom_filters (account_id, user_id, filter_type, id);
