//! herald-console: the console for communication managers, a Leptos (CSR) app served by the worker
//! at `/console`, same origin as the admin API. It links `herald-shared`, so the wording lint, the
//! cadence and the per-channel renderers run here exactly as on the server.
//!
//! Map: `decide` (every decision, plain functions tested natively), `api` (the admin API and its
//! typed error); in the browser build only: `session` (the key in `sessionStorage`), `ctx` (the state
//! every screen shares), `app` (sign-in,
//! the shell, polling), `live` (the page's live socket: a version pushed, the page read again), `overview` (the page at a glance), `compose` (incident drafts, lint, previews), `schedule` (maintenance and
//! notices with their lead times), `review` (drafts waiting for a second person), `templates` (edit with a preview per channel), `scorecard`
//! (how each incident was communicated), `notifications` (messages sent and their deliveries), `evidence`
//! (the audit log filtered, an incident's timeline, the export), `keys` (API keys and the widget
//! secret, admin only), `subscribers` (counts, the masked list, a lookup by exact address, import,
//! export, erasure).

pub mod api;
pub mod decide;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod compose;
#[cfg(target_arch = "wasm32")]
mod ctx;
#[cfg(target_arch = "wasm32")]
mod evidence;
#[cfg(target_arch = "wasm32")]
mod keys;
#[cfg(target_arch = "wasm32")]
mod live;
#[cfg(target_arch = "wasm32")]
mod notifications;
#[cfg(target_arch = "wasm32")]
mod overview;
#[cfg(target_arch = "wasm32")]
mod review;
#[cfg(target_arch = "wasm32")]
mod schedule;
#[cfg(target_arch = "wasm32")]
mod scorecard;
#[cfg(target_arch = "wasm32")]
mod session;
#[cfg(target_arch = "wasm32")]
mod subscribers;
#[cfg(target_arch = "wasm32")]
mod templates;

/// Entry point: mounts the console on the page's body.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
    // Mounting is synchronous: from here the first screen is on the page and answers input.
    // `cargo xtask bench` reads this mark as the console's time to interactive.
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark("herald:console-interactive");
    }
}
