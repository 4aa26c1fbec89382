//! The HTML a message may keep.

/// Ordinary formatting, links to http(s), mailto and tel only; no scripts,
/// styles, forms, frames or event handlers.
pub fn sanitize_html(html: &str) -> String {
    let schemes: std::collections::HashSet<&str> = ["http", "https", "mailto", "tel"].into_iter().collect();
    ammonia::Builder::default()
        .url_schemes(schemes)
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}
