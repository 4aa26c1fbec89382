//! `/cable`: the ActionCable endpoint, and how its subscriptions are checked
//! against the system of record.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
use switchboard_core::Core;
use switchboard_core::auth::ct_eq;
use switchboard_domain::Availability;
use switchboard_realtime::{AgentAvailability, Authorizer, Principal, cable::PROTOCOL};

use crate::AppState;
use crate::client_ip::{ClientIp, limit_key};
use crate::error::ApiError;

/// Resolves RoomChannel identifiers: agents by user id + pubsub token +
/// account membership, contacts by a contact inbox's pubsub token (that
/// session's conversations, or the contact's when the session is verified).
pub struct CoreAuthorizer(pub Arc<Core>);

#[async_trait]
impl Authorizer for CoreAuthorizer {
    async fn agent(&self, pubsub_token: &str, account_id: i64, user_id: i64) -> Option<Principal> {
        let mut tx = self.0.store.read().await.ok()?;
        let user = tx.get_user(user_id).await.ok()??;
        if !ct_eq(&user.pubsub_token, pubsub_token) {
            return None;
        }
        let au = tx.get_account_user(account_id, user_id).await.ok()??;
        let inboxes: HashSet<i64> = if au.is_admin() {
            HashSet::new()
        } else {
            tx.user_inbox_ids(account_id, user_id).await.ok()?.into_iter().collect()
        };
        Some(Principal::Agent {
            account_id,
            user_id,
            admin: au.is_admin(),
            inboxes,
        })
    }

    async fn contact(&self, pubsub_token: &str) -> Option<Principal> {
        let mut tx = self.0.store.read().await.ok()?;
        let ci = tx.find_contact_inbox_by_pubsub(pubsub_token).await.ok()??;
        let verified = ci.hmac_verified && {
            let contact = tx.get_contact(ci.account_id, ci.contact_id).await.ok()??;
            switchboard_core::public::verified_for(&ci, &contact)
        };
        Some(Principal::Contact {
            account_id: ci.account_id,
            contact_id: ci.contact_id,
            inbox_id: ci.inbox_id,
            contact_inbox_id: ci.id,
            verified,
        })
    }

    async fn availability(&self, account_id: i64) -> Vec<AgentAvailability> {
        let Ok(mut tx) = self.0.store.read().await else {
            return Vec::new();
        };
        let Ok(users) = tx.list_account_users(account_id).await else {
            return Vec::new();
        };
        users
            .into_iter()
            .map(|(u, au)| AgentAvailability {
                user_id: u.id,
                availability: Availability::from_code(au.availability)
                    .unwrap_or(Availability::Offline)
                    .as_str()
                    .to_string(),
                auto_offline: au.auto_offline,
            })
            .collect()
    }

    async fn agent_arrived(&self, account_id: i64, _user_id: i64) {
        // They may take waiting conversations now.
        self.0.route_soon(account_id).await;
    }
}

/// The hub's presence, as routing asks for it.
pub struct HubPresence(pub Arc<switchboard_realtime::Hub>);

impl switchboard_core::routing::PresenceSource for HubPresence {
    fn seen(
        &self,
        account_id: i64,
        within: std::time::Duration,
    ) -> futures_util::future::BoxFuture<'_, Vec<(i64, std::time::Duration)>> {
        Box::pin(self.0.users_seen(account_id, within))
    }

    fn window(&self) -> std::time::Duration {
        switchboard_realtime::presence::PRESENCE_WINDOW
    }
}

/// Opens a socket, unless the client address already holds its share
/// (`429`): each socket is a descriptor and a task for as long as it lives.
pub async fn upgrade(
    State(st): State<Arc<AppState>>,
    ClientIp(client): ClientIp,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let Some(slot) = st.websockets.try_acquire(Some(limit_key(client))) else {
        return Err(ApiError::Core(switchboard_core::CoreError::TooManyRequests(
            "Too many open sockets from this address".into(),
        )));
    };
    let limits = st.socket_limits;
    let hub = st.hub.clone();
    let auth: Arc<dyn Authorizer> = Arc::new(CoreAuthorizer(st.core.clone()));
    let shutdown = st.shutdown.clone();
    Ok(ws
        .protocols([PROTOCOL])
        .max_message_size(limits.max_frame)
        .max_frame_size(limits.max_frame)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |socket| async move {
            switchboard_realtime::socket::serve(socket, hub, auth, limits, shutdown).await;
            drop(slot);
        }))
}

/// Keeps the hub in step with committed events: routes them to sockets,
/// re-resolves memberships after `account.cache_invalidated`, closes the
/// sockets of users whose credentials changed. With a backplane, events
/// committed here go to the other nodes and theirs come here; local sockets
/// never wait on Redis (what cannot be published at once is dropped and
/// counted), and when the backplane reports that events may have been
/// missed, local sockets are asked to reconnect and catch up.
pub async fn fan_out(
    core: Arc<Core>,
    hub: Arc<switchboard_realtime::Hub>,
    backplane: Option<Arc<switchboard_realtime::backplane::RedisBackplane>>,
) {
    use switchboard_realtime::backplane::Remote;
    use tokio::sync::broadcast::error::RecvError;
    let mut local = core.subscribe();
    let mut remote = backplane.as_ref().map(|b| b.subscribe());
    // One publisher keeps the order of events towards the other nodes.
    let outbound = backplane.map(|b| {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Arc<switchboard_domain::Event>>(8192);
        let publisher = b.clone();
        tokio::spawn(async move {
            while let Some(e) = rx.recv().await {
                publisher.publish(&e).await;
            }
        });
        (tx, b)
    });
    // The queue-full warning is logged once per episode, not per event.
    let mut queue_full = false;
    loop {
        tokio::select! {
            r = local.recv() => match r {
                Ok(event) => {
                    handle(&core, &hub, &event).await;
                    if let Some((tx, b)) = &outbound {
                        if tx.try_send(event).is_ok() {
                            queue_full = false;
                        } else {
                            b.dropped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if !queue_full {
                                queue_full = true;
                                tracing::warn!("backplane queue full: other nodes miss events; their clients catch up over HTTP");
                            }
                        }
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "real-time fan-out fell behind; clients catch up over HTTP");
                }
                Err(RecvError::Closed) => return,
            },
            Some(r) = async {
                match remote.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => match r {
                Remote::Event(event) => handle(&core, &hub, &event).await,
                Remote::CatchUp => hub.ask_to_catch_up(),
            },
        }
    }
}

async fn handle(core: &Arc<Core>, hub: &switchboard_realtime::Hub, event: &switchboard_domain::Event) {
    use switchboard_domain::EventKind;
    match event.kind {
        EventKind::SessionsRevoked => {
            if let Some(user) = event.data.get("user_id").and_then(serde_json::Value::as_i64) {
                hub.revoke_user(user);
            }
        }
        EventKind::AccountCacheInvalidated => {
            refresh_account(core, hub, event.account_id).await;
            hub.dispatch(event);
        }
        EventKind::PresenceUpdate => {
            let auth = CoreAuthorizer(core.clone());
            let mut e = event.clone();
            e.data = switchboard_realtime::socket::presence_data(hub, &auth, event.account_id, true).await;
            hub.dispatch(&e);
        }
        _ => hub.dispatch(event),
    }
}

async fn refresh_account(core: &Arc<Core>, hub: &switchboard_realtime::Hub, account_id: i64) {
    let Ok(mut tx) = core.store.read().await else { return };
    for user_id in hub.agents_of(account_id) {
        match tx.get_account_user(account_id, user_id).await {
            Ok(Some(au)) => {
                let inboxes: HashSet<i64> = if au.is_admin() {
                    HashSet::new()
                } else {
                    tx.user_inbox_ids(account_id, user_id)
                        .await
                        .unwrap_or_default()
                        .into_iter()
                        .collect()
                };
                hub.refresh_agent(account_id, user_id, au.is_admin(), inboxes);
            }
            Ok(None) => hub.revoke_user(user_id),
            Err(e) => tracing::warn!(error = %e, "refreshing real-time memberships"),
        }
    }
}
