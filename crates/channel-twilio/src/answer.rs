//! Reading the Messages API's answers.

use serde::Deserialize;

/// What sending a message came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Accepted: Twilio's id for the message.
    Accepted(String),
    /// Worth trying again (429, 5xx), after the seconds Twilio asked for.
    Retry { reason: String, after_secs: Option<u64> },
    /// Will not go through as it is (a bad number, an unverified sender).
    Refused(String),
}

#[derive(Deserialize)]
struct Created {
    sid: String,
}

#[derive(Deserialize)]
struct Failure {
    code: Option<i64>,
    message: Option<String>,
}

/// Reads an answer to `POST .../Messages.json`: its status, its
/// `Retry-After` header (seconds) and body.
pub fn read(status: u16, retry_after: Option<&str>, body: &[u8]) -> Sent {
    if (200..300).contains(&status) {
        return match serde_json::from_slice::<Created>(body) {
            Ok(c) if !c.sid.is_empty() => Sent::Accepted(c.sid),
            _ => Sent::Retry {
                reason: "Twilio accepted the message without naming it".into(),
                after_secs: None,
            },
        };
    }
    let said = serde_json::from_slice::<Failure>(body).ok();
    let reason = match said {
        Some(Failure {
            code: Some(code),
            message: Some(m),
        }) => format!("{m} (Twilio error {code})"),
        Some(Failure { message: Some(m), .. }) => m,
        _ => format!("Twilio answered {status}"),
    };
    if status == 429 || status >= 500 || status == 408 {
        Sent::Retry {
            reason,
            after_secs: retry_after.and_then(|s| s.trim().parse().ok()),
        }
    } else {
        Sent::Refused(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(
            read(201, None, br#"{"sid":"SM9","status":"queued"}"#),
            Sent::Accepted("SM9".into())
        );
        assert_eq!(
            read(
                400,
                None,
                br#"{"code":21211,"message":"The 'To' number 123 is not a valid phone number.","status":400}"#
            ),
            Sent::Refused("The 'To' number 123 is not a valid phone number. (Twilio error 21211)".into())
        );
        assert_eq!(
            read(
                429,
                Some("3"),
                br#"{"code":20429,"message":"Too Many Requests","status":429}"#
            ),
            Sent::Retry {
                reason: "Too Many Requests (Twilio error 20429)".into(),
                after_secs: Some(3)
            }
        );
        assert_eq!(
            read(503, None, b"<html>down</html>"),
            Sent::Retry {
                reason: "Twilio answered 503".into(),
                after_secs: None
            }
        );
        assert!(matches!(read(200, None, b"{}"), Sent::Retry { .. }));
    }
}
