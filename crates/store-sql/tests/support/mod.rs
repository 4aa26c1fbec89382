//! What the storage conformance suites share: a fresh store per backend,
//! the `conformance!` macro that runs a test on both, and a seeded account.
#![allow(dead_code)]

use std::sync::Arc;

use serde_json::json;
use switchboard_domain::{ContentType, MessageStatus, MessageType};
use switchboard_store::{Contact, ContactInbox, Conversation, Inbox, NewMessage, NewUser, Store};
use switchboard_store_sql::{ConnectOptions, connect};

pub struct Fixture {
    pub store: Arc<dyn Store>,
    _dir: Option<TempDir>,
}

pub struct TempDir(pub std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn sqlite() -> Fixture {
    let dir = std::env::temp_dir().join(format!("sb-conf-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/c.db", dir.display());
    Fixture {
        store: connect(&url, &ConnectOptions::default()).await.unwrap(),
        _dir: Some(TempDir(dir)),
    }
}

pub async fn postgres() -> Option<Fixture> {
    let base = match std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(
                std::env::var("CI").map(|v| v != "true" && v != "1").unwrap_or(true),
                "CI requires SWITCHBOARD_TEST_POSTGRES_URL"
            );
            return None;
        }
    };
    let schema = format!("c_{}", uuid::Uuid::new_v4().simple());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    Some(Fixture {
        store: connect(&url, &ConnectOptions::default()).await.unwrap(),
        _dir: None,
    })
}

macro_rules! conformance {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::sqlite().await.store).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(f) = super::postgres().await {
                    super::$name(f.store).await;
                }
            }
        }
    };
}

/// An account with an inbox, a contact and a conversation.
pub async fn seed(store: &Arc<dyn Store>) -> (i64, Inbox, Contact, Conversation) {
    let mut tx = store.write().await.unwrap();
    let acc = tx.insert_account("A", "en", 1).await.unwrap();
    let inbox = tx
        .insert_inbox(&Inbox {
            id: 0,
            account_id: acc.id,
            name: "api".into(),
            channel_type: 0,
            channel_key: uuid::Uuid::new_v4().to_string(),
            hmac_token: uuid::Uuid::new_v4().to_string(),
            secret: "s".into(),
            webhook_url: None,
            settings: json!({}),
            channel_config: json!({}),
            created_at: 1,
            updated_at: 1,
        })
        .await
        .unwrap();
    let contact = tx
        .insert_contact(&Contact {
            id: 0,
            account_id: acc.id,
            name: "C".into(),
            email: Some("c@x.io".into()),
            phone_number: None,
            identifier: None,
            avatar_url: None,
            blocked: false,
            contact_type: 0,
            additional_attributes: json!({}),
            custom_attributes: json!({}),
            last_activity_at: None,
            created_at: 1,
            updated_at: 1,
        })
        .await
        .unwrap();
    let ci = tx
        .insert_contact_inbox(&ContactInbox {
            id: 0,
            account_id: acc.id,
            contact_id: contact.id,
            inbox_id: inbox.id,
            source_id: "src".into(),
            hmac_verified: false,
            pubsub_token: uuid::Uuid::new_v4().to_string(),
            created_at: 1,
            updated_at: 1,
        })
        .await
        .unwrap()
        .unwrap();
    let display_id = tx.next_display_id(acc.id).await.unwrap();
    let conv = tx
        .insert_conversation(&Conversation {
            id: 0,
            account_id: acc.id,
            inbox_id: inbox.id,
            display_id,
            uuid: uuid::Uuid::new_v4().to_string(),
            status: 0,
            priority: None,
            assignee_id: None,
            assignee_agent_bot_id: None,
            team_id: None,
            contact_id: contact.id,
            contact_inbox_id: ci.id,
            muted: false,
            additional_attributes: json!({}),
            custom_attributes: json!({"k": "v"}),
            snoozed_until: None,
            waiting_since: None,
            first_reply_created_at: None,
            last_activity_at: 1,
            agent_last_seen_at: None,
            assignee_last_seen_at: None,
            contact_last_seen_at: None,
            created_at: 1,
            updated_at: 1,
            assigned_at: None,
            sla_policy_id: None,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (acc.id, inbox, contact, conv)
}

pub fn message(conv: &Conversation, source: Option<&str>) -> NewMessage {
    NewMessage {
        account_id: conv.account_id,
        inbox_id: conv.inbox_id,
        conversation_id: conv.id,
        message_type: MessageType::Incoming,
        content: Some("hi".into()),
        content_type: ContentType::Text,
        content_attributes: json!({}),
        additional_attributes: json!({}),
        private: false,
        status: MessageStatus::Sent,
        source_id: source.map(str::to_string),
        echo_id: None,
        sender_type: None,
        sender_id: None,
        created_at: 5,
    }
}

/// A confirmed user with this e-mail and pubsub token.
pub fn new_user(email: &str, token: &str) -> NewUser {
    NewUser {
        name: "U".into(),
        display_name: None,
        email: email.into(),
        password_hash: "h".into(),
        pubsub_token: token.into(),
        confirmed: true,
    }
}
