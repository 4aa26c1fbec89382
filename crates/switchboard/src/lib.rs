//! The server as the binary runs it. The wiring (configuration, the store,
//! the use cases, the HTTP server, the job runner, shutdown) lives in
//! `switchboard-app`, beneath both this binary and `switchboard-bench`;
//! it is re-exported here, so the tests name it as `switchboard::...`.

pub use switchboard_app::*;
