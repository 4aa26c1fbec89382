//! What search indexes and asks for, computed once here so both storage
//! backends index and query the same terms (and answer the same).
//!
//! - [`fold`]: text lower-cased by Unicode's rules, diacritics removed
//!   (é -> e, ё -> е, ü -> u), whitespace runs made one space: what
//!   substring search compares.
//! - [`terms`]: the words of the folded text, each reduced to its stem by
//!   the Snowball stemmer of its script (Cyrillic: Russian; Latin:
//!   English; digits and other scripts as they are), space-separated: what
//!   word search compares. "заказы" and "заказа" both give "заказ";
//!   "refunds" and "refunding" both give "refund".

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// How much of a text is indexed (characters): a pasted log does not make
/// a message's index entry unbounded.
pub const MAX_INDEXED_CHARS: usize = 4_000;

/// Words longer than this are indexed whole, unstemmed (a token, a hash).
const MAX_WORD_CHARS: usize = 64;

/// `text` lower-cased, without diacritics, whitespace collapsed; at most
/// [`MAX_INDEXED_CHARS`] characters of it.
pub fn fold(text: &str) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(text.len().min(MAX_INDEXED_CHARS));
    for c in text.chars().flat_map(char::to_lowercase) {
        if chars.len() > MAX_INDEXED_CHARS {
            break;
        }
        // й is a letter of its own in Russian (мой is not мои); every
        // other mark goes (ё -> е, é -> e).
        if c == 'й' {
            chars.push(c);
            continue;
        }
        decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                chars.push(d);
            }
        });
    }
    let mut out = String::with_capacity(chars.len());
    let mut n = 0;
    for word in chars.split(|c| c.is_whitespace()).filter(|w| !w.is_empty()) {
        if n >= MAX_INDEXED_CHARS {
            break;
        }
        if n > 0 {
            out.push(' ');
            n += 1;
        }
        for c in word.iter().take(MAX_INDEXED_CHARS.saturating_sub(n)) {
            out.push(*c);
            n += 1;
        }
    }
    out
}

/// What contact search compares: the folded name, e-mail, phone number
/// and company, each apart (a unit separator between them, so no match
/// spans two fields).
pub fn contact_text(fields: &[Option<&str>]) -> String {
    fields
        .iter()
        .flatten()
        .map(|f| fold(f))
        .filter(|f| !f.is_empty())
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// The stems of the words of `text` (see the module's documentation).
pub fn terms(text: &str) -> String {
    words(&fold(text)).join(" ")
}

/// The stems of the words of already folded text.
pub fn words(folded: &str) -> Vec<String> {
    thread_local! {
        static STEMMERS: (Stemmer, Stemmer) =
            (Stemmer::create(Algorithm::English), Stemmer::create(Algorithm::Russian));
    }
    STEMMERS.with(|(english, russian)| {
        folded
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                if w.chars().count() > MAX_WORD_CHARS {
                    w.to_string()
                } else if w.chars().any(is_cyrillic) {
                    russian.stem(w).into_owned()
                } else if w.chars().any(|c| c.is_ascii_alphabetic()) {
                    english.stem(w).into_owned()
                } else {
                    w.to_string()
                }
            })
            .collect()
    })
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_marks() {
        assert_eq!(fold("  Élodie   ÇA\tva "), "elodie ca va");
        assert_eq!(fold("ЗАКАЗ Ёлка Мой"), "заказ елка мой");
        assert_eq!(fold("Straße"), "straße");
    }

    #[test]
    fn stems_by_script() {
        assert_eq!(terms("Заказы"), terms("заказа"));
        assert_eq!(terms("заказ"), "заказ");
        assert_eq!(terms("Refunds"), "refund");
        assert_eq!(terms("refunding"), "refund");
        assert_eq!(terms("order #4521, please!"), "order 4521 pleas");
        assert_eq!(terms("café"), terms("cafe"));
    }

    #[test]
    fn contact_fields_stay_apart() {
        let t = contact_text(&[Some("María López"), Some("MARIA@shop.test"), None, Some("")]);
        assert_eq!(t, "maria lopez\u{1f}maria@shop.test");
        assert!(!t.contains("lopezmaria"));
    }

    #[test]
    fn bounded() {
        let long = "word ".repeat(10_000);
        assert!(fold(&long).chars().count() <= MAX_INDEXED_CHARS);
        let token = "a".repeat(200);
        assert_eq!(terms(&token), token);
    }
}
