//! The notification endpoints' use cases: each person's list, counts,
//! read marks, snoozes, deletes and settings.

use super::*;

impl Core {
    fn scope(ctx: &AccountCtx, now: i64, snoozed: bool) -> NotificationScope {
        NotificationScope {
            account_id: ctx.account_id(),
            user_id: ctx.user.id,
            now,
            snoozed,
        }
    }

    /// Notification views for `rows`, their conversations and messages
    /// loaded in a few queries.
    async fn notification_views(
        self: &Arc<Self>,
        tx: &mut dyn Tx,
        ctx: &AccountCtx,
        rows: &[Notification],
    ) -> CoreResult<Vec<Value>> {
        let mut conv_ids: Vec<i64> = rows.iter().map(|n| n.primary_actor_id).collect();
        conv_ids.sort_unstable();
        conv_ids.dedup();
        let convs: Vec<Conversation> = tx
            .get_conversations_by_ids(&conv_ids)
            .await?
            .into_iter()
            .filter(|c| c.account_id == ctx.account_id())
            .collect();
        let inboxes = tx.list_inboxes(ctx.account_id(), None).await?;
        let conv_views = views::conv_views(&self.channels, tx, ctx.account_id(), convs).await?;
        let msg_ids: Vec<i64> = rows.iter().filter_map(|n| n.secondary_actor_id).collect();
        let msgs = tx.get_messages_by_ids(&msg_ids).await?;
        let senders = views::senders(tx, ctx.account_id(), &msgs).await?;
        let user = user_json(&ctx.user);
        Ok(rows
            .iter()
            .map(|n| {
                let view = conv_views.iter().find(|v| v.conv.id == n.primary_actor_id);
                let message = n.secondary_actor_id.and_then(|id| {
                    let i = msgs.iter().position(|m| m.id == id)?;
                    let v = view?;
                    Some(present::message_push(
                        &msgs[i],
                        &senders[i],
                        &v.conv,
                        &v.contact_inbox,
                        v.unread_count,
                    ))
                });
                let actors = Actors {
                    conversation: view.map(|v| {
                        let inbox = inboxes
                            .iter()
                            .find(|i| i.id == v.conv.inbox_id)
                            .map(|i| i.name.clone())
                            .unwrap_or_default();
                        (v.push(), v.conv.display_id, inbox)
                    }),
                    message,
                };
                notification_json(n, &actors, &user)
            })
            .collect())
    }

    /// `GET /notifications?page=&includes[]=snoozed`: the caller's own, most
    /// recent activity first, 15 a page.
    pub async fn notifications(self: &Arc<Self>, ctx: &AccountCtx, query: &Value) -> CoreResult<Value> {
        let p = Params::new(query);
        let page = p.i64("page")?.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(CoreError::invalid(
                "page",
                format!("page must be between 1 and {MAX_PAGE}"),
            ));
        }
        let snoozed = p
            .str_list_or_csv("includes")?
            .is_some_and(|l| l.iter().any(|i| i == "snoozed"));
        let now = switchboard_domain::time::now_micros();
        let scope = Self::scope(ctx, now, snoozed);
        let mut tx = self.store.read().await?;
        let (count, unread) = tx.count_notifications(scope, COUNT_CAP).await?;
        let rows = tx.list_notifications(scope, PER_PAGE, (page - 1) * PER_PAGE).await?;
        let payload = self.notification_views(&mut *tx, ctx, &rows).await?;
        Ok(json!({
            "data": {
                "meta": { "unread_count": unread, "count": count, "current_page": page },
                "payload": payload,
            }
        }))
    }

    /// `GET /notifications/unread_count`: a bare number.
    pub async fn notifications_unread_count(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Value> {
        let now = switchboard_domain::time::now_micros();
        let mut tx = self.store.read().await?;
        let (_, unread) = tx.count_notifications(Self::scope(ctx, now, false), COUNT_CAP).await?;
        Ok(json!(unread))
    }

    /// `POST /notifications/read_all` (of one conversation with
    /// `primary_actor_type=Conversation&primary_actor_id=<conversation id>`).
    pub async fn read_all_notifications(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<()> {
        let p = Params::new(body);
        let actor_type = p.str("primary_actor_type")?;
        let actor_id = p.i64("primary_actor_id")?;
        let mut w = Work::by(self, ctx).await?;
        let conversation = match (actor_type.as_deref(), actor_id) {
            (Some("Conversation"), Some(id)) => {
                // Chatwoot names the conversation by its id; an id the
                // caller cannot see is a 404.
                let c = w
                    .tx()
                    .get_conversation_by_id(id)
                    .await?
                    .filter(|c| c.account_id == ctx.account_id())
                    .ok_or(CoreError::NotFound)?;
                Some(c.id)
            }
            _ => None,
        };
        let now = w.now;
        let changed = w
            .tx()
            .read_all_notifications(ctx.account_id(), ctx.user.id, conversation, now)
            .await?;
        if changed > 0 {
            // One update with the counts: the client re-reads its list.
            let scope = Self::scope(ctx, now, false);
            let (count, unread) = w.tx().count_notifications(scope, PUSH_COUNT_CAP).await?;
            w.emit(
                Event::new(
                    EventKind::NotificationUpdated,
                    ctx.account_id(),
                    json!({ "notification": Value::Null, "unread_count": unread, "count": count, "read_all": true }),
                )
                .to_user(ctx.user.id),
            )
            .await?;
        }
        w.commit().await?;
        Ok(())
    }

    /// `PATCH /notifications/{id}` (read) and `POST /notifications/{id}/unread`.
    pub async fn set_notification_read(self: &Arc<Self>, ctx: &AccountCtx, id: i64, read: bool) -> CoreResult<Value> {
        let mut w = Work::by(self, ctx).await?;
        let now = w.now;
        let n = w
            .tx()
            .set_notification_read(ctx.account_id(), ctx.user.id, id, read.then_some(now))
            .await?
            .ok_or(CoreError::NotFound)?;
        self.changed(&mut w, ctx, EventKind::NotificationUpdated, &n).await?;
        w.commit().await?;
        Ok(row_json(&n))
    }

    async fn changed(
        self: &Arc<Self>,
        w: &mut Work,
        ctx: &AccountCtx,
        kind: EventKind,
        n: &Notification,
    ) -> CoreResult<()> {
        let views = self.notification_views(w.tx(), ctx, std::slice::from_ref(n)).await?;
        let view = views.into_iter().next().unwrap_or(Value::Null);
        push(w, kind, n, view).await
    }

    /// `DELETE /notifications/{id}`.
    pub async fn delete_notification(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        let mut w = Work::by(self, ctx).await?;
        let n = w
            .tx()
            .delete_notification(ctx.account_id(), ctx.user.id, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        push(
            &mut w,
            EventKind::NotificationDeleted,
            &n,
            json!({ "id": n.id, "account_id": n.account_id }),
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// `POST /notifications/destroy_all {type: all|read}` (all by default).
    pub async fn delete_notifications(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<()> {
        let only_read = match Params::new(body).str("type")?.as_deref() {
            None | Some("all") => false,
            Some("read") => true,
            Some(_) => return Err(CoreError::invalid("type", "type must be all or read")),
        };
        let mut w = Work::by(self, ctx).await?;
        let gone = w
            .tx()
            .delete_notifications(ctx.account_id(), ctx.user.id, only_read)
            .await?;
        if gone > 0 {
            let now = w.now;
            let (count, unread) = w
                .tx()
                .count_notifications(Self::scope(ctx, now, false), PUSH_COUNT_CAP)
                .await?;
            w.emit(
                Event::new(
                    EventKind::NotificationDeleted,
                    ctx.account_id(),
                    json!({ "notification": Value::Null, "unread_count": unread, "count": count, "destroy_all": true }),
                )
                .to_user(ctx.user.id),
            )
            .await?;
        }
        w.commit().await?;
        Ok(())
    }

    /// `POST /notifications/{id}/snooze {snoozed_until}` (Unix seconds): the
    /// notification leaves the list until then.
    pub async fn snooze_notification(self: &Arc<Self>, ctx: &AccountCtx, id: i64, body: &Value) -> CoreResult<Value> {
        let until = match Params::new(body).raw("snoozed_until") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(n.as_f64().ok_or_else(bad_until)?),
            Some(Value::String(s)) => Some(s.trim().parse::<f64>().map_err(|_| bad_until())?),
            Some(_) => return Err(bad_until()),
        };
        let until = match until {
            None => None,
            Some(secs) if secs.is_finite() && secs > 0.0 && secs < 1e11 => Some((secs * 1e6) as i64),
            Some(_) => return Err(bad_until()),
        };
        let mut w = Work::by(self, ctx).await?;
        let current = w
            .tx()
            .get_notification(ctx.account_id(), ctx.user.id, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let mut meta = match current.meta {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        meta.insert("last_snoozed_at".into(), Value::Null);
        let n = w
            .tx()
            .snooze_notification(ctx.account_id(), ctx.user.id, id, until, &Value::Object(meta))
            .await?
            .ok_or(CoreError::NotFound)?;
        self.changed(&mut w, ctx, EventKind::NotificationUpdated, &n).await?;
        w.commit().await?;
        Ok(row_json(&n))
    }

    /// `GET /notification_settings`: the caller's own in this account.
    pub async fn notification_settings(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        if let Some(s) = tx.notification_setting(ctx.account_id(), ctx.user.id).await? {
            return Ok(settings_json(&s));
        }
        drop(tx);
        // The first read writes Chatwoot's defaults, so the row has its id.
        let mut w = Work::by(self, ctx).await?;
        let now = w.now;
        let s = match w.tx().notification_setting(ctx.account_id(), ctx.user.id).await? {
            Some(s) => s,
            None => {
                w.tx()
                    .upsert_notification_setting(
                        ctx.account_id(),
                        ctx.user.id,
                        DEFAULT_EMAIL_FLAGS,
                        DEFAULT_PUSH_FLAGS,
                        now,
                    )
                    .await?
            }
        };
        w.commit().await?;
        Ok(settings_json(&s))
    }

    /// `PATCH /notification_settings {notification_settings: {selected_email_flags,
    /// selected_push_flags}}`: a list left out keeps its value.
    pub async fn update_notification_settings(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<Value> {
        let p = Params::new(body).nested_or_self("notification_settings");
        let email = p
            .raw("selected_email_flags")
            .map(|v| parse_flags("selected_email_flags", "email", v))
            .transpose()?;
        let push = p
            .raw("selected_push_flags")
            .map(|v| parse_flags("selected_push_flags", "push", v))
            .transpose()?;
        let mut w = Work::by(self, ctx).await?;
        let now = w.now;
        let (cur_email, cur_push) = setting_of(w.tx(), ctx.account_id(), ctx.user.id).await?;
        let s = w
            .tx()
            .upsert_notification_setting(
                ctx.account_id(),
                ctx.user.id,
                email.unwrap_or(cur_email),
                push.unwrap_or(cur_push),
                now,
            )
            .await?;
        w.commit().await?;
        Ok(settings_json(&s))
    }
}

fn bad_until() -> CoreError {
    CoreError::invalid("snoozed_until", "snoozed_until must be a time in Unix seconds")
}
