//! The enums of the Chatwoot data model, with their wire names and the
//! integer codes Chatwoot stores (we store the same codes).

use serde::{Deserialize, Serialize};

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal => $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn code(self) -> i16 { match self { $($name::$variant => $code),+ } }
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $wire),+ } }
            pub fn from_code(code: i16) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
            /// Accepts the wire name or, as several clients send, the integer code
            /// (as a number or a numeric string).
            pub fn from_json(v: &serde_json::Value) -> Option<Self> {
                match v {
                    serde_json::Value::String(s) => Self::parse(s)
                        .or_else(|| s.parse::<i16>().ok().and_then(Self::from_code)),
                    serde_json::Value::Number(n) => n.as_i64()
                        .and_then(|c| i16::try_from(c).ok())
                        .and_then(Self::from_code),
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// Conversation status.
    ConversationStatus { Open = 0 => "open", Resolved = 1 => "resolved", Pending = 2 => "pending", Snoozed = 3 => "snoozed" }
);
wire_enum!(
    /// Conversation priority; absent priority is `None` on the conversation.
    Priority { Low = 0 => "low", Medium = 1 => "medium", High = 2 => "high", Urgent = 3 => "urgent" }
);
wire_enum!(
    /// Message direction / kind. Sent as the integer in REST and ActionCable,
    /// as the name in webhooks.
    MessageType { Incoming = 0 => "incoming", Outgoing = 1 => "outgoing", Activity = 2 => "activity", Template = 3 => "template" }
);
wire_enum!(
    ContentType {
        Text = 0 => "text", InputText = 1 => "input_text", InputTextarea = 2 => "input_textarea",
        InputEmail = 3 => "input_email", InputSelect = 4 => "input_select", Cards = 5 => "cards",
        Form = 6 => "form", Article = 7 => "article", IncomingEmail = 8 => "incoming_email",
        InputCsat = 9 => "input_csat", Integrations = 10 => "integrations", Sticker = 11 => "sticker",
        VoiceCall = 12 => "voice_call",
    }
);
wire_enum!(
    MessageStatus { Sent = 0 => "sent", Delivered = 1 => "delivered", Read = 2 => "read", Failed = 3 => "failed" }
);
wire_enum!(
    Role { Agent = 0 => "agent", Administrator = 1 => "administrator" }
);
wire_enum!(
    Availability { Online = 0 => "online", Offline = 1 => "offline", Busy = 2 => "busy" }
);
wire_enum!(
    AccountStatus { Active = 0 => "active", Suspended = 1 => "suspended" }
);
wire_enum!(
    ContactType { Visitor = 0 => "visitor", Lead = 1 => "lead", Customer = 2 => "customer" }
);

/// An inbox's channel, by the code the inbox table stores. The API (0)
/// and the website widget (1) are built in; every other code belongs to a
/// channel registered with the server (`switchboard-channel`), which
/// supplies its names (`telegram`, `Channel::Telegram`), so a new channel
/// adds nothing here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelType(i16);

impl ChannelType {
    pub const API: ChannelType = ChannelType(0);
    pub const WEB_WIDGET: ChannelType = ChannelType(1);

    pub const fn from_code(code: i16) -> Self {
        ChannelType(code)
    }

    pub const fn code(self) -> i16 {
        self.0
    }

    /// The built-in channel's name in requests (`api`, `web_widget`).
    pub fn parse_builtin(name: &str) -> Option<Self> {
        match name {
            "api" => Some(ChannelType::API),
            "web_widget" => Some(ChannelType::WEB_WIDGET),
            _ => None,
        }
    }

    /// Chatwoot's Rails class name of a built-in channel, as sent in
    /// `channel_type` and `meta.channel`.
    pub fn builtin_class_name(self) -> Option<&'static str> {
        match self {
            ChannelType::API => Some("Channel::Api"),
            ChannelType::WEB_WIDGET => Some("Channel::WebWidget"),
            _ => None,
        }
    }
}

/// Who sent a message. Stored as the Rails polymorphic type name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenderType {
    User,
    Contact,
    AgentBot,
}

impl SenderType {
    pub fn as_str(self) -> &'static str {
        match self {
            SenderType::User => "User",
            SenderType::Contact => "Contact",
            SenderType::AgentBot => "AgentBot",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "User" => Some(SenderType::User),
            "Contact" => Some(SenderType::Contact),
            "AgentBot" => Some(SenderType::AgentBot),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in ConversationStatus::ALL {
            assert_eq!(ConversationStatus::from_code(s.code()), Some(*s));
            assert_eq!(ConversationStatus::parse(s.as_str()), Some(*s));
        }
        for t in ContentType::ALL {
            assert_eq!(ContentType::from_code(t.code()), Some(*t));
        }
        assert_eq!(MessageType::Template.code(), 3);
        assert_eq!(Priority::parse("none"), None);
    }

    #[test]
    fn json_accepts_names_and_codes() {
        use serde_json::json;
        assert_eq!(MessageType::from_json(&json!("incoming")), Some(MessageType::Incoming));
        assert_eq!(MessageType::from_json(&json!(1)), Some(MessageType::Outgoing));
        assert_eq!(MessageType::from_json(&json!("2")), Some(MessageType::Activity));
        assert_eq!(MessageType::from_json(&json!(9)), None);
        assert_eq!(MessageType::from_json(&json!(true)), None);
        assert_eq!(MessageType::from_json(&json!("DROP TABLE")), None);
    }
}
