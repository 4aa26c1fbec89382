//! The channels a server runs, looked up by name (URLs, requests), by code
//! (stored inboxes) and by periodic kind (stored jobs).

use std::sync::Arc;

use crate::{Channel, Periodic};

/// The registered channels. Built once by the binary.
#[derive(Clone, Default)]
pub struct Channels {
    list: Vec<Arc<dyn Channel>>,
}

impl Channels {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a channel. Names, codes, class names and periodic kinds are
    /// each one channel's: a clash is a wiring mistake and stops the server.
    pub fn with(mut self, channel: impl Channel) -> Self {
        for c in &self.list {
            assert!(
                c.name() != channel.name() && c.code() != channel.code() && c.class_name() != channel.class_name(),
                "channel {} is registered twice (name, code or class name)",
                channel.name()
            );
            for p in c.periodic() {
                assert!(
                    channel.periodic().iter().all(|q| q.kind != p.kind),
                    "periodic kind {} is registered twice",
                    p.kind
                );
            }
        }
        assert!(
            channel.code() > 1,
            "codes 0 and 1 are the built-in API and website channels"
        );
        self.list.push(Arc::new(channel));
        self
    }

    pub fn all(&self) -> impl Iterator<Item = &dyn Channel> {
        self.list.iter().map(|c| c.as_ref())
    }

    pub fn by_name(&self, name: &str) -> Option<&dyn Channel> {
        self.all().find(|c| c.name() == name)
    }

    pub fn by_code(&self, code: i16) -> Option<&dyn Channel> {
        self.all().find(|c| c.code() == code)
    }

    /// The channel whose periodic work is stored as `kind`.
    pub fn by_periodic_kind(&self, kind: &str) -> Option<(&dyn Channel, Periodic)> {
        self.periodic().find(|(_, p)| p.kind == kind)
    }

    /// Every periodic task of every channel.
    pub fn periodic(&self) -> impl Iterator<Item = (&dyn Channel, Periodic)> {
        self.all().flat_map(|c| c.periodic().iter().map(move |p| (c, *p)))
    }

    /// The largest webhook body any channel takes.
    pub fn max_body(&self) -> usize {
        self.all().map(|c| c.max_body()).max().unwrap_or(0)
    }
}
