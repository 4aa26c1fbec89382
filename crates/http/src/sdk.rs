//! The website widget's public files: `/widget.js` (our own snippet),
//! `/packs/js/sdk.js` (the same widget behind Chatwoot's `chatwootSDK.run`,
//! so Chatwoot's embed code works with only its BASE_URL changed) and
//! `/widget?website_token=` (the chat as a page of its own: Chatwoot's
//! popout window).

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::extract::QueryParams;

/// The widget's parts under web/, in the order they are joined, each with
/// its text as embedded at build time.
const WIDGET_PARTS: [(&str, &str); 3] = [
    ("shared/markdown.js", include_str!("../../../web/shared/markdown.js")),
    ("shared/contrast.js", include_str!("../../../web/shared/contrast.js")),
    ("widget/widget.js", include_str!("../../../web/widget/widget.js")),
];
/// The adapter that speaks Chatwoot's SDK, served after the widget.
const SDK_PART: (&str, &str) = (
    "widget/chatwoot-sdk.js",
    include_str!("../../../web/widget/chatwoot-sdk.js"),
);

/// The widget: widget.js in one more function scope that also holds the
/// Markdown renderer and the brand colour's text colour it shares with the
/// dashboard (so nothing reaches the host page's globals); with `sdk`,
/// followed by the Chatwoot adapter. `part` gives each file's text.
fn assemble<'a>(sdk: bool, part: impl Fn(&'static str, &'static str) -> Cow<'a, str>) -> String {
    let mut out = String::from("(() => {\n");
    for (name, embedded) in WIDGET_PARTS {
        out.push_str(&part(name, embedded));
        out.push('\n');
    }
    out.push_str("})();\n");
    if sdk {
        out.push('\n');
        out.push_str(&part(SDK_PART.0, SDK_PART.1));
    }
    out
}

/// The text embedded at build time.
fn embedded(_: &'static str, text: &'static str) -> Cow<'static, str> {
    Cow::Borrowed(text)
}

/// Debug builds read each part from the source tree when it is there, so a
/// change to the widget shows on reload without rebuilding (as the
/// dashboard's files do); release builds serve only what was embedded.
fn from_disk(name: &'static str, text: &'static str) -> Cow<'static, str> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/");
    std::fs::read_to_string(format!("{path}{name}"))
        .map(Cow::Owned)
        .unwrap_or(Cow::Borrowed(text))
}

static WIDGET_JS: LazyLock<String> = LazyLock::new(|| assemble(false, embedded));
static SDK_JS: LazyLock<String> = LazyLock::new(|| assemble(true, embedded));

/// The script to serve: `/widget.js` or, with `sdk`, `/packs/js/sdk.js`.
fn widget_script(sdk: bool) -> Cow<'static, str> {
    if cfg!(debug_assertions) {
        Cow::Owned(assemble(sdk, from_disk))
    } else if sdk {
        Cow::Borrowed(SDK_JS.as_str())
    } else {
        Cow::Borrowed(WIDGET_JS.as_str())
    }
}

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/widget.js", get(widget_js).layer(crate::compressed()))
        .route("/packs/js/sdk.js", get(sdk_js).layer(crate::compressed()))
        .route("/widget", get(widget_page).layer(crate::compressed()))
}

/// A script any site may load: cached briefly, so a new release reaches
/// visitors within minutes.
fn script(body: Cow<'static, str>) -> Response {
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
    script(widget_script(false))
}

async fn sdk_js() -> Response {
    script(widget_script(true))
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
    use super::{assemble, embedded, escape, from_disk};

    /// In the source tree, what debug builds read equals what is embedded
    /// (a build from this tree serves the same widget either way).
    #[test]
    fn disk_and_embedded_agree() {
        for sdk in [false, true] {
            let served = assemble(sdk, embedded);
            assert_eq!(assemble(sdk, from_disk), served);
            assert!(served.starts_with("(() => {\n") && served.contains("function readableTextOn"));
            assert_eq!(served.contains("chatwootSDK"), sdk);
        }
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
