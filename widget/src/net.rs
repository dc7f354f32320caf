//! Fetching banner JSON. Requests carry no custom headers, so a cross-origin poll needs no CORS
//! preflight; `cache: no-cache` makes the browser revalidate with its stored ETag (`If-None-Match`),
//! so an unchanged banner costs a 304.

use herald_shared::wire::Banner;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCache, RequestCredentials, RequestInit, Response};

pub fn banner_url(endpoint: &str, page: &str) -> String {
    format!(
        "{}/v1/pages/{}/banner.json",
        endpoint.trim_end_matches('/'),
        js_sys::encode_uri_component(page)
    )
}

pub async fn fetch_banner(url: &str) -> Result<Banner, String> {
    let err = |e: JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let window = web_sys::window().ok_or("no window")?;
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoCache);
    init.set_credentials(RequestCredentials::Omit);
    let resp: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(err)?
        .unchecked_into();
    if !resp.ok() {
        return Err(format!("HTTP {}", resp.status()));
    }
    let text = JsFuture::from(resp.text().map_err(err)?)
        .await
        .map_err(err)?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| format!("bad banner JSON: {e}"))
}
