//! Attachment files: what a file is (from its bytes, never its name), image
//! dimensions, and the local disk store.

use std::path::{Path, PathBuf};

/// What the first bytes of a file say it is: (MIME type, extension).
pub fn sniff(head: &[u8]) -> (&'static str, &'static str) {
    let starts = |sig: &[u8]| head.starts_with(sig);
    if starts(b"\x89PNG\r\n\x1a\n") {
        return ("image/png", "png");
    }
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return ("image/jpeg", "jpg");
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return ("image/gif", "gif");
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return ("image/webp", "webp");
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        return ("audio/wav", "wav");
    }
    if starts(b"BM") && head.len() >= 26 {
        return ("image/bmp", "bmp");
    }
    if starts(b"%PDF-") {
        return ("application/pdf", "pdf");
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return match &head[8..12] {
            b"qt  " => ("video/quicktime", "mov"),
            b"M4A " => ("audio/mp4", "m4a"),
            _ => ("video/mp4", "mp4"),
        };
    }
    if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return ("video/webm", "webm");
    }
    if starts(b"OggS") {
        return ("audio/ogg", "ogg");
    }
    if starts(b"ID3") || (head.len() >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0) {
        return ("audio/mpeg", "mp3");
    }
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        return ("application/zip", "zip");
    }
    if starts(b"7z\xBC\xAF\x27\x1C") {
        return ("application/x-7z-compressed", "7z");
    }
    if starts(b"Rar!\x1A\x07") {
        return ("application/vnd.rar", "rar");
    }
    if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return ("application/msword", "doc");
    }
    if starts(&[0x1F, 0x8B]) {
        return ("application/gzip", "gz");
    }
    if starts(b"{\\rtf") {
        return ("application/rtf", "rtf");
    }
    // Text: decide between markup (served as a download) and plain text.
    if let Ok(text) = std::str::from_utf8(head.get(..head.len().min(1024)).unwrap_or(head))
        .or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]))
    {
        let t = text.trim_start_matches('\u{feff}').trim_start().to_ascii_lowercase();
        if t.starts_with("<svg") || (t.starts_with("<?xml") && t.contains("<svg")) {
            return ("image/svg+xml", "svg");
        }
        if t.starts_with("<!doctype html") || t.starts_with("<html") || t.contains("<script") {
            return ("text/html", "html");
        }
        if t.starts_with('{') || t.starts_with('[') {
            return ("application/json", "json");
        }
        if !head.iter().take(1024).any(|b| *b == 0) {
            return ("text/plain", "txt");
        }
    }
    ("application/octet-stream", "bin")
}

/// Chatwoot's attachment file type for a MIME type: image 0, audio 1,
/// video 2, file 3.
pub fn file_type(mime: &str) -> i16 {
    match mime {
        "image/jpeg" | "image/png" | "image/gif" | "image/bmp" | "image/webp" => 0,
        "video/ogg" | "video/mp4" | "video/webm" | "video/quicktime" => 2,
        m if m.starts_with("audio/") => 1,
        _ => 3,
    }
}

/// Types a website visitor may upload (compat §6): images, video, audio,
/// text and office documents, archives.
pub fn visitor_may_upload(mime: &str) -> bool {
    file_type(mime) != 3
        || matches!(
            mime,
            "text/plain"
                | "application/json"
                | "application/pdf"
                | "application/rtf"
                | "application/zip"
                | "application/x-7z-compressed"
                | "application/vnd.rar"
                | "application/msword"
                | "application/gzip"
        )
}

/// Whether the file may be shown inline; everything else (SVG and HTML
/// included) is served as a download.
pub fn inline_safe(mime: &str) -> bool {
    matches!(file_type(mime), 0..=2) || mime == "application/pdf"
}

fn be16(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from(*b.get(i)?) << 8 | u32::from(*b.get(i + 1)?))
}

fn le16(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from(*b.get(i)?) | u32::from(*b.get(i + 1)?) << 8)
}

fn le24(b: &[u8], i: usize) -> Option<u32> {
    Some(le16(b, i)? | u32::from(*b.get(i + 2)?) << 16)
}

fn be32(b: &[u8], i: usize) -> Option<u32> {
    Some(be16(b, i)? << 16 | be16(b, i + 2)?)
}

/// Width and height of an image, read from its header.
pub fn dimensions(mime: &str, b: &[u8]) -> Option<(u32, u32)> {
    match mime {
        "image/png" => Some((be32(b, 16)?, be32(b, 20)?)),
        "image/gif" => Some((le16(b, 6)?, le16(b, 8)?)),
        "image/bmp" => {
            let w = le16(b, 18)? | le16(b, 20)? << 16;
            let h = (le16(b, 22)? | le16(b, 24)? << 16) as i32;
            Some((w, h.unsigned_abs()))
        }
        "image/webp" => match b.get(12..16)? {
            b"VP8 " => Some((le16(b, 26)? & 0x3FFF, le16(b, 28)? & 0x3FFF)),
            b"VP8L" => {
                let bits = u32::from(*b.get(21)?)
                    | u32::from(*b.get(22)?) << 8
                    | u32::from(*b.get(23)?) << 16
                    | u32::from(*b.get(24)?) << 24;
                Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
            }
            b"VP8X" => Some((le24(b, 24)? + 1, le24(b, 27)? + 1)),
            _ => None,
        },
        "image/jpeg" => {
            let mut i = 2;
            while i + 9 < b.len() {
                if b[i] != 0xFF {
                    return None;
                }
                let marker = b[i + 1];
                let len = be16(b, i + 2)? as usize;
                // Start-of-frame markers carry the size (not DHT, JPG, DAC).
                if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
                    return Some((be16(b, i + 7)?, be16(b, i + 5)?));
                }
                i += 2 + len;
            }
            None
        }
        _ => None,
    }
}

/// A stream of a stored file's bytes.
pub type ByteStream = std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send>>;

/// A file name safe to keep and send back: the last path part, no control
/// characters or quotes, at most 200 characters; `file.<ext>` when nothing is left.
pub fn clean_name(raw: Option<&str>, ext: &str) -> String {
    let base = raw.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        format!("file.{ext}")
    } else {
        cleaned.to_string()
    }
}

/// Where attachment files live: the local disk, or an S3-compatible bucket.
/// Either way uploads are first streamed to a local temporary file.
#[derive(Debug, Clone)]
pub enum FileStore {
    Disk(DiskStore),
    S3(S3Store),
}

impl FileStore {
    pub fn temp_dir(&self) -> PathBuf {
        match self {
            FileStore::Disk(d) => d.temp_dir(),
            FileStore::S3(s) => s.temp.clone(),
        }
    }

    /// A fresh key: `<2 hex>/<uuid>`.
    pub fn new_key(&self) -> String {
        let id = uuid::Uuid::new_v4().simple().to_string();
        format!("{}/{}", &id[..2], id)
    }

    /// Whether a key is one of ours (and so safe to use in a path or URL).
    pub fn valid_key(key: &str) -> bool {
        key.len() == 35
            && key.as_bytes().get(2) == Some(&b'/')
            && key.chars().enumerate().all(|(i, c)| i == 2 || c.is_ascii_hexdigit())
    }

    /// Stores bytes fetched from elsewhere (a platform's media) as an
    /// attachment: typed by its content, measured if it is a picture.
    pub async fn store_bytes(
        &self,
        bytes: &[u8],
        name: Option<&str>,
    ) -> Result<switchboard_store::NewAttachment, String> {
        if bytes.is_empty() {
            return Err("the file is empty".into());
        }
        let key = self.new_key();
        let dir = self.temp_dir();
        tokio::fs::create_dir_all(&dir).await.map_err(|e| e.to_string())?;
        let tmp = dir.join(format!("{}.part", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&tmp, bytes).await.map_err(|e| e.to_string())?;
        let head = &bytes[..bytes.len().min(256 * 1024)];
        let (mime, ext) = sniff(head);
        let dims = dimensions(mime, head);
        self.put(&key, &tmp).await?;
        Ok(switchboard_store::NewAttachment {
            file_type: file_type(mime),
            content_type: mime.to_string(),
            extension: Some(ext.to_string()),
            file_name: clean_name(name, ext),
            file_size: bytes.len() as i64,
            width: dims.map(|d| d.0.min(i32::MAX as u32) as i32),
            height: dims.map(|d| d.1.min(i32::MAX as u32) as i32),
            storage_key: key,
        })
    }

    /// Moves a finished temporary file into the store under `key`.
    pub async fn put(&self, key: &str, tmp: &Path) -> Result<(), String> {
        let r = match self {
            FileStore::Disk(d) => {
                let path = d.path(key).ok_or("bad key")?;
                if let Some(dir) = path.parent() {
                    tokio::fs::create_dir_all(dir).await.map_err(|e| e.to_string())?;
                }
                tokio::fs::rename(tmp, &path).await.map_err(|e| e.to_string())
            }
            FileStore::S3(s) => s.put(key, tmp).await,
        };
        let _ = tokio::fs::remove_file(tmp).await;
        r
    }

    /// The file's bytes, or `None` when it is not there.
    pub async fn open(&self, key: &str) -> Result<Option<ByteStream>, String> {
        if !Self::valid_key(key) {
            return Ok(None);
        }
        match self {
            FileStore::Disk(d) => {
                let Some(path) = d.path(key) else { return Ok(None) };
                match tokio::fs::File::open(&path).await {
                    Ok(f) => {
                        use futures_util::StreamExt;
                        let stream = tokio_util_like::reader_stream(f).map(|r| r.map(bytes::Bytes::from));
                        Ok(Some(Box::pin(stream)))
                    }
                    Err(_) => Ok(None),
                }
            }
            FileStore::S3(s) => s.get(key).await,
        }
    }

    pub async fn delete(&self, key: &str) {
        match self {
            FileStore::Disk(d) => d.delete(key).await,
            FileStore::S3(s) => s.delete(key).await,
        }
    }
}

/// Reading a file as a stream of 64 KiB chunks.
mod tokio_util_like {
    use tokio::io::AsyncReadExt;

    pub fn reader_stream(f: tokio::fs::File) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> {
        futures_util::stream::unfold(Some(f), |state| async move {
            let mut f = state?;
            let mut buf = vec![0u8; 64 * 1024];
            match f.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(buf), Some(f)))
                }
                Err(e) => Some((Err(e), None)),
            }
        })
    }
}

/// Attachments on the local disk: `<dir>/<2 hex>/<uuid>`.
#[derive(Debug, Clone)]
pub struct DiskStore {
    pub dir: PathBuf,
}

impl DiskStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DiskStore { dir: dir.into() }
    }

    /// Where a key lives; `None` for a key that is not one of ours.
    pub fn path(&self, key: &str) -> Option<PathBuf> {
        FileStore::valid_key(key).then(|| self.dir.join(key))
    }

    pub async fn delete(&self, key: &str) {
        if let Some(p) = self.path(key) {
            let _ = tokio::fs::remove_file(p).await;
        }
    }

    pub fn temp_dir(&self) -> PathBuf {
        self.dir.join("tmp")
    }
}

/// An S3-compatible bucket (AWS, MinIO, Ceph, R2...), path-style URLs,
/// requests signed with AWS Signature Version 4.
#[derive(Debug, Clone)]
pub struct S3Store {
    pub client: reqwest::Client,
    /// `https://s3.eu-central-1.amazonaws.com` or `http://minio:9000`.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    /// Local directory for uploads in progress.
    pub temp: PathBuf,
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

fn hmac(key: &[u8], msg: &str) -> Vec<u8> {
    use hmac::Mac;
    match hmac::Hmac::<sha2::Sha256>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(msg.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// What a request signs: method, path, canonical headers (lower-case
/// name, trimmed value, sorted) and the payload's SHA-256.
pub struct SigV4<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(&'a str, String)],
    pub payload_sha256: &'a str,
    pub amz_date: &'a str,
    pub region: &'a str,
    pub secret_key: &'a str,
}

/// The AWS Signature Version 4 signature (service `s3`) and the signed headers list.
pub fn sigv4_signature(r: &SigV4<'_>) -> (String, String) {
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let signed = signed.join(";");
    let canonical = format!(
        "{}\n{}\n\n{}\n{}\n{}",
        r.method, r.path, canonical_headers, signed, r.payload_sha256
    );
    let date = &r.amz_date[..8.min(r.amz_date.len())];
    let scope = format!("{date}/{}/s3/aws4_request", r.region);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        r.amz_date,
        sha256_hex(canonical.as_bytes())
    );
    let k = hmac(
        &hmac(
            &hmac(&hmac(format!("AWS4{}", r.secret_key).as_bytes(), date), r.region),
            "s3",
        ),
        "aws4_request",
    );
    (hex::encode(hmac(&k, &to_sign)), signed)
}

impl S3Store {
    fn host(&self) -> String {
        self.endpoint
            .split("://")
            .nth(1)
            .unwrap_or(&self.endpoint)
            .split('/')
            .next()
            .unwrap_or("")
            .to_string()
    }

    fn signed(&self, method: reqwest::Method, key: &str, payload_sha256: &str) -> reqwest::RequestBuilder {
        let now = time::OffsetDateTime::now_utc();
        let amz_date = format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        );
        let path = format!("/{}/{}", self.bucket, key);
        let headers = [
            ("host", self.host()),
            ("x-amz-content-sha256", payload_sha256.to_string()),
            ("x-amz-date", amz_date.clone()),
        ];
        let (sig, signed) = sigv4_signature(&SigV4 {
            method: method.as_str(),
            path: &path,
            headers: &headers,
            payload_sha256,
            amz_date: &amz_date,
            region: &self.region,
            secret_key: &self.secret_key,
        });
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={}/{}/{}/s3/aws4_request, SignedHeaders={signed}, Signature={sig}",
            self.access_key,
            &amz_date[..8],
            self.region
        );
        self.client
            .request(method, format!("{}{path}", self.endpoint.trim_end_matches('/')))
            .header("x-amz-content-sha256", payload_sha256)
            .header("x-amz-date", amz_date)
            .header("authorization", auth)
    }

    /// Uploads with up to three attempts (backoff between them) on network
    /// errors and 5xx answers.
    async fn put(&self, key: &str, tmp: &Path) -> Result<(), String> {
        let body = tokio::fs::read(tmp).await.map_err(|e| e.to_string())?;
        let hash = sha256_hex(&body);
        let mut last = String::new();
        for attempt in 1..=3u32 {
            let r = self
                .signed(reqwest::Method::PUT, key, &hash)
                .body(body.clone())
                .send()
                .await;
            match r {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) if r.status().is_client_error() => {
                    return Err(format!("S3 refused the upload: HTTP {}", r.status()));
                }
                Ok(r) => last = format!("HTTP {}", r.status()),
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(std::time::Duration::from_millis(200 * u64::from(attempt * attempt))).await;
        }
        Err(format!("S3 upload failed: {last}"))
    }

    async fn get(&self, key: &str) -> Result<Option<ByteStream>, String> {
        use futures_util::StreamExt;
        let r = self
            .signed(reqwest::Method::GET, key, &sha256_hex(b""))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if r.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !r.status().is_success() {
            return Err(format!("S3 answered HTTP {}", r.status()));
        }
        Ok(Some(Box::pin(
            r.bytes_stream().map(|c| c.map_err(std::io::Error::other)),
        )))
    }

    async fn delete(&self, key: &str) {
        if let Err(e) = self.signed(reqwest::Method::DELETE, key, &sha256_hex(b"")).send().await {
            tracing::warn!(error = %e, "deleting an attachment from S3");
        }
    }
}

pub fn is_within(dir: &Path, p: &Path) -> bool {
    p.starts_with(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_ignores_names() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest").0, "image/png");
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]).0, "image/jpeg");
        assert_eq!(sniff(b"%PDF-1.7").0, "application/pdf");
        assert_eq!(sniff(b"  <svg xmlns='http://www.w3.org/2000/svg'>").0, "image/svg+xml");
        assert_eq!(sniff(b"<?xml version='1.0'?><svg>").0, "image/svg+xml");
        assert_eq!(sniff(b"<!DOCTYPE html><html>").0, "text/html");
        assert_eq!(sniff(b"hello <script>alert(1)</script>").0, "text/html");
        assert_eq!(sniff(b"just some words").0, "text/plain");
        assert_eq!(sniff(&[0, 1, 2, 3, 0, 9]).0, "application/octet-stream");
        assert_eq!(sniff(b"\x00\x00\x00\x18ftypmp42").0, "video/mp4");
        assert!(!inline_safe("image/svg+xml") && !inline_safe("text/html") && inline_safe("image/png"));
        assert_eq!(file_type("image/png"), 0);
        assert_eq!(file_type("audio/ogg"), 1);
        assert_eq!(file_type("video/mp4"), 2);
        assert_eq!(file_type("image/svg+xml"), 3);
    }

    #[test]
    fn image_sizes() {
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        png.extend_from_slice(&[0, 0, 1, 44, 0, 0, 0, 200]);
        assert_eq!(dimensions("image/png", &png), Some((300, 200)));
        let gif = b"GIF89a\x40\x01\xf0\x00";
        assert_eq!(dimensions("image/gif", gif), Some((320, 240)));
        // JPEG: SOI, an APP0 segment, then SOF0 with height 480 and width 640.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x03,
        ];
        assert_eq!(dimensions("image/jpeg", &jpeg), Some((640, 480)));
        assert_eq!(dimensions("image/jpeg", &[0xFF, 0xD8, 0x00]), None);
        assert_eq!(dimensions("image/png", b"short"), None);
    }

    #[test]
    fn sigv4_matches_the_aws_example() {
        // The GET example of AWS's S3 Signature Version 4 documentation.
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let headers = [
            ("Host", "examplebucket.s3.amazonaws.com".to_string()),
            ("Range", "bytes=0-9".to_string()),
            ("x-amz-content-sha256", empty.to_string()),
            ("x-amz-date", "20130524T000000Z".to_string()),
        ];
        let (sig, signed) = sigv4_signature(&SigV4 {
            method: "GET",
            path: "/test.txt",
            headers: &headers,
            payload_sha256: empty,
            amz_date: "20130524T000000Z",
            region: "us-east-1",
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        });
        assert_eq!(signed, "host;range;x-amz-content-sha256;x-amz-date");
        assert_eq!(sig, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    }

    #[test]
    fn keys_stay_inside_the_store() {
        let s = DiskStore::new("/data");
        let key = FileStore::Disk(s.clone()).new_key();
        assert_eq!(s.path(&key), Some(std::path::PathBuf::from("/data").join(&key)));
        assert_eq!(s.path("../etc/passwd"), None);
        assert_eq!(s.path("ab/../../../../etc/passwd0000000000"), None);
    }
}
