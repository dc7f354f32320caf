//! The public read path: banner JSON, cacheable, CORS `*`, with strong ETags and 304s.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use worker::{Date, Env, Headers, Request, Response};

use crate::error::ApiResult;
use crate::page_object;

/// How long an isolate reuses a snapshot it fetched from the page object. Publishing refreshes the
/// object at once; other isolates see the change within this time.
const FRESH_MS: u64 = 1_000;

/// A public snapshot as the page object rendered it.
struct Cached {
    body: Rc<str>,
    etag: Rc<str>,
    fetched_ms: u64,
}

thread_local! {
    static BANNERS: RefCell<HashMap<String, Cached>> = RefCell::new(HashMap::new());
}

/// Forgets this isolate's copy of `page`'s snapshots, after a write that went through it.
pub fn invalidate(page: &str) {
    BANNERS.with(|b| b.borrow_mut().remove(page));
}

/// The page's banner snapshot: from this isolate's memory while fresh, else from the page object.
/// `Err(response)` passes the object's own answer through (404 for an unknown page).
async fn banner_snapshot(env: &Env, page: &str) -> ApiResult<Result<(Rc<str>, Rc<str>), Response>> {
    let now = Date::now().as_millis();
    let hit = BANNERS.with(|b| {
        b.borrow()
            .get(page)
            .filter(|c| now.saturating_sub(c.fetched_ms) < FRESH_MS)
            .map(|c| (c.body.clone(), c.etag.clone()))
    });
    if let Some(hit) = hit {
        return Ok(Ok(hit));
    }
    let mut answer = page_object::call(env, page, "GET", "/banner", None).await?;
    if answer.status_code() != 200 {
        return Ok(Err(answer));
    }
    let etag: Rc<str> = answer.headers().get("etag")?.unwrap_or_default().into();
    let body: Rc<str> = answer.text().await?.into();
    BANNERS.with(|b| {
        b.borrow_mut().insert(
            page.to_owned(),
            Cached {
                body: body.clone(),
                etag: etag.clone(),
                fetched_ms: now,
            },
        )
    });
    Ok(Ok((body, etag)))
}

/// Short freshness, then served stale while revalidating, and kept through origin errors.
const CACHE_CONTROL: &str = "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400";

pub fn preflight() -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("access-control-allow-origin", "*")?;
    headers.set("access-control-allow-methods", "GET, HEAD, OPTIONS")?;
    headers.set(
        "access-control-allow-headers",
        "authorization, if-none-match",
    )?;
    headers.set("access-control-max-age", "86400")?;
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}

pub async fn banner(req: Request, env: &Env, page: &str) -> ApiResult<Response> {
    let (body, etag) = match banner_snapshot(env, page).await? {
        Ok(snapshot) => snapshot,
        Err(answer) => return Ok(answer),
    };
    let headers = Headers::new();
    headers.set("access-control-allow-origin", "*")?;
    headers.set("access-control-expose-headers", "etag")?;
    headers.set("cache-control", CACHE_CONTROL)?;
    headers.set("etag", &etag)?;
    headers.set("vary", "authorization")?;
    let fresh = req
        .headers()
        .get("if-none-match")?
        .is_some_and(|h| etag_matches(&h, &etag));
    if fresh {
        return Ok(Response::empty()?.with_status(304).with_headers(headers));
    }
    headers.set("content-type", "application/json; charset=utf-8")?;
    Ok(Response::ok(body.to_string())?.with_headers(headers))
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
