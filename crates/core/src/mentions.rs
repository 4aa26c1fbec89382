//! Mentions in private notes (Chatwoot's `Messages::MentionService`). The
//! dashboard writes a mention as the Markdown link
//! `[@Name](mention://user/42/Name)`; a note from an agent that names users
//! who may see the conversation (administrators and members of its inbox)
//! records a mention for each of them and makes them participants, in the
//! note's own transaction. Other ids (unknown users, other accounts, agents
//! outside the inbox) are ignored; team mentions (`mention://team/..`) too.

use std::collections::HashSet;

use switchboard_store::{Conversation, Message};

use crate::CoreResult;
use crate::work::Work;

/// The most users one note may mention; further ids are ignored.
pub const MAX_MENTIONS_PER_MESSAGE: usize = 20;

const USER_LINK: &str = "(mention://user/";
/// How far the closing parenthesis of a mention may be from its name.
const MAX_NAME_BYTES: usize = 1024;

/// The distinct user ids mentioned in `content`, in order of appearance, at
/// most [`MAX_MENTIONS_PER_MESSAGE`]. A mention is `(mention://user/<id>/<name>)`
/// with a non-empty name, as Chatwoot reads it.
pub fn mentioned_user_ids(content: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = Vec::new();
    let mut rest = content;
    while let Some(pos) = rest.find(USER_LINK) {
        rest = &rest[pos + USER_LINK.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            continue;
        }
        let after = &rest.as_bytes()[digits..];
        // A name of at least one character, then the closing parenthesis on
        // the same line, looked for within a bounded window so a long text
        // of broken links stays linear.
        let named = after.first() == Some(&b'/')
            && after[1..]
                .iter()
                .take(MAX_NAME_BYTES)
                .position(|b| *b == b')' || *b == b'\n')
                .is_some_and(|end| end > 0 && after[1 + end] == b')');
        if !named {
            continue;
        }
        if let Ok(id) = rest[..digits].parse::<i64>()
            && !ids.contains(&id)
        {
            ids.push(id);
            if ids.len() == MAX_MENTIONS_PER_MESSAGE {
                break;
            }
        }
    }
    ids
}

/// Records the mentions of note `msg` in `conv` (the caller checked it is a
/// private note written by an agent) and adds the mentioned users to the
/// conversation's participants.
pub(crate) async fn record(w: &mut Work, conv: &Conversation, msg: &Message) -> CoreResult<()> {
    let ids = mentioned_user_ids(msg.content.as_deref().unwrap_or(""));
    if ids.is_empty() {
        return Ok(());
    }
    let account_id = conv.account_id;
    let users = w.tx().users_in_account(account_id, &ids).await?;
    let mut admins: HashSet<i64> = HashSet::new();
    let mut agents: Vec<(i64, i64)> = Vec::new();
    for u in &users {
        match w.tx().get_account_user(account_id, u.id).await? {
            Some(au) if au.is_admin() => {
                admins.insert(u.id);
            }
            Some(_) => agents.push((conv.inbox_id, u.id)),
            None => {}
        }
    }
    let members: HashSet<i64> = w
        .tx()
        .inbox_memberships(&agents)
        .await?
        .into_iter()
        .map(|(_, user)| user)
        .collect();
    let valid: Vec<i64> = ids
        .into_iter()
        .filter(|id| admins.contains(id) || members.contains(id))
        .collect();
    if valid.is_empty() {
        return Ok(());
    }
    let now = w.now;
    w.tx().upsert_mentions(account_id, conv.id, msg.id, &valid, now).await?;
    w.tx()
        .add_conversation_participants(account_id, conv.id, &valid, now)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_user_mentions_only() {
        let text = "Hi [@Ann](mention://user/42/Ann) and [@Bo](mention://user/7/Bo%20X), \
                    [@Team](mention://team/3/Team), again [@Ann](mention://user/42/Ann)";
        assert_eq!(mentioned_user_ids(text), vec![42, 7]);
    }

    #[test]
    fn ignores_broken_links() {
        for text in [
            "(mention://user/)",
            "(mention://user/12)",
            "(mention://user/12/)",
            "(mention://user/x/Name)",
            "mention://user/12/Name)",
            "(mention://user/12/Name",
            "(mention://user/12/Na\nme)",
            "(mention://user/99999999999999999999999/Name)",
        ] {
            assert!(mentioned_user_ids(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn bounded_per_message() {
        let text: String = (1..=50).map(|i| format!("[@U](mention://user/{i}/U) ")).collect();
        let ids = mentioned_user_ids(&text);
        assert_eq!(ids.len(), MAX_MENTIONS_PER_MESSAGE);
        assert_eq!(ids[0], 1);
        assert_eq!(ids[19], 20);
    }
}
