//! Unicode case folding for SQLite. SQLite's built-in `lower()` folds ASCII
//! only, so a search for "ирина" never found "Ирина" and "élodie" never
//! found "ÉLODIE", while PostgreSQL (with a UTF-8 ctype) folds both. Every
//! comparison the store makes case-insensitively is written once as
//! `LOWER(column) LIKE <folded pattern>`; on SQLite each connection
//! replaces `lower()` with Rust's `str::to_lowercase`, so the same SQL
//! answers the same on both backends.
//!
//! No crate offers this (sqlx registers collations and `REGEXP`, not
//! scalar functions), so it is a small FFI call: the only `unsafe` in the
//! store, kept to this file.

use std::ffi::{c_char, c_int};
use std::ptr::NonNull;

use libsqlite3_sys as ffi;

/// `lower(x)`: `x` lower-cased by Unicode's rules; NULL stays NULL and
/// non-text values are lowered as their text.
unsafe extern "C" fn unicode_lower(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
    // SAFETY: SQLite calls this with `argc` valid values in `argv` (we
    // registered it for exactly one argument) and a live context.
    unsafe {
        if argc != 1 || argv.is_null() {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let value = *argv;
        if ffi::sqlite3_value_type(value) == ffi::SQLITE_NULL {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        // The text pointer is valid until the value changes; its length is
        // asked after the pointer, as SQLite's documentation requires.
        let text = ffi::sqlite3_value_text(value);
        let len = ffi::sqlite3_value_bytes(value);
        if text.is_null() || len <= 0 {
            ffi::sqlite3_result_text(ctx, c"".as_ptr(), 0, ffi::SQLITE_TRANSIENT());
            return;
        }
        let bytes = std::slice::from_raw_parts(text, len as usize);
        let lowered = String::from_utf8_lossy(bytes).to_lowercase();
        match c_int::try_from(lowered.len()) {
            Ok(n) => ffi::sqlite3_result_text(ctx, lowered.as_ptr() as *const c_char, n, ffi::SQLITE_TRANSIENT()),
            Err(_) => ffi::sqlite3_result_error_toobig(ctx),
        }
    }
}

/// Replaces `lower()` on one connection (deterministic, so SQLite may use
/// it in indexes and constant-fold it).
pub(crate) fn install(db: NonNull<ffi::sqlite3>) -> Result<(), String> {
    // SAFETY: `db` is an open connection held locked by the caller for the
    // duration of the call; the name is a NUL-terminated static string; no
    // user data or destructor is passed.
    let rc = unsafe {
        ffi::sqlite3_create_function_v2(
            db.as_ptr(),
            c"lower".as_ptr(),
            1,
            ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC,
            std::ptr::null_mut(),
            Some(unicode_lower),
            None,
            None,
            None,
        )
    };
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(format!("cannot register lower(): SQLite error {rc}"))
    }
}
