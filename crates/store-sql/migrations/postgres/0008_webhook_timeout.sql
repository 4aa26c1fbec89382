-- A webhook's own request timeout in seconds; NULL means the installation's
-- webhook_timeout_secs.
ALTER TABLE webhooks ADD COLUMN timeout_secs INTEGER;
