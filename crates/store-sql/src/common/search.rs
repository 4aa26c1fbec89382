//! Message search: writing the index entries (in the message's own
//! transaction) and reading them. SQLite keeps the stems in an FTS5 table
//! (`message_words`) and the folded text in a trigram FTS5 table
//! (`message_grams`), rowid = message id, each with its own copy of what it
//! indexes (so an entry is deleted by rowid); PostgreSQL keeps both in
//! `message_search` (a tsvector under GIN, the folded text under a pg_trgm
//! GIN). The terms come from `switchboard_domain::search`, so both answer
//! the same.

use switchboard_domain::search;

use super::*;

/// Messages search indexes: incoming and outgoing (notes included).
pub(super) fn indexed(m: &Message) -> bool {
    matches!(m.message_type, 0 | 1) && m.content.as_deref().is_some_and(|c| !c.trim().is_empty())
}

/// Writes the index entries of `rows` (those [`indexed`]); with `replace`,
/// first removes what they had (an edit).
pub(super) async fn index_messages(tx: &mut SqlTx, rows: &[&Message], replace: bool) -> StoreResult<()> {
    if replace && FTS5 {
        let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
        fts_delete(tx, "message_words", &ids).await?;
        fts_delete(tx, "message_grams", &ids).await?;
    }
    if replace && !FTS5 {
        let gone: Vec<i64> = rows.iter().filter(|m| !indexed(m)).map(|m| m.id).collect();
        if !gone.is_empty() {
            let mut qb = QueryBuilder::<DB>::new("DELETE FROM message_search WHERE message_id IN ");
            push_ids(&mut qb, &gone);
            qb.build().execute(&mut *tx.tx).await?;
        }
    }
    let mut entries: Vec<(i64, i64, String, String)> = rows
        .iter()
        .filter(|m| indexed(m))
        .map(|m| {
            let folded = search::fold(m.content.as_deref().unwrap_or(""));
            (m.id, m.account_id, search::words(&folded).join(" "), folded)
        })
        .collect();
    // Ascending rowids: FTS5 flushes (and merges) its pending index before
    // any rowid lower than the last one written in the transaction.
    entries.sort_unstable_by_key(|e| e.0);
    if entries.is_empty() {
        return Ok(());
    }
    if FTS5 {
        fts_insert(tx, "message_words", "terms", entries.iter().map(|e| (e.0, &e.2))).await?;
        fts_insert(tx, "message_grams", "folded", entries.iter().map(|e| (e.0, &e.3))).await?;
    } else {
        let mut qb = QueryBuilder::<DB>::new("INSERT INTO message_search (message_id, account_id, words, folded) ");
        qb.push_values(&entries, |mut b, e| {
            b.push_bind(e.0)
                .push_bind(e.1)
                .push_unseparated(", to_tsvector('simple', ")
                .push_bind_unseparated(e.2.clone())
                .push_unseparated(")")
                .push_bind(e.3.clone());
        });
        qb.push(" ON CONFLICT (message_id) DO UPDATE SET words = excluded.words, folded = excluded.folded");
        qb.build().execute(&mut *tx.tx).await?;
    }
    Ok(())
}

/// What contact search compares for `c` (see `search::contact_text`).
fn contact_text(c: &Contact) -> String {
    let company = c.additional_attributes.get("company_name").and_then(|v| v.as_str());
    search::contact_text(&[
        Some(c.name.as_str()),
        c.email.as_deref(),
        c.phone_number.as_deref(),
        company,
    ])
}

/// Writes the contact search entries of `rows`; with `replace`, first
/// removes what they had (an update).
pub(super) async fn index_contacts(tx: &mut SqlTx, rows: &[&Contact], replace: bool) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let mut entries: Vec<(i64, i64, String)> = rows
        .iter()
        .map(|c| (c.id, c.account_id, contact_text(c)))
        .filter(|e| !e.2.is_empty())
        .collect();
    // Ascending rowids (see index_messages).
    entries.sort_unstable_by_key(|e| e.0);
    if replace && FTS5 {
        fts_delete(tx, "contact_grams", &ids).await?;
    } else if replace {
        let mut qb = QueryBuilder::<DB>::new("DELETE FROM contact_search WHERE contact_id IN ");
        push_ids(&mut qb, &ids);
        qb.build().execute(&mut *tx.tx).await?;
    }
    if entries.is_empty() {
        return Ok(());
    }
    if FTS5 {
        fts_insert(tx, "contact_grams", "folded", entries.iter().map(|e| (e.0, &e.2))).await?;
    } else {
        let mut qb = QueryBuilder::<DB>::new("INSERT INTO contact_search (contact_id, account_id, folded) ");
        qb.push_values(&entries, |mut b, e| {
            b.push_bind(e.0).push_bind(e.1).push_bind(e.2.clone());
        });
        qb.push(" ON CONFLICT (contact_id) DO UPDATE SET folded = excluded.folded");
        qb.build().execute(&mut *tx.tx).await?;
    }
    Ok(())
}

/// A subquery of the ids of contacts whose name, e-mail, phone or company
/// holds `folded` (three characters or more; the caller checks) — of any
/// account on SQLite: the caller scopes the outer query.
pub(super) fn push_contact_hits(qb: &mut QueryBuilder<DB>, account_id: i64, folded: &str) {
    if FTS5 {
        qb.push("SELECT rowid FROM contact_grams WHERE contact_grams MATCH ");
        qb.push_bind(fts_string(folded));
    } else {
        qb.push("SELECT contact_id FROM contact_search WHERE account_id = ");
        qb.push_bind(account_id);
        qb.push(" AND folded LIKE ");
        qb.push_bind(like_pattern(folded));
        qb.push(" ESCAPE '\\'");
    }
}

/// A subquery of the ids of messages `needle` finds (words or substring,
/// as [`search_message_ids`], unordered); `None` when nothing can match.
pub(super) fn push_message_hits(qb: &mut QueryBuilder<DB>, account_id: i64, needle: &str) -> bool {
    let folded = search::fold(needle);
    let words = search::words(&folded);
    let substring = folded.chars().count() >= 3;
    if words.is_empty() && !substring {
        return false;
    }
    if FTS5 {
        if !words.is_empty() {
            qb.push("SELECT rowid FROM message_words WHERE message_words MATCH ");
            qb.push_bind(words.iter().map(|w| fts_string(w)).collect::<Vec<_>>().join(" "));
        }
        if substring {
            if !words.is_empty() {
                qb.push(" UNION ");
            }
            qb.push("SELECT rowid FROM message_grams WHERE message_grams MATCH ");
            qb.push_bind(fts_string(&folded));
        }
    } else {
        qb.push("SELECT message_id FROM message_search WHERE account_id = ");
        qb.push_bind(account_id);
        qb.push(" AND (");
        if !words.is_empty() {
            qb.push("words @@ plainto_tsquery('simple', ");
            qb.push_bind(words.join(" "));
            qb.push(")");
        }
        if substring {
            if !words.is_empty() {
                qb.push(" OR ");
            }
            qb.push("folded LIKE ");
            qb.push_bind(like_pattern(&folded));
            qb.push(" ESCAPE '\\'");
        }
        qb.push(")");
    }
    true
}

/// Writes `(rowid, text)` rows (ascending rowids) into an FTS5 table.
async fn fts_insert<'a>(
    tx: &mut SqlTx,
    table: &str,
    column: &str,
    rows: impl Iterator<Item = (i64, &'a String)>,
) -> StoreResult<()> {
    let mut qb = QueryBuilder::<DB>::new(format!("INSERT INTO {table} (rowid, {column}) "));
    qb.push_values(rows, |mut b, (id, text)| {
        b.push_bind(id).push_bind(text.clone());
    });
    qb.build().execute(&mut *tx.tx).await?;
    Ok(())
}

/// Removes the entries of `ids` from an FTS5 table, one rowid per
/// statement (an edit: one or a few rows; a rowid list may be read by
/// walking the table).
async fn fts_delete(tx: &mut SqlTx, table: &str, ids: &[i64]) -> StoreResult<()> {
    let sql = format!("DELETE FROM {table} WHERE rowid = $1");
    for id in ids {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .execute(&mut *tx.tx)
            .await?;
    }
    Ok(())
}

/// An FTS5 string: quoted, inner quotes doubled (a phrase of its tokens).
fn fts_string(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The ids of the first `limit` messages (newest first) `needle` finds.
pub(super) async fn search_message_ids(
    tx: &mut SqlTx,
    account_id: i64,
    inboxes: Option<&[i64]>,
    needle: &str,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    let folded = search::fold(needle);
    let words = search::words(&folded);
    let substring = folded.chars().count() >= 3;
    if words.is_empty() && !substring {
        return Ok(Vec::new());
    }
    let scope = |qb: &mut QueryBuilder<DB>| {
        qb.push(" AND m.account_id = ");
        qb.push_bind(account_id);
        if let Some(ids) = inboxes {
            qb.push(" AND m.inbox_id IN ");
            push_ids(qb, ids);
        }
        qb.push(" AND m.message_type IN (0, 1)");
    };
    // One read per index (words, substring), each newest first and stopped
    // at `limit` hits of the account, merged here: a frequent word costs a
    // page, not every message with it, and neither index's estimate
    // decides how the other is read (PostgreSQL walked every entry
    // backwards for a rare word when the two were ORed).
    let mut ids: Vec<i64> = Vec::new();
    for part in [Part::Words, Part::Substring] {
        let mut qb = match part {
            Part::Words if words.is_empty() => continue,
            Part::Substring if !substring => continue,
            Part::Words if FTS5 => {
                let mut qb = QueryBuilder::<DB>::new(
                    "SELECT f.rowid FROM message_words f JOIN messages m ON m.id = f.rowid WHERE message_words MATCH ",
                );
                qb.push_bind(words.iter().map(|w| fts_string(w)).collect::<Vec<_>>().join(" "));
                qb
            }
            Part::Substring if FTS5 => {
                let mut qb = QueryBuilder::<DB>::new(
                    "SELECT f.rowid FROM message_grams f JOIN messages m ON m.id = f.rowid WHERE message_grams MATCH ",
                );
                qb.push_bind(fts_string(&folded));
                qb
            }
            Part::Words => {
                // PostgreSQL cannot tell a rare word from a frequent one
                // (it guesses 0.5 % of rows), and with a LIMIT it walks the
                // entries newest first, through all of them for a rare
                // word. So: the account's newest entries first (a frequent
                // word fills the page there), else the GIN index, its hits
                // sorted (a word rare enough to miss the window has few).
                let mut recent = QueryBuilder::<DB>::new(
                    "SELECT s.message_id FROM (SELECT message_id, words FROM message_search WHERE account_id = ",
                );
                recent.push_bind(account_id);
                recent.push(" ORDER BY message_id DESC LIMIT ");
                recent.push_bind(RECENT_WINDOW);
                recent.push(") s JOIN messages m ON m.id = s.message_id WHERE s.words @@ plainto_tsquery('simple', ");
                recent.push_bind(words.join(" "));
                recent.push(")");
                scope(&mut recent);
                recent.push(" ORDER BY s.message_id DESC LIMIT ");
                recent.push_bind(limit);
                let found: Vec<i64> = recent.build_query_scalar().fetch_all(&mut *tx.tx).await?;
                if found.len() as i64 >= limit {
                    ids.extend(found);
                    continue;
                }
                let mut qb = QueryBuilder::<DB>::new(
                    "SELECT s.message_id FROM message_search s JOIN messages m ON m.id = s.message_id \
                     WHERE s.words @@ plainto_tsquery('simple', ",
                );
                qb.push_bind(words.join(" "));
                qb.push(") AND s.account_id = ");
                qb.push_bind(account_id);
                scope(&mut qb);
                // `+ 0`: sorted hits, not a walk of the index in id order.
                qb.push(" ORDER BY s.message_id + 0 DESC LIMIT ");
                qb.push_bind(limit);
                ids.extend(qb.build_query_scalar::<i64>().fetch_all(&mut *tx.tx).await?);
                continue;
            }
            Part::Substring => {
                let mut qb = QueryBuilder::<DB>::new(
                    "SELECT s.message_id FROM message_search s JOIN messages m ON m.id = s.message_id WHERE s.folded LIKE ",
                );
                qb.push_bind(like_pattern(&folded));
                qb.push(" ESCAPE '\\' AND s.account_id = ");
                qb.push_bind(account_id);
                qb
            }
        };
        scope(&mut qb);
        qb.push(if FTS5 {
            " ORDER BY f.rowid DESC LIMIT "
        } else {
            " ORDER BY s.message_id DESC LIMIT "
        });
        qb.push_bind(limit);
        ids.extend(qb.build_query_scalar::<i64>().fetch_all(&mut *tx.tx).await?);
    }
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    ids.truncate(limit.max(0) as usize);
    Ok(ids)
}

/// How many of an account's newest entries PostgreSQL's word search looks
/// through before it asks the GIN index.
const RECENT_WINDOW: i64 = 2_000;

#[derive(Clone, Copy)]
enum Part {
    Words,
    Substring,
}

/// Which of `ids` have no entry yet. On SQLite this asks the FTS5 table's
/// own content table (a primary-key lookup): writing an FTS5 row with OR
/// REPLACE flushes and merges the index first, row by row. PostgreSQL
/// upserts, so every id counts as new there.
async fn not_indexed(tx: &mut SqlTx, content_table: &str, ids: &[i64]) -> StoreResult<std::collections::HashSet<i64>> {
    let mut out: std::collections::HashSet<i64> = ids.iter().copied().collect();
    if FTS5 && !ids.is_empty() {
        let mut qb = QueryBuilder::<DB>::new(format!("SELECT id FROM {content_table} WHERE id IN "));
        push_ids(&mut qb, ids);
        for id in qb.build_query_scalar::<i64>().fetch_all(&mut *tx.tx).await? {
            out.remove(&id);
        }
    }
    Ok(out)
}

/// Indexes up to `batch` messages (then contacts) written before search
/// existed; how many (0: none are left).
pub(super) async fn backfill(tx: &mut SqlTx, batch: i64) -> StoreResult<u64> {
    // Within both backends' limits on bound parameters per statement.
    let batch = batch.clamp(1, 5_000);
    for name in ["messages", "contacts"] {
        let next: Option<i64> = sqlx::query_scalar("SELECT next_id FROM search_backfill WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx.tx)
            .await?;
        let Some(next) = next.filter(|n| *n > 0) else {
            continue;
        };
        let (done, lowest) = if name == "messages" {
            let rows: Vec<Message> = sqlx::query_as(concat!(
                "SELECT ",
                message_cols!(),
                " FROM messages WHERE id <= $1 ORDER BY id DESC LIMIT $2"
            ))
            .bind(next)
            .bind(batch)
            .fetch_all(&mut *tx.tx)
            .await?;
            // A message edited since the upgrade has its entries already.
            let fresh = not_indexed(
                tx,
                "message_words_content",
                &rows.iter().map(|m| m.id).collect::<Vec<_>>(),
            )
            .await?;
            let todo: Vec<&Message> = rows.iter().filter(|m| fresh.contains(&m.id)).collect();
            index_messages(tx, &todo, false).await?;
            (rows.len(), rows.last().map(|m| m.id))
        } else {
            let rows: Vec<Contact> = sqlx::query_as(concat!(
                "SELECT ",
                contact_cols!(),
                " FROM contacts WHERE id <= $1 ORDER BY id DESC LIMIT $2"
            ))
            .bind(next)
            .bind(batch)
            .fetch_all(&mut *tx.tx)
            .await?;
            let fresh = not_indexed(
                tx,
                "contact_grams_content",
                &rows.iter().map(|c| c.id).collect::<Vec<_>>(),
            )
            .await?;
            let todo: Vec<&Contact> = rows.iter().filter(|c| fresh.contains(&c.id)).collect();
            index_contacts(tx, &todo, false).await?;
            (rows.len(), rows.last().map(|c| c.id))
        };
        let rest = match lowest {
            Some(id) if done as i64 == batch => id - 1,
            _ => 0,
        };
        sqlx::query("UPDATE search_backfill SET next_id = $1 WHERE name = $2")
            .bind(rest)
            .bind(name)
            .execute(&mut *tx.tx)
            .await?;
        return Ok(done.max(1) as u64);
    }
    Ok(0)
}
