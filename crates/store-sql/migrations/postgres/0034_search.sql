-- Message search: the words' stems (switchboard_domain::search::terms) as
-- a tsvector of the 'simple' configuration (the stemming is done already,
-- the same as SQLite's), and the folded text (search::fold) under a
-- pg_trgm index for substrings of three or more characters. Written by the
-- store in the message's own transaction; goes with the message.
--
-- pg_trgm ships with PostgreSQL and is a trusted extension: the database's
-- owner may create it. It is created once per database (in public when it
-- is missing), so the index names its operator class by the schema it is in.
DO $$
DECLARE
    ext_schema TEXT;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE EXTENSION pg_trgm SCHEMA public;
    END IF;
    SELECT n.nspname INTO ext_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';

    CREATE TABLE message_search (
        message_id BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        account_id BIGINT NOT NULL,
        words TSVECTOR NOT NULL,
        folded TEXT NOT NULL
    );
    CREATE INDEX message_search_words ON message_search USING gin (words);
    EXECUTE format('CREATE INDEX message_search_folded ON message_search USING gin (folded %I.gin_trgm_ops)', ext_schema);

    -- Contact search: the folded name, e-mail, phone and company
    -- (search::contact_text) under a trigram index.
    CREATE TABLE contact_search (
        contact_id BIGINT PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
        account_id BIGINT NOT NULL,
        folded TEXT NOT NULL
    );
    EXECUTE format('CREATE INDEX contact_search_folded ON contact_search USING gin (folded %I.gin_trgm_ops)', ext_schema);
END $$;

-- Messages written before this migration are indexed in the background,
-- newest first: those with ids up to next_id are still to do.
CREATE TABLE search_backfill (
    name TEXT PRIMARY KEY,
    next_id BIGINT NOT NULL
);
INSERT INTO search_backfill (name, next_id) SELECT 'messages', COALESCE(MAX(id), 0) FROM messages;
INSERT INTO search_backfill (name, next_id) SELECT 'contacts', COALESCE(MAX(id), 0) FROM contacts;
