//! The page Durable Object: the only writer of a page's state. It loads the state from its SQLite
//! storage, applies `shared` commands, commits state and audit together and keeps the rendered
//! snapshots that the read path serves.

use std::cell::RefCell;
use std::rc::Rc;

use herald_shared::wire::{Created, OpenIncidentRequest, PageSettings, PostUpdateRequest};
use herald_shared::{
    apply, banner, Command, Event, OpenIncident, Page, PostUpdate, State as PageState, Timestamp,
    Viewer,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use wasm_bindgen::JsValue;
use worker::{
    durable_object, DurableObject, Env, Headers, Method, Request, RequestInit, Response,
    SqlStorage, SqlStorageValue, State,
};

use crate::bindings;
use crate::error::{ApiError, ApiResult};

/// Header carrying the page id from the router to the object.
const PAGE_HEADER: &str = "x-herald-page";
/// Header carrying the authenticated key id, for the audit log.
const ACTOR_HEADER: &str = "x-herald-actor";

/// Sends one internal request to the object of `page`. `write` carries the actor and the body.
pub async fn call(
    env: &Env,
    page: &str,
    method: &str,
    path: &str,
    write: Option<(&str, String)>,
) -> ApiResult<Response> {
    let stub = env
        .durable_object(bindings::PAGES)?
        .id_from_name(page)?
        .get_stub()?;
    let headers = Headers::new();
    headers.set(PAGE_HEADER, page)?;
    let mut init = RequestInit::new();
    init.with_method(Method::from(method.to_owned()));
    if let Some((actor, body)) = write {
        headers.set(ACTOR_HEADER, actor)?;
        headers.set("content-type", "application/json")?;
        init.with_body(Some(JsValue::from_str(&body)));
    }
    init.with_headers(headers);
    let req = Request::new_with_init(&format!("https://page.internal{path}"), &init)?;
    Ok(stub.fetch_with_request(req).await?)
}

/// State as loaded, with the snapshots rendered from it once.
struct Loaded {
    state: PageState,
    banner: Snapshot,
}

/// A rendered public document and its strong ETag.
struct Snapshot {
    body: String,
    etag: String,
}

impl Snapshot {
    fn new(body: String) -> Self {
        let digest = Sha256::digest(body.as_bytes());
        let etag = format!("\"{}\"", hex::encode(&digest[..12]));
        Self { body, etag }
    }
}

impl Loaded {
    fn new(state: PageState, now: Timestamp, poll_secs: Option<u32>) -> ApiResult<Self> {
        let mut banner = banner(&state, &Viewer::default(), now);
        if let Some(secs) = poll_secs {
            banner.poll_after = secs;
        }
        let body = serde_json::to_string(&banner).map_err(|e| ApiError::Server(e.to_string()))?;
        Ok(Self {
            state,
            banner: Snapshot::new(body),
        })
    }
}

#[durable_object]
pub struct PageObject {
    sql: SqlStorage,
    /// Poll interval advised to widgets, when the deployment overrides the model's default.
    poll_secs: Option<u32>,
    loaded: RefCell<Option<Rc<Loaded>>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS page_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    version INTEGER NOT NULL,
    events TEXT NOT NULL
);";

#[derive(Deserialize)]
struct StateRow {
    state: String,
}

impl DurableObject for PageObject {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        if let Err(e) = sql.exec(SCHEMA, None) {
            worker::console_error!("schema setup failed: {e}");
        }
        let poll_secs = env
            .var(bindings::POLL_SECS)
            .ok()
            .and_then(|v| v.to_string().parse().ok());
        Self {
            sql,
            poll_secs,
            loaded: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        match self.dispatch(&mut req).await {
            Ok(resp) => Ok(resp),
            Err(err) => err.into_response(),
        }
    }
}

fn now() -> Timestamp {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now)
}

/// A fresh random id such as `inc_k3v9x2m0q7ra`.
fn new_id(prefix: &str) -> ApiResult<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Server(e.to_string()))?;
    let tail: String = bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{prefix}_{tail}"))
}

fn parse<T: DeserializeOwned>(body: &str) -> ApiResult<T> {
    serde_json::from_str(body).map_err(|e| ApiError::bad_json(&e))
}

fn json_response<T: serde::Serialize>(status: u16, value: &T) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::from_json(value)?
        .with_status(status)
        .with_headers(headers))
}

impl PageObject {
    async fn dispatch(&self, req: &mut Request) -> ApiResult<Response> {
        let page = req
            .headers()
            .get(PAGE_HEADER)?
            .ok_or_else(|| ApiError::Server("request without page header".into()))?;
        let actor = req.headers().get(ACTOR_HEADER)?.unwrap_or_default();
        let path = req.path();
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        match (req.method(), segments.as_slice()) {
            (Method::Get, ["banner"]) => {
                let loaded = self.require(&page)?;
                let headers = Headers::new();
                headers.set("etag", &loaded.banner.etag)?;
                Ok(Response::ok(loaded.banner.body.clone())?.with_headers(headers))
            }
            (Method::Put, ["page"]) => {
                let settings: PageSettings = parse(&req.text().await?)?;
                let existing = self.load()?;
                let base = existing.as_ref().map_or_else(
                    || PageState::new(Page::new(page.clone(), "")),
                    |l| l.state.clone(),
                );
                let (state, _) = self.commit(
                    &base,
                    Command::ConfigurePage(settings),
                    &actor,
                    "page.configure",
                )?;
                let status = if existing.is_some() { 200 } else { 201 };
                json_response(
                    status,
                    &Created {
                        id: page,
                        update_id: None,
                        version: state.version,
                    },
                )
            }
            (Method::Post, ["incidents"]) => {
                let body: OpenIncidentRequest = parse(&req.text().await?)?;
                let loaded = self.require(&page)?;
                let (id, update_id) = (new_id("inc")?, new_id("upd")?);
                let command = Command::OpenIncident(OpenIncident {
                    id: id.clone(),
                    update_id: update_id.clone(),
                    title: body.title,
                    impact: body.impact,
                    body: body.body,
                    components: body.components,
                    next_update_at: body.next_update_at,
                    status: body.status,
                    visibility: body.visibility,
                    silent: body.silent,
                    channels: body.channels,
                });
                let (state, _) = self.commit(&loaded.state, command, &actor, "incident.open")?;
                json_response(
                    201,
                    &Created {
                        id,
                        update_id: Some(update_id),
                        version: state.version,
                    },
                )
            }
            (Method::Post, ["incidents", incident, "updates"]) => {
                let body: PostUpdateRequest = parse(&req.text().await?)?;
                let loaded = self.require(&page)?;
                let update_id = new_id("upd")?;
                let command = Command::PostUpdate(PostUpdate {
                    incident_id: (*incident).to_owned(),
                    update_id: update_id.clone(),
                    status: body.status,
                    body: body.body,
                    next_update_at: body.next_update_at,
                    components: body.components,
                    impact: body.impact,
                    silent: body.silent,
                    channels: body.channels,
                });
                let (state, _) = self.commit(&loaded.state, command, &actor, "incident.update")?;
                json_response(
                    201,
                    &Created {
                        id: (*incident).to_owned(),
                        update_id: Some(update_id),
                        version: state.version,
                    },
                )
            }
            _ => Err(ApiError::not_found(format!(
                "no page object endpoint {path}"
            ))),
        }
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
        let rows: Vec<StateRow> = self
            .sql
            .exec("SELECT state FROM page_state WHERE id = 1", None)?
            .to_array()?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        let state: PageState = serde_json::from_str(&row.state)
            .map_err(|e| ApiError::Server(format!("stored state unreadable: {e}")))?;
        let loaded = Rc::new(Loaded::new(state, now(), self.poll_secs)?);
        *self.loaded.borrow_mut() = Some(loaded.clone());
        Ok(Some(loaded))
    }

    /// Applies `command` and stores the new state with its audit entry. Both writes happen in one
    /// synchronous stretch with no `await`, so the runtime commits them together.
    fn commit(
        &self,
        base: &PageState,
        command: Command,
        actor: &str,
        action: &str,
    ) -> ApiResult<(PageState, Vec<Event>)> {
        let at = now();
        let (next, events) = apply(base, command, at)?;
        let state_json =
            serde_json::to_string(&next).map_err(|e| ApiError::Server(e.to_string()))?;
        let events_json =
            serde_json::to_string(&events).map_err(|e| ApiError::Server(e.to_string()))?;
        let version = i64::try_from(next.version).map_err(|e| ApiError::Server(e.to_string()))?;
        let stamp = at
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| ApiError::Server(e.to_string()))?;
        self.sql.exec(
            "INSERT INTO audit (at, actor, action, version, events) VALUES (?, ?, ?, ?, ?)",
            vec![
                SqlStorageValue::String(stamp),
                SqlStorageValue::String(actor.to_owned()),
                SqlStorageValue::String(action.to_owned()),
                SqlStorageValue::Integer(version),
                SqlStorageValue::String(events_json),
            ],
        )?;
        self.sql.exec(
            "INSERT INTO page_state (id, version, state) VALUES (1, ?, ?) \
             ON CONFLICT(id) DO UPDATE SET version = excluded.version, state = excluded.state",
            vec![
                SqlStorageValue::Integer(version),
                SqlStorageValue::String(state_json),
            ],
        )?;
        *self.loaded.borrow_mut() = Some(Rc::new(Loaded::new(next.clone(), at, self.poll_secs)?));
        Ok((next, events))
    }
}
