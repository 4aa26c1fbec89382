//! An account's automation rules.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait AutomationTx: Send {
    /// The account's rules, oldest first (at most `limit`).
    async fn list_automation_rules(&mut self, account_id: i64, limit: i64) -> StoreResult<Vec<AutomationRule>>;

    async fn count_automation_rules(&mut self, account_id: i64) -> StoreResult<i64>;

    /// The account's active rules for one event, oldest first.
    async fn active_automation_rules(&mut self, account_id: i64, event_name: &str) -> StoreResult<Vec<AutomationRule>>;

    /// The events the account has active rules for, each with whether one
    /// of those rules reacts to automation.
    async fn active_rule_events(&mut self, account_id: i64) -> StoreResult<Vec<(String, bool)>>;

    async fn get_automation_rule(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AutomationRule>>;

    /// The rule, locked until the transaction ends (an edit must not write
    /// back what a concurrent switch-off changed).
    async fn lock_automation_rule(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AutomationRule>>;

    async fn insert_automation_rule(&mut self, r: &AutomationRule) -> StoreResult<AutomationRule>;

    async fn update_automation_rule(&mut self, r: &AutomationRule) -> StoreResult<()>;

    async fn delete_automation_rule(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;

    /// Records a run in which an action could not be done: one more
    /// failure in a row; at `limit` the rule is switched off with
    /// `reason`. Returns whether it was switched off by this call.
    async fn rule_failed(
        &mut self,
        account_id: i64,
        id: i64,
        failure: &str,
        limit: i32,
        reason: &str,
        now: i64,
    ) -> StoreResult<bool>;

    /// Records a run in which every action was done (the count of failures
    /// in a row starts again).
    async fn rule_succeeded(&mut self, account_id: i64, id: i64) -> StoreResult<()>;
}
