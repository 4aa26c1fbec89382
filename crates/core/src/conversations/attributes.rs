//! A conversation's priority, labels and custom attributes.

use std::sync::Arc;

use serde_json::Value;
use switchboard_domain::validate;

use super::Actor;
use crate::auth::AccountCtx;
use crate::conversation_types::{CustomAttributes, CustomAttributesView, PriorityChange};
use crate::conversation_view::ConversationView;
use crate::require::Require;
use crate::view::Payload;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, views};

impl Core {
    /// `POST /toggle_priority`, `PATCH /conversations/:id`. Chatwoot permits
    /// an empty update: it changes nothing and answers the conversation.
    pub async fn set_priority(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        req: PriorityChange,
    ) -> CoreResult<ConversationView> {
        let priority = req.priority.into_change();
        let sla = req.sla_policy_id.into_change();
        let mut w = Work::by(self, ctx).await?;
        let before = self.lock_visible(&mut w, ctx, display_id).await?;
        let mut after = before.clone();
        if let Some(priority) = priority {
            after.priority = priority.map(|p| p.code());
        }
        if let Some(sla) = sla {
            if let Some(id) = sla {
                Core::require_sla_policy(w.tx(), ctx.account_id(), id, "sla_policy_id").await?;
            }
            after.sla_policy_id = sla;
        }
        self.conversation_changed(&mut w, &before, &after, &Actor::user(&ctx.user), None, true)
            .await?;
        let fresh = w.tx().require_conversation_by_id(after.id).await?;
        let v = views::conv_view(&self.channels, w.tx(), fresh).await?;
        w.commit().await?;
        Ok(v.rest())
    }

    pub async fn conversation_labels(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
    ) -> CoreResult<Payload<Vec<String>>> {
        let c = self.visible_conversation(ctx, display_id).await?;
        let mut tx = self.store.read().await?;
        let labels: Vec<String> = tx
            .conversation_labels(&[c.id])
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        Ok(Payload::of(labels))
    }

    /// `POST /labels` replaces the conversation's labels.
    pub async fn set_conversation_labels(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        labels: &[String],
    ) -> CoreResult<Payload<Vec<String>>> {
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
        Ok(Payload::of(new))
    }

    /// `POST /custom_attributes` replaces them all.
    pub async fn set_custom_attributes(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        req: CustomAttributes,
    ) -> CoreResult<CustomAttributesView> {
        let attrs = super::custom_attributes_of(req)?;
        let mut w = Work::by(self, ctx).await?;
        let before = self.lock_visible(&mut w, ctx, display_id).await?;
        let mut after = before.clone();
        after.custom_attributes = Value::Object(attrs);
        self.conversation_changed(&mut w, &before, &after, &Actor::user(&ctx.user), None, false)
            .await?;
        w.commit().await?;
        Ok(CustomAttributesView {
            custom_attributes: after.custom_attributes,
        })
    }
}

/// The attributes a `custom_attributes` call gives, checked (required, an
/// object within the attribute limits).
pub(crate) fn custom_attributes_of(req: CustomAttributes) -> CoreResult<serde_json::Map<String, Value>> {
    const KEY: &str = "custom_attributes";
    let attrs = req
        .custom_attributes
        .ok_or_else(|| CoreError::invalid(KEY, "custom_attributes is required"))?;
    validate::attributes_object(&Value::Object(attrs), KEY).map_err(|m| CoreError::invalid(KEY, m))
}
