//! The website widget and the agents' dashboard in headless Chromium
//! (Debian's chromium, driven by playwright-core from tests/browser), each
//! script against a server started here on port 0 and seeded through the
//! API. Screenshots land in target/screenshots.
//!
//! The tests are in `browser/`: the widget, the dashboard, working on
//! conversations in it, and its routing screens.

#[path = "api/cable_client.rs"]
#[allow(dead_code)]
mod cable_client;
#[path = "api/fake_http.rs"]
#[allow(dead_code)]
mod fake_http;
#[path = "api/fake_telegram.rs"]
#[allow(dead_code)]
mod fake_telegram;
#[path = "api/fake_twilio.rs"]
#[allow(dead_code)]
mod fake_twilio;
#[path = "api/fake_whatsapp.rs"]
#[allow(dead_code)]
mod fake_whatsapp;
#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

/// Whether the test servers also register the stand-in channels
/// (`helpers::stand_ins`): the API tests use them; the dashboard shows
/// only the real ones.
const STAND_INS: bool = false;
#[path = "api/mail_servers.rs"]
#[allow(dead_code)]
mod mail_servers;

#[path = "browser/automation.rs"]
mod automation;
#[path = "browser/bots.rs"]
mod bots;
#[path = "browser/conversations.rs"]
mod conversations;
#[path = "browser/dashboard.rs"]
mod dashboard;
#[path = "browser/macros.rs"]
mod macros;
#[path = "browser/routing.rs"]
mod routing;
#[path = "browser/sla.rs"]
mod sla;
#[path = "browser/widget.rs"]
mod widget;

use std::path::PathBuf;
use std::time::Duration;

use helpers::{Db, TestApp};
use reqwest::Method;
use serde_json::json;

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser")
}

/// Chromium and playwright-core, or a skip (a failure under CI).
fn tools() -> Option<PathBuf> {
    let chromium = PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    let driver = browser_dir().join("node_modules/playwright-core");
    if chromium.exists() && driver.exists() {
        return Some(chromium);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!(
            "CI=true but {} or {} is missing: browser tests must run in CI",
            chromium.display(),
            driver.display()
        );
    }
    eprintln!("Chromium or playwright-core missing; skipping the browser test (run npm ci in tests/browser)");
    None
}

fn screenshots_dir() -> PathBuf {
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    shots
}

/// At most two browsers at a time: the tests run in parallel, and more
/// Chromiums than cores turn the scripts' waits into timeouts.
static BROWSERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Runs one script of tests/browser with Chromium, the screenshot folder and
/// `vars` in its environment; fails the test unless it ends with `{"ok":true}`.
async fn run_script(script: &str, chromium: &std::path::Path, vars: &[(&str, String)], limit: Duration) -> String {
    let _turn = BROWSERS.acquire().await.expect("the semaphore is never closed");
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(browser_dir().join(script))
        .env("SHOTS", screenshots_dir())
        .env("CHROMIUM", chromium)
        .kill_on_drop(true);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(limit, cmd.output())
        .await
        .expect("browser run timed out")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("\"ok\":true"), "{stdout}");
    stdout.into_owned()
}
