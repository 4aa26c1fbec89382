-- Automation rules, continued.
-- secret: signs the rule's send_webhook_event deliveries.
-- react_to_automation: the rule also runs on what automation did (to a
--   depth of 3), where other rules never do.
-- failures / last_failure: runs in a row in which an action could not be
--   done; at 5 the rule is switched off and disabled_reason says why.
ALTER TABLE automation_rules ADD COLUMN secret TEXT NOT NULL DEFAULT '';
UPDATE automation_rules SET secret = md5(random()::text || clock_timestamp()::text || id::text);
ALTER TABLE automation_rules ADD COLUMN react_to_automation BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE automation_rules ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE automation_rules ADD COLUMN last_failure TEXT;
ALTER TABLE automation_rules ADD COLUMN disabled_reason TEXT;

-- A delivery a rule's send_webhook_event made (signed with the rule's
-- secret, listed in the rule's delivery log).
ALTER TABLE deliveries ADD COLUMN automation_rule_id BIGINT;
CREATE INDEX deliveries_rule ON deliveries (automation_rule_id, id);
