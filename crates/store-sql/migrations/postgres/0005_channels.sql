-- Per-destination order: jobs sharing a queue_key run one after another in
-- id order (a job waits while an earlier one of its key is queued or
-- running); jobs of other keys pass it.
ALTER TABLE jobs ADD COLUMN queue_key TEXT;
-- Only pending jobs are looked up by key (the claim's "is an earlier one
-- still pending?"), so only they are indexed.
CREATE INDEX jobs_queue ON jobs (queue_key, id) WHERE queue_key IS NOT NULL AND state IN (0, 1);
