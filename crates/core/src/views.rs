//! Loading what the presenters need, in batches (no N+1 over a page).

use std::collections::HashMap;

use switchboard_domain::ChannelType;

use crate::channels::Channels;
use switchboard_domain::rules::UNREAD_CAP;
use switchboard_store::{Conversation, Message, Tx, User};

use crate::CoreResult;
use crate::conversation_view::ConversationView;
use crate::present::{ConvView, Sender};

impl crate::Core {
    /// Conversations in the REST shape, each last message with its
    /// attachments (so a list shows "a picture" rather than nothing): one
    /// more query for the page.
    pub(crate) async fn conversation_views(
        &self,
        tx: &mut dyn Tx,
        views: &[ConvView],
    ) -> CoreResult<Vec<ConversationView>> {
        let last_ids: Vec<i64> = views
            .iter()
            .filter_map(|v| v.last_message.as_ref().map(|(m, _)| m.id))
            .collect();
        let atts = if last_ids.is_empty() {
            Vec::new()
        } else {
            tx.attachments_for(&last_ids).await?
        };
        Ok(views
            .iter()
            .map(|v| {
                let mut view = v.rest();
                if !atts.is_empty() {
                    for m in view
                        .messages
                        .iter_mut()
                        .chain(view.last_non_activity_message.iter_mut())
                    {
                        self.with_attachments(m, &atts);
                    }
                }
                view
            })
            .collect())
    }
}

pub async fn conv_views(
    channels: &Channels,
    tx: &mut dyn Tx,
    account_id: i64,
    convs: Vec<Conversation>,
) -> CoreResult<Vec<ConvView>> {
    if convs.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = convs.iter().map(|c| c.id).collect();
    let mut contact_ids: Vec<i64> = convs.iter().map(|c| c.contact_id).collect();
    contact_ids.sort_unstable();
    contact_ids.dedup();
    let inboxes = tx.list_inboxes(account_id, None).await?;
    let contacts = tx.get_contacts(account_id, &contact_ids).await?;
    let cis = tx.list_contact_inboxes(&contact_ids).await?;
    let users = tx.list_account_users(account_id).await?;
    let teams = if convs.iter().any(|c| c.team_id.is_some()) {
        tx.list_teams(account_id).await?
    } else {
        Vec::new()
    };
    let labels = tx.conversation_labels(&ids).await?;
    let mut bots: Vec<switchboard_store::AgentBot> = Vec::new();
    for id in convs.iter().filter_map(|c| c.assignee_agent_bot_id) {
        if !bots.iter().any(|b| b.id == id)
            && let Some(b) = tx.get_agent_bot(account_id, id).await?
        {
            bots.push(b);
        }
    }
    let mut slas = crate::sla::views_of(tx, account_id, &convs).await?;
    let lasts = tx.last_messages(&ids).await?;
    let seen: Vec<(i64, Option<i64>)> = convs.iter().map(|c| (c.id, c.agent_last_seen_at)).collect();
    let unread: HashMap<i64, i64> = tx.unread_counts(&seen, UNREAD_CAP).await?.into_iter().collect();
    let mut label_map: HashMap<i64, Vec<String>> = HashMap::new();
    for (cid, l) in labels {
        label_map.entry(cid).or_default().push(l);
    }
    let mut out = Vec::with_capacity(convs.len());
    for conv in convs {
        let Some(contact) = contacts.iter().find(|c| c.id == conv.contact_id).cloned() else {
            continue;
        };
        let Some(ci) = cis.iter().find(|ci| ci.id == conv.contact_inbox_id).cloned() else {
            continue;
        };
        let channel = inboxes
            .iter()
            .find(|i| i.id == conv.inbox_id)
            .map(|i| i.channel())
            .unwrap_or(ChannelType::API);
        let assignee = conv
            .assignee_id
            .and_then(|a| users.iter().find(|(u, _)| u.id == a))
            .map(|(u, au)| (u.clone(), Some(au.clone())));
        let team = conv.team_id.and_then(|t| teams.iter().find(|x| x.id == t)).cloned();
        let last_message = lasts.iter().find(|m| m.conversation_id == conv.id).map(|m| {
            let sender = sender_from(
                m,
                &users.iter().map(|(u, _)| u.clone()).collect::<Vec<_>>(),
                Some(&contact),
            );
            (m.clone(), sender)
        });
        // A channel's reply window (WhatsApp's 24 hours).
        let can_reply = crate::channels::reply_allowed(channels, tx, channel, conv.id).await?;
        let bot = conv
            .assignee_agent_bot_id
            .and_then(|id| bots.iter().find(|b| b.id == id))
            .cloned();
        out.push(ConvView {
            sla: slas.remove(&conv.id),
            bot,
            can_reply,
            unread_count: unread.get(&conv.id).copied().unwrap_or(0),
            labels: label_map.remove(&conv.id).unwrap_or_default(),
            inbox_channel: crate::present::class_name(channels, channel),
            contact,
            contact_inbox: ci,
            assignee,
            team,
            last_message,
            conv,
        });
    }
    Ok(out)
}

/// The last chat message of a view: already known, or to be loaded.
pub enum Last {
    Given(Box<(Message, Sender)>),
    Load,
}

/// One conversation's view with targeted queries (3 to 6, fewer when the
/// caller already has the channel, the contact or the last message).
pub async fn single(
    channels: &Channels,
    tx: &mut dyn Tx,
    conv: Conversation,
    channel: Option<ChannelType>,
    contact: Option<switchboard_store::Contact>,
    last: Last,
) -> CoreResult<ConvView> {
    let account_id = conv.account_id;
    let channel = match channel {
        Some(c) => c,
        None => tx
            .get_inbox(account_id, conv.inbox_id)
            .await?
            .map(|i| i.channel())
            .unwrap_or(ChannelType::API),
    };
    let contact = match contact {
        Some(c) => c,
        None => tx
            .get_contact(account_id, conv.contact_id)
            .await?
            .ok_or(crate::CoreError::NotFound)?,
    };
    let contact_inbox = tx
        .get_contact_inbox(conv.contact_inbox_id)
        .await?
        .ok_or(crate::CoreError::NotFound)?;
    let bot = match conv.assignee_agent_bot_id {
        Some(id) => tx.get_agent_bot(account_id, id).await?,
        None => None,
    };
    let assignee = match conv.assignee_id {
        Some(id) => match tx.get_user(id).await? {
            Some(u) => {
                let au = tx.get_account_user(account_id, id).await?;
                Some((u, au))
            }
            None => None,
        },
        None => None,
    };
    let team = match conv.team_id {
        Some(id) => tx.get_team(account_id, id).await?,
        None => None,
    };
    let labels = tx
        .conversation_labels(&[conv.id])
        .await?
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    let unread_count = tx
        .unread_counts(&[(conv.id, conv.agent_last_seen_at)], UNREAD_CAP)
        .await?
        .first()
        .map(|(_, n)| *n)
        .unwrap_or(0);
    let last_message = match last {
        Last::Given(given) => Some(*given),
        Last::Load => match tx.last_messages(&[conv.id]).await?.pop() {
            Some(m) => {
                let s = senders(tx, account_id, std::slice::from_ref(&m))
                    .await?
                    .pop()
                    .unwrap_or(Sender::None);
                Some((m, s))
            }
            None => None,
        },
    };
    let can_reply = crate::channels::reply_allowed(channels, tx, channel, conv.id).await?;
    let sla = crate::sla::views_of(tx, account_id, std::slice::from_ref(&conv))
        .await?
        .remove(&conv.id);
    Ok(ConvView {
        sla,
        can_reply,
        conv,
        inbox_channel: crate::present::class_name(channels, channel),
        contact,
        contact_inbox,
        assignee,
        bot,
        team,
        labels,
        last_message,
        unread_count,
    })
}

pub async fn conv_view(channels: &Channels, tx: &mut dyn Tx, conv: Conversation) -> CoreResult<ConvView> {
    single(channels, tx, conv, None, None, Last::Load).await
}

fn sender_from(m: &Message, users: &[User], contact: Option<&switchboard_store::Contact>) -> Sender {
    match (m.sender_type.as_deref(), m.sender_id) {
        (Some("User"), Some(id)) => users
            .iter()
            .find(|u| u.id == id)
            .cloned()
            .map(Sender::User)
            .unwrap_or(Sender::None),
        (Some("Contact"), Some(id)) => contact
            .filter(|c| c.id == id)
            .cloned()
            .map(Sender::Contact)
            .unwrap_or(Sender::None),
        _ => Sender::None,
    }
}

/// Senders of a batch of messages, in order.
pub async fn senders(tx: &mut dyn Tx, account_id: i64, msgs: &[Message]) -> CoreResult<Vec<Sender>> {
    let mut user_ids: Vec<i64> = msgs
        .iter()
        .filter(|m| m.sender_type.as_deref() == Some("User"))
        .filter_map(|m| m.sender_id)
        .collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let mut contact_ids: Vec<i64> = msgs
        .iter()
        .filter(|m| m.sender_type.as_deref() == Some("Contact"))
        .filter_map(|m| m.sender_id)
        .collect();
    contact_ids.sort_unstable();
    contact_ids.dedup();
    let users = tx.users_in_account(account_id, &user_ids).await?;
    let contacts = tx.get_contacts(account_id, &contact_ids).await?;
    let mut bots: Vec<switchboard_store::AgentBot> = Vec::new();
    for id in msgs
        .iter()
        .filter(|m| m.sender_type.as_deref() == Some("AgentBot"))
        .filter_map(|m| m.sender_id)
    {
        if !bots.iter().any(|b| b.id == id)
            && let Some(b) = tx.get_agent_bot(account_id, id).await?
        {
            bots.push(b);
        }
    }
    Ok(msgs
        .iter()
        .map(|m| match (m.sender_type.as_deref(), m.sender_id) {
            (Some("User"), Some(id)) => users
                .iter()
                .find(|u| u.id == id)
                .cloned()
                .map(Sender::User)
                .unwrap_or(Sender::None),
            (Some("Contact"), Some(id)) => contacts
                .iter()
                .find(|c| c.id == id)
                .cloned()
                .map(Sender::Contact)
                .unwrap_or(Sender::None),
            (Some("AgentBot"), Some(id)) => bots
                .iter()
                .find(|b| b.id == id)
                .cloned()
                .map(Sender::Bot)
                .unwrap_or(Sender::None),
            _ => Sender::None,
        })
        .collect())
}
