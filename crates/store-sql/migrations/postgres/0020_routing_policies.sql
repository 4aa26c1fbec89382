-- Chatwoot's v4 assignment policies (how an inbox routes: order, queue
-- priority, fair distribution) and agent capacity policies (how many open
-- conversations an agent on the policy may hold per inbox). An inbox has at
-- most one assignment policy; an agent at most one capacity policy per
-- account (kept on their routing state).
CREATE TABLE assignment_policies (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    assignment_order INTEGER NOT NULL DEFAULT 0,
    conversation_priority INTEGER NOT NULL DEFAULT 0,
    fair_distribution_limit INTEGER NOT NULL DEFAULT 100,
    fair_distribution_window INTEGER NOT NULL DEFAULT 3600,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX assignment_policies_name ON assignment_policies (account_id, name);

CREATE TABLE inbox_assignment_policies (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    inbox_id BIGINT NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
    assignment_policy_id BIGINT NOT NULL REFERENCES assignment_policies(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX inbox_assignment_policies_inbox ON inbox_assignment_policies (inbox_id);
CREATE INDEX inbox_assignment_policies_policy ON inbox_assignment_policies (assignment_policy_id);

CREATE TABLE agent_capacity_policies (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    exclusion_rules JSONB NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX agent_capacity_policies_account ON agent_capacity_policies (account_id);

CREATE TABLE inbox_capacity_limits (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    agent_capacity_policy_id BIGINT NOT NULL REFERENCES agent_capacity_policies(id) ON DELETE CASCADE,
    inbox_id BIGINT NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
    conversation_limit INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX inbox_capacity_limits_policy_inbox ON inbox_capacity_limits (agent_capacity_policy_id, inbox_id);
CREATE INDEX inbox_capacity_limits_inbox ON inbox_capacity_limits (inbox_id);

ALTER TABLE routing_agents ADD COLUMN agent_capacity_policy_id BIGINT REFERENCES agent_capacity_policies(id) ON DELETE SET NULL;
CREATE INDEX routing_agents_capacity_policy ON routing_agents (agent_capacity_policy_id);
