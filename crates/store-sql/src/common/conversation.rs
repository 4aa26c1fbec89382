//! Conversations: display ids, locks, lists, counts and labels.

use super::*;

#[async_trait]
impl ConversationTx for SqlTx {
    async fn next_display_id(&mut self, account_id: i64) -> StoreResult<i64> {
        sqlx::query_scalar(
            "UPDATE accounts SET last_display_id = last_display_id + 1 WHERE id = $1 RETURNING last_display_id",
        )
        .bind(account_id)
        .fetch_optional(&mut *self.tx)
        .await?
        .ok_or(StoreError::NotFound)
    }

    async fn insert_conversation(&mut self, c: &Conversation) -> StoreResult<Conversation> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO conversations (account_id, inbox_id, display_id, uuid, status, priority, assignee_id, \
             assignee_agent_bot_id, team_id, contact_id, contact_inbox_id, muted, additional_attributes, custom_attributes, \
             snoozed_until, waiting_since, first_reply_created_at, last_activity_at, agent_last_seen_at, assignee_last_seen_at, \
             contact_last_seen_at, created_at, updated_at, assigned_at, sla_policy_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, $23, $24) RETURNING ",
            conversation_cols!()
        ))
        .bind(c.account_id)
        .bind(c.inbox_id)
        .bind(c.display_id)
        .bind(&c.uuid)
        .bind(c.status)
        .bind(c.priority)
        .bind(c.assignee_id)
        .bind(c.assignee_agent_bot_id)
        .bind(c.team_id)
        .bind(c.contact_id)
        .bind(c.contact_inbox_id)
        .bind(c.muted)
        .bind(Json(&c.additional_attributes))
        .bind(Json(&c.custom_attributes))
        .bind(c.snoozed_until)
        .bind(c.waiting_since)
        .bind(c.first_reply_created_at)
        .bind(c.last_activity_at)
        .bind(c.agent_last_seen_at)
        .bind(c.assignee_last_seen_at)
        .bind(c.contact_last_seen_at)
        .bind(c.created_at)
        .bind(c.assigned_at)
        .bind(c.sla_policy_id)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_conversation(&mut self, account_id: i64, display_id: i64) -> StoreResult<Option<Conversation>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE account_id = $1 AND display_id = $2"
        ))
        .bind(account_id)
        .bind(display_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn get_conversation_by_id(&mut self, id: i64) -> StoreResult<Option<Conversation>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn get_conversations_by_ids(&mut self, ids: &[i64]) -> StoreResult<Vec<Conversation>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE id IN "
        ));
        push_ids(&mut qb, ids);
        qb.push(" ORDER BY id");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn lock_conversation(&mut self, account_id: i64, display_id: i64) -> StoreResult<Option<Conversation>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE account_id = $1 AND display_id = $2",
            for_update!()
        ))
        .bind(account_id)
        .bind(display_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn lock_conversation_by_id(&mut self, id: i64) -> StoreResult<Option<Conversation>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE id = $1",
            for_update!()
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn save_conversation(&mut self, c: &Conversation) -> StoreResult<()> {
        sqlx::query(
            "UPDATE conversations SET status = $2, priority = $3, assignee_id = $4, assignee_agent_bot_id = $5, team_id = $6, \
             muted = $7, additional_attributes = $8, custom_attributes = $9, snoozed_until = $10, waiting_since = $11, \
             first_reply_created_at = $12, last_activity_at = $13, agent_last_seen_at = $14, assignee_last_seen_at = $15, \
             contact_last_seen_at = $16, updated_at = $17, assigned_at = $18, sla_policy_id = $19 WHERE id = $1",
        )
        .bind(c.id)
        .bind(c.status)
        .bind(c.priority)
        .bind(c.assignee_id)
        .bind(c.assignee_agent_bot_id)
        .bind(c.team_id)
        .bind(c.muted)
        .bind(Json(&c.additional_attributes))
        .bind(Json(&c.custom_attributes))
        .bind(c.snoozed_until)
        .bind(c.waiting_since)
        .bind(c.first_reply_created_at)
        .bind(c.last_activity_at)
        .bind(c.agent_last_seen_at)
        .bind(c.assignee_last_seen_at)
        .bind(c.contact_last_seen_at)
        .bind(c.updated_at)
        .bind(c.assigned_at)
        .bind(c.sla_policy_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn latest_conversation(
        &mut self,
        contact_inbox_id: i64,
        statuses: &[i16],
    ) -> StoreResult<Option<Conversation>> {
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE contact_inbox_id = "
        ));
        qb.push_bind(contact_inbox_id);
        if !statuses.is_empty() {
            qb.push(" AND status IN (");
            let mut sep = qb.separated(", ");
            for s in statuses {
                sep.push_bind(*s);
            }
            qb.push(")");
        }
        qb.push(" ORDER BY id DESC LIMIT 1");
        Ok(qb.build_query_as().fetch_optional(&mut *self.tx).await?)
    }

    async fn list_conversations(&mut self, q: &ConversationQuery) -> StoreResult<Vec<Conversation>> {
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", conversation_cols!(), " FROM conversations c"));
        conversation_filters(&mut qb, q, true);
        if let Some((value, id)) = q.after {
            let col = match q.sort {
                ConversationSort::CreatedAt => "c.created_at",
                _ => "c.last_activity_at",
            };
            qb.push(" AND (");
            qb.push(col);
            qb.push(", c.id) ");
            qb.push(if q.descending { "< (" } else { "> (" });
            qb.push_bind(value);
            qb.push(", ");
            qb.push_bind(id);
            qb.push(")");
        }
        let (col, nulls_last) = match q.sort {
            ConversationSort::LastActivityAt => ("c.last_activity_at", false),
            ConversationSort::CreatedAt => ("c.created_at", false),
            ConversationSort::Priority => ("c.priority", true),
            ConversationSort::WaitingSince => ("c.waiting_since", true),
        };
        let dir = if q.descending { " DESC" } else { " ASC" };
        qb.push(" ORDER BY ");
        if nulls_last {
            // Portable NULLS LAST: rows without a value sort after the rest.
            qb.push("CASE WHEN ");
            qb.push(col);
            qb.push(" IS NULL THEN 1 ELSE 0 END, ");
        }
        qb.push(col);
        qb.push(dir);
        qb.push(", c.id");
        qb.push(dir);
        qb.push(" LIMIT ");
        qb.push_bind(q.limit);
        qb.push(" OFFSET ");
        qb.push_bind(q.offset);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn conversation_counts(&mut self, q: &ConversationQuery) -> StoreResult<ConversationCounts> {
        if count::counters_answer(q) {
            return count::counted_conversations(self, q).await;
        }
        self.recount_conversations(q).await
    }

    async fn recount_conversations(&mut self, q: &ConversationQuery) -> StoreResult<ConversationCounts> {
        let mut qb = QueryBuilder::<DB>::new(
            "SELECT COUNT(*), \
             COALESCE(SUM(CASE WHEN c.assignee_id = ",
        );
        qb.push_bind(q.user_id);
        qb.push(
            " THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN c.assignee_id IS NOT NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN c.assignee_id IS NULL THEN 1 ELSE 0 END), 0) FROM conversations c",
        );
        conversation_filters(&mut qb, q, false);
        let (all, mine, assigned, unassigned): (i64, i64, i64, i64) =
            qb.build_query_as().fetch_one(&mut *self.tx).await?;
        Ok(ConversationCounts {
            mine_count: mine,
            assigned_count: assigned,
            unassigned_count: unassigned,
            all_count: all,
        })
    }

    async fn contact_conversations(
        &mut self,
        account_id: i64,
        contact_id: i64,
        inbox_ids: Option<&[i64]>,
        limit: i64,
    ) -> StoreResult<Vec<Conversation>> {
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(" AND contact_id = ");
        qb.push_bind(contact_id);
        if let Some(ids) = inbox_ids {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            qb.push(" AND inbox_id IN ");
            push_ids(&mut qb, ids);
        }
        qb.push(" ORDER BY id DESC LIMIT ");
        qb.push_bind(limit);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn conversation_labels(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<(i64, String)>> {
        if conversation_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb =
            QueryBuilder::<DB>::new("SELECT conversation_id, label FROM conversation_labels WHERE conversation_id IN ");
        push_ids(&mut qb, conversation_ids);
        qb.push(" ORDER BY conversation_id, label");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn set_conversation_labels(
        &mut self,
        account_id: i64,
        conversation_id: i64,
        labels: &[String],
    ) -> StoreResult<()> {
        // Only what changes is written: each row written moves the label
        // counters (migration 0032).
        let mut qb = QueryBuilder::<DB>::new("DELETE FROM conversation_labels WHERE conversation_id = ");
        qb.push_bind(conversation_id);
        if !labels.is_empty() {
            qb.push(" AND label NOT IN (");
            let mut sep = qb.separated(", ");
            for l in labels {
                sep.push_bind(l.clone());
            }
            qb.push(")");
        }
        qb.build().execute(&mut *self.tx).await?;
        for l in labels {
            sqlx::query(
                "INSERT INTO conversation_labels (conversation_id, account_id, label) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(conversation_id)
            .bind(account_id)
            .bind(l)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    async fn unread_counts(&mut self, conversations: &[(i64, Option<i64>)], cap: i64) -> StoreResult<Vec<(i64, i64)>> {
        if conversations.is_empty() {
            return Ok(Vec::new());
        }
        // Per conversation, of its latest `cap` incoming messages, those newer
        // than the agent's last visit: bounded work each.
        let mut qb = QueryBuilder::<DB>::new(
            "SELECT c.id, (SELECT COUNT(*) FROM (SELECT m.created_at FROM messages m WHERE m.conversation_id = c.id \
             AND m.message_type = 0 ORDER BY m.id DESC LIMIT ",
        );
        qb.push_bind(cap);
        qb.push(") r WHERE r.created_at > COALESCE(c.agent_last_seen_at, -1)) FROM conversations c WHERE c.id IN ");
        let ids: Vec<i64> = conversations.iter().map(|(id, _)| *id).collect();
        push_ids(&mut qb, &ids);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn find_conversation_by_uuid(&mut self, uuid: &str) -> StoreResult<Option<Conversation>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE uuid = $1"
        ))
        .bind(uuid)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn lock_conversations(&mut self, keys: &[(i64, i64)]) -> StoreResult<Vec<Conversation>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", conversation_cols!(), " FROM conversations WHERE "));
        for (i, (account, display)) in keys.iter().enumerate() {
            if i > 0 {
                qb.push(" OR ");
            }
            qb.push("(account_id = ");
            qb.push_bind(*account);
            qb.push(" AND display_id = ");
            qb.push_bind(*display);
            qb.push(")");
        }
        qb.push(concat!(" ORDER BY id", for_update!()));
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn lock_contact_conversations(&mut self, account_id: i64, contact_id: i64) -> StoreResult<()> {
        sqlx::query(concat!(
            "SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $2 ORDER BY id",
            for_update!()
        ))
        .bind(account_id)
        .bind(contact_id)
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn touch_conversations(&mut self, convs: &[Conversation]) -> StoreResult<()> {
        if convs.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "UPDATE conversations SET status = v.column2, snoozed_until = v.column3, waiting_since = v.column4, \
             first_reply_created_at = v.column5, last_activity_at = v.column6, updated_at = v.column7 FROM (",
        );
        qb.push_values(convs, |mut b, c| {
            b.push_bind(c.id)
                .push_bind(c.status)
                .push_bind(c.snoozed_until)
                .push_bind(c.waiting_since)
                .push_bind(c.first_reply_created_at)
                .push_bind(c.last_activity_at)
                .push_bind(c.updated_at);
        });
        qb.push(") AS v WHERE conversations.id = v.column1");
        qb.build().execute(&mut *self.tx).await?;
        Ok(())
    }

    async fn count_recent_messages(&mut self, conversation_ids: &[i64], since: i64) -> StoreResult<Vec<(i64, i64)>> {
        if conversation_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new("SELECT conversation_id, COUNT(*) FROM messages WHERE created_at > ");
        qb.push_bind(since);
        qb.push(" AND conversation_id IN ");
        push_ids(&mut qb, conversation_ids);
        qb.push(" GROUP BY conversation_id");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn stale_open_conversations(
        &mut self,
        account_id: i64,
        before: i64,
        not_waiting: bool,
        limit: i64,
    ) -> StoreResult<Vec<Conversation>> {
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(" AND status = 0 AND last_activity_at <= ");
        qb.push_bind(before);
        if not_waiting {
            qb.push(" AND waiting_since IS NULL");
        }
        qb.push(" ORDER BY last_activity_at LIMIT ");
        qb.push_bind(limit);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }
}
