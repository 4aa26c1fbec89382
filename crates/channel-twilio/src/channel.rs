//! The Twilio SMS channel: settings, webhooks, media and sends.

use std::collections::HashMap;

use base64::Engine;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value, json};
use switchboard_channel::{
    Channel, ChannelError, ContactRef, Created, Fetched, Field, FieldKind, Host, Inbound, InboundMessage, InboxRef,
    MediaRef, NewInbox, Outgoing, Ready, SendError, Shown, Updated, read_fields,
};
use switchboard_domain::MessageStatus;

use crate::answer::{self, Sent};
use crate::inbound::{self, Post, Status};
use crate::signature;

/// Twilio's REST API.
pub const DEFAULT_API_URL: &str = "https://api.twilio.com";

/// Stored in the inbox table; never changes.
const CODE: i16 = 7;
/// Twilio sends at most ten files with a message.
const MAX_MEDIA: usize = 10;
/// The largest inbound file taken (Twilio's own MMS limit is 5 MB).
const MAX_MEDIA_BYTES: usize = 20 * 1024 * 1024;

static FIELDS: &[Field] = &[
    Field {
        required: true,
        help: "The Account SID (AC followed by 32 characters) from the Twilio console.",
        ..Field::text("account_sid", "Account SID")
    },
    Field {
        kind: FieldKind::Secret,
        required: true,
        help: "The account's auth token: Twilio signs its requests to this inbox with it, and replies are \
               sent with it unless an API key is given.",
        ..Field::text("auth_token", "Auth token")
    },
    Field {
        kind: FieldKind::Phone,
        help: "The Twilio number replies come from, in international form (+15005550006). Give it or a \
               Messaging Service.",
        ..Field::text("phone_number", "Phone number")
    },
    Field {
        help: "A Messaging Service (MG followed by 32 characters) to send from instead of one number.",
        ..Field::text("messaging_service_sid", "Messaging Service SID")
    },
    Field {
        help: "An API key (SK followed by 32 characters) to send with instead of the auth token.",
        group: Some("API key"),
        ..Field::text("api_key_sid", "API key SID")
    },
    Field {
        kind: FieldKind::Secret,
        help: "The API key's secret.",
        group: Some("API key"),
        ..Field::text("api_key_secret", "API key secret")
    },
];

/// SMS and MMS through Twilio Programmable Messaging.
pub struct Twilio {
    api_url: String,
}

impl Twilio {
    /// A channel calling Twilio at `api_url` (its REST API; a stand-in in tests).
    pub fn new(api_url: String) -> Self {
        Twilio {
            api_url: api_url.trim_end_matches('/').to_string(),
        }
    }

    fn account_url(&self, account_sid: &str) -> String {
        format!("{}/2010-04-01/Accounts/{account_sid}", self.api_url)
    }
}

/// `prefix` and 32 hexadecimal digits: Twilio's SIDs.
fn is_sid(s: &str, prefix: &str) -> bool {
    s.len() == 34 && s.starts_with(prefix) && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A phone number in international form: `+` and 8 to 15 digits, from
/// what a person might type (spaces, dashes, brackets).
pub fn e164(raw: &str) -> Option<String> {
    let t = raw.trim();
    if !t.starts_with('+') || t.chars().any(|c| !(c.is_ascii_digit() || " +-().".contains(c))) {
        return None;
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    ((8..=15).contains(&digits.len()) && !digits.starts_with('0')).then(|| format!("+{digits}"))
}

fn text<'a>(config: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    config.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Checks the settings kept (after a create or an update) and normalises
/// the number.
fn check(config: &mut Map<String, Value>) -> Result<(), ChannelError> {
    let sid = text(config, "account_sid")
        .ok_or_else(|| ChannelError::invalid("account_sid", "account_sid can't be blank"))?;
    if !is_sid(sid, "AC") {
        return Err(ChannelError::invalid(
            "account_sid",
            "account_sid is not a Twilio Account SID",
        ));
    }
    if text(config, "auth_token").is_none() {
        return Err(ChannelError::invalid("auth_token", "auth_token can't be blank"));
    }
    if let Some(n) = text(config, "phone_number") {
        let n = e164(n).ok_or_else(|| {
            ChannelError::invalid(
                "phone_number",
                "phone_number must be in international form, like +15005550006",
            )
        })?;
        config.insert("phone_number".into(), json!(n));
    }
    if let Some(mg) = text(config, "messaging_service_sid")
        && !is_sid(mg, "MG")
    {
        return Err(ChannelError::invalid(
            "messaging_service_sid",
            "messaging_service_sid is not a Twilio Messaging Service SID",
        ));
    }
    if text(config, "phone_number").is_none() && text(config, "messaging_service_sid").is_none() {
        return Err(ChannelError::invalid(
            "phone_number",
            "Give the phone number or the Messaging Service to send from",
        ));
    }
    match (text(config, "api_key_sid"), text(config, "api_key_secret")) {
        (None, None) => {}
        (Some(k), Some(_)) if is_sid(k, "SK") => {}
        (Some(_), Some(_)) => {
            return Err(ChannelError::invalid(
                "api_key_sid",
                "api_key_sid is not a Twilio API key SID",
            ));
        }
        (Some(_), None) => return Err(ChannelError::invalid("api_key_secret", "api_key_secret can't be blank")),
        (None, Some(_)) => return Err(ChannelError::invalid("api_key_sid", "api_key_sid can't be blank")),
    }
    config.insert("medium".into(), json!("sms"));
    Ok(())
}

/// The `user:password` API calls authenticate with: the API key when the
/// inbox has one, else the account SID and its auth token.
fn credentials(config: &Value) -> Option<(String, String)> {
    let get = |k: &str| config.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    match (get("api_key_sid"), get("api_key_secret")) {
        (Some(k), Some(s)) => Some((k.to_string(), s.to_string())),
        _ => Some((get("account_sid")?.to_string(), get("auth_token")?.to_string())),
    }
}

fn basic(user: &str, secret: &str) -> String {
    let pair = format!("{user}:{secret}");
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

impl Twilio {
    /// Asks Twilio for the account with the given settings: their
    /// credentials are good when it answers.
    async fn check_credentials(&self, host: &dyn Host, config: &Value) -> Result<(), ChannelError> {
        let (Some(sid), Some((user, secret))) =
            (config.get("account_sid").and_then(Value::as_str), credentials(config))
        else {
            return Err(ChannelError::invalid("account_sid", "account_sid can't be blank"));
        };
        let r = host
            .http()
            .get(format!("{}.json", self.account_url(sid)))
            .header(reqwest::header::AUTHORIZATION, basic(&user, &secret))
            .send()
            .await
            .map_err(|e| ChannelError::invalid("account_sid", format!("Twilio could not be reached: {e}")))?;
        match r.status().as_u16() {
            200..=299 => Ok(()),
            401 | 403 => Err(ChannelError::invalid(
                "auth_token",
                "Twilio did not accept these credentials",
            )),
            404 => Err(ChannelError::invalid("account_sid", "Twilio knows no such account")),
            s => Err(ChannelError::invalid(
                "account_sid",
                format!("Twilio answered {s}; try again"),
            )),
        }
    }
}

impl Channel for Twilio {
    fn name(&self) -> &'static str {
        "twilio"
    }

    fn code(&self) -> i16 {
        CODE
    }

    fn class_name(&self) -> &'static str {
        "Channel::TwilioSms"
    }

    fn label(&self) -> &'static str {
        "SMS (Twilio)"
    }

    fn description(&self) -> &'static str {
        "Text messages to and from a Twilio number or Messaging Service"
    }

    fn fields(&self) -> &[Field] {
        FIELDS
    }

    fn ready(&self) -> Ready {
        Ready {
            text: "In the Twilio console, set this URL (HTTP POST) as the incoming-message webhook of the number or \
                   the Messaging Service.",
            shown: &[Shown {
                name: "webhook",
                label: "Webhook URL",
                pointer: "/webhook_url",
                count: false,
            }],
        }
    }

    fn max_body(&self) -> usize {
        // A form post of a message: its text, ten media links and Twilio's fields.
        256 * 1024
    }

    /// Without the URL the signature cannot be checked: refused.
    fn verify(&self, _inbox: InboxRef<'_>, _headers: &HashMap<String, String>, _body: &[u8]) -> bool {
        false
    }

    fn verify_at(&self, inbox: InboxRef<'_>, url: &str, headers: &HashMap<String, String>, body: &[u8]) -> bool {
        let (Some(token), Some(got)) = (inbox.str("auth_token"), headers.get("x-twilio-signature")) else {
            return false;
        };
        signature::verify(token, url, &signature::form_params(body), got)
    }

    fn parse(&self, inbox: InboxRef<'_>, body: &[u8]) -> Result<Vec<Inbound>, ChannelError> {
        let params = signature::form_params(body);
        let post = inbound::parse(&params, MAX_MEDIA);
        let ours = |account: &str| account.is_empty() || Some(account) == inbox.str("account_sid");
        Ok(match post {
            Post::Message {
                sid,
                account_sid,
                from,
                body,
                media,
                location,
                ..
            } if ours(&account_sid) => {
                let attributes: Map<String, Value> = location
                    .into_iter()
                    .map(|(k, v)| (k.trim_start_matches("From").to_ascii_lowercase(), json!(v)))
                    .collect();
                vec![Inbound::Message(InboundMessage {
                    external_id: sid,
                    sender_id: from.clone(),
                    name: from.clone(),
                    phone: Some(from),
                    contact_attributes: Value::Object(attributes),
                    content: body,
                    content_attributes: json!({}),
                    media: media
                        .into_iter()
                        .map(|m| MediaRef {
                            file_ref: m.url,
                            file_name: None,
                            mime: m.content_type,
                        })
                        .collect(),
                    reply_to: None,
                })]
            }
            Post::Status {
                sid,
                account_sid,
                status,
                error_code,
            } if ours(&account_sid) => {
                let status = match status {
                    Status::Pending => return Ok(Vec::new()),
                    Status::Sent => MessageStatus::Sent,
                    Status::Delivered => MessageStatus::Delivered,
                    Status::Read => MessageStatus::Read,
                    Status::Failed => MessageStatus::Failed,
                };
                let error = (status == MessageStatus::Failed).then(|| match error_code {
                    Some(code) => format!("Twilio could not deliver the message (error {code})"),
                    None => "Twilio could not deliver the message".to_string(),
                });
                vec![Inbound::Status {
                    external_id: sid,
                    status,
                    error,
                }]
            }
            _ => Vec::new(),
        })
    }

    /// Media links come from Twilio's signed post; only links under its API
    /// are followed, with the account's credentials.
    fn fetch_media<'a>(
        &'a self,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
        media: &'a MediaRef,
    ) -> BoxFuture<'a, Fetched> {
        Box::pin(async move {
            if !media.file_ref.starts_with(&format!("{}/", self.api_url)) {
                return Err("the media link is not Twilio's".to_string());
            }
            let (user, secret) = credentials(inbox.config).ok_or("the inbox has no Twilio credentials")?;
            let r = host
                .http()
                .get(&media.file_ref)
                .header(reqwest::header::AUTHORIZATION, basic(&user, &secret))
                .send()
                .await
                .map_err(|e| format!("Twilio unreachable: {e}"))?;
            if !r.status().is_success() {
                return Err(format!("downloading the media: HTTP {}", r.status().as_u16()));
            }
            if r.content_length().is_some_and(|n| n as usize > MAX_MEDIA_BYTES) {
                return Err("the file is too large".to_string());
            }
            let bytes = r.bytes().await.map_err(|e| e.to_string())?;
            if bytes.len() > MAX_MEDIA_BYTES {
                return Err("the file is too large".to_string());
            }
            Ok((bytes.to_vec(), None))
        })
    }

    fn send<'a>(
        &'a self,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
        out: &'a Outgoing,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        Box::pin(async move {
            if !out.files.is_empty() {
                // Twilio fetches a message's media from public links, which
                // attachments do not have here yet.
                return Err(SendError::Permanent(
                    "Files cannot be sent by SMS from this inbox yet; send the text alone".into(),
                ));
            }
            let text = out.content.clone().filter(|t| !t.trim().is_empty());
            let Some(text) = text else {
                return Err(SendError::Permanent("nothing to send".into()));
            };
            let (Some(sid), Some((user, secret))) = (inbox.str("account_sid"), credentials(inbox.config)) else {
                return Err(SendError::Permanent("the inbox has no Twilio credentials".into()));
            };
            let mut form: Vec<(&str, String)> = vec![("To", out.to.clone()), ("Body", text)];
            match (inbox.str("messaging_service_sid"), inbox.str("phone_number")) {
                (Some(mg), _) => form.push(("MessagingServiceSid", mg.to_string())),
                (None, Some(n)) => form.push(("From", n.to_string())),
                (None, None) => return Err(SendError::Permanent("the inbox has no number to send from".into())),
            }
            form.push((
                "StatusCallback",
                format!("{}/webhooks/twilio/{}", host.public_url(), inbox.key),
            ));
            let body: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish();
            let r = host
                .http()
                .post(format!("{}/Messages.json", self.account_url(sid)))
                .header(reqwest::header::AUTHORIZATION, basic(&user, &secret))
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .map_err(|e| SendError::Retry {
                    reason: format!("Twilio unreachable: {e}"),
                    after: None,
                })?;
            let status = r.status().as_u16();
            let retry_after = r
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let bytes = r.bytes().await.unwrap_or_default();
            match answer::read(status, retry_after.as_deref(), &bytes) {
                Sent::Accepted(sid) => Ok(sid),
                Sent::Retry { reason, after_secs } => Err(SendError::Retry {
                    reason,
                    after: after_secs.map(std::time::Duration::from_secs),
                }),
                Sent::Refused(reason) => Err(SendError::Permanent(reason)),
            }
        })
    }

    fn create<'a>(
        &'a self,
        host: &'a dyn Host,
        _new: NewInbox<'a>,
        input: &'a Value,
    ) -> BoxFuture<'a, Result<Created, ChannelError>> {
        Box::pin(async move {
            let mut config = Map::new();
            read_fields(FIELDS, input, &mut config)?;
            check(&mut config)?;
            if let Some(n) = text(&config, "phone_number")
                && host
                    .setting_taken(CODE, "phone_number", n)
                    .await
                    .map_err(|e| ChannelError::invalid("phone_number", e))?
            {
                return Err(ChannelError::invalid(
                    "phone_number",
                    "This number is already connected to an inbox",
                ));
            }
            self.check_credentials(host, &Value::Object(config.clone())).await?;
            Ok(Created { key: None, config })
        })
    }

    fn apply_update(&self, input: &Value, config: &mut Map<String, Value>) -> Result<Updated, ChannelError> {
        read_fields(FIELDS, input, config)?;
        check(config)?;
        Ok(Updated::default())
    }

    /// Asks Twilio again only when the credentials change.
    fn check_update<'a>(
        &'a self,
        host: &'a dyn Host,
        inbox: InboxRef<'a>,
        input: &'a Value,
    ) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move {
            let touched = ["account_sid", "auth_token", "api_key_sid", "api_key_secret"]
                .iter()
                .any(|k| input.get(k).is_some());
            if !touched {
                return Ok(());
            }
            self.check_credentials(host, inbox.config).await
        })
    }

    fn present(&self, inbox: InboxRef<'_>, public_url: &str, admin: bool, out: &mut Map<String, Value>) {
        let c = inbox.config;
        out.insert(
            "phone_number".into(),
            c.get("phone_number").cloned().unwrap_or(Value::Null),
        );
        out.insert(
            "messaging_service_sid".into(),
            c.get("messaging_service_sid").cloned().unwrap_or(Value::Null),
        );
        out.insert("medium".into(), json!("sms"));
        if admin {
            // Secrets (the auth token, the key's secret) are never shown back.
            out.insert(
                "account_sid".into(),
                c.get("account_sid").cloned().unwrap_or(Value::Null),
            );
            out.insert(
                "api_key_sid".into(),
                c.get("api_key_sid").cloned().unwrap_or(Value::Null),
            );
            out.insert(
                "webhook_url".into(),
                json!(format!("{public_url}/webhooks/twilio/{}", inbox.key)),
            );
        }
    }

    fn starts_chats(&self) -> bool {
        true
    }

    fn default_source_id(&self, contact: ContactRef<'_>) -> Option<String> {
        contact.phone.and_then(e164)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sid(prefix: &str) -> String {
        format!("{prefix}{}", "0123456789abcdef".repeat(2))
    }

    #[test]
    fn settings_are_checked_and_numbers_normalised() {
        let ok = |v: Value| {
            let mut c = Map::new();
            read_fields(FIELDS, &v, &mut c).and_then(|_| check(&mut c)).map(|_| c)
        };
        let c =
            ok(json!({ "account_sid": sid("AC"), "auth_token": "t", "phone_number": "+1 (500) 555-0006" })).unwrap();
        assert_eq!(c["phone_number"], "+15005550006");
        assert_eq!(c["medium"], "sms");
        assert!(ok(json!({ "account_sid": sid("AC"), "auth_token": "t", "messaging_service_sid": sid("MG") })).is_ok());
        let field = |v: Value| match ok(v).unwrap_err() {
            ChannelError::Invalid { field, .. } => field,
            e => panic!("{e:?}"),
        };
        assert_eq!(
            field(json!({ "auth_token": "t", "phone_number": "+15005550006" })),
            "account_sid"
        );
        assert_eq!(
            field(json!({ "account_sid": "AC1", "auth_token": "t", "phone_number": "+15005550006" })),
            "account_sid"
        );
        assert_eq!(
            field(json!({ "account_sid": sid("AC"), "phone_number": "+15005550006" })),
            "auth_token"
        );
        assert_eq!(
            field(json!({ "account_sid": sid("AC"), "auth_token": "t" })),
            "phone_number"
        );
        assert_eq!(
            field(json!({ "account_sid": sid("AC"), "auth_token": "t", "phone_number": "5550006" })),
            "phone_number"
        );
        assert_eq!(
            field(json!({ "account_sid": sid("AC"), "auth_token": "t", "messaging_service_sid": sid("AC") })),
            "messaging_service_sid"
        );
        assert_eq!(
            field(
                json!({ "account_sid": sid("AC"), "auth_token": "t", "phone_number": "+15005550006", "api_key_sid": sid("SK") })
            ),
            "api_key_secret"
        );
        assert_eq!(field(json!({ "account_sid": 5, "auth_token": "t" })), "account_sid");
    }

    #[test]
    fn api_keys_send_when_given() {
        let c = json!({ "account_sid": "AC1", "auth_token": "tok" });
        assert_eq!(credentials(&c), Some(("AC1".into(), "tok".into())));
        let k = json!({ "account_sid": "AC1", "auth_token": "tok", "api_key_sid": "SK1", "api_key_secret": "s" });
        assert_eq!(credentials(&k), Some(("SK1".into(), "s".into())));
        assert_eq!(e164("+44 20 7946 0958").as_deref(), Some("+442079460958"));
        assert_eq!(e164("0044 20"), None);
        assert_eq!(e164("+1 555 abc"), None);
    }
}
