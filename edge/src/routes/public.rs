//! The public read path: Herald's JSON, the Statuspage API v2 documents, the status page and the
//! feeds. Cacheable, CORS `*`, strong ETags and 304s; an audience token makes the answer private.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use worker::{Cache, Date, Env, Headers, Request, Response, Url};

use crate::bindings;
use crate::client;
use crate::error::{ApiError, ApiResult};
use crate::route::{Doc, HtmlView};

/// How long an isolate reuses a snapshot it fetched from the page object. A write through this
/// isolate drops its copy at once; other isolates see the change within this time.
const FRESH_MS: u64 = 1_000;

/// How long the location's Workers Cache keeps a snapshot. A write through this location drops
/// it at once; elsewhere a change shows within this plus `FRESH_MS` (the promise is 15 s).
const LOCATION_TTL_S: u32 = 10;

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

/// The status host's HTML pages work without script; their styles are inline. Scripts of the
/// host's own may run: `/push.js` (the "notify me in this browser" button, which registers the push
/// service worker and calls the page's push endpoints) and, on the status page, `/status-live.js`
/// (which opens the page's live socket and fetches the page again). The page's logo may come from any
/// https address (`branding.logo_url`, checked when the settings are saved).
const HTML_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src https:; script-src 'self'; connect-src 'self'; worker-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// An incident's page or the monthly history: rendered by the page object on request (one per
/// incident or month, so not among the snapshots), cacheable as briefly as the status page, with
/// a strong ETag. A 404 (unknown page, unknown or audience-limited incident) passes through.
pub async fn html(req: Request, env: &Env, page: &str, view: &HtmlView) -> ApiResult<Response> {
    let url = req.url()?;
    let base = url.origin().ascii_serialization();
    // The object reads only `month` from the query.
    let query = url.query().unwrap_or("");
    let mut answer = client::html(env, page, view, &base, query).await?;
    if answer.status_code() != 200 {
        return Ok(answer);
    }
    let etag = answer.headers().get("etag")?.unwrap_or_default();
    let headers = Headers::new();
    headers.set("cache-control", cache_control(Doc::StatusPage))?;
    headers.set("etag", &etag)?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("content-security-policy", HTML_CSP)?;
    let fresh = req
        .headers()
        .get("if-none-match")?
        .is_some_and(|h| etag_matches(&h, &etag));
    if fresh {
        return Ok(Response::empty()?.with_status(304).with_headers(headers));
    }
    headers.set("content-type", "text/html; charset=utf-8")?;
    Ok(Response::ok(answer.text().await?)?.with_headers(headers))
}

/// A component's uptime over a range of days, in the shape of Statuspage's answer: computed by the
/// page object on request, public (the status page shows the same figures), cacheable for a minute.
pub async fn uptime(req: Request, env: &Env, page: &str, component: &str) -> ApiResult<Response> {
    let url = req.url()?;
    let mut answer = client::uptime(env, page, component, url.query().unwrap_or("")).await?;
    if answer.status_code() != 200 {
        return Ok(answer);
    }
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    headers.set("access-control-allow-origin", "*")?;
    headers.set("cache-control", "public, max-age=60")?;
    Ok(Response::ok(answer.text().await?)?.with_headers(headers))
}

/// A live socket: handed to the page object, which accepts it (101) or refuses it (426 without
/// `Upgrade: websocket`, 401 for a bad audience token, 503 when full: poll instead). A reader's
/// audience token comes as `?token=`, since a browser cannot set headers on a WebSocket.
pub async fn live(req: Request, env: &Env, page: &str, console: bool) -> ApiResult<Response> {
    let upgrade = req.headers().get("upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(ApiError::client(
            426,
            "upgrade-required",
            "WebSocket upgrade required",
            "open this URL as a WebSocket (Upgrade: websocket); without one, poll banner.json",
        ));
    }
    let url = req.url()?;
    let token = if console {
        None
    } else {
        url.query_pairs()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
            .filter(|t| !t.is_empty())
    };
    client::live(env, page, console, token.as_deref()).await
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

/// Host names bound to pages (`HERALD_HOST_PAGES`: `host=page,host=page`), as (host, page).
fn host_pages(env: &Env) -> Vec<(String, String)> {
    let map = env
        .var(bindings::HOST_PAGES)
        .map(|v| v.to_string())
        .unwrap_or_default();
    parse_host_pages(&map)
}

fn parse_host_pages(map: &str) -> Vec<(String, String)> {
    map.split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(h, p)| (h.trim().to_ascii_lowercase(), p.trim().to_owned()))
        .collect()
}

/// The page bound to the request's host name.
fn page_for_host(url: &Url, env: &Env) -> ApiResult<String> {
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    host_pages(env)
        .into_iter()
        .find(|(h, _)| *h == host)
        .map(|(_, p)| p)
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
        let mut answer = client::doc(env, &page, doc, &base, Some(&token)).await?;
        if answer.status_code() != 200 {
            return Ok(answer);
        }
        headers.set("cache-control", "private, no-store")?;
        headers.set("content-type", doc.content_type())?;
        return Ok(Response::ok(answer.text().await?)?.with_headers(headers));
    }
    let Snapshot { body, etag, source } = match snapshot(env, &page, doc, &base).await? {
        Ok(s) => s,
        Err(mut answer) if answer.status_code() == 404 => {
            // An unknown page is unknown for a while: caches may keep saying so. (An answer from
            // the object has immutable headers: the 404 is made anew.)
            let problem = answer.text().await?;
            let headers = Headers::new();
            headers.set("content-type", herald_shared::wire::PROBLEM_CONTENT_TYPE)?;
            headers.set("cache-control", "public, max-age=60")?;
            headers.set("access-control-allow-origin", "*")?;
            return Ok(Response::ok(problem)?
                .with_status(404)
                .with_headers(headers));
        }
        Err(answer) => return Ok(answer),
    };
    headers.set("x-herald-cache", source.as_str())?;
    headers.set("cache-control", cache_control(doc))?;
    headers.set("etag", &etag)?;
    headers.set("x-content-type-options", "nosniff")?;
    if doc == Doc::StatusPage {
        headers.set("content-security-policy", HTML_CSP)?;
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

/// Where a public answer came from, in `x-herald-cache`: this isolate's memory, the location's
/// Workers Cache, or the page object itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Isolate,
    Location,
    Origin,
    /// The page object failed; the last good copy this isolate holds.
    Stale,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Isolate => "isolate",
            Source::Location => "location",
            Source::Origin => "origin",
            Source::Stale => "stale",
        }
    }
}

/// A snapshot ready to serve.
struct Snapshot {
    body: Rc<str>,
    etag: Rc<str>,
    source: Source,
}

/// The key of a document in the location's Workers Cache: a URL under the reader's own origin
/// (the cache is per zone), one per page, document and base URL the links were rendered for.
fn location_key(page: &str, doc: Doc, base: &str) -> String {
    format!("{base}/__herald/snapshots/{page}/{}", doc.name())
}

/// The location's copy, if it has a usable one. Cache trouble is never the reader's: it counts
/// as a miss.
async fn location_get(key: &str) -> Option<(Rc<str>, Rc<str>)> {
    let mut hit = Cache::default().get(key, false).await.ok()??;
    if hit.status_code() != 200 {
        return None;
    }
    let etag = hit.headers().get("etag").ok()??;
    let body = hit.text().await.ok()?;
    Some((body.into(), etag.into()))
}

/// Stores a snapshot in the location's cache for `LOCATION_TTL_S`.
async fn location_put(key: &str, body: &str, etag: &str) {
    let stored = (|| {
        let headers = Headers::new();
        headers.set("etag", etag)?;
        headers.set(
            "cache-control",
            &format!("public, max-age={LOCATION_TTL_S}"),
        )?;
        Ok::<_, worker::Error>(Response::ok(body)?.with_headers(headers))
    })();
    let result = match stored {
        Ok(r) => Cache::default().put(key, r).await,
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        worker::console_warn!("cannot store {key} in the location's cache: {e:?}");
    }
}

/// After a write to `page`: this isolate's copies go stale and the location's cached snapshots
/// for the `bases` the page is read under are dropped, so readers here see the change within
/// `FRESH_MS`; other locations within `LOCATION_TTL_S` more.
pub async fn refresh(page: &str, bases: &[String]) {
    invalidate(page);
    let cache = &Cache::default();
    let keys = bases
        .iter()
        .flat_map(|base| Doc::ALL.map(|doc| location_key(page, doc, base)));
    futures_util::future::join_all(keys.map(|key| async move {
        if let Err(e) = cache.delete(key.as_str(), false).await {
            worker::console_warn!("cannot drop {key} from the location's cache: {e:?}");
        }
    }))
    .await;
}

/// The base URLs `page`'s documents are read under: the writer's origin and every host name bound
/// to the page.
pub fn bases_of(page: &str, writer_base: &str, env: &Env) -> Vec<String> {
    let bound = host_pages(env)
        .into_iter()
        .filter(|(_, p)| p == page)
        .map(|(host, _)| format!("https://{host}"));
    std::iter::once(writer_base.to_owned())
        .chain(bound)
        .collect()
}

/// The public snapshot, nearest copy first: this isolate's memory while under `FRESH_MS` old, the
/// location's Workers Cache, then the page object (whose answer refills both). When the object
/// cannot answer (storage or runtime failure), the last good copy is served, however old.
/// `Err(response)` passes the object's own client answer through (404 for an unknown page).
async fn snapshot(
    env: &Env,
    page: &str,
    doc: Doc,
    base: &str,
) -> ApiResult<Result<Snapshot, Response>> {
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
        return Ok(Ok(Snapshot {
            body: body.clone(),
            etag: etag.clone(),
            source: Source::Isolate,
        }));
    }
    let keep = |body: &Rc<str>, etag: &Rc<str>| {
        SNAPSHOTS.with(|s| {
            s.borrow_mut().insert(
                key.clone(),
                Cached {
                    body: body.clone(),
                    etag: etag.clone(),
                    fetched_ms: now,
                },
            )
        });
    };
    let shared = location_key(page, doc, base);
    if let Some((body, etag)) = location_get(&shared).await {
        keep(&body, &etag);
        return Ok(Ok(Snapshot {
            body,
            etag,
            source: Source::Location,
        }));
    }
    let stale = |e: ApiError| match &cached {
        Some((body, etag, _)) => {
            worker::console_warn!("serving the last good snapshot of {page}: {e:?}");
            Ok(Ok(Snapshot {
                body: body.clone(),
                etag: etag.clone(),
                source: Source::Stale,
            }))
        }
        None => Err(e),
    };
    let mut answer = match client::doc(env, page, doc, base, None).await {
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
    keep(&body, &etag);
    location_put(&shared, &body, &etag).await;
    Ok(Ok(Snapshot {
        body,
        etag,
        source: Source::Origin,
    }))
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
    use super::{etag_matches, parse_host_pages};

    #[test]
    fn host_pages_are_read_leniently() {
        assert_eq!(
            parse_host_pages(" Status.Example.com = acme ,bad,docs.example.com=docs"),
            vec![
                ("status.example.com".to_owned(), "acme".to_owned()),
                ("docs.example.com".to_owned(), "docs".to_owned()),
            ]
        );
        assert!(parse_host_pages("").is_empty());
    }

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
