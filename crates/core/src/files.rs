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

/// Attachments on the local disk: `<dir>/<2 hex>/<uuid>`.
#[derive(Debug, Clone)]
pub struct DiskStore {
    pub dir: PathBuf,
}

impl DiskStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DiskStore { dir: dir.into() }
    }

    /// A fresh key and the path to write it at.
    pub fn new_key(&self) -> (String, PathBuf) {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let key = format!("{}/{}", &id[..2], id);
        let path = self.dir.join(&key);
        (key, path)
    }

    /// Where a key lives; `None` for a key that is not one of ours.
    pub fn path(&self, key: &str) -> Option<PathBuf> {
        let ok = key.len() == 35
            && key.as_bytes().get(2) == Some(&b'/')
            && key.chars().enumerate().all(|(i, c)| i == 2 || c.is_ascii_hexdigit());
        ok.then(|| self.dir.join(key))
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
    fn keys_stay_inside_the_store() {
        let s = DiskStore::new("/data");
        let (key, path) = s.new_key();
        assert_eq!(s.path(&key), Some(path));
        assert_eq!(s.path("../etc/passwd"), None);
        assert_eq!(s.path("ab/../../../../etc/passwd0000000000"), None);
    }
}
