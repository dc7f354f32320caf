//! Names of the worker's bindings and variables. They must match `wrangler.toml`.

/// Durable Object namespace of the per-page objects (class `PageObject`).
pub const PAGES: &str = "PAGES";
/// Secret holding the root admin key (`wrangler secret put HERALD_ADMIN_KEY`).
pub const ADMIN_KEY: &str = "HERALD_ADMIN_KEY";
/// Optional variable: seconds between widget polls, overriding the model's default (development and
/// tests use a short one).
pub const POLL_SECS: &str = "HERALD_POLL_SECS";
/// Optional variable binding host names to pages for `/api/v2/...`: `status.acme.com=acme,...`.
pub const HOST_PAGES: &str = "HERALD_HOST_PAGES";
