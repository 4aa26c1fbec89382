//! Contacts as CSV: imports (matching, bad rows by line, limits, roles,
//! tenancy, runs that overlap or restart) and exports (the streamed
//! download's content, and the mailed one through a real SMTP server).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Db, TestApp};

/// Uploads `csv` as `import_file` with `token`.
async fn upload(app: &TestApp, token: &str, account: i64, name: &str, csv: Vec<u8>) -> (StatusCode, Value) {
    let part = reqwest::multipart::Part::bytes(csv)
        .file_name(name.to_string())
        .mime_str("text/csv")
        .unwrap();
    let form = reqwest::multipart::Form::new().part("import_file", part);
    let r = app
        .client
        .post(format!("{}/api/v1/accounts/{account}/contacts/import", app.base))
        .header("api_access_token", token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status();
    let text = r.text().await.unwrap();
    (s, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn import(app: &TestApp, csv: &str) -> i64 {
    let (s, v) = upload(app, &app.token, app.account_id, "people.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "pending");
    v["id"].as_i64().unwrap()
}

/// Waits for the import to end and returns it.
async fn finished(app: &TestApp, id: i64) -> Value {
    crate::helpers::eventually(60, "the import to end", || async {
        let v = app
            .ok(Method::GET, &app.acc(&format!("/contacts/imports/{id}")), None)
            .await;
        (v["status"] == "completed" || v["status"] == "failed").then_some(v)
    })
    .await
}

async fn contact_by(app: &TestApp, q: &str) -> Value {
    let v = app
        .ok(Method::GET, &app.acc(&format!("/contacts/search?q={q}")), None)
        .await;
    assert_eq!(
        v["payload"].as_array().map(Vec::len),
        Some(1),
        "one contact for {q}: {v}"
    );
    v["payload"][0].clone()
}

async fn download(app: &TestApp, token: &str, query: &str) -> (StatusCode, String, String) {
    let r = app
        .client
        .get(format!("{}{}", app.base, app.acc(&format!("/contacts/export{query}"))))
        .header("api_access_token", token)
        .send()
        .await
        .unwrap();
    let s = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (s, ct, r.text().await.unwrap())
}

async fn import_creates_and_updates(app: TestApp) {
    let create = |body: Value| {
        let app = &app;
        async move {
            app.ok(Method::POST, &app.acc("/contacts"), Some(body)).await["payload"]["contact"]["id"]
                .as_i64()
                .unwrap()
        }
    };
    let a = create(json!({ "name": "Anna", "email": "old@x.test", "identifier": "ext-1" })).await;
    let b = create(json!({ "name": "Bea", "email": "b@x.test", "custom_attributes": { "keep": "me" } })).await;
    let c = create(json!({ "name": "Carl", "phone_number": "+14155550100" })).await;
    create(json!({ "name": "Dora", "email": "taken@x.test" })).await;
    let e = create(json!({ "name": "Emil", "identifier": "ext-2" })).await;

    let csv = "name,Email,phone_number,identifier,company,plan\r\n\
               Anna New,anna@x.test,,ext-1,Acme,gold\r\n\
               Bea B,B@X.test,,,,silver\r\n\
               Carl C,,14155550100,,,\r\n\
               Dan,dan@x.test,+4915112345678,,,\r\n\
               Eve,not-an-email,,,,\r\n\
               Fay,dan@x.test,,,,\r\n\
               ,,,,,\r\n\
               \"Gil \"\"G\"\"\nSecond line\",gil@x.test,,,,\r\n\
               Hal,taken@x.test,,ext-2,,\r\n\
               Жанна,zhanna@x.test,,,,платина\r\n";
    let id = import(&app, csv).await;
    let v = finished(&app, id).await;
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["total_records"], 10);
    assert_eq!(v["processed_records"], 10);
    assert_eq!(v["created_records"], 3, "{v}");
    assert_eq!(v["updated_records"], 3, "{v}");
    assert_eq!(v["failed_records"], 4, "{v}");
    assert_eq!(
        v["failed_rows"],
        json!([
            { "line": 6, "reason": "Email is invalid" },
            { "line": 7, "reason": "Duplicate of line 5" },
            { "line": 8, "reason": "The row has no name, email, phone_number or identifier" },
            { "line": 11, "reason": "Email has already been taken" },
        ])
    );
    assert_eq!(v["file_name"], "people.csv");

    // Matched by identifier: the e-mail moves, attributes merge.
    let anna = app.ok(Method::GET, &app.acc(&format!("/contacts/{a}")), None).await["payload"].clone();
    assert_eq!(anna["name"], "Anna New");
    assert_eq!(anna["email"], "anna@x.test");
    assert_eq!(anna["additional_attributes"]["company_name"], "Acme");
    assert_eq!(anna["custom_attributes"], json!({ "plan": "gold" }));
    // By e-mail, whatever its case; earlier attributes stay.
    let bea = app.ok(Method::GET, &app.acc(&format!("/contacts/{b}")), None).await["payload"].clone();
    assert_eq!(bea["name"], "Bea B");
    assert_eq!(bea["custom_attributes"], json!({ "keep": "me", "plan": "silver" }));
    // By phone, a missing `+` added.
    let carl = app.ok(Method::GET, &app.acc(&format!("/contacts/{c}")), None).await["payload"].clone();
    assert_eq!(carl["name"], "Carl C");
    // The conflicting row changed nothing.
    let emil = app.ok(Method::GET, &app.acc(&format!("/contacts/{e}")), None).await["payload"].clone();
    assert_eq!(emil["name"], "Emil");
    assert!(emil["email"].is_null());
    // Created ones, a quoted name over two lines and Cyrillic included.
    let dan = contact_by(&app, "dan@x.test").await;
    assert_eq!(dan["phone_number"], "+4915112345678");
    let gil = contact_by(&app, "gil@x.test").await;
    assert_eq!(gil["name"], "Gil \"G\"\nSecond line");
    let zh = contact_by(&app, "zhanna@x.test").await;
    assert_eq!(zh["name"], "Жанна");
    assert_eq!(zh["custom_attributes"]["plan"], "платина");

    // Listed, newest first.
    let id2 = import(&app, "name,identifier\nAnna Again,ext-1\n").await;
    finished(&app, id2).await;
    let list = app.ok(Method::GET, &app.acc("/contacts/imports"), None).await;
    let ids: Vec<i64> = list["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![id2, id]);
    let again = app
        .ok(Method::GET, &app.acc(&format!("/contacts/imports/{id2}")), None)
        .await;
    assert_eq!(
        (again["created_records"].as_i64(), again["updated_records"].as_i64()),
        (Some(0), Some(1))
    );
    app.stop().await;
}
both!(import_creates_and_updates);

async fn bad_files_roles_and_tenants(app: TestApp) {
    let acc = app.account_id;
    // Over 10 MB: 413, nothing stored.
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let (s, _) = upload(&app, &app.token, acc, "big.csv", big).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    // Not CSV: an image, no usable header, nothing at all, too many rows.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\xff\xd8".to_vec();
    for (bytes, says) in [
        (png, "not a CSV"),
        (b"foo,bar\n1,2\n".to_vec(), "header row"),
        (Vec::new(), "empty"),
        (format!("name\n{}", "x\n".repeat(50_001)).into_bytes(), "50000 rows"),
    ] {
        let (s, v) = upload(&app, &app.token, acc, "x.csv", bytes).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v["message"].as_str().unwrap_or("").contains(says), "{says}: {v}");
        assert_eq!(v["attributes"], json!(["import_file"]));
    }
    // No file: JSON, or a form without the field.
    let (s, v) = app
        .post(&app.acc("/contacts/import"), json!({ "import_file": "name\nx\n" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let r = app
        .client
        .post(format!("{}{}", app.base, app.acc("/contacts/import")))
        .header("api_access_token", &app.token)
        .multipart(reqwest::multipart::Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let list = app.ok(Method::GET, &app.acc("/contacts/imports"), None).await;
    assert_eq!(list["payload"], json!([]), "nothing refused was kept");

    // Agents: refused everywhere (administrators only, as in Chatwoot).
    let id = import(&app, "name,email\nAnn,ann@x.test\n").await;
    let (_, agent) = app.agent("Bob", "bob@acme.test", "agent").await;
    let (s, _) = upload(&app, &agent, acc, "a.csv", b"name\nx\n".to_vec()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    for (m, p) in [
        (Method::GET, "/contacts/imports".to_string()),
        (Method::GET, format!("/contacts/imports/{id}")),
        (Method::GET, "/contacts/export".to_string()),
        (Method::POST, "/contacts/export".to_string()),
    ] {
        let (s, v) = app.call(m.clone(), &app.acc(&p), &agent, Some(json!({}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "agent {m} {p}: {v}");
    }
    // Another account: our import is missing there, exactly like a missing one.
    let (other, olga) = app.other_account().await;
    let mine = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/contacts/imports/{id}"),
            &olga,
            None,
        )
        .await;
    let missing = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/contacts/imports/999999999"),
            &olga,
            None,
        )
        .await;
    assert_eq!(mine.0, StatusCode::NOT_FOUND);
    assert_eq!(mine, missing);
    let theirs = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/contacts/imports"),
            &olga,
            None,
        )
        .await;
    assert_eq!(theirs.1["payload"], json!([]));
    let (s, _) = app
        .call(Method::GET, &app.acc(&format!("/contacts/imports/{id}")), &olga, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, _, body) = download(&app, &olga, "").await;
    assert!(!body.contains("ann@x.test"));
    let (s, _, body) = download(&app, &olga, "").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");

    // Without a mail server the mailed export says where to download.
    let (s, v) = app.post(&app.acc("/contacts/export"), json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v["message"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("GET /api/v1/accounts/{acc}/contacts/export")),
        "{v}"
    );
    // Wrong types.
    let (s, v) = app
        .post(&app.acc("/contacts/export"), json!({ "column_names": 5 }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post(
            &app.acc("/contacts/export"),
            json!({ "payload": [{ "attribute_key": "name" }] }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = app.get(&app.acc("/contacts/imports/abc")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(bad_files_roles_and_tenants);

/// Name-only rows make a new contact each time they are written, so a row
/// written twice would show as a duplicate.
fn name_rows(n: usize) -> String {
    let mut csv = String::from("name\n");
    for i in 0..n {
        csv.push_str(&format!("Person {i}\n"));
    }
    csv
}

async fn count_contacts(app: &TestApp) -> usize {
    let (s, _, body) = download(app, &app.token, "?column_names[]=id").await;
    assert_eq!(s, StatusCode::OK);
    body.lines().count() - 1
}

async fn overlapping_runs_write_each_row_once(app: TestApp) {
    let n = 3_000;
    let id = import(&app, &name_rows(n)).await;
    // Two more runs of the same job beside the runner's (as after an
    // expired lease, or a restart while a run was under way).
    let job = switchboard_store::Job {
        id: 0,
        kind: "data_import".into(),
        payload: json!({ "account_id": app.account_id, "import_id": id }),
        run_at: 0,
        attempts: 1,
        max_attempts: 10,
        deadline_at: None,
        last_error: None,
        created_at: 0,
    };
    let runs = (0..2).map(|_| {
        let core = app.core().clone();
        let job = job.clone();
        // Run as the runner runs a claimed row: found by its kind.
        let kind = switchboard_core::job::find("data_import").expect("a registered kind");
        tokio::spawn(async move { kind.run(core, job, i64::MAX).await.is_ok() })
    });
    for r in runs {
        assert!(r.await.unwrap());
    }
    let v = finished(&app, id).await;
    assert_eq!(v["status"], "completed");
    assert_eq!(v["created_records"], n as i64);
    assert_eq!(v["processed_records"], n as i64);
    assert_eq!(count_contacts(&app).await, n, "every row written once");

    // The same file with identifiers, twice: the second run updates.
    let mut csv = String::from("identifier,name\n");
    for i in 0..600 {
        csv.push_str(&format!("id-{i},Named {i}\n"));
    }
    let first = finished(&app, import(&app, &csv).await).await;
    let second = finished(&app, import(&app, &csv).await).await;
    assert_eq!(first["created_records"], 600);
    assert_eq!(second["created_records"], 0);
    assert_eq!(second["updated_records"], 600);
    assert_eq!(count_contacts(&app).await, n + 600);
    app.stop().await;
}
both!(overlapping_runs_write_each_row_once);

/// A restart while an import runs: it goes on in the new process from the
/// last committed batch.
async fn an_import_survives_a_restart(app: TestApp) {
    let n = 20_000;
    let id = import(&app, &name_rows(n)).await;
    crate::helpers::eventually(30, "the import to start", || async {
        let v = app
            .ok(Method::GET, &app.acc(&format!("/contacts/imports/{id}")), None)
            .await;
        (v["processed_records"].as_i64().unwrap_or(0) > 0).then_some(())
    })
    .await;
    let app = app.restart(|_| {}).await;
    let v = finished(&app, id).await;
    assert_eq!(v["status"], "completed");
    assert_eq!(v["created_records"], n as i64);
    assert_eq!(count_contacts(&app).await, n);
    app.stop().await;
}
both!(an_import_survives_a_restart);

/// An account's imports take turns, and only a few may wait: each keeps
/// its file in the database until it ends.
async fn unfinished_imports_are_bounded(app: TestApp) {
    let csv = name_rows(20_000);
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(import(&app, &csv).await);
    }
    let (s, v) = upload(&app, &app.token, app.account_id, "sixth.csv", csv.clone().into_bytes()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"].as_str().unwrap_or("").contains("still waiting or running"),
        "{v}"
    );
    // Taking turns: the last is still waiting while the first runs.
    let last = app
        .ok(Method::GET, &app.acc(&format!("/contacts/imports/{}", ids[4])), None)
        .await;
    assert_eq!(last["status"], "pending", "{last}");
    // Once one ends, another may come.
    finished(&app, ids[0]).await;
    let (s, v) = upload(&app, &app.token, app.account_id, "sixth.csv", b"name\nx\n".to_vec()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.stop().await;
}
both!(unfinished_imports_are_bounded);

async fn export_content(app: TestApp) {
    let people = [
        json!({ "name": "Жанна Иванова", "email": "zh@x.test", "phone_number": "+79161234567" }),
        json!({ "name": "Smith, \"Jo\"", "email": "jo@x.test" }),
        json!({ "name": "=HYPERLINK(\"http://evil.test\")", "email": "evil@x.test", "identifier": "@cmd" }),
    ];
    let mut ids = Vec::new();
    for p in people {
        ids.push(
            app.ok(Method::POST, &app.acc("/contacts"), Some(p)).await["payload"]["contact"]["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let (s, ct, body) = download(&app, &app.token, "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ct, "text/csv; charset=utf-8");
    let expected = format!(
        "id,name,email,phone_number\r\n\
         {},Жанна Иванова,zh@x.test,'+79161234567\r\n\
         {},\"Smith, \"\"Jo\"\"\",jo@x.test,\r\n\
         {},\"'=HYPERLINK(\"\"http://evil.test\"\")\",evil@x.test,\r\n",
        ids[0], ids[1], ids[2]
    );
    assert_eq!(body, expected);

    // Chosen columns (unknown ones left out) and one label.
    app.ok(
        Method::POST,
        &app.acc(&format!("/contacts/{}/labels", ids[2])),
        Some(json!({ "labels": ["vip"] })),
    )
    .await;
    let (s, _, body) = download(
        &app,
        &app.token,
        "?column_names[]=identifier&column_names[]=bogus&column_names[]=email&label=vip",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, "identifier,email\r\n'@cmd,evil@x.test\r\n");

    // The download imports back as it was: all matched, nothing new, the
    // neutralised cells read as written.
    let (_, _, all) = download(&app, &app.token, "?column_names=name,email,phone_number,identifier").await;
    let id = import(&app, &all).await;
    let v = finished(&app, id).await;
    assert_eq!(
        (
            v["updated_records"].as_i64(),
            v["created_records"].as_i64(),
            v["failed_records"].as_i64()
        ),
        (Some(3), Some(0), Some(0)),
        "{v}"
    );
    let evil = app
        .ok(Method::GET, &app.acc(&format!("/contacts/{}", ids[2])), None)
        .await;
    assert_eq!(evil["payload"]["name"], "=HYPERLINK(\"http://evil.test\")");
    assert_eq!(evil["payload"]["identifier"], "@cmd");
    app.stop().await;
}
both!(export_content);

/// With the installation's SMTP server, `POST /contacts/export` mails the
/// CSV to the administrator who asked.
async fn export_by_mail(db: Db) {
    let Some(servers) = crate::mail_servers::mail_servers() else {
        return;
    };
    let Some(app) = TestApp::spawn_with(db, |o| {
        o.smtp_url = Some(format!("smtp://127.0.0.1:{}", servers.smtp_port));
        o.mail_from = Some("Acme Help <help@acme.test>".into());
    })
    .await
    else {
        return;
    };
    // An account of its own, whose administrator has an address no other
    // test uses (the mail servers are shared).
    let email = format!("ann@export-{}.test", uuid::Uuid::new_v4().simple());
    let created = app
        .core()
        .create_account_with_admin("Export Co", "Ann Admin", &email, "ann password 1")
        .await
        .unwrap();
    let (account, ann) = (created.account.id, created.access_token);
    let acc = |p: &str| format!("/api/v1/accounts/{account}{p}");
    let (s, v) = app
        .call(
            Method::POST,
            &acc("/contacts"),
            &ann,
            Some(json!({ "name": "Mailed Person", "email": "mailed@x.test" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .call(
            Method::POST,
            &acc("/contacts/export"),
            &ann,
            Some(json!({ "column_names": ["name", "email"] })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mail = crate::helpers::eventually(30, "the export mail", || async {
        crate::mail_servers::mailbox(servers, &email).await.into_iter().next()
    })
    .await;
    let text = String::from_utf8_lossy(&mail).to_string();
    assert!(
        crate::mail_servers::header(&mail, "Subject")
            .unwrap_or_default()
            .contains("contacts export"),
        "{text}"
    );
    let file = format!("contacts-{account}.csv");
    let at = text.find(&file).expect("the CSV is attached");
    let part = &text[at..];
    let body_start = part.find("\r\n\r\n").unwrap() + 4;
    let body = &part[body_start..part[body_start..].find("\r\n--").map(|e| e + body_start).unwrap()];
    use base64::Engine;
    let compact: String = body.split_whitespace().collect();
    let csv = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map(|b| String::from_utf8(b).unwrap())
        .unwrap_or_else(|_| body.replace("=\r\n", ""));
    assert_eq!(csv, "name,email\r\nMailed Person,mailed@x.test\r\n");
    assert!(text.contains("/contacts/export?"), "the download link is there too");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_by_mail_sqlite() {
    export_by_mail(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_by_mail_postgres() {
    if crate::helpers::postgres_url().is_some() {
        export_by_mail(Db::Postgres).await;
    }
}
