-- Each person's counts (all, unread, not snoozed) read from the index
-- alone: the notification listener counts them for every recipient of a
-- fan-out (a new conversation notifies its inbox's members).
CREATE INDEX notifications_counts ON notifications (account_id, user_id, snoozed_until, read_at);
