-- Agents' notes on a contact (Chatwoot's contact notes): free text, by an
-- agent, newest first. A deleted user leaves their notes without an author.
CREATE TABLE contact_notes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    content TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX contact_notes_contact ON contact_notes (contact_id, id);
