//! What the fake platforms share: reading a request body (JSON,
//! url-encoded or multipart) into what the tests inspect.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use serde_json::{Map, Value};

/// The largest body the fakes read.
pub const BODY_LIMIT: usize = 100 << 20;

/// One uploaded multipart file part.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub field: String,
    /// Empty when the part had no file name.
    pub file_name: String,
    /// Empty when the part had no Content-Type.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The body as a JSON value plus any multipart file parts. Never fails: a
/// body that cannot be read or parsed is recorded as well as it can be.
pub async fn read_body(req: Request) -> (Value, Vec<UploadedFile>) {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        return read_multipart(req).await;
    }
    let bytes = match axum::body::to_bytes(req.into_body(), BODY_LIMIT).await {
        Ok(b) => b,
        Err(e) => return (Value::String(format!("<unreadable body: {e}>")), Vec::new()),
    };
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let fields = parse_form(&String::from_utf8_lossy(&bytes));
        return (
            Value::Object(fields.into_iter().map(|(k, v)| (k, Value::String(v))).collect()),
            Vec::new(),
        );
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return (Value::Object(Map::new()), Vec::new());
    }
    let value =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (value, Vec::new())
}

async fn read_multipart(req: Request) -> (Value, Vec<UploadedFile>) {
    let mut fields = Map::new();
    let mut files = Vec::new();
    let mut multipart = match Multipart::from_request(req, &()).await {
        Ok(m) => m,
        Err(e) => {
            fields.insert("_multipart_error".into(), Value::String(e.to_string()));
            return (Value::Object(fields), files);
        }
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                fields.insert("_multipart_error".into(), Value::String(e.to_string()));
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => {
                fields.insert("_multipart_error".into(), Value::String(e.to_string()));
                break;
            }
        };
        if file_name.is_some() || content_type.is_some() {
            files.push(UploadedFile {
                field: name,
                file_name: file_name.unwrap_or_default(),
                content_type: content_type.unwrap_or_default(),
                bytes,
            });
        } else {
            fields.insert(name, Value::String(String::from_utf8_lossy(&bytes).into()));
        }
    }
    (Value::Object(fields), files)
}

/// `a=1&b=x+y` pairs, percent-decoded (`+` is a space).
pub fn parse_form(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
