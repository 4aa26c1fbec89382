//! Who is online: agents and contacts seen within the presence window
//! (clients refresh with `update_presence` every 20 seconds). Agents are
//! remembered longer ([`USER_MEMORY`]) so routing can give an agent whose
//! socket dropped a grace period before counting them absent.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const PRESENCE_WINDOW: Duration = Duration::from_secs(20);
/// How long an agent's last sighting is kept: the longest grace period.
pub const USER_MEMORY: Duration = Duration::from_secs(3600);

#[derive(Default)]
pub struct Presence {
    users: Mutex<HashMap<(i64, i64), Instant>>,
    contacts: Mutex<HashMap<(i64, i64), Instant>>,
}

/// Who in `account_id` was seen within `within`, and how long ago; entries
/// older than `keep` are forgotten on the way.
fn seen(
    map: &Mutex<HashMap<(i64, i64), Instant>>,
    account_id: i64,
    now: Instant,
    within: Duration,
    keep: Duration,
) -> Vec<(i64, Duration)> {
    let mut g = map.lock().unwrap_or_else(|e| e.into_inner());
    g.retain(|_, at| now.duration_since(*at) < keep);
    let mut ids: Vec<(i64, Duration)> = g
        .iter()
        .filter(|((a, _), at)| *a == account_id && now.duration_since(**at) < within)
        .map(|((_, id), at)| (*id, now.duration_since(*at)))
        .collect();
    ids.sort_unstable();
    ids
}

fn online(map: &Mutex<HashMap<(i64, i64), Instant>>, account_id: i64, now: Instant, keep: Duration) -> Vec<i64> {
    seen(map, account_id, now, PRESENCE_WINDOW, keep)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

impl Presence {
    /// Marks an agent seen; true when they were not online a moment ago
    /// (a first socket, or back after a gap).
    pub fn touch_user(&self, account_id: i64, user_id: i64, now: Instant) -> bool {
        let before = self
            .users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((account_id, user_id), now);
        before.is_none_or(|at| now.duration_since(at) >= PRESENCE_WINDOW)
    }

    pub fn touch_contact(&self, account_id: i64, contact_id: i64, now: Instant) {
        self.contacts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((account_id, contact_id), now);
    }

    pub fn online_users(&self, account_id: i64, now: Instant) -> Vec<i64> {
        online(&self.users, account_id, now, USER_MEMORY)
    }

    /// Agents seen within `within` (at most [`USER_MEMORY`]), with how long ago.
    pub fn users_seen(&self, account_id: i64, now: Instant, within: Duration) -> Vec<(i64, Duration)> {
        seen(&self.users, account_id, now, within, USER_MEMORY)
    }

    pub fn online_contacts(&self, account_id: i64, now: Instant) -> Vec<i64> {
        online(&self.contacts, account_id, now, PRESENCE_WINDOW)
    }

    pub fn is_contact_online(&self, account_id: i64, contact_id: i64, now: Instant) -> bool {
        self.contacts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(account_id, contact_id))
            .is_some_and(|seen| now.duration_since(*seen) < PRESENCE_WINDOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window() {
        let p = Presence::default();
        let t0 = Instant::now();
        p.touch_user(1, 10, t0);
        p.touch_user(2, 20, t0);
        p.touch_contact(1, 5, t0);
        assert_eq!(p.online_users(1, t0 + Duration::from_secs(5)), vec![10]);
        assert_eq!(p.online_contacts(1, t0), vec![5]);
        assert!(p.online_users(1, t0 + Duration::from_secs(21)).is_empty());
        assert!(!p.is_contact_online(1, 5, t0 + Duration::from_secs(21)));
    }

    #[test]
    fn agents_are_remembered_for_the_grace_period() {
        let p = Presence::default();
        let t0 = Instant::now();
        assert!(p.touch_user(1, 10, t0), "a first sighting is an arrival");
        assert!(!p.touch_user(1, 10, t0 + Duration::from_secs(10)), "a refresh is not");
        let later = t0 + Duration::from_secs(100);
        assert!(p.online_users(1, later).is_empty());
        assert_eq!(
            p.users_seen(1, later, Duration::from_secs(180)),
            vec![(10, Duration::from_secs(90))]
        );
        assert!(p.users_seen(1, later, Duration::from_secs(60)).is_empty());
        assert!(p.touch_user(1, 10, later), "back after a gap is an arrival");
        assert!(p.users_seen(1, later + USER_MEMORY, USER_MEMORY * 2).is_empty());
    }
}
