//! A conversation's priority, labels and custom attributes.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::Priority;

use super::Actor;
use crate::auth::AccountCtx;
use crate::params::Params;
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, views};

impl Core {
    pub async fn set_priority(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64, body: &Value) -> CoreResult<Value> {
        let p = Params::new(body);
        // Chatwoot permits an empty update: it changes nothing and answers
        // the conversation.
        let priority = if p.has("priority") {
            Some(match p.str("priority")?.as_deref() {
                None | Some("none") | Some("") => None,
                Some(s) => Some(
                    Priority::parse(s)
                        .ok_or_else(|| CoreError::invalid("priority", "priority is not included in the list"))?,
                ),
            })
        } else {
            None
        };
        let mut w = Work::by(self, ctx).await?;
        let before = self.lock_visible(&mut w, ctx, display_id).await?;
        let mut after = before.clone();
        if let Some(priority) = priority {
            after.priority = priority.map(|p| p.code());
        }
        self.conversation_changed(&mut w, &before, &after, &Actor::user(&ctx.user), None, true)
            .await?;
        let account = w.tx().require_account(ctx.account_id()).await?;
        let fresh = w.tx().require_conversation_by_id(after.id).await?;
        let v = views::conv_view(&self.channels, w.tx(), fresh).await?;
        w.commit().await?;
        Ok(v.rest(&account))
    }

    pub async fn conversation_labels(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64) -> CoreResult<Value> {
        let c = self.visible_conversation(ctx, display_id).await?;
        let mut tx = self.store.read().await?;
        let labels: Vec<String> = tx
            .conversation_labels(&[c.id])
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        Ok(json!({ "payload": labels }))
    }

    /// `POST /labels` replaces the conversation's labels.
    pub async fn set_conversation_labels(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        labels: &[String],
    ) -> CoreResult<Value> {
        let labels = crate::contacts::normalise_labels(labels)?;
        let mut w = Work::by(self, ctx).await?;
        let conv = self.lock_visible(&mut w, ctx, display_id).await?;
        let old: Vec<String> = w
            .tx()
            .conversation_labels(&[conv.id])
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        w.tx()
            .set_conversation_labels(ctx.account_id(), conv.id, &labels)
            .await?;
        let new: Vec<String> = w
            .tx()
            .conversation_labels(&[conv.id])
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        if old != new {
            self.conversation_changed(
                &mut w,
                &conv,
                &conv,
                &Actor::user(&ctx.user),
                Some((old, new.clone())),
                true,
            )
            .await?;
        }
        w.commit().await?;
        Ok(json!({ "payload": new }))
    }

    /// `POST /custom_attributes` replaces them all.
    pub async fn set_custom_attributes(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        body: &Value,
    ) -> CoreResult<Value> {
        let p = Params::new(body);
        let attrs = p
            .object("custom_attributes")?
            .ok_or_else(|| CoreError::invalid("custom_attributes", "custom_attributes is required"))?;
        let mut w = Work::by(self, ctx).await?;
        let before = self.lock_visible(&mut w, ctx, display_id).await?;
        let mut after = before.clone();
        after.custom_attributes = Value::Object(attrs);
        self.conversation_changed(&mut w, &before, &after, &Actor::user(&ctx.user), None, false)
            .await?;
        w.commit().await?;
        Ok(json!({ "custom_attributes": after.custom_attributes }))
    }
}
