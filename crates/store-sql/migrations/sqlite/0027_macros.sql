-- Macros (Chatwoot's macros): a named list of actions a person runs on
-- conversations. `personal` ones are their author's alone; `global`
-- ones every member of the account sees. The author is kept as a user id
-- (a user removed from the account leaves the macro without one).
CREATE TABLE macros (
    -- AUTOINCREMENT: an id is never used again (messages and deliveries name it).
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    visibility TEXT NOT NULL,
    created_by_id BIGINT,
    updated_by_id BIGINT,
    actions TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- An account's global macros and one person's own, in id order.
CREATE INDEX macros_visible ON macros (account_id, visibility, created_by_id, id);
