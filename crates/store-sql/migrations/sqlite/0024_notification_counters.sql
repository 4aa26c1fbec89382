-- Each person's notification counts, kept by the database itself: every
-- insert, delete (cascades included) and read mark moves them in the same
-- transaction, so a fan-out to an inbox's members reads one row per
-- recipient instead of counting their history. Snoozed notifications are
-- counted in these totals; readers subtract the ones snoozed into the
-- future (a short range of notifications_counts).
CREATE TABLE notification_counts (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    total INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, user_id)
);

INSERT INTO notification_counts (account_id, user_id, total, unread)
SELECT account_id, user_id, COUNT(*), SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END)
FROM notifications GROUP BY account_id, user_id;

CREATE TRIGGER notification_counts_insert AFTER INSERT ON notifications BEGIN
    INSERT INTO notification_counts (account_id, user_id, total, unread)
    VALUES (NEW.account_id, NEW.user_id, 1, CASE WHEN NEW.read_at IS NULL THEN 1 ELSE 0 END)
    ON CONFLICT (account_id, user_id) DO UPDATE SET
        total = notification_counts.total + 1,
        unread = notification_counts.unread + excluded.unread;
END;

CREATE TRIGGER notification_counts_delete AFTER DELETE ON notifications BEGIN
    UPDATE notification_counts SET
        total = total - 1,
        unread = unread - CASE WHEN OLD.read_at IS NULL THEN 1 ELSE 0 END
    WHERE account_id = OLD.account_id AND user_id = OLD.user_id;
END;

CREATE TRIGGER notification_counts_read AFTER UPDATE OF read_at ON notifications
WHEN (OLD.read_at IS NULL) <> (NEW.read_at IS NULL) BEGIN
    UPDATE notification_counts SET
        unread = unread + CASE WHEN NEW.read_at IS NULL THEN 1 ELSE -1 END
    WHERE account_id = NEW.account_id AND user_id = NEW.user_id;
END;
