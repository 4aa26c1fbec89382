//! Inboxes, their members and mail cursors.

use super::*;

#[async_trait]
impl InboxTx for SqlTx {
    async fn insert_inbox(&mut self, i: &Inbox) -> StoreResult<Inbox> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO inboxes (account_id, name, channel_type, channel_key, hmac_token, secret, webhook_url, \
             settings, channel_config, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING ",
            inbox_cols!()
        ))
        .bind(i.account_id)
        .bind(&i.name)
        .bind(i.channel_type)
        .bind(&i.channel_key)
        .bind(&i.hmac_token)
        .bind(&i.secret)
        .bind(&i.webhook_url)
        .bind(Json(&i.settings))
        .bind(Json(&i.channel_config))
        .bind(i.created_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_inbox(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Inbox>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            inbox_cols!(),
            " FROM inboxes WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn find_inbox_by_key(&mut self, channel_type: i16, key: &str) -> StoreResult<Option<Inbox>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            inbox_cols!(),
            " FROM inboxes WHERE channel_type = $1 AND channel_key = $2"
        ))
        .bind(channel_type)
        .bind(key)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn list_inboxes(&mut self, account_id: i64, member: Option<i64>) -> StoreResult<Vec<Inbox>> {
        match member {
            None => Ok(sqlx::query_as(concat!("SELECT ", inbox_cols!(), " FROM inboxes WHERE account_id = $1 ORDER BY id"))
                .bind(account_id)
                .fetch_all(&mut *self.tx)
                .await?),
            Some(user) => Ok(sqlx::query_as(concat!(
                "SELECT ",
                inbox_cols!(),
                " FROM inboxes WHERE account_id = $1 AND id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $2) ORDER BY id"
            ))
            .bind(account_id)
            .bind(user)
            .fetch_all(&mut *self.tx)
            .await?),
        }
    }

    async fn inboxes_of_type(&mut self, channel_type: i16) -> StoreResult<Vec<Inbox>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            inbox_cols!(),
            " FROM inboxes WHERE channel_type = $1 ORDER BY id"
        ))
        .bind(channel_type)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn get_mail_cursor(&mut self, inbox_id: i64) -> StoreResult<Option<MailCursor>> {
        Ok(sqlx::query_as(
            "SELECT inbox_id, uid_validity, last_uid, polled_at, last_error FROM mail_cursors WHERE inbox_id = $1",
        )
        .bind(inbox_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn set_mail_cursor(&mut self, c: &MailCursor) -> StoreResult<()> {
        Ok(sqlx::query(
            "INSERT INTO mail_cursors (inbox_id, uid_validity, last_uid, polled_at, last_error) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (inbox_id) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, \
             polled_at = excluded.polled_at, last_error = excluded.last_error",
        )
        .bind(c.inbox_id)
        .bind(c.uid_validity)
        .bind(c.last_uid)
        .bind(c.polled_at)
        .bind(&c.last_error)
        .execute(&mut *self.tx)
        .await
        .map(|_| ())?)
    }

    async fn update_inbox(&mut self, i: &Inbox) -> StoreResult<()> {
        sqlx::query(
            "UPDATE inboxes SET name = $3, webhook_url = $4, settings = $5, channel_config = $6, hmac_token = $7, \
             secret = $8, updated_at = $9 WHERE account_id = $1 AND id = $2",
        )
        .bind(i.account_id)
        .bind(i.id)
        .bind(&i.name)
        .bind(&i.webhook_url)
        .bind(Json(&i.settings))
        .bind(Json(&i.channel_config))
        .bind(&i.hmac_token)
        .bind(&i.secret)
        .bind(i.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_inbox(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM inboxes WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn list_inbox_members(&mut self, inbox_id: i64) -> StoreResult<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT user_id FROM inbox_members WHERE inbox_id = $1 ORDER BY user_id")
                .bind(inbox_id)
                .fetch_all(&mut *self.tx)
                .await?,
        )
    }

    async fn add_inbox_members(&mut self, inbox_id: i64, user_ids: &[i64], now: i64) -> StoreResult<()> {
        for uid in user_ids {
            sqlx::query(
                "INSERT INTO inbox_members (inbox_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(inbox_id)
            .bind(*uid)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    async fn remove_inbox_members(&mut self, inbox_id: i64, user_ids: &[i64]) -> StoreResult<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new("DELETE FROM inbox_members WHERE inbox_id = ");
        qb.push_bind(inbox_id);
        qb.push(" AND user_id IN ");
        push_ids(&mut qb, user_ids);
        qb.build().execute(&mut *self.tx).await?;
        Ok(())
    }

    async fn is_inbox_member(&mut self, inbox_id: i64, user_id: i64) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbox_members WHERE inbox_id = $1 AND user_id = $2")
            .bind(inbox_id)
            .bind(user_id)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n > 0)
    }

    async fn user_inbox_ids(&mut self, account_id: i64, user_id: i64) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT m.inbox_id FROM inbox_members m JOIN inboxes i ON i.id = m.inbox_id \
             WHERE i.account_id = $1 AND m.user_id = $2 ORDER BY m.inbox_id",
        )
        .bind(account_id)
        .bind(user_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn get_inboxes(&mut self, ids: &[i64]) -> StoreResult<Vec<Inbox>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", inbox_cols!(), " FROM inboxes WHERE id IN "));
        push_ids(&mut qb, ids);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn inbox_memberships(&mut self, pairs: &[(i64, i64)]) -> StoreResult<Vec<(i64, i64)>> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new("SELECT inbox_id, user_id FROM inbox_members WHERE ");
        for (i, (inbox, user)) in pairs.iter().enumerate() {
            if i > 0 {
                qb.push(" OR ");
            }
            qb.push("(inbox_id = ");
            qb.push_bind(*inbox);
            qb.push(" AND user_id = ");
            qb.push_bind(*user);
            qb.push(")");
        }
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }
}
