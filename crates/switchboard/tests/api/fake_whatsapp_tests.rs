//! The fake WhatsApp Cloud API checked on its own: sends, queued answers,
//! uploads, media downloads, signatures and the fixtures.

use super::*;

fn client() -> reqwest::Client {
    // reqwest is built without a default rustls provider.
    switchboard_outbound::install_crypto_provider();
    reqwest::Client::new()
}

const TOKEN: &str = "Bearer EAAG-fake-token";

async fn post_json(url: &str, body: &Value) -> (u16, Value) {
    let r = client()
        .post(url)
        .header("authorization", TOKEN)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn default_send_message_counts_up_and_validates() {
    let wa = FakeWhatsApp::start().await;
    let url = format!("{}/v21.0/{PHONE_NUMBER_ID}/messages", wa.url);
    let (s1, first) = post_json(
        &url,
        &json!({"messaging_product": "whatsapp", "recipient_type": "individual",
                "to": CUSTOMER_WA_ID, "type": "text", "text": {"body": "Hi Kerry"}}),
    )
    .await;
    let (s2, second) = post_json(
        &url,
        &json!({"messaging_product": "whatsapp", "to": "+1 631-555-1181", "type": "template",
                "template": {"name": "order_shipped", "language": {"code": "en_US"}}}),
    )
    .await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first["messaging_product"], "whatsapp");
    assert_eq!(first["messages"][0]["id"], "wamid.FAKE1");
    assert_eq!(second["messages"][0]["id"], "wamid.FAKE2");
    assert_eq!(
        first["contacts"],
        json!([{"input": CUSTOMER_WA_ID, "wa_id": CUSTOMER_WA_ID}])
    );
    assert_eq!(second["contacts"][0]["input"], "+1 631-555-1181");
    assert_eq!(second["contacts"][0]["wa_id"], "16315551181");
    // Same shape as the fixture.
    let sample = fixture("responses/send_message.json");
    for key in ["messaging_product", "contacts", "messages"] {
        assert!(sample.get(key).is_some() && first.get(key).is_some(), "{key}");
    }

    let calls = wa.wait_for("/messages", 2).await;
    assert_eq!(calls[0].method, "POST");
    assert_eq!(calls[0].path, format!("/{PHONE_NUMBER_ID}/messages"));
    assert_eq!(calls[0].version.as_deref(), Some("v21.0"));
    assert_eq!(calls[0].auth.as_deref(), Some(TOKEN));
    assert_eq!(calls[0].json["text"]["body"], "Hi Kerry");
    assert_eq!(calls[1].json["template"]["name"], "order_shipped");

    // Without a version segment too.
    let (s, v) = post_json(
        &format!("{}/{PHONE_NUMBER_ID}/messages", wa.url),
        &json!({"messaging_product": "whatsapp", "to": CUSTOMER_WA_ID, "type": "text",
                "text": {"body": "x"}}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["messages"][0]["id"], "wamid.FAKE3");
    assert_eq!(wa.calls().last().unwrap().version, None);

    // Mark as read.
    let (s, v) = post_json(
        &url,
        &json!({"messaging_product": "whatsapp", "status": "read",
                "message_id": "wamid.INCOMING_TEXT"}),
    )
    .await;
    assert_eq!((s, v), (200, json!({"success": true})));

    // Validation: Graph error 100 as a 400.
    for bad in [
        json!({"to": CUSTOMER_WA_ID, "type": "text", "text": {"body": "x"}}),
        json!({"messaging_product": "sms", "to": CUSTOMER_WA_ID, "type": "text"}),
        json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}}),
        json!({"messaging_product": "whatsapp", "to": "", "type": "text"}),
        json!({"messaging_product": "whatsapp", "to": CUSTOMER_WA_ID, "text": {"body": "x"}}),
        json!([1, 2, 3]),
    ] {
        let (s, v) = post_json(&url, &bad).await;
        assert_eq!(s, 400, "{bad}");
        assert_eq!(v["error"]["code"], 100, "{bad}");
        assert_eq!(v["error"]["type"], "OAuthException");
        assert!(v["error"]["message"].is_string() && v["error"]["fbtrace_id"].is_string());
    }
    let r = client()
        .post(&url)
        .header("authorization", TOKEN)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(wa.calls().last().unwrap().json, json!("{not json"));

    // No or malformed Authorization: 401, code 190, recorded anyway.
    let body = json!({"messaging_product": "whatsapp", "to": CUSTOMER_WA_ID, "type": "text"});
    let r = client().post(&url).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], 190);
    assert_eq!(v["error"]["type"], "OAuthException");
    let r = client()
        .post(&url)
        .header("authorization", "Basic abc")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let last = wa.calls().into_iter().rev().take(2).collect::<Vec<_>>();
    assert_eq!(last[0].auth.as_deref(), Some("Basic abc"));
    assert_eq!(last[1].auth, None);
    assert_eq!(last[1].json, body);
    // Only the successful sends consumed ids.
    let (_, v) = post_json(&url, &body).await;
    assert_eq!(v["messages"][0]["id"], "wamid.FAKE4");
}

#[tokio::test]
async fn respond_next_is_fifo_per_suffix_then_default() {
    let wa = FakeWhatsApp::start().await;
    wa.respond_next("/messages", 400, fixture("responses/error_131047.json"));
    wa.respond_next("/messages", 400, fixture("responses/error_130429.json"));
    wa.respond_next("/messages", 200, fixture("responses/send_message.json"));
    let url = format!("{}/v21.0/{PHONE_NUMBER_ID}/messages", wa.url);
    let body = json!({"messaging_product": "whatsapp", "to": CUSTOMER_WA_ID, "type": "text",
                      "text": {"body": "x"}});

    // An unauthorized call does not consume the queue.
    let r = client().post(&url).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 401);

    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(post_json(&url, &body).await);
    }
    assert_eq!(got[0].0, 400);
    assert_eq!(got[0].1["error"]["code"], 131047);
    assert_eq!(got[1].0, 400);
    assert_eq!(got[1].1["error"]["code"], 130429);
    assert_eq!(got[2], (200, fixture("responses/send_message.json")));
    assert_eq!(got[2].1["messages"][0]["id"], "wamid.OUTGOING1");
    assert_eq!(got[3].0, 200);
    assert_eq!(got[3].1["messages"][0]["id"], "wamid.FAKE1");

    // Templates: default is the fixture; a queued answer wins once.
    let tpl_url = format!(
        "{}/v21.0/{WABA_ID}/message_templates?limit=100&fields=name,status",
        wa.url
    );
    let get = |u: String| async move {
        let r = client().get(u).header("authorization", TOKEN).send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.json::<Value>().await.unwrap())
    };
    wa.respond_next("/message_templates", 401, fixture("responses/error_190.json"));
    assert_eq!(get(tpl_url.clone()).await, (401, fixture("responses/error_190.json")));
    assert_eq!(get(tpl_url.clone()).await, (200, fixture("responses/templates.json")));
    let tpl_call = wa.calls_to("/message_templates").pop().unwrap();
    assert_eq!(tpl_call.method, "GET");
    assert_eq!(tpl_call.path, format!("/{WABA_ID}/message_templates"));
    assert_eq!(tpl_call.json, json!({"limit": "100", "fields": "name,status"}));

    // The longest matching suffix wins; the shorter queue stays.
    wa.respond_next("/messages", 400, fixture("responses/error_131026.json"));
    wa.respond_next(
        &format!("{PHONE_NUMBER_ID}/messages"),
        400,
        fixture("responses/error_130429.json"),
    );
    assert_eq!(post_json(&url, &body).await.1["error"]["code"], 130429);
    assert_eq!(post_json(&url, &body).await.1["error"]["code"], 131026);
    assert_eq!(post_json(&url, &body).await.1["messages"][0]["id"], "wamid.FAKE2");

    // Anything else is a Graph 404, and is recorded.
    let r = client()
        .delete(format!("{}/v21.0/{PHONE_NUMBER_ID}/messages", wa.url))
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = client()
        .get(format!("{}/v21.0/a/b/c", wa.url))
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["type"], "OAuthException");
    assert!(v["error"]["code"].is_u64());
    let r = client()
        .get(format!("{}/v21.0/{PHONE_NUMBER_ID}", wa.url))
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["id"], PHONE_NUMBER_ID);

    let paths: Vec<String> = wa
        .calls()
        .into_iter()
        .map(|c| format!("{} {}", c.method, c.path))
        .collect();
    let m = format!("POST /{PHONE_NUMBER_ID}/messages");
    let t = format!("GET /{WABA_ID}/message_templates");
    assert_eq!(
        paths,
        [
            m.clone(),
            m.clone(),
            m.clone(),
            m.clone(),
            m.clone(),
            t.clone(),
            t,
            m.clone(),
            m.clone(),
            m.clone(),
            format!("DELETE /{PHONE_NUMBER_ID}/messages"),
            "GET /a/b/c".to_string(),
            format!("GET /{PHONE_NUMBER_ID}"),
        ]
    );
    assert_eq!(wa.calls_to("/messages").len(), 9);
}

#[tokio::test]
async fn multipart_upload_is_captured_and_served_back() {
    let wa = FakeWhatsApp::start().await;
    let url = format!("{}/v21.0/{PHONE_NUMBER_ID}/media", wa.url);
    let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    let form = reqwest::multipart::Form::new()
        .text("messaging_product", "whatsapp")
        .text("type", "image/jpeg")
        .part(
            "file",
            reqwest::multipart::Part::bytes(jpeg.clone())
                .file_name("label.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let r = client()
        .post(&url)
        .header("authorization", TOKEN)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v, json!({"id": "media1"}));
    assert!(fixture("responses/media_upload.json")["id"].is_string());

    let call = &wa.wait_for("/media", 1).await[0];
    assert_eq!(call.path, format!("/{PHONE_NUMBER_ID}/media"));
    assert_eq!(
        call.json,
        json!({"messaging_product": "whatsapp", "type": "image/jpeg"})
    );
    assert_eq!(call.files.len(), 1);
    let f = call.file("file").unwrap();
    assert_eq!(f.file_name, "label.jpg");
    assert_eq!(f.content_type, "image/jpeg");
    assert_eq!(f.bytes, jpeg);

    // The uploaded media can be looked up and downloaded.
    let r: Value = client()
        .get(format!("{}/v21.0/media1", wa.url))
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["mime_type"], "image/jpeg");
    assert_eq!(r["file_size"], 6);

    // A second upload counts up; missing parts are 400s.
    let form = reqwest::multipart::Form::new()
        .text("messaging_product", "whatsapp")
        .text("type", "application/pdf")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("invoice.pdf"),
        );
    let v: Value = client()
        .post(&url)
        .header("authorization", TOKEN)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["id"], "media2");
    let form = reqwest::multipart::Form::new()
        .text("messaging_product", "whatsapp")
        .text("type", "image/png");
    let r = client()
        .post(&url)
        .header("authorization", TOKEN)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let form = reqwest::multipart::Form::new()
        .text("type", "image/png")
        .part("file", reqwest::multipart::Part::bytes(vec![1]).file_name("a.png"));
    let r = client()
        .post(&url)
        .header("authorization", TOKEN)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Garbage does not take the server down.
    let r = client()
        .post(&url)
        .header("authorization", TOKEN)
        .header("content-type", "multipart/form-data; boundary=zzz")
        .body("not multipart at all")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = client()
        .post(format!("{}/v21.0/{PHONE_NUMBER_ID}/messages", wa.url))
        .header("authorization", TOKEN)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("messaging_product=whatsapp&to=16315551181&type=text&text=%7B%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(wa.calls_to("/messages")[0].json["to"], "16315551181");
    assert_eq!(wa.calls_to("/media").len(), 5);
}

#[tokio::test]
async fn media_lookup_then_download_round_trip() {
    let wa = FakeWhatsApp::start().await;
    let image = fixture("webhooks/image.json");
    let media_id = image["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bytes = b"\xFF\xD8\xFF\xE0 fake jpeg".to_vec();
    wa.put_media(&media_id, "image/jpeg", bytes.clone());

    let r = client()
        .get(format!("{}/v21.0/{media_id}?phone_number_id={PHONE_NUMBER_ID}", wa.url))
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let sample = fixture("responses/media_url.json");
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    let mut sample_keys: Vec<&String> = sample.as_object().unwrap().keys().collect();
    keys.sort();
    sample_keys.sort();
    assert_eq!(keys, sample_keys);
    assert_eq!(v["id"], media_id.as_str());
    assert_eq!(sample["id"], media_id.as_str());
    assert_eq!(v["messaging_product"], "whatsapp");
    assert_eq!(v["mime_type"], "image/jpeg");
    assert_eq!(v["file_size"], bytes.len());
    assert_eq!(v["sha256"], hex::encode(Sha256::digest(&bytes)));
    let dl_url = v["url"].as_str().unwrap().to_string();
    assert_eq!(dl_url, format!("{}/media-download/{media_id}", wa.url));
    assert_eq!(
        wa.calls_to(&format!("/{media_id}"))[0].json,
        json!({"phone_number_id": PHONE_NUMBER_ID})
    );

    // The download needs the same Authorization header.
    let r = client().get(&dl_url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = client()
        .get(&dl_url)
        .header("authorization", "Bearer someone-else")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = client()
        .get(&dl_url)
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // A queued answer can break the download once.
    wa.respond_next(&format!("/media-download/{media_id}"), 404, json!({"error": "gone"}));
    let r = client()
        .get(&dl_url)
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = client()
        .get(&dl_url)
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Unknown media: a Graph 404.
    let r = client()
        .get(format!("{}/v21.0/999000111", wa.url))
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], 100);
    let r = client()
        .get(format!("{}/media-download/999000111", wa.url))
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let downloads = wa.calls_to(&format!("/media-download/{media_id}"));
    assert_eq!(downloads.len(), 5);
    assert_eq!(downloads[0].auth, None);
    assert_eq!(downloads[2].auth.as_deref(), Some(TOKEN));
    assert_eq!(downloads[0].version, None);
}

#[test]
fn sign_matches_the_rfc_4231_vector_and_meta_format() {
    // RFC 4231 test case 2.
    assert_eq!(
        sign("Jefe", b"what do ya want for nothing?"),
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    let body = serde_json::to_vec(&fixture("webhooks/text.json")).unwrap();
    let sig = sign("app-secret-123", &body);
    let hex_part = sig.strip_prefix("sha256=").unwrap();
    assert_eq!(hex_part.len(), 64);
    assert!(
        hex_part
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_ne!(sig, sign("app-secret-124", &body));
    assert_ne!(sig, sign("app-secret-123", &body[1..]));
}

/// Every fixture parses, and the webhooks keep the shapes the tests rely on.
#[test]
fn fixtures_are_all_readable_and_consistent() {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "json") {
                out.push(p);
            }
        }
    }
    let root = fixtures_dir();
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    paths.sort();
    assert!(paths.len() >= 28, "found only {} fixtures", paths.len());

    // Webhook file stem -> the message `type` it carries.
    let message_kinds = [
        ("text", "text"),
        ("image", "image"),
        ("audio", "audio"),
        ("video", "video"),
        ("document", "document"),
        ("sticker", "sticker"),
        ("location", "location"),
        ("contacts", "contacts"),
        ("interactive_button_reply", "interactive"),
        ("interactive_list_reply", "interactive"),
        ("button", "button"),
        ("reply_context", "text"),
        ("reaction", "reaction"),
        ("unsupported", "unsupported"),
        ("two_messages", "text"),
    ];
    let mut message_ids = Vec::new();
    let mut timestamps = Vec::new();
    let mut statuses = Vec::new();
    let mut webhooks = 0;
    for p in &paths {
        let rel = p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        let v = fixture(&rel);
        if let Some(name) = rel.strip_prefix("responses/") {
            if name.starts_with("error_") {
                let e = &v["error"];
                assert!(e["message"].is_string(), "{rel}");
                assert_eq!(e["type"], "OAuthException", "{rel}");
                assert!(e["fbtrace_id"].is_string(), "{rel}");
                let code = name.trim_start_matches("error_").trim_end_matches(".json");
                assert_eq!(e["code"].to_string(), code, "{rel}");
            } else {
                assert!(v.get("error").is_none(), "{rel}");
            }
            continue;
        }
        let stem = rel
            .strip_prefix("webhooks/")
            .unwrap_or_else(|| panic!("{rel}: unexpected place"))
            .trim_end_matches(".json")
            .to_string();
        webhooks += 1;
        assert_eq!(v["object"], "whatsapp_business_account", "{rel}");
        assert_eq!(v["entry"][0]["id"], WABA_ID, "{rel}");
        let change = &v["entry"][0]["changes"][0];
        let value = &change["value"];
        assert!(value.is_object(), "{rel}: entry[0].changes[0].value");
        if stem == "template_status_update" {
            assert_eq!(change["field"], "message_template_status_update");
            assert!(value.get("messages").is_none() && value.get("statuses").is_none());
            continue;
        }
        assert_eq!(change["field"], "messages", "{rel}");
        assert_eq!(value["messaging_product"], "whatsapp", "{rel}");
        assert_eq!(value["metadata"]["phone_number_id"], PHONE_NUMBER_ID, "{rel}");
        assert_eq!(value["metadata"]["display_phone_number"], DISPLAY_PHONE_NUMBER, "{rel}");
        if let Some(s) = stem.strip_prefix("status_") {
            let st = &value["statuses"][0];
            assert_eq!(value["statuses"].as_array().unwrap().len(), 1, "{rel}");
            assert_eq!(st["id"], "wamid.OUTGOING1", "{rel}");
            assert_eq!(st["status"], s, "{rel}");
            assert_eq!(st["recipient_id"], CUSTOMER_WA_ID, "{rel}");
            assert!(st["timestamp"].as_str().unwrap().parse::<i64>().is_ok(), "{rel}");
            assert!(value.get("messages").is_none(), "{rel}");
            statuses.push(s.to_string());
            continue;
        }
        let (_, kind) = message_kinds
            .iter()
            .find(|(name, _)| *name == stem)
            .unwrap_or_else(|| panic!("{rel}: unknown webhook fixture"));
        assert_eq!(value["contacts"][0]["wa_id"], CUSTOMER_WA_ID, "{rel}");
        assert_eq!(value["contacts"][0]["profile"]["name"], "Kerry Fisher", "{rel}");
        let messages = value["messages"].as_array().unwrap();
        assert_eq!(messages.len(), if stem == "two_messages" { 2 } else { 1 }, "{rel}");
        for m in messages {
            assert_eq!(m["from"], CUSTOMER_WA_ID, "{rel}");
            assert_eq!(m["type"], *kind, "{rel}");
            let id = m["id"].as_str().unwrap();
            assert!(id.starts_with("wamid."), "{rel}");
            message_ids.push(id.to_string());
            let ts = m["timestamp"].as_str().unwrap();
            assert!(ts.parse::<i64>().unwrap() > 1_700_000_000, "{rel}");
            timestamps.push(ts.to_string());
            if let Some(media) = ["image", "audio", "video", "document", "sticker"]
                .iter()
                .find_map(|k| m.get(*k))
            {
                for key in ["id", "mime_type", "sha256"] {
                    assert!(media[key].is_string(), "{rel}: {key}");
                }
            }
        }
    }
    assert_eq!(webhooks, 20);
    let n = message_ids.len();
    message_ids.sort();
    message_ids.dedup();
    assert_eq!(message_ids.len(), n, "message ids are distinct");
    let n = timestamps.len();
    timestamps.sort();
    timestamps.dedup();
    assert_eq!(timestamps.len(), n, "timestamps are distinct");
    statuses.sort();
    assert_eq!(statuses, ["delivered", "failed", "read", "sent"]);

    let msg = |name: &str| {
        fixture(&format!("webhooks/{name}.json"))["entry"][0]["changes"][0]["value"]["messages"][0].clone()
    };
    assert_eq!(msg("image")["image"]["caption"], "The box arrived damaged");
    assert_eq!(msg("audio")["audio"]["voice"], true);
    assert_eq!(msg("document")["document"]["filename"], "invoice-1042.pdf");
    let loc = msg("location")["location"].clone();
    assert!(loc["latitude"].is_f64() && loc["longitude"].is_f64());
    assert!(loc["name"].is_string() && loc["address"].is_string());
    let card = msg("contacts")["contacts"][0].clone();
    assert_eq!(card["name"]["formatted_name"], "Dana Lee");
    assert!(card["phones"][0]["phone"].is_string());
    assert_eq!(msg("interactive_button_reply")["interactive"]["type"], "button_reply");
    assert!(msg("interactive_button_reply")["interactive"]["button_reply"]["title"].is_string());
    assert_eq!(msg("interactive_list_reply")["interactive"]["type"], "list_reply");
    assert!(msg("button")["button"]["text"].is_string() && msg("button")["button"]["payload"].is_string());
    assert_eq!(
        msg("reply_context")["context"],
        json!({"from": DISPLAY_PHONE_NUMBER, "id": "wamid.OUTGOING1"})
    );
    assert_eq!(msg("reaction")["reaction"]["message_id"], "wamid.OUTGOING1");
    assert_eq!(msg("unsupported")["errors"][0]["code"], 131051);

    let failed = fixture("webhooks/status_failed.json");
    let err = &failed["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0];
    assert_eq!(err["code"], 131047);
    assert_eq!(err["title"], "Re-engagement message");
    assert!(err["message"].is_string() && err["error_data"]["details"].is_string());

    let send = fixture("responses/send_message.json");
    assert_eq!(send["messaging_product"], "whatsapp");
    assert_eq!(send["contacts"][0]["wa_id"], CUSTOMER_WA_ID);
    assert_eq!(send["messages"][0]["id"], "wamid.OUTGOING1");
    let templates = fixture("responses/templates.json");
    let data = templates["data"].as_array().unwrap();
    let approved = data.iter().filter(|t| t["status"] == "APPROVED").count();
    let rejected = data.iter().filter(|t| t["status"] == "REJECTED").count();
    assert_eq!((approved, rejected, data.len()), (2, 1, 3));
    assert_eq!(
        data[0]["components"][0],
        json!({"type": "BODY", "text": "Hello {{1}}, your order {{2}} has shipped.",
               "example": {"body_text": [["Kerry", "#1042"]]}})
    );
    for t in data {
        for key in ["name", "language", "status", "category", "id"] {
            assert!(t[key].is_string(), "template {key}");
        }
    }
    assert!(templates["paging"].is_object());
    assert_eq!(fixture("responses/error_190.json")["error"]["error_subcode"], 463);
}
