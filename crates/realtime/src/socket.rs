//! One `/cable` connection: welcome, pings, subscribe / unsubscribe /
//! actions, and the frames the hub queues for it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc, watch};

use crate::cable::{self, Command};
use crate::hub::Sub;
use crate::{Authorizer, Hub, Principal, SocketLimits};

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Serves one upgraded socket until the client leaves, misbehaves, falls
/// behind, is revoked, or the server shuts down.
pub async fn serve(
    ws: WebSocket,
    hub: Arc<Hub>,
    auth: Arc<dyn Authorizer>,
    limits: SocketLimits,
    mut shutdown: watch::Receiver<bool>,
) {
    let socket = hub.next_socket_id();
    let (mut sink, mut stream) = ws.split();
    let (out, mut queue) = mpsc::channel::<String>(limits.queue);
    let kill = Arc::new(Notify::new());
    let mut subs: HashMap<String, Principal> = HashMap::new();
    let mut ping = tokio::time::interval(limits.ping_every);
    ping.tick().await;
    let mut catch_up = hub.catch_up.subscribe();
    // Set when this socket's client should reconnect and catch up.
    let mut leave_at: Option<tokio::time::Instant> = None;
    if sink.send(Message::Text(cable::welcome().into())).await.is_err() {
        return;
    }
    let reason = loop {
        tokio::select! {
            incoming = stream.next() => {
                let text = match incoming {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_))) | None => break None,
                    Some(Ok(_)) => continue,
                    // Oversize frames and protocol errors end the connection.
                    Some(Err(_)) => break Some("invalid_request"),
                };
                if text.len() > limits.max_frame {
                    break Some("invalid_request");
                }
                let Some(cmd) = cable::parse_command(&text) else { continue };
                let replies = handle(cmd, socket, &hub, &auth, &limits, &out, &kill, &mut subs).await;
                let mut failed = false;
                for r in replies {
                    if sink.send(Message::Text(r.into())).await.is_err() {
                        failed = true;
                        break;
                    }
                }
                if failed {
                    break None;
                }
            }
            frame = queue.recv() => {
                let Some(frame) = frame else { break None };
                // Everything already queued goes out in one flush.
                let mut failed = sink.feed(Message::Text(frame.into())).await.is_err();
                while !failed && let Ok(more) = queue.try_recv() {
                    failed = sink.feed(Message::Text(more.into())).await.is_err();
                }
                if failed || sink.flush().await.is_err() {
                    break None;
                }
            }
            _ = ping.tick() => {
                if sink.send(Message::Text(cable::ping(now_secs()).into())).await.is_err() {
                    break None;
                }
            }
            _ = kill.notified() => break Some("unauthorized"),
            Ok(()) = catch_up.changed(), if leave_at.is_none() => {
                let spread = crate::hub::CATCH_UP_SPREAD.as_millis() as u64;
                let jitter = std::time::Duration::from_millis(crate::backplane::rand_u64() % spread.max(1));
                leave_at = Some(tokio::time::Instant::now() + jitter);
            }
            _ = async {
                match leave_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {
                // Events may have been missed: both clients catch up over
                // HTTP when they subscribe again after a drop.
                hub.caught_up.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                break Some("server_restart");
            }
            _ = shutdown.changed() => break Some("server_restart"),
        }
    };
    hub.remove(socket, None);
    if let Some(reason) = reason {
        let reconnect = reason != "unauthorized";
        let _ = sink
            .send(Message::Text(cable::disconnect(reason, reconnect).into()))
            .await;
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code: 1000,
                reason: Utf8Bytes::from_static(""),
            })))
            .await;
    }
}

#[allow(clippy::too_many_arguments)]
async fn handle(
    cmd: Command,
    socket: u64,
    hub: &Arc<Hub>,
    auth: &Arc<dyn Authorizer>,
    limits: &SocketLimits,
    out: &mpsc::Sender<String>,
    kill: &Arc<Notify>,
    subs: &mut HashMap<String, Principal>,
) -> Vec<String> {
    match cmd {
        Command::Subscribe { identifier } => {
            if subs.contains_key(&identifier) {
                return vec![cable::confirm(&identifier)];
            }
            if subs.len() >= limits.max_subscriptions {
                return vec![cable::reject(&identifier)];
            }
            let Some(room) = cable::parse_identifier(&identifier) else {
                return vec![cable::reject(&identifier)];
            };
            let principal = match (room.account_id, room.user_id) {
                (Some(account), Some(user)) => auth.agent(&room.pubsub_token, account, user).await,
                _ => auth.contact(&room.pubsub_token).await,
            };
            let Some(principal) = principal else {
                return vec![cable::reject(&identifier)];
            };
            if hub.touch(&principal).await
                && let Principal::Agent {
                    account_id, user_id, ..
                } = &principal
            {
                auth.agent_arrived(*account_id, *user_id).await;
            }
            let literal = serde_json::to_string(&identifier).unwrap_or_default();
            hub.add(Arc::new(Sub {
                socket,
                identifier: identifier.clone(),
                identifier_literal: literal,
                principal: principal.clone(),
                out: out.clone(),
                kill: kill.clone(),
            }));
            subs.insert(identifier.clone(), principal);
            vec![cable::confirm(&identifier)]
        }
        Command::Unsubscribe { identifier } => {
            if subs.remove(&identifier).is_some() {
                hub.remove(socket, Some(&identifier));
            }
            Vec::new()
        }
        Command::Message { identifier, data } => {
            let Some(principal) = subs.get(&identifier) else {
                return Vec::new();
            };
            match data.get("action").and_then(Value::as_str) {
                Some("update_presence") => {
                    if hub.touch(principal).await
                        && let Principal::Agent {
                            account_id, user_id, ..
                        } = principal
                    {
                        auth.agent_arrived(*account_id, *user_id).await;
                    }
                    let body = presence_body(hub, auth, principal).await;
                    let literal = serde_json::to_string(&identifier).unwrap_or_default();
                    vec![cable::message_frame(&literal, &body)]
                }
                _ => Vec::new(),
            }
        }
    }
}

/// `presence.update`: the account's agents who are online (seen within the
/// window, or not going offline automatically) with their availability,
/// and for agents the online contacts.
async fn presence_body(hub: &Hub, auth: &Arc<dyn Authorizer>, p: &Principal) -> String {
    let data = presence_data(hub, auth.as_ref(), p.account_id(), matches!(p, Principal::Agent { .. })).await;
    cable::event_body("presence.update", &data)
}

/// The presence map of an account: `{account_id, users: {id: availability}, contacts: {id: "online"}}`.
pub async fn presence_data(hub: &Hub, auth: &dyn Authorizer, account_id: i64, with_contacts: bool) -> Value {
    let online = hub.online_users(account_id).await;
    let mut users = serde_json::Map::new();
    for a in auth.availability(account_id).await {
        if (online.contains(&a.user_id) || !a.auto_offline) && a.availability != "offline" {
            users.insert(a.user_id.to_string(), json!(a.availability));
        }
    }
    let mut contacts = serde_json::Map::new();
    if with_contacts {
        for c in hub.online_contacts(account_id).await {
            contacts.insert(c.to_string(), json!("online"));
        }
    }
    json!({ "account_id": account_id, "users": users, "contacts": contacts })
}
