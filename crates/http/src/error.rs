//! One error type for every handler, rendered in Chatwoot's shapes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use switchboard_core::CoreError;

#[derive(Debug)]
pub enum ApiError {
    Core(CoreError),
    BadRequest(String),
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited(u64),
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        ApiError::Core(e)
    }
}

impl From<switchboard_store::StoreError> for ApiError {
    fn from(e: switchboard_store::StoreError) -> Self {
        ApiError::Core(e.into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn not_found() -> Self {
        ApiError::Core(CoreError::NotFound)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::Core(CoreError::NotFound) => {
                (StatusCode::NOT_FOUND, json!({ "error": "Resource could not be found" }))
            }
            ApiError::Core(CoreError::Unauthorized(m)) => (StatusCode::UNAUTHORIZED, json!({ "error": m })),
            ApiError::Core(CoreError::Forbidden(m)) => (StatusCode::FORBIDDEN, json!({ "message": m, "error": m })),
            ApiError::Core(CoreError::Invalid { message, attributes }) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "message": message, "attributes": attributes }),
            ),
            ApiError::Core(CoreError::TooManyRequests(m)) => (StatusCode::TOO_MANY_REQUESTS, json!({ "error": m })),
            ApiError::Core(CoreError::Internal(m)) => {
                tracing::error!(error = %m, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({ "error": "Internal server error" }),
                )
            }
            ApiError::Core(CoreError::StorageFull(m)) => {
                tracing::error!(error = %m, "database full");
                return unavailable(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "The server's storage is full; nothing was saved. Retry later.",
                );
            }
            ApiError::Core(CoreError::Contended(m)) => {
                tracing::info!(error = %m, "transaction contended");
                return unavailable(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Another change got in the way; nothing was saved. Retry.",
                );
            }
            ApiError::Core(CoreError::Unavailable(m)) => {
                tracing::warn!(error = %m, "database unavailable");
                return unavailable(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The database is unavailable; nothing was saved. Retry later.",
                );
            }
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, json!({ "error": m, "message": m })),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({ "error": "Request body is too large" }),
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                json!({ "error": "The request body must be JSON (Content-Type: application/json)" }),
            ),
            ApiError::RateLimited(secs) => {
                let mut r = (
                    StatusCode::TOO_MANY_REQUESTS,
                    axum::Json(json!({ "error": "Too many requests, retry later" })),
                )
                    .into_response();
                if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return r;
            }
        };
        (status, axum::Json(body)).into_response()
    }
}

/// Seconds a client is asked to wait after an outage answer.
pub const OUTAGE_RETRY_AFTER_SECS: u64 = 5;

/// An outage answer: Chatwoot's error shape with `Retry-After`.
fn unavailable(status: StatusCode, message: &str) -> Response {
    let mut r = (status, axum::Json(json!({ "error": message, "message": message }))).into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(OUTAGE_RETRY_AFTER_SECS));
    r
}
