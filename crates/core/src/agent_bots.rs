//! Agent bots (Chatwoot's `agent_bots`): a program at the bot's
//! `outgoing_url` that answers an inbox's conversations first. An inbox
//! with an active bot starts new conversations `pending` (the bot's), and a
//! resolved one that hears from the contact goes back to `pending`. The bot
//! hears the conversation's events (signed with its secret, retried, logged
//! as deliveries) and answers through the API with its own access token:
//! it sends messages and changes the status; `open` hands the conversation
//! to people (routing takes it from there), after which the bot hears
//! nothing more of its messages unless the conversation comes back to it.
//! A bot never hears its own messages.
//!
//! The API (administrators): list, show, create, update, delete,
//! `reset_access_token`, an inbox's bot (`set_agent_bot`, `agent_bot`) and
//! the bot's delivery log.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use switchboard_domain::event::Performer;
use switchboard_domain::time::unix_secs;
use switchboard_domain::{ConversationStatus, Event, EventKind, MessageType, validate};
use switchboard_store::{AgentBot, Conversation, NewDelivery, StoredEvent, Tx};

use crate::auth::{AccountCtx, random_token};
use crate::conversations::Actor;
use crate::jobs::JobFailure;
use crate::params::Params;
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present, views};

/// Access tokens of bots are kept under this owner type.
pub const OWNER_BOT: &str = "AgentBot";
/// The most bots an account keeps.
pub const MAX_BOTS: i64 = 100;
/// How long this process trusts what it read of an inbox's bot.
const INBOX_BOTS_TTL: Duration = Duration::from_secs(2);
const INBOX_BOTS_MAX: usize = 50_000;

/// Which bot answers each inbox, as this process last read it: every
/// conversation created and every contact message asks (to start it
/// `pending`, to queue the bot listener), and a read each time would add a
/// statement to each. Trusted for [`INBOX_BOTS_TTL`]; this process's own
/// changes forget the inbox at once.
#[derive(Default)]
pub struct InboxBots(std::sync::Mutex<std::collections::HashMap<i64, (Instant, Option<i64>)>>);

impl InboxBots {
    fn get(&self, inbox_id: i64) -> Option<Option<i64>> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&inbox_id)
            .filter(|(at, _)| at.elapsed() < INBOX_BOTS_TTL)
            .map(|(_, b)| *b)
    }

    fn put(&self, inbox_id: i64, bot: Option<i64>) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= INBOX_BOTS_MAX {
            map.clear();
        }
        map.insert(inbox_id, (Instant::now(), bot));
    }

    fn forget_all(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    fn forget(&self, inbox_id: i64) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&inbox_id);
    }
}

impl Core {
    /// The id of the bot answering `inbox_id`, if any (cached): one that
    /// can hear conversations (it has an `outgoing_url`; a bot without one
    /// would leave them pending with nobody told).
    pub(crate) async fn inbox_bot(&self, tx: &mut dyn Tx, inbox_id: i64) -> CoreResult<Option<i64>> {
        if let Some(b) = self.inbox_bots.get(inbox_id) {
            return Ok(b);
        }
        let b = tx
            .inbox_agent_bot(inbox_id)
            .await?
            .filter(|b| b.outgoing_url.is_some())
            .map(|b| b.id);
        self.inbox_bots.put(inbox_id, b);
        Ok(b)
    }
}

/// A bot as Chatwoot shows it; the access token only to administrators
/// asking for one bot.
fn bot_json(b: &AgentBot, token: Option<&str>) -> Value {
    let mut v = json!({
        "id": b.id,
        "name": b.name,
        "description": b.description,
        "thumbnail": b.avatar_url.clone().unwrap_or_default(),
        "outgoing_url": b.outgoing_url,
        "bot_type": b.bot_type,
        "bot_config": b.bot_config,
        "account_id": b.account_id,
        "system_bot": false,
        "secret": b.secret,
        "created_at": unix_secs(b.created_at),
    });
    if let Some(t) = token {
        v["access_token"] = json!(t);
    }
    v
}

/// A bot as a conversation's assignee (`meta.assignee` with
/// `assignee_type: "AgentBot"`).
pub fn bot_assignee_json(b: &AgentBot) -> Value {
    json!({
        "id": b.id,
        "name": b.name,
        "available_name": b.name,
        "thumbnail": b.avatar_url.clone().unwrap_or_default(),
        "type": "agent_bot",
    })
}

/// A bot as the caller of the API (its access token).
#[derive(Debug, Clone)]
pub struct BotCtx {
    pub bot: AgentBot,
}

fn read_bot(body: &Value, base: Option<&AgentBot>) -> CoreResult<AgentBot> {
    let p = Params::new(body).nested_or_self("agent_bot");
    let name = crate::automation::read_name(&p, base.map(|b| b.name.as_str()))?;
    let description = match p.raw("description") {
        Some(Value::Null) => None,
        Some(_) => p.str("description")?,
        None => base.and_then(|b| b.description.clone()),
    };
    if description.as_ref().is_some_and(|d| d.chars().count() > 2_000) {
        return Err(CoreError::invalid(
            "description",
            "Description is too long (maximum is 2000 characters)",
        ));
    }
    let outgoing_url = match p.raw("outgoing_url") {
        Some(Value::Null) => None,
        Some(_) => match p.str("outgoing_url")?.filter(|u| !u.trim().is_empty()) {
            Some(u) => Some(validate::http_url(u.trim()).map_err(|m| CoreError::invalid("outgoing_url", m))?),
            None => None,
        },
        None => base.and_then(|b| b.outgoing_url.clone()),
    };
    let bot_type = match p.str("bot_type")? {
        Some(t) if t == "webhook" => t,
        Some(t) => {
            return Err(CoreError::invalid(
                "bot_type",
                format!("{t} is not a bot type (webhook)"),
            ));
        }
        None => base.map_or_else(|| "webhook".to_string(), |b| b.bot_type.clone()),
    };
    let bot_config = match p.raw("bot_config") {
        Some(v @ Value::Object(_)) if v.to_string().len() <= 10_000 => v.clone(),
        Some(Value::Object(_)) => return Err(CoreError::invalid("bot_config", "bot_config is too large")),
        Some(Value::Null) => json!({}),
        Some(_) => return Err(CoreError::invalid("bot_config", "bot_config must be an object")),
        None => base.map_or_else(|| json!({}), |b| b.bot_config.clone()),
    };
    let avatar_url = match p.raw("avatar_url") {
        Some(Value::Null) => None,
        Some(_) => match p.str("avatar_url")?.filter(|u| !u.trim().is_empty()) {
            Some(u) => Some(validate::http_url(u.trim()).map_err(|m| CoreError::invalid("avatar_url", m))?),
            None => None,
        },
        None => base.and_then(|b| b.avatar_url.clone()),
    };
    Ok(AgentBot {
        id: base.map_or(0, |b| b.id),
        account_id: 0,
        name,
        description,
        outgoing_url,
        bot_type,
        bot_config,
        avatar_url,
        secret: base.map_or_else(|| random_token(24), |b| b.secret.clone()),
        created_at: base.map_or(0, |b| b.created_at),
        updated_at: 0,
    })
}

impl Core {
    /// `GET /agent_bots`.
    pub async fn list_agent_bots(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        let bots = tx.list_agent_bots(ctx.account_id(), MAX_BOTS).await?;
        Ok(json!(bots.iter().map(|b| bot_json(b, None)).collect::<Vec<_>>()))
    }

    /// `GET /agent_bots/{id}` (with its access token).
    pub async fn get_agent_bot(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        let b = tx
            .get_agent_bot(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let token = tx.get_access_token(OWNER_BOT, b.id).await?;
        Ok(bot_json(&b, token.as_deref()))
    }

    /// `POST /agent_bots {name, description, outgoing_url, bot_type, bot_config}`.
    pub async fn create_agent_bot(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        let mut b = read_bot(body, None)?;
        if w.tx().count_agent_bots(ctx.account_id()).await? >= MAX_BOTS {
            return Err(CoreError::invalid("base", format!("At most {MAX_BOTS} agent bots")));
        }
        b.account_id = ctx.account_id();
        b.created_at = w.now;
        let saved = w.tx().insert_agent_bot(&b).await?;
        let token = random_token(24);
        let now = w.now;
        w.tx().set_access_token(OWNER_BOT, saved.id, &token, now).await?;
        w.commit().await?;
        Ok(bot_json(&saved, Some(&token)))
    }

    /// `PATCH /agent_bots/{id}`.
    pub async fn update_agent_bot(self: &Arc<Self>, ctx: &AccountCtx, id: i64, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        let base = w
            .tx()
            .get_agent_bot(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let mut b = read_bot(body, Some(&base))?;
        b.account_id = ctx.account_id();
        b.updated_at = w.now;
        w.tx().update_agent_bot(&b).await?;
        // A bot that can no longer hear leaves its inboxes' waiting
        // conversations to people.
        if base.outgoing_url.is_some() && b.outgoing_url.is_none() {
            let inboxes = w.tx().agent_bot_inboxes(b.id).await?;
            self.open_after_bot(&mut w, ctx.account_id(), &inboxes).await?;
        }
        let token = w.tx().get_access_token(OWNER_BOT, b.id).await?;
        w.commit().await?;
        self.inbox_bots.forget_all();
        Ok(bot_json(&b, token.as_deref()))
    }

    /// `DELETE /agent_bots/{id}`: the bot, its token and its inboxes' links.
    pub async fn delete_agent_bot(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        let inboxes = w.tx().agent_bot_inboxes(id).await?;
        if !w.tx().delete_agent_bot(ctx.account_id(), id).await? {
            return Err(CoreError::NotFound);
        }
        self.open_after_bot(&mut w, ctx.account_id(), &inboxes).await?;
        w.tx().delete_access_token(OWNER_BOT, id).await?;
        w.commit().await?;
        self.auth_cache.clear();
        self.inbox_bots.forget_all();
        Ok(())
    }

    /// `POST /agent_bots/{id}/reset_access_token`: a new token; the old one
    /// stops working at once.
    pub async fn reset_agent_bot_token(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        let b = w
            .tx()
            .get_agent_bot(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let token = random_token(24);
        let now = w.now;
        w.tx().set_access_token(OWNER_BOT, b.id, &token, now).await?;
        w.commit().await?;
        self.auth_cache.clear();
        Ok(bot_json(&b, Some(&token)))
    }

    /// `GET /agent_bots/{id}/deliveries?before=`: what was sent to the bot,
    /// newest first, with each attempt.
    pub async fn agent_bot_deliveries(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        id: i64,
        before: Option<i64>,
    ) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        tx.get_agent_bot(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        crate::webhooks::deliveries_page(
            &mut *tx,
            ctx.account_id(),
            switchboard_store::DeliveryOwner::AgentBot(id),
            before,
        )
        .await
    }

    /// `POST /inboxes/{id}/set_agent_bot {agent_bot: id | null}`.
    pub async fn set_inbox_agent_bot(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        inbox_id: i64,
        body: &Value,
    ) -> CoreResult<()> {
        ctx.require_admin()?;
        let bot = Params::new(body).i64("agent_bot")?;
        let mut w = Work::by(self, ctx).await?;
        w.tx().require_inbox(ctx.account_id(), inbox_id).await?;
        if let Some(b) = bot
            && w.tx().get_agent_bot(ctx.account_id(), b).await?.is_none()
        {
            return Err(CoreError::invalid("agent_bot", "The agent bot is not in this account"));
        }
        let now = w.now;
        let had = w.tx().inbox_agent_bot(inbox_id).await?.is_some();
        w.tx().set_inbox_agent_bot(ctx.account_id(), inbox_id, bot, now).await?;
        if had && bot.is_none() {
            self.open_after_bot(&mut w, ctx.account_id(), &[inbox_id]).await?;
        }
        w.commit().await?;
        self.inbox_bots.forget(inbox_id);
        Ok(())
    }

    /// `GET /inboxes/{id}/agent_bot`: `{agent_bot: {...} | null}`.
    pub async fn inbox_agent_bot(self: &Arc<Self>, ctx: &AccountCtx, inbox_id: i64) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        tx.require_inbox(ctx.account_id(), inbox_id).await?;
        let bot = tx.inbox_agent_bot(inbox_id).await?;
        // Chatwoot answers `{}` when the inbox has none.
        Ok(match bot {
            Some(b) => json!({ "agent_bot": bot_json(&b, None) }),
            None => json!({}),
        })
    }

    /// The bot owning an `api_access_token` in `account_id`.
    pub async fn authenticate_bot(self: &Arc<Self>, token: &str, account_id: i64) -> CoreResult<BotCtx> {
        let invalid = || CoreError::Unauthorized("Invalid Access Token".into());
        if token.is_empty() || token.len() > 256 {
            return Err(invalid());
        }
        let mut tx = self.store.read().await?;
        let (owner_type, owner_id) = tx.find_access_token(token).await?.ok_or_else(invalid)?;
        if owner_type != OWNER_BOT {
            return Err(invalid());
        }
        let bot = tx
            .get_agent_bot(account_id, owner_id)
            .await?
            .ok_or_else(|| CoreError::Unauthorized("You are not authorized to access this account".into()))?;
        let account = tx.require_account(account_id).await?;
        if account.status == switchboard_domain::AccountStatus::Suspended.code() {
            return Err(CoreError::Unauthorized("Account is suspended".into()));
        }
        Ok(BotCtx { bot })
    }

    /// A conversation the bot answers (its inbox's bot, or assigned to it),
    /// locked in `w`.
    async fn bot_conversation(&self, w: &mut Work, b: &BotCtx, display_id: i64) -> CoreResult<Conversation> {
        let conv = w.tx().require_locked_conversation(b.bot.account_id, display_id).await?;
        let answers = conv.assignee_agent_bot_id == Some(b.bot.id)
            || w.tx().agent_bot_inboxes(b.bot.id).await?.contains(&conv.inbox_id);
        if !answers {
            return Err(CoreError::NotFound);
        }
        Ok(conv)
    }

    /// `POST /conversations/{id}/messages` with a bot's token: an outgoing
    /// message (or a private note) from the bot.
    pub async fn create_bot_message(
        self: &Arc<Self>,
        b: &BotCtx,
        display_id: i64,
        req: crate::message_types::NewMessage,
    ) -> CoreResult<crate::message_types::MessageView> {
        {
            let mut w = Work::begin(self).await?;
            self.bot_conversation(&mut w, b, display_id).await?;
        }
        let input = crate::messages::message_input(req, false)?;
        if input.message_type == MessageType::Incoming {
            return Err(CoreError::invalid("message_type", "A bot sends outgoing messages"));
        }
        let item = crate::ingest::Item {
            account_id: b.bot.account_id,
            display_id,
            member_of: None,
            input,
            from: crate::ingest::From::Bot(b.bot.clone()),
            attachments: Vec::new(),
            cause: None,
        };
        let o = self.ingest(item).await?;
        Ok(self.message_view(&o.message, &o.sender, o.display_id, &o.attachments))
    }

    /// `POST /conversations/{id}/toggle_status` with a bot's token: `open`
    /// hands the conversation to people, `resolved` closes it, `pending`
    /// keeps it the bot's.
    pub async fn bot_toggle_status(
        self: &Arc<Self>,
        b: &BotCtx,
        display_id: i64,
        req: crate::conversation_types::StatusToggle,
    ) -> CoreResult<Value> {
        let mut w = Work::begin(self).await?;
        let before = self.bot_conversation(&mut w, b, display_id).await?;
        let target = switchboard_domain::rules::toggle_target(before.status(), req.status);
        let mut after = before.clone();
        after.status = target.code();
        after.snoozed_until = if target == ConversationStatus::Snoozed {
            req.snoozed_until
        } else {
            None
        };
        if target == ConversationStatus::Resolved {
            after.waiting_since = None;
        }
        // Handed over: the bot lets go of what was assigned to it.
        if target == ConversationStatus::Open {
            after.assignee_agent_bot_id = None;
        }
        let actor = Actor::bot(&b.bot);
        self.conversation_changed(&mut w, &before, &after, &actor, None, true)
            .await?;
        w.commit().await?;
        Ok(json!({
            "meta": {},
            "payload": {
                "success": true,
                "conversation_id": display_id,
                "current_status": target.as_str(),
                "snoozed_until": after.snoozed_until.map(unix_secs),
            }
        }))
    }
}

impl Core {
    /// A delivery to a bot was given up: the conversation it was about, if
    /// still waiting on the bot (pending), goes to people (open, so routing
    /// takes it), with an activity line saying why. `payload` is what was
    /// sent.
    pub(crate) async fn bot_did_not_answer(self: &Arc<Self>, account_id: i64, payload: &str) -> CoreResult<()> {
        let v: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
        // Messages name their conversation; a conversation's own events
        // (opened, resolved) leave nothing waiting on the bot.
        let Some(display_id) = v["conversation"]["id"].as_i64() else {
            return Ok(());
        };
        let mut w = Work::begin(self).await?;
        let Some(before) = w.tx().lock_conversation(account_id, display_id).await? else {
            return Ok(());
        };
        if before.status() != ConversationStatus::Pending {
            return Ok(());
        }
        let mut after = before.clone();
        after.status = ConversationStatus::Open.code();
        after.assignee_agent_bot_id = None;
        let actor = Actor {
            label: Some("the system, as the bot did not answer".into()),
            ..Actor::system()
        };
        self.conversation_changed(&mut w, &before, &after, &actor, None, true)
            .await?;
        w.commit().await
    }
}

impl Core {
    /// `POST /conversations/{id}/toggle_priority` with a bot's token.
    pub async fn bot_set_priority(
        self: &Arc<Self>,
        b: &BotCtx,
        display_id: i64,
        req: crate::conversation_types::PriorityChange,
    ) -> CoreResult<()> {
        self.bot_update_conversation(b, display_id, req).await.map(|_| ())
    }

    /// `PATCH /conversations/{id}` with a bot's token: its priority (an
    /// SLA policy is the account's people's to set); answers the conversation.
    pub async fn bot_update_conversation(
        self: &Arc<Self>,
        b: &BotCtx,
        display_id: i64,
        req: crate::conversation_types::PriorityChange,
    ) -> CoreResult<crate::conversation_view::ConversationView> {
        let mut w = Work::begin(self).await?;
        let before = self.bot_conversation(&mut w, b, display_id).await?;
        let mut after = before.clone();
        if let Some(p) = req.priority.into_change() {
            after.priority = p.map(|p| p.code());
        }
        self.conversation_changed(&mut w, &before, &after, &Actor::bot(&b.bot), None, true)
            .await?;
        let fresh = w.tx().require_conversation_by_id(after.id).await?;
        let v = views::conv_view(&self.channels, w.tx(), fresh).await?;
        w.commit().await?;
        Ok(v.rest())
    }

    /// `POST /conversations/{id}/custom_attributes` with a bot's token: what
    /// the bot learnt (an order number, a plan), replacing the
    /// conversation's attributes as a person's call does.
    pub async fn bot_set_custom_attributes(
        self: &Arc<Self>,
        b: &BotCtx,
        display_id: i64,
        req: crate::conversation_types::CustomAttributes,
    ) -> CoreResult<crate::conversation_types::CustomAttributesView> {
        let attrs = crate::conversations::custom_attributes_of(req)?;
        let mut w = Work::begin(self).await?;
        let before = self.bot_conversation(&mut w, b, display_id).await?;
        let mut after = before.clone();
        after.custom_attributes = Value::Object(attrs);
        self.conversation_changed(&mut w, &before, &after, &Actor::bot(&b.bot), None, false)
            .await?;
        w.commit().await?;
        Ok(crate::conversation_types::CustomAttributesView {
            custom_attributes: after.custom_attributes,
        })
    }

    /// `POST /conversations/{id}/assignments` with a bot's token: a handoff
    /// to an agent who may see the inbox (`assignee_id`) or to a team
    /// (`team_id`, which routing then assigns); the bot lets go of it.
    pub async fn bot_assign(
        self: &Arc<Self>,
        b: &BotCtx,
        display_id: i64,
        req: crate::conversation_types::Assignment,
    ) -> CoreResult<Value> {
        let mut w = Work::begin(self).await?;
        let before = self.bot_conversation(&mut w, b, display_id).await?;
        let mut after = before.clone();
        after.assignee_agent_bot_id = None;
        let account = b.bot.account_id;
        let result = if let Some(Some(uid)) = req.assignee_id.into_change() {
            let users = w.tx().list_account_users(account).await?;
            let (u, au) = users
                .iter()
                .find(|(u, _)| u.id == uid)
                .ok_or_else(|| CoreError::invalid("assignee_id", "Assignee is not an agent of this account"))?;
            if !au.is_admin() && !w.tx().is_inbox_member(before.inbox_id, u.id).await? {
                return Err(CoreError::invalid(
                    "assignee_id",
                    "Assignee is not a member of this inbox",
                ));
            }
            after.assignee_id = Some(u.id);
            present::agent(u, Some(au))
        } else if let Some(Some(tid)) = req.team_id.into_change() {
            let team = w
                .tx()
                .get_team(account, tid)
                .await?
                .ok_or_else(|| CoreError::invalid("team_id", "Team not found"))?;
            after.team_id = Some(team.id);
            present::team(&team, false)
        } else {
            return Err(CoreError::invalid("assignee_id", "assignee_id or team_id is required"));
        };
        // Handed over: people's now.
        if after.status() == ConversationStatus::Pending {
            after.status = ConversationStatus::Open.code();
        }
        self.conversation_changed(&mut w, &before, &after, &Actor::bot(&b.bot), None, true)
            .await?;
        w.commit().await?;
        Ok(result)
    }
}

/// An inbox lost its bot: the conversations left waiting on it (pending,
/// not given to a bot of their own) open for people, a hundred at a time,
/// each with an activity line. Stops if the inbox has a bot again.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct OpenAfterBot {
    pub account_id: i64,
    pub inbox_id: i64,
}

/// Conversations opened per run of [`OpenAfterBot`].
const OPEN_BATCH: i64 = 100;

impl crate::job::BackgroundJob for OpenAfterBot {
    const KIND: &'static str = "open_after_bot";

    fn unique_key(&self) -> Option<String> {
        Some(format!("open_after_bot:{}", self.inbox_id))
    }

    async fn run(self, core: Arc<Core>, _ctx: crate::job::JobContext) -> Result<(), JobFailure> {
        let waiting = {
            let mut tx = core.store.read().await?;
            if tx
                .inbox_agent_bot(self.inbox_id)
                .await?
                .is_some_and(|b| b.outgoing_url.is_some())
            {
                return Ok(());
            }
            let mut q = switchboard_store::ConversationQuery::new(self.account_id, 0);
            q.inbox_id = Some(self.inbox_id);
            q.statuses = Some(vec![ConversationStatus::Pending.code()]);
            q.limit = OPEN_BATCH;
            tx.list_conversations(&q).await?
        };
        let full = waiting.len() as i64 == OPEN_BATCH;
        let actor = Actor {
            label: Some("the system, as the inbox's bot was removed".into()),
            ..Actor::system()
        };
        for c in waiting {
            let mut w = Work::begin(&core).await?;
            let Some(before) = w.tx().lock_conversation_by_id(c.id).await? else {
                continue;
            };
            if before.account_id != self.account_id
                || before.status() != ConversationStatus::Pending
                || before.assignee_agent_bot_id.is_some()
            {
                continue;
            }
            let mut after = before.clone();
            after.status = ConversationStatus::Open.code();
            core.conversation_changed(&mut w, &before, &after, &actor, None, true)
                .await?;
            w.commit().await?;
        }
        if full {
            // More wait: the next hundred in a moment.
            return Err(JobFailure::Defer {
                reason: "more conversations to open".into(),
                after: Duration::from_millis(10),
            });
        }
        Ok(())
    }
}

impl Core {
    /// Queues [`OpenAfterBot`] for inboxes that lost their bot.
    async fn open_after_bot(&self, w: &mut Work, account_id: i64, inboxes: &[i64]) -> CoreResult<()> {
        let now = w.now;
        for &inbox_id in inboxes {
            let job = OpenAfterBot { account_id, inbox_id };
            w.job(crate::job::new_job(&job, now, 5, None)).await?;
        }
        Ok(())
    }
}

/// What an inbox's bot hears: the conversation's messages while it is the
/// bot's (pending, or assigned to the bot), except the bot's own new ones
/// and private notes (a change to its own, such as the customer's choice on
/// its buttons, it hears); and the conversation being opened (handed over)
/// or resolved; and a visitor opening the website widget
/// (`webwidget_triggered`), before any conversation.
pub struct AgentBotListener;

fn bot_event(kind: EventKind, data: &Value) -> Option<&'static str> {
    match kind {
        EventKind::MessageCreated => Some("message_created"),
        EventKind::MessageUpdated => Some("message_updated"),
        EventKind::ConversationStatusChanged => match data["status"].as_str() {
            Some("open") => Some("conversation_opened"),
            Some("resolved") => Some("conversation_resolved"),
            _ => None,
        },
        EventKind::WebwidgetTriggered => Some("webwidget_triggered"),
        _ => None,
    }
}

impl crate::listen::Listener for AgentBotListener {
    fn name(&self) -> &'static str {
        "agent_bot"
    }

    fn wants(&self, event: &Event) -> bool {
        // Bots hear what people (customers, agents) and channels did, not
        // what automation did: a rule's message never reaches a bot, so a
        // bot and a rule cannot answer each other without end (rules hear
        // bots only when they opt in to automation).
        let by_rules = event
            .cause
            .is_some_and(|c| c.kind == switchboard_domain::event::CauseKind::Automation || c.depth > 0);
        event.inbox_id.is_some()
            && !by_rules
            && bot_event(event.kind, &event.data).is_some()
            && !(event.kind == EventKind::MessageCreated && event.private)
    }

    fn quiet<'a>(
        &'a self,
        core: &'a Core,
        tx: &'a mut dyn Tx,
        events: &'a [&'a Event],
    ) -> BoxFuture<'a, CoreResult<Vec<bool>>> {
        // Only inboxes with a bot have anyone to tell (cached).
        Box::pin(async move {
            let mut out = Vec::with_capacity(events.len());
            for e in events {
                let bot = match e.inbox_id {
                    Some(i) => core.inbox_bot(tx, i).await?,
                    None => None,
                };
                // A conversation with its own bot (named in the event).
                let assigned = e
                    .data
                    .pointer("/conversation/assignee_agent_bot_id")
                    .and_then(Value::as_i64)
                    .or_else(|| {
                        (e.data.pointer("/meta/assignee_type").and_then(Value::as_str) == Some("AgentBot"))
                            .then(|| e.data.pointer("/meta/assignee/id").and_then(Value::as_i64))
                            .flatten()
                    });
                let bot = assigned.or(bot);
                // Its own messages are not told back to it (a change to one,
                // a customer's choice on its buttons, is).
                let own = matches!((bot, e.performer), (Some(b), Some(Performer::AgentBot(p))) if b == p)
                    && e.kind == EventKind::MessageCreated;
                out.push(bot.is_none() || own);
            }
            Ok(out)
        })
    }

    fn handle<'a>(&'a self, w: &'a mut Work, event: &'a StoredEvent) -> BoxFuture<'a, Result<(), JobFailure>> {
        Box::pin(async move {
            tell_bot(w, event).await?;
            Ok(())
        })
    }
}

/// `webwidget_triggered` (a visitor opened the widget, before any
/// conversation): the inbox's bot hears it in the webhook's shape, so it
/// can greet first.
async fn tell_bot_widget(w: &mut Work, event: &StoredEvent, inbox_id: i64) -> CoreResult<()> {
    let Some(bot) = w.tx().inbox_agent_bot(inbox_id).await? else {
        return Ok(());
    };
    let Some(url) = bot.outgoing_url.clone() else {
        return Ok(());
    };
    let (Some(contact_id), Some(ci_id)) = (event.contact_id, event.data["contact_inbox_id"].as_i64()) else {
        return Ok(());
    };
    if bot.account_id != event.account_id {
        return Ok(());
    }
    let core = w.core().clone();
    let tx = w.tx();
    let (Some(inbox), Some(account), Some(contact)) = (
        tx.get_inbox(event.account_id, inbox_id).await?,
        tx.get_account(event.account_id).await?,
        tx.get_contact(event.account_id, contact_id).await?,
    ) else {
        return Ok(());
    };
    let current = match event.data["current_conversation_id"].as_i64() {
        Some(id) => match tx.get_conversation_by_id(id).await? {
            Some(c) if c.account_id == event.account_id => views::conv_view(&core.channels, tx, c).await?.push(),
            _ => Value::Null,
        },
        None => Value::Null,
    };
    let payload = serde_json::json!({
        "event": "webwidget_triggered",
        "id": ci_id,
        "contact": present::contact_webhook(&contact, &account),
        "inbox": { "id": inbox.id, "name": inbox.name },
        "account": { "id": account.id, "name": account.name },
        "current_conversation": current,
        "source_id": event.data["source_id"],
        "event_info": event.data["event_info"],
    });
    to_bot(w, event.account_id, bot.id, url, "webwidget_triggered", &payload).await
}

/// Queues a delivery to a bot's `outgoing_url` (signed with its secret,
/// listed in its log).
async fn to_bot(
    w: &mut Work,
    account_id: i64,
    bot_id: i64,
    url: String,
    event: &str,
    payload: &Value,
) -> CoreResult<()> {
    w.delivery(NewDelivery {
        account_id,
        webhook_id: None,
        inbox_id: None,
        message_id: None,
        automation_rule_id: None,
        agent_bot_id: Some(bot_id),
        delivery_uuid: uuid::Uuid::new_v4().to_string(),
        event: event.to_string(),
        url,
        payload: payload.to_string(),
    })
    .await
}

async fn tell_bot(w: &mut Work, event: &StoredEvent) -> CoreResult<()> {
    if let (Some(EventKind::WebwidgetTriggered), Some(inbox_id)) = (event.kind(), event.inbox_id) {
        return tell_bot_widget(w, event, inbox_id).await;
    }
    let (Some(kind), Some(inbox_id), Some(conversation_id)) = (event.kind(), event.inbox_id, event.conversation_id)
    else {
        return Ok(());
    };
    let Some(name) = bot_event(kind, &event.data) else {
        return Ok(());
    };
    let Some(conv) = w.tx().get_conversation_by_id(conversation_id).await? else {
        return Ok(());
    };
    // The conversation's own bot, else the inbox's.
    let bot = match conv.assignee_agent_bot_id {
        Some(id) => w.tx().get_agent_bot(conv.account_id, id).await?,
        None => w.tx().inbox_agent_bot(inbox_id).await?,
    };
    let Some(bot) = bot else {
        return Ok(());
    };
    let Some(url) = bot.outgoing_url.clone() else {
        return Ok(());
    };
    if conv.account_id != event.account_id || bot.account_id != event.account_id {
        return Ok(());
    }
    let core = w.core().clone();
    let tx = w.tx();
    let Some(inbox) = tx.get_inbox(conv.account_id, inbox_id).await? else {
        return Ok(());
    };
    let Some(account) = tx.get_account(conv.account_id).await? else {
        return Ok(());
    };
    let view = views::conv_view(&core.channels, tx, conv.clone()).await?;
    let payload = if matches!(kind, EventKind::MessageCreated | EventKind::MessageUpdated) {
        // Messages while the conversation is the bot's, never its own.
        let bots_turn = conv.status() == ConversationStatus::Pending || conv.assignee_agent_bot_id == Some(bot.id);
        let Some(id) = event.data["id"].as_i64() else {
            return Ok(());
        };
        let Some(m) = tx.get_message(conv.id, id).await? else {
            return Ok(());
        };
        // Its own messages: not when created, and changed only when the
        // customer answered them (not each delivery receipt).
        let own = m.sender_type.as_deref() == Some("AgentBot")
            && m.sender_id == Some(bot.id)
            && (kind == EventKind::MessageCreated || m.content_attributes["submitted_values"].is_null());
        if !bots_turn || own || m.private || m.message_type() == MessageType::Activity {
            return Ok(());
        }
        let sender = views::senders(tx, conv.account_id, std::slice::from_ref(&m))
            .await?
            .pop()
            .unwrap_or(present::Sender::None);
        present::message_webhook(name, &m, &sender, &view, &inbox, &account)
    } else {
        present::conversation_webhook(name, &view, &account, &inbox, None)
    };
    to_bot(w, conv.account_id, bot.id, url, name, &payload).await
}
