//! The conversation lists: the query a caller's parameters make, a page
//! of conversations with the folder counts, and the keyset cursor.

use std::sync::Arc;

use switchboard_domain::ConversationStatus;
use switchboard_domain::rules::CONVERSATIONS_PER_PAGE;
use switchboard_domain::time::{self as t};
use switchboard_store::{AssigneeFilter, Conversation, ConversationQuery, ConversationSort};

use crate::auth::AccountCtx;
use crate::conversation_view::{ConversationList, ConversationListMeta, ConversationMeta, ConversationPage};
use crate::{Core, CoreError, CoreResult, views};

#[derive(Debug, Default, Clone)]
pub struct ListParams {
    pub status: Option<String>,
    pub assignee_type: Option<String>,
    pub inbox_id: Option<i64>,
    pub team_id: Option<i64>,
    pub labels: Vec<String>,
    pub q: Option<String>,
    pub sort_by: Option<String>,
    pub page: Option<i64>,
    pub source_id: Option<String>,
    pub updated_within: Option<i64>,
    /// Keyset cursor from a previous page's `meta.next_cursor`.
    pub cursor: Option<String>,
    /// `participating`: only conversations the caller takes part in.
    pub conversation_type: Option<String>,
}

fn parse_statuses(s: Option<&str>) -> CoreResult<Option<Vec<i16>>> {
    match s.unwrap_or("open") {
        "all" => Ok(None),
        "" => Ok(Some(vec![ConversationStatus::Open.code()])),
        other => ConversationStatus::parse(other)
            .map(|s| Some(vec![s.code()]))
            .ok_or_else(|| CoreError::invalid("status", "status is not included in the list")),
    }
}

fn parse_sort(s: Option<&str>) -> CoreResult<(ConversationSort, bool)> {
    let s = s.unwrap_or("last_activity_at_desc");
    let (key, desc) = if let Some(k) = s.strip_suffix("_desc") {
        (k, true)
    } else if let Some(k) = s.strip_suffix("_asc") {
        (k, false)
    } else {
        (s, !matches!(s, "waiting_since" | "created_at"))
    };
    let sort = match key {
        "last_activity_at" | "latest" => ConversationSort::LastActivityAt,
        "created_at" | "sort_on_created_at" => ConversationSort::CreatedAt,
        "priority" | "sort_on_priority" => ConversationSort::Priority,
        "waiting_since" | "sort_on_waiting_since" => ConversationSort::WaitingSince,
        _ => return Err(CoreError::invalid("sort_by", "sort_by is not included in the list")),
    };
    Ok((sort, desc))
}

fn parse_assignee(s: Option<&str>) -> CoreResult<AssigneeFilter> {
    Ok(match s.unwrap_or("all") {
        "all" | "" => AssigneeFilter::All,
        "me" => AssigneeFilter::Me,
        "unassigned" => AssigneeFilter::Unassigned,
        "assigned" => AssigneeFilter::Assigned,
        _ => {
            return Err(CoreError::invalid(
                "assignee_type",
                "assignee_type is not included in the list",
            ));
        }
    })
}

impl Core {
    /// A query limited to the conversations the caller may see (an agent:
    /// the inboxes they belong to; an administrator: all).
    pub(crate) async fn visible_query(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<ConversationQuery> {
        self.base_query(ctx).await
    }

    pub(super) async fn base_query(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<ConversationQuery> {
        let mut q = ConversationQuery::new(ctx.account_id(), ctx.user.id);
        if !ctx.is_admin() {
            let mut tx = self.store.read().await?;
            q.visible_inboxes = Some(tx.user_inbox_ids(ctx.account_id(), ctx.user.id).await?);
        }
        Ok(q)
    }

    async fn list_query(self: &Arc<Self>, ctx: &AccountCtx, lp: &ListParams) -> CoreResult<ConversationQuery> {
        let mut q = self.base_query(ctx).await?;
        q.statuses = if lp.q.as_deref().is_some_and(|s| !s.is_empty()) {
            None
        } else {
            parse_statuses(lp.status.as_deref())?
        };
        q.assignee = parse_assignee(lp.assignee_type.as_deref())?;
        q.inbox_id = lp.inbox_id;
        q.team_id = lp.team_id;
        q.labels = lp
            .labels
            .iter()
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty())
            .collect();
        q.q = lp.q.clone().filter(|s| !s.is_empty());
        q.source_id = lp.source_id.clone();
        match lp.conversation_type.as_deref().unwrap_or("") {
            "" => {}
            "participating" => q.participant = Some(ctx.user.id),
            "mention" => q.mentioned = Some(ctx.user.id),
            "unattended" => q.unattended = true,
            _ => {
                return Err(CoreError::invalid(
                    "conversation_type",
                    "conversation_type must be mention, participating or unattended",
                ));
            }
        }
        let (sort, desc) = parse_sort(lp.sort_by.as_deref())?;
        q.sort = sort;
        q.descending = desc;
        let page = lp.page.unwrap_or(1).max(1);
        q.limit = CONVERSATIONS_PER_PAGE;
        q.offset = (page - 1).saturating_mul(CONVERSATIONS_PER_PAGE);
        if let Some(cursor) = lp.cursor.as_deref().filter(|c| !c.is_empty()) {
            if !matches!(q.sort, ConversationSort::LastActivityAt | ConversationSort::CreatedAt) {
                return Err(CoreError::invalid(
                    "cursor",
                    "cursor works with sort_by last_activity_at or created_at",
                ));
            }
            let parsed = cursor
                .split_once('.')
                .and_then(|(v, id)| Some((v.parse::<i64>().ok()?, id.parse::<i64>().ok()?)));
            q.after = Some(parsed.ok_or_else(|| CoreError::invalid("cursor", "cursor is invalid"))?);
            q.offset = 0;
        }
        if let Some(secs) = lp.updated_within.filter(|s| *s > 0) {
            q.updated_since = Some(t::now_micros().saturating_sub(secs.saturating_mul(1_000_000)));
            q.limit = 1000;
            q.offset = 0;
        }
        Ok(q)
    }

    pub async fn list_conversations(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        lp: &ListParams,
    ) -> CoreResult<ConversationList> {
        let q = self.list_query(ctx, lp).await?;
        let mut tx = self.store.read().await?;
        let counts = tx.conversation_counts(&q).await?;
        let rows = tx.list_conversations(&q).await?;
        let next_cursor = next_cursor(&q, &rows);
        let views = views::conv_views(&self.channels, &mut *tx, ctx.account_id(), rows).await?;
        let payload = self.conversation_views(&mut *tx, &views).await?;
        Ok(ConversationList {
            data: ConversationPage {
                meta: ConversationListMeta { counts, next_cursor },
                payload,
            },
        })
    }

    pub async fn conversation_meta(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        lp: &ListParams,
    ) -> CoreResult<ConversationMeta> {
        let q = self.list_query(ctx, lp).await?;
        let mut tx = self.store.read().await?;
        let meta = tx.conversation_counts(&q).await?;
        Ok(ConversationMeta { meta })
    }
}

/// The keyset cursor of the page after `rows`, when there may be one.
fn next_cursor(q: &ConversationQuery, rows: &[Conversation]) -> Option<String> {
    if (rows.len() as i64) < q.limit
        || !matches!(q.sort, ConversationSort::LastActivityAt | ConversationSort::CreatedAt)
    {
        return None;
    }
    let last = rows.last()?;
    let value = match q.sort {
        ConversationSort::CreatedAt => last.created_at,
        _ => last.last_activity_at,
    };
    Some(format!("{value}.{}", last.id))
}
