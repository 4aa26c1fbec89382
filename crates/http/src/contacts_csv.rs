//! Contacts as CSV: `POST /contacts/import` (a multipart form with
//! `import_file`), the imports' progress (`GET /contacts/imports[/{id}]`,
//! our addition), `GET /contacts/export` (a streamed download, our
//! addition) and `POST /contacts/export` (mailed, as in Chatwoot).
//! Administrators only.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use switchboard_core::CoreError;
use switchboard_core::contacts_csv::{ExportSpec, MAX_IMPORT_BYTES};

use crate::AppState;
use crate::api::AccountRoutes;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Acct, Ids, JsonBody, QueryParams};
use crate::uploads::FORM_OVERHEAD;

type S = State<Arc<AppState>>;

/// The most form fields an import form may have besides its file.
const MAX_IMPORT_FIELDS: usize = 20;

pub fn account_routes() -> AccountRoutes {
    AccountRoutes::default()
        .route(
            "/contacts/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(
                MAX_IMPORT_BYTES + FORM_OVERHEAD as usize,
            )),
        )
        .route("/contacts/imports", get(imports))
        .route("/contacts/imports/{import_id}", get(import_show))
        .route("/contacts/export", get(export_download).post(export_mail))
}

fn missing_file() -> ApiError {
    ApiError::Core(CoreError::invalid(
        "import_file",
        "Attach a CSV file as import_file (multipart/form-data)",
    ))
}

/// Reads the form's `import_file` into memory, at most
/// [`MAX_IMPORT_BYTES`] (413 past that); other fields are skipped.
async fn read_import_file(st: &Arc<AppState>, req: Request) -> ApiResult<(String, Vec<u8>)> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_IMPORT_BYTES as u64 + FORM_OVERHEAD) {
        return Err(ApiError::PayloadTooLarge);
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_form {
        return Err(missing_file());
    }
    let mut form = Multipart::from_request(req, st)
        .await
        .map_err(|e| ApiError::BadRequest(format!("Malformed form: {e}")))?;
    let mut found: Option<(String, Vec<u8>)> = None;
    let mut fields = 0;
    while let Some(mut field) = form.next_field().await.map_err(crate::extract::form_error)? {
        fields += 1;
        if fields > MAX_IMPORT_FIELDS {
            return Err(ApiError::BadRequest("Too many form fields".into()));
        }
        let wanted = field.name() == Some("import_file") && found.is_none();
        let name = field.file_name().unwrap_or("contacts.csv").to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(crate::extract::form_error)? {
            if !wanted {
                continue;
            }
            if bytes.len() + chunk.len() > MAX_IMPORT_BYTES {
                return Err(ApiError::PayloadTooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        if wanted {
            found = Some((name, bytes));
        }
    }
    found.ok_or_else(missing_file)
}

async fn import(State(st): S, Acct(c): Acct, req: Request) -> ApiResult<Response> {
    // Refused before the file is read.
    c.require_admin()?;
    let (name, bytes) = read_import_file(&st, req).await?;
    Ok(axum::Json(st.core.create_contact_import(&c, &name, bytes).await?).into_response())
}

async fn imports(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(axum::Json(st.core.contact_imports(&c).await?).into_response())
}

async fn import_show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(axum::Json(st.core.contact_import(&c, ids.get("import_id")?).await?).into_response())
}

/// `column_names` as a list (`column_names[]=`, JSON array) or one
/// comma-separated string.
fn column_names(v: Option<&Value>) -> ApiResult<Vec<String>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
            Ok(a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        }
        Some(_) => Err(CoreError::invalid("column_names", "column_names must be a list of column names").into()),
    }
}

fn label(v: Option<&Value>) -> ApiResult<Option<String>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(CoreError::invalid("label", "label must be a label's title").into()),
    }
}

/// `GET /contacts/export?column_names[]=&label=`: the CSV, streamed a page
/// of contacts at a time.
async fn export_download(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    let spec = ExportSpec::new(q.all("column_names"), q.get("label").map(str::to_string))?;
    let header = st.core.export_header(&c, &spec)?;
    let core = st.core.clone();
    let account_id = c.account_id();
    let rest = futures_util::stream::unfold(Some(0i64), move |after| {
        let core = core.clone();
        let spec = spec.clone();
        async move {
            let after = after?;
            match core.export_page(account_id, &spec, after).await {
                Ok((bytes, next)) => Some((Ok::<Bytes, std::io::Error>(Bytes::from(bytes)), next)),
                Err(e) => {
                    tracing::warn!(error = %e, "a contacts export stopped");
                    Some((Err(std::io::Error::other(e.to_string())), None))
                }
            }
        }
    });
    use futures_util::StreamExt;
    let body = futures_util::stream::once(async move { Ok(Bytes::from(header)) }).chain(rest);
    let mut resp = Body::from_stream(body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"contacts.csv\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// `POST /contacts/export {column_names, label}`: mails the CSV to the
/// caller (422 without a mail server). Chatwoot's `payload` filters are not
/// supported: a non-empty one is refused rather than ignored.
async fn export_mail(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    c.require_admin()?;
    if b.get("payload").is_some_and(|p| match p {
        Value::Null => false,
        Value::Array(a) => !a.is_empty(),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }) {
        return Err(CoreError::invalid(
            "payload",
            "Filtered exports are not supported; export everything or one label (label)",
        )
        .into());
    }
    let spec = ExportSpec::new(column_names(b.get("column_names"))?, label(b.get("label"))?)?;
    Ok(axum::Json(st.core.request_contacts_export(&c, spec).await?).into_response())
}
