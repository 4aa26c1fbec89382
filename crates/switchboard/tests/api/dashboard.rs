//! The dashboard's files: only the listed ones, each with a strict content
//! security policy, never framed, revalidated by ETag.

use reqwest::StatusCode;

use crate::both;
use crate::helpers::TestApp;

async fn dashboard_files(app: TestApp) {
    let files = [
        ("/app", "text/html"),
        ("/app/", "text/html"),
        ("/app/app.js", "text/javascript"),
        ("/app/lib.js", "text/javascript"),
        ("/app/list.js", "text/javascript"),
        ("/app/thread.js", "text/javascript"),
        ("/app/panel.js", "text/javascript"),
        ("/app/picker.js", "text/javascript"),
        ("/app/search.js", "text/javascript"),
        ("/app/markdown.js", "text/javascript"),
        ("/app/settings.js", "text/javascript"),
        ("/app/settings-kit.js", "text/javascript"),
        ("/app/settings-inboxes.js", "text/javascript"),
        ("/app/settings-inbox-flow.js", "text/javascript"),
        ("/app/settings-inbox-forms.js", "text/javascript"),
        ("/app/settings-inbox-widget.js", "text/javascript"),
        ("/app/settings-agents.js", "text/javascript"),
        ("/app/settings-teams.js", "text/javascript"),
        ("/app/settings-labels.js", "text/javascript"),
        ("/app/settings-canned.js", "text/javascript"),
        ("/app/settings-webhooks.js", "text/javascript"),
        ("/app/settings-automation.js", "text/javascript"),
        ("/app/macros.js", "text/javascript"),
        ("/app/settings-bots.js", "text/javascript"),
        ("/app/settings-sla.js", "text/javascript"),
        ("/app/sla.js", "text/javascript"),
        ("/app/settings-account.js", "text/javascript"),
        ("/app/settings-csat.js", "text/javascript"),
        ("/app/settings-attributes.js", "text/javascript"),
        ("/app/settings-routing.js", "text/javascript"),
        ("/app/routing-text.js", "text/javascript"),
        ("/app/queue.js", "text/javascript"),
        ("/app/routing-log.js", "text/javascript"),
        ("/app/profile.js", "text/javascript"),
        ("/app/push.js", "text/javascript"),
        ("/app/contacts.js", "text/javascript"),
        ("/app/app.css", "text/css"),
        ("/app/settings.css", "text/css"),
        ("/app/pages.css", "text/css"),
    ];
    for (path, kind) in files {
        let r = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let h = r.headers().clone();
        assert!(h["content-type"].to_str().unwrap().starts_with(kind), "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        let etag = h["etag"].to_str().unwrap().to_string();
        let body = r.text().await.unwrap();
        assert!(!body.is_empty(), "{path}");
        // The same version again: 304 and no body; another tag: the file.
        let again = app
            .client
            .get(format!("{}{path}", app.base))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.text().await.unwrap().is_empty());
        let other = app
            .client
            .get(format!("{}{path}", app.base))
            .header("if-none-match", "\"0000000000000000\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::OK, "{path}");
    }
    // The page loads every module it names.
    let page = app
        .client
        .get(format!("{}/app", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (path, _) in files.iter().filter(|(p, _)| p.ends_with(".js") || p.ends_with(".css")) {
        assert!(page.contains(path), "index.html does not load {path}");
    }
    for bad in [
        "/app/nope.js",
        "/app/..%2FCargo.toml",
        "/app/..%2F..%2Fetc%2Fpasswd",
        "/app/app.js.map",
        "/app/index.html%00",
    ] {
        let r = app.client.get(format!("{}{bad}", app.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    app.stop().await;
}
both!(dashboard_files);

/// The static files go compressed (brotli or gzip, as asked), the same
/// bytes once unpacked; API answers never are (they hold tokens).
async fn static_files_are_compressed(app: TestApp) {
    use std::io::Read;
    for path in [
        "/app/app.js",
        "/app/settings-kit.js",
        "/app/app.css",
        "/widget.js",
        "/packs/js/sdk.js",
    ] {
        let url = format!("{}{path}", app.base);
        let plain = app.client.get(&url).send().await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none(), "{path}");
        let plain = plain.bytes().await.unwrap();
        let gz = app
            .client
            .get(&url)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(gz.headers()["content-encoding"], "gzip", "{path}");
        assert!(
            gz.headers()["vary"]
                .to_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains("accept-encoding")
        );
        let gz = gz.bytes().await.unwrap();
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, plain, "{path}: gzip unpacks to the file");
        let br = app
            .client
            .get(&url)
            .header("accept-encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(br.headers()["content-encoding"], "br", "{path}");
        let br = br.bytes().await.unwrap();
        let mut unpacked = Vec::new();
        brotli_decompressor::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, plain, "{path}: brotli unpacks to the file");
        assert!(br.len() * 2 < plain.len(), "{path}: {} -> {}", plain.len(), br.len());
        eprintln!(
            "figure: {path} {} bytes, gzip {}, brotli {}",
            plain.len(),
            gz.len(),
            br.len()
        );
    }
    let r = app
        .client
        .get(format!("{}/api/v1/profile", app.base))
        .header("api_access_token", &app.token)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers().get("content-encoding").is_none(),
        "API answers are not compressed"
    );
    app.stop().await;
}
both!(static_files_are_compressed);
