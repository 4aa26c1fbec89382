//! WhatsApp through Meta's Cloud API. The inbox keeps the business number
//! (`phone_number`, its channel key), `phone_number_id`,
//! `business_account_id`, the access token (`api_key`), the app secret that
//! signs webhooks and the verify token of the subscription handshake.
//! Webhooks arrive at `/webhooks/whatsapp/{number}`; every POST carries
//! `X-Hub-Signature-256` over the raw body. Message source ids are wamids;
//! the contact's is its `wa_id`, its phone `+wa_id`.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::future::BoxFuture;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use switchboard_channel::{
    Channel, ChannelError, Choice, ContactRef, Created, Fetched, Field, FieldKind, Host, Inbound, InboundMessage,
    InboxRef, Limits, MediaRef, NewInbox, Outgoing, Params, Periodic, Ready, SendError, Shown, TaskDone, ct_eq,
    random_token,
};
use switchboard_domain::MessageStatus;

pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// Media the Cloud API lets us download (its largest document size).
const MAX_DOWNLOAD: usize = 100 * 1024 * 1024;
/// Replies are free-form only this long after the customer's last message.
pub const SERVICE_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// How often templates are read again (approvals change on Meta's side).
const TEMPLATE_SYNC_INTERVAL: Duration = Duration::from_secs(6 * 3600);
/// The stored job kind of the template refresh.
pub const TEMPLATE_SYNC: &str = "whatsapp_templates";
/// The Graph API version this speaks.
pub const DEFAULT_API_URL: &str = "https://graph.facebook.com/v21.0";

/// The WhatsApp Cloud API channel, calling the Graph API at `api_url`.
pub struct WhatsApp {
    api_url: String,
}

impl WhatsApp {
    pub fn new(api_url: impl Into<String>) -> Self {
        WhatsApp {
            api_url: api_url.into().trim_end_matches('/').to_string(),
        }
    }

    /// The business account's message templates (all statuses), as Meta
    /// lists them; used to check the token when the inbox is created and to
    /// keep the inbox's `message_templates` current.
    async fn fetch_templates(
        &self,
        host: &dyn Host,
        api_key: &str,
        business_account_id: &str,
    ) -> Result<Vec<Value>, ChannelError> {
        let url = format!("{}/{business_account_id}/message_templates?limit=250", self.api_url);
        let r = host
            .http()
            .get(url)
            .bearer_auth(api_key)
            .send()
            .await
            .map_err(|e| ChannelError::invalid("provider_config", format!("WhatsApp could not be asked: {e}")))?;
        let body = answer(r).await.map_err(|e| {
            ChannelError::invalid(
                "provider_config",
                format!("WhatsApp refused the credentials: {}", e.reason()),
            )
        })?;
        Ok(body.get("data").and_then(Value::as_array).cloned().unwrap_or_default())
    }

    /// The inbox's templates read again from its business account, as the
    /// settings to keep (with when they were read).
    async fn templates_of(&self, host: &dyn Host, inbox: InboxRef<'_>) -> Result<Map<String, Value>, ChannelError> {
        let (Some(key), Some(waba)) = (cfg(&inbox, "api_key"), cfg(&inbox, "business_account_id")) else {
            return Err(ChannelError::invalid(
                "provider_config",
                "The inbox has no WhatsApp credentials",
            ));
        };
        let templates = self.fetch_templates(host, key, waba).await?;
        Ok(templates_config(templates))
    }
}

fn templates_config(templates: Vec<Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("message_templates".into(), json!(templates));
    m.insert(
        "message_templates_last_updated".into(),
        json!(switchboard_domain::time::now_micros() / 1_000_000),
    );
    m
}

fn cfg<'a>(inbox: &InboxRef<'a>, key: &str) -> Option<&'a str> {
    inbox
        .config
        .get("provider_config")
        .and_then(|p| p.get(key))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `sha256=<hex HMAC-SHA256(app secret, body)>`, as Meta signs webhooks.
pub fn signature(app_secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(app_secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A Graph API error as a send error: rate limits and server trouble are
/// retried, the rest (outside the 24-hour window, undeliverable, bad token)
/// fail with Meta's words.
fn classify(status: u16, body: &Value) -> SendError {
    let e = body.get("error").unwrap_or(&Value::Null);
    let code = e.get("code").and_then(Value::as_i64).unwrap_or(0);
    let mut reason = e
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {status}"));
    if let Some(details) = e.pointer("/error_data/details").and_then(Value::as_str) {
        reason = format!("{reason}: {details}");
    }
    if code != 0 {
        reason = format!("({code}) {reason}");
    }
    match (status, code) {
        // Throughput, pair rate and spam-rate limits, temporary errors.
        (_, 4 | 80007 | 130429 | 131048 | 131056 | 131000 | 131016 | 2) => SendError::Retry { reason, after: None },
        (429 | 500..=599 | 0, _) => SendError::Retry { reason, after: None },
        _ => SendError::Permanent(reason),
    }
}

async fn answer(r: reqwest::Response) -> Result<Value, SendError> {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(body);
    }
    Err(classify(status, &body))
}

fn unreachable(e: reqwest::Error) -> SendError {
    SendError::Retry {
        reason: format!("WhatsApp unreachable: {e}"),
        after: None,
    }
}

/// Digits only (Meta's `wa_id` form).
pub fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

fn media_of(m: &Value, kind: &str) -> Option<MediaRef> {
    let v = m.get(kind)?;
    Some(MediaRef {
        file_ref: v.get("id")?.as_str()?.to_string(),
        file_name: v.get("filename").and_then(Value::as_str).map(str::to_string),
        mime: v.get("mime_type").and_then(Value::as_str).map(str::to_string),
    })
}

/// What our option buttons and list rows carry back (`sb:<option>`).
const CHOICE_PREFIX: &str = "sb:";
/// WhatsApp's limits: reply buttons, their titles, list rows, row titles,
/// an interactive message's text.
const MAX_BUTTONS: usize = 3;
const MAX_BUTTON_TITLE: usize = 20;
const MAX_ROWS: usize = 10;
const MAX_ROW_TITLE: usize = 24;
const MAX_INTERACTIVE_TEXT: usize = 1024;

/// A reply to one of our interactive messages: the option picked on which
/// message.
fn choice_of(m: &Value) -> Option<Inbound> {
    let i = m.get("interactive")?;
    let id = i
        .pointer("/button_reply/id")
        .or_else(|| i.pointer("/list_reply/id"))
        .and_then(Value::as_str)?;
    let index = id
        .strip_prefix(CHOICE_PREFIX)?
        .parse::<usize>()
        .ok()
        .filter(|n| *n < 100)?;
    Some(Inbound::Choice {
        external_id: m.pointer("/context/id")?.as_str()?.to_string(),
        sender_id: m.get("from")?.as_str()?.to_string(),
        index,
        ack: None,
    })
}

/// A message with options: reply buttons (up to 3) or a list (up to 10),
/// within WhatsApp's lengths; `None` when the text is too long for one.
fn interactive_body(text: &str, choices: &[Choice]) -> Option<Value> {
    if text.is_empty() || text.chars().count() > MAX_INTERACTIVE_TEXT || choices.len() > MAX_ROWS {
        return None;
    }
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let interactive = if choices.len() <= MAX_BUTTONS {
        json!({
            "type": "button",
            "body": { "text": text },
            "action": { "buttons": choices.iter().enumerate().map(|(n, c)| json!({
                "type": "reply",
                "reply": { "id": format!("{CHOICE_PREFIX}{n}"), "title": cut(&c.title, MAX_BUTTON_TITLE) },
            })).collect::<Vec<_>>() },
        })
    } else {
        json!({
            "type": "list",
            "body": { "text": text },
            "action": {
                "button": "Choose",
                "sections": [{ "rows": choices.iter().enumerate().map(|(n, c)| json!({
                    "id": format!("{CHOICE_PREFIX}{n}"),
                    "title": cut(&c.title, MAX_ROW_TITLE),
                })).collect::<Vec<_>>() }],
            },
        })
    };
    Some(json!({ "type": "interactive", "interactive": interactive }))
}

fn message_of(m: &Value, names: &HashMap<String, String>) -> Option<InboundMessage> {
    let from = m.get("from")?.as_str()?.to_string();
    let id = m.get("id")?.as_str()?.to_string();
    let kind = m.get("type").and_then(Value::as_str).unwrap_or("unsupported");
    let content: Option<String>;
    let mut content_attributes = json!({});
    let mut media = Vec::new();
    match kind {
        "text" => content = m.pointer("/text/body").and_then(Value::as_str).map(str::to_string),
        "image" | "video" | "audio" | "document" | "sticker" => {
            media.extend(media_of(m, kind));
            content = m
                .get(kind)
                .and_then(|v| v.get("caption"))
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        "location" => {
            let l = m.get("location").cloned().unwrap_or(Value::Null);
            let (lat, lon) = (l.get("latitude").cloned(), l.get("longitude").cloned());
            let label = [l.get("name"), l.get("address")]
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            content = Some(match (&lat, &lon) {
                (Some(a), Some(b)) if label.is_empty() => format!("Location: {a}, {b}"),
                (Some(a), Some(b)) => format!("Location: {label} ({a}, {b})"),
                _ => "Location".into(),
            });
            content_attributes["location"] = l;
        }
        "contacts" => {
            let cards = m.get("contacts").cloned().unwrap_or(json!([]));
            let names: Vec<String> = cards
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let name = c.pointer("/name/formatted_name").and_then(Value::as_str).unwrap_or("");
                    let phone = c.pointer("/phones/0/phone").and_then(Value::as_str).unwrap_or("");
                    format!("{name} {phone}").trim().to_string()
                })
                .collect();
            content = Some(format!("Contact: {}", names.join("; ")));
            content_attributes["contacts"] = cards;
        }
        "interactive" => {
            let i = m.get("interactive").cloned().unwrap_or(Value::Null);
            let reply = i.get("button_reply").or_else(|| i.get("list_reply")).cloned();
            content = reply
                .as_ref()
                .and_then(|r| r.get("title"))
                .and_then(Value::as_str)
                .map(str::to_string);
            content_attributes["interactive"] = i;
        }
        "button" => {
            content = m.pointer("/button/text").and_then(Value::as_str).map(str::to_string);
            content_attributes["button"] = m.get("button").cloned().unwrap_or(Value::Null);
        }
        "reaction" => {
            let emoji = m.pointer("/reaction/emoji").and_then(Value::as_str).unwrap_or("");
            content = Some(if emoji.is_empty() {
                "Removed a reaction".to_string()
            } else {
                format!("Reacted {emoji}")
            });
            content_attributes["reaction"] = m.get("reaction").cloned().unwrap_or(Value::Null);
        }
        _ => {
            content = Some("This message type is not supported here".into());
            content_attributes["unsupported"] = json!(kind);
            if let Some(e) = m.get("errors") {
                content_attributes["errors"] = e.clone();
            }
        }
    }
    let reply_to = m
        .pointer("/context/id")
        .or_else(|| m.pointer("/reaction/message_id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    Some(InboundMessage {
        external_id: id,
        name: names.get(&from).cloned().unwrap_or_else(|| format!("+{from}")),
        phone: Some(format!("+{from}")),
        sender_id: from,
        contact_attributes: json!({}),
        content,
        content_attributes,
        media,
        reply_to,
    })
}

/// The events of one webhook POST for `phone_number_id` (changes for other
/// numbers and other fields are left out).
pub fn parse_webhook(v: &Value, phone_number_id: &str) -> Vec<Inbound> {
    let mut out = Vec::new();
    for entry in v.get("entry").and_then(Value::as_array).into_iter().flatten() {
        for change in entry.get("changes").and_then(Value::as_array).into_iter().flatten() {
            if change.get("field").and_then(Value::as_str) != Some("messages") {
                continue;
            }
            let value = change.get("value").unwrap_or(&Value::Null);
            let number = value.pointer("/metadata/phone_number_id").and_then(Value::as_str);
            if number.is_some_and(|n| n != phone_number_id) {
                continue;
            }
            let names: HashMap<String, String> = value
                .get("contacts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| {
                    Some((
                        c.get("wa_id")?.as_str()?.to_string(),
                        c.pointer("/profile/name")?.as_str()?.to_string(),
                    ))
                })
                .collect();
            for m in value.get("messages").and_then(Value::as_array).into_iter().flatten() {
                if let Some(msg) = message_of(m, &names) {
                    out.push(Inbound::Message(msg));
                }
                // A tap on one of our options: the reply shows in the chat
                // (the message above) and answers the message it names.
                if let Some(c) = choice_of(m) {
                    out.push(c);
                }
            }
            for s in value.get("statuses").and_then(Value::as_array).into_iter().flatten() {
                let (Some(id), Some(status)) = (
                    s.get("id").and_then(Value::as_str),
                    s.get("status").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let status = match status {
                    "sent" => MessageStatus::Sent,
                    "delivered" => MessageStatus::Delivered,
                    "read" => MessageStatus::Read,
                    "failed" => MessageStatus::Failed,
                    _ => continue,
                };
                let error = s.pointer("/errors/0").map(|e| {
                    let code = e.get("code").and_then(Value::as_i64).unwrap_or(0);
                    let text = e
                        .pointer("/error_data/details")
                        .or_else(|| e.get("message"))
                        .or_else(|| e.get("title"))
                        .and_then(Value::as_str)
                        .unwrap_or("failed");
                    format!("({code}) {text}")
                });
                out.push(Inbound::Status {
                    external_id: id.to_string(),
                    status,
                    error,
                });
            }
        }
    }
    out
}

/// The body of a template message: `{name, language, processed_params}`
/// (Chatwoot's `template_params`) as the Cloud API's `template` object.
pub fn template_body(params: &Value) -> Option<Value> {
    let name = params.get("name")?.as_str()?;
    let language = params.get("language").and_then(Value::as_str).unwrap_or("en_US");
    let mut values: Vec<(String, String)> = params
        .get("processed_params")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    values.sort_by_key(|(k, _)| k.parse::<u32>().unwrap_or(u32::MAX));
    let mut t = json!({ "name": name, "language": { "code": language } });
    if !values.is_empty() {
        t["components"] = json!([{
            "type": "body",
            "parameters": values.iter().map(|(_, v)| json!({ "type": "text", "text": v })).collect::<Vec<_>>(),
        }]);
    }
    Some(t)
}

/// The settings a WhatsApp inbox is made with (Chatwoot's names).
static FIELDS: &[Field] = &[
    Field {
        kind: FieldKind::Phone,
        required: true,
        create_only: true,
        ..Field::text("phone_number", "Phone number")
    },
    Field {
        required: true,
        create_only: true,
        ..Field::text("provider_config.phone_number_id", "Phone number ID")
    },
    Field {
        required: true,
        create_only: true,
        ..Field::text("provider_config.business_account_id", "WhatsApp Business Account ID")
    },
    Field {
        kind: FieldKind::Secret,
        help: "A system user's permanent token with whatsapp_business_messaging.",
        required: true,
        create_only: true,
        ..Field::text("provider_config.api_key", "Access token")
    },
    Field {
        kind: FieldKind::Secret,
        required: true,
        create_only: true,
        ..Field::text("provider_config.app_secret", "App secret")
    },
    Field {
        help: "What Meta sends to confirm the webhook; made up for you when left empty.",
        create_only: true,
        ..Field::text("provider_config.webhook_verify_token", "Webhook verify token")
    },
];

static PERIODIC: &[Periodic] = &[Periodic {
    kind: TEMPLATE_SYNC,
    every: TEMPLATE_SYNC_INTERVAL,
    wanted: |_| true,
}];

impl Channel for WhatsApp {
    fn name(&self) -> &'static str {
        "whatsapp"
    }

    fn code(&self) -> i16 {
        4
    }

    fn class_name(&self) -> &'static str {
        "Channel::Whatsapp"
    }

    fn label(&self) -> &'static str {
        "WhatsApp"
    }

    fn description(&self) -> &'static str {
        "A business number on the WhatsApp Cloud API."
    }

    fn fields(&self) -> &[Field] {
        FIELDS
    }

    fn ready(&self) -> Ready {
        Ready {
            text: "In Meta's app settings, subscribe the webhook with this callback URL and verify token.",
            shown: &[
                Shown {
                    name: "callback",
                    label: "Callback URL",
                    pointer: "/callback_webhook_url",
                    count: false,
                },
                Shown {
                    name: "verify",
                    label: "Verify token",
                    pointer: "/provider_config/webhook_verify_token",
                    count: false,
                },
                Shown {
                    name: "templates",
                    label: "Message templates synced",
                    pointer: "/message_templates",
                    count: true,
                },
            ],
        }
    }

    /// Meta's default throughput is 80 messages a second per number.
    fn limits(&self) -> Limits {
        Limits {
            per_inbox: Some((80.0, 80.0)),
            per_destination: None,
        }
    }

    /// The number in the path, digits only.
    fn webhook_key(&self, key: &str) -> String {
        digits(key)
    }

    fn verify(&self, inbox: InboxRef<'_>, headers: &HashMap<String, String>, body: &[u8]) -> bool {
        let (Some(secret), Some(got)) = (cfg(&inbox, "app_secret"), headers.get(SIGNATURE_HEADER)) else {
            return false;
        };
        ct_eq(&signature(secret, body), got.trim())
    }

    fn parse(&self, inbox: InboxRef<'_>, body: &[u8]) -> Result<Vec<Inbound>, ChannelError> {
        let v: Value =
            serde_json::from_slice(body).map_err(|_| ChannelError::invalid("body", "The webhook is not JSON"))?;
        Ok(parse_webhook(&v, cfg(&inbox, "phone_number_id").unwrap_or("")))
    }

    /// Meta's subscription handshake (`hub.mode=subscribe`,
    /// `hub.verify_token`, `hub.challenge`): the challenge back when the
    /// token is the inbox's.
    fn handshake(&self, inbox: InboxRef<'_>, query: &HashMap<String, String>) -> Result<String, ChannelError> {
        let q = |k: &str| query.get(k).map(String::as_str).unwrap_or("");
        let (mode, token, challenge) = (q("hub.mode"), q("hub.verify_token"), q("hub.challenge"));
        let expected = cfg(&inbox, "webhook_verify_token").unwrap_or("");
        if mode == "subscribe" && !expected.is_empty() && ct_eq(token, expected) && challenge.len() <= 256 {
            Ok(challenge.to_string())
        } else {
            Err(ChannelError::Forbidden)
        }
    }

    fn create<'a>(
        &'a self,
        host: &'a dyn Host,
        _new: NewInbox<'a>,
        input: &'a Value,
    ) -> BoxFuture<'a, Result<Created, ChannelError>> {
        Box::pin(async move {
            let cp = Params::new(input);
            let number = digits(&cp.req_str("phone_number")?);
            if !(6..=16).contains(&number.len()) {
                return Err(ChannelError::invalid(
                    "phone_number",
                    "phone_number is not a phone number",
                ));
            }
            let provider = cp.str("provider")?.unwrap_or_else(|| "whatsapp_cloud".into());
            if provider != "whatsapp_cloud" {
                return Err(ChannelError::invalid(
                    "provider",
                    "Only the WhatsApp Cloud API (whatsapp_cloud) is available",
                ));
            }
            let pc = input
                .get("provider_config")
                .filter(|p| p.is_object())
                .ok_or_else(|| ChannelError::invalid("provider_config", "provider_config can't be blank"))?;
            let pp = Params::new(pc);
            let api_key = pp.req_str("api_key")?;
            let phone_number_id = pp.req_str("phone_number_id")?;
            let business_account_id = pp.req_str("business_account_id")?;
            let app_secret = pp.req_str("app_secret")?;
            for (k, v) in [
                ("phone_number_id", &phone_number_id),
                ("business_account_id", &business_account_id),
            ] {
                if v.is_empty() || v.len() > 64 || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ChannelError::invalid(k, format!("{k} must be Meta's numeric id")));
                }
            }
            let verify = pp
                .str("webhook_verify_token")?
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| random_token(24));
            if host
                .key_taken(self.code(), &number)
                .await
                .map_err(|e| ChannelError::invalid("phone_number", e))?
            {
                return Err(ChannelError::invalid(
                    "phone_number",
                    "This number is already connected to an inbox",
                ));
            }
            // Listing the templates checks the credentials, and keeps them.
            let templates = self.fetch_templates(host, &api_key, &business_account_id).await?;
            let mut config = Map::new();
            config.insert("phone_number".into(), json!(format!("+{number}")));
            config.insert("provider".into(), json!("whatsapp_cloud"));
            config.insert(
                "provider_config".into(),
                json!({
                    "api_key": api_key,
                    "phone_number_id": phone_number_id,
                    "business_account_id": business_account_id,
                    "app_secret": app_secret,
                    "webhook_verify_token": verify,
                }),
            );
            config.extend(templates_config(templates));
            Ok(Created {
                key: Some(number),
                config,
            })
        })
    }

    fn present(&self, inbox: InboxRef<'_>, public_url: &str, admin: bool, obj: &mut Map<String, Value>) {
        let c = inbox.config;
        let get_or = |k: &str, d: Value| c.get(k).cloned().unwrap_or(d);
        obj.insert("phone_number".into(), get_or("phone_number", json!("")));
        obj.insert("provider".into(), get_or("provider", json!("whatsapp_cloud")));
        obj.insert("message_templates".into(), get_or("message_templates", json!([])));
        obj.insert(
            "message_templates_last_updated".into(),
            get_or("message_templates_last_updated", Value::Null),
        );
        if admin {
            // What the administrator enters in Meta's console; the access
            // token and the app secret are never shown back.
            let pc = c.get("provider_config").cloned().unwrap_or(json!({}));
            obj.insert(
                "provider_config".into(),
                json!({
                    "phone_number_id": pc.get("phone_number_id"),
                    "business_account_id": pc.get("business_account_id"),
                    "webhook_verify_token": pc.get("webhook_verify_token"),
                }),
            );
            obj.insert(
                "callback_webhook_url".into(),
                json!(format!("{public_url}/webhooks/whatsapp/{}", inbox.key)),
            );
        }
    }

    /// Free-form replies only within 24 hours of the customer's last message.
    fn can_reply(&self, last_incoming_at: Option<i64>, now: i64) -> bool {
        let window = SERVICE_WINDOW.as_micros() as i64;
        last_incoming_at.is_some_and(|t| now - t < window)
    }

    /// A template may open a chat with anyone who has a phone number.
    fn starts_chats(&self) -> bool {
        true
    }

    fn window_closed(&self) -> &'static str {
        "More than 24 hours have passed since the customer's last message: send an approved template (template_params)"
    }

    /// The contact's phone, digits only (Meta's `wa_id`).
    fn default_source_id(&self, contact: ContactRef<'_>) -> Option<String> {
        contact.phone.map(digits)
    }

    fn periodic(&self) -> &[Periodic] {
        PERIODIC
    }

    /// The scheduled refresh of one inbox's templates (a failure keeps the
    /// templates it had; the next refresh tries again).
    fn run_periodic<'a>(
        &'a self,
        _kind: &'a str,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
    ) -> BoxFuture<'a, Result<TaskDone, String>> {
        Box::pin(async move {
            match self.templates_of(host, inbox).await {
                Ok(config) => Ok(TaskDone {
                    taken: 0,
                    config: Some(config),
                }),
                Err(e) => {
                    tracing::warn!(inbox = inbox.id, error = %e, "refreshing WhatsApp templates failed");
                    Ok(TaskDone::default())
                }
            }
        })
    }

    /// `POST /inboxes/{id}/sync_templates`: the templates read again.
    fn sync<'a>(
        &'a self,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
    ) -> BoxFuture<'a, Result<Map<String, Value>, ChannelError>> {
        Box::pin(self.templates_of(host, inbox))
    }

    fn fetch_media<'a>(
        &'a self,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
        media: &'a MediaRef,
    ) -> BoxFuture<'a, Fetched> {
        Box::pin(async move {
            let key = cfg(&inbox, "api_key").ok_or("the inbox has no access token")?;
            let url = format!("{}/{}", self.api_url, media.file_ref);
            let r = host
                .http()
                .get(url)
                .bearer_auth(key)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let info = answer(r).await.map_err(|e| format!("{e:?}"))?;
            let link = info
                .get("url")
                .and_then(Value::as_str)
                .ok_or("Meta named no media URL")?;
            // The download needs the same token.
            let r = host
                .http()
                .get(link)
                .bearer_auth(key)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !r.status().is_success() {
                return Err(format!("downloading the media: HTTP {}", r.status().as_u16()));
            }
            let bytes = r.bytes().await.map_err(|e| e.to_string())?;
            if bytes.len() > MAX_DOWNLOAD {
                return Err("the media is too large".into());
            }
            Ok((bytes.to_vec(), media.file_name.clone()))
        })
    }

    fn max_choices(&self) -> usize {
        MAX_ROWS
    }

    fn send<'a>(
        &'a self,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
        out: &'a Outgoing,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        Box::pin(async move {
            let key =
                cfg(&inbox, "api_key").ok_or_else(|| SendError::Permanent("the inbox has no access token".into()))?;
            let number = cfg(&inbox, "phone_number_id")
                .ok_or_else(|| SendError::Permanent("the inbox has no phone_number_id".into()))?;
            let base = &self.api_url;
            let context = out.reply_to.as_ref().map(|id| json!({ "message_id": id }));
            let mut bodies: Vec<Value> = Vec::new();
            if let Some(t) = out.template.as_ref().and_then(template_body) {
                bodies.push(json!({ "type": "template", "template": t }));
            } else {
                let text = out.content.clone().unwrap_or_default();
                if out.files.is_empty() {
                    if text.is_empty() {
                        return Err(SendError::Permanent("nothing to send".into()));
                    }
                    match (out.choices.is_empty(), interactive_body(&text, &out.choices)) {
                        (false, Some(body)) => bodies.push(body),
                        (false, None) => {
                            // Too long for buttons: the options numbered.
                            let mut t = text.clone();
                            for (n, c) in out.choices.iter().enumerate() {
                                t.push_str(&format!("\n{}. {}", n + 1, c.title));
                            }
                            bodies.push(json!({ "type": "text", "text": { "body": t, "preview_url": false } }));
                        }
                        (true, _) => {
                            bodies.push(json!({ "type": "text", "text": { "body": text, "preview_url": false } }))
                        }
                    }
                }
                for (i, f) in out.files.iter().enumerate() {
                    // Media goes up first; the message names it by id.
                    let part = reqwest::multipart::Part::bytes(f.bytes.clone())
                        .file_name(f.file_name.clone())
                        .mime_str(&f.content_type)
                        .map_err(|e| SendError::Permanent(e.to_string()))?;
                    let form = reqwest::multipart::Form::new()
                        .text("messaging_product", "whatsapp")
                        .text("type", f.content_type.clone())
                        .part("file", part);
                    let r = host
                        .http()
                        .post(format!("{base}/{number}/media"))
                        .bearer_auth(key)
                        .multipart(form)
                        .send()
                        .await
                        .map_err(unreachable)?;
                    let up = answer(r).await?;
                    let id = up.get("id").and_then(Value::as_str).ok_or_else(|| SendError::Retry {
                        reason: "the upload returned no id".into(),
                        after: None,
                    })?;
                    let kind = match f.kind {
                        "image" => "image",
                        "video" => "video",
                        "audio" => "audio",
                        _ => "document",
                    };
                    let mut media = json!({ "id": id });
                    if i == 0 && !text.is_empty() && kind != "audio" {
                        media["caption"] = json!(text);
                    }
                    if kind == "document" {
                        media["filename"] = json!(f.file_name);
                    }
                    bodies.push(json!({ "type": kind, kind: media }));
                    if i == 0 && !text.is_empty() && kind == "audio" {
                        bodies.push(json!({ "type": "text", "text": { "body": text, "preview_url": false } }));
                    }
                }
            }
            let mut first: Option<String> = None;
            for mut body in bodies {
                body["messaging_product"] = json!("whatsapp");
                body["recipient_type"] = json!("individual");
                body["to"] = json!(out.to);
                if first.is_none()
                    && let Some(c) = &context
                {
                    body["context"] = c.clone();
                }
                let r = host
                    .http()
                    .post(format!("{base}/{number}/messages"))
                    .bearer_auth(key)
                    .json(&body)
                    .send()
                    .await
                    .map_err(unreachable)?;
                let sent = answer(r).await?;
                if first.is_none() {
                    first = sent
                        .pointer("/messages/0/id")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                }
            }
            first.ok_or_else(|| SendError::Retry {
                reason: "WhatsApp did not return a message id".into(),
                after: None,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_fit_whatsapps_shapes_or_fall_back() {
        let c = |n: usize| -> Vec<Choice> {
            (0..n)
                .map(|i| Choice {
                    title: format!("t{i}"),
                    value: format!("v{i}"),
                })
                .collect()
        };
        assert_eq!(
            interactive_body("Pick", &c(3)).unwrap()["interactive"]["type"],
            "button"
        );
        assert_eq!(interactive_body("Pick", &c(4)).unwrap()["interactive"]["type"], "list");
        assert!(interactive_body("Pick", &c(11)).is_none(), "more than a list holds");
        assert!(interactive_body("", &c(2)).is_none(), "a text is required");
        assert!(
            interactive_body(&"x".repeat(1025), &c(2)).is_none(),
            "too long for the body"
        );
        let tap =
            json!({ "from": "1", "context": { "id": "wamid.A" }, "interactive": { "list_reply": { "id": "sb:3" } } });
        assert_eq!(
            choice_of(&tap),
            Some(Inbound::Choice {
                external_id: "wamid.A".into(),
                sender_id: "1".into(),
                index: 3,
                ack: None
            })
        );
        let theirs = json!({ "from": "1", "context": { "id": "wamid.A" }, "interactive": { "button_reply": { "id": "track_order" } } });
        assert_eq!(choice_of(&theirs), None, "a button of someone else's template");
    }

    #[test]
    fn signatures_match_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn errors_are_classified() {
        let window = json!({ "error": { "message": "Re-engagement message", "code": 131047, "error_data": { "details": "More than 24 hours have passed" } } });
        assert!(
            matches!(classify(400, &window), SendError::Permanent(r) if r.contains("131047") && r.contains("24 hours"))
        );
        let rate = json!({ "error": { "message": "Rate limit hit", "code": 130429 } });
        assert!(matches!(classify(400, &rate), SendError::Retry { .. }));
        assert!(matches!(classify(503, &Value::Null), SendError::Retry { .. }));
        let token =
            json!({ "error": { "message": "Error validating access token", "type": "OAuthException", "code": 190 } });
        assert!(matches!(classify(401, &token), SendError::Permanent(_)));
    }

    #[test]
    fn templates_become_cloud_api_bodies() {
        let t = template_body(
            &json!({ "name": "order_shipped", "language": "en_US", "processed_params": { "2": "1042", "1": "Kerry" } }),
        )
        .unwrap();
        assert_eq!(t["name"], "order_shipped");
        assert_eq!(t["language"]["code"], "en_US");
        assert_eq!(t["components"][0]["parameters"][0]["text"], "Kerry");
        assert_eq!(t["components"][0]["parameters"][1]["text"], "1042");
        assert!(template_body(&json!({})).is_none());
    }
}
