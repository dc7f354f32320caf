//! The development outbox (`/_dev/outbox` and `/_dev/outbox.json`): what the local provider sink
//! received, so a developer can open a confirmation email and click its link. It exists only when
//! `HERALD_ENV=development`; otherwise these paths are unknown like any other.

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
    let e = |s: &str| html_escape::encode_text(s).into_owned();
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Herald outbox (development)</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}article{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}pre{white-space:pre-wrap}small{color:#666}</style></head><body><h1>Outbox</h1><p>What the local provider sink received, newest first. Development only.</p>",
    );
    let items = list.as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        html.push_str("<p>Nothing sent yet.</p>");
    }
    for m in items.iter().rev() {
        let s = |k: &str| m[k].as_str().unwrap_or("").to_owned();
        let to = m["to"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        // Links become clickable; everything else stays escaped text.
        let text: String = e(&s("text"))
            .split_inclusive(char::is_whitespace)
            .map(|w| {
                let t = w.trim_end();
                if t.starts_with("http://") || t.starts_with("https://") {
                    format!("<a href=\"{t}\">{t}</a>{}", &w[t.len()..])
                } else {
                    w.to_owned()
                }
            })
            .collect();
        html.push_str(&format!(
            "<article><h2>{}</h2><small>to {} · {} · {}</small><pre>{}</pre></article>",
            e(&s("subject")),
            e(&to),
            e(&s("received_at")),
            e(&s("id")),
            text
        ));
    }
    html.push_str("</body></html>");
    headers.set("content-type", "text/html; charset=utf-8")?;
    Ok(Response::ok(html)?.with_headers(headers))
}
