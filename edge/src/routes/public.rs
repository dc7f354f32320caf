//! The public read path: Herald's JSON, the Statuspage API v2 documents, the status page and the
//! feeds. Cacheable, CORS `*`, strong ETags and 304s; an audience token makes the answer private.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use worker::{Date, Env, Headers, Request, Response, Url};

use crate::bindings;
use crate::error::{ApiError, ApiResult};
use crate::page_object;
use crate::route::Doc;

/// How long an isolate reuses a snapshot it fetched from the page object. A write through this
/// isolate drops its copy at once; other isolates see the change within this time.
const FRESH_MS: u64 = 1_000;

/// A public snapshot as the page object rendered it.
struct Cached {
    body: Rc<str>,
    etag: Rc<str>,
    fetched_ms: u64,
}

type Key = (String, Doc, String);

thread_local! {
    static SNAPSHOTS: RefCell<HashMap<Key, Cached>> = RefCell::new(HashMap::new());
}

/// Marks this isolate's copies of `page`'s documents as stale after a write that went through it:
/// the next read asks the page object, and the copies stay as the last good ones.
pub fn invalidate(page: &str) {
    SNAPSHOTS.with(|s| {
        for ((p, _, _), c) in s.borrow_mut().iter_mut() {
            if p == page {
                c.fetched_ms = 0;
            }
        }
    })
}

fn cache_control(doc: Doc) -> &'static str {
    match doc {
        Doc::StatusPage => "public, max-age=15, stale-while-revalidate=60, stale-if-error=86400",
        Doc::Atom | Doc::Ical => {
            "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400"
        }
        _ => "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400",
    }
}

pub fn preflight() -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("access-control-allow-origin", "*")?;
    headers.set("access-control-allow-methods", "GET, HEAD, POST, OPTIONS")?;
    headers.set(
        "access-control-allow-headers",
        "authorization, if-none-match, content-type",
    )?;
    headers.set("access-control-max-age", "86400")?;
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}

pub fn openapi() -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    headers.set("access-control-allow-origin", "*")?;
    headers.set("cache-control", "public, max-age=300")?;
    Ok(Response::ok(include_str!("../../openapi.json"))?.with_headers(headers))
}

/// The page bound to the request's host name (`HERALD_HOST_PAGES`: `host=page,host=page`).
fn page_for_host(url: &Url, env: &Env) -> ApiResult<String> {
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let map = env
        .var(bindings::HOST_PAGES)
        .map(|v| v.to_string())
        .unwrap_or_default();
    map.split(',')
        .filter_map(|pair| pair.split_once('='))
        .find(|(h, _)| h.trim().eq_ignore_ascii_case(&host))
        .map(|(_, p)| p.trim().to_owned())
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no status page is bound to the host {host:?}; use /pages/{{page}}/api/v2/..."
            ))
        })
}

/// An audience token: `?token=` (the script-tag case) or `Authorization: Bearer`.
fn audience_token(req: &Request, url: &Url, doc: Doc) -> ApiResult<Option<String>> {
    if !doc.audience_aware() {
        return Ok(None);
    }
    let from_query = url
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned());
    Ok(from_query
        .or(crate::auth::bearer(req)?)
        .filter(|t| !t.is_empty()))
}

pub async fn doc(req: Request, env: &Env, page: Option<String>, doc: Doc) -> ApiResult<Response> {
    // Parsed once: the host, the origin and the token all come from it.
    let url = req.url()?;
    let page = match page {
        Some(p) => p,
        None => page_for_host(&url, env)?,
    };
    let base = url.origin().ascii_serialization();
    let headers = Headers::new();
    headers.set("access-control-allow-origin", "*")?;
    headers.set("access-control-expose-headers", "etag")?;
    headers.set("vary", "authorization")?;
    if let Some(token) = audience_token(&req, &url, doc)? {
        // Per-viewer: never cached under the public key, never marked public.
        let mut answer = page_object::doc(env, &page, doc, &base, Some(&token)).await?;
        if answer.status_code() != 200 {
            return Ok(answer);
        }
        headers.set("cache-control", "private, no-store")?;
        headers.set("content-type", doc.content_type())?;
        return Ok(Response::ok(answer.text().await?)?.with_headers(headers));
    }
    let (body, etag) = match snapshot(env, &page, doc, &base).await? {
        Ok(s) => s,
        Err(answer) => return Ok(answer),
    };
    headers.set("cache-control", cache_control(doc))?;
    headers.set("etag", &etag)?;
    headers.set("x-content-type-options", "nosniff")?;
    if doc == Doc::StatusPage {
        // The page needs no script at all; its styles are inline.
        headers.set(
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        )?;
    }
    let fresh = req
        .headers()
        .get("if-none-match")?
        .is_some_and(|h| etag_matches(&h, &etag));
    if fresh {
        return Ok(Response::empty()?.with_status(304).with_headers(headers));
    }
    headers.set("content-type", doc.content_type())?;
    Ok(Response::ok(body.to_string())?.with_headers(headers))
}

/// The public snapshot: from this isolate's memory while fresh, else from the page object. When
/// the object cannot answer (storage or runtime failure), the last good copy is served, however old.
/// `Err(response)` passes the object's own client answer through (404 for an unknown page).
async fn snapshot(
    env: &Env,
    page: &str,
    doc: Doc,
    base: &str,
) -> ApiResult<Result<(Rc<str>, Rc<str>), Response>> {
    let key = (page.to_owned(), doc, base.to_owned());
    let now = Date::now().as_millis();
    let cached = SNAPSHOTS.with(|s| {
        s.borrow().get(&key).map(|c| {
            (
                c.body.clone(),
                c.etag.clone(),
                now.saturating_sub(c.fetched_ms) < FRESH_MS,
            )
        })
    });
    if let Some((body, etag, true)) = &cached {
        return Ok(Ok((body.clone(), etag.clone())));
    }
    let stale = |e: ApiError| match &cached {
        Some((body, etag, _)) => {
            worker::console_warn!("serving the last good snapshot of {page}: {e:?}");
            Ok(Ok((body.clone(), etag.clone())))
        }
        None => Err(e),
    };
    let mut answer = match page_object::doc(env, page, doc, base, None).await {
        Ok(a) => a,
        Err(e) => return stale(e),
    };
    match answer.status_code() {
        200 => {}
        s if s >= 500 => return stale(ApiError::Server(format!("page object answered {s}"))),
        _ => return Ok(Err(answer)),
    }
    let etag: Rc<str> = answer.headers().get("etag")?.unwrap_or_default().into();
    let body: Rc<str> = answer.text().await?.into();
    SNAPSHOTS.with(|s| {
        s.borrow_mut().insert(
            key,
            Cached {
                body: body.clone(),
                etag: etag.clone(),
                fetched_ms: now,
            },
        )
    });
    Ok(Ok((body, etag)))
}

/// `If-None-Match` uses the weak comparison (RFC 9110 13.1.2): `W/` is ignored, `*` matches anything.
pub fn etag_matches(header: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let etag = bare(etag);
    !etag.is_empty()
        && header
            .split(',')
            .any(|t| t.trim() == "*" || bare(t) == etag)
}

#[cfg(test)]
mod tests {
    use super::etag_matches;

    #[test]
    fn if_none_match_uses_weak_comparison() {
        let cases = [
            ("\"abc\"", "\"abc\"", true),
            ("W/\"abc\"", "\"abc\"", true),
            ("\"x\", \"abc\"", "\"abc\"", true),
            ("*", "\"abc\"", true),
            ("\"abd\"", "\"abc\"", false),
            ("\"abc\"", "", false),
        ];
        for (header, etag, want) in cases {
            assert_eq!(etag_matches(header, etag), want, "{header} vs {etag}");
        }
    }
}
