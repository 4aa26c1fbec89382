//! Agents' notes on a contact (Chatwoot's `/contacts/{id}/notes`). Every
//! member of the account may read and write them, as contacts are the
//! account's; a note is changed or deleted by its author or an
//! administrator.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_domain::time::{now_micros, unix_secs};
use switchboard_store::{ContactNote, User};

use crate::auth::AccountCtx;
use crate::request::{blank, lenient};
use crate::require::Require;
use crate::{Core, CoreError, CoreResult, present};

/// The longest note.
pub const MAX_NOTE_CHARS: usize = 20_000;
/// Notes per page, newest first.
pub const NOTES_PER_PAGE: i64 = 100;

/// A note's text, written or changed (`{content}` or `{note: {content}}`:
/// read it with `request::parse_nested(params, "note")`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NoteContent {
    #[serde(deserialize_with = "lenient::string")]
    pub content: Option<String>,
}

/// A note as Chatwoot shows it, with its author as a message sender.
#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    pub id: i64,
    pub content: String,
    pub account_id: i64,
    pub contact_id: i64,
    pub user_id: Option<i64>,
    pub user: Option<Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl NoteView {
    fn new(n: &ContactNote, author: Option<&User>) -> Self {
        NoteView {
            id: n.id,
            content: n.content.clone(),
            account_id: n.account_id,
            contact_id: n.contact_id,
            user_id: n.user_id,
            user: author.map(present::user_sender),
            created_at: unix_secs(n.created_at),
            updated_at: unix_secs(n.updated_at),
        }
    }
}

fn content(req: NoteContent) -> CoreResult<String> {
    let c = req
        .content
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| blank("content"))?;
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
    pub async fn contact_notes(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        contact_id: i64,
        page: i64,
    ) -> CoreResult<Vec<NoteView>> {
        let mut tx = self.store.read().await?;
        tx.require_contact(ctx.account_id(), contact_id).await?;
        let offset = (page.max(1) - 1).saturating_mul(NOTES_PER_PAGE);
        let notes = tx
            .list_contact_notes(ctx.account_id(), contact_id, NOTES_PER_PAGE, offset)
            .await?;
        let authors = Self::note_authors(&mut *tx, ctx.account_id(), &notes).await?;
        Ok(notes
            .iter()
            .map(|n| NoteView::new(n, authors.iter().find(|u| Some(u.id) == n.user_id)))
            .collect())
    }

    pub async fn contact_note(self: &Arc<Self>, ctx: &AccountCtx, contact_id: i64, id: i64) -> CoreResult<NoteView> {
        let mut tx = self.store.read().await?;
        let n = tx.require_contact_note(ctx.account_id(), contact_id, id).await?;
        let authors = Self::note_authors(&mut *tx, ctx.account_id(), std::slice::from_ref(&n)).await?;
        Ok(NoteView::new(&n, authors.first()))
    }

    pub async fn create_contact_note(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        contact_id: i64,
        req: NoteContent,
    ) -> CoreResult<NoteView> {
        let content = content(req)?;
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
        Ok(NoteView::new(&n, Some(&ctx.user)))
    }

    /// Changes (`Some(text)`, answering the note) or deletes (`None`) a
    /// note: its author or an administrator.
    pub async fn change_contact_note(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        contact_id: i64,
        id: i64,
        change: Option<NoteContent>,
    ) -> CoreResult<Option<NoteView>> {
        let new_content = change.map(content).transpose()?;
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
                Some(NoteView::new(&n, authors.first()))
            }
            None => {
                tx.delete_contact_note(ctx.account_id(), n.id).await?;
                None
            }
        };
        tx.commit().await?;
        Ok(out)
    }
}
