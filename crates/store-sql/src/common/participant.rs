//! Participants of a conversation and the agents mentioned in it.

use super::*;

#[async_trait]
impl ParticipantTx for SqlTx {
    async fn conversation_participants(&mut self, conversation_id: i64) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT user_id FROM conversation_participants WHERE conversation_id = $1 ORDER BY id")
                .bind(conversation_id)
                .fetch_all(&mut *self.tx)
                .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn participants_of(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
        if conversation_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "SELECT conversation_id, user_id FROM conversation_participants WHERE conversation_id IN ",
        );
        push_ids(&mut qb, conversation_ids);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn add_conversation_participants(
        &mut self,
        account_id: i64,
        conversation_id: i64,
        user_ids: &[i64],
        now: i64,
    ) -> StoreResult<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO conversation_participants (account_id, conversation_id, user_id, created_at) ",
        );
        qb.push_values(user_ids, |mut b, uid| {
            b.push_bind(account_id)
                .push_bind(conversation_id)
                .push_bind(*uid)
                .push_bind(now);
        });
        qb.push(" ON CONFLICT (conversation_id, user_id) DO NOTHING");
        qb.build().execute(&mut *self.tx).await?;
        Ok(())
    }

    async fn remove_conversation_participants(&mut self, conversation_id: i64, user_ids: &[i64]) -> StoreResult<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new("DELETE FROM conversation_participants WHERE conversation_id = ");
        qb.push_bind(conversation_id);
        qb.push(" AND user_id IN ");
        push_ids(&mut qb, user_ids);
        qb.build().execute(&mut *self.tx).await?;
        Ok(())
    }

    async fn upsert_mentions(
        &mut self,
        account_id: i64,
        conversation_id: i64,
        message_id: i64,
        user_ids: &[i64],
        now: i64,
    ) -> StoreResult<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO mentions (account_id, conversation_id, user_id, message_id, mentioned_at) ",
        );
        qb.push_values(user_ids, |mut b, uid| {
            b.push_bind(account_id)
                .push_bind(conversation_id)
                .push_bind(*uid)
                .push_bind(message_id)
                .push_bind(now);
        });
        qb.push(
            " ON CONFLICT (conversation_id, user_id) DO UPDATE SET \
             message_id = excluded.message_id, mentioned_at = excluded.mentioned_at",
        );
        qb.build().execute(&mut *self.tx).await?;
        Ok(())
    }

    async fn conversation_mentions(&mut self, conversation_id: i64) -> StoreResult<Vec<(i64, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT user_id, message_id, mentioned_at FROM mentions WHERE conversation_id = $1 ORDER BY user_id",
        )
        .bind(conversation_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }
}
