//! The envelopes Chatwoot wraps its answers in, for view structs: a use case
//! returns one of these around its views and http serialises it as it is.

use serde::Serialize;

/// `{"payload": ...}`.
#[derive(Debug, Clone, Serialize)]
pub struct Payload<T> {
    pub payload: T,
}

impl<T> Payload<T> {
    pub fn of(payload: T) -> Self {
        Payload { payload }
    }
}

/// `{"meta": {"count", "current_page"}, "payload": [...]}`: one page of a
/// list and how many there are in all.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub meta: PageMeta,
    pub payload: Vec<T>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct PageMeta {
    pub count: i64,
    pub current_page: i64,
}

impl<T> Page<T> {
    pub fn new(payload: Vec<T>, count: i64, current_page: i64) -> Self {
        Page {
            meta: PageMeta { count, current_page },
            payload,
        }
    }
}
