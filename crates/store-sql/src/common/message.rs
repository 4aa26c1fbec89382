//! Messages of a conversation, their search and CSAT answers.

use super::*;

#[async_trait]
impl MessageTx for SqlTx {
    async fn last_messages(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<Message>> {
        if conversation_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Per conversation, walk its index backwards to the first chat
        // message: bounded work however long the conversation is.
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE id IN (SELECT (SELECT x.id FROM messages x WHERE x.conversation_id = c.id \
             AND x.message_type <> 2 AND x.private = FALSE ORDER BY x.id DESC LIMIT 1) FROM conversations c WHERE c.id IN "
        ));
        push_ids(&mut qb, conversation_ids);
        qb.push(")");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn last_incoming_at(&mut self, conversation_id: i64) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT created_at FROM messages WHERE conversation_id = $1 AND message_type = 0 ORDER BY id DESC LIMIT 1",
        )
        .bind(conversation_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn last_incoming_message(&mut self, conversation_id: i64) -> StoreResult<Option<Message>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE conversation_id = $1 AND message_type = 0 ORDER BY id DESC LIMIT 1"
        ))
        .bind(conversation_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn insert_message(&mut self, m: &NewMessage) -> StoreResult<Option<Message>> {
        let inserted: Option<Message> = sqlx::query_as(concat!(
            "INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, content, content_type, \
             content_attributes, additional_attributes, private, status, source_id, echo_id, sender_type, sender_id, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
             ON CONFLICT DO NOTHING RETURNING ",
            message_cols!()
        ))
        .bind(m.account_id)
        .bind(m.inbox_id)
        .bind(m.conversation_id)
        .bind(m.message_type.code())
        .bind(&m.content)
        .bind(m.content_type.code())
        .bind(Json(&m.content_attributes))
        .bind(Json(&m.additional_attributes))
        .bind(m.private)
        .bind(m.status.code())
        .bind(&m.source_id)
        .bind(&m.echo_id)
        .bind(&m.sender_type)
        .bind(m.sender_id)
        .bind(m.created_at)
        .fetch_optional(&mut *self.tx)
        .await?;
        if let Some(row) = &inserted {
            search::index_messages(self, &[row], false).await?;
        }
        Ok(inserted)
    }

    async fn find_message_by_source(&mut self, inbox_id: i64, source_id: &str) -> StoreResult<Option<Message>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE inbox_id = $1 AND source_id = $2"
        ))
        .bind(inbox_id)
        .bind(source_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn find_message_by_echo(&mut self, conversation_id: i64, echo_id: &str) -> StoreResult<Option<Message>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE conversation_id = $1 AND echo_id = $2"
        ))
        .bind(conversation_id)
        .bind(echo_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn get_message(&mut self, conversation_id: i64, id: i64) -> StoreResult<Option<Message>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE conversation_id = $1 AND id = $2"
        ))
        .bind(conversation_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn get_message_by_id(&mut self, id: i64) -> StoreResult<Option<Message>> {
        Ok(
            sqlx::query_as(concat!("SELECT ", message_cols!(), " FROM messages WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?,
        )
    }

    async fn get_messages_by_ids(&mut self, ids: &[i64]) -> StoreResult<Vec<Message>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", message_cols!(), " FROM messages WHERE id IN "));
        push_ids(&mut qb, ids);
        qb.push(" ORDER BY id");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn mark_messages_sent(&mut self, sent: &[(i64, String)], now: i64) -> StoreResult<Vec<Message>> {
        if sent.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new("UPDATE messages SET source_id = v.column2, status = 0, updated_at = ");
        qb.push_bind(now);
        qb.push(" FROM (");
        qb.push_values(sent, |mut b, (id, source)| {
            b.push_bind(*id).push_bind(source.clone());
        });
        qb.push(concat!(
            ") AS v WHERE messages.id = v.column1 AND messages.source_id IS NULL RETURNING ",
            message_cols!()
        ));
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn update_message(&mut self, m: &Message) -> StoreResult<()> {
        // The index entries change only with the text (a status or a
        // source id does not touch them).
        let before: Option<Option<String>> = sqlx::query_scalar("SELECT content FROM messages WHERE id = $1")
            .bind(m.id)
            .fetch_optional(&mut *self.tx)
            .await?;
        if before.as_ref().is_some_and(|b| *b != m.content) {
            search::index_messages(self, &[m], true).await?;
        }
        sqlx::query(
            "UPDATE messages SET content = $2, content_type = $3, content_attributes = $4, additional_attributes = $5, \
             status = $6, source_id = $7, updated_at = $8 WHERE id = $1",
        )
        .bind(m.id)
        .bind(&m.content)
        .bind(m.content_type)
        .bind(Json(&m.content_attributes))
        .bind(Json(&m.additional_attributes))
        .bind(m.status)
        .bind(&m.source_id)
        .bind(m.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn count_messages_since(&mut self, conversation_id: i64, since: i64, cap: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE conversation_id = $1 AND created_at > $2 LIMIT $3) recent",
        )
        .bind(conversation_id)
        .bind(since)
        .bind(cap)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn list_messages(&mut self, q: &MessageQuery) -> StoreResult<Vec<Message>> {
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE conversation_id = "
        ));
        qb.push_bind(q.conversation_id);
        if q.public_only {
            qb.push(" AND private = FALSE AND message_type <> 2");
        }
        if let Some(b) = q.before {
            qb.push(" AND id < ");
            qb.push_bind(b);
        }
        if let Some(a) = q.after {
            qb.push(" AND id > ");
            qb.push_bind(a);
        }
        // With only `after`, take the oldest ones after the cursor; otherwise the newest.
        let ascending = q.after.is_some() && q.before.is_none();
        qb.push(if ascending {
            " ORDER BY id ASC LIMIT "
        } else {
            " ORDER BY id DESC LIMIT "
        });
        qb.push_bind(q.limit);
        let mut rows: Vec<Message> = qb.build_query_as().fetch_all(&mut *self.tx).await?;
        if !ascending {
            rows.reverse();
        }
        Ok(rows)
    }

    async fn search_messages(
        &mut self,
        account_id: i64,
        inboxes: Option<&[i64]>,
        needle: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Message>> {
        if inboxes.is_some_and(|ids| ids.is_empty()) {
            return Ok(Vec::new());
        }
        let ids = search::search_message_ids(self, account_id, inboxes, needle, offset.saturating_add(limit)).await?;
        let page: Vec<i64> = ids.into_iter().skip(offset.max(0) as usize).collect();
        if page.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", message_cols!(), " FROM messages WHERE id IN "));
        push_ids(&mut qb, &page);
        qb.push(" ORDER BY id DESC");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn insert_messages(&mut self, rows: &[NewMessage]) -> StoreResult<Vec<Message>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, content, content_type, \
             content_attributes, additional_attributes, private, status, source_id, echo_id, sender_type, sender_id, \
             created_at, updated_at) ",
        );
        qb.push_values(rows, |mut b, m| {
            b.push_bind(m.account_id)
                .push_bind(m.inbox_id)
                .push_bind(m.conversation_id)
                .push_bind(m.message_type.code())
                .push_bind(m.content.clone())
                .push_bind(m.content_type.code())
                .push_bind(Json(m.content_attributes.clone()))
                .push_bind(Json(m.additional_attributes.clone()))
                .push_bind(m.private)
                .push_bind(m.status.code())
                .push_bind(m.source_id.clone())
                .push_bind(m.echo_id.clone())
                .push_bind(m.sender_type.clone())
                .push_bind(m.sender_id)
                .push_bind(m.created_at)
                .push_bind(m.created_at);
        });
        qb.push(concat!(" ON CONFLICT DO NOTHING RETURNING ", message_cols!()));
        let inserted: Vec<Message> = qb.build_query_as().fetch_all(&mut *self.tx).await?;
        let refs: Vec<&Message> = inserted.iter().collect();
        search::index_messages(self, &refs, false).await?;
        Ok(inserted)
    }

    async fn backfill_search(&mut self, batch: i64) -> StoreResult<u64> {
        search::backfill(self, batch).await
    }

    async fn recent_replies(
        &mut self,
        conversation_id: i64,
        outgoing_since: i64,
        template_since: i64,
    ) -> StoreResult<(bool, bool)> {
        let (outgoing, template): (i64, i64) = sqlx::query_as(
            "SELECT \
             (SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE conversation_id = $1 AND message_type = 1 AND private = FALSE AND created_at > $2 LIMIT 1) a), \
             (SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE conversation_id = $1 AND message_type = 3 AND created_at > $3 LIMIT 1) b)",
        )
        .bind(conversation_id)
        .bind(outgoing_since)
        .bind(template_since)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok((outgoing > 0, template > 0))
    }

    async fn has_content_type(&mut self, conversation_id: i64, content_type: i16) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE conversation_id = $1 AND content_type = $2 LIMIT 1) x",
        )
        .bind(conversation_id)
        .bind(content_type)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(n > 0)
    }

    async fn upsert_csat(&mut self, c: &NewCsat, now: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO csat_survey_responses (account_id, conversation_id, message_id, contact_id, assigned_agent_id, \
             rating, feedback_message, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (message_id) DO UPDATE SET rating = excluded.rating, feedback_message = excluded.feedback_message, \
             updated_at = excluded.updated_at",
        )
        .bind(c.account_id)
        .bind(c.conversation_id)
        .bind(c.message_id)
        .bind(c.contact_id)
        .bind(c.assigned_agent_id)
        .bind(c.rating)
        .bind(&c.feedback_message)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
