//! herald-widget: the in-app status banner. The loader (`www/widget.js`) imports this module only
//! when there is something to show; `mount` builds a shadow root and runs the Leptos app inside it.

mod app;
mod host;
mod net;
mod store;

pub use app::{App, BannerView};

use herald_shared::wire::Banner;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

/// Options the loader passes (as JSON) through from the script tag's data attributes.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub page: String,
    /// Origin of the status host, e.g. `https://status.example.com`.
    pub endpoint: String,
    /// `top` or `bottom`.
    #[serde(default)]
    pub position: Option<String>,
    /// Lowest poll interval in seconds the host page wants.
    #[serde(default)]
    pub poll_floor: Option<u32>,
}

/// Mounts the widget. `initial` is the banner JSON the loader already fetched. Never throws into
/// the host page: any failure is one console warning and no widget.
#[wasm_bindgen]
pub fn mount(config: &str, initial: &str) {
    if let Err(err) = try_mount(config, initial) {
        warn(&format!("widget disabled: {err}"));
    }
}

fn try_mount(config: &str, initial: &str) -> Result<(), String> {
    let config: Config = serde_json::from_str(config).map_err(|e| format!("bad options: {e}"))?;
    let banner: Banner =
        serde_json::from_str(initial).map_err(|e| format!("bad banner JSON: {e}"))?;
    let root = host::create(config.position.as_deref())?;
    let handle = leptos::mount::mount_to(root, move || {
        app::App(app::AppProps {
            config,
            initial: banner,
        })
    });
    handle.forget();
    Ok(())
}

/// The widget's single way to complain: a console warning, never an exception.
pub(crate) fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(&format!("[herald] {message}")));
}
