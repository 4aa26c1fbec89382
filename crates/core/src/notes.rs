//! Agents' notes on a contact (Chatwoot's `/contacts/{id}/notes`). Every
//! member of the account may read and write them, as contacts are the
//! account's; a note is changed or deleted by its author or an
//! administrator.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::time::{now_micros, unix_secs};
use switchboard_store::{ContactNote, User};

use crate::auth::AccountCtx;
use crate::params::Params;
use crate::require::Require;
use crate::{Core, CoreError, CoreResult, present};

/// The longest note.
pub const MAX_NOTE_CHARS: usize = 20_000;
/// Notes per page, newest first.
pub const NOTES_PER_PAGE: i64 = 100;

fn note_json(n: &ContactNote, author: Option<&User>) -> Value {
    json!({
        "id": n.id,
        "content": n.content,
        "account_id": n.account_id,
        "contact_id": n.contact_id,
        "user_id": n.user_id,
        "user": author.map(present::user_sender),
        "created_at": unix_secs(n.created_at),
        "updated_at": unix_secs(n.updated_at),
    })
}

fn content(p: &Params<'_>) -> CoreResult<String> {
    let c = p.req_str("content")?;
    if c.trim().is_empty() {
        return Err(CoreError::invalid("content", "Content can't be blank"));
    }
    if c.chars().count() > MAX_NOTE_CHARS {
        return Err(CoreError::invalid("content", "Content is too long"));
    }
    Ok(c)
}

impl Core {
    async fn note_authors(
        tx: &mut dyn switchboard_store::Tx,
        account_id: i64,
        notes: &[ContactNote],
    ) -> CoreResult<Vec<User>> {
        let mut ids: Vec<i64> = notes.iter().filter_map(|n| n.user_id).collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(tx.users_in_account(account_id, &ids).await?)
    }

    /// `GET /contacts/{id}/notes?page=`: newest first.
    pub async fn contact_notes(self: &Arc<Self>, ctx: &AccountCtx, contact_id: i64, page: i64) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        tx.require_contact(ctx.account_id(), contact_id).await?;
        let offset = (page.max(1) - 1).saturating_mul(NOTES_PER_PAGE);
        let notes = tx
            .list_contact_notes(ctx.account_id(), contact_id, NOTES_PER_PAGE, offset)
            .await?;
        let authors = Self::note_authors(&mut *tx, ctx.account_id(), &notes).await?;
        Ok(Value::Array(
            notes
                .iter()
                .map(|n| note_json(n, authors.iter().find(|u| Some(u.id) == n.user_id)))
                .collect(),
        ))
    }

    pub async fn contact_note(self: &Arc<Self>, ctx: &AccountCtx, contact_id: i64, id: i64) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let n = tx.require_contact_note(ctx.account_id(), contact_id, id).await?;
        let authors = Self::note_authors(&mut *tx, ctx.account_id(), std::slice::from_ref(&n)).await?;
        Ok(note_json(&n, authors.first()))
    }

    pub async fn create_contact_note(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        contact_id: i64,
        body: &Value,
    ) -> CoreResult<Value> {
        let p = Params::new(body).nested_or_self("note");
        let content = content(&p)?;
        let mut tx = self.store.write().await?;
        tx.require_contact(ctx.account_id(), contact_id).await?;
        let n = tx
            .insert_contact_note(&ContactNote {
                id: 0,
                account_id: ctx.account_id(),
                contact_id,
                user_id: Some(ctx.user.id),
                content,
                created_at: now_micros(),
                updated_at: now_micros(),
            })
            .await?;
        tx.commit().await?;
        Ok(note_json(&n, Some(&ctx.user)))
    }

    /// Changes (`Some(body)`) or deletes (`None`) a note: its author or an
    /// administrator.
    pub async fn change_contact_note(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        contact_id: i64,
        id: i64,
        body: Option<&Value>,
    ) -> CoreResult<Value> {
        let new_content = match body {
            Some(b) => Some(content(&Params::new(b).nested_or_self("note"))?),
            None => None,
        };
        let mut tx = self.store.write().await?;
        let mut n = tx.require_contact_note(ctx.account_id(), contact_id, id).await?;
        if n.user_id != Some(ctx.user.id) && !ctx.is_admin() {
            return Err(CoreError::Unauthorized(
                "Only the note's author or an administrator may change it".into(),
            ));
        }
        let out = match new_content {
            Some(c) => {
                n.content = c;
                n.updated_at = now_micros();
                tx.update_contact_note(&n).await?;
                let authors = Self::note_authors(&mut *tx, ctx.account_id(), std::slice::from_ref(&n)).await?;
                note_json(&n, authors.first())
            }
            None => {
                tx.delete_contact_note(ctx.account_id(), n.id).await?;
                Value::Null
            }
        };
        tx.commit().await?;
        Ok(out)
    }
}
