//! A raw ActionCable client for tests.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::TestApp;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Cable {
    ws: Ws,
    /// Every event this socket received, in order.
    pub seen: Vec<(String, Value)>,
}

impl Cable {
    pub async fn connect(app: &TestApp) -> Cable {
        let url = format!("{}/cable", app.base.replace("http://", "ws://"));
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "actioncable-v1-json, actioncable-unsupported".parse().unwrap(),
        );
        let (ws, resp) = tokio_tungstenite::connect_async(req).await.expect("connect /cable");
        assert_eq!(resp.headers()["sec-websocket-protocol"], "actioncable-v1-json");
        let mut c = Cable { ws, seen: Vec::new() };
        let first = c.frame(Duration::from_secs(5)).await.expect("welcome");
        assert_eq!(first, json!({ "type": "welcome" }));
        c
    }

    /// The next frame of any kind.
    pub async fn frame(&mut self, wait: Duration) -> Option<Value> {
        loop {
            match tokio::time::timeout(wait, self.ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => {
                    let f: Value = serde_json::from_str(&t).expect("json frame");
                    if let Some(m) = f.get("message").filter(|m| m.is_object()) {
                        self.seen
                            .push((m["event"].as_str().unwrap_or("").to_string(), m["data"].clone()));
                    }
                    return Some(f);
                }
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return None,
                Ok(Some(Ok(_))) => continue,
                Err(_) => return None,
            }
        }
    }

    pub async fn send(&mut self, v: Value) {
        self.ws.send(Message::Text(v.to_string().into())).await.expect("send");
    }

    /// Sends; false when the server already closed the connection.
    pub async fn try_send(&mut self, v: Value) -> bool {
        self.ws.send(Message::Text(v.to_string().into())).await.is_ok()
    }

    pub async fn subscribe(&mut self, identifier: &Value) -> &'static str {
        let id = identifier.to_string();
        self.send(json!({ "command": "subscribe", "identifier": id })).await;
        loop {
            let f = self.frame(Duration::from_secs(5)).await.expect("subscription answer");
            if f["identifier"] == id.as_str() {
                return match f["type"].as_str() {
                    Some("confirm_subscription") => "confirm",
                    Some("reject_subscription") => "reject",
                    _ => continue,
                };
            }
        }
    }

    /// Event frames (pings skipped) for `wait`.
    pub async fn events(&mut self, wait: Duration) -> Vec<(String, Value)> {
        let until = tokio::time::Instant::now() + wait;
        let mut out = Vec::new();
        loop {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return out;
            }
            match self.frame(left).await {
                Some(f) if f.get("message").is_some() => {
                    out.push((
                        f["message"]["event"].as_str().unwrap_or("").to_string(),
                        f["message"]["data"].clone(),
                    ));
                }
                Some(_) => continue,
                None => return out,
            }
        }
    }

    /// Whether the server told this socket to go (a `disconnect` frame) or
    /// closed it within about ten seconds.
    pub async fn closed_by_server(&mut self) -> bool {
        for _ in 0..5 {
            match self.frame(Duration::from_secs(2)).await {
                Some(f) if f["type"] == "disconnect" => return true,
                None => return true,
                Some(_) => {}
            }
        }
        false
    }

    /// Waits for one event named `name`.
    pub async fn expect(&mut self, name: &str) -> Value {
        let until = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            let f = self.frame(left).await.unwrap_or_else(|| panic!("no {name} event"));
            if f["message"]["event"] == name {
                return f["message"]["data"].clone();
            }
        }
    }
}

pub async fn agent_identifier(app: &TestApp, token: &str) -> Value {
    let p = app.call(Method::GET, "/api/v1/profile", token, None).await.1;
    json!({ "channel": "RoomChannel", "pubsub_token": p["pubsub_token"], "account_id": app.account_id, "user_id": p["id"] })
}

pub async fn contact_identifier(app: &TestApp, inbox_id: i64, source_id: &str) -> Value {
    let mut tx = app.core().store.read().await.unwrap();
    let ci = tx.find_contact_inbox(inbox_id, source_id).await.unwrap().unwrap();
    json!({ "channel": "RoomChannel", "pubsub_token": ci.pubsub_token })
}
