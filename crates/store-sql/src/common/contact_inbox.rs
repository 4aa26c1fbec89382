//! Contact inboxes: a contact as known to one inbox.

use super::*;

#[async_trait]
impl ContactInboxTx for SqlTx {
    async fn insert_contact_inbox(&mut self, ci: &ContactInbox) -> StoreResult<Option<ContactInbox>> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO contact_inboxes (account_id, contact_id, inbox_id, source_id, hmac_verified, pubsub_token, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (inbox_id, source_id) DO NOTHING RETURNING ",
            contact_inbox_cols!()
        ))
        .bind(ci.account_id)
        .bind(ci.contact_id)
        .bind(ci.inbox_id)
        .bind(&ci.source_id)
        .bind(ci.hmac_verified)
        .bind(&ci.pubsub_token)
        .bind(ci.created_at)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn find_contact_inbox(&mut self, inbox_id: i64, source_id: &str) -> StoreResult<Option<ContactInbox>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            contact_inbox_cols!(),
            " FROM contact_inboxes WHERE inbox_id = $1 AND source_id = $2"
        ))
        .bind(inbox_id)
        .bind(source_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn get_contact_inbox(&mut self, id: i64) -> StoreResult<Option<ContactInbox>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            contact_inbox_cols!(),
            " FROM contact_inboxes WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn find_contact_inbox_by_pubsub(&mut self, token: &str) -> StoreResult<Option<ContactInbox>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            contact_inbox_cols!(),
            " FROM contact_inboxes WHERE pubsub_token = $1"
        ))
        .bind(token)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn set_contact_inbox_verified(&mut self, id: i64, verified: bool) -> StoreResult<()> {
        sqlx::query("UPDATE contact_inboxes SET hmac_verified = $2 WHERE id = $1")
            .bind(id)
            .bind(verified)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn find_contact_inbox_for(&mut self, contact_id: i64, inbox_id: i64) -> StoreResult<Option<ContactInbox>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            contact_inbox_cols!(),
            " FROM contact_inboxes WHERE contact_id = $1 AND inbox_id = $2 ORDER BY id DESC LIMIT 1"
        ))
        .bind(contact_id)
        .bind(inbox_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn list_contact_inboxes(&mut self, contact_ids: &[i64]) -> StoreResult<Vec<ContactInbox>> {
        if contact_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            contact_inbox_cols!(),
            " FROM contact_inboxes WHERE contact_id IN "
        ));
        push_ids(&mut qb, contact_ids);
        qb.push(" ORDER BY id");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn lock_contact_inbox(&mut self, id: i64) -> StoreResult<()> {
        sqlx::query(concat!("SELECT id FROM contact_inboxes WHERE id = $1", for_update!()))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn contact_inboxes_in_use(&mut self, ids: &[i64]) -> StoreResult<Vec<i64>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb =
            QueryBuilder::<DB>::new("SELECT DISTINCT contact_inbox_id FROM conversations WHERE contact_inbox_id IN ");
        push_ids(&mut qb, ids);
        Ok(qb.build_query_scalar().fetch_all(&mut *self.tx).await?)
    }
}
