//! Typed background jobs. A job is a struct, its payload, stored as JSON in
//! the job's row; it implements [`BackgroundJob`] beside the code it runs:
//! its kind (the name in the row), its uniqueness key, what it does, and
//! what it leaves visible when it gives up. [`KINDS`] lists every kind in
//! one place; the runner ([`crate::jobs`]) finds a claimed row's kind there,
//! reads the payload into the struct (a payload that does not fit fails the
//! job for good, with the reason) and runs it.
//!
//! Queue one with [`new_job`] inside the transaction of the change that
//! needs it (`Work::job`), so the job exists exactly when the change does.
//! Kinds and payload fields are stored: renaming either strands rows queued
//! before an upgrade, so both stay as they are once released.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use switchboard_store::{Job, NewJob};

use crate::Core;
use crate::jobs::JobFailure;

/// One kind of background job; `Self` is its payload.
pub trait BackgroundJob: Serialize + DeserializeOwned + Send + 'static {
    /// The kind's name, stored in each row.
    const KIND: &'static str;
    /// What the job's owner reads when the job stopped on an internal error
    /// (a panic: the same input would meet it again, so it is not retried).
    const STOPPED: &'static str = "The job stopped on an internal error";

    /// At most one job with this key is queued or running at a time; queuing
    /// another while one is does nothing.
    fn unique_key(&self) -> Option<String> {
        None
    }

    /// Does the work. `Err(Retry)` runs it again later with backoff,
    /// `Err(Permanent)` gives up now, `Err(Defer)` puts it back untried.
    fn run(self, core: Arc<Core>, ctx: JobContext) -> impl Future<Output = Result<(), JobFailure>> + Send;

    /// What is left visible when the job gives up (attempts or deadline
    /// spent, or a permanent failure): by default a warning in the log.
    fn gave_up(self, core: Arc<Core>, error: String) -> impl Future<Output = ()> + Send {
        async move {
            let _ = core;
            tracing::warn!(kind = Self::KIND, %error, "job gave up");
        }
    }
}

/// What a running job knows of its row.
#[derive(Debug, Clone, Copy)]
pub struct JobContext {
    pub id: i64,
    /// When the lease on the row ends (microseconds): results recorded after
    /// it may race with another worker that took the job over.
    pub lease_end: i64,
    /// Which attempt this is (1 the first time).
    pub attempts: i32,
}

/// The row that queues `job` to run at `run_at`, at most `max_attempts`
/// times and not after `deadline_at`. Set `queue_key` on the result to make
/// jobs of one key run one at a time, in order.
pub fn new_job<J: BackgroundJob>(job: &J, run_at: i64, max_attempts: i32, deadline_at: Option<i64>) -> NewJob {
    NewJob {
        kind: J::KIND.into(),
        // Payloads are plain structs of numbers and strings, which always
        // serialise; were one not to, the job fails visibly as a bad payload.
        payload: serde_json::to_value(job).unwrap_or_default(),
        run_at,
        max_attempts,
        deadline_at,
        unique_key: job.unique_key(),
        queue_key: None,
    }
}

type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;
/// A kind's `run`, its payload read from the row.
type RunFn = fn(Arc<Core>, Job, i64) -> Boxed<Result<(), JobFailure>>;
/// A kind's `gave_up`, its payload read from the row.
type GaveUpFn = fn(Arc<Core>, Job, String) -> Boxed<()>;

/// A registered kind, with its payload type erased.
pub struct Kind {
    pub name: &'static str,
    pub stopped: &'static str,
    run: RunFn,
    gave_up: GaveUpFn,
}

impl Kind {
    /// Runs a claimed row of this kind.
    pub fn run(&self, core: Arc<Core>, job: Job, lease_end: i64) -> Boxed<Result<(), JobFailure>> {
        (self.run)(core, job, lease_end)
    }

    /// Tells a row's owner that it gave up.
    pub fn gave_up(&self, core: Arc<Core>, job: Job, error: String) -> Boxed<()> {
        (self.gave_up)(core, job, error)
    }
}

const fn kind<J: BackgroundJob>() -> Kind {
    Kind {
        name: J::KIND,
        stopped: J::STOPPED,
        run: run_as::<J>,
        gave_up: gave_up_as::<J>,
    }
}

fn run_as<J: BackgroundJob>(core: Arc<Core>, job: Job, lease_end: i64) -> Boxed<Result<(), JobFailure>> {
    Box::pin(async move {
        let payload: J = serde_json::from_value(job.payload)
            .map_err(|e| JobFailure::Permanent(format!("bad {} payload: {e}", J::KIND)))?;
        payload
            .run(
                core,
                JobContext {
                    id: job.id,
                    lease_end,
                    attempts: job.attempts,
                },
            )
            .await
    })
}

fn gave_up_as<J: BackgroundJob>(core: Arc<Core>, job: Job, error: String) -> Boxed<()> {
    Box::pin(async move {
        match serde_json::from_value::<J>(job.payload) {
            Ok(payload) => payload.gave_up(core, error).await,
            Err(_) => tracing::warn!(job = job.id, kind = J::KIND, %error, "job with a bad payload gave up"),
        }
    })
}

/// Every kind of job core has. Channels add theirs (periodic work per
/// inbox, `switchboard_channel::Periodic`), found by the runner through
/// the registered channels.
pub static KINDS: &[Kind] = &[
    kind::<crate::jobs::Deliver>(),
    kind::<crate::automation::effects::TeamMail>(),
    kind::<crate::agent_bots::OpenAfterBot>(),
    kind::<crate::automation::effects::RuleTranscript>(),
    kind::<crate::listen::Listen>(),
    kind::<crate::routing::Route>(),
    kind::<crate::jobs::SnoozeWake>(),
    kind::<crate::sla::SlaCheck>(),
    kind::<crate::channels::ChannelSend>(),
    kind::<crate::invitations::AccountMail>(),
    kind::<crate::contacts_csv::RunImport>(),
    kind::<crate::contacts_csv::ContactsExport>(),
    kind::<crate::transcript::Transcript>(),
    kind::<crate::notifications::NotificationMail>(),
    kind::<crate::push_send::WebPush>(),
    kind::<crate::jobs::Noop>(),
];

/// The registered kind called `name`.
pub fn find(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_name() {
        let mut names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "two kinds share a name");
        assert!(find("deliver").is_some());
        assert!(find("no such kind").is_none());
    }

    #[test]
    fn payloads_keep_their_stored_shape() {
        // Rows queued by earlier versions must still read.
        let row = new_job(
            &crate::jobs::SnoozeWake {
                conversation_id: 7,
                snoozed_until: 9,
            },
            1,
            10,
            None,
        );
        assert_eq!(row.kind, "snooze_wake");
        assert_eq!(
            row.payload,
            serde_json::json!({ "conversation_id": 7, "snoozed_until": 9 })
        );
        assert_eq!(row.unique_key.as_deref(), Some("snooze:7:9"));
        let mail: crate::invitations::AccountMail =
            serde_json::from_value(serde_json::json!({ "reset_email": "a@b.test" })).unwrap();
        assert!(matches!(mail, crate::invitations::AccountMail::Reset { .. }));
        let mail: crate::invitations::AccountMail =
            serde_json::from_value(serde_json::json!({ "invitation_id": 3, "account_id": 1 })).unwrap();
        assert!(matches!(mail, crate::invitations::AccountMail::Invitation { .. }));
        let export: crate::contacts_csv::ContactsExport =
            serde_json::from_value(serde_json::json!({ "account_id": 1, "user_id": 2, "column_names": ["name"] }))
                .unwrap();
        assert_eq!(export.unique_key().as_deref(), Some("contacts_export:1:2"));
        let push: crate::push_send::WebPush = serde_json::from_value(serde_json::json!({
            "subscription_id": 4, "urgent": true,
            "message": { "title": "t", "body": "b", "tag": "conversation_assignment_3",
                         "url": "https://x.test/app#/conversations/3", "notification_id": 9,
                         "notification_type": "conversation_assignment" }
        }))
        .unwrap();
        assert_eq!(push.unique_key().as_deref(), Some("web_push:9:4"));
        assert_eq!(
            serde_json::to_value(&export).unwrap(),
            serde_json::json!({ "account_id": 1, "user_id": 2, "column_names": ["name"] })
        );
    }
}
