-- Contacts imported from a CSV file (Chatwoot's data_imports). The file is
-- kept in the row until the import ends, so any node's job runner can work
-- on it and a restart resumes from `cursor_byte` (the first unread byte
-- after the header) without reading a row twice. status: pending=0,
-- processing=1, completed=2, failed=3, as in Chatwoot.
CREATE TABLE data_imports (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    data_type TEXT NOT NULL DEFAULT 'contacts',
    status INTEGER NOT NULL DEFAULT 0,
    file_name TEXT NOT NULL DEFAULT '',
    file BLOB,
    total_records INTEGER NOT NULL DEFAULT 0,
    processed_records INTEGER NOT NULL DEFAULT 0,
    created_records INTEGER NOT NULL DEFAULT 0,
    updated_records INTEGER NOT NULL DEFAULT 0,
    failed_records INTEGER NOT NULL DEFAULT 0,
    failed_rows TEXT NOT NULL DEFAULT '[]',
    cursor_byte INTEGER NOT NULL DEFAULT 0,
    cursor_line INTEGER NOT NULL DEFAULT 1,
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX data_imports_account ON data_imports (account_id, id);
-- The export pages through an account's contacts by id, optionally of one label.
CREATE INDEX contacts_account_id ON contacts (account_id, id);
CREATE INDEX contact_labels_account_label ON contact_labels (account_id, label, contact_id);
