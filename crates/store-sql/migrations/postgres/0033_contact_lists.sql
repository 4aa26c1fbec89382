-- The contacts list (contacts with an e-mail, phone or identifier, as
-- Chatwoot lists them) in its two keyed sorts: newest activity first with
-- the never-active last, and by creation. A page, and the page after a
-- keyset cursor, read as many index entries as they show.
CREATE INDEX contacts_list_activity ON contacts (account_id, last_activity_at DESC NULLS LAST, id DESC)
WHERE email IS NOT NULL OR phone_number IS NOT NULL OR identifier IS NOT NULL;
CREATE INDEX contacts_list_created ON contacts (account_id, created_at, id)
WHERE email IS NOT NULL OR phone_number IS NOT NULL OR identifier IS NOT NULL;
