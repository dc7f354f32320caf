//! Live sockets on the hibernation API: readers (widgets, status pages) and consoles open a
//! WebSocket the object accepts and may sleep through; every change is pushed to each socket as
//! its own viewer sees it (`shared::live` decides the views, expiry and grouping).

use std::collections::HashMap;
use std::time::Duration;

use herald_shared::live::{self, CLOSE_EXPIRED, CLOSE_GOING_AWAY, CLOSE_UNAUTHORIZED};
use herald_shared::wire::internal::LiveTicket;
use herald_shared::wire::{LivePush, LiveVersion};
use herald_shared::{token, view, Timestamp};
use wasm_bindgen::prelude::{wasm_bindgen, JsValue};
use wasm_bindgen::JsCast;
use worker::{Request, Response, WebSocket, WebSocketIncomingMessage, WebSocketPair};

use super::{etag_of, now, Loaded, PageObject, WIDGET_SECRET};
use crate::error::{json, ApiError, ApiResult};
use crate::protocol::header;

/// Most sockets one object holds unless `HERALD_LIVE_MAX_SOCKETS` says otherwise; the runtime
/// allows 32,768 hibernatable sockets per object, and a page with more readers polls beyond this.
pub const LIVE_MAX_SOCKETS: usize = 20_000;

/// Tags of accepted sockets, given when they open so a push finds each kind without reading any
/// socket's attachment: public readers all share one view, a reader with an audience token has its
/// own view and expiry (read from its ticket), consoles get the version.
const TAG_PUBLIC: &str = "public";
const TAG_TOKEN: &str = "token";
const TAG_CONSOLE: &str = "console";

/// Sockets that receive one message.
type Batch = (Vec<WebSocket>, JsValue);

/// Fewest milliseconds between two nudges of the consoles for deliveries.
const CONSOLE_EVERY_MS: u64 = 1_000;

/// Seconds a refused reader is asked to wait before trying its socket again (it polls meanwhile).
const FULL_RETRY_SECS: u32 = 60;

impl PageObject {
    /// Accepts a live socket: a reader's (`console == false`, its audience token verified now) or
    /// a console's (it presents a key as its first message); 503 when the object holds its most
    /// sockets already.
    pub(super) async fn open_live(
        &self,
        page: &str,
        req: &Request,
        console: bool,
    ) -> ApiResult<Response> {
        // The route (`routes::public::live`) answered 426 already to a request that is no upgrade.
        let loaded = self.require(page)?;
        if self.state.get_websockets().len() >= self.live_max {
            let mut full = ApiError::client(
                503,
                "live-full",
                "Too many live readers",
                format!(
                    "this page has its most live sockets open; poll banner.json instead and try again in {FULL_RETRY_SECS} s"
                ),
            )
            .into_response()?;
            full.headers_mut()
                .set("retry-after", &FULL_RETRY_SECS.to_string())?;
            return Ok(full);
        }
        let now = now();
        let ticket = match (console, req.headers().get(header::TOKEN)?) {
            (true, _) => LiveTicket {
                console: true,
                ..LiveTicket::default()
            },
            (false, None) => LiveTicket::default(),
            (false, Some(t)) => {
                let claims = self.audience(page, &t, now)?;
                LiveTicket {
                    segments: claims.segments,
                    exp: Some(claims.exp),
                    ..LiveTicket::default()
                }
            }
        };
        let pair = WebSocketPair::new()?;
        let tag = match (console, ticket.exp) {
            (true, _) => TAG_CONSOLE,
            (false, None) => TAG_PUBLIC,
            (false, Some(_)) => TAG_TOKEN,
        };
        self.state.accept_websocket_with_tags(&pair.server, &[tag]);
        pair.server.serialize_attachment(&ticket)?;
        if !console {
            // What the reader sees now, so a change between its last read and this socket is not lost.
            pair.server
                .send_with_str(self.live_message(&loaded, &ticket, now)?)?;
        }
        if let Some(at) = live::next_expiry([&ticket]) {
            self.wake_at(at).await;
        }
        Ok(Response::from_websocket(pair.client)?)
    }

    /// Verifies an audience token for this page, as `banner.json` does.
    pub(super) fn audience(
        &self,
        page: &str,
        t: &str,
        now: Timestamp,
    ) -> ApiResult<herald_shared::AudienceClaims> {
        let refused = |detail: String| {
            ApiError::client(401, "invalid-token", "Invalid audience token", detail)
        };
        let secret = self.store.secret(WIDGET_SECRET)?.ok_or_else(|| {
            refused("this page has no widget secret; audience tokens are not enabled".into())
        })?;
        token::verify(t, secret.as_bytes(), page, now)
            .map_err(|e| refused(format!("audience token refused: {e}")))
    }

    /// The message a reader's socket gets: its banner (when small) and its summary's tag.
    fn live_message(
        &self,
        loaded: &Loaded,
        ticket: &LiveTicket,
        now: Timestamp,
    ) -> ApiResult<String> {
        let viewer = live::viewer(ticket);
        let summary = json(&view::summary(&loaded.state, &viewer, now))?;
        let mut push = LivePush {
            summary: etag_of(summary.as_bytes()).trim_matches('"').to_owned(),
            banner: Some(super::docs::banner(
                &loaded.state,
                &viewer,
                now,
                self.poll_secs,
            )),
        };
        let mut message = json(&push)?;
        if message.len() > live::INLINE_BANNER_MAX {
            push.banner = None;
            message = json(&push)?;
        }
        Ok(message)
    }

    /// Pushes the loaded state to every open socket whose view it changed: public readers get
    /// one rendering, found by tag without reading their tickets; readers with tokens get their
    /// view (sockets sharing segments share one rendering); consoles the version. Expired tokens
    /// and revoked keys close their sockets instead. The views are rendered now and sent once
    /// the request that changed the state has answered (`send_later`).
    pub(super) fn push_live(&self) {
        let Some(loaded) = self.loaded.borrow().clone() else {
            return;
        };
        let now = now();
        let mut batches = Vec::new();
        batches.extend(self.public_batch(&loaded, now));
        batches.extend(self.token_batches(&loaded, now));
        self.send_later(batches);
        self.push_consoles(loaded.state.version);
    }

    /// The public view, rendered once for every public socket.
    fn public_batch(&self, loaded: &Loaded, now: Timestamp) -> Option<Batch> {
        let sockets = self.state.get_websockets_with_tag(TAG_PUBLIC);
        if sockets.is_empty() {
            return None;
        }
        let message = self.changed_view(loaded, &LiveTicket::default(), now)?;
        Some((sockets, JsValue::from_str(&message)))
    }

    /// Readers with audience tokens: each ticket read for its expiry and segments, one rendering
    /// per set of segments.
    fn token_batches(&self, loaded: &Loaded, now: Timestamp) -> Vec<Batch> {
        let sockets = self.state.get_websockets_with_tag(TAG_TOKEN);
        if sockets.is_empty() {
            return Vec::new();
        }
        let unix = now.unix_timestamp();
        let mut views: HashMap<String, Option<Batch>> = HashMap::new();
        for ws in sockets {
            let ticket = ticket_of(&ws);
            if live::expired(&ticket, unix) {
                let _ = ws.close(Some(CLOSE_EXPIRED), Some("audience token expired"));
                continue;
            }
            let batch = views
                .entry(live::audience_key(&ticket.segments))
                .or_insert_with(|| {
                    self.changed_view(loaded, &ticket, now)
                        .map(|m| (Vec::new(), JsValue::from_str(&m)))
                });
            if let Some((group, _)) = batch {
                group.push(ws);
            }
        }
        views.into_values().flatten().collect()
    }

    /// Sends each batch's message down its sockets on the next turn of the runtime's event loop:
    /// after the request that changed the state has its answer, so a publish's answer does not
    /// wait for thousands of sends (0.4 ms each in `cargo xtask bench live`).
    fn send_later(&self, batches: Vec<Batch>) {
        if batches.is_empty() {
            return;
        }
        self.state.wait_until(async move {
            // A timer, not a microtask: microtasks run before the runtime sends the answer.
            worker::Delay::from(Duration::ZERO).await;
            for (sockets, message) in &batches {
                for ws in sockets {
                    let _ = send_value(ws, message);
                }
            }
        });
    }

    /// The consoles, each key checked once per push.
    fn push_consoles(&self, version: u64) {
        let sockets = self.state.get_websockets_with_tag(TAG_CONSOLE);
        if sockets.is_empty() {
            return;
        }
        let message = json(&LiveVersion { version }).unwrap_or_default();
        let mut keys: HashMap<String, bool> = HashMap::new();
        for ws in sockets {
            let ticket = ticket_of(&ws);
            let Some(key) = ticket.key.as_deref() else {
                continue;
            };
            let valid = *keys
                .entry(key.to_owned())
                .or_insert_with(|| self.key_still_valid(key));
            if valid {
                let _ = ws.send_with_str(&message);
            } else {
                let _ = ws.close(Some(CLOSE_UNAUTHORIZED), Some("key revoked"));
            }
        }
    }

    /// The message for `ticket`'s view when it differs from the last one pushed to that view;
    /// `None` when unchanged (nothing to send) or when it could not be rendered (logged).
    fn changed_view(&self, loaded: &Loaded, ticket: &LiveTicket, now: Timestamp) -> Option<String> {
        let message = match self.live_message(loaded, ticket, now) {
            Ok(m) => m,
            Err(e) => {
                worker::console_error!("live view not rendered: {e:?}");
                return None;
            }
        };
        let group = live::audience_key(&ticket.segments);
        let mut sent = self.live_sent.borrow_mut();
        if sent.get(&group) == Some(&message) {
            return None;
        }
        sent.insert(group, message.clone());
        Some(message)
    }

    /// Tells the consoles after something outside the state changed (a delivery recorded), at
    /// most once per `CONSOLE_EVERY_MS`: a fan-out records thousands. The consoles also poll.
    pub(super) fn nudge_consoles(&self) {
        let now_ms = worker::Date::now().as_millis();
        if now_ms.saturating_sub(self.live_nudged.get()) < CONSOLE_EVERY_MS {
            return;
        }
        let sockets = self.state.get_websockets_with_tag(TAG_CONSOLE);
        if sockets.is_empty() {
            return;
        }
        self.live_nudged.set(now_ms);
        let Some(version) = self.loaded.borrow().as_ref().map(|l| l.state.version) else {
            return;
        };
        let Ok(message) = json(&LiveVersion { version }) else {
            return;
        };
        for ws in sockets {
            if ticket_of(&ws).key.is_some() {
                let _ = ws.send_with_str(&message);
            }
        }
    }

    /// Closes the sockets whose tokens have expired and wakes again for the next expiry.
    pub(super) async fn expire_live(&self) {
        let unix = now().unix_timestamp();
        let mut left = Vec::new();
        for ws in self.state.get_websockets_with_tag(TAG_TOKEN) {
            let ticket = ticket_of(&ws);
            if live::expired(&ticket, unix) {
                let _ = ws.close(Some(CLOSE_EXPIRED), Some("audience token expired"));
            } else {
                left.push(ticket);
            }
        }
        if let Some(exp) = live::next_expiry(&left) {
            self.wake_at(exp).await;
        }
    }

    /// Sets the object's alarm for `at` (seconds since the epoch) unless it wakes earlier.
    async fn wake_at(&self, at: i64) {
        let at_ms = at.saturating_mul(1000);
        let set = match self.storage.get_alarm().await {
            Ok(Some(current)) => current > at_ms,
            _ => true,
        };
        if set {
            let offset = (at_ms - worker::Date::now().as_millis() as i64).max(0);
            if let Err(e) = self.storage.set_alarm(offset).await {
                worker::console_error!("live expiry alarm not set: {e}");
            }
        }
    }

    /// A console socket's message: its key, once; the socket then receives the version on every
    /// change. A wrong key closes it. Readers' messages are ignored.
    pub(super) fn live_incoming(&self, ws: &WebSocket, message: WebSocketIncomingMessage) {
        let mut ticket = ticket_of(ws);
        if !ticket.console || ticket.key.is_some() {
            return;
        }
        let WebSocketIncomingMessage::String(key) = message else {
            let _ = ws.close(Some(CLOSE_UNAUTHORIZED), Some("send the key as text"));
            return;
        };
        let Ok((actor, _role)) = self.check_key(key.trim()) else {
            let _ = ws.close(Some(CLOSE_UNAUTHORIZED), Some("key refused"));
            return;
        };
        ticket.key = Some(actor);
        let version = self.loaded.borrow().as_ref().map(|l| l.state.version);
        let ok = ws.serialize_attachment(&ticket).is_ok();
        if let (true, Some(version)) = (ok, version) {
            if let Ok(m) = json(&LiveVersion { version }) {
                let _ = ws.send_with_str(m);
            }
        }
    }

    /// Whether the key a console socket presented still works (`root`, or an unrevoked page key).
    fn key_still_valid(&self, actor: &str) -> bool {
        match actor.strip_prefix("key:") {
            Some(id) => matches!(self.store.active_key(id), Ok(Some(_))),
            None => actor == "root",
        }
    }

    /// Closes every socket (local development: what a test does to see readers fall back).
    pub(super) fn close_live(&self) -> usize {
        let sockets = self.state.get_websockets();
        for ws in &sockets {
            let _ = ws.close(Some(CLOSE_GOING_AWAY), Some("closed for a test"));
        }
        self.live_sent.borrow_mut().clear();
        sockets.len()
    }

    /// How many sockets are open (local development).
    pub(super) fn live_count(&self) -> usize {
        self.state.get_websockets().len()
    }
}

/// A socket's ticket; one without (never the case for sockets this object accepted) is public.
fn ticket_of(ws: &WebSocket) -> LiveTicket {
    ws.deserialize_attachment()
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[wasm_bindgen]
extern "C" {
    /// The runtime's socket, for sending a string already in the runtime: a push converts its
    /// message from Rust once, not once per socket.
    type RawSocket;
    #[wasm_bindgen(method, catch, js_name = send)]
    fn send(this: &RawSocket, data: &JsValue) -> Result<(), JsValue>;
}

/// Sends `message` (a runtime string) down `ws`.
fn send_value(ws: &WebSocket, message: &JsValue) -> Result<(), JsValue> {
    let raw: &worker::web_sys::WebSocket = ws.as_ref();
    raw.unchecked_ref::<RawSocket>().send(message)
}
