//! Importing contacts from a CSV file: the file checked at upload, then
//! worked through by its job in batches from a stored cursor.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value, json};
use switchboard_domain::time::{now_micros, unix_secs};
use switchboard_domain::validate;
use switchboard_store::{Contact, ContactKey, DataImport, NewJob};

use crate::auth::AccountCtx;
use crate::jobs::JobFailure;
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult};

/// The largest file an import takes.
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;
/// The most rows (past the header) one file may have.
pub const MAX_IMPORT_ROWS: usize = 50_000;
/// The most columns a file may have.
pub const MAX_IMPORT_COLUMNS: usize = 50;
/// Imports of one account that may wait or run at once (each keeps its
/// file in the database until it ends).
pub const MAX_UNFINISHED_IMPORTS: usize = 5;
/// Rows written per transaction.
pub const IMPORT_BATCH_ROWS: usize = 500;
/// Failed rows kept with their reasons (all are counted).
pub const MAX_FAILED_ROWS_KEPT: usize = 100;
/// Imports listed by `GET /contacts/imports`, newest first.
pub const IMPORTS_LISTED: i64 = 20;
/// The longest identifier or custom attribute name taken from a file.
const MAX_KEY_LEN: usize = 255;

/// Runs one contacts import, batch by batch (each batch its own
/// transaction, with the cursor stored), one import of an account at a time.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct RunImport {
    pub account_id: i64,
    pub import_id: i64,
}

impl crate::job::BackgroundJob for RunImport {
    const KIND: &'static str = "data_import";

    fn unique_key(&self) -> Option<String> {
        Some(format!("data_import:{}", self.import_id))
    }

    async fn run(self, core: Arc<Core>, _ctx: crate::job::JobContext) -> Result<(), JobFailure> {
        core.run_import(self.account_id, self.import_id).await?;
        Ok(())
    }

    /// The import shows failed, with the reason.
    async fn gave_up(self, core: Arc<Core>, error: String) {
        if let Err(e) = core.fail_import(self.account_id, self.import_id, &error).await {
            tracing::error!(import = self.import_id, error = %e, "marking an import failed");
        }
    }
}

const STATUS_PENDING: i16 = 0;
const STATUS_PROCESSING: i16 = 1;
const STATUS_COMPLETED: i16 = 2;
const STATUS_FAILED: i16 = 3;

fn status_name(s: i16) -> &'static str {
    match s {
        STATUS_PENDING => "pending",
        STATUS_PROCESSING => "processing",
        STATUS_COMPLETED => "completed",
        _ => "failed",
    }
}

/// The JSON of an import (our addition: Chatwoot has no endpoint for it).
pub fn import_json(d: &DataImport) -> Value {
    let failed_rows: Value = serde_json::from_str(&d.failed_rows).unwrap_or_else(|_| json!([]));
    json!({
        "id": d.id,
        "account_id": d.account_id,
        "user_id": d.user_id,
        "data_type": d.data_type,
        "status": status_name(d.status),
        "file_name": d.file_name,
        "total_records": d.total_records,
        "processed_records": d.processed_records,
        "created_records": d.created_records,
        "updated_records": d.updated_records,
        "failed_records": d.failed_records,
        "failed_rows": failed_rows,
        "error": d.error,
        "created_at": unix_secs(d.created_at),
        "updated_at": unix_secs(d.updated_at),
    })
}

// ---- reading a file ----

/// What a column of the file holds.
#[derive(Debug, Clone, PartialEq)]
enum Column {
    Name,
    Email,
    Phone,
    Identifier,
    Company,
    City,
    /// A custom attribute, by its key.
    Custom(String),
    /// A column without a header: ignored.
    Ignored,
}

/// The file as text (UTF-8, a leading byte-order mark removed) and its
/// columns; `Err` says why it is no CSV we can read.
fn parse_header(bytes: &[u8]) -> Result<(&str, Vec<Column>, csv::Position), String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text =
        std::str::from_utf8(bytes).map_err(|_| "The file is not a CSV file: save it as CSV in UTF-8".to_string())?;
    if text.contains('\0') {
        return Err("The file is not a CSV file: it holds binary data".into());
    }
    let mut rdr = reader(text);
    let headers = rdr
        .headers()
        .map_err(|e| format!("The file is not a CSV file: {e}"))?
        .clone();
    if headers.len() > MAX_IMPORT_COLUMNS {
        return Err(format!("The file has more than {MAX_IMPORT_COLUMNS} columns"));
    }
    let mut columns = Vec::with_capacity(headers.len());
    let mut seen: Vec<String> = Vec::new();
    for h in headers.iter() {
        let h = h.trim();
        let lower = h.to_lowercase();
        let c = match lower.as_str() {
            "" => Column::Ignored,
            "name" => Column::Name,
            "email" => Column::Email,
            "phone_number" => Column::Phone,
            "identifier" => Column::Identifier,
            "company" | "company_name" => Column::Company,
            "city" => Column::City,
            _ => {
                if h.chars().count() > MAX_KEY_LEN {
                    return Err("A column name is too long".into());
                }
                Column::Custom(h.to_string())
            }
        };
        if c != Column::Ignored {
            if seen.contains(&lower) {
                return Err(format!("The column {h} appears twice"));
            }
            seen.push(lower);
        }
        columns.push(c);
    }
    if !columns
        .iter()
        .any(|c| matches!(c, Column::Name | Column::Email | Column::Phone | Column::Identifier))
    {
        return Err("The file needs a header row naming at least one of name, email, phone_number, identifier".into());
    }
    let start = rdr.position().clone();
    Ok((text, columns, start))
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes())
}

/// A reader of the rows from `byte` on (no header).
fn rows_from(text: &str, byte: usize) -> csv::Reader<&[u8]> {
    let rest = text.get(byte..).unwrap_or("");
    csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(rest.as_bytes())
}

/// The line a record starts on. A record's position (as the csv crate
/// gives it) is where the previous one ended, before its line break, and
/// `line_at` is the line of that byte: the line breaks that follow are
/// counted on.
fn record_line(text: &str, byte: usize, line_at: i64) -> i64 {
    let breaks = text
        .as_bytes()
        .get(byte..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|b| **b == b'\n')
        .count();
    line_at + breaks as i64
}

/// One row, checked, before it meets the database.
#[derive(Debug, Default)]
struct Row {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    identifier: Option<String>,
    additional: Map<String, Value>,
    custom: Map<String, Value>,
}

impl Row {
    /// The keys that would make another row of the file the same contact.
    fn keys(&self) -> Vec<String> {
        let mut k = Vec::new();
        if let Some(i) = &self.identifier {
            k.push(format!("identifier {i}"));
        }
        if let Some(e) = &self.email {
            k.push(format!("email {e}"));
        }
        if let Some(p) = &self.phone {
            k.push(format!("phone_number {p}"));
        }
        k
    }
}

/// A cell as written: trimmed, and without the `'` an export put before
/// a formula-like start.
fn cell(raw: &str) -> &str {
    let t = raw.trim();
    match t.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => t,
    }
}

fn parse_row(columns: &[Column], rec: &csv::StringRecord) -> Result<Row, String> {
    let mut r = Row::default();
    for (i, col) in columns.iter().enumerate() {
        let v = cell(rec.get(i).unwrap_or(""));
        if v.is_empty() {
            continue;
        }
        match col {
            Column::Ignored => {}
            Column::Name => {
                if v.chars().count() > validate::MAX_NAME_LEN {
                    return Err("Name is too long".into());
                }
                r.name = Some(v.to_string());
            }
            Column::Email => r.email = Some(validate::email(v)?),
            Column::Phone => {
                let p = if v.starts_with('+') {
                    v.to_string()
                } else {
                    format!("+{v}")
                };
                r.phone = Some(validate::phone_number(&p)?);
            }
            Column::Identifier => {
                if v.chars().count() > MAX_KEY_LEN {
                    return Err("Identifier is too long".into());
                }
                r.identifier = Some(v.to_string());
            }
            Column::Company | Column::City => {
                if v.chars().count() > validate::MAX_NAME_LEN {
                    return Err(format!(
                        "{} is too long",
                        if *col == Column::City { "City" } else { "Company" }
                    ));
                }
                let key = if *col == Column::City { "city" } else { "company_name" };
                r.additional.insert(key.into(), json!(v));
            }
            Column::Custom(key) => {
                if v.chars().count() > validate::MAX_ATTRIBUTE_STRING {
                    return Err(format!("{key} is too long"));
                }
                r.custom.insert(key.clone(), json!(v));
            }
        }
    }
    if r.name.is_none() && r.email.is_none() && r.phone.is_none() && r.identifier.is_none() {
        return Err("The row has no name, email, phone_number or identifier".into());
    }
    Ok(r)
}

/// What a file is, checked at upload: its text and its row count.
pub struct CheckedFile {
    pub bytes: Vec<u8>,
    pub rows: i64,
    start_byte: i64,
    start_line: i64,
}

/// Checks an uploaded file: UTF-8 CSV with a usable header, at most
/// [`MAX_IMPORT_ROWS`] rows.
pub fn check_file(bytes: Vec<u8>) -> CoreResult<CheckedFile> {
    let invalid = |m: String| CoreError::invalid("import_file", m);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid("The file is empty".into()));
    }
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(invalid(format!(
            "The file is larger than {} MB",
            MAX_IMPORT_BYTES >> 20
        )));
    }
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let (rows, start_byte, start_line) = {
        let (text, _, start) = parse_header(&bytes).map_err(invalid)?;
        let mut rdr = rows_from(text, start.byte() as usize);
        let mut rec = csv::StringRecord::new();
        let mut rows = 0usize;
        loop {
            match rdr.read_record(&mut rec) {
                Ok(true) => {
                    rows += 1;
                    if rows > MAX_IMPORT_ROWS {
                        return Err(invalid(format!("The file has more than {MAX_IMPORT_ROWS} rows")));
                    }
                }
                Ok(false) => break,
                Err(e) => return Err(invalid(format!("The file is not a CSV file: {e}"))),
            }
        }
        (rows as i64, start.byte() as i64, start.line() as i64)
    };
    let bytes = if bom > 0 { bytes[bom..].to_vec() } else { bytes };
    Ok(CheckedFile {
        bytes,
        rows,
        start_byte,
        start_line,
    })
}

/// A line's failure, as kept in `failed_rows`.
fn push_failure(d: &mut DataImport, failures: &mut Vec<Value>, line: i64, reason: &str) {
    d.failed_records += 1;
    if failures.len() < MAX_FAILED_ROWS_KEPT {
        failures.push(json!({ "line": line, "reason": reason }));
    }
}

/// The keys of the rows before `end` that passed their checks, with their
/// lines (to tell a later duplicate where its first is).
fn keys_before(text: &str, columns: &[Column], start: i64, start_line: i64, end: i64) -> HashMap<String, i64> {
    let mut seen = HashMap::new();
    let mut rdr = rows_from(text, start as usize);
    let mut rec = csv::StringRecord::new();
    while let Ok(true) = rdr.read_record(&mut rec) {
        let Some(pos) = rec.position() else { break };
        if start + pos.byte() as i64 >= end {
            break;
        }
        if let Ok(row) = parse_row(columns, &rec) {
            let line = record_line(
                text,
                start as usize + pos.byte() as usize,
                start_line + pos.line() as i64 - 1,
            );
            for k in row.keys() {
                seen.entry(k).or_insert(line);
            }
        }
    }
    seen
}

impl Core {
    /// `POST /contacts/import`: stores the file and queues its job in one
    /// transaction. Administrators only.
    pub async fn create_contact_import(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> CoreResult<Value> {
        ctx.require_admin()?;
        let file = check_file(bytes)?;
        let file_name: String = validate::one_line(file_name).chars().take(MAX_KEY_LEN).collect();
        let mut w = Work::by(self, ctx).await?;
        let unfinished = w
            .tx()
            .list_data_imports(ctx.account_id(), IMPORTS_LISTED)
            .await?
            .iter()
            .filter(|d| d.status < STATUS_COMPLETED)
            .count();
        if unfinished >= MAX_UNFINISHED_IMPORTS {
            return Err(CoreError::invalid(
                "import_file",
                format!("{MAX_UNFINISHED_IMPORTS} imports are still waiting or running; try again when one has ended"),
            ));
        }
        let now = w.now;
        let d = w
            .tx()
            .insert_data_import(
                &DataImport {
                    id: 0,
                    account_id: ctx.account_id(),
                    user_id: Some(ctx.user.id),
                    data_type: "contacts".into(),
                    status: STATUS_PENDING,
                    file_name,
                    total_records: file.rows,
                    processed_records: 0,
                    created_records: 0,
                    updated_records: 0,
                    failed_records: 0,
                    failed_rows: "[]".into(),
                    cursor_byte: file.start_byte,
                    cursor_line: file.start_line,
                    error: None,
                    created_at: now,
                    updated_at: now,
                },
                &file.bytes,
            )
            .await?;
        w.job(import_job(d.account_id, d.id, w.now)).await?;
        w.commit().await?;
        Ok(import_json(&d))
    }

    /// `GET /contacts/imports/{id}`.
    pub async fn contact_import(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        let d = tx.require_data_import(ctx.account_id(), id).await?;
        Ok(import_json(&d))
    }

    /// `GET /contacts/imports`: the latest imports, newest first.
    pub async fn contact_imports(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        let list = tx.list_data_imports(ctx.account_id(), IMPORTS_LISTED).await?;
        Ok(json!({ "payload": list.iter().map(import_json).collect::<Vec<_>>() }))
    }

    /// Works through an import, batch by batch, for about half a job lease;
    /// then queues its own continuation (in the last batch's transaction)
    /// and ends, so no lease runs out while it works. Returns whether the
    /// import has ended.
    async fn run_import(self: &Arc<Self>, account_id: i64, id: i64) -> CoreResult<bool> {
        let budget = self.config.job_lease / 2;
        let started = Instant::now();
        let file = {
            let mut tx = self.store.read().await?;
            tx.data_import_file(account_id, id).await?
        };
        let Some(file) = file else {
            return Ok(true); // ended (or gone) already
        };
        let parsed = parse_header(&file);
        let mut seen: Option<(i64, HashMap<String, i64>)> = None;
        loop {
            let mut w = Work::begin(self).await?;
            let Some(mut d) = w.tx().lock_data_import(account_id, id).await? else {
                return Ok(true);
            };
            if d.status >= STATUS_COMPLETED {
                return Ok(true);
            }
            let (text, columns, start) = match &parsed {
                Ok(p) => p,
                Err(e) => {
                    d.status = STATUS_FAILED;
                    d.error = Some(e.clone());
                    d.updated_at = w.now;
                    w.tx().update_data_import(&d).await?;
                    w.commit().await?;
                    return Ok(true);
                }
            };
            d.status = STATUS_PROCESSING;
            // What earlier rows claimed, rebuilt when another run moved on.
            let keys = match seen.take() {
                Some((at, keys)) if at == d.cursor_byte => keys,
                _ => keys_before(text, columns, start.byte() as i64, start.line() as i64, d.cursor_byte),
            };
            let (keys, ended) = self.import_batch(&mut w, &mut d, text, columns, keys).await?;
            d.updated_at = w.now;
            if ended && d.status != STATUS_FAILED {
                d.status = STATUS_COMPLETED;
            }
            w.tx().update_data_import(&d).await?;
            let out_of_time = !ended && started.elapsed() >= budget;
            if out_of_time {
                w.job(import_job(account_id, id, w.now)).await?;
            }
            w.commit().await?;
            if ended || out_of_time {
                return Ok(ended);
            }
            seen = Some((d.cursor_byte, keys));
        }
    }

    /// Up to [`IMPORT_BATCH_ROWS`] rows from the import's cursor, written in
    /// `w`; moves the cursor and counts. Returns the keys seen so far and
    /// whether the file ended.
    async fn import_batch(
        self: &Arc<Self>,
        w: &mut Work,
        d: &mut DataImport,
        text: &str,
        columns: &[Column],
        mut seen: HashMap<String, i64>,
    ) -> CoreResult<(HashMap<String, i64>, bool)> {
        let mut failures: Vec<Value> = serde_json::from_str(&d.failed_rows).unwrap_or_default();
        let mut rdr = rows_from(text, d.cursor_byte as usize);
        let mut rec = csv::StringRecord::new();
        let mut n = 0;
        let mut ended = false;
        while n < IMPORT_BATCH_ROWS {
            match rdr.read_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => {
                    ended = true;
                    break;
                }
                Err(e) => {
                    // Checked at upload; a file that still fails ends here.
                    d.status = STATUS_FAILED;
                    d.error = Some(format!("The file could not be read past line {}: {e}", d.cursor_line));
                    ended = true;
                    break;
                }
            }
            n += 1;
            let line = match rec.position() {
                Some(p) => record_line(
                    text,
                    (d.cursor_byte as u64 + p.byte()) as usize,
                    d.cursor_line + p.line() as i64 - 1,
                ),
                None => d.cursor_line,
            };
            d.processed_records += 1;
            let row = match parse_row(columns, &rec) {
                Ok(r) => r,
                Err(reason) => {
                    push_failure(d, &mut failures, line, &reason);
                    continue;
                }
            };
            let keys = row.keys();
            if let Some(first) = keys.iter().find_map(|k| seen.get(k)) {
                let reason = format!("Duplicate of line {first}");
                push_failure(d, &mut failures, line, &reason);
                continue;
            }
            for k in keys {
                seen.insert(k, line);
            }
            match self.import_row(w, d.account_id, row).await? {
                Ok(true) => d.created_records += 1,
                Ok(false) => d.updated_records += 1,
                Err(reason) => push_failure(d, &mut failures, line, &reason),
            }
        }
        let pos = rdr.position();
        d.cursor_byte += pos.byte() as i64;
        d.cursor_line += pos.line() as i64 - 1;
        d.failed_rows = Value::Array(failures).to_string();
        if d.status == STATUS_FAILED {
            ended = true;
        }
        Ok((seen, ended))
    }

    /// Writes one row: the contact it matches (identifier, then e-mail, then
    /// phone) is updated, else one is created. `Ok(Err(reason))` when the row
    /// would take another contact's identifier or e-mail; `Ok(Ok(created))`.
    async fn import_row(self: &Arc<Self>, w: &mut Work, account_id: i64, row: Row) -> CoreResult<Result<bool, String>> {
        let now = w.now;
        let tx = w.tx();
        let mut found = None;
        for (key, value) in [
            (ContactKey::Identifier, &row.identifier),
            (ContactKey::Email, &row.email),
            (ContactKey::Phone, &row.phone),
        ] {
            if let Some(v) = value
                && let Some(c) = tx.find_contact_by(account_id, key, v).await?
            {
                found = Some(c);
                break;
            }
        }
        let created = found.is_none();
        let mut c = match found {
            Some(c) => c,
            None => Contact {
                id: 0,
                account_id,
                name: String::new(),
                email: None,
                phone_number: None,
                identifier: None,
                avatar_url: None,
                blocked: false,
                contact_type: 0,
                additional_attributes: json!({}),
                custom_attributes: json!({}),
                last_activity_at: None,
                created_at: now,
                updated_at: now,
            },
        };
        // A value another contact holds is refused, not stolen.
        for (key, value, current, what) in [
            (ContactKey::Identifier, &row.identifier, &c.identifier, "Identifier"),
            (ContactKey::Email, &row.email, &c.email, "Email"),
        ] {
            if !created
                && let Some(v) = value
                && current.as_ref() != Some(v)
                && let Some(other) = tx.find_contact_by(account_id, key, v).await?
                && other.id != c.id
            {
                return Ok(Err(format!("{what} has already been taken")));
            }
        }
        if let Some(v) = row.identifier {
            c.identifier = Some(v);
        }
        if let Some(v) = row.email {
            c.email = Some(v);
        }
        if let Some(v) = row.phone {
            c.phone_number = Some(v);
        }
        if let Some(v) = row.name {
            c.name = v;
        }
        for (target, new) in [
            (&mut c.additional_attributes, row.additional),
            (&mut c.custom_attributes, row.custom),
        ] {
            if new.is_empty() {
                continue;
            }
            match target.as_object_mut() {
                Some(obj) => obj.extend(new),
                None => *target = Value::Object(new),
            }
        }
        c.updated_at = now;
        let result = if created {
            tx.insert_contact(&c).await.map(|_| ())
        } else {
            tx.update_contact(&c).await
        };
        // A conflict means a concurrent writer took the value first: the
        // batch is rolled back and tried again, when the check above sees it.
        result.map(|()| Ok(created)).map_err(CoreError::from)
    }

    /// Marks an import failed (its job gave up).
    pub(crate) async fn fail_import(self: &Arc<Self>, account_id: i64, id: i64, error: &str) -> CoreResult<()> {
        let mut tx = self.store.write().await?;
        let Some(mut d) = tx.lock_data_import(account_id, id).await? else {
            return Ok(());
        };
        if d.status >= STATUS_COMPLETED {
            return Ok(());
        }
        d.status = STATUS_FAILED;
        d.error = Some(error.chars().take(500).collect());
        d.updated_at = now_micros();
        tx.update_data_import(&d).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn import_job(account_id: i64, id: i64, now: i64) -> NewJob {
    let job = RunImport {
        account_id,
        import_id: id,
    };
    NewJob {
        // One account's imports take turns.
        queue_key: Some(format!("data_import:{account_id}")),
        ..crate::job::new_job(&job, now, 10, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows from `from` (at line `line`), with the lines they start on.
    fn rows(text: &str, from: usize, line: i64) -> Vec<(i64, Vec<String>)> {
        let mut rdr = rows_from(text, from);
        let mut rec = csv::StringRecord::new();
        let mut out = Vec::new();
        while rdr.read_record(&mut rec).unwrap() {
            let p = rec.position().unwrap();
            let at = record_line(text, from + p.byte() as usize, line + p.line() as i64 - 1);
            out.push((at, rec.iter().map(str::to_string).collect()));
        }
        out
    }

    #[test]
    fn header_and_lines() {
        let f = check_file(
            "\u{feff}Name,Email,plan\r\nAnna,a@x.test,gold\r\n\"Bo\nB\",b@x.test,\"si\"\"lver\"\r\nCy,c@x.test\r\n"
                .as_bytes()
                .to_vec(),
        )
        .unwrap();
        assert_eq!(f.rows, 3);
        let text = std::str::from_utf8(&f.bytes).unwrap();
        assert!(text.starts_with("Name"), "the byte-order mark is gone");
        let r = rows(text, f.start_byte as usize, f.start_line);
        assert_eq!(r[0].1, vec!["Anna", "a@x.test", "gold"]);
        assert_eq!(r[1].1, vec!["Bo\nB", "b@x.test", "si\"lver"]);
        // The lines of the file (the second row spans two).
        assert_eq!(r.iter().map(|x| x.0).collect::<Vec<_>>(), vec![2, 3, 5]);
        let (_, columns, _) = parse_header(&f.bytes).unwrap();
        assert_eq!(
            columns,
            vec![Column::Name, Column::Email, Column::Custom("plan".into())]
        );
    }

    #[test]
    fn a_batch_resumes_where_the_last_ended() {
        let text = "name\r\na\r\n\r\nb\r\nc\r\n";
        let (_, _, start) = parse_header(text.as_bytes()).unwrap();
        let mut rdr = rows_from(text, start.byte() as usize);
        let mut rec = csv::StringRecord::new();
        assert!(rdr.read_record(&mut rec).unwrap());
        let at = start.byte() as usize + rdr.position().byte() as usize;
        let line = start.line() as i64 + rdr.position().line() as i64 - 1;
        let rest = rows(text, at, line);
        assert_eq!(
            rest.iter().map(|r| (r.0, r.1[0].clone())).collect::<Vec<_>>(),
            vec![(4, "b".to_string()), (5, "c".to_string())]
        );
    }

    #[test]
    fn files_that_are_not_csv() {
        let bad = |b: &[u8]| check_file(b.to_vec()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(bad(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe").contains("not a CSV"));
        assert!(bad(b"").contains("empty"));
        assert!(bad(b"foo,bar\n1,2\n").contains("header row"));
        assert!(bad(b"name,Name\nx,y\n").contains("twice"));
        let many = format!("name\n{}", "x\n".repeat(MAX_IMPORT_ROWS + 1));
        assert!(bad(many.as_bytes()).contains("rows"));
        assert!(check_file(b"name\n".to_vec()).is_ok_and(|f| f.rows == 0));
    }

    #[test]
    fn rows_are_checked() {
        let columns = vec![Column::Name, Column::Email, Column::Phone, Column::Custom("k".into())];
        let row = |cells: &[&str]| parse_row(&columns, &csv::StringRecord::from(cells.to_vec()));
        let r = row(&["  Anna ", "ANNA@X.test", "14155550100", "'=1+1"]).unwrap();
        assert_eq!(r.name.as_deref(), Some("Anna"));
        assert_eq!(r.email.as_deref(), Some("anna@x.test"));
        assert_eq!(r.phone.as_deref(), Some("+14155550100"));
        assert_eq!(r.custom["k"], "=1+1", "an export's quote is taken away");
        assert_eq!(row(&["A", "nope", "", ""]).unwrap_err(), "Email is invalid");
        assert!(row(&["A", "", "12ab", ""]).unwrap_err().contains("e164"));
        assert!(row(&["", "", "", "x"]).unwrap_err().contains("no name"));
        assert!(row(&[&"n".repeat(256), "", "", ""]).unwrap_err().contains("too long"));
        assert!(row(&["A"]).is_ok(), "missing cells are empty");
    }
}
