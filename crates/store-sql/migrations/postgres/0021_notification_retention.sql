-- Notifications are kept for the retention period after their last
-- activity (`--notification-retention-days`); the pruning reads only the
-- old ones.
CREATE INDEX notifications_activity ON notifications (last_activity_at);
