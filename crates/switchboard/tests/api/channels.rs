//! The channel descriptors: what each registered platform asks of a new
//! inbox, served to the dashboard.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::both;

use crate::helpers::TestApp;

fn field<'a>(channel: &'a Value, name: &str) -> &'a Value {
    channel["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|x| x["name"] == name))
        .unwrap_or_else(|| panic!("field {name} in {channel}"))
}

async fn descriptors_describe_every_channel(app: TestApp) {
    let v = app.ok(Method::GET, &app.acc("/channels"), None).await;
    let list = v["payload"].as_array().expect("a list");
    let by = |name: &str| {
        list.iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {v}"))
    };
    let tg = by("telegram");
    assert_eq!(tg["channel_type"], "Channel::Telegram");
    assert_eq!(tg["label"], "Telegram");
    let token = field(tg, "bot_token");
    assert_eq!(token["type"], "secret");
    assert_eq!(token["secret"], true);
    assert_eq!(token["required"], true);
    assert_eq!(token["create_only"], true);
    let wa = by("whatsapp");
    assert_eq!(field(wa, "provider_config.api_key")["secret"], true);
    assert_eq!(field(wa, "provider_config.webhook_verify_token")["required"], false);
    // What to do next on Meta's side, found in the created inbox's JSON.
    assert_eq!(wa["ready"]["shown"][0]["pointer"], "/callback_webhook_url");
    assert_eq!(wa["ready"]["shown"][2]["kind"], "count");
    assert!(tg["ready"]["text"].as_str().unwrap().contains("{bot_username}"));
    let mail = by("email");
    assert_eq!(field(mail, "email")["type"], "email");
    assert_eq!(field(mail, "imap_port")["default"], 993);
    assert_eq!(field(mail, "imap_enabled")["default"], false);
    assert_eq!(field(mail, "imap_password")["secret"], true);
    assert_eq!(
        field(mail, "smtp_openssl_verify_mode")["options"],
        serde_json::json!(["none", "peer", "client_once", "fail_if_no_peer_cert"])
    );
    // Built-in channels have their own forms; every listed one has a name,
    // a label and fields.
    assert!(list.iter().all(|c| c["name"] != "api" && c["name"] != "web_widget"));
    assert!(list.iter().all(|c| c["label"].is_string() && c["fields"].is_array()));

    // Administrators make inboxes; agents are not given the forms.
    let (_, agent_token) = app.agent("Dan", "dan@acme.test", "agent").await;
    let (s, _) = app.call(Method::GET, &app.acc("/channels"), &agent_token, None).await;
    assert!(s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN, "{s}");
    app.stop().await;
}
both!(descriptors_describe_every_channel);
