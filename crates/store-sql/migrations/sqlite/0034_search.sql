-- Message search: the words' stems (switchboard_domain::search::terms) in
-- one full-text index and the folded text (search::fold) in a trigram
-- index for substrings of three or more characters. Both are computed in
-- Rust, so PostgreSQL indexes exactly the same terms. rowid is the message
-- id. Written by the store in the message's own transaction; a message's
-- deletion (a cascade included) takes its entries with it. The tables keep
-- their own copy of what they index: a contentless table would need the
-- original terms to delete an entry, and one with contentless_delete pays
-- a walk of the index for every row written below its highest rowid (the
-- backfill writes only such rows).
CREATE VIRTUAL TABLE message_words USING fts5(terms, tokenize='unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE message_grams USING fts5(folded, tokenize='trigram');

CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
    DELETE FROM message_words WHERE rowid = OLD.id;
    DELETE FROM message_grams WHERE rowid = OLD.id;
END;

-- Messages written before this migration are indexed in the background,
-- newest first: those with ids up to next_id are still to do.
CREATE TABLE search_backfill (
    name TEXT PRIMARY KEY,
    next_id INTEGER NOT NULL
);
INSERT INTO search_backfill (name, next_id) SELECT 'messages', COALESCE(MAX(id), 0) FROM messages;

-- Contact search: the folded name, e-mail, phone and company
-- (search::contact_text) in a trigram index, for parts of three
-- characters or more.
CREATE VIRTUAL TABLE contact_grams USING fts5(folded, tokenize='trigram');

CREATE TRIGGER contact_search_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_grams WHERE rowid = OLD.id;
END;

INSERT INTO search_backfill (name, next_id) SELECT 'contacts', COALESCE(MAX(id), 0) FROM contacts;
