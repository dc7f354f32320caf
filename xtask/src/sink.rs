//! A local stand-in for the notification providers, answering in each one's format: email
//! (Resend's `POST /emails`), SMS (Twilio's `POST /2010-04-01/Accounts/{id}/Messages.json`),
//! webhook receivers (`POST /hooks/ok/...` answers and echoes verification challenges,
//! `/hooks/reject/...` always answers 400, `/hooks/silent/...` answers 200 without echoing) and
//! Slack incoming webhooks (`POST /slack/...`) and Microsoft Teams Workflows webhooks
//! (`POST /teams/...`: a `message` with one Adaptive Card attachment, answered 202). Like the real providers it drops a second request
//! with an idempotency key it has already accepted (`Idempotency-Key`, `I-Twilio-Idempotency-Token`,
//! `webhook-id`). Everything accepted is listed at `GET /messages` in one shape (`channel`, `to`,
//! `subject`, `text`, plus the provider's own fields), for `cargo xtask dev`'s outbox and for tests.
//! `POST /_control` with `{"fail_percent": 30, "fail_status": 500}` refuses a share of requests
//! (`"fail_status": 0` instead accepts them but answers only after `delay_ms`, a timeout for the
//! caller); `Sink::refuse` refuses every message to one recipient; `DELETE /messages` forgets
//! everything. Two hostile receivers for the hardening
//! tests: `POST /hostile/redirect/...` answers 302 to `/slack/stolen` (a caller that follows it
//! posts there, and the sink records it), `POST /hostile/huge/...` answers 200 with an 8 MB body.
//!
//! A push service for browser push (`POST /push/ok/...` answers 201 Created, `/push/gone/...` 410
//! Gone and `/push/missing/...` 404, as a push service does for a subscription it no longer has):
//! it records the encrypted body (`body_b64`, base64url) and the headers a push service reads
//! (the `Authorization` as `vapid`, `content-encoding`, `ttl`, `urgency`), for a test to decrypt
//! and verify; its `to` is the request's path.
//!
//! Social networks: a Mastodon server per account at `/mastodon/{name}` (`POST
//! /mastodon/{name}/api/v1/statuses` with a bearer token, JSON or form `status` and `visibility`,
//! statuses over 500 characters refused with 422 as Mastodon does, `Idempotency-Key` honoured,
//! answered with the status's `id`), and a Bluesky service at `/bsky/xrpc/...`:
//! `com.atproto.server.createSession` issues tokens, `com.atproto.server.refreshSession` renews
//! them, `com.atproto.repo.createRecord` takes an `app.bsky.feed.post` (answered with its `uri`)
//! and answers 400 `ExpiredToken` for an access token `Sink::expire_bluesky` expired. Both record
//! the request's headers and body as they came.
//!
//! Like Twilio, the SMS provider reports each accepted message's fate to the `StatusCallback` URL
//! it names: `sent`, then `delivered` (or `undelivered` with error 30003 for numbers ending in
//! `99`), form-encoded and signed with `X-Twilio-Signature` under the auth token of the request's
//! Basic auth.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::Result;

#[derive(Default)]
struct Inner {
    messages: Vec<Value>,
    requests: u64,
    refused: u64,
    fail_percent: u64,
    /// 0: accept, but answer after `delay_ms` (the caller times out).
    fail_status: u16,
    delay_ms: u64,
    /// Idempotency key -> the id given when it was first accepted.
    seen: HashMap<String, String>,
    /// Paths answered with 400 from now on (a receiver that started refusing).
    rejecting: Vec<String>,
    /// Recipients (an email address or phone number) refused with the status given, whatever
    /// the share refused: one chosen recipient failing while the others get through.
    refusing: HashMap<String, u16>,
    /// Keep only who got what (channel, to, subject, key), not bodies: for large benchmarks.
    lean: bool,
    /// Bluesky sessions: access token -> (did, expired).
    bsky_access: HashMap<String, (String, bool)>,
    /// Bluesky refresh tokens -> did.
    bsky_refresh: HashMap<String, String>,
    /// Every XRPC call, in order (method and whether it succeeded), for tests of the session.
    bsky_calls: Vec<Value>,
}

/// What the sink does with one request.
struct Reply {
    status: u16,
    body: String,
    delay_ms: u64,
    /// A `location` header, for redirects.
    location: Option<String>,
}

fn reply(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        status,
        body: body.into(),
        delay_ms: 0,
        location: None,
    }
}

/// A running sink; it serves until the process ends.
#[derive(Clone)]
pub struct Sink {
    pub port: u16,
    inner: Arc<Mutex<Inner>>,
}

impl Sink {
    /// Starts the sink on `port` (0: any free port) in background threads.
    pub fn start(port: u16) -> Result<Sink> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let sink = Sink {
            port: listener.local_addr()?.port(),
            inner: Arc::new(Mutex::new(Inner {
                fail_status: 500,
                ..Inner::default()
            })),
        };
        let s = sink.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || {
                    let _ = s.serve(stream);
                });
            }
        });
        Ok(sink)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Refuse `percent` of the provider requests with `status` from now on; status 0 accepts them
    /// but answers only after `delay_ms` (a timeout for the caller).
    pub fn fail(&self, percent: u64, status: u16) {
        let mut i = self.inner.lock().expect("sink lock");
        i.fail_percent = percent.min(100);
        i.fail_status = status;
    }

    /// Refuse every message to `to` (an email address or phone number) with `status` from now on;
    /// `None` takes them again.
    pub fn refuse(&self, to: &str, status: Option<u16>) {
        let mut i = self.inner.lock().expect("sink lock");
        match status {
            Some(status) => i.refusing.insert(to.to_owned(), status),
            None => i.refusing.remove(to),
        };
    }

    /// Keep only `channel`, `to`, `subject` and the idempotency key of each message from now on.
    pub fn lean(&self) {
        self.inner.lock().expect("sink lock").lean = true;
    }

    /// Messages accepted so far, without copying them.
    pub fn count(&self) -> usize {
        self.inner.lock().expect("sink lock").messages.len()
    }

    /// How many distinct recipients got a message, and how many messages were extra copies.
    pub fn distinct(&self) -> (usize, usize) {
        let i = self.inner.lock().expect("sink lock");
        let mut seen = std::collections::HashSet::new();
        let mut copies = 0;
        for m in &i.messages {
            let key = (m["to"][0].to_string(), m["subject"].to_string());
            if !seen.insert(key) {
                copies += 1;
            }
        }
        (seen.len(), copies)
    }

    /// Forgets every message and counter.
    pub fn clear(&self) {
        let mut i = self.inner.lock().expect("sink lock");
        i.messages.clear();
        i.seen.clear();
        i.requests = 0;
        i.refused = 0;
    }

    /// Answer every request to `path` with 400 from now on.
    pub fn reject(&self, path: &str) {
        self.inner
            .lock()
            .expect("sink lock")
            .rejecting
            .push(path.to_owned());
    }

    /// Take requests to `path` again after `reject`.
    pub fn accept(&self, path: &str) {
        self.inner
            .lock()
            .expect("sink lock")
            .rejecting
            .retain(|p| p != path);
    }

    /// How long a request failing with status 0 waits before answering.
    pub fn delay(&self, ms: u64) {
        self.inner.lock().expect("sink lock").delay_ms = ms;
    }

    /// Expires every Bluesky access token issued so far: the next `createRecord` with one is
    /// answered 400 `ExpiredToken`, as the service does.
    pub fn expire_bluesky(&self) {
        let mut i = self.inner.lock().expect("sink lock");
        for (_, expired) in i.bsky_access.values_mut() {
            *expired = true;
        }
    }

    /// The Bluesky service's calls so far: `{"method", "status", "identifier"}`.
    pub fn bluesky_calls(&self) -> Vec<Value> {
        self.inner.lock().expect("sink lock").bsky_calls.clone()
    }

    /// Every accepted message so far.
    pub fn messages(&self) -> Vec<Value> {
        self.inner.lock().expect("sink lock").messages.clone()
    }

    /// (provider requests received, refused on purpose).
    pub fn counts(&self) -> (u64, u64) {
        let i = self.inner.lock().expect("sink lock");
        (i.requests, i.refused)
    }

    /// Serves one connection: requests one after another on it (HTTP/1.1 keep-alive, as the real
    /// providers do) until the client closes it or asks for `connection: close`.
    fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        stream.set_nodelay(true)?;
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut out = stream;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or("").to_owned();
            let path = parts.next().unwrap_or("").to_owned();
            let mut headers = serde_json::Map::new();
            let mut length = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_owned());
                    if k == "content-length" {
                        length = v.parse().unwrap_or(0);
                    }
                    headers.insert(k, Value::String(v));
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body)?;
            let close = headers
                .get("connection")
                .and_then(Value::as_str)
                .is_some_and(|c| c.eq_ignore_ascii_case("close"));
            let Reply {
                status,
                body: answer,
                delay_ms,
                location,
            } = self.answer(&method, &path, &headers, &body);
            let location = location.map_or(String::new(), |l| format!("location: {l}\r\n"));
            if delay_ms > 0 {
                std::thread::sleep(Duration::from_millis(delay_ms));
            }
            // One write per response: small writes on a kept-alive connection would meet the
            // client's delayed ACKs.
            let response = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\n{location}content-length: {}\r\nconnection: {}\r\n\r\n{answer}",
                match status {
                    300..=399 => "Found",
                    400.. => "Error",
                    _ => "OK",
                },
                answer.len(),
                if close { "close" } else { "keep-alive" },
            );
            out.write_all(response.as_bytes())?;
            out.flush()?;
            if close {
                return Ok(());
            }
        }
    }

    fn answer(
        &self,
        method: &str,
        path: &str,
        headers: &serde_json::Map<String, Value>,
        body: &[u8],
    ) -> Reply {
        let mut i = self.inner.lock().expect("sink lock");
        let header = |name: &str| headers.get(name).and_then(Value::as_str).map(str::to_owned);
        let segments: Vec<&str> = path.split('?').next().unwrap_or("").split('/').collect();
        let provider = match (method, segments.as_slice()) {
            ("GET", ["", "messages"]) => {
                return reply(200, Value::Array(i.messages.clone()).to_string())
            }
            ("DELETE", ["", "messages"]) => {
                i.messages.clear();
                return reply(200, "{}");
            }
            ("POST", ["", "_control"]) => {
                let v: Value = serde_json::from_slice(body).unwrap_or_default();
                i.fail_percent = v["fail_percent"].as_u64().unwrap_or(0).min(100);
                i.fail_status = v["fail_status"].as_u64().unwrap_or(500) as u16;
                i.delay_ms = v["delay_ms"].as_u64().unwrap_or(i.delay_ms);
                return reply(200, "{}");
            }
            ("POST", ["", "hostile", "redirect", ..]) => {
                let host = header("host").unwrap_or_default();
                let mut r = reply(302, "{}");
                r.location = Some(format!("http://{host}/slack/stolen"));
                return r;
            }
            ("POST", ["", "hostile", "huge", ..]) => {
                return reply(200, "x".repeat(8 * 1024 * 1024));
            }
            ("POST", ["", "emails"]) => Provider::Email,
            ("POST", ["", "2010-04-01", "Accounts", _, "Messages.json"]) => Provider::Sms,
            ("POST", ["", "hooks", kind, ..]) => Provider::Hook((*kind).to_owned()),
            ("POST", ["", "slack", ..]) => Provider::Slack,
            ("POST", ["", "push", kind, ..]) => Provider::Push((*kind).to_owned()),
            ("POST", ["", "teams", ..]) => Provider::Teams,
            ("POST", ["", "mastodon", name, "api", "v1", "statuses"]) => {
                Provider::Mastodon(format!("/mastodon/{name}"))
            }
            ("POST", ["", "bsky", "xrpc", "com.atproto.server.createSession"]) => {
                return bluesky_session(&mut i, body, None)
            }
            ("POST", ["", "bsky", "xrpc", "com.atproto.server.refreshSession"]) => {
                let bearer = header("authorization").unwrap_or_default();
                return bluesky_session(&mut i, body, Some(bearer));
            }
            ("POST", ["", "bsky", "xrpc", "com.atproto.repo.createRecord"]) => {
                let bearer = header("authorization").unwrap_or_default();
                let token = bearer.strip_prefix("Bearer ").unwrap_or_default();
                match i.bsky_access.get(token).cloned() {
                    None => {
                        i.bsky_calls
                            .push(json!({"method": "createRecord", "status": 401}));
                        return reply(
                            401,
                            json!({"error": "AuthenticationRequired", "message": "Invalid token"})
                                .to_string(),
                        );
                    }
                    Some((_, true)) => {
                        i.bsky_calls
                            .push(json!({"method": "createRecord", "status": 400}));
                        return reply(
                            400,
                            json!({"error": "ExpiredToken", "message": "Token has expired"})
                                .to_string(),
                        );
                    }
                    Some((did, false)) => Provider::Bluesky(did),
                }
            }
            _ => return reply(404, r#"{"name":"not_found"}"#),
        };
        i.requests += 1;
        let n = i.requests;
        if i.rejecting.iter().any(|p| p == path) {
            return reply(400, r#"{"error":"this receiver refuses"}"#);
        }
        // Like the real providers, a refusal quotes the recipient.
        let to = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v["to"][0].as_str().map(str::to_owned))
            .or_else(|| {
                url::form_urlencoded::parse(body)
                    .find(|(k, _)| k == "To")
                    .map(|(_, v)| v.into_owned())
            })
            .unwrap_or_default();
        if let Some(&status) = i.refusing.get(&to) {
            i.refused += 1;
            return reply(
                status,
                json!({"name": "sink_refused", "statusCode": status,
                       "message": format!("{to} refuses messages")})
                .to_string(),
            );
        }
        // A fixed pattern rather than randomness: the same share fails on every run.
        let mut delay_ms = 0;
        if (n * 37) % 100 < i.fail_percent {
            i.refused += 1;
            if i.fail_status != 0 {
                let status = i.fail_status;
                return reply(
                    status,
                    json!({"name": "sink_refused", "statusCode": status,
                           "message": format!("cannot deliver to {to} right now")})
                    .to_string(),
                );
            }
            delay_ms = i.delay_ms.max(1);
        }
        let key = match &provider {
            Provider::Email | Provider::Mastodon(_) => header("idempotency-key"),
            Provider::Sms => header("i-twilio-idempotency-token"),
            Provider::Hook(_) => header("webhook-id"),
            Provider::Slack | Provider::Push(_) | Provider::Teams | Provider::Bluesky(_) => None,
        };
        if let Some(id) = key.as_ref().and_then(|k| i.seen.get(k)) {
            // Already accepted: the same answer, no second message.
            let mut r = reply(200, provider.accepted(id, body));
            r.delay_ms = delay_ms;
            return r;
        }
        let id = format!("sink-{n}");
        let mut r = match provider.record(&id, path, headers, body) {
            Ok(mut v) => {
                if i.lean {
                    v = json!({"channel": v["channel"], "to": v["to"], "subject": v["subject"],
                        "idempotency_key": v["idempotency_key"]});
                }
                i.messages.push(v);
                if let Some(k) = key {
                    i.seen.insert(k, id.clone());
                }
                if matches!(provider, Provider::Sms) {
                    report_sms_status(&format!("SM{id}"), headers, body);
                }
                if matches!(provider, Provider::Bluesky(_)) {
                    i.bsky_calls
                        .push(json!({"method": "createRecord", "status": 200}));
                }
                reply(provider.status(), provider.accepted(&id, body))
            }
            Err((status, why)) => reply(status, why),
        };
        r.delay_ms = delay_ms;
        r
    }
}

/// Posts the status callbacks of an accepted SMS, as Twilio does, from a thread of their own.
fn report_sms_status(sid: &str, headers: &serde_json::Map<String, Value>, body: &[u8]) {
    use base64::Engine as _;
    let form: HashMap<String, String> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let Some(callback) = form.get("StatusCallback").cloned() else {
        return;
    };
    let credentials = headers
        .get("authorization")
        .and_then(Value::as_str)
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let (account, token) = credentials.split_once(':').unwrap_or(("", ""));
    let to = form.get("To").cloned().unwrap_or_default();
    let last = if to.ends_with("99") {
        ("undelivered", "30003")
    } else {
        ("delivered", "")
    };
    let common = [
        ("MessageSid", sid.to_owned()),
        ("AccountSid", account.to_owned()),
        ("From", form.get("From").cloned().unwrap_or_default()),
        ("To", to),
        ("ApiVersion", "2010-04-01".to_owned()),
    ];
    let token = token.to_owned();
    std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        for (status, error) in [("sent", ""), last] {
            std::thread::sleep(Duration::from_millis(100));
            let mut params: Vec<(String, String)> = common
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            params.push(("MessageStatus".into(), status.into()));
            if !error.is_empty() {
                params.push(("ErrorCode".into(), error.into()));
            }
            let signature = herald_shared::twilio::signature(&token, &callback, &params);
            let form: Vec<(&str, &str)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let sent = agent
                .post(&callback)
                .header("x-twilio-signature", &signature)
                .send_form(form);
            if let Err(e) = sent {
                eprintln!("sink: status callback to {callback} failed: {e}");
                return;
            }
        }
    });
}

/// Which provider a request is for.
enum Provider {
    Email,
    Sms,
    /// A webhook receiver: `ok`, `reject` or `silent`.
    Hook(String),
    Slack,
    /// A push service: `ok`, `gone` (410) or `missing` (404).
    Push(String),
    /// A Teams Workflows webhook: one Adaptive Card in a `message`.
    Teams,
    /// A Mastodon server (the path it is served under).
    Mastodon(String),
    /// Bluesky's `createRecord` for the account of this DID.
    Bluesky(String),
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

impl Provider {
    fn status(&self) -> u16 {
        match self {
            Provider::Sms | Provider::Push(_) => 201,
            Provider::Teams => 202,
            _ => 200,
        }
    }

    /// The provider's success answer.
    fn accepted(&self, id: &str, body: &[u8]) -> String {
        match self {
            Provider::Email => json!({ "id": id }).to_string(),
            Provider::Sms => json!({ "sid": format!("SM{id}"), "status": "queued" }).to_string(),
            Provider::Hook(kind) if kind == "ok" => {
                let v: Value = serde_json::from_slice(body).unwrap_or_default();
                match v["challenge"].as_str() {
                    Some(c) => json!({ "challenge": c }).to_string(),
                    None => "{}".into(),
                }
            }
            Provider::Hook(_) | Provider::Slack => "ok".into(),
            Provider::Push(_) => String::new(),
            Provider::Teams => String::new(),
            Provider::Mastodon(server) => {
                // Mastodon's ids are numbers as strings.
                let n: u64 = id.trim_start_matches("sink-").parse().unwrap_or(0);
                let v: Value = status_body(body);
                json!({"id": (109_000_000_000_000_000u64 + n).to_string(),
                       "url": format!("http://sink{server}/@herald/{n}"),
                       "content": v["status"], "visibility": v["visibility"]})
                .to_string()
            }
            Provider::Bluesky(did) => {
                let rkey = format!("3sink{}", id.trim_start_matches("sink-"));
                json!({"uri": format!("at://{did}/app.bsky.feed.post/{rkey}"),
                       "cid": format!("bafysink{rkey}")})
                .to_string()
            }
        }
    }

    /// The message as the outbox lists it, or the provider's refusal.
    fn record(
        &self,
        id: &str,
        path: &str,
        headers: &serde_json::Map<String, Value>,
        body: &[u8],
    ) -> std::result::Result<Value, (u16, String)> {
        let text = String::from_utf8_lossy(body).into_owned();
        let mut v = match self {
            Provider::Email => {
                let Ok(mut v) = serde_json::from_slice::<Value>(body) else {
                    return Err((
                        422,
                        r#"{"name":"validation_error","message":"invalid JSON"}"#.into(),
                    ));
                };
                if v["to"].as_array().is_none_or(|a| a.is_empty()) || v["subject"].is_null() {
                    return Err((
                        422,
                        r#"{"name":"validation_error","message":"to and subject are required"}"#
                            .into(),
                    ));
                }
                v["channel"] = json!("email");
                v["idempotency_key"] = headers
                    .get("idempotency-key")
                    .cloned()
                    .unwrap_or(Value::Null);
                v
            }
            Provider::Sms => {
                let form: HashMap<String, String> = url::form_urlencoded::parse(body)
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                let (Some(to), Some(text)) = (form.get("To"), form.get("Body")) else {
                    return Err((
                        400,
                        json!({"code": 21604, "message": "A 'To' and 'Body' are required"})
                            .to_string(),
                    ));
                };
                json!({
                    "channel": "sms",
                    "to": [to],
                    "from": form.get("From"),
                    "subject": "SMS",
                    "text": text,
                })
            }
            Provider::Hook(kind) => {
                if kind == "reject" {
                    return Err((
                        400,
                        r#"{"error":"this receiver rejects everything"}"#.into(),
                    ));
                }
                let payload: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                let subject = payload["type"]
                    .as_str()
                    .or(payload["event"].as_str())
                    .unwrap_or("webhook")
                    .to_owned();
                json!({
                    "channel": "webhook",
                    "to": [path],
                    "subject": subject,
                    "text": text,
                    "payload": payload,
                    "webhook_id": headers.get("webhook-id"),
                    "webhook_timestamp": headers.get("webhook-timestamp"),
                    "webhook_signature": headers.get("webhook-signature"),
                })
            }
            Provider::Push(kind) if kind == "gone" => {
                return Err((410, r#"{"reason":"the subscription has expired"}"#.into()));
            }
            Provider::Push(kind) if kind == "missing" => {
                return Err((404, r#"{"reason":"no such subscription"}"#.into()));
            }
            Provider::Push(_) => {
                use base64::Engine as _;
                let header = |name: &str| headers.get(name).cloned().unwrap_or(Value::Null);
                json!({
                    "channel": "push",
                    "to": [path],
                    "subject": "push",
                    "body_b64": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body),
                    "vapid": header("authorization"),
                    "content_encoding": header("content-encoding"),
                    "content_type": header("content-type"),
                    "ttl": header("ttl"),
                    "urgency": header("urgency"),
                })
            }
            Provider::Slack => {
                let payload: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                json!({
                    "channel": "slack",
                    "to": [path],
                    "subject": "Slack message",
                    "text": payload["text"],
                })
            }
            Provider::Mastodon(server) => {
                let auth = headers
                    .get("authorization")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let Some(token) = auth.strip_prefix("Bearer ").filter(|t| !t.is_empty()) else {
                    return Err((
                        401,
                        json!({"error": "The access token is invalid"}).to_string(),
                    ));
                };
                let v = status_body(body);
                let Some(status) = v["status"].as_str() else {
                    return Err((
                        422,
                        json!({"error": "Validation failed: Text can't be blank"}).to_string(),
                    ));
                };
                if mastodon_length(status) > 500 {
                    return Err((
                        422,
                        json!({"error": "Validation failed: Text character limit of 500 exceeded"})
                            .to_string(),
                    ));
                }
                json!({
                    "channel": "mastodon",
                    "to": [server],
                    "subject": status.lines().next().unwrap_or_default(),
                    "text": status,
                    "visibility": v["visibility"],
                    "language": v["language"],
                    "bearer": token,
                    "content_type": headers.get("content-type"),
                    "idempotency_key": headers.get("idempotency-key"),
                })
            }
            Provider::Bluesky(did) => {
                let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                let record = &v["record"];
                let text = record["text"].as_str().unwrap_or_default();
                if v["repo"] != json!(did)
                    || v["collection"] != "app.bsky.feed.post"
                    || record["$type"] != "app.bsky.feed.post"
                    || record["createdAt"].as_str().is_none()
                {
                    return Err((
                        400,
                        json!({"error": "InvalidRequest", "message": "not a post in this repo"})
                            .to_string(),
                    ));
                }
                if text.chars().count() > 3000 {
                    return Err((
                        400,
                        json!({"error": "InvalidRequest", "message": "Record/text must not be longer than 3000 bytes"})
                            .to_string(),
                    ));
                }
                json!({
                    "channel": "bluesky",
                    "to": [did],
                    "subject": text.lines().next().unwrap_or_default(),
                    "text": text,
                    "payload": v,
                })
            }
            Provider::Teams => {
                let payload: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                let card = teams_card(&payload).map_err(|why| {
                    (
                        400,
                        json!({"error": {"code": "InvalidRequestContent", "message": why}})
                            .to_string(),
                    )
                })?;
                // The card's text blocks, in order: the first is the title.
                let mut texts = Vec::new();
                collect_texts(&card["body"], &mut texts);
                json!({
                    "channel": "teams",
                    "to": [path],
                    "subject": texts.first().cloned().unwrap_or_default(),
                    "text": texts.join("\n"),
                    "payload": payload,
                })
            }
        };
        v["id"] = json!(id);
        v["received_at_ms"] = json!(now_ms());
        v["authorization"] = json!(headers.contains_key("authorization"));
        Ok(v)
    }
}

/// A Mastodon status's fields, from JSON or a form.
fn status_body(body: &[u8]) -> Value {
    serde_json::from_slice::<Value>(body).unwrap_or_else(|_| {
        let form: serde_json::Map<String, Value> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        Value::Object(form)
    })
}

/// A status's length as Mastodon counts it: characters, every URL as 23.
fn mastodon_length(text: &str) -> usize {
    let (mut n, mut rest) = (0, text);
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("http://") || rest.starts_with("https://") {
            n += 23;
            rest = &rest[rest.find(char::is_whitespace).unwrap_or(rest.len())..];
        } else {
            n += 1;
            rest = &rest[c.len_utf8()..];
        }
    }
    n
}

/// `createSession` (no bearer: identifier and password in the body) or `refreshSession` (the
/// refresh token as the bearer): new tokens for the account.
fn bluesky_session(i: &mut Inner, body: &[u8], refresh: Option<String>) -> Reply {
    let n = i.bsky_access.len() + i.bsky_refresh.len() + 1;
    let (method, did) = match refresh {
        None => {
            let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let (Some(identifier), Some(password)) =
                (v["identifier"].as_str(), v["password"].as_str())
            else {
                return reply(
                    400,
                    json!({"error": "InvalidRequest", "message": "identifier and password are required"})
                        .to_string(),
                );
            };
            i.bsky_calls
                .push(json!({"method": "createSession", "identifier": identifier,
                                     "password_length": password.len()}));
            if password.is_empty() {
                return reply(
                    401,
                    json!({"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
                        .to_string(),
                );
            }
            ("createSession", format!("did:plc:sink{}", identifier.len()))
        }
        Some(bearer) => {
            let token = bearer
                .strip_prefix("Bearer ")
                .unwrap_or_default()
                .to_owned();
            i.bsky_calls.push(json!({"method": "refreshSession"}));
            match i.bsky_refresh.remove(&token) {
                Some(did) => ("refreshSession", did),
                None => {
                    return reply(
                        400,
                        json!({"error": "ExpiredToken", "message": "Token has expired"})
                            .to_string(),
                    )
                }
            }
        }
    };
    let access = format!("sink-access-{n}");
    let refresh = format!("sink-refresh-{n}");
    i.bsky_access.insert(access.clone(), (did.clone(), false));
    i.bsky_refresh.insert(refresh.clone(), did.clone());
    if let Some(last) = i.bsky_calls.last_mut() {
        last["status"] = json!(200);
        last["method"] = json!(method);
    }
    reply(
        200,
        json!({"accessJwt": access, "refreshJwt": refresh, "handle": "herald.test", "did": did})
            .to_string(),
    )
}

/// The Adaptive Card of a Teams Workflows message, checked as the service does: `type` is
/// `message`, one attachment of content type `application/vnd.microsoft.card.adaptive` whose
/// content is an `AdaptiveCard` of version 1.4 or later with a body.
fn teams_card(payload: &Value) -> std::result::Result<&Value, String> {
    if payload["type"] != "message" {
        return Err("type must be \"message\"".into());
    }
    let attachments = payload["attachments"]
        .as_array()
        .filter(|a| a.len() == 1)
        .ok_or("exactly one attachment is expected")?;
    let a = &attachments[0];
    if a["contentType"] != "application/vnd.microsoft.card.adaptive" {
        return Err("the attachment is not an Adaptive Card".into());
    }
    let card = &a["content"];
    if card["type"] != "AdaptiveCard" {
        return Err("content.type must be \"AdaptiveCard\"".into());
    }
    let version = card["version"].as_str().unwrap_or("");
    let (major, minor) = version.split_once('.').unwrap_or((version, "0"));
    let (major, minor): (u32, u32) = (major.parse().unwrap_or(0), minor.parse().unwrap_or(0));
    if (major, minor) < (1, 4) {
        return Err(format!("card version {version:?} is below 1.4"));
    }
    if card["body"].as_array().is_none_or(|b| b.is_empty()) {
        return Err("the card has no body".into());
    }
    Ok(card)
}

/// Every `TextBlock`'s text under `v`, depth first.
fn collect_texts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect_texts(i, out)),
        Value::Object(o) => {
            if o.get("type").and_then(Value::as_str) == Some("TextBlock") {
                if let Some(t) = o.get("text").and_then(Value::as_str) {
                    out.push(t.to_owned());
                }
            }
            o.values().for_each(|i| collect_texts(i, out));
        }
        _ => {}
    }
}
