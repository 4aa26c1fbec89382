-- SLA policies (Chatwoot's sla_policies): thresholds in seconds for the
-- first reply, each next reply and the resolution; with
-- only_during_business_hours the clocks run in the inbox's calendar.
CREATE TABLE sla_policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    first_response_time_threshold BIGINT,
    next_response_time_threshold BIGINT,
    resolution_time_threshold BIGINT,
    only_during_business_hours INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sla_policies_account ON sla_policies (account_id, id);

-- The policy a conversation is held to (its applied_slas row has the clocks).
ALTER TABLE conversations ADD COLUMN sla_policy_id BIGINT;

-- A policy held against one conversation (Chatwoot's applied_slas; one a
-- conversation). sla_status: 0 active, 1 hit, 2 missed, 3 active_with_misses.
-- The due times are the clocks now armed (microseconds, null when none
-- runs); a check job is queued for each, and for the warning at 80 %.
-- cycle_started_at: the creation, or the last reopen, the resolution
-- clock counts from.
CREATE TABLE applied_slas (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL UNIQUE REFERENCES conversations(id) ON DELETE CASCADE,
    sla_policy_id INTEGER NOT NULL REFERENCES sla_policies(id) ON DELETE CASCADE,
    inbox_id BIGINT NOT NULL,
    sla_status SMALLINT NOT NULL,
    cycle_started_at BIGINT NOT NULL,
    frt_due_at BIGINT,
    nrt_due_at BIGINT,
    rt_due_at BIGINT,
    completed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX applied_slas_account ON applied_slas (account_id, created_at);
CREATE INDEX applied_slas_status ON applied_slas (account_id, sla_status, created_at);
CREATE INDEX applied_slas_policy ON applied_slas (sla_policy_id);

-- A threshold missed (Chatwoot's sla_events; event_type 0 frt, 1 nrt,
-- 2 rt). A clock misses once: (applied_sla_id, event_type, due_at) is unique.
CREATE TABLE sla_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    applied_sla_id INTEGER NOT NULL REFERENCES applied_slas(id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL,
    inbox_id BIGINT NOT NULL,
    sla_policy_id BIGINT NOT NULL,
    event_type SMALLINT NOT NULL,
    due_at BIGINT NOT NULL,
    meta TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (applied_sla_id, event_type, due_at)
);
