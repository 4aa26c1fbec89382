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

#[derive(Debug, Clone, Serialize)]
pub struct PageMeta {
    pub count: i64,
    pub current_page: i64,
    /// The keyset cursor of the next page, where the list has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn new(payload: Vec<T>, count: i64, current_page: i64) -> Self {
        Page {
            meta: PageMeta {
                count,
                current_page,
                next_cursor: None,
            },
            payload,
        }
    }
}
