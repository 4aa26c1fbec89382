//! Users' notifications and their delivery settings: every query names the
//! account and the user, so one person's rows are reached by them alone.

use super::*;

macro_rules! notification_cols {
    () => {
        "id, account_id, user_id, notification_type, primary_actor_id, secondary_actor_id, read_at, \
         snoozed_until, last_activity_at, mailed_at, meta, created_at"
    };
}

macro_rules! push_cols {
    () => {
        "id, user_id, endpoint, p256dh, auth, created_at, updated_at"
    };
}

macro_rules! setting_cols {
    () => {
        "id, account_id, user_id, email_flags, push_flags, created_at, updated_at"
    };
}

/// The `WHERE` of a scope (`$1` account, `$2` user, `$3` now when snoozed
/// rows are left out).
fn scope_where(qb: &mut QueryBuilder<DB>, s: NotificationScope) {
    qb.push(" WHERE account_id = ");
    qb.push_bind(s.account_id);
    qb.push(" AND user_id = ");
    qb.push_bind(s.user_id);
    if !s.snoozed {
        qb.push(" AND (snoozed_until IS NULL OR snoozed_until <= ");
        qb.push_bind(s.now);
        qb.push(")");
    }
}

#[async_trait]
impl NotificationTx for SqlTx {
    async fn insert_notifications(&mut self, rows: &[NewNotification], now: i64) -> StoreResult<Vec<Notification>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO notifications (account_id, user_id, notification_type, primary_actor_id, \
             secondary_actor_id, source_event, last_activity_at, created_at) ",
        );
        qb.push_values(rows, |mut b, n| {
            b.push_bind(n.account_id)
                .push_bind(n.user_id)
                .push_bind(n.notification_type)
                .push_bind(n.primary_actor_id)
                .push_bind(n.secondary_actor_id)
                .push_bind(n.source_event)
                .push_bind(now)
                .push_bind(now);
        });
        qb.push(concat!(
            " ON CONFLICT (source_event, user_id) DO NOTHING RETURNING ",
            notification_cols!()
        ));
        let mut out: Vec<Notification> = qb.build_query_as().fetch_all(&mut *self.tx).await?;
        out.sort_by_key(|n| n.id);
        Ok(out)
    }

    async fn list_notifications(
        &mut self,
        scope: NotificationScope,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Notification>> {
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", notification_cols!(), " FROM notifications"));
        scope_where(&mut qb, scope);
        qb.push(" ORDER BY last_activity_at DESC, id DESC LIMIT ");
        qb.push_bind(limit);
        qb.push(" OFFSET ");
        qb.push_bind(offset);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn count_notifications(&mut self, scope: NotificationScope, cap: i64) -> StoreResult<(i64, i64)> {
        let mut qb = QueryBuilder::<DB>::new("SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM notifications");
        scope_where(&mut qb, scope);
        qb.push(" LIMIT ");
        qb.push_bind(cap);
        qb.push(") a), (SELECT COUNT(*) FROM (SELECT 1 FROM notifications");
        scope_where(&mut qb, scope);
        qb.push(" AND read_at IS NULL LIMIT ");
        qb.push_bind(cap);
        qb.push(") u)");
        let (count, unread): (i64, i64) = qb.build_query_as().fetch_one(&mut *self.tx).await?;
        Ok((count, unread))
    }

    async fn count_notifications_of(
        &mut self,
        account_id: i64,
        user_ids: &[i64],
        now: i64,
        cap: i64,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Each user's two counts stop at `cap` rows (a LIMIT inside each
        // correlated count), so a fan-out to many people reads a bounded
        // number of index entries however long their history.
        let mut qb = QueryBuilder::<DB>::new("SELECT u.id");
        for unread in [false, true] {
            qb.push(", (SELECT COUNT(*) FROM (SELECT 1 FROM notifications n WHERE n.account_id = ");
            qb.push_bind(account_id);
            qb.push(" AND n.user_id = u.id AND (n.snoozed_until IS NULL OR n.snoozed_until <= ");
            qb.push_bind(now);
            qb.push(")");
            if unread {
                qb.push(" AND n.read_at IS NULL");
            }
            qb.push(" LIMIT ");
            qb.push_bind(cap);
            qb.push(") c)");
        }
        qb.push(" FROM users u WHERE u.id IN ");
        push_ids(&mut qb, user_ids);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn get_notification(&mut self, account_id: i64, user_id: i64, id: i64) -> StoreResult<Option<Notification>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            notification_cols!(),
            " FROM notifications WHERE id = $1 AND account_id = $2 AND user_id = $3"
        ))
        .bind(id)
        .bind(account_id)
        .bind(user_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn set_notification_read(
        &mut self,
        account_id: i64,
        user_id: i64,
        id: i64,
        read_at: Option<i64>,
    ) -> StoreResult<Option<Notification>> {
        Ok(sqlx::query_as(concat!(
            "UPDATE notifications SET read_at = $4 WHERE id = $1 AND account_id = $2 AND user_id = $3 RETURNING ",
            notification_cols!()
        ))
        .bind(id)
        .bind(account_id)
        .bind(user_id)
        .bind(read_at)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn snooze_notification(
        &mut self,
        account_id: i64,
        user_id: i64,
        id: i64,
        until: Option<i64>,
        meta: &serde_json::Value,
    ) -> StoreResult<Option<Notification>> {
        Ok(sqlx::query_as(concat!(
            "UPDATE notifications SET snoozed_until = $4, meta = $5 \
             WHERE id = $1 AND account_id = $2 AND user_id = $3 RETURNING ",
            notification_cols!()
        ))
        .bind(id)
        .bind(account_id)
        .bind(user_id)
        .bind(until)
        .bind(Json(meta))
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn delete_notification(
        &mut self,
        account_id: i64,
        user_id: i64,
        id: i64,
    ) -> StoreResult<Option<Notification>> {
        Ok(sqlx::query_as(concat!(
            "DELETE FROM notifications WHERE id = $1 AND account_id = $2 AND user_id = $3 RETURNING ",
            notification_cols!()
        ))
        .bind(id)
        .bind(account_id)
        .bind(user_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn read_all_notifications(
        &mut self,
        account_id: i64,
        user_id: i64,
        conversation_id: Option<i64>,
        now: i64,
    ) -> StoreResult<u64> {
        let r = sqlx::query(
            "UPDATE notifications SET read_at = $3 WHERE account_id = $1 AND user_id = $2 AND read_at IS NULL \
             AND ($4 IS NULL OR primary_actor_id = $4)",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(now)
        .bind(conversation_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(r.rows_affected())
    }

    async fn delete_notifications(&mut self, account_id: i64, user_id: i64, only_read: bool) -> StoreResult<u64> {
        let sql = if only_read {
            "DELETE FROM notifications WHERE account_id = $1 AND user_id = $2 AND read_at IS NOT NULL"
        } else {
            "DELETE FROM notifications WHERE account_id = $1 AND user_id = $2"
        };
        let r = sqlx::query(sql)
            .bind(account_id)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected())
    }

    async fn last_mailed_at(&mut self, user_id: i64, conversation_id: i64) -> StoreResult<Option<i64>> {
        let row: (Option<i64>,) =
            sqlx::query_as("SELECT MAX(mailed_at) FROM notifications WHERE user_id = $1 AND primary_actor_id = $2")
                .bind(user_id)
                .bind(conversation_id)
                .fetch_one(&mut *self.tx)
                .await?;
        Ok(row.0)
    }

    async fn unmailed_notifications(
        &mut self,
        account_id: i64,
        user_id: i64,
        conversation_id: i64,
    ) -> StoreResult<Vec<Notification>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            notification_cols!(),
            " FROM notifications WHERE user_id = $1 AND primary_actor_id = $2 AND account_id = $3 \
             AND mailed_at IS NULL AND read_at IS NULL ORDER BY id LIMIT 50"
        ))
        .bind(user_id)
        .bind(conversation_id)
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn mark_notifications_mailed(&mut self, ids: &[i64], now: i64) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new("UPDATE notifications SET mailed_at = ");
        qb.push_bind(now);
        qb.push(" WHERE id IN ");
        push_ids(&mut qb, ids);
        qb.build().execute(&mut *self.tx).await?;
        Ok(())
    }

    async fn notification_settings_of(
        &mut self,
        account_id: i64,
        user_ids: &[i64],
    ) -> StoreResult<Vec<NotificationSetting>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            setting_cols!(),
            " FROM notification_settings WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(" AND user_id IN ");
        push_ids(&mut qb, user_ids);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn notification_setting(
        &mut self,
        account_id: i64,
        user_id: i64,
    ) -> StoreResult<Option<NotificationSetting>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            setting_cols!(),
            " FROM notification_settings WHERE account_id = $1 AND user_id = $2"
        ))
        .bind(account_id)
        .bind(user_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn prune_notifications(&mut self, before: i64, limit: i64) -> StoreResult<u64> {
        // Served by `notifications_activity`: only the old rows are read.
        Ok(sqlx::query(
            "DELETE FROM notifications WHERE id IN \
             (SELECT id FROM notifications WHERE last_activity_at < $1 ORDER BY last_activity_at LIMIT $2)",
        )
        .bind(before)
        .bind(limit)
        .execute(&mut *self.tx)
        .await?
        .rows_affected())
    }

    async fn upsert_notification_setting(
        &mut self,
        account_id: i64,
        user_id: i64,
        email_flags: i64,
        push_flags: i64,
        now: i64,
    ) -> StoreResult<NotificationSetting> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO notification_settings (account_id, user_id, email_flags, push_flags, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (account_id, user_id) DO UPDATE SET \
             email_flags = excluded.email_flags, push_flags = excluded.push_flags, updated_at = excluded.updated_at \
             RETURNING ",
            setting_cols!()
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(email_flags)
        .bind(push_flags)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn upsert_push_subscription(
        &mut self,
        user_id: i64,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        keep: i64,
        now: i64,
    ) -> StoreResult<PushSubscription> {
        let row: PushSubscription = sqlx::query_as(concat!(
            "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (user_id, endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth, \
             updated_at = excluded.updated_at RETURNING ",
            push_cols!()
        ))
        .bind(user_id)
        .bind(endpoint)
        .bind(p256dh)
        .bind(auth)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        sqlx::query(
            "DELETE FROM push_subscriptions WHERE user_id = $1 AND id NOT IN \
             (SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY updated_at DESC, id DESC LIMIT $2)",
        )
        .bind(user_id)
        .bind(keep)
        .execute(&mut *self.tx)
        .await?;
        Ok(row)
    }

    async fn push_subscriptions(&mut self, user_id: i64) -> StoreResult<Vec<PushSubscription>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            push_cols!(),
            " FROM push_subscriptions WHERE user_id = $1 ORDER BY id"
        ))
        .bind(user_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn get_push_subscription(&mut self, id: i64) -> StoreResult<Option<PushSubscription>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            push_cols!(),
            " FROM push_subscriptions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn delete_push_subscription(&mut self, user_id: i64, endpoint: &str) -> StoreResult<u64> {
        Ok(
            sqlx::query("DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2")
                .bind(user_id)
                .bind(endpoint)
                .execute(&mut *self.tx)
                .await?
                .rows_affected(),
        )
    }

    async fn delete_push_subscription_by_id(&mut self, id: i64) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?
            .rows_affected())
    }
}
