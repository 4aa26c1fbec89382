//! Widget API routes behind Chatwoot's SDK methods that tell about the
//! visitor: contact attribute removal, the current conversation's custom
//! attributes and labels. Merged into `widget::routes`, so the same
//! allowed-domains check and CORS apply.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::public::{PathParams, limit_write};
use crate::widget::WidgetVisitor;

type S = State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/v1/widget/contact/destroy_custom_attributes",
            post(contact_destroy_attributes),
        )
        .route(
            "/api/v1/widget/conversations/set_custom_attributes",
            post(conversation_set_attributes),
        )
        .route(
            "/api/v1/widget/conversations/destroy_custom_attributes",
            post(conversation_destroy_attributes),
        )
        .route("/api/v1/widget/labels", post(label_add))
        .route("/api/v1/widget/labels/{id}", delete(label_remove))
}

async fn contact_destroy_attributes(
    State(st): S,
    ClientIp(client): ClientIp,
    WidgetVisitor(v): WidgetVisitor,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    limit_write(&st, &v.ci.source_id, client)?;
    Ok(Json(st.core.widget_destroy_contact_attributes(&v, &b).await?).into_response())
}

async fn conversation_set_attributes(
    State(st): S,
    ClientIp(client): ClientIp,
    WidgetVisitor(v): WidgetVisitor,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    limit_write(&st, &v.ci.source_id, client)?;
    Ok(Json(st.core.widget_set_conversation_attributes(&v, &b).await?).into_response())
}

async fn conversation_destroy_attributes(
    State(st): S,
    ClientIp(client): ClientIp,
    WidgetVisitor(v): WidgetVisitor,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    limit_write(&st, &v.ci.source_id, client)?;
    Ok(Json(st.core.widget_destroy_conversation_attributes(&v, &b).await?).into_response())
}

async fn label_add(
    State(st): S,
    ClientIp(client): ClientIp,
    WidgetVisitor(v): WidgetVisitor,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    limit_write(&st, &v.ci.source_id, client)?;
    let label = match b.get("label") {
        Some(serde_json::Value::String(s)) => s.clone(),
        _ => {
            return Err(ApiError::Core(switchboard_core::CoreError::invalid(
                "label",
                "label must be a label's title",
            )));
        }
    };
    st.core.widget_label(&v, &label, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn label_remove(
    State(st): S,
    ClientIp(client): ClientIp,
    WidgetVisitor(v): WidgetVisitor,
    p: PathParams,
) -> ApiResult<Response> {
    limit_write(&st, &v.ci.source_id, client)?;
    st.core.widget_label(&v, p.str("id")?, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
