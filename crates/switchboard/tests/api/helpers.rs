//! The test harness: a real server on port 0 over a fresh database (a
//! temporary SQLite file, or a fresh PostgreSQL schema), real HTTP, and a
//! fake webhook receiver on loopback that records what it got.

/// Stand-in channels the API test servers register.
#[path = "stand_ins.rs"]
pub mod stand_ins;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use switchboard::Settings;
use switchboard::config::Options;
use tokio::net::TcpListener;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests use. Unset: PostgreSQL tests are skipped,
/// except under CI (CI=true), where that is a failure.
pub fn postgres_url() -> Option<String> {
    match std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true but SWITCHBOARD_TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI");
            }
            eprintln!("SWITCHBOARD_TEST_POSTGRES_URL is not set; skipping the PostgreSQL variant");
            None
        }
    }
}

/// A database URL for one test: a new SQLite file or a new PostgreSQL schema.
pub async fn fresh_database(db: Db) -> Option<(String, Option<tempdir::Guard>)> {
    switchboard_outbound::install_crypto_provider();
    match db {
        Db::Sqlite => {
            let dir = tempdir::Guard::new();
            let url = format!("sqlite://{}/test.db", dir.path.display());
            Some((url, Some(dir)))
        }
        Db::Postgres => {
            let base = postgres_url()?;
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&base)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&mut conn)
                .await
                .expect("create schema");
            let sep = if base.contains('?') { '&' } else { '?' };
            Some((format!("{base}{sep}options=-c%20search_path%3D{schema}"), None))
        }
    }
}

pub mod tempdir {
    use std::path::PathBuf;

    /// A temporary directory removed when dropped.
    pub struct Guard {
        pub path: PathBuf,
    }

    impl Guard {
        pub fn new() -> Self {
            let path = std::env::temp_dir().join(format!("switchboard-test-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&path).expect("temp dir");
            Guard { path }
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

pub struct TestApp {
    pub database_url: String,
    pub base: String,
    pub client: reqwest::Client,
    pub account_id: i64,
    pub admin_id: i64,
    pub token: String,
    pub server: Option<switchboard::Server>,
    _dir: Option<tempdir::Guard>,
}

pub fn test_options(database_url: &str) -> Options {
    let storage = std::env::temp_dir().join(format!("switchboard-files-{}", uuid::Uuid::new_v4().simple()));
    Options {
        storage_dir: Some(storage.display().to_string()),
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(database_url.to_string()),
        database_connections: Some(4),
        allow_private_targets: Some(true),
        retry_base_ms: Some(50),
        webhook_timeout_secs: Some(2),
        job_lease_secs: Some(5),
        log: Some("warn".into()),
        ..Options::default()
    }
}

impl TestApp {
    pub async fn spawn(db: Db) -> Option<TestApp> {
        Self::spawn_with(db, |_| {}).await
    }

    /// Starts a server; `tweak` adjusts its options first.
    pub async fn spawn_with(db: Db, tweak: impl FnOnce(&mut Options)) -> Option<TestApp> {
        switchboard_outbound::install_crypto_provider();
        let (url, dir) = fresh_database(db).await?;
        Some(Self::spawn_at(url, dir, tweak).await)
    }

    /// Starts a server on the database at `url` (empty; `dir` is removed
    /// when the app is dropped).
    pub async fn spawn_at(url: String, dir: Option<tempdir::Guard>, tweak: impl FnOnce(&mut Options)) -> TestApp {
        Self::spawn_hooked(url, dir, tweak, true, |_| {}).await
    }

    /// Starts a server on the empty database at `url` with its account:
    /// `tweak` adjusts the options, `hook` sees the core before it starts
    /// (to register a listener), and jobs run only when `run_jobs`.
    pub async fn spawn_hooked(
        url: String,
        dir: Option<tempdir::Guard>,
        tweak: impl FnOnce(&mut Options),
        run_jobs: bool,
        hook: impl FnOnce(&std::sync::Arc<switchboard_core::Core>),
    ) -> TestApp {
        switchboard_outbound::install_crypto_provider();
        let (settings, core) = test_core(&url, tweak, hook).await;
        let created = core
            .create_account_with_admin("Acme", "Alice Admin", "alice@acme.test", "correct horse battery")
            .await
            .expect("setup");
        let server = switchboard::start_with(&settings, core, run_jobs).await.expect("start");
        TestApp {
            database_url: url,
            base: format!("http://{}", server.addr),
            client: reqwest::Client::new(),
            account_id: created.account.id,
            admin_id: created.user.id,
            token: created.access_token,
            server: Some(server),
            _dir: dir,
        }
    }

    /// Stops the server cleanly and starts a new one on the same database
    /// (same account and token): `tweak` adjusts its options, `hook` sees
    /// the new core, and jobs run only when `run_jobs`.
    pub async fn restart_hooked(
        mut self,
        tweak: impl FnOnce(&mut Options),
        run_jobs: bool,
        hook: impl FnOnce(&std::sync::Arc<switchboard_core::Core>),
    ) -> TestApp {
        if let Some(s) = self.server.take() {
            s.stop().await;
        }
        let (settings, core) = test_core(&self.database_url, tweak, hook).await;
        let server = switchboard::start_with(&settings, core, run_jobs)
            .await
            .expect("restart");
        self.base = format!("http://{}", server.addr);
        self.server = Some(server);
        self
    }

    /// Rows of `sql` run straight on the app's database, every column read
    /// as text (cast them in the query).
    pub async fn sql_rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        use sqlx::Connection;
        let url = &self.database_url;
        let query = sqlx::AssertSqlSafe(sql.to_string());
        if url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(url)
                .await
                .expect("open the SQLite file");
            as_text(&sqlx::query(query).fetch_all(&mut c).await.expect("query"))
        } else {
            let mut c = sqlx::PgConnection::connect(url).await.expect("connect to PostgreSQL");
            as_text(&sqlx::query(query).fetch_all(&mut c).await.expect("query"))
        }
    }

    pub fn core(&self) -> &std::sync::Arc<switchboard_core::Core> {
        &self.server.as_ref().expect("running").core
    }

    /// `/api/v1/accounts/{account}` + `path`.
    pub fn acc(&self, path: &str) -> String {
        format!("/api/v1/accounts/{}{}", self.account_id, path)
    }

    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .header("api_access_token", token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, v)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, &self.token, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, &self.token, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, &self.token, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, &self.token, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, &self.token, None).await
    }

    /// Asserts 200 and returns the body.
    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (s, v) = self.call(method.clone(), path, &self.token, body).await;
        assert_eq!(s, StatusCode::OK, "{method} {path} -> {s}: {v}");
        v
    }

    pub async fn api_inbox(&self, name: &str, webhook_url: Option<&str>) -> Value {
        let mut channel = json!({ "type": "api" });
        if let Some(u) = webhook_url {
            channel["webhook_url"] = json!(u);
        }
        self.ok(
            Method::POST,
            &self.acc("/inboxes"),
            Some(json!({ "name": name, "channel": channel })),
        )
        .await
    }

    /// A contact in `inbox_id`; returns (contact_id, source_id).
    pub async fn contact(&self, inbox_id: i64, name: &str) -> (i64, String) {
        let v = self
            .ok(
                Method::POST,
                &self.acc("/contacts"),
                Some(json!({ "name": name, "inbox_id": inbox_id })),
            )
            .await;
        let id = v["payload"]["contact"]["id"].as_i64().expect("contact id");
        let sid = v["payload"]["contact_inbox"]["source_id"]
            .as_str()
            .expect("source id")
            .to_string();
        (id, sid)
    }

    /// A conversation; returns its display id.
    pub async fn conversation(&self, inbox_id: i64, contact_id: i64) -> i64 {
        let v = self
            .ok(
                Method::POST,
                &self.acc("/conversations"),
                Some(json!({ "inbox_id": inbox_id, "contact_id": contact_id })),
            )
            .await;
        v["id"].as_i64().expect("display id")
    }

    /// An API inbox, a contact and a conversation: (inbox_id, contact_id, display_id).
    pub async fn setup_conversation(&self, webhook_url: Option<&str>) -> (i64, i64, i64) {
        let inbox = self.api_inbox("Support", webhook_url).await;
        let inbox_id = inbox["id"].as_i64().expect("inbox id");
        let (contact_id, _) = self.contact(inbox_id, "Carla Customer").await;
        let conv = self.conversation(inbox_id, contact_id).await;
        (inbox_id, contact_id, conv)
    }

    /// Adds a user with `role` to the account the way people join: an
    /// invitation, accepted through its link with a password of their own
    /// choosing. Returns (user_id, api token).
    pub async fn agent(&self, name: &str, email: &str, role: &str) -> (i64, String) {
        let v = self
            .ok(
                Method::POST,
                &self.acc("/agents"),
                Some(json!({ "name": name, "email": email, "role": role })),
            )
            .await;
        let url = v["invitation"]["invitation_url"].as_str().expect("invitation link");
        let id = self.accept_invitation(url, "agent password 1").await;
        let token = self.core().access_token_of(id).await.expect("token");
        (id, token)
    }

    /// Accepts an invitation through its link (`…/app/#/invitation/<token>`)
    /// with `password`; returns the user's id.
    pub async fn accept_invitation(&self, url: &str, password: &str) -> i64 {
        let token = url.rsplit_once("/invitation/").expect("an invitation link").1;
        let r = self
            .client
            .post(format!("{}/auth/invitation", self.base))
            .json(&json!({ "token": token, "password": password }))
            .send()
            .await
            .expect("accept");
        assert_eq!(r.status(), StatusCode::OK, "accepting the invitation");
        let v: Value = r.json().await.expect("json");
        v["data"]["id"].as_i64().expect("user id")
    }

    /// A second account with its own administrator: (account_id, token).
    pub async fn other_account(&self) -> (i64, String) {
        let c = self
            .core()
            .create_account_with_admin("Other Co", "Olga Other", "olga@other.test", "other password 1")
            .await
            .expect("other account");
        (c.account.id, c.access_token)
    }

    /// A handle on the same account through another node at `base`.
    pub fn via(&self, base: String) -> TestApp {
        TestApp {
            database_url: self.database_url.clone(),
            base,
            client: self.client.clone(),
            account_id: self.account_id,
            admin_id: self.admin_id,
            token: self.token.clone(),
            server: None,
            _dir: None,
        }
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await;
        }
    }

    /// Stops the server cleanly and starts a new one on the same database
    /// (same account and token); `tweak` adjusts its options.
    pub async fn restart(self, tweak: impl FnOnce(&mut Options)) -> TestApp {
        self.restart_hooked(tweak, true, |_| {}).await
    }
}

/// The settings and core of a test server on the database at `url`, with
/// the stand-in channels when the harness registers them.
async fn test_core(
    url: &str,
    tweak: impl FnOnce(&mut Options),
    hook: impl FnOnce(&std::sync::Arc<switchboard_core::Core>),
) -> (Settings, std::sync::Arc<switchboard_core::Core>) {
    let mut opts = test_options(url);
    tweak(&mut opts);
    let settings = Settings::resolve(opts, Options::default());
    let store = switchboard::open_store(&settings).await.expect("open store");
    let mut channels = switchboard::channels(&settings);
    if crate::STAND_INS {
        channels = channels.with(stand_ins::Sms).with(stand_ins::Line);
    }
    let core = switchboard::build_core_with(&settings, store, channels).expect("core");
    hook(&core);
    (settings, core)
}

fn as_text<R: sqlx::Row>(rows: &[R]) -> Vec<Vec<Option<String>>>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    rows.iter()
        .map(|r| (0..r.len()).map(|i| r.get::<Option<String>, _>(i)).collect())
        .collect()
}

/// A route pattern (`/contacts/{id}/notes/{note_id}`) with every
/// parameter replaced by an id that exists nowhere.
pub fn with_missing_ids(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                "999999999"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Polls `f` until it returns Some, or panics after `secs`.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// One request a fake receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// When the request arrived.
    pub at: std::time::Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("json body")
    }
}

/// A webhook receiver on 127.0.0.1: records every request and answers with
/// the queued statuses, then 200.
#[derive(Clone)]
pub struct Sink {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub statuses: Arc<Mutex<std::collections::VecDeque<u16>>>,
    /// While set, requests hang (and are recorded only if they complete).
    pub hang: Arc<std::sync::atomic::AtomicBool>,
    /// Requests hanging now, and the most at once.
    pub hanging: Arc<std::sync::atomic::AtomicUsize>,
    pub hanging_peak: Arc<std::sync::atomic::AtomicUsize>,
    /// Requests hung so far (each counted once).
    pub hung: Arc<std::sync::atomic::AtomicUsize>,
    /// How long each answer takes, in milliseconds.
    pub delay_ms: Arc<std::sync::atomic::AtomicU64>,
}

/// Counts a hanging request while it hangs.
struct Hanging(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Hanging {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Sink {
    pub async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let addr = listener.local_addr().expect("addr");
        let sink = Sink {
            url: format!("http://{addr}/hook"),
            received: Arc::new(Mutex::new(Vec::new())),
            statuses: Arc::new(Mutex::new(Default::default())),
            hang: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            hanging: Default::default(),
            hanging_peak: Default::default(),
            hung: Default::default(),
            delay_ms: Default::default(),
        };
        let s = sink.clone();
        let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let s = s.clone();
            async move {
                let headers = req
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                let bytes = axum::body::to_bytes(req.into_body(), 10 << 20)
                    .await
                    .unwrap_or_default();
                let at = std::time::Instant::now();
                if s.hang.load(std::sync::atomic::Ordering::SeqCst) {
                    use std::sync::atomic::Ordering::SeqCst;
                    let now = s.hanging.fetch_add(1, SeqCst) + 1;
                    s.hanging_peak.fetch_max(now, SeqCst);
                    s.hung.fetch_add(1, SeqCst);
                    let _guard = Hanging(s.hanging.clone());
                    // Until the caller gives up (this future is dropped),
                    // the switch is turned off, or a minute passes.
                    for _ in 0..1200 {
                        if !s.hang.load(SeqCst) {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
                s.received.lock().unwrap().push(Received {
                    headers,
                    body: String::from_utf8_lossy(&bytes).to_string(),
                    at,
                });
                // Processed on arrival; the answer comes after the delay.
                let delay = s.delay_ms.load(std::sync::atomic::Ordering::SeqCst);
                if delay > 0 {
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                }
                let status = s.statuses.lock().unwrap().pop_front().unwrap_or(200);
                axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK)
            }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        sink
    }

    pub fn set_delay(&self, ms: u64) {
        self.delay_ms.store(ms, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn set_hang(&self, on: bool) {
        self.hang.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn fail_next(&self, statuses: &[u16]) {
        self.statuses.lock().unwrap().extend(statuses.iter().copied());
    }

    /// Answers 200 again from now on.
    pub fn recover(&self) {
        self.statuses.lock().unwrap().clear();
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Requests whose JSON `event` is `event`.
    pub fn events(&self, event: &str) -> Vec<Received> {
        self.all().into_iter().filter(|r| r.json()["event"] == event).collect()
    }

    pub async fn wait_for(&self, event: &str, n: usize) -> Vec<Received> {
        eventually(20, &format!("{n} x {event}"), || async {
            let got = self.events(event);
            (got.len() >= n).then_some(got)
        })
        .await
    }
}

/// Runs an async test body against SQLite and PostgreSQL.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Db::Sqlite).await {
                    super::$name(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Db::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    };
}

/// A conversation's latest messages (the API's first page).
pub async fn messages(app: &TestApp, conv: i64) -> Vec<Value> {
    app.ok(Method::GET, &app.acc(&format!("/conversations/{conv}/messages")), None)
        .await["payload"]
        .as_array()
        .unwrap()
        .clone()
}

/// Sends `n` copies of one request at the same time (a platform replaying
/// an update) and returns their statuses.
pub async fn all_at_once(n: usize, request: reqwest::RequestBuilder) -> Vec<StatusCode> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let copy = request.try_clone().expect("a request with a body in memory");
        tasks.push(tokio::spawn(async move { copy.send().await.unwrap().status() }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Waits (up to 15 s) until message `id` of a conversation satisfies
/// `check`, and returns it as listed.
pub async fn message_where(app: &TestApp, conv: i64, id: &Value, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    eventually(15, what, || async {
        messages(app, conv)
            .await
            .into_iter()
            .find(|m| &m["id"] == id && check(m))
    })
    .await
}

/// The account's conversations in every status (first page).
pub async fn conversations(app: &TestApp) -> Vec<Value> {
    app.ok(Method::GET, &app.acc("/conversations?status=all"), None).await["data"]["payload"]
        .as_array()
        .unwrap()
        .clone()
}
