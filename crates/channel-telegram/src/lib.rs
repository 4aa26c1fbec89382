//! Telegram through the Bot API: the inbox's bot token is checked with
//! `getMe` and the webhook set with a secret token; updates arrive at
//! `/webhooks/telegram/{bot id}` carrying `X-Telegram-Bot-Api-Secret-Token`.
//! Private chats only. A message's source id is `<chat id>:<message id>`
//! (Telegram counts message ids per chat, so the pair is what is unique).
//!
//! The API base is a setting (`SWITCHBOARD_TELEGRAM_API_URL`), so a local
//! Bot API server or a test double may stand in.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value, json};
use switchboard_channel::{
    Channel, ChannelError, Created, Fetched, Field, FieldKind, Host, Inbound, InboundMessage, InboxRef, Limits,
    MediaRef, NewInbox, Outgoing, Params, Ready, SendError, ct_eq,
};

/// The header Telegram sends the webhook's secret token in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// The Bot API serves files up to this size through getFile.
const MAX_DOWNLOAD: usize = 20 * 1024 * 1024;
/// Longest caption; longer text goes as its own message first.
const MAX_CAPTION: usize = 1024;
/// Longest text message.
const MAX_TEXT: usize = 4096;
/// The public Bot API.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// The Telegram channel, calling the Bot API at `api_url`.
pub struct Telegram {
    api_url: String,
}

impl Telegram {
    pub fn new(api_url: impl Into<String>) -> Self {
        Telegram {
            api_url: api_url.into().trim_end_matches('/').to_string(),
        }
    }

    fn method_url(&self, token: &str, method: &str) -> String {
        format!("{}/bot{}/{}", self.api_url, token, method)
    }

    /// Calls a Bot API method with a JSON body; the `result` on success.
    async fn call(&self, host: &dyn Host, token: &str, method: &str, body: &Value) -> Result<Value, SendError> {
        let r = host
            .http()
            .post(self.method_url(token, method))
            .json(body)
            .send()
            .await
            .map_err(|e| SendError::Retry {
                reason: format!("Telegram unreachable: {}", without_token(&e.to_string(), token)),
                after: None,
            })?;
        answer(r).await
    }

    /// What `getMe` says of a bot: (id, display name, username).
    async fn get_me(&self, host: &dyn Host, token: &str) -> Result<(i64, String, String), ChannelError> {
        let me = self.call(host, token, "getMe", &json!({})).await.map_err(|e| match e {
            SendError::Permanent(reason) => {
                ChannelError::invalid("bot_token", format!("Telegram refused the bot token: {reason}"))
            }
            SendError::Retry { reason, .. } | SendError::Defer { reason, .. } => {
                ChannelError::invalid("bot_token", format!("Telegram could not be asked: {reason}"))
            }
        })?;
        let id = me
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| ChannelError::invalid("bot_token", "Telegram did not name the bot"))?;
        let name = me
            .get("first_name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let username = me
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Ok((id, name, username))
    }

    /// Points the bot's updates at us, with the secret Telegram will echo.
    async fn set_webhook(&self, host: &dyn Host, token: &str, url: &str, secret: &str) -> Result<(), ChannelError> {
        let body = json!({
            "url": url,
            "secret_token": secret,
            "allowed_updates": ["message", "edited_message", "business_message", "edited_business_message", "callback_query"],
        });
        self.call(host, token, "setWebhook", &body)
            .await
            .map(|_| ())
            .map_err(|e| {
                ChannelError::invalid(
                    "bot_token",
                    format!("Telegram did not accept the webhook: {}", e.reason()),
                )
            })
    }
}

fn bot_token<'a>(inbox: &InboxRef<'a>) -> Option<&'a str> {
    inbox.config.get("bot_token").and_then(Value::as_str)
}

/// A Bot API answer that is not `ok`, as a send error.
fn classify(status: u16, body: &Value) -> SendError {
    let code = body
        .get("error_code")
        .and_then(Value::as_u64)
        .map(|c| c as u16)
        .unwrap_or(status);
    let reason = body
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {status}"));
    match code {
        429 => SendError::Retry {
            after: body
                .pointer("/parameters/retry_after")
                .and_then(Value::as_u64)
                .map(Duration::from_secs),
            reason,
        },
        500..=599 | 0 => SendError::Retry { reason, after: None },
        _ => SendError::Permanent(reason),
    }
}

async fn answer(r: reqwest::Response) -> Result<Value, SendError> {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    if body.get("ok").and_then(Value::as_bool) == Some(true) {
        return Ok(body.get("result").cloned().unwrap_or(Value::Null));
    }
    Err(classify(status, &body))
}

/// Error texts never carry the bot token (reqwest puts the URL in them).
fn without_token(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_string()
    } else {
        text.replace(token, "<token>")
    }
}

/// A bot token as Telegram issues them: `<digits>:<35 or so URL-safe characters>`.
pub fn valid_token(token: &str) -> bool {
    let Some((id, rest)) = token.split_once(':') else {
        return false;
    };
    !id.is_empty()
        && id.len() <= 20
        && id.bytes().all(|b| b.is_ascii_digit())
        && (20..=100).contains(&rest.len())
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn text_of(m: &Value) -> Option<String> {
    m.get("text")
        .or_else(|| m.get("caption"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn id_str(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The file of a message, if it has one (the largest photo size).
fn media_of(m: &Value) -> Option<MediaRef> {
    let file = |v: &Value, default_name: Option<&str>| -> Option<MediaRef> {
        Some(MediaRef {
            file_ref: v.get("file_id")?.as_str()?.to_string(),
            file_name: v
                .get("file_name")
                .and_then(Value::as_str)
                .or(default_name)
                .map(str::to_string),
            mime: v.get("mime_type").and_then(Value::as_str).map(str::to_string),
        })
    };
    if let Some(sizes) = m.get("photo").and_then(Value::as_array) {
        let largest = sizes.iter().max_by_key(|s| {
            s.get("file_size")
                .and_then(Value::as_u64)
                .unwrap_or_else(|| s.get("width").and_then(Value::as_u64).unwrap_or(0) * 1_000_000)
        })?;
        return file(largest, Some("photo.jpg"));
    }
    for (key, name) in [
        ("animation", None),
        ("video", None),
        ("voice", Some("voice.ogg")),
        ("audio", None),
        ("video_note", Some("video.mp4")),
        ("document", None),
    ] {
        if let Some(v) = m.get(key) {
            return file(v, name);
        }
    }
    if let Some(s) = m.get("sticker") {
        let name = if s.get("is_animated").and_then(Value::as_bool) == Some(true) {
            "sticker.tgs"
        } else if s.get("is_video").and_then(Value::as_bool) == Some(true) {
            "sticker.webm"
        } else {
            "sticker.webp"
        };
        return file(s, Some(name));
    }
    None
}

/// One Bot API `Message` from a private chat (or a business chat).
fn message_of(m: &Value, business: bool) -> Option<InboundMessage> {
    let chat = m.get("chat")?;
    if !business && chat.get("type").and_then(Value::as_str) != Some("private") {
        return None;
    }
    let chat_id = id_str(chat.get("id"))?;
    let message_id = id_str(m.get("message_id"))?;
    let from = m.get("from").unwrap_or(chat);
    // In a business chat the owner's own messages (from someone other than
    // the chat's customer) are not the customer's; they are left out.
    if business && id_str(from.get("id")).is_some_and(|f| f != chat_id) {
        return None;
    }
    // A business chat is addressed by the chat; a private one by the user
    // (they are the same number there).
    let sender_id = if business {
        chat_id.clone()
    } else {
        id_str(from.get("id")).unwrap_or_else(|| chat_id.clone())
    };
    let first = from.get("first_name").and_then(Value::as_str).unwrap_or_default();
    let last = from.get("last_name").and_then(Value::as_str).unwrap_or_default();
    let name = format!("{first} {last}").trim().to_string();
    let mut attributes = serde_json::Map::new();
    for key in ["username", "language_code"] {
        if let Some(v) = from.get(key).and_then(Value::as_str) {
            attributes.insert(key.into(), json!(v));
        }
    }
    if business && let Some(b) = m.get("business_connection_id") {
        attributes.insert("business_connection_id".into(), b.clone());
    }
    let mut content = text_of(m);
    let mut content_attributes = json!({});
    if let Some(loc) = m.get("location") {
        let (lat, lon) = (loc.get("latitude").cloned(), loc.get("longitude").cloned());
        content_attributes["location"] = json!({ "latitude": lat, "longitude": lon });
        if content.is_none()
            && let (Some(a), Some(b)) = (lat, lon)
        {
            content = Some(format!("Location: {a}, {b}"));
        }
    }
    if let Some(c) = m.get("contact") {
        content_attributes["contact"] = c.clone();
        if content.is_none() {
            let who = format!(
                "{} {}",
                c.get("first_name").and_then(Value::as_str).unwrap_or_default(),
                c.get("last_name").and_then(Value::as_str).unwrap_or_default()
            );
            let phone = c.get("phone_number").and_then(Value::as_str).unwrap_or_default();
            content = Some(format!("Contact: {}, {phone}", who.trim()));
        }
    }
    if let Some(s) = m.get("sticker").and_then(|s| s.get("emoji")).and_then(Value::as_str)
        && content.is_none()
    {
        content = Some(s.to_string());
    }
    let reply_to = m
        .get("reply_to_message")
        .and_then(|r| id_str(r.get("message_id")))
        .map(|id| format!("{chat_id}:{id}"));
    Some(InboundMessage {
        external_id: format!("{chat_id}:{message_id}"),
        sender_id,
        name,
        phone: None,
        contact_attributes: Value::Object(attributes),
        content,
        content_attributes,
        media: media_of(m).into_iter().collect(),
        reply_to,
    })
}

/// What a choice button carries back (`sb:<option>`).
const CHOICE_PREFIX: &str = "sb:";

/// A tap on one of our inline buttons: the option picked on which message.
fn choice_of(q: &Value) -> Option<Inbound> {
    let m = q.get("message")?;
    let chat = id_str(m.get("chat").and_then(|c| c.get("id")))?;
    let id = id_str(m.get("message_id"))?;
    let from = id_str(q.get("from").and_then(|f| f.get("id")))?;
    let index = q
        .get("data")
        .and_then(Value::as_str)
        .and_then(|d| d.strip_prefix(CHOICE_PREFIX))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n < 100)?;
    Some(Inbound::Choice {
        external_id: format!("{chat}:{id}"),
        sender_id: from,
        index,
        ack: q.get("id").and_then(Value::as_str).map(str::to_string),
    })
}

/// The events of one Update: its update_id and what it carried.
pub fn parse_update(v: &Value) -> (Option<String>, Vec<Inbound>) {
    let update_id = id_str(v.get("update_id"));
    let mut out = Vec::new();
    if let Some(c) = v.get("callback_query").and_then(choice_of) {
        out.push(c);
    }
    for (key, business) in [("message", false), ("business_message", true)] {
        if let Some(m) = v.get(key).and_then(|m| message_of(m, business)) {
            out.push(Inbound::Message(m));
        }
    }
    for key in ["edited_message", "edited_business_message"] {
        if let Some(m) = v.get(key)
            && let (Some(chat), Some(id)) = (
                id_str(m.get("chat").and_then(|c| c.get("id"))),
                id_str(m.get("message_id")),
            )
        {
            out.push(Inbound::Edit {
                external_id: format!("{chat}:{id}"),
                content: text_of(m),
            });
        }
    }
    (update_id, out)
}

/// Splits `<chat>:<message>` into its parts.
fn split_ref(r: &str) -> Option<(&str, i64)> {
    let (chat, id) = r.rsplit_once(':')?;
    Some((chat, id.parse().ok()?))
}

fn chat_value(to: &str) -> Value {
    to.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(to))
}

/// The settings a Telegram inbox is made with.
static FIELDS: &[Field] = &[Field {
    kind: FieldKind::Secret,
    help: "From @BotFather. Switchboard checks it with Telegram and sets the bot's webhook to this server.",
    required: true,
    create_only: true,
    ..Field::text("bot_token", "Bot token")
}];

impl Channel for Telegram {
    fn name(&self) -> &'static str {
        "telegram"
    }

    fn code(&self) -> i16 {
        3
    }

    fn class_name(&self) -> &'static str {
        "Channel::Telegram"
    }

    fn label(&self) -> &'static str {
        "Telegram"
    }

    fn description(&self) -> &'static str {
        "A Telegram bot: what people send it arrives here."
    }

    fn fields(&self) -> &[Field] {
        FIELDS
    }

    fn ready(&self) -> Ready {
        Ready {
            text: "Connected to {bot_name} (@{bot_username}). Messages sent to the bot now arrive in this inbox.",
            shown: &[],
        }
    }

    /// Telegram's FAQ: about 30 messages a second per bot, and not more than
    /// one a second in one chat (short bursts are tolerated).
    fn limits(&self) -> Limits {
        Limits {
            per_inbox: Some((30.0, 30.0)),
            per_destination: Some((1.0, 3.0)),
        }
    }

    fn verify(&self, inbox: InboxRef<'_>, headers: &HashMap<String, String>, _body: &[u8]) -> bool {
        headers
            .get(SECRET_HEADER)
            .is_some_and(|s| !inbox.secret.is_empty() && ct_eq(s, inbox.secret))
    }

    fn parse(&self, _inbox: InboxRef<'_>, body: &[u8]) -> Result<Vec<Inbound>, ChannelError> {
        let v: Value =
            serde_json::from_slice(body).map_err(|_| ChannelError::invalid("update", "The update is not JSON"))?;
        Ok(parse_update(&v).1)
    }

    fn create<'a>(
        &'a self,
        host: &'a dyn Host,
        new: NewInbox<'a>,
        input: &'a Value,
    ) -> BoxFuture<'a, Result<Created, ChannelError>> {
        Box::pin(async move {
            // The token is checked with Telegram before anything is written.
            let token = Params::new(input).req_str("bot_token")?.trim().to_string();
            if !valid_token(&token) {
                return Err(ChannelError::invalid(
                    "bot_token",
                    "bot_token is not a Telegram bot token",
                ));
            }
            let (bot_id, bot_name, username) = self.get_me(host, &token).await?;
            let key = bot_id.to_string();
            if host
                .key_taken(self.code(), &key)
                .await
                .map_err(|e| ChannelError::invalid("bot_token", e))?
            {
                return Err(ChannelError::invalid(
                    "bot_token",
                    "This bot is already connected to an inbox",
                ));
            }
            // Telegram is told where to send before anything is written (no
            // transaction waits on it); if it refuses, nothing is kept.
            let url = format!("{}/webhooks/telegram/{bot_id}", host.public_url());
            self.set_webhook(host, &token, &url, new.secret).await?;
            let mut config = Map::new();
            config.insert("bot_token".into(), json!(token));
            config.insert("bot_name".into(), json!(bot_name));
            config.insert("bot_username".into(), json!(username));
            Ok(Created { key: Some(key), config })
        })
    }

    /// Stops the bot's updates (its inbox is gone); best effort.
    fn disconnect<'a>(&'a self, host: &'a dyn Host, inbox: InboxRef<'a>) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Some(token) = bot_token(&inbox)
                && let Err(e) = self.call(host, token, "deleteWebhook", &json!({})).await
            {
                tracing::warn!(error = ?e, "removing a Telegram webhook failed");
            }
        })
    }

    /// The bot's names; its token is never shown.
    fn present(&self, inbox: InboxRef<'_>, _public_url: &str, _admin: bool, out: &mut Map<String, Value>) {
        for k in ["bot_name", "bot_username"] {
            out.insert(k.into(), inbox.config.get(k).cloned().unwrap_or(json!("")));
        }
    }

    fn fetch_media<'a>(
        &'a self,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
        media: &'a MediaRef,
    ) -> BoxFuture<'a, Fetched> {
        Box::pin(async move {
            let token = bot_token(&inbox).ok_or("the inbox has no bot token")?;
            let file = self
                .call(host, token, "getFile", &json!({ "file_id": media.file_ref }))
                .await
                .map_err(|e| format!("getFile: {e:?}"))?;
            let path = file
                .get("file_path")
                .and_then(Value::as_str)
                .ok_or("getFile named no path")?;
            if file.get("file_size").and_then(Value::as_u64).unwrap_or(0) as usize > MAX_DOWNLOAD {
                return Err("the file is larger than Telegram lets bots download".into());
            }
            let url = format!("{}/file/bot{}/{}", self.api_url, token, path);
            let r = host
                .http()
                .get(url)
                .send()
                .await
                .map_err(|e| without_token(&e.to_string(), token))?;
            if !r.status().is_success() {
                return Err(format!("downloading the file: HTTP {}", r.status().as_u16()));
            }
            let bytes = r.bytes().await.map_err(|e| without_token(&e.to_string(), token))?;
            if bytes.len() > MAX_DOWNLOAD {
                return Err("the file is too large".into());
            }
            let name = path.rsplit('/').next().map(str::to_string);
            Ok((bytes.to_vec(), media.file_name.clone().or(name)))
        })
    }

    fn max_choices(&self) -> usize {
        10
    }

    fn acknowledge<'a>(&'a self, host: &'a dyn Host, inbox: InboxRef<'a>, ack: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let Some(token) = bot_token(&inbox) else { return };
            // Only stops the button's spinner: a failure changes nothing.
            if let Err(e) = self
                .call(host, token, "answerCallbackQuery", &json!({ "callback_query_id": ack }))
                .await
            {
                tracing::debug!(error = ?e, "answering a callback query");
            }
        })
    }

    fn send<'a>(
        &'a self,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
        out: &'a Outgoing,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        Box::pin(async move {
            let token = bot_token(&inbox).ok_or_else(|| SendError::Permanent("the inbox has no bot token".into()))?;
            let chat = chat_value(&out.to);
            let reply = out
                .reply_to
                .as_deref()
                .and_then(split_ref)
                .map(|(_, id)| json!({ "message_id": id, "allow_sending_without_reply": true }));
            let text = out.content.clone().unwrap_or_default();
            // Replies into a business chat go through the business connection.
            let business = out
                .contact_attributes
                .get("business_connection_id")
                .and_then(Value::as_str)
                .map(str::to_string);
            let mut first_id: Option<i64> = None;
            // Text that cannot ride as a caption goes first, on its own.
            let caption_fits = !out.files.is_empty() && text.chars().count() <= MAX_CAPTION;
            if out.files.is_empty() || (!text.is_empty() && !caption_fits) {
                let mut chunks: Vec<String> = Vec::new();
                let chars: Vec<char> = text.chars().collect();
                for piece in chars.chunks(MAX_TEXT) {
                    chunks.push(piece.iter().collect());
                }
                if chunks.is_empty() {
                    return Err(SendError::Permanent("nothing to send".into()));
                }
                for (i, piece) in chunks.iter().enumerate() {
                    let mut body = json!({ "chat_id": chat, "text": piece });
                    // A bot's options: an inline keyboard under the first
                    // part, one button a row; a tap comes back as a
                    // callback query naming the option.
                    if i == 0 && !out.choices.is_empty() {
                        let rows: Vec<Value> = out
                            .choices
                            .iter()
                            .enumerate()
                            .map(|(n, c)| json!([{ "text": c.title, "callback_data": format!("{CHOICE_PREFIX}{n}") }]))
                            .collect();
                        body["reply_markup"] = json!({ "inline_keyboard": rows });
                    }
                    if let Some(b) = &business {
                        body["business_connection_id"] = json!(b);
                    }
                    if i == 0
                        && let Some(r) = &reply
                    {
                        body["reply_parameters"] = r.clone();
                    }
                    let sent = self.call(host, token, "sendMessage", &body).await?;
                    if first_id.is_none() {
                        first_id = sent.get("message_id").and_then(Value::as_i64);
                    }
                }
            }
            for (i, f) in out.files.iter().enumerate() {
                let (method, field) = match f.kind {
                    "image" => ("sendPhoto", "photo"),
                    "video" => ("sendVideo", "video"),
                    "audio" => ("sendAudio", "audio"),
                    _ => ("sendDocument", "document"),
                };
                let part = reqwest::multipart::Part::bytes(f.bytes.clone())
                    .file_name(f.file_name.clone())
                    .mime_str(&f.content_type)
                    .map_err(|e| SendError::Permanent(e.to_string()))?;
                let mut form = reqwest::multipart::Form::new()
                    .text("chat_id", out.to.clone())
                    .part(field, part);
                if i == 0 && caption_fits && !text.is_empty() {
                    form = form.text("caption", text.clone());
                }
                if let Some(b) = &business {
                    form = form.text("business_connection_id", b.clone());
                }
                if first_id.is_none()
                    && let Some(r) = &reply
                {
                    form = form.text("reply_parameters", r.to_string());
                }
                let r = host
                    .http()
                    .post(self.method_url(token, method))
                    .multipart(form)
                    .send()
                    .await
                    .map_err(|e| SendError::Retry {
                        reason: format!("Telegram unreachable: {}", without_token(&e.to_string(), token)),
                        after: None,
                    })?;
                let sent = answer(r).await?;
                if first_id.is_none() {
                    first_id = sent.get("message_id").and_then(Value::as_i64);
                }
            }
            let id = first_id.ok_or_else(|| SendError::Retry {
                reason: "Telegram did not return a message id".into(),
                after: None,
            })?;
            Ok(format!("{}:{id}", out.to))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(valid_token("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"));
        for bad in [
            "",
            "123",
            "abc:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1",
            "123:short",
            "123:has spaces in it here now ok",
        ] {
            assert!(!valid_token(bad), "{bad}");
        }
    }

    #[test]
    fn errors_are_classified() {
        let blocked =
            json!({ "ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user" });
        assert_eq!(
            classify(403, &blocked),
            SendError::Permanent("Forbidden: bot was blocked by the user".into())
        );
        let slow = json!({ "ok": false, "error_code": 429, "description": "Too Many Requests: retry after 7", "parameters": { "retry_after": 7 } });
        assert_eq!(
            classify(429, &slow),
            SendError::Retry {
                reason: "Too Many Requests: retry after 7".into(),
                after: Some(Duration::from_secs(7))
            }
        );
        assert!(matches!(
            classify(502, &Value::Null),
            SendError::Retry { after: None, .. }
        ));
        assert!(matches!(classify(400, &Value::Null), SendError::Permanent(_)));
    }

    #[test]
    fn group_chats_and_unknown_updates_are_left_out() {
        let group = json!({ "update_id": 1, "message": { "message_id": 5, "chat": { "id": -100, "type": "group" }, "from": { "id": 7, "first_name": "A" }, "text": "hi" } });
        assert_eq!(parse_update(&group).1, vec![]);
        assert_eq!(parse_update(&json!({ "update_id": 2, "poll": {} })).1, vec![]);
        assert_eq!(parse_update(&json!("nonsense")).1, vec![]);
    }

    #[test]
    fn token_never_in_errors() {
        assert_eq!(
            without_token(
                "error sending request for url (http://x/bot12:SECRET/getMe)",
                "12:SECRET"
            ),
            "error sending request for url (http://x/bot<token>/getMe)"
        );
    }
}
