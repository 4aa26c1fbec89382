//! Users' notifications and their delivery settings. Every method takes the
//! account and the user: a notification is reached only by its owner.

use async_trait::async_trait;

use crate::*;

/// Which of a user's notifications a list or a count covers.
#[derive(Debug, Clone, Copy)]
pub struct NotificationScope {
    pub account_id: i64,
    pub user_id: i64,
    /// Now: notifications snoozed past it are left out unless `snoozed`.
    pub now: i64,
    pub snoozed: bool,
}

#[async_trait]
pub trait NotificationTx: Send {
    /// Writes notifications; one already written for the same event and
    /// user is skipped. Returns the rows written.
    async fn insert_notifications(&mut self, rows: &[NewNotification], now: i64) -> StoreResult<Vec<Notification>>;

    /// A page of notifications, most recent activity first.
    async fn list_notifications(
        &mut self,
        scope: NotificationScope,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Notification>>;

    /// `(count, unread)`, each at most `cap`.
    async fn count_notifications(&mut self, scope: NotificationScope, cap: i64) -> StoreResult<(i64, i64)>;

    /// `(user_id, count, unread)` of several users at once (not snoozed at
    /// `now`), each at most `cap`, in one statement: at most `2 * cap` index
    /// entries per user, however many notifications they hold. Ids that
    /// are no user are left out.
    async fn count_notifications_of(
        &mut self,
        account_id: i64,
        user_ids: &[i64],
        now: i64,
        cap: i64,
    ) -> StoreResult<Vec<(i64, i64, i64)>>;

    async fn get_notification(&mut self, account_id: i64, user_id: i64, id: i64) -> StoreResult<Option<Notification>>;

    /// Sets (or with `None` clears) `read_at`; the row after, if it exists.
    async fn set_notification_read(
        &mut self,
        account_id: i64,
        user_id: i64,
        id: i64,
        read_at: Option<i64>,
    ) -> StoreResult<Option<Notification>>;

    /// Sets `snoozed_until` and `meta`; the row after, if it exists.
    async fn snooze_notification(
        &mut self,
        account_id: i64,
        user_id: i64,
        id: i64,
        until: Option<i64>,
        meta: &serde_json::Value,
    ) -> StoreResult<Option<Notification>>;

    /// Deletes one; the row it was, if it existed.
    async fn delete_notification(
        &mut self,
        account_id: i64,
        user_id: i64,
        id: i64,
    ) -> StoreResult<Option<Notification>>;

    /// Marks every unread notification read (of one conversation, if
    /// given); how many changed.
    async fn read_all_notifications(
        &mut self,
        account_id: i64,
        user_id: i64,
        conversation_id: Option<i64>,
        now: i64,
    ) -> StoreResult<u64>;

    /// Deletes all of a user's notifications in the account, or only the
    /// read ones; how many went.
    async fn delete_notifications(&mut self, account_id: i64, user_id: i64, only_read: bool) -> StoreResult<u64>;

    /// When a mail last carried a notification of this conversation to this user.
    async fn last_mailed_at(&mut self, user_id: i64, conversation_id: i64) -> StoreResult<Option<i64>>;

    /// The user's notifications of a conversation no mail has carried yet,
    /// unread, oldest first.
    async fn unmailed_notifications(
        &mut self,
        account_id: i64,
        user_id: i64,
        conversation_id: i64,
    ) -> StoreResult<Vec<Notification>>;

    /// Records that a mail carried these notifications.
    async fn mark_notifications_mailed(&mut self, ids: &[i64], now: i64) -> StoreResult<()>;

    /// The settings rows of several users (those who have one).
    async fn notification_settings_of(
        &mut self,
        account_id: i64,
        user_ids: &[i64],
    ) -> StoreResult<Vec<NotificationSetting>>;

    async fn notification_setting(&mut self, account_id: i64, user_id: i64)
    -> StoreResult<Option<NotificationSetting>>;

    /// Deletes notifications whose last activity was before `before`, at
    /// most `limit`, oldest first.
    async fn prune_notifications(&mut self, before: i64, limit: i64) -> StoreResult<u64>;

    /// Writes a member's flags (creating the row the first time).
    async fn upsert_notification_setting(
        &mut self,
        account_id: i64,
        user_id: i64,
        email_flags: i64,
        push_flags: i64,
        now: i64,
    ) -> StoreResult<NotificationSetting>;

    /// Records a browser's subscription, or renews the keys of the one the
    /// user has for that endpoint; then keeps only the user's `keep` most
    /// recently renewed subscriptions. The row written.
    async fn upsert_push_subscription(
        &mut self,
        user_id: i64,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        keep: i64,
        now: i64,
    ) -> StoreResult<PushSubscription>;

    /// A user's subscriptions, oldest first.
    async fn push_subscriptions(&mut self, user_id: i64) -> StoreResult<Vec<PushSubscription>>;

    async fn get_push_subscription(&mut self, id: i64) -> StoreResult<Option<PushSubscription>>;

    /// Deletes the user's subscription of that endpoint; how many went.
    async fn delete_push_subscription(&mut self, user_id: i64, endpoint: &str) -> StoreResult<u64>;

    /// Deletes a subscription the push service says is gone.
    async fn delete_push_subscription_by_id(&mut self, id: i64) -> StoreResult<u64>;
}
