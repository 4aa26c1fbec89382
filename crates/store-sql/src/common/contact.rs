//! Contacts: lookup, lists, filters, labels and merging.

use super::*;

#[async_trait]
impl ContactTx for SqlTx {
    async fn insert_contact(&mut self, c: &Contact) -> StoreResult<Contact> {
        let row: Contact = sqlx::query_as(concat!(
            "INSERT INTO contacts (account_id, name, email, phone_number, identifier, avatar_url, blocked, contact_type, \
             additional_attributes, custom_attributes, last_activity_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING ",
            contact_cols!()
        ))
        .bind(c.account_id)
        .bind(&c.name)
        .bind(&c.email)
        .bind(&c.phone_number)
        .bind(&c.identifier)
        .bind(&c.avatar_url)
        .bind(c.blocked)
        .bind(c.contact_type)
        .bind(Json(&c.additional_attributes))
        .bind(Json(&c.custom_attributes))
        .bind(c.last_activity_at)
        .bind(c.created_at)
        .fetch_one(&mut *self.tx)
        .await?;
        search::index_contacts(self, &[&row], false).await?;
        Ok(row)
    }

    async fn get_contact(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Contact>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            contact_cols!(),
            " FROM contacts WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn get_contacts(&mut self, account_id: i64, ids: &[i64]) -> StoreResult<Vec<Contact>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            contact_cols!(),
            " FROM contacts WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(" AND id IN ");
        push_ids(&mut qb, ids);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn find_contact_by(
        &mut self,
        account_id: i64,
        field: ContactKey,
        value: &str,
    ) -> StoreResult<Option<Contact>> {
        let sql = match field {
            ContactKey::Email => concat!(
                "SELECT ",
                contact_cols!(),
                " FROM contacts WHERE account_id = $1 AND email = $2"
            ),
            ContactKey::Identifier => {
                concat!(
                    "SELECT ",
                    contact_cols!(),
                    " FROM contacts WHERE account_id = $1 AND identifier = $2"
                )
            }
            ContactKey::Phone => concat!(
                "SELECT ",
                contact_cols!(),
                " FROM contacts WHERE account_id = $1 AND phone_number = $2 ORDER BY id LIMIT 1"
            ),
        };
        Ok(sqlx::query_as(sql)
            .bind(account_id)
            .bind(value)
            .fetch_optional(&mut *self.tx)
            .await?)
    }

    async fn update_contact(&mut self, c: &Contact) -> StoreResult<()> {
        sqlx::query(
            "UPDATE contacts SET name = $3, email = $4, phone_number = $5, identifier = $6, avatar_url = $7, blocked = $8, \
             contact_type = $9, additional_attributes = $10, custom_attributes = $11, last_activity_at = $12, updated_at = $13 \
             WHERE account_id = $1 AND id = $2",
        )
        .bind(c.account_id)
        .bind(c.id)
        .bind(&c.name)
        .bind(&c.email)
        .bind(&c.phone_number)
        .bind(&c.identifier)
        .bind(&c.avatar_url)
        .bind(c.blocked)
        .bind(c.contact_type)
        .bind(Json(&c.additional_attributes))
        .bind(Json(&c.custom_attributes))
        .bind(c.last_activity_at)
        .bind(c.updated_at)
        .execute(&mut *self.tx)
        .await?;
        search::index_contacts(self, &[c], true).await?;
        Ok(())
    }

    async fn delete_contact(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM contacts WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn list_contacts(&mut self, q: &ContactQuery) -> StoreResult<(Vec<Contact>, i64)> {
        fn filters(qb: &mut QueryBuilder<DB>, q: &ContactQuery) {
            qb.push(" FROM contacts WHERE account_id = ");
            qb.push_bind(q.account_id);
            if q.only_resolved {
                qb.push(" AND (email IS NOT NULL OR phone_number IS NOT NULL OR identifier IS NOT NULL)");
            }
            if let Some(s) = q.search.as_deref()
                && switchboard_domain::search::fold(s).chars().count() >= 3
            {
                // Through the trigram index, or the exact identifier (a
                // union, so both go by index).
                qb.push(" AND id IN (");
                search::push_contact_hits(qb, q.account_id, &switchboard_domain::search::fold(s));
                qb.push(" UNION SELECT id FROM contacts WHERE account_id = ");
                qb.push_bind(q.account_id);
                qb.push(" AND identifier = ");
                qb.push_bind(s.to_string());
                qb.push(")");
            } else if let Some(s) = q.search.as_deref() {
                // One or two characters: the trigram index cannot help.
                let pat = like_pattern(&s.to_lowercase());
                qb.push(" AND (LOWER(name) LIKE ");
                qb.push_bind(pat.clone());
                qb.push(" ESCAPE '\\' OR LOWER(email) LIKE ");
                qb.push_bind(pat.clone());
                qb.push(" ESCAPE '\\' OR phone_number LIKE ");
                qb.push_bind(pat.clone());
                qb.push(" ESCAPE '\\' OR LOWER(additional_attributes->>'company_name') LIKE ");
                qb.push_bind(pat);
                qb.push(" ESCAPE '\\' OR identifier = ");
                qb.push_bind(s.to_string());
                qb.push(")");
            }
            if !q.labels.is_empty() {
                qb.push(" AND id IN (SELECT contact_id FROM contact_labels WHERE account_id = ");
                qb.push_bind(q.account_id);
                qb.push(" AND label IN (");
                let mut sep = qb.separated(", ");
                for l in &q.labels {
                    sep.push_bind(l.clone());
                }
                qb.push("))");
            }
        }
        let count = if q.search.is_none() && q.labels.is_empty() {
            count::counted_contacts(self, q.account_id, q.only_resolved).await?
        } else {
            let mut count_qb = QueryBuilder::<DB>::new("SELECT COUNT(*)");
            filters(&mut count_qb, q);
            count_qb.build_query_scalar().fetch_one(&mut *self.tx).await?
        };
        let (lt, lte, dir) = if q.descending {
            (" < ", " <= ", " DESC")
        } else {
            (" > ", " >= ", " ASC")
        };
        let keyed = match q.sort {
            ContactSort::LastActivityAt => Some("last_activity_at"),
            ContactSort::CreatedAt => Some("created_at"),
            _ => None,
        };
        let Some(col) = keyed else {
            let col = match q.sort {
                ContactSort::Name => "LOWER(name)",
                ContactSort::Email => "email",
                ContactSort::Phone => "phone_number",
                ContactSort::Company => "additional_attributes->>'company_name'",
                ContactSort::City => "additional_attributes->>'city'",
                _ => "additional_attributes->>'country'",
            };
            let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", contact_cols!()));
            filters(&mut qb, q);
            // Missing values last in either direction, the same on both backends.
            qb.push(" ORDER BY (");
            qb.push(col);
            qb.push(" IS NULL), ");
            qb.push(col);
            qb.push(dir);
            qb.push(", id");
            qb.push(dir);
            qb.push(" LIMIT ");
            qb.push_bind(q.limit);
            qb.push(" OFFSET ");
            qb.push_bind(q.offset);
            let rows = qb.build_query_as().fetch_all(&mut *self.tx).await?;
            return Ok((rows, count));
        };
        // The two sorts an index follows (migration 0033: the list's
        // contacts by account, then the sort column, then id): missing
        // values last, written as `NULLS LAST` so the index gives the order.
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", contact_cols!()));
        filters(&mut qb, q);
        match q.after {
            None => {}
            Some((Some(v), id)) => {
                // After a row with a value: the rest of those (a range the
                // index seeks to), then those without one.
                qb.push(format_args!(" AND {col}{lte}"));
                qb.push_bind(v);
                qb.push(format_args!(" AND ({col}{lt}"));
                qb.push_bind(v);
                qb.push(format_args!(" OR id{lt}"));
                qb.push_bind(id);
                qb.push(")");
            }
            Some((None, id)) => {
                qb.push(format_args!(" AND {col} IS NULL AND id{lt}"));
                qb.push_bind(id);
            }
        }
        qb.push(format_args!(" ORDER BY {col}{dir} NULLS LAST, id{dir} LIMIT "));
        qb.push_bind(q.limit);
        if q.after.is_none() {
            qb.push(" OFFSET ");
            qb.push_bind(q.offset);
        }
        let mut rows: Vec<Contact> = qb.build_query_as().fetch_all(&mut *self.tx).await?;
        let short = q.limit - rows.len() as i64;
        if short > 0 && matches!(q.after, Some((Some(_), _))) && col == "last_activity_at" {
            let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", contact_cols!()));
            filters(&mut qb, q);
            qb.push(format_args!(" AND {col} IS NULL ORDER BY id{dir} LIMIT "));
            qb.push_bind(short);
            rows.extend(qb.build_query_as::<Contact>().fetch_all(&mut *self.tx).await?);
        }
        Ok((rows, count))
    }

    async fn contact_labels(&mut self, contact_id: i64) -> StoreResult<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT label FROM contact_labels WHERE contact_id = $1 ORDER BY label")
                .bind(contact_id)
                .fetch_all(&mut *self.tx)
                .await?,
        )
    }

    async fn set_contact_labels(&mut self, account_id: i64, contact_id: i64, labels: &[String]) -> StoreResult<()> {
        sqlx::query("DELETE FROM contact_labels WHERE contact_id = $1")
            .bind(contact_id)
            .execute(&mut *self.tx)
            .await?;
        for l in labels {
            sqlx::query(
                "INSERT INTO contact_labels (contact_id, account_id, label) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(contact_id)
            .bind(account_id)
            .bind(l)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    async fn get_contacts_by_ids(&mut self, ids: &[i64]) -> StoreResult<Vec<Contact>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", contact_cols!(), " FROM contacts WHERE id IN "));
        push_ids(&mut qb, ids);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn touch_contacts(&mut self, ids: &[i64], at: i64) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new("UPDATE contacts SET last_activity_at = ");
        qb.push_bind(at);
        qb.push(", updated_at = ");
        qb.push_bind(at);
        qb.push(" WHERE id IN ");
        push_ids(&mut qb, ids);
        qb.build().execute(&mut *self.tx).await?;
        Ok(())
    }

    async fn filter_contacts(&mut self, q: &ContactFilterQuery) -> StoreResult<(Vec<Contact>, i64)> {
        let mut count_qb = QueryBuilder::<DB>::new("SELECT COUNT(*) FROM (SELECT 1");
        contact_filter_where(&mut count_qb, q);
        count_qb.push(" LIMIT ");
        count_qb.push_bind(q.count_cap);
        count_qb.push(") t");
        let count: i64 = count_qb.build_query_scalar().fetch_one(&mut *self.tx).await?;
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", contact_cols!()));
        contact_filter_where(&mut qb, q);
        qb.push(" ORDER BY (c.last_activity_at IS NULL), c.last_activity_at DESC, c.id DESC LIMIT ");
        qb.push_bind(q.limit);
        qb.push(" OFFSET ");
        qb.push_bind(q.offset);
        let rows = qb.build_query_as().fetch_all(&mut *self.tx).await?;
        Ok((rows, count))
    }

    async fn contacts_among(
        &mut self,
        account_id: i64,
        ids: &[i64],
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<Contact>, i64)> {
        if ids.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let mut count_qb = QueryBuilder::<DB>::new("SELECT COUNT(*) FROM contacts WHERE account_id = ");
        count_qb.push_bind(account_id);
        count_qb.push(" AND id IN ");
        push_ids(&mut count_qb, ids);
        let count: i64 = count_qb.build_query_scalar().fetch_one(&mut *self.tx).await?;
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            contact_cols!(),
            " FROM contacts WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(" AND id IN ");
        push_ids(&mut qb, ids);
        qb.push(" ORDER BY id LIMIT ");
        qb.push_bind(limit);
        qb.push(" OFFSET ");
        qb.push_bind(offset);
        let rows = qb.build_query_as().fetch_all(&mut *self.tx).await?;
        Ok((rows, count))
    }

    async fn lock_contacts(&mut self, account_id: i64, ids: &[i64]) -> StoreResult<Vec<Contact>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            contact_cols!(),
            " FROM contacts WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(" AND id IN ");
        push_ids(&mut qb, ids);
        qb.push(concat!(" ORDER BY id", for_update!()));
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn move_contact_rows(&mut self, account_id: i64, from: i64, to: i64) -> StoreResult<()> {
        // The conversations first: the messages and ratings below are found
        // through them (indexed by conversation), never by an account scan.
        let statements = [
            "UPDATE conversations SET contact_id = $3 WHERE account_id = $1 AND contact_id = $2",
            "UPDATE contact_inboxes SET contact_id = $3 WHERE account_id = $1 AND contact_id = $2",
            "UPDATE contact_notes SET contact_id = $3 WHERE account_id = $1 AND contact_id = $2",
            "INSERT INTO contact_labels (contact_id, account_id, label) \
             SELECT CAST($3 AS BIGINT), account_id, label FROM contact_labels WHERE account_id = $1 AND contact_id = $2 \
             ON CONFLICT DO NOTHING",
            "UPDATE messages SET sender_id = $3 WHERE sender_type = 'Contact' AND sender_id = $2 \
             AND conversation_id IN (SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $3)",
            "UPDATE csat_survey_responses SET contact_id = $3 WHERE contact_id = $2 \
             AND conversation_id IN (SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $3)",
        ];
        for sql in statements {
            sqlx::query(sql)
                .bind(account_id)
                .bind(from)
                .bind(to)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }
}
