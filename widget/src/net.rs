//! Fetching what the widget shows: Herald's banner JSON (with the audience token as `?token=`),
//! or a Statuspage v2 `summary.json` read through `shared::statuspage`; both are read by the
//! browser's `JSON.parse` and serde-wasm-bindgen into `shared`'s types. Requests carry no custom
//! headers, so a cross-origin poll needs no CORS preflight; `cache: no-cache` makes the browser
//! revalidate with its stored ETag (`If-None-Match`), so an unchanged banner costs a 304.

use herald_shared::wire::Banner;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCache, RequestCredentials, RequestInit, Response};

use crate::Config;

/// The URL polled for `config`.
pub fn source_url(config: &Config) -> String {
    if let Some(src) = &config.statuspage_src {
        return src.clone();
    }
    let mut url = format!(
        "{}/v1/pages/{}/banner.json",
        config.endpoint.trim_end_matches('/'),
        js_sys::encode_uri_component(&config.page)
    );
    if let Some(token) = &config.token {
        url.push_str("?token=");
        url.push_str(&String::from(js_sys::encode_uri_component(token)));
    }
    url
}

/// The live socket's URL for `config` (the banner's, with `ws` for `http`); `None` for a
/// Statuspage source, which has none.
pub fn live_url(config: &Config) -> Option<String> {
    if config.statuspage_src.is_some() {
        return None;
    }
    let banner = source_url(config);
    Some(format!("ws{}", banner.strip_prefix("http")?).replacen("/banner.json", "/live", 1))
}

/// A banner from fetched text: Herald's own JSON, or a Statuspage summary decided now. Reading
/// Statuspage documents is a separate build (feature `statuspage`, `herald_widget_sp`), so that
/// the common case does not carry its parser.
pub fn parse(text: &str, statuspage: bool) -> Result<Banner, String> {
    if statuspage {
        parse_statuspage(text)
    } else {
        crate::from_json::<Banner>(text).map_err(|e| format!("bad banner JSON: {e}"))
    }
}

#[cfg(not(feature = "statuspage"))]
fn parse_statuspage(_text: &str) -> Result<Banner, String> {
    Err("this build reads Herald's format only; the loader uses herald_widget_sp for Statuspage sources".into())
}

#[cfg(feature = "statuspage")]
fn parse_statuspage(text: &str) -> Result<Banner, String> {
    use herald_shared::statuspage::{banner_from_summary, SpSummary};
    let doc: SpSummary = crate::from_json(text).map_err(|e| format!("bad summary JSON: {e}"))?;
    let now_ns = js_sys::Date::now() as i128 * 1_000_000;
    let now =
        herald_shared::Timestamp::from_unix_timestamp_nanos(now_ns).map_err(|_| "bad clock")?;
    let mut banner = banner_from_summary(&doc, now);
    banner.poll_after = banner.poll_after.max(30);
    Ok(banner)
}

pub async fn fetch(url: &str, statuspage: bool) -> Result<Banner, String> {
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoCache);
    let (status, _, text) = send(url, &init).await?;
    if !(200..300).contains(&status) {
        return Err(format!("HTTP {status}"));
    }
    parse(&text, statuspage)
}

/// Sends a request without cookies and returns the answer's status, content type and body.
pub async fn send(url: &str, init: &RequestInit) -> Result<(u16, String, String), String> {
    let err = |e: JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let window = web_sys::window().ok_or("no window")?;
    init.set_credentials(RequestCredentials::Omit);
    let resp: Response = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(err)?
        .unchecked_into();
    let ctype = resp
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    let text = JsFuture::from(resp.text().map_err(err)?)
        .await
        .map_err(err)?
        .as_string()
        .unwrap_or_default();
    Ok((resp.status(), ctype, text))
}
