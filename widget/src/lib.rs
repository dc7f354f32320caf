//! herald-widget: the in-app status banner. The loader (`www/widget.js`) imports this module only
//! when there is something to show; `mount` builds a shadow root and runs the Leptos app inside it.

mod app;
mod host;
mod i18n;
mod net;
mod store;

pub use app::{App, BannerView};
pub use i18n::{resolve as resolve_locale, Words, LOCALES};

use herald_shared::wire::Banner;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

/// Options from the script tag's data attributes merged with `Herald.init({...})`, passed through
/// by the loader as one JSON object. Data attributes arrive as strings, so numbers and flags are
/// read leniently.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub page: String,
    /// Origin of the status host, e.g. `https://status.example.com`.
    pub endpoint: String,
    /// `top` (default), `bottom`, `toast`, `inline` or `badge`.
    pub mode: String,
    /// CSS selector of the element `inline` (and optionally `badge`) renders into.
    pub target: Option<String>,
    /// `light`, `dark` or `auto` (default).
    pub theme: String,
    pub locale: Option<String>,
    /// Component ids or names the host cares about; empty means all.
    pub components: Vec<String>,
    pub token: Option<String>,
    /// Show a subscribe button.
    pub subscribe: bool,
    pub z_index: Option<i64>,
    /// Lowest poll interval in seconds the host page wants.
    pub poll_floor: u32,
    /// `statuspage`: read a Statuspage v2 `summary.json` from `src` instead of Herald's banner.
    pub statuspage_src: Option<String>,
}

impl Config {
    pub fn from_json(text: &str) -> Result<Config, String> {
        let map: Map<String, Value> =
            serde_json::from_str(text).map_err(|e| format!("bad options: {e}"))?;
        let s = |k: &str| match map.get(k) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            _ => None,
        };
        let n = |k: &str| s(k).and_then(|v| v.parse::<f64>().ok());
        let components = match map.get("components") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(Value::String(list)) => list
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        let statuspage = s("format").as_deref() == Some("statuspage");
        Ok(Config {
            page: s("page").unwrap_or_default(),
            endpoint: s("endpoint").ok_or("no endpoint")?,
            mode: s("mode")
                .or_else(|| s("position"))
                .unwrap_or_else(|| "top".into()),
            target: s("target"),
            theme: s("theme").unwrap_or_else(|| "auto".into()),
            locale: s("locale"),
            components,
            token: s("token"),
            subscribe: matches!(s("subscribe").as_deref(), Some("true" | "" | "1")),
            z_index: n("zIndex").map(|z| z as i64),
            poll_floor: n("pollFloor").map_or(0, |f| f.clamp(0.0, 86_400.0) as u32),
            statuspage_src: if statuspage { s("src") } else { None },
        })
    }
}

/// Mounts the widget. `initial` is the JSON the loader already fetched (Herald's banner, or a
/// Statuspage summary in that mode). Never throws into the host page: any failure is one console
/// warning and no widget.
#[wasm_bindgen]
pub fn mount(config: &str, initial: &str) {
    std::panic::set_hook(Box::new(|_| {
        warn("internal error; the widget removed itself");
        host::remove();
    }));
    if let Err(err) = try_mount(config, initial) {
        warn(&format!("widget disabled: {err}"));
        host::remove();
    }
}

fn try_mount(config: &str, initial: &str) -> Result<(), String> {
    let config = Config::from_json(config)?;
    let banner = net::parse(initial, config.statuspage_src.is_some())?;
    let (host, root) = host::create(&config)?;
    let handle = leptos::mount::mount_to(root, move || {
        app::App(app::AppProps {
            config,
            initial: banner,
            host,
        })
    });
    handle.forget();
    Ok(())
}

/// Parses a banner as the widget does (exposed for tests).
pub fn parse_banner(text: &str) -> Result<Banner, String> {
    net::parse(text, false)
}

/// The widget's single way to complain: a console warning, never an exception.
pub(crate) fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(&format!("[herald] {message}")));
}
