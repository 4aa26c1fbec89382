//! Message bodies as JSON or multipart forms with files, and serving stored
//! files through signed links.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use switchboard_core::files;
use switchboard_store::NewAttachment;
use tokio::io::AsyncWriteExt;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, QueryParams};

/// How many leading bytes of a file are kept to tell its type and size.
const HEAD: usize = 256 * 1024;

/// A message request: JSON, or a multipart form whose file fields become
/// stored attachments (`attachments[]`; field names like
/// `message[content]` nest as in Rails), its parameters read into `T` as
/// `Parsed` reads them. Parameters that do not fit keep no files.
pub async fn message_request<T: serde::de::DeserializeOwned>(
    st: &Arc<AppState>,
    req: Request,
) -> ApiResult<(T, Vec<NewAttachment>)> {
    let (body, files) = form_body(st, req, st.core.config.max_upload_bytes).await?;
    match switchboard_core::request::parse(&body) {
        Ok(parsed) => Ok((parsed, files)),
        Err(e) => {
            st.core.discard(&files).await;
            Err(e.into())
        }
    }
}

/// Room for a visitor's form beyond its files (fields, part headers, boundaries).
pub const FORM_OVERHEAD: u64 = 1024 * 1024;

/// The largest request body a visitor may send with a message.
pub fn visitor_body_limit(st: &AppState) -> usize {
    usize::try_from(st.core.config.max_upload_bytes.saturating_add(FORM_OVERHEAD)).unwrap_or(usize::MAX)
}

/// A visitor's message body (Client or Widget API): the whole request at
/// most the upload limit (plus a form's overhead), its files together at
/// most the upload limit (413), and within the hourly budgets of the visitor
/// and its inbox (429). Refused uploads leave nothing stored.
pub async fn visitor_message_body(
    st: &Arc<AppState>,
    req: Request,
    visitor: &switchboard_core::public::Visitor,
) -> ApiResult<(Value, Vec<NewAttachment>)> {
    let max = st.core.config.max_upload_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max.saturating_add(FORM_OVERHEAD)) {
        return Err(ApiError::PayloadTooLarge);
    }
    let visitor_key = format!("{}:{}", visitor.inbox.id, visitor.ci.source_id);
    let inbox_key = visitor.inbox.id.to_string();
    let quota = &st.limits.uploads;
    let left = quota.remaining(&visitor_key, &inbox_key, std::time::Instant::now()).0;
    let (total, over): (u64, fn() -> ApiError) = if left < max {
        (left, || ApiError::RateLimited(3600))
    } else {
        (max, || ApiError::PayloadTooLarge)
    };
    let (body, files) = form_body_within(st, req, max, total, over).await?;
    let bytes: u64 = files.iter().map(|f| f.file_size.max(0) as u64).sum();
    if !quota.try_take(&visitor_key, &inbox_key, bytes, std::time::Instant::now()) {
        st.core.discard(&files).await;
        return Err(ApiError::RateLimited(3600));
    }
    Ok((body, files))
}

/// JSON, or a multipart form whose files (each at most `max_file` bytes)
/// are stored; the caller owns them and discards them if it fails.
pub async fn form_body(st: &Arc<AppState>, req: Request, max_file: u64) -> ApiResult<(Value, Vec<NewAttachment>)> {
    form_body_within(st, req, max_file, u64::MAX, || ApiError::PayloadTooLarge).await
}

/// Like `form_body`, with the files together at most `max_total` bytes
/// (`over` is the error when they are not). With a bound, a refused form
/// is read to its end (the route's body limit caps that) before answering.
async fn form_body_within(
    st: &Arc<AppState>,
    req: Request,
    max_file: u64,
    max_total: u64,
    over: fn() -> ApiError,
) -> ApiResult<(Value, Vec<NewAttachment>)> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_form {
        let JsonBody(v) = JsonBody::from_request(req, st).await?;
        return Ok((v, Vec::new()));
    }
    let query = req
        .uri()
        .query()
        .map(|q| crate::rails_params::parse_urlencoded(q.as_bytes()))
        .unwrap_or_default();
    let mut form = Multipart::from_request(req, st)
        .await
        .map_err(|e| ApiError::BadRequest(format!("Malformed form: {e}")))?;
    let mut total: u64 = 0;
    let mut text_left: usize = st.max_body_bytes;
    let mut fields = Map::new();
    let mut stored: Vec<NewAttachment> = Vec::new();
    let result = async {
        while let Some(field) = form.next_field().await.map_err(crate::extract::form_error)? {
            let name = field.name().unwrap_or("").to_string();
            if field.file_name().is_some() || name.starts_with("attachments") || name.contains("[attachments]") {
                if stored.len() >= switchboard_domain::rules::MAX_ATTACHMENTS {
                    return Err(ApiError::Core(switchboard_core::CoreError::invalid(
                        "attachments",
                        "At most 15 attachments per message",
                    )));
                }
                let room = max_total.saturating_sub(total);
                let a = store_file(st, field, max_file.min(room), room < max_file).await;
                let a = match a {
                    Err(Overflow::Total) => return Err(over()),
                    Err(Overflow::Other(e)) => return Err(e),
                    Ok(a) => a,
                };
                total = total.saturating_add(a.file_size.max(0) as u64);
                stored.push(a);
            } else {
                if fields.len() >= 50 {
                    return Err(ApiError::BadRequest("Too many form fields".into()));
                }
                // All text fields together within the JSON body limit.
                let mut field = field;
                let text = crate::extract::form_text(&mut field, &mut text_left).await?;
                crate::rails_params::insert(&mut fields, &name, text);
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        st.core.discard(&stored).await;
        if max_total != u64::MAX {
            // The body is bounded (a visitor's): read the rest of it, so the
            // client, still sending, gets the answer rather than a reset.
            while let Ok(Some(mut field)) = form.next_field().await {
                while let Ok(Some(_)) = field.chunk().await {}
            }
        }
        return Err(e);
    }
    crate::rails_params::merge_query(&mut fields, query);
    Ok((Value::Object(fields), stored))
}

/// Why a file was not stored: past what the request may still hold
/// (`Total`), or anything else.
enum Overflow {
    Total,
    Other(ApiError),
}

impl From<ApiError> for Overflow {
    fn from(e: ApiError) -> Self {
        Overflow::Other(e)
    }
}

/// Streams one file to the store, checking its size as it comes (past
/// `max`: `Overflow::Total` when `total_bound` says `max` is what the
/// request had left, else 413) and its type from its bytes.
async fn store_file(
    st: &Arc<AppState>,
    mut field: axum::extract::multipart::Field<'_>,
    max: u64,
    total_bound: bool,
) -> Result<NewAttachment, Overflow> {
    let store = &st.core.files;
    let key = store.new_key();
    let tmp = store.temp_dir().join(format!("{}.part", uuid::Uuid::new_v4().simple()));
    let original = field.file_name().map(str::to_string);
    let io = |e: std::io::Error| ApiError::Core(switchboard_core::CoreError::Internal(format!("storing a file: {e}")));
    let mut file = tokio::fs::File::create(&tmp).await.map_err(io)?;
    let mut head: Vec<u8> = Vec::new();
    let mut size: u64 = 0;
    let outcome: Result<(), Overflow> = async {
        while let Some(chunk) = field.chunk().await.map_err(crate::extract::form_error)? {
            size += chunk.len() as u64;
            if size > max {
                return Err(if total_bound {
                    Overflow::Total
                } else {
                    Overflow::Other(ApiError::PayloadTooLarge)
                });
            }
            if head.len() < HEAD {
                let take = (HEAD - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        Ok(())
    }
    .await;
    drop(file);
    if let Err(e) = outcome {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(e);
    }
    if size == 0 {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(Overflow::Other(ApiError::Core(switchboard_core::CoreError::invalid(
            "attachments",
            "An attachment is empty",
        ))));
    }
    let (mime, ext) = files::sniff(&head);
    let dims = files::dimensions(mime, &head);
    if let Err(e) = store.put(&key, &tmp).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(Overflow::Other(ApiError::Core(switchboard_core::CoreError::Internal(
            format!("storing a file: {e}"),
        ))));
    }
    Ok(NewAttachment {
        file_type: files::file_type(mime),
        content_type: mime.to_string(),
        extension: Some(ext.to_string()),
        file_name: files::clean_name(original.as_deref(), ext),
        file_size: size as i64,
        width: dims.map(|d| d.0.min(i32::MAX as u32) as i32),
        height: dims.map(|d| d.1.min(i32::MAX as u32) as i32),
        storage_key: key,
    })
}

/// `GET /attachments/{id}/{name}?expires=&signature=`: the file, if the link
/// is genuine and fresh. Only images, audio, video and PDF show inline;
/// everything else (SVG and HTML included) downloads, never sniffed.
pub async fn download(
    State(st): State<Arc<AppState>>,
    axum::extract::Path((id, _name)): axum::extract::Path<(String, String)>,
    q: QueryParams,
) -> ApiResult<Response> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let expires = q.i64("expires").ok().flatten().unwrap_or(0);
    let signature = q.get("signature").unwrap_or("");
    if !st.core.attachment_url_ok(id, expires, signature) {
        return Err(ApiError::not_found());
    }
    let a = {
        let mut tx = st.core.store.read().await?;
        tx.get_attachment(id).await?.ok_or_else(ApiError::not_found)?
    };
    let stream = st
        .core
        .files
        .open(&a.storage_key)
        .await
        .map_err(|e| ApiError::Core(switchboard_core::CoreError::Internal(format!("reading a file: {e}"))))?
        .ok_or_else(ApiError::not_found)?;
    let inline = files::inline_safe(&a.content_type);
    let body = Body::from_stream(stream);
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    let ct = if inline {
        a.content_type.as_str()
    } else {
        "application/octet-stream"
    };
    if let Ok(v) = HeaderValue::from_str(ct) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let encoded: String = form_urlencoded::byte_serialize(a.file_name.as_bytes()).collect();
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        encoded
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    if let Ok(v) = HeaderValue::from_str(&a.file_size.to_string()) {
        h.insert(header::CONTENT_LENGTH, v);
    }
    Ok(resp)
}

/// `GET /avatars/{dir}/{file}`: a user's picture. Public like Chatwoot's
/// avatars (the widget shows them on any site); only keys that are some
/// user's current avatar, and only picture types, are served.
pub async fn avatar(
    State(st): State<Arc<AppState>>,
    axum::extract::Path((dir, file)): axum::extract::Path<(String, String)>,
) -> ApiResult<Response> {
    let (stem, ext) = file.rsplit_once('.').ok_or_else(ApiError::not_found)?;
    let content_type = switchboard_core::resources::avatar_type(ext).ok_or_else(ApiError::not_found)?;
    let key = format!("{dir}/{stem}");
    if !st.core.avatar_served(&key, ext).await? {
        return Err(ApiError::not_found());
    }
    let stream = st
        .core
        .files
        .open(&key)
        .await
        .map_err(|e| ApiError::Core(switchboard_core::CoreError::Internal(format!("reading a file: {e}"))))?
        .ok_or_else(ApiError::not_found)?;
    let mut resp = (StatusCode::OK, Body::from_stream(stream)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(resp)
}

/// Files for rules and macros: Chatwoot's `POST /upload` (a multipart
/// `attachment`), and the older `attach_file` of rules and macros.
pub fn account_routes() -> crate::api::AccountRoutes {
    let route = || axum::routing::post(keep_upload).layer(axum::extract::DefaultBodyLimit::disable());
    crate::api::AccountRoutes::default()
        .route("/upload", route())
        .route("/automation_rules/attach_file", route())
        .route("/macros/attach_file", route())
}

async fn keep_upload(
    State(st): State<Arc<AppState>>,
    crate::extract::Acct(c): crate::extract::Acct,
    req: Request,
) -> ApiResult<Response> {
    let (_, files) = form_body(&st, req, st.core.config.max_upload_bytes).await?;
    Ok(crate::api::ok(st.core.keep_upload(&c, files).await?))
}
