-- The counts' index with `read_at` before `snoozed_until`: an unread count
-- seeks straight to a person's unread notifications (`read_at IS NULL`)
-- instead of walking their whole history past the read ones; the total
-- still reads the (account, user) prefix and stops at its cap.
DROP INDEX notifications_counts;
CREATE INDEX notifications_counts ON notifications (account_id, user_id, read_at, snoozed_until);
