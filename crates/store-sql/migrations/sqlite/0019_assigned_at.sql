-- When the current assignee got the conversation: a conversation taken back
-- for "no reply" gives its next agent the full time again, and a manual
-- assignment of a long-waiting conversation is not taken back at once.
ALTER TABLE conversations ADD COLUMN assigned_at INTEGER;
