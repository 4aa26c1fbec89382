-- Where IMAP polling of an e-mail inbox's mailbox has got to: the mailbox's
-- UIDVALIDITY and the highest UID imported. A changed UIDVALIDITY means the
-- UIDs were renumbered and the mailbox is read again (Message-IDs keep the
-- import from duplicating). The last poll's time and error are shown to
-- administrators.
CREATE TABLE mail_cursors (
    inbox_id INTEGER PRIMARY KEY REFERENCES inboxes(id) ON DELETE CASCADE,
    uid_validity BIGINT NOT NULL,
    last_uid BIGINT NOT NULL,
    polled_at BIGINT NOT NULL,
    last_error TEXT
);
