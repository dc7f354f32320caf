//! Posts on the page's social accounts. Mastodon: `POST {server}/api/v1/statuses` with the
//! account's bearer token and an `Idempotency-Key` stable across attempts, the status's `id` kept.
//! Bluesky: a session from `com.atproto.server.createSession` (kept by the page object), refreshed
//! with `com.atproto.server.refreshSession` when the access token has expired, then
//! `com.atproto.repo.createRecord` of an `app.bsky.feed.post` with a link facet, its `uri` kept.
//! Texts are fitted by `shared::social`.

use herald_shared::social::{compose_within, Social};
use herald_shared::template::{self, Locale, Message};
use herald_shared::wire::social::{
    BlueskySession, CreateRecord, CreateSession, CreatedRecord, MastodonCreated, MastodonStatus,
    XrpcError,
};

use super::http::{self, Answer, Sent};

/// Bluesky's entryway, unless `HERALD_BLUESKY_API` names another service.
pub const DEFAULT_BLUESKY_API: &str = "https://bsky.social";

/// The link a post carries: the item's own page on the status host.
pub fn item_link(base: &str, page: &str, m: &Message) -> String {
    template::item_url(&format!("{base}/{page}"), m.kind, &m.item_id)
}

/// Mastodon's account as the page object hands it over.
pub struct Mastodon<'a> {
    pub server: &'a str,
    pub token: &'a str,
    /// The server's limit per status.
    pub max_chars: u32,
}

/// Posts `m` as a Mastodon status. `key` is the same on every attempt at this post, so a
/// server that saw it already answers with the first status instead of posting a second.
pub async fn mastodon(
    account: Mastodon<'_>,
    m: &Message,
    link: &str,
    locale: Locale,
    key: &str,
    timeout_ms: u64,
) -> Sent {
    let Mastodon {
        server,
        token,
        max_chars,
    } = account;
    let post = compose_within(Social::Mastodon, max_chars as usize, m, link, locale);
    let body = MastodonStatus {
        status: post.text,
        visibility: "public".into(),
        language: Some(locale.tag().to_owned()),
    };
    let Ok(body) = serde_json::to_string(&body) else {
        return Sent::permanent("the status could not be written");
    };
    let bearer = format!("Bearer {token}");
    let headers = [
        ("content-type", "application/json"),
        ("authorization", bearer.as_str()),
        ("idempotency-key", key),
    ];
    let url = format!("{}/api/v1/statuses", server.trim_end_matches('/'));
    match http::post(&url, &headers, &body, timeout_ms).await {
        Ok(a) if http::classify(a.status).succeeded() => {
            match serde_json::from_str::<MastodonCreated>(&a.body) {
                Ok(c) => Sent::ok(Some(c.id)),
                Err(_) => Sent::ok(None),
            }
        }
        Ok(a) => Sent::refused(a.status, &a.body),
        Err(e) => Sent::temporary(e),
    }
}

/// Bluesky's account as the page object hands it over.
pub struct Bluesky<'a> {
    pub service: &'a str,
    pub identifier: &'a str,
    pub app_password: &'a str,
    pub session: Option<BlueskySession>,
}

/// Whether an XRPC answer says the access token expired (or is no longer taken).
fn expired(a: &Answer) -> bool {
    matches!(a.status, 400 | 401)
        && serde_json::from_str::<XrpcError>(&a.body)
            .is_ok_and(|e| matches!(e.error.as_str(), "ExpiredToken" | "InvalidToken"))
}

async fn xrpc(
    service: &str,
    method: &str,
    bearer: Option<&str>,
    body: &str,
    timeout_ms: u64,
) -> Result<Answer, Sent> {
    let url = format!("{}/xrpc/{method}", service.trim_end_matches('/'));
    let auth = bearer.map(|b| format!("Bearer {b}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    http::post(&url, &headers, body, timeout_ms)
        .await
        .map_err(Sent::temporary)
}

/// A session's tokens from an answer, or why there are none.
fn session_of(a: Answer, what: &str) -> Result<BlueskySession, Sent> {
    if !http::classify(a.status).succeeded() {
        return Err(Sent::refused(a.status, &a.body));
    }
    serde_json::from_str(&a.body)
        .map_err(|_| Sent::temporary(format!("{what} answered without a session")))
}

async fn create_session(b: &Bluesky<'_>, timeout_ms: u64) -> Result<BlueskySession, Sent> {
    let body = serde_json::to_string(&CreateSession {
        identifier: b.identifier.to_owned(),
        password: b.app_password.to_owned(),
    })
    .unwrap_or_default();
    let a = xrpc(
        b.service,
        "com.atproto.server.createSession",
        None,
        &body,
        timeout_ms,
    )
    .await?;
    session_of(a, "createSession")
}

/// A fresh session: refreshed with the refresh token, or made anew when that has expired too.
async fn renew(
    b: &Bluesky<'_>,
    old: &BlueskySession,
    timeout_ms: u64,
) -> Result<BlueskySession, Sent> {
    let a = xrpc(
        b.service,
        "com.atproto.server.refreshSession",
        Some(&old.refresh_jwt),
        "",
        timeout_ms,
    )
    .await?;
    if expired(&a) {
        return create_session(b, timeout_ms).await;
    }
    session_of(a, "refreshSession")
}

/// Posts `m` on Bluesky; the answer carries the session when one was made or refreshed.
pub async fn bluesky(
    b: Bluesky<'_>,
    m: &Message,
    link: &str,
    locale: Locale,
    timeout_ms: u64,
) -> Sent {
    let post = compose_within(Social::Bluesky, Social::Bluesky.limit(), m, link, locale);
    let created_at = m
        .created_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let (mut session, mut fresh) = match &b.session {
        Some(s) => (s.clone(), false),
        None => match create_session(&b, timeout_ms).await {
            Ok(s) => (s, true),
            Err(e) => return e,
        },
    };
    let mut renewed = false;
    let answer = loop {
        let record = CreateRecord::post(&session.did, &post, &created_at, locale.tag());
        let body = serde_json::to_string(&record).unwrap_or_default();
        let a = match xrpc(
            b.service,
            "com.atproto.repo.createRecord",
            Some(&session.access_jwt),
            &body,
            timeout_ms,
        )
        .await
        {
            Ok(a) => a,
            Err(e) => break Err(e),
        };
        if expired(&a) && !renewed {
            renewed = true;
            match renew(&b, &session, timeout_ms).await {
                Ok(s) => {
                    session = s;
                    fresh = true;
                    continue;
                }
                Err(e) => break Err(e),
            }
        }
        break Ok(a);
    };
    let mut sent = match answer {
        Ok(a) if http::classify(a.status).succeeded() => {
            match serde_json::from_str::<CreatedRecord>(&a.body) {
                Ok(r) => Sent::ok(Some(r.uri)),
                Err(_) => Sent::ok(None),
            }
        }
        Ok(a) => Sent::refused(a.status, &a.body),
        Err(e) => e,
    };
    if fresh {
        sent.session = Some(Box::new(session));
    }
    sent
}
