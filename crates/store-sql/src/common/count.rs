//! Counters: reading the folder and contact counts from the ledgers the
//! triggers of migration 0032 keep, folding the ledgers, and checking them
//! against a recount.

use super::*;

/// The counter tables and their keys (besides `account_id`).
const LEDGERS: [(&str, &str); 3] = [
    ("conversation_counts", "inbox_id, team_id, status, assignee_id"),
    (
        "conversation_label_counts",
        "label, inbox_id, team_id, status, assignee_id",
    ),
    ("contact_counts", "resolved"),
];

/// Accounts folded per table and round (the rest wait for the next round).
const FOLD_BATCH: i64 = 100;

/// Whether the counters key every condition of `q`: status, inbox, team,
/// at most one label and the inboxes the caller may see. Anything else
/// (search, contact, participants, mentions, unattended, filters) counts
/// rows.
pub(super) fn counters_answer(q: &ConversationQuery) -> bool {
    // The ledgers write "no team" as team 0, which a `team_id=0` filter
    // must not match.
    q.labels.len() <= 1
        && q.team_id.is_none_or(|t| t > 0)
        && q.contact_id.is_none()
        && q.q.is_none()
        && q.matching.as_deref().is_none_or(|m| m.trim().is_empty())
        && q.source_id.is_none()
        && q.updated_since.is_none()
        && q.filter.is_empty()
        && q.participant.is_none()
        && q.mentioned.is_none()
        && !q.unattended
}

/// The folder counts from the ledgers (see [`counters_answer`]).
pub(super) async fn counted_conversations(tx: &mut SqlTx, q: &ConversationQuery) -> StoreResult<ConversationCounts> {
    let mut qb = QueryBuilder::<DB>::new(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN assignee_id = ",
    );
    qb.push_bind(q.user_id);
    qb.push(
        " THEN n ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN assignee_id <> 0 THEN n ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN assignee_id = 0 THEN n ELSE 0 END), 0) AS BIGINT) FROM ",
    );
    qb.push(if q.labels.is_empty() {
        "conversation_counts"
    } else {
        "conversation_label_counts"
    });
    qb.push(" WHERE account_id = ");
    qb.push_bind(q.account_id);
    if let Some(label) = q.labels.first() {
        qb.push(" AND label = ");
        qb.push_bind(label.clone());
    }
    filters::push_folder_filters(&mut qb, q, "");
    let (all, mine, assigned, unassigned): (i64, i64, i64, i64) = qb.build_query_as().fetch_one(&mut *tx.tx).await?;
    Ok(ConversationCounts {
        mine_count: mine,
        assigned_count: assigned,
        unassigned_count: unassigned,
        all_count: all,
    })
}

/// How many contacts the account has (only those with an e-mail, phone or
/// identifier when `only_resolved`).
pub(super) async fn counted_contacts(tx: &mut SqlTx, account_id: i64, only_resolved: bool) -> StoreResult<i64> {
    let sql = if only_resolved {
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM contact_counts WHERE account_id = $1 AND resolved = 1"
    } else {
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM contact_counts WHERE account_id = $1"
    };
    Ok(sqlx::query_scalar(sql).bind(account_id).fetch_one(&mut *tx.tx).await?)
}

#[async_trait]
impl CountTx for SqlTx {
    async fn fold_counts(&mut self, min_unfolded: i64) -> StoreResult<u64> {
        let mut folded = 0;
        for (table, keys) in LEDGERS {
            let accounts: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT account_id FROM {table} WHERE folded = 0 GROUP BY account_id HAVING COUNT(*) >= $1 LIMIT $2"
            )))
            .bind(min_unfolded.max(1))
            .bind(FOLD_BATCH)
            .fetch_all(&mut *self.tx)
            .await?;
            for account_id in accounts {
                fold_ledger(&mut self.tx, table, keys, account_id).await?;
                folded += 1;
            }
        }
        Ok(folded)
    }

    async fn check_counts(&mut self, account_id: i64) -> StoreResult<Vec<String>> {
        let mut out = Vec::new();
        let rows: Vec<(i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT inbox_id, team_id, status, assignee_id, \
             CAST(SUM(counted) AS BIGINT), CAST(SUM(actual) AS BIGINT) FROM ( \
               SELECT inbox_id, team_id, CAST(status AS BIGINT) AS status, assignee_id, n AS counted, 0 AS actual \
               FROM conversation_counts WHERE account_id = $1 \
               UNION ALL \
               SELECT inbox_id, COALESCE(team_id, 0), CAST(status AS BIGINT), COALESCE(assignee_id, 0), 0, 1 \
               FROM conversations WHERE account_id = $1 \
             ) x GROUP BY inbox_id, team_id, status, assignee_id HAVING SUM(counted) <> SUM(actual)",
        )
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?;
        for (inbox, team, status, assignee, counted, actual) in rows {
            out.push(format!(
                "conversations inbox {inbox} team {team} status {status} assignee {assignee}: counted {counted}, actually {actual}"
            ));
        }
        let rows: Vec<(String, i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT label, inbox_id, team_id, status, assignee_id, \
             CAST(SUM(counted) AS BIGINT), CAST(SUM(actual) AS BIGINT) FROM ( \
               SELECT label, inbox_id, team_id, CAST(status AS BIGINT) AS status, assignee_id, n AS counted, 0 AS actual \
               FROM conversation_label_counts WHERE account_id = $1 \
               UNION ALL \
               SELECT l.label, c.inbox_id, COALESCE(c.team_id, 0), CAST(c.status AS BIGINT), COALESCE(c.assignee_id, 0), 0, 1 \
               FROM conversation_labels l JOIN conversations c ON c.id = l.conversation_id WHERE c.account_id = $1 \
             ) x GROUP BY label, inbox_id, team_id, status, assignee_id HAVING SUM(counted) <> SUM(actual)",
        )
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?;
        for (label, inbox, team, status, assignee, counted, actual) in rows {
            out.push(format!(
                "label {label} inbox {inbox} team {team} status {status} assignee {assignee}: counted {counted}, actually {actual}"
            ));
        }
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT resolved, CAST(SUM(counted) AS BIGINT), CAST(SUM(actual) AS BIGINT) FROM ( \
               SELECT CAST(resolved AS BIGINT) AS resolved, n AS counted, 0 AS actual FROM contact_counts WHERE account_id = $1 \
               UNION ALL \
               SELECT CAST(CASE WHEN email IS NOT NULL OR phone_number IS NOT NULL OR identifier IS NOT NULL THEN 1 ELSE 0 END AS BIGINT), 0, 1 \
               FROM contacts WHERE account_id = $1 \
             ) x GROUP BY resolved HAVING SUM(counted) <> SUM(actual)",
        )
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?;
        for (resolved, counted, actual) in rows {
            out.push(format!(
                "contacts resolved {resolved}: counted {counted}, actually {actual}"
            ));
        }
        Ok(out)
    }
}
