//! `GET /search?q=`: one box finds conversations (by display id or the
//! contact's name, e-mail, phone or identifier), messages (by content, in
//! the inboxes the caller may see) and contacts. `/search/{kind}` pages
//! through one kind.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_store::{ContactQuery, ContactSort, ConversationSort};

use crate::auth::AccountCtx;
use crate::{Core, CoreError, CoreResult, present, views};

/// Results per kind and page.
pub const SEARCH_PER_PAGE: i64 = 15;

/// What `/search/{kind}` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    Conversations,
    Messages,
    Contacts,
}

impl Core {
    /// Every kind (`kind` None) or one, `page` from 1.
    pub async fn search(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        q: &str,
        kind: Option<SearchKind>,
        page: i64,
    ) -> CoreResult<Value> {
        let q = q.trim();
        if q.is_empty() {
            return Err(CoreError::invalid("q", "Specify search string with parameter q"));
        }
        if q.chars().count() > 200 {
            return Err(CoreError::invalid("q", "q is too long (maximum is 200 characters)"));
        }
        let page = page.max(1);
        let offset = (page - 1).saturating_mul(SEARCH_PER_PAGE);
        let wants = |k: SearchKind| kind.is_none_or(|x| x == k);
        let mut payload = serde_json::Map::new();
        if wants(SearchKind::Conversations) {
            let mut cq = self.visible_query(ctx).await?;
            cq.matching = Some(q.to_string());
            cq.sort = ConversationSort::LastActivityAt;
            cq.descending = true;
            cq.limit = SEARCH_PER_PAGE;
            cq.offset = offset;
            let mut tx = self.store.read().await?;
            let rows = tx.list_conversations(&cq).await?;
            let convs = views::conv_views(&self.channels, &mut *tx, ctx.account_id(), rows).await?;
            payload.insert(
                "conversations".into(),
                json!(self.conversation_views(&mut *tx, &convs).await?),
            );
        }
        if wants(SearchKind::Messages) {
            let inboxes = self.visible_query(ctx).await?.visible_inboxes;
            let mut tx = self.store.read().await?;
            let msgs = tx
                .search_messages(ctx.account_id(), inboxes.as_deref(), q, SEARCH_PER_PAGE, offset)
                .await?;
            let senders = views::senders(&mut *tx, ctx.account_id(), &msgs).await?;
            let mut out = Vec::with_capacity(msgs.len());
            let mut display: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
            for (m, s) in msgs.iter().zip(senders.iter()) {
                let display_id = match display.get(&m.conversation_id) {
                    Some(d) => *d,
                    None => {
                        let Some(c) = tx.get_conversation_by_id(m.conversation_id).await? else {
                            continue;
                        };
                        display.insert(m.conversation_id, c.display_id);
                        c.display_id
                    }
                };
                out.push(present::message_rest(m, s, display_id));
            }
            payload.insert("messages".into(), json!(out));
        }
        if wants(SearchKind::Contacts) {
            // Unlike the contacts list, search finds visitors known only by
            // name too: an agent looking for "Boris" means any Boris.
            let q = ContactQuery {
                account_id: ctx.account_id(),
                search: Some(q.to_string()),
                labels: Vec::new(),
                sort: ContactSort::LastActivityAt,
                descending: true,
                only_resolved: false,
                after: None,
                limit: SEARCH_PER_PAGE,
                offset,
            };
            let mut tx = self.store.read().await?;
            let (rows, _) = tx.list_contacts(&q).await?;
            let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
            let cis = tx.list_contact_inboxes(&ids).await?;
            let inboxes = tx.list_inboxes(ctx.account_id(), None).await?;
            payload.insert(
                "contacts".into(),
                json!(
                    rows.iter()
                        .map(|c| present::contact_with_inboxes(&self.channels, c, &cis, &inboxes))
                        .collect::<Vec<_>>()
                ),
            );
        }
        Ok(json!({ "payload": payload }))
    }
}
