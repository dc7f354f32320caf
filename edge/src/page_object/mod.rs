//! The page Durable Object: the only writer of a page's state. It authenticates page API keys,
//! applies `shared` commands, commits state, audit and idempotency records together, and renders
//! each public document once per change for every reader.

mod admin;
mod deliveries;
mod docs;
mod erasure;
mod gate;
mod integrations;
mod live;
mod operations;
mod outbox;
mod push;
mod records;
mod scheduled;
mod scorecard;
mod signing;
mod social;
mod store;
mod subscribers;
mod subscriptions;

use operations::{Call, Outcome};

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use herald_shared::wire::internal::{ManageSave, Matched, ProviderEvent};
use herald_shared::wire::{AuditChange, Role};
use herald_shared::{uptime, State as PageState, Timestamp, Viewer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use worker::{
    durable_object, DurableObject, Env, Headers, Request, Response, State, WebSocket,
    WebSocketIncomingMessage,
};

use crate::bindings;
use crate::error::{json, ApiError, ApiResult};
use crate::notify::token::Purpose;
use crate::protocol::{header, path, DIRECTORY};
use crate::route::{AdminOp, Doc};
use records::{Records, Remembered};
use store::{AuditRecord, Store};

/// A rendered public document and its strong ETag.
#[derive(Clone)]
pub struct Snapshot {
    pub body: Rc<str>,
    pub etag: Rc<str>,
    rendered_at: Timestamp,
}

impl Snapshot {
    fn new(body: String, at: Timestamp) -> Self {
        let etag = etag_of(body.as_bytes());
        Self {
            body: body.into(),
            etag: etag.into(),
            rendered_at: at,
        }
    }
}

pub fn etag_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("\"{}\"", hex::encode(&digest[..12]))
}

/// Public documents depend on time too (maintenance windows start, history ages): re-render a
/// snapshot older than this even without a change.
const SNAPSHOT_MAX_AGE: time::Duration = time::Duration::seconds(30);

/// The loaded state and the public documents rendered from it so far, by (document, base URL).
struct Loaded {
    state: PageState,
    docs: RefCell<HashMap<(Doc, String), Snapshot>>,
    /// Subscriber positions by id, built on first use (a fan-out looks up every recipient).
    by_id: std::cell::OnceCell<HashMap<String, usize>>,
    /// The page's social accounts as recipients of its social posts: (id, address).
    social: Vec<(&'static str, herald_shared::model::Address)>,
}

impl Loaded {
    fn new(state: PageState) -> Loaded {
        Loaded {
            social: state.page.social.recipients(),
            state,
            docs: RefCell::new(HashMap::new()),
            by_id: std::cell::OnceCell::new(),
        }
    }

    /// Where a notification of `kind` goes for recipient `id`: a subscriber's addresses, or for a
    /// social post the page's account of that id. `None`: no longer there.
    fn targets(
        &self,
        kind: Option<herald_shared::delivery::NotificationKind>,
        id: &str,
    ) -> Option<(
        &herald_shared::model::Address,
        Option<&herald_shared::model::Address>,
    )> {
        match kind? {
            herald_shared::delivery::NotificationKind::Social => self
                .social
                .iter()
                .find(|(i, _)| *i == id)
                .map(|(_, a)| (a, None)),
            k => self.subscriber(id).and_then(|s| k.targets(s)),
        }
    }

    /// Whether `id` is still someone (or an account) deliveries are recorded for.
    fn knows(&self, id: &str) -> bool {
        self.subscriber(id).is_some() || self.social.iter().any(|(i, _)| *i == id)
    }

    fn subscriber(&self, id: &str) -> Option<&herald_shared::Subscriber> {
        let index = self.by_id.get_or_init(|| {
            self.state
                .subscribers
                .iter()
                .enumerate()
                .map(|(i, s)| (s.id.clone(), i))
                .collect()
        });
        index.get(id).and_then(|i| self.state.subscribers.get(*i))
    }
}

#[durable_object]
pub struct PageObject {
    store: Store,
    /// For the alarm that retries an outbox the queue refused.
    storage: worker::Storage,
    poll_secs: Option<u32>,
    loaded: RefCell<Option<Rc<Loaded>>>,
    env: Env,
    /// Set while the outbox is being sent to the queue, so two requests do not send it twice.
    flushing: Cell<bool>,
    retry: herald_shared::delivery::RetryPolicy,
    subscribe_per_minute: u32,
    /// `HERALD_ENV=development`: webhooks may point at a local sink.
    development: bool,
    /// The runtime's side of the object, for its live sockets.
    state: State,
    /// Most live sockets this object holds (`HERALD_LIVE_MAX_SOCKETS`).
    live_max: usize,
    /// The last message pushed to each view of the live sockets (by `shared::live::audience_key`),
    /// so a change that leaves a view as it was sends nothing. Forgotten when the object sleeps.
    live_sent: RefCell<HashMap<String, String>>,
    /// When the consoles were last told of a delivery (ms since the epoch).
    live_nudged: Cell<u64>,
}

impl DurableObject for PageObject {
    fn new(state: State, env: Env) -> Self {
        let poll_secs = env
            .var(bindings::POLL_SECS)
            .ok()
            .and_then(|v| v.to_string().parse().ok());
        let number = |name: &str, default: u32| {
            env.var(name)
                .ok()
                .and_then(|v| v.to_string().parse().ok())
                .unwrap_or(default)
        };
        Self {
            store: Store::open(state.storage().sql()),
            storage: state.storage(),
            poll_secs,
            loaded: RefCell::new(None),
            retry: herald_shared::delivery::RetryPolicy::with(
                number(bindings::RETRY_BASE_SECS, 30),
                number(
                    bindings::RETRY_ATTEMPTS,
                    herald_shared::delivery::RetryPolicy::ATTEMPTS,
                ),
            ),
            subscribe_per_minute: number(bindings::SUBSCRIBE_PER_MINUTE, 10),
            development: env
                .var(bindings::ENV)
                .is_ok_and(|v| v.to_string() == "development"),
            flushing: Cell::new(false),
            live_max: number(bindings::LIVE_MAX_SOCKETS, live::LIVE_MAX_SOCKETS as u32) as usize,
            live_sent: RefCell::new(HashMap::new()),
            live_nudged: Cell::new(0),
            state,
            env,
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        match self.dispatch(&mut req).await {
            Ok(resp) => Ok(resp),
            Err(err) => err.into_response(),
        }
    }

    /// Retries sending the outbox to the queue (set when the queue refused it).
    /// Also closes live sockets whose audience tokens have expired.
    async fn alarm(&self) -> worker::Result<Response> {
        self.flush_outbox().await;
        self.expire_live().await;
        Response::empty()
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        // The object may have slept since the socket opened: the state is read again if needed.
        if let Err(e) = self.load() {
            worker::console_error!("live: state not loaded: {e:?}");
        }
        self.live_incoming(&ws, message);
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        // Completes the closing handshake the reader started.
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        Ok(())
    }
}

thread_local! {
    /// Local development only (`POST /_dev/clock/{page}`): the time `now()` answers instead of the
    /// clock's, so a runtime test scripts minutes of an incident without waiting for them.
    static FROZEN: std::cell::Cell<Option<Timestamp>> = const { std::cell::Cell::new(None) };
}

pub fn now() -> Timestamp {
    if let Some(t) = FROZEN.with(std::cell::Cell::get) {
        return t;
    }
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now)
}

/// Now in Unix seconds, for link tokens.
fn unix_now() -> i64 {
    now().unix_timestamp()
}

/// Fixed-width UTC stamps (`2026-03-01T12:00:00.000Z`), so that stored ones sort as text.
pub fn stamp(t: Timestamp) -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

fn random_bytes<const N: usize>() -> ApiResult<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Server(e.to_string()))?;
    Ok(bytes)
}

/// A fresh random id such as `inc_k3v9x2m0q7ra`.
fn new_id(prefix: &str) -> ApiResult<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let tail: String = random_bytes::<12>()?
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{prefix}_{tail}"))
}

fn text_response(
    status: u16,
    content_type: &str,
    body: String,
    version: Option<u64>,
) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("content-type", content_type)?;
    headers.set("cache-control", "no-store")?;
    if let Some(v) = version {
        headers.set("etag", &gate::version_tag(v))?;
    }
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// A query parameter, percent-decoded (`application/x-www-form-urlencoded`).
fn query_param(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

const WIDGET_SECRET: &str = "widget";

impl PageObject {
    async fn dispatch(&self, req: &mut Request) -> ApiResult<Response> {
        let page = req
            .headers()
            .get(header::PAGE)?
            .ok_or_else(|| ApiError::Server("request without page header".into()))?;
        let path = req.path();
        // A page that does not exist costs one read and writes nothing: only creating it (or the
        // directory) makes its tables.
        if !self.store.exists()? {
            let creates = page == DIRECTORY
                || (path == path::ADMIN
                    && matches!(
                        requested_op(req)?,
                        Some(AdminOp::PutPage | AdminOp::ImportStatuspage)
                    ));
            if !creates {
                return Err(ApiError::not_found(format!("no page {page:?}")));
            }
            self.store.create()?;
        }
        match path.strip_prefix(path::DOC) {
            Some(name) => {
                let doc = Doc::from_name(name)
                    .ok_or_else(|| ApiError::not_found(format!("no document {name}")))?;
                let base = req.headers().get(header::BASE)?.unwrap_or_default();
                let token = req.headers().get(header::TOKEN)?;
                self.public_doc(&page, doc, &base, token.as_deref())
            }
            None if path.starts_with(path::UPTIME) => {
                let query = req.url()?.query().unwrap_or("").to_owned();
                self.uptime(&page, &path[path::UPTIME.len()..], &query)
            }
            None if path == path::HISTORY_PAGE || path.starts_with(path::INCIDENT_PAGE) => {
                let base = req.headers().get(header::BASE)?.unwrap_or_default();
                let query = req.url()?.query().unwrap_or("").to_owned();
                self.html_page(&page, &path, &query, &base)
            }
            None if path == path::ADMIN => {
                // The body is the only thing awaited; everything after runs without yielding.
                let body = req.text().await?;
                let answer = self.admin(&page, req, body);
                self.flush_outbox().await;
                answer
            }
            None if page == DIRECTORY => {
                let body = req.text().await?;
                match path.as_str() {
                    path::DIRECTORY_ADD if herald_shared::command::is_slug(&body) => {
                        self.store.set_meta(&format!("page:{body}"), "1")?;
                        text_response(200, "application/json", "{}".into(), None)
                    }
                    path::DIRECTORY_LIST => text_response(
                        200,
                        "application/json",
                        json(&self.store.meta_names("page:")?)?,
                        None,
                    ),
                    _ => Err(ApiError::not_found("no directory endpoint")),
                }
            }
            None if path == path::DEV_CLOCK && self.development => {
                let body = req.text().await?;
                let at = match body.trim() {
                    "" => None,
                    t => Some(parse_time(t).ok_or_else(|| {
                        ApiError::client(
                            400,
                            "invalid-parameter",
                            "Invalid time",
                            format!("{t:?}: use RFC 3339, or nothing to let the clock run"),
                        )
                    })?),
                };
                FROZEN.with(|f| f.set(at));
                text_response(200, "application/json", "{}".into(), None)
            }
            None if path == path::DEV_DUMP && self.development => {
                text_response(200, "text/plain; charset=utf-8", self.store.dump()?, None)
            }
            None if path.starts_with(path::ALERTS) => {
                let body = req.text().await?;
                let secret = req.headers().get(header::KEY)?;
                let base = req.headers().get(header::BASE)?.unwrap_or_default();
                let answer = self.receive_alerts(
                    &page,
                    &path[path::ALERTS.len()..],
                    secret.as_deref(),
                    &base,
                    &body,
                );
                self.flush_outbox().await;
                answer
            }
            None if path == path::LIVE || path == path::LIVE_CONSOLE => {
                self.open_live(&page, req, path == path::LIVE_CONSOLE).await
            }
            None if path == path::DEV_LIVE_CLOSE && self.development => {
                let n = if req.method() == worker::Method::Post {
                    self.close_live()
                } else {
                    self.live_count()
                };
                text_response(200, "application/json", json(&n)?, None)
            }
            None if path == path::TICK => {
                let answer = self.tick(&page);
                self.flush_outbox().await;
                answer
            }
            None => {
                let body = req.text().await?;
                match self.endpoint(&page, &path, &body) {
                    Some(answer) => {
                        self.flush_outbox().await;
                        answer
                    }
                    None => Err(ApiError::not_found(format!(
                        "no page object endpoint {path}"
                    ))),
                }
            }
        }
    }

    /// Runs an internal endpoint of subscriptions and deliveries; `None` when `path` is not one.
    fn endpoint(&self, page: &str, path: &str, body: &str) -> Option<ApiResult<Response>> {
        Some(match path {
            path::SUBSCRIBE => serde_json::from_str(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|c| self.subscribe(page, c)),
            path::PUSH_SUBSCRIBE => serde_json::from_str(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|c| self.push_subscribe(page, c)),
            path::PUSH_KEY => self.push_key(page),
            path::CONFIRM => self.follow(page, body, Purpose::Confirm),
            path::UNSUBSCRIBE => self.follow(page, body, Purpose::Unsubscribe),
            path::RECEIPT => self.receipt(page, body),
            path::PROVIDER_EVENT => serde_json::from_str::<ProviderEvent>(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|e| {
                    let found = self.store.provider_event(
                        &e.provider_id,
                        e.outcome,
                        e.error.as_deref(),
                        &stamp(now()),
                    )?;
                    json_response(200, json(&Matched { matched: found })?)
                }),
            p if p.starts_with(path::CHECK) => self.check_link(page, &p[path::CHECK.len()..], body),
            path::MANAGE => self.manage(page, body, None),
            path::MANAGE_SAVE => serde_json::from_str::<ManageSave>(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|m| self.manage(page, &m.token, Some(m.components))),
            path::DELIVERIES_DUE => serde_json::from_str(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|c| self.due(c)),
            path::DELIVERIES_RECORD => serde_json::from_str(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|c| self.record(c))
                .inspect(|_| self.nudge_consoles()),
            path::DELIVERIES_SET_ASIDE => serde_json::from_str(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|c| self.set_aside_call(c)),
            path::DELIVERIES_MESSAGE => serde_json::from_str(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|c| self.stored_message(c)),
            _ => return None,
        })
    }

    fn public_doc(
        &self,
        page: &str,
        doc: Doc,
        base: &str,
        token: Option<&str>,
    ) -> ApiResult<Response> {
        let loaded = self.require(page)?;
        let now = now();
        let snapshot = match token {
            None => self.snapshot(&loaded, doc, base, now)?,
            Some(token) => {
                let claims = self.audience(page, token, now)?;
                let viewer = Viewer::with_segments(claims.segments);
                let history = self.uptime_for(doc, now)?;
                Snapshot::new(
                    docs::render(
                        doc,
                        &loaded.state,
                        &viewer,
                        now,
                        base,
                        self.poll_secs,
                        &history,
                    )?,
                    now,
                )
            }
        };
        let headers = Headers::new();
        headers.set("etag", &snapshot.etag)?;
        headers.set("content-type", doc.content_type())?;
        Ok(Response::ok(snapshot.body.to_string())?.with_headers(headers))
    }

    /// The uptime of component (or group) `id` over `start..=end` of `query` (days, UTC; the last
    /// 90 days by default, at most a year).
    fn uptime(&self, page: &str, id: &str, query: &str) -> ApiResult<Response> {
        let loaded = self.require(page)?;
        let now = now();
        let today = uptime::day_of(now);
        let day = |name: &'static str| -> ApiResult<Option<time::Date>> {
            let Some(v) = query_param(query, name) else {
                return Ok(None);
            };
            let f = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(&v, &f)
                .or_else(|_| {
                    time::OffsetDateTime::parse(&v, &time::format_description::well_known::Rfc3339)
                        .map(uptime::day_of)
                })
                .map(Some)
                .map_err(|_| {
                    ApiError::client(
                        400,
                        "invalid-parameter",
                        "Invalid day",
                        format!("{name}: {v:?} is not a day; use YYYY-MM-DD such as 2026-03-01"),
                    )
                    .with_field(name)
                })
        };
        let end = day("end")?.unwrap_or(today).min(today);
        let start = day("start")?.unwrap_or(end - time::Duration::days(uptime::BAR_DAYS - 1));
        let bad_range = |detail: String| {
            ApiError::client(400, "invalid-parameter", "Invalid range", detail).with_field("start")
        };
        if start > end {
            return Err(bad_range(format!("start {start} is after end {end}")));
        }
        if (end - start).whole_days() + 1 > uptime::MAX_RANGE_DAYS {
            return Err(bad_range(format!(
                "{start} to {end} is longer than {} days",
                uptime::MAX_RANGE_DAYS
            )));
        }
        let history = self.store.uptime(start)?;
        let answer = uptime::component_uptime(&loaded.state, &history, id, start, end, now)
            .ok_or_else(|| {
                ApiError::not_found(format!("no component or group {id:?} on this page"))
            })?;
        json_response(200, json(&answer)?)
    }

    /// An incident's page (`/html/incident/{id}`) or the history of a month (`/html/history`,
    /// `month=` in `query`), rendered now for the public.
    fn html_page(&self, page: &str, path: &str, query: &str, base: &str) -> ApiResult<Response> {
        use crate::status_page::incident;
        let loaded = self.require(page)?;
        let now = now();
        let body = match path.strip_prefix(path::INCIDENT_PAGE) {
            Some(id) => incident::render_incident(&loaded.state, id, now, base)
                .ok_or_else(|| ApiError::not_found(format!("no incident {id:?} on this page")))?,
            None => {
                let month = match query_param(query, "month") {
                    None => None,
                    Some(m) => Some(incident::YearMonth::parse(&m).ok_or_else(|| {
                        ApiError::client(
                            400,
                            "invalid-parameter",
                            "Invalid month",
                            format!("month: {m:?} is not a month; use YYYY-MM such as 2026-03"),
                        )
                        .with_field("month")
                    })?),
                };
                incident::render_history(&loaded.state, month, now, base)
            }
        };
        let headers = Headers::new();
        headers.set("etag", &etag_of(body.as_bytes()))?;
        headers.set("content-type", "text/html; charset=utf-8")?;
        Ok(Response::ok(body)?.with_headers(headers))
    }

    /// The uptime `doc` shows: the status page's bars and `summary.json`'s figures reach back
    /// `uptime::BAR_DAYS`; other documents read none.
    fn uptime_for(&self, doc: Doc, now: Timestamp) -> ApiResult<uptime::History> {
        if !docs::shows_uptime(doc) {
            return Ok(uptime::History::default());
        }
        self.store
            .uptime(uptime::day_of(now) - time::Duration::days(uptime::BAR_DAYS))
    }

    /// The public snapshot of `doc`, rendered now unless a fresh one exists.
    fn snapshot(
        &self,
        loaded: &Loaded,
        doc: Doc,
        base: &str,
        now: Timestamp,
    ) -> ApiResult<Snapshot> {
        let key = (doc, base.to_owned());
        if let Some(s) = loaded.docs.borrow().get(&key) {
            if s.rendered_at + SNAPSHOT_MAX_AGE > now {
                return Ok(s.clone());
            }
        }
        let history = self.uptime_for(doc, now)?;
        let s = Snapshot::new(
            docs::render(
                doc,
                &loaded.state,
                &Viewer::public(),
                now,
                base,
                self.poll_secs,
                &history,
            )?,
            now,
        );
        loaded.docs.borrow_mut().insert(key, s.clone());
        Ok(s)
    }

    fn require(&self, page: &str) -> ApiResult<Rc<Loaded>> {
        self.load()?
            .ok_or_else(|| ApiError::not_found(format!("no page {page:?}")))
    }

    /// The state, from memory or from storage; `None` when the page was never created.
    fn load(&self) -> ApiResult<Option<Rc<Loaded>>> {
        if let Some(loaded) = self.loaded.borrow().as_ref() {
            return Ok(Some(loaded.clone()));
        }
        let Some(state) = self.store.load_state()? else {
            return Ok(None);
        };
        let loaded = Rc::new(Loaded::new(state));
        *self.loaded.borrow_mut() = Some(loaded.clone());
        Ok(Some(loaded))
    }

    /// The role of the caller: the root key (checked by the router) or one of this page's keys.
    fn authenticate(&self, req: &Request) -> ApiResult<(String, Role)> {
        if req.headers().get(header::ROOT)?.is_some() {
            return Ok(("root".into(), Role::Admin));
        }
        let key = req
            .headers()
            .get(header::KEY)?
            .ok_or_else(ApiError::unauthorized)?;
        self.page_key(&key)
    }

    /// The actor and role of `key`: the root key or one of this page's keys (a console's socket
    /// presents its key itself, with no router in between).
    fn check_key(&self, key: &str) -> ApiResult<(String, Role)> {
        if crate::auth::is_root(key, &self.env)? {
            return Ok(("root".into(), Role::Admin));
        }
        self.page_key(key)
    }

    /// The actor and role of one of this page's keys.
    fn page_key(&self, key: &str) -> ApiResult<(String, Role)> {
        // Keys look like `hk_<id>_<secret>`.
        let id = key
            .strip_prefix("hk_")
            .and_then(|rest| rest.rsplit_once('_'))
            .map(|(id, _)| id.to_owned())
            .ok_or_else(ApiError::unauthorized)?;
        let (hash, role) = self
            .store
            .active_key(&id)?
            .ok_or_else(ApiError::unauthorized)?;
        let presented = hex::encode(Sha256::digest(key.as_bytes()));
        if bool::from(presented.as_bytes().ct_eq(hash.as_bytes())) {
            Ok((format!("key:{id}"), role))
        } else {
            Err(ApiError::unauthorized())
        }
    }

    fn admin(&self, page: &str, req: &Request, body: String) -> ApiResult<Response> {
        let op = requested_op(req)?.ok_or_else(|| ApiError::Server("no op header".into()))?;
        let (actor, role) = self.authenticate(req)?;
        if role < op.role() {
            return Err(ApiError::client(
                403,
                "forbidden",
                "Not allowed for this key",
                format!(
                    "{} needs the {:?} role; this key has {role:?}",
                    op.action(),
                    op.role()
                )
                .to_lowercase(),
            ));
        }
        let query = req.url()?.query().unwrap_or("").to_owned();
        let idempotency_key = req.headers().get(header::IDEMPOTENCY)?;
        let fingerprint = etag_of(format!("{}\n{body}", op.action()).as_bytes());
        // A dry run writes nothing, so it is never remembered in place of the write itself.
        let dry = operations::dry_run(&query).unwrap_or(false);
        let key = idempotency_key.as_deref().filter(|_| op.writes() && !dry);
        let at = now();
        let stamped = stamp(at);
        let forget_before = stamp(at - gate::RECORD_LIFETIME);
        if let Some(prior) = gate::replay(&self.store, key, &fingerprint, &forget_before)? {
            let ctype = if prior.status >= 400 {
                herald_shared::wire::PROBLEM_CONTENT_TYPE
            } else {
                "application/json; charset=utf-8"
            };
            let mut resp = text_response(prior.status, ctype, prior.body, None)?;
            resp.headers_mut().set("idempotent-replayed", "true")?;
            return Ok(resp);
        }
        let loaded = self.load()?;
        gate::check_version(
            req.headers().get(header::IF_MATCH)?.as_deref(),
            loaded.as_ref().map(|l| l.state.version),
        )?;
        let result = self.run(&Call {
            page,
            op: &op,
            body: &body,
            query: &query,
            loaded,
            at,
            stamped: &stamped,
            actor: &actor,
            role,
        });
        match result {
            // Client errors are remembered too, so a retry gets the same answer; server errors never.
            Err(e @ ApiError::Client { .. }) if key.is_some() => {
                let problem = e.into_problem();
                let body =
                    serde_json::to_string(&problem).map_err(|e| ApiError::Server(e.to_string()))?;
                let answer = Remembered {
                    fingerprint,
                    status: problem.status,
                    body,
                };
                self.store
                    .remember(key.unwrap_or_default(), &answer, &stamped, &forget_before)?;
                let headers = Headers::new();
                headers.set("content-type", herald_shared::wire::PROBLEM_CONTENT_TYPE)?;
                Ok(Response::ok(answer.body)?
                    .with_status(answer.status)
                    .with_headers(headers))
            }
            Err(e) => Err(e),
            Ok(Outcome {
                status,
                body,
                commit,
                next,
            }) => {
                let remembered = key.map(|k| {
                    (
                        k,
                        gate::kept(Remembered {
                            fingerprint,
                            status,
                            body: body.clone(),
                        }),
                    )
                });
                let version = match commit {
                    Some(c) => {
                        self.store.commit(
                            &c.state,
                            loaded_state(&self.loaded).as_deref(),
                            &c.audit(&stamped, &actor, op.action()),
                            remembered
                                .as_ref()
                                .map(|(k, r)| (*k, r, forget_before.as_str())),
                        )?;
                        let base = req.headers().get(header::BASE)?.unwrap_or_default();
                        if !base.is_empty() {
                            // Scheduled messages need the public origin for their links.
                            self.store.set_meta(scheduled::META_BASE, &base)?;
                        }
                        if op == AdminOp::ImportStatuspage {
                            // Imported incidents bring their times into the uptime history.
                            let prior = loaded_state(&self.loaded);
                            for i in c.state.incidents.iter().filter(|i| {
                                prior.as_ref().is_none_or(|p| p.incident(&i.id).is_none())
                            }) {
                                self.store
                                    .import_uptime(&i.id, &uptime::incident_days(i, at))?;
                            }
                        }
                        self.settle_signing_secrets(&c.raw_events)?;
                        self.settle_push_keys(&c.raw_events)?;
                        self.erase_deleted(&c.raw_events)?;
                        self.enqueue_events(page, &c.state, &c.raw_events, &base, &stamped)?;
                        let version = c.state.version;
                        self.install(c.state);
                        Some(version)
                    }
                    None => {
                        if let Some((k, r)) = &remembered {
                            self.store.remember(k, r, &stamped, &forget_before)?;
                        }
                        loaded_version(&self.loaded)
                    }
                };
                // The audit's and the subscribers' exports come as CSV when asked for it.
                let csv = matches!(op, AdminOp::Audit | AdminOp::ExportSubscribers)
                    && query_param(&query, "format").as_deref() == Some("csv");
                let ctype = if csv {
                    "text/csv; charset=utf-8"
                } else {
                    "application/json; charset=utf-8"
                };
                let mut answer = text_response(status, ctype, body, version)?;
                if let Some(next) = next {
                    // A reference relative to the request: the same path with the next page's query.
                    answer
                        .headers_mut()
                        .set("link", &format!("<?{next}>; rel=\"next\""))?;
                }
                Ok(answer)
            }
        }
    }

    /// Makes `state` the loaded one after a commit and pushes it to the live sockets.
    fn install(&self, state: PageState) {
        *self.loaded.borrow_mut() = Some(Rc::new(Loaded::new(state)));
        self.push_live();
    }

    /// Records an administrative action that changes no page state (keys, secrets).
    fn audit_only(
        &self,
        actor: &str,
        action: &str,
        subject: Option<&str>,
        change: &AuditChange,
        stamped: &str,
        loaded: &Option<Rc<Loaded>>,
    ) -> ApiResult<()> {
        let Some(l) = loaded else { return Ok(()) };
        self.store.commit(
            &l.state,
            Some(&l.state),
            &AuditRecord {
                at: stamped,
                actor,
                action,
                subject,
                change: &json(change)?,
                events: "[]",
            },
            None,
        )
    }
}

/// The state currently loaded, to diff a commit against.
fn loaded_state(loaded: &RefCell<Option<Rc<Loaded>>>) -> Option<LoadedState> {
    loaded.borrow().clone().map(LoadedState)
}

/// A loaded state kept alive while a commit compares against it.
struct LoadedState(Rc<Loaded>);

impl std::ops::Deref for LoadedState {
    type Target = PageState;
    fn deref(&self) -> &PageState {
        &self.0.state
    }
}

fn loaded_version(loaded: &RefCell<Option<Rc<Loaded>>>) -> Option<u64> {
    loaded.borrow().as_ref().map(|l| l.state.version)
}

fn parse_stamp(field: &'static str, s: &str) -> ApiResult<String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(stamp)
        .map_err(|e| {
            ApiError::client(
                400,
                "invalid-parameter",
                "Invalid time",
                format!("{field}: {e}; use RFC 3339 such as 2026-03-01T12:00:00Z"),
            )
            .with_field(field)
        })
}

/// A change ready to be written.
struct Commit {
    state: PageState,
    subject: Option<String>,
    change: String,
    events: String,
    /// The same events, for the notifications they cause.
    raw_events: Vec<herald_shared::Event>,
}

impl Commit {
    fn audit<'a>(&'a self, at: &'a str, actor: &'a str, action: &'a str) -> AuditRecord<'a> {
        AuditRecord {
            at,
            actor,
            action,
            subject: self.subject.as_deref(),
            change: &self.change,
            events: &self.events,
        }
    }
}

fn audit_csv(entries: &[herald_shared::wire::AuditEntry]) -> ApiResult<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| ApiError::Server(e.to_string());
    w.write_record([
        "seq", "at", "actor", "action", "version", "subject", "change", "events",
    ])
    .map_err(err)?;
    for e in entries {
        w.write_record([
            e.seq.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.action.clone(),
            e.version.to_string(),
            e.subject.clone().unwrap_or_default(),
            e.change.to_string(),
            e.events.to_string(),
        ])
        .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::Server(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Server(e.to_string()))
}

fn json_response(status: u16, body: String) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// A stored RFC 3339 stamp, read back.
fn parse_time(s: &str) -> Option<herald_shared::Timestamp> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// The admin operation the router named, when the request is an admin call.
fn requested_op(req: &Request) -> ApiResult<Option<AdminOp>> {
    req.headers()
        .get(header::OP)?
        .map(|op| {
            serde_json::from_str(&op).map_err(|e| ApiError::Server(format!("bad op header: {e}")))
        })
        .transpose()
}
