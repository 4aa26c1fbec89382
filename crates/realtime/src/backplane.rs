//! Several nodes as one server: every node publishes the events it commits
//! to a Redis channel and dispatches what the other nodes publish, and
//! presence lives in Redis sorted sets scored by the time last seen. Redis
//! carries only what may be lost; the database stays the record.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use serde::{Deserialize, Serialize};
use switchboard_domain::Event;
use tokio::sync::mpsc;

use crate::presence::PRESENCE_WINDOW;

#[derive(Serialize, Deserialize)]
struct Envelope {
    node: String,
    event: Event,
}

pub struct RedisBackplane {
    client: redis::Client,
    conn: MultiplexedConnection,
    namespace: String,
    node: String,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl RedisBackplane {
    pub async fn connect(url: &str, namespace: &str) -> Result<Arc<Self>, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let conn = client.get_multiplexed_async_connection().await?;
        let node = format!("{:x}{:x}", now_ms(), rand_u64());
        Ok(Arc::new(RedisBackplane {
            client,
            conn,
            namespace: namespace.to_string(),
            node,
        }))
    }

    fn channel(&self) -> String {
        format!("{}:events", self.namespace)
    }

    /// Sends a committed event to the other nodes (best effort).
    pub async fn publish(&self, event: &Event) {
        let Ok(payload) = serde_json::to_string(&Envelope {
            node: self.node.clone(),
            event: event.clone(),
        }) else {
            return;
        };
        let mut conn = self.conn.clone();
        if let Err(e) = conn.publish::<_, _, ()>(self.channel(), payload).await {
            tracing::warn!(error = %e, "publishing to the backplane");
        }
    }

    /// Events the other nodes publish, for as long as the receiver lives;
    /// the subscription reconnects with backoff.
    pub fn subscribe(self: &Arc<Self>) -> mpsc::Receiver<Event> {
        let (tx, rx) = mpsc::channel(4096);
        let me = self.clone();
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(100);
            loop {
                match me.client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        if pubsub.subscribe(me.channel()).await.is_ok() {
                            delay = Duration::from_millis(100);
                            let mut stream = pubsub.on_message();
                            while let Some(msg) = stream.next().await {
                                let Ok(payload) = msg.get_payload::<String>() else {
                                    continue;
                                };
                                let Ok(env) = serde_json::from_str::<Envelope>(&payload) else {
                                    continue;
                                };
                                if env.node == me.node {
                                    continue;
                                }
                                if tx.send(env.event).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "backplane subscription"),
                }
                if tx.is_closed() {
                    return;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        });
        rx
    }

    fn key(&self, account_id: i64, what: &str) -> String {
        format!("{}:presence:{account_id}:{what}", self.namespace)
    }

    pub async fn touch(&self, account_id: i64, what: &str, id: i64) {
        let mut conn = self.conn.clone();
        let key = self.key(account_id, what);
        let now = now_ms();
        let window = PRESENCE_WINDOW.as_millis() as i64;
        let r: Result<(), redis::RedisError> = async {
            conn.zadd::<_, _, _, ()>(&key, id, now).await?;
            conn.zrembyscore::<_, _, _, ()>(&key, "-inf", now - window).await?;
            conn.expire::<_, ()>(&key, 3600).await?;
            Ok(())
        }
        .await;
        if let Err(e) = r {
            tracing::warn!(error = %e, "presence in Redis");
        }
    }

    pub async fn online(&self, account_id: i64, what: &str) -> Vec<i64> {
        let mut conn = self.conn.clone();
        let since = now_ms() - PRESENCE_WINDOW.as_millis() as i64;
        conn.zrangebyscore::<_, _, _, Vec<i64>>(self.key(account_id, what), since, "+inf")
            .await
            .unwrap_or_default()
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}
