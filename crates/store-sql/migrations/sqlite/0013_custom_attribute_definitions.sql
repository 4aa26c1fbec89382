-- Custom attribute definitions (Chatwoot's custom_attribute_definitions): what
-- a key in a contact's or a conversation's custom_attributes means and how the
-- dashboard shows and edits it. attribute_model: 0 conversation, 1 contact;
-- attribute_display_type: 0 text .. 7 checkbox (Chatwoot's codes). The values
-- stay on the records when a definition is deleted.
CREATE TABLE custom_attribute_definitions (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    attribute_model INTEGER NOT NULL,
    attribute_key TEXT NOT NULL,
    attribute_display_name TEXT NOT NULL,
    attribute_display_type INTEGER NOT NULL,
    attribute_description TEXT,
    attribute_values TEXT NOT NULL DEFAULT '[]',
    regex_pattern TEXT,
    regex_cue TEXT,
    default_value TEXT NOT NULL DEFAULT 'null',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT custom_attribute_definitions_key UNIQUE (account_id, attribute_model, attribute_key)
);
