//! The development outbox (`/_dev/outbox` and `/_dev/outbox.json`): what the local provider sink
//! received, so a developer can open a confirmation email and click its link; and `POST
//! /_dev/faults`, which arms the consumer's faults (`notify::fault`) for the hardening tests; and
//! `GET /_dev/storage/{page}`, every row the page's object stores (what the erasure test greps); and
//! `POST /_dev/clock/{page}`, the time the page objects read (a scripted incident's minutes). They
//! exist only when `HERALD_ENV=development`; otherwise these paths are unknown like any other.

use worker::{Env, Fetch, Headers, Response};

use crate::bindings;
use crate::error::{ApiError, ApiResult};

/// Whether this worker runs in development (the outbox is served).
pub fn enabled(env: &Env) -> bool {
    env.var(bindings::ENV)
        .map(|v| v.to_string() == "development")
        .unwrap_or(false)
}

async fn messages(env: &Env) -> ApiResult<serde_json::Value> {
    let base = env
        .var(bindings::EMAIL_API)
        .map(|v| v.to_string())
        .map_err(|_| ApiError::not_found("no local sink: HERALD_EMAIL_API is not set"))?;
    let mut resp = Fetch::Url(
        worker::Url::parse(&format!("{}/messages", base.trim_end_matches('/')))
            .map_err(|e| ApiError::Server(e.to_string()))?,
    )
    .send()
    .await?;
    let text = resp.text().await?;
    serde_json::from_str(&text).map_err(|e| ApiError::Server(format!("sink answered: {e}")))
}

pub async fn outbox(env: &Env, json: bool) -> ApiResult<Response> {
    let list = messages(env).await?;
    let headers = Headers::new();
    headers.set("cache-control", "no-store")?;
    if json {
        headers.set("content-type", "application/json; charset=utf-8")?;
        return Ok(Response::ok(list.to_string())?.with_headers(headers));
    }
    headers.set("content-type", "text/html; charset=utf-8")?;
    Ok(Response::ok(super::pages::outbox(&list))?.with_headers(headers))
}

/// Arms the consumer's faults from a `Faults` body.
pub async fn faults(mut req: worker::Request) -> ApiResult<Response> {
    let text = req.text().await?;
    let f: herald_shared::wire::internal::Faults =
        serde_json::from_str(&text).map_err(|e| ApiError::bad_json(&e))?;
    crate::notify::fault::arm(f.crash, f.fail_page);
    Ok(Response::empty()?.with_status(204))
}
