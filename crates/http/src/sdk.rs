//! The website widget's public files: `/widget.js` (our own snippet),
//! `/packs/js/sdk.js` (the same widget behind Chatwoot's `chatwootSDK.run`,
//! so Chatwoot's embed code works with only its BASE_URL changed) and
//! `/widget?website_token=` (the chat as a page of its own: Chatwoot's
//! popout window).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::extract::QueryParams;

/// The widget: widget.js in one more function scope that also holds the
/// Markdown renderer and the brand colour's text colour it shares with the
/// dashboard (so nothing reaches the host page's globals).
macro_rules! widget_js {
    () => {
        concat!(
            "(() => {\n",
            include_str!("../../../web/shared/markdown.js"),
            "\n",
            include_str!("../../../web/shared/contrast.js"),
            "\n",
            include_str!("../../../web/widget/widget.js"),
            "\n})();\n"
        )
    };
}
const WIDGET_JS: &str = widget_js!();
/// The widget followed by the adapter that speaks Chatwoot's SDK.
const SDK_JS: &str = concat!(widget_js!(), "\n", include_str!("../../../web/widget/chatwoot-sdk.js"));

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/widget.js", get(widget_js).layer(crate::compressed()))
        .route("/packs/js/sdk.js", get(sdk_js).layer(crate::compressed()))
        .route("/widget", get(widget_page).layer(crate::compressed()))
}

/// A script any site may load: cached briefly, so a new release reaches
/// visitors within minutes.
fn script(body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

async fn widget_js() -> Response {
    script(WIDGET_JS)
}

async fn sdk_js() -> Response {
    script(SDK_JS)
}

/// Text safe inside an HTML attribute or element.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A locale as Chatwoot writes them (`en`, `pt_BR`, `zh-TW`), else nothing.
fn locale_param(q: &QueryParams) -> Option<&str> {
    q.get("locale").filter(|l| {
        !l.is_empty() && l.len() <= 10 && l.chars().all(|c| c.is_ascii_alphabetic() || c == '_' || c == '-')
    })
}

/// A visitor token (`cw_conversation`) that can be one: its characters and
/// size. Whether it is valid is decided by the Widget API when the page uses it.
fn conversation_param(q: &QueryParams) -> Option<&str> {
    q.get("cw_conversation").filter(|t| {
        !t.is_empty() && t.len() <= 4096 && t.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    })
}

/// The page's policy: only our own script and connections; the widget's
/// styles live in its shadow root; pictures may come from agents' avatar
/// hosts or the file store. Other sites may frame it, as Chatwoot's.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; \
     img-src 'self' https: data: blob:; media-src 'self' https: blob:; connect-src 'self' ws: wss:; \
     base-uri 'none'; form-action 'none'";

fn page(status: StatusCode, lang: &str, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body>{body}</body></html>\n",
        lang = escape(lang),
        title = escape(title),
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The address may carry the visitor's token: never cached or passed on.
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
        ],
        html,
    )
        .into_response()
}

/// `GET /widget?website_token=...[&cw_conversation=...][&locale=...]`: the
/// chat of that website inbox filling the page, resuming the visitor of
/// `cw_conversation` when it is one of this inbox's.
async fn widget_page(State(st): State<Arc<AppState>>, q: QueryParams) -> Response {
    let lang = locale_param(&q)
        .map(|l| l.replace('_', "-"))
        .unwrap_or_else(|| "en".into());
    let token = q.get("website_token").unwrap_or("").trim();
    if token.is_empty() {
        return page(
            StatusCode::NOT_FOUND,
            &lang,
            "Chat not found",
            "<h1>Chat not found</h1><p>This address names no chat: its website_token is missing.</p>",
        );
    }
    let inbox = match st.core.widget_inbox(token).await {
        Ok(i) => i,
        Err(switchboard_core::CoreError::NotFound) => {
            return page(
                StatusCode::NOT_FOUND,
                &lang,
                "Chat not found",
                "<h1>Chat not found</h1><p>No chat has this website_token; it may have been removed.</p>",
            );
        }
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let mut attrs = format!(
        " data-website-token=\"{}\" data-mode=\"page\"",
        escape(&inbox.channel_key)
    );
    if let Some(l) = locale_param(&q) {
        attrs.push_str(&format!(" data-locale=\"{}\"", escape(l)));
    }
    if let Some(t) = conversation_param(&q) {
        attrs.push_str(&format!(" data-conversation=\"{}\"", escape(t)));
    }
    page(
        StatusCode::OK,
        &lang,
        &inbox.name,
        &format!("<script src=\"/widget.js\"{attrs}></script>"),
    )
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
