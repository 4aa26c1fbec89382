//! Contacts in and out as CSV (Chatwoot's `/contacts/import` and
//! `/contacts/export`), administrators only.
//!
//! An import keeps its file in its row and is worked through by the
//! `data_import` job in batches: each batch is one transaction that writes
//! its contacts and moves the import's cursor (the first unread byte), so a
//! crash resumes where the last committed batch ended and reads no row
//! twice. Rows are matched to contacts by identifier, then e-mail, then
//! phone number, as Chatwoot does; the unique `(account_id, identifier)` and
//! `(account_id, email)` keep a concurrent writer from making a duplicate
//! (its batch fails and is tried again). Bad rows are reported by line and
//! skipped.
//!
//! An export reads contacts in pages by id, so memory stays flat whatever
//! the account's size. Cells that a spreadsheet would take for a formula
//! (starting with `=`, `+`, `-`, `@`, tab or carriage return) are written
//! with a leading `'`; an import takes that `'` away again.

mod export;
mod import;

pub use export::{ContactsExport, EXPORT_PAGE, ExportSpec, MAX_EXPORT_ATTACHMENT, neutralise, quoted};
pub use import::{
    CheckedFile, IMPORT_BATCH_ROWS, IMPORTS_LISTED, MAX_FAILED_ROWS_KEPT, MAX_IMPORT_BYTES, MAX_IMPORT_COLUMNS,
    MAX_IMPORT_ROWS, MAX_UNFINISHED_IMPORTS, RunImport, check_file, import_json,
};
