//! What Twilio posts to an inbox's webhook: a message from a phone, or a
//! status callback for one of ours.

use std::collections::HashMap;

/// One file of an incoming MMS, held by Twilio until fetched (with the
/// account's credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub url: String,
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Post {
    /// A message from `from` (E.164) to the inbox's number.
    Message {
        sid: String,
        account_sid: String,
        from: String,
        to: String,
        body: Option<String>,
        media: Vec<Media>,
        /// What Twilio knows of the sender (`FromCity`, `FromCountry`, ...).
        location: Vec<(String, String)>,
    },
    /// The fate of a message we sent.
    Status {
        sid: String,
        account_sid: String,
        status: Status,
        /// Twilio's error code when it failed (`30003`: unreachable handset).
        error_code: Option<String>,
    },
    /// Neither (a post this channel does not handle); acknowledged and ignored.
    Other,
}

/// A sent message's state as Twilio reports it, in our terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Accepted, queued or on its way: nothing to show beyond "sent".
    Pending,
    Sent,
    Delivered,
    Read,
    Failed,
}

impl Status {
    pub fn parse(s: &str) -> Status {
        match s {
            "sent" => Status::Sent,
            "delivered" => Status::Delivered,
            "read" => Status::Read,
            "failed" | "undelivered" | "canceled" => Status::Failed,
            _ => Status::Pending,
        }
    }
}

/// Reads a form post. Media beyond `max_media` (Twilio sends at most 10)
/// are left out.
pub fn parse(params: &[(String, String)], max_media: usize) -> Post {
    let get: HashMap<&str, &str> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let field = |k: &str| get.get(k).map(|v| v.to_string()).filter(|v| !v.is_empty());
    let Some(sid) = field("MessageSid")
        .or_else(|| field("SmsMessageSid"))
        .or_else(|| field("SmsSid"))
    else {
        return Post::Other;
    };
    let account_sid = field("AccountSid").unwrap_or_default();
    let sms_status = field("SmsStatus").or_else(|| field("MessageStatus"));
    if let Some(status) = field("MessageStatus").filter(|_| sms_status.as_deref() != Some("received")) {
        return Post::Status {
            sid,
            account_sid,
            status: Status::parse(&status),
            error_code: field("ErrorCode").filter(|c| c != "0"),
        };
    }
    let (Some(from), Some(to)) = (field("From"), field("To")) else {
        return Post::Other;
    };
    let count: usize = get.get("NumMedia").and_then(|n| n.trim().parse().ok()).unwrap_or(0);
    let media = (0..count.min(max_media))
        .filter_map(|i| {
            Some(Media {
                url: field(&format!("MediaUrl{i}"))?,
                content_type: field(&format!("MediaContentType{i}")),
            })
        })
        .collect();
    let location = ["FromCity", "FromState", "FromZip", "FromCountry"]
        .iter()
        .filter_map(|k| Some((k.to_string(), field(k)?)))
        .collect();
    Post::Message {
        sid,
        account_sid,
        from,
        to,
        body: get.get("Body").map(|b| b.to_string()).filter(|b| !b.trim().is_empty()),
        media,
        location,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn an_sms_with_a_picture() {
        let post = parse(
            &p(&[
                ("ToCountry", "US"),
                ("SmsMessageSid", "MM1"),
                ("NumMedia", "2"),
                ("SmsSid", "MM1"),
                ("SmsStatus", "received"),
                ("Body", "See attached"),
                ("To", "+15005550006"),
                ("MessageSid", "MM1"),
                ("AccountSid", "AC1"),
                ("From", "+15551234567"),
                ("FromCity", "BOSTON"),
                (
                    "MediaUrl0",
                    "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
                ),
                ("MediaContentType0", "image/jpeg"),
                (
                    "MediaUrl1",
                    "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2",
                ),
                ("ApiVersion", "2010-04-01"),
            ]),
            10,
        );
        let Post::Message {
            sid,
            from,
            to,
            body,
            media,
            location,
            account_sid,
        } = post
        else {
            panic!("a message: {post:?}");
        };
        assert_eq!((sid.as_str(), account_sid.as_str()), ("MM1", "AC1"));
        assert_eq!((from.as_str(), to.as_str()), ("+15551234567", "+15005550006"));
        assert_eq!(body.as_deref(), Some("See attached"));
        assert_eq!(media.len(), 2);
        assert_eq!(media[0].content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(media[1].content_type, None);
        assert_eq!(location, vec![("FromCity".to_string(), "BOSTON".to_string())]);
    }

    #[test]
    fn media_are_bounded_and_blank_bodies_absent() {
        let mut pairs = vec![
            ("MessageSid".to_string(), "SM2".to_string()),
            ("SmsStatus".into(), "received".into()),
            ("From".into(), "+1555".into()),
            ("To".into(), "+1666".into()),
            ("Body".into(), "  ".into()),
            ("NumMedia".into(), "99".into()),
        ];
        for i in 0..20 {
            pairs.push((format!("MediaUrl{i}"), format!("https://m/{i}")));
        }
        let Post::Message { body, media, .. } = parse(&pairs, 10) else {
            panic!()
        };
        assert_eq!(body, None);
        assert_eq!(media.len(), 10);
    }

    #[test]
    fn status_callbacks() {
        let post = parse(
            &p(&[
                ("MessageSid", "SM3"),
                ("MessageStatus", "undelivered"),
                ("SmsStatus", "undelivered"),
                ("ErrorCode", "30003"),
                ("AccountSid", "AC1"),
                ("To", "+1555"),
                ("From", "+1666"),
            ]),
            10,
        );
        assert_eq!(
            post,
            Post::Status {
                sid: "SM3".into(),
                account_sid: "AC1".into(),
                status: Status::Failed,
                error_code: Some("30003".into()),
            }
        );
        for (s, want) in [
            ("queued", Status::Pending),
            ("sending", Status::Pending),
            ("sent", Status::Sent),
            ("delivered", Status::Delivered),
            ("read", Status::Read),
            ("failed", Status::Failed),
        ] {
            let Post::Status { status, error_code, .. } = parse(
                &p(&[("MessageSid", "SM4"), ("MessageStatus", s), ("ErrorCode", "0")]),
                10,
            ) else {
                panic!("{s}")
            };
            assert_eq!((status, error_code), (want, None), "{s}");
        }
        assert_eq!(parse(&p(&[("Body", "no sid")]), 10), Post::Other);
        assert_eq!(
            parse(&p(&[("MessageSid", "SM5"), ("SmsStatus", "received")]), 10),
            Post::Other
        );
    }
}
