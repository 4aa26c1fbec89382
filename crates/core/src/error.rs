use switchboard_store::StoreError;

/// What a use case can refuse with. The HTTP layer maps each variant to
/// Chatwoot's status code and error body.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("Resource could not be found")]
    NotFound,
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    /// A validation failure (422 `{message, attributes}`).
    #[error("{message}")]
    Invalid { message: String, attributes: Vec<String> },
    #[error("{0}")]
    TooManyRequests(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// The database has no room (507): nothing was saved.
    #[error("storage full: {0}")]
    StorageFull(String),
    /// The database is unreachable or overloaded (503 with Retry-After):
    /// nothing was saved.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The transaction lost a race (deadlock, serialization failure) and
    /// was rolled back (503 with Retry-After): nothing was saved.
    #[error("contended: {0}")]
    Contended(String),
}

impl CoreError {
    pub fn invalid(attribute: &str, message: impl Into<String>) -> Self {
        CoreError::Invalid {
            message: message.into(),
            attributes: vec![attribute.to_string()],
        }
    }
    /// Whether this is an outage of the database (full or unreachable)
    /// rather than something about the request.
    pub fn is_outage(&self) -> bool {
        matches!(
            self,
            CoreError::StorageFull(_) | CoreError::Unavailable(_) | CoreError::Contended(_)
        )
    }
    pub fn forbidden() -> Self {
        CoreError::Forbidden("You are not authorized to do this action".into())
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => CoreError::NotFound,
            StoreError::Conflict(c) => CoreError::Invalid {
                message: format!("has already been taken ({c})"),
                attributes: vec![],
            },
            StoreError::Database(d) => CoreError::Internal(d),
            StoreError::Full(d) => CoreError::StorageFull(d),
            StoreError::Unavailable(d) => CoreError::Unavailable(d),
            StoreError::Contended(d) => CoreError::Contended(d),
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
