-- Satisfaction surveys sent (input_csat messages) counted per account and
-- period for the response rate, without walking every message: a partial
-- index holds the survey messages alone.
CREATE INDEX messages_csat_sent ON messages (account_id, created_at) WHERE content_type = 9;
