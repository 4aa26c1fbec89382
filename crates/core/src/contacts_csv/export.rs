//! Exporting contacts as CSV: page by page for a download, or whole in
//! a mail by the `contacts_export` job.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_domain::time::iso;
use switchboard_domain::validate;
use switchboard_store::Contact;

use crate::auth::AccountCtx;
use crate::jobs::JobFailure;
use crate::mailer::MailError;
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult};

/// Contacts read per page while exporting.
pub const EXPORT_PAGE: i64 = 500;
/// The largest CSV attached to an export mail; a bigger export is mailed
/// as a link to the download only.
pub const MAX_EXPORT_ATTACHMENT: usize = 10 * 1024 * 1024;

/// Builds a contacts CSV and mails it to the administrator who asked; the
/// rest of the payload is the export's columns and label.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ContactsExport {
    pub account_id: i64,
    pub user_id: i64,
    #[serde(flatten)]
    pub spec: serde_json::Map<String, Value>,
}

impl crate::job::BackgroundJob for ContactsExport {
    const KIND: &'static str = "contacts_export";

    /// One export at a time waits for each administrator.
    fn unique_key(&self) -> Option<String> {
        Some(format!("contacts_export:{}:{}", self.account_id, self.user_id))
    }

    async fn run(self, core: Arc<Core>, _ctx: crate::job::JobContext) -> Result<(), JobFailure> {
        contacts_export(&core, self).await
    }
}

/// The columns an export may have; the first four are the default, as in
/// Chatwoot. Other names are left out.
const EXPORT_COLUMNS: &[&str] = &[
    "id",
    "name",
    "email",
    "phone_number",
    "identifier",
    "blocked",
    "contact_type",
    "company_name",
    "city",
    "country",
    "additional_attributes",
    "custom_attributes",
    "last_activity_at",
    "created_at",
    "updated_at",
];

/// What to export: columns and an optional label.
#[derive(Debug, Clone)]
pub struct ExportSpec {
    pub columns: Vec<String>,
    pub label: Option<String>,
}

impl ExportSpec {
    /// From `column_names` (a list, or one comma-separated string) and
    /// `label`; unknown columns are left out, none left means the default.
    pub fn new(column_names: Vec<String>, label: Option<String>) -> CoreResult<ExportSpec> {
        let mut columns: Vec<String> = Vec::new();
        for c in column_names.iter().flat_map(|c| c.split(',')) {
            let c = c.trim();
            if EXPORT_COLUMNS.contains(&c) && !columns.iter().any(|x| x == c) {
                columns.push(c.to_string());
            }
        }
        if columns.is_empty() {
            columns = EXPORT_COLUMNS[..4].iter().map(|s| s.to_string()).collect();
        }
        let label = match label.filter(|l| !l.trim().is_empty()) {
            Some(l) => Some(validate::label_title(&l).map_err(|m| CoreError::invalid("label", m))?),
            None => None,
        };
        Ok(ExportSpec { columns, label })
    }

    fn to_json(&self) -> Value {
        json!({ "column_names": self.columns, "label": self.label })
    }

    fn from_json(v: &Value) -> ExportSpec {
        let columns = v
            .get("column_names")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        let label = v.get("label").and_then(Value::as_str).map(str::to_string);
        ExportSpec::new(columns, label).unwrap_or(ExportSpec {
            columns: EXPORT_COLUMNS[..4].iter().map(|s| s.to_string()).collect(),
            label: None,
        })
    }
}

/// A cell a spreadsheet would run as a formula gets a leading `'`.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// A cell always quoted, and neutralised (the SLA and CSAT downloads).
pub fn quoted(cell: &str) -> String {
    format!("\"{}\"", neutralise(cell).replace('"', "\"\""))
}

fn attr(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn contact_cell(c: &Contact, column: &str) -> String {
    let time = |t: Option<i64>| t.map(iso).unwrap_or_default();
    match column {
        "id" => c.id.to_string(),
        "name" => c.name.clone(),
        "email" => c.email.clone().unwrap_or_default(),
        "phone_number" => c.phone_number.clone().unwrap_or_default(),
        "identifier" => c.identifier.clone().unwrap_or_default(),
        "blocked" => c.blocked.to_string(),
        "contact_type" => match c.contact_type {
            1 => "lead",
            2 => "customer",
            _ => "visitor",
        }
        .to_string(),
        "company_name" => attr(&c.additional_attributes, "company_name"),
        "city" => attr(&c.additional_attributes, "city"),
        "country" => attr(&c.additional_attributes, "country"),
        "additional_attributes" => c.additional_attributes.to_string(),
        "custom_attributes" => c.custom_attributes.to_string(),
        "last_activity_at" => time(c.last_activity_at),
        "created_at" => time(Some(c.created_at)),
        "updated_at" => time(Some(c.updated_at)),
        _ => String::new(),
    }
}

/// CSV text of `rows` (each a list of cells), neutralised.
fn csv_lines<'a>(rows: impl Iterator<Item = Vec<String>> + 'a) -> CoreResult<Vec<u8>> {
    let mut wtr = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        wtr.write_record(row.iter().map(|c| neutralise(c).into_owned()))
            .map_err(|e| CoreError::Internal(format!("writing CSV: {e}")))?;
    }
    wtr.into_inner()
        .map_err(|e| CoreError::Internal(format!("writing CSV: {e}")))
}

impl Core {
    /// The header line of an export. Administrators only (checked here,
    /// before a download starts).
    pub fn export_header(self: &Arc<Self>, ctx: &AccountCtx, spec: &ExportSpec) -> CoreResult<Vec<u8>> {
        ctx.require_admin()?;
        csv_lines(std::iter::once(spec.columns.clone()))
    }

    /// The CSV lines of the next page of contacts after `after_id`, and the
    /// id to go on from (`None` at the end).
    pub async fn export_page(
        self: &Arc<Self>,
        account_id: i64,
        spec: &ExportSpec,
        after_id: i64,
    ) -> CoreResult<(Vec<u8>, Option<i64>)> {
        let rows = {
            let mut tx = self.store.read().await?;
            tx.export_contacts_page(account_id, spec.label.as_deref(), after_id, EXPORT_PAGE)
                .await?
        };
        let next = (rows.len() as i64 == EXPORT_PAGE)
            .then(|| rows.last().map(|c| c.id))
            .flatten();
        let bytes = csv_lines(
            rows.iter()
                .map(|c| spec.columns.iter().map(|col| contact_cell(c, col)).collect()),
        )?;
        Ok((bytes, next))
    }

    /// `POST /contacts/export`: queues the job that mails the CSV to the
    /// caller. Without a mail server: 422, pointing to the download.
    pub async fn request_contacts_export(self: &Arc<Self>, ctx: &AccountCtx, spec: ExportSpec) -> CoreResult<Value> {
        ctx.require_admin()?;
        if !self.mailer.configured() {
            return Err(CoreError::invalid(
                "export",
                format!(
                    "No mail server is configured, so the export cannot be mailed: download it from \
                     GET /api/v1/accounts/{}/contacts/export",
                    ctx.account_id()
                ),
            ));
        }
        let mut w = Work::by(self, ctx).await?;
        let job = ContactsExport {
            account_id: ctx.account_id(),
            user_id: ctx.user.id,
            spec: match spec.to_json() {
                Value::Object(m) => m,
                _ => serde_json::Map::new(),
            },
        };
        let now = w.now;
        w.job(crate::job::new_job(&job, now, 8, Some(now + 24 * 3600 * 1_000_000)))
            .await?;
        w.commit().await?;
        Ok(json!({ "message": "The export is being prepared; it will be mailed to you." }))
    }

    /// The link an export mail carries: the download, for a signed-in
    /// administrator.
    fn export_url(&self, account_id: i64, spec: &ExportSpec) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("column_names", &spec.columns.join(","));
        if let Some(l) = &spec.label {
            q.append_pair("label", l);
        }
        format!(
            "{}/api/v1/accounts/{account_id}/contacts/export?{}",
            self.public_url().trim_end_matches('/'),
            q.finish()
        )
    }
}

/// The `contacts_export` job: builds the CSV (up to
/// [`MAX_EXPORT_ATTACHMENT`]) and mails it to the administrator who asked,
/// as an attachment, with the download link beside it.
async fn contacts_export(core: &Arc<Core>, job: ContactsExport) -> Result<(), JobFailure> {
    let (account_id, user_id) = (job.account_id, job.user_id);
    let spec = ExportSpec::from_json(&Value::Object(job.spec));
    let (user, account) = {
        let mut tx = core.store.read().await?;
        let member = tx.get_account_user(account_id, user_id).await?;
        if !member.is_some_and(|m| m.is_admin()) {
            return Ok(()); // no longer an administrator here: nothing to send
        }
        let Some(user) = tx.get_user(user_id).await? else {
            return Ok(());
        };
        let account = tx.require_account(account_id).await?;
        (user, account)
    };
    let started = Instant::now();
    let limit = core.config.job_lease / 2;
    let mut csv = csv_lines(std::iter::once(spec.columns.clone()))?;
    let mut after = 0;
    let mut whole = true;
    loop {
        let (bytes, next) = core.export_page(account_id, &spec, after).await?;
        if csv.len() + bytes.len() > MAX_EXPORT_ATTACHMENT || started.elapsed() > limit / 2 {
            whole = false;
            break;
        }
        csv.extend_from_slice(&bytes);
        match next {
            Some(n) => after = n,
            None => break,
        }
    }
    let account_name = validate::person_name(&account.name).unwrap_or_default();
    let url = core.export_url(account_id, &spec);
    let (text, attachment) = if whole {
        (
            format!(
                "Hello {name},\n\nThe contacts of {account_name} you asked for are attached as CSV.\n\n\
                 You can also download them, signed in as an administrator:\n{url}\n",
                name = validate::person_name(&user.name).unwrap_or_default(),
            ),
            Some(csv),
        )
    } else {
        (
            format!(
                "Hello {name},\n\nThe contacts of {account_name} you asked for are too many to attach \
                 to a mail. Download them, signed in as an administrator:\n{url}\n",
                name = validate::person_name(&user.name).unwrap_or_default(),
            ),
            None,
        )
    };
    let file_name = format!("contacts-{account_id}.csv");
    let subject = format!("Your contacts export of {account_name}");
    let sent = core
        .mailer
        .send_with_attachment(
            &user.email,
            &subject,
            text,
            attachment.map(|a| (file_name, a)),
            limit.saturating_sub(started.elapsed()).max(Duration::from_secs(1)),
        )
        .await;
    match sent {
        Ok(()) => Ok(()),
        Err(MailError::Permanent(e)) => Err(JobFailure::Permanent(e)),
        Err(MailError::Retry(e)) => Err(JobFailure::Retry { error: e, after: None }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for (i, o) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@x", "'@x"),
            ("\tx", "'\tx"),
            ("plain", "plain"),
            ("", ""),
        ] {
            assert_eq!(neutralise(i), o);
        }
        let out = csv_lines(std::iter::once(vec![
            "a,b".into(),
            "Жанна".into(),
            "=1".into(),
            "q\"".into(),
        ]))
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\"a,b\",Жанна,'=1,\"q\"\"\"\r\n");
    }
}
