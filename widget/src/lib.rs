//! herald-widget: the in-app status banner, in Leptos (client-side rendering). The loader
//! (`www/widget.js`) imports this module only when there is something to show or the host asks for
//! the subscribe form; `mount` builds a shadow root and mounts the widget (`app`) inside it.

mod app;
mod host;
mod i18n;
mod live;
mod net;
mod store;
mod subscribe;

pub use app::Ui;
pub use i18n::{resolve as resolve_locale, FormWords, Words, LOCALES};
pub use subscribe::{normalize, read_answer, request_body, Answer, Channel};

use herald_shared::wire::{Banner, BannerPage, WidgetOptions as Options};
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
    /// Mount with the subscribe form open (`Herald.openSubscribe()`; the loader's `open: "subscribe"`).
    pub open_subscribe: bool,
}

/// `text` through the browser's `JSON.parse`, then serde-wasm-bindgen into `T`: no JSON parser
/// is compiled into the wasm.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|_| "not JSON".to_owned())?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

impl Config {
    /// Reads the options as the loader sends them: one JSON object of strings.
    pub fn from_json(text: &str) -> Result<Config, String> {
        let raw: Options = from_json(text).map_err(|e| format!("bad options: {e}"))?;
        let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let components = raw
            .components
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        let statuspage = raw.format.as_deref().map(str::trim) == Some("statuspage");
        Ok(Config {
            page: clean(raw.page).unwrap_or_default(),
            endpoint: clean(raw.endpoint).ok_or("no endpoint")?,
            mode: clean(raw.mode)
                .or_else(|| clean(raw.position))
                .unwrap_or_else(|| "top".into()),
            target: clean(raw.target),
            theme: clean(raw.theme).unwrap_or_else(|| "auto".into()),
            locale: clean(raw.locale),
            components,
            token: clean(raw.token),
            subscribe: matches!(
                raw.subscribe.as_deref().map(str::trim),
                Some("true" | "" | "1")
            ),
            z_index: clean(raw.z_index).and_then(|z| z.parse::<i64>().ok()),
            poll_floor: clean(raw.poll_floor)
                .and_then(|f| f.parse::<u32>().ok())
                .map_or(0, |f| f.min(86_400)),
            statuspage_src: if statuspage { clean(raw.src) } else { None },
            open_subscribe: raw.open.as_deref().map(str::trim) == Some("subscribe"),
        })
    }
}

/// Mounts the widget. `initial` is the JSON the loader already fetched (Herald's banner, or a
/// Statuspage summary in that mode), or empty when the host opened the subscribe form before the
/// first answer. Never throws into the host page: any failure is one console warning and no widget.
/// The release build aborts on a panic without a message (`cargo xtask dist`): the trap rejects the
/// loader's promise, and the loader removes the widget and warns once.
#[wasm_bindgen]
pub fn mount(config: &str, initial: &str) {
    if let Err(err) = try_mount(config, initial) {
        warn(&format!("widget disabled: {err}"));
        host::remove();
    }
}

fn try_mount(config: &str, initial: &str) -> Result<(), String> {
    let config = Config::from_json(config)?;
    let banner = if initial.trim().is_empty() {
        // Nothing fetched yet: a quiet banner, polled at once.
        Banner {
            page: BannerPage {
                id: config.page.clone(),
                name: String::new(),
                url: format!("/{}", config.page),
                accent_color: None,
                on_accent_color: None,
            },
            item: None,
            poll_after: 0,
            live: false,
        }
    } else {
        net::parse(initial, config.statuspage_src.is_some())?
    };
    let (host, root) = host::create(&config)?;
    app::start(&config, banner, host, root);
    // A User Timing mark for real-user monitoring (and `cargo xtask bench`): the widget has rendered.
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark("herald:render");
    }
    Ok(())
}

/// Opens the subscribe form of the widget on the page (the loader's `Herald.openSubscribe()` when
/// the widget is already mounted).
#[wasm_bindgen]
pub fn open_subscribe() {
    app::open_subscribe();
}

/// Parses a banner as the widget does (exposed for tests).
pub fn parse_banner(text: &str) -> Result<Banner, String> {
    net::parse(text, false)
}

/// The widget's single way to complain: a console warning, never an exception.
pub(crate) fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(&format!("[herald] {message}")));
}
