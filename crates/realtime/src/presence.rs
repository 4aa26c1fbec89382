//! Who is online: agents and contacts seen within the presence window
//! (clients refresh with `update_presence` every 20 seconds).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const PRESENCE_WINDOW: Duration = Duration::from_secs(20);

#[derive(Default)]
pub struct Presence {
    users: Mutex<HashMap<(i64, i64), Instant>>,
    contacts: Mutex<HashMap<(i64, i64), Instant>>,
}

fn online(map: &Mutex<HashMap<(i64, i64), Instant>>, account_id: i64, now: Instant) -> Vec<i64> {
    let mut g = map.lock().unwrap_or_else(|e| e.into_inner());
    g.retain(|_, seen| now.duration_since(*seen) < PRESENCE_WINDOW);
    let mut ids: Vec<i64> = g.keys().filter(|(a, _)| *a == account_id).map(|(_, id)| *id).collect();
    ids.sort_unstable();
    ids
}

impl Presence {
    pub fn touch_user(&self, account_id: i64, user_id: i64, now: Instant) {
        self.users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((account_id, user_id), now);
    }

    pub fn touch_contact(&self, account_id: i64, contact_id: i64, now: Instant) {
        self.contacts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((account_id, contact_id), now);
    }

    pub fn online_users(&self, account_id: i64, now: Instant) -> Vec<i64> {
        online(&self.users, account_id, now)
    }

    pub fn online_contacts(&self, account_id: i64, now: Instant) -> Vec<i64> {
        online(&self.contacts, account_id, now)
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
}
