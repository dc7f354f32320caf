//! The public read path: banner JSON, cacheable, CORS `*`, with strong ETags and 304s.

use worker::{Env, Headers, Request, Response};

use crate::error::ApiResult;
use crate::page_object;

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
    let mut answer = page_object::call(env, page, "GET", "/banner", None).await?;
    if answer.status_code() != 200 {
        return Ok(answer);
    }
    let etag = answer.headers().get("etag")?.unwrap_or_default();
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
    let body = answer.text().await?;
    Ok(Response::ok(body)?.with_headers(headers))
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
