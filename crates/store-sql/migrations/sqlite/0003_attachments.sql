-- Files on messages. The bytes live in the attachment storage under
-- storage_key; the row carries what the API shows. Keep in step with
-- ../postgres/0003_attachments.sql.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    file_type INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    extension TEXT,
    file_name TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    storage_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);
