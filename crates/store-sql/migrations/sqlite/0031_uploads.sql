-- Files uploaded for automation rules and macros (Chatwoot's `/upload`
-- blobs): what `send_attachment` sends. A message sent with one shares
-- the stored file (its attachment row names the same storage key), so a
-- file is deleted only when nothing names it any more.
CREATE TABLE uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    file_type SMALLINT NOT NULL,
    content_type TEXT NOT NULL,
    extension TEXT,
    file_name TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    width INTEGER,
    height INTEGER,
    storage_key TEXT NOT NULL,
    created_by_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX uploads_account ON uploads (account_id, id);
CREATE INDEX uploads_key ON uploads (storage_key);
CREATE INDEX attachments_storage_key ON attachments (storage_key);
