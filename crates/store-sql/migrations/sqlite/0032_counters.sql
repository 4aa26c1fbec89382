-- Counters for the conversation folders, the label sidebar and the contacts
-- list, kept by triggers in the transaction of every change that moves
-- them, so counting never walks an account's history.
--
-- Each table is a ledger of signed deltas: a change appends rows (+1 for
-- the new key, -1 for the old) and never updates a shared row, so
-- concurrent writers neither wait on nor deadlock over a hot counter (on
-- PostgreSQL; SQLite has one writer anyway, and keeps the same shape so
-- both backends read and fold alike). A count is SUM(n) over the
-- account's rows; `fold_counts` periodically replaces an account's rows
-- with one row per key (folded = 1), dropping keys that sum to zero.
--
-- team_id and assignee_id are 0 for "none" so keys compare with `=`.
CREATE TABLE conversation_counts (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    inbox_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL,
    status INTEGER NOT NULL,
    assignee_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    folded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversation_counts_account ON conversation_counts (account_id, status);
CREATE INDEX conversation_counts_unfolded ON conversation_counts (account_id) WHERE folded = 0;

CREATE TABLE conversation_label_counts (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    label TEXT NOT NULL,
    inbox_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL,
    status INTEGER NOT NULL,
    assignee_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    folded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversation_label_counts_account ON conversation_label_counts (account_id, label, status);
CREATE INDEX conversation_label_counts_unfolded ON conversation_label_counts (account_id) WHERE folded = 0;

-- resolved: the contact has an e-mail, a phone number or an identifier
-- (the contacts list shows only those, as Chatwoot's does).
CREATE TABLE contact_counts (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    resolved INTEGER NOT NULL,
    n INTEGER NOT NULL,
    folded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX contact_counts_account ON contact_counts (account_id);
CREATE INDEX contact_counts_unfolded ON contact_counts (account_id) WHERE folded = 0;

CREATE TRIGGER conversation_counts_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_counts (account_id, inbox_id, team_id, status, assignee_id, n)
    VALUES (NEW.account_id, NEW.inbox_id, COALESCE(NEW.team_id, 0), NEW.status, COALESCE(NEW.assignee_id, 0), 1);
END;

CREATE TRIGGER conversation_counts_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversation_counts (account_id, inbox_id, team_id, status, assignee_id, n)
    VALUES (OLD.account_id, OLD.inbox_id, COALESCE(OLD.team_id, 0), OLD.status, COALESCE(OLD.assignee_id, 0), -1);
END;

-- A conversation's labels go before it does, while it still exists, so
-- their counters find the key they were counted under (a cascade would
-- remove them after the conversation, when the key is gone).
CREATE TRIGGER conversation_labels_before_delete BEFORE DELETE ON conversations BEGIN
    DELETE FROM conversation_labels WHERE conversation_id = OLD.id;
END;

CREATE TRIGGER conversation_counts_update AFTER UPDATE OF account_id, inbox_id, team_id, status, assignee_id ON conversations
WHEN OLD.account_id IS NOT NEW.account_id OR OLD.inbox_id IS NOT NEW.inbox_id OR OLD.team_id IS NOT NEW.team_id
    OR OLD.status IS NOT NEW.status OR OLD.assignee_id IS NOT NEW.assignee_id
BEGIN
    INSERT INTO conversation_counts (account_id, inbox_id, team_id, status, assignee_id, n)
    VALUES (OLD.account_id, OLD.inbox_id, COALESCE(OLD.team_id, 0), OLD.status, COALESCE(OLD.assignee_id, 0), -1),
           (NEW.account_id, NEW.inbox_id, COALESCE(NEW.team_id, 0), NEW.status, COALESCE(NEW.assignee_id, 0), 1);
    INSERT INTO conversation_label_counts (account_id, label, inbox_id, team_id, status, assignee_id, n)
    SELECT OLD.account_id, label, OLD.inbox_id, COALESCE(OLD.team_id, 0), OLD.status, COALESCE(OLD.assignee_id, 0), -1
    FROM conversation_labels WHERE conversation_id = OLD.id
    UNION ALL
    SELECT NEW.account_id, label, NEW.inbox_id, COALESCE(NEW.team_id, 0), NEW.status, COALESCE(NEW.assignee_id, 0), 1
    FROM conversation_labels WHERE conversation_id = NEW.id;
END;

CREATE TRIGGER conversation_label_counts_insert AFTER INSERT ON conversation_labels BEGIN
    INSERT INTO conversation_label_counts (account_id, label, inbox_id, team_id, status, assignee_id, n)
    SELECT c.account_id, NEW.label, c.inbox_id, COALESCE(c.team_id, 0), c.status, COALESCE(c.assignee_id, 0), 1
    FROM conversations c WHERE c.id = NEW.conversation_id;
END;

CREATE TRIGGER conversation_label_counts_delete AFTER DELETE ON conversation_labels BEGIN
    INSERT INTO conversation_label_counts (account_id, label, inbox_id, team_id, status, assignee_id, n)
    SELECT c.account_id, OLD.label, c.inbox_id, COALESCE(c.team_id, 0), c.status, COALESCE(c.assignee_id, 0), -1
    FROM conversations c WHERE c.id = OLD.conversation_id;
END;

CREATE TRIGGER conversation_label_counts_update AFTER UPDATE OF conversation_id, label ON conversation_labels
WHEN OLD.conversation_id IS NOT NEW.conversation_id OR OLD.label IS NOT NEW.label
BEGIN
    INSERT INTO conversation_label_counts (account_id, label, inbox_id, team_id, status, assignee_id, n)
    SELECT c.account_id, OLD.label, c.inbox_id, COALESCE(c.team_id, 0), c.status, COALESCE(c.assignee_id, 0), -1
    FROM conversations c WHERE c.id = OLD.conversation_id;
    INSERT INTO conversation_label_counts (account_id, label, inbox_id, team_id, status, assignee_id, n)
    SELECT c.account_id, NEW.label, c.inbox_id, COALESCE(c.team_id, 0), c.status, COALESCE(c.assignee_id, 0), 1
    FROM conversations c WHERE c.id = NEW.conversation_id;
END;

CREATE TRIGGER contact_counts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_counts (account_id, resolved, n)
    VALUES (NEW.account_id, (NEW.email IS NOT NULL OR NEW.phone_number IS NOT NULL OR NEW.identifier IS NOT NULL), 1);
END;

CREATE TRIGGER contact_counts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contact_counts (account_id, resolved, n)
    VALUES (OLD.account_id, (OLD.email IS NOT NULL OR OLD.phone_number IS NOT NULL OR OLD.identifier IS NOT NULL), -1);
END;

CREATE TRIGGER contact_counts_update AFTER UPDATE OF account_id, email, phone_number, identifier ON contacts
WHEN OLD.account_id IS NOT NEW.account_id
    OR (OLD.email IS NOT NULL OR OLD.phone_number IS NOT NULL OR OLD.identifier IS NOT NULL)
       IS NOT (NEW.email IS NOT NULL OR NEW.phone_number IS NOT NULL OR NEW.identifier IS NOT NULL)
BEGIN
    INSERT INTO contact_counts (account_id, resolved, n)
    VALUES (OLD.account_id, (OLD.email IS NOT NULL OR OLD.phone_number IS NOT NULL OR OLD.identifier IS NOT NULL), -1),
           (NEW.account_id, (NEW.email IS NOT NULL OR NEW.phone_number IS NOT NULL OR NEW.identifier IS NOT NULL), 1);
END;

-- What exists today, folded.
INSERT INTO conversation_counts (account_id, inbox_id, team_id, status, assignee_id, n, folded)
SELECT account_id, inbox_id, COALESCE(team_id, 0), status, COALESCE(assignee_id, 0), COUNT(*), 1
FROM conversations GROUP BY account_id, inbox_id, COALESCE(team_id, 0), status, COALESCE(assignee_id, 0);

INSERT INTO conversation_label_counts (account_id, label, inbox_id, team_id, status, assignee_id, n, folded)
SELECT c.account_id, l.label, c.inbox_id, COALESCE(c.team_id, 0), c.status, COALESCE(c.assignee_id, 0), COUNT(*), 1
FROM conversation_labels l JOIN conversations c ON c.id = l.conversation_id
GROUP BY c.account_id, l.label, c.inbox_id, COALESCE(c.team_id, 0), c.status, COALESCE(c.assignee_id, 0);

INSERT INTO contact_counts (account_id, resolved, n, folded)
SELECT account_id, (email IS NOT NULL OR phone_number IS NOT NULL OR identifier IS NOT NULL), COUNT(*), 1
FROM contacts GROUP BY account_id, (email IS NOT NULL OR phone_number IS NOT NULL OR identifier IS NOT NULL);
