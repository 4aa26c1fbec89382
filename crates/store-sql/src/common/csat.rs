//! Satisfaction ratings and the surveys that asked for them.

use super::*;

macro_rules! csat_cols {
    () => {
        "r.id, r.account_id, r.conversation_id, r.message_id, r.contact_id, r.assigned_agent_id, r.rating, \
         r.feedback_message, r.created_at, r.updated_at"
    };
}

/// The conditions of a list of ratings (`r` the rating, `c` its conversation).
fn push_filter(qb: &mut QueryBuilder<DB>, account_id: i64, f: &CsatFilter) {
    qb.push(" WHERE r.account_id = ");
    qb.push_bind(account_id);
    if let Some(since) = f.since {
        qb.push(" AND r.created_at >= ");
        qb.push_bind(since);
    }
    if let Some(until) = f.until {
        qb.push(" AND r.created_at <= ");
        qb.push_bind(until);
    }
    if let Some(inbox) = f.inbox_id {
        qb.push(" AND c.inbox_id = ");
        qb.push_bind(inbox);
    }
    if let Some(team) = f.team_id {
        qb.push(" AND c.team_id = ");
        qb.push_bind(team);
    }
    if !f.user_ids.is_empty() {
        qb.push(" AND r.assigned_agent_id IN ");
        push_ids(qb, &f.user_ids);
    }
    if let Some(rating) = f.rating {
        qb.push(" AND r.rating = ");
        qb.push_bind(rating);
    }
}

#[async_trait]
impl CsatTx for SqlTx {
    async fn list_csat(
        &mut self,
        account_id: i64,
        f: &CsatFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<CsatResponse>> {
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            csat_cols!(),
            " FROM csat_survey_responses r JOIN conversations c ON c.id = r.conversation_id"
        ));
        push_filter(&mut qb, account_id, f);
        qb.push(" ORDER BY r.created_at DESC, r.id DESC LIMIT ");
        qb.push_bind(limit);
        qb.push(" OFFSET ");
        qb.push_bind(offset);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn csat_rating_counts(&mut self, account_id: i64, f: &CsatFilter) -> StoreResult<Vec<(i16, i64)>> {
        let mut qb = QueryBuilder::<DB>::new(
            "SELECT CAST(r.rating AS SMALLINT), COUNT(*) FROM csat_survey_responses r JOIN conversations c ON c.id = r.conversation_id",
        );
        push_filter(&mut qb, account_id, f);
        qb.push(" GROUP BY r.rating ORDER BY r.rating");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn count_csat_sent(
        &mut self,
        account_id: i64,
        since: Option<i64>,
        until: Option<i64>,
        inbox_id: Option<i64>,
    ) -> StoreResult<i64> {
        let mut qb = QueryBuilder::<DB>::new("SELECT COUNT(*) FROM messages WHERE content_type = 9 AND account_id = ");
        qb.push_bind(account_id);
        if let Some(since) = since {
            qb.push(" AND created_at >= ");
            qb.push_bind(since);
        }
        if let Some(until) = until {
            qb.push(" AND created_at <= ");
            qb.push_bind(until);
        }
        if let Some(inbox) = inbox_id {
            qb.push(" AND inbox_id = ");
            qb.push_bind(inbox);
        }
        let (n,): (i64,) = qb.build_query_as().fetch_one(&mut *self.tx).await?;
        Ok(n)
    }

    async fn latest_csat_message(&mut self, conversation_id: i64) -> StoreResult<Option<Message>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE conversation_id = $1 AND content_type = 9 ORDER BY id DESC LIMIT 1"
        ))
        .bind(conversation_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn csat_of(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<CsatResponse>> {
        if conversation_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            csat_cols!(),
            " FROM csat_survey_responses r WHERE r.conversation_id IN "
        ));
        push_ids(&mut qb, conversation_ids);
        qb.push(" ORDER BY r.id");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }
}
