//! The widget's live socket: while an item is shown (and the tab is visible) the widget keeps a
//! WebSocket to the page's object open and applies each banner pushed down it; polling pauses
//! meanwhile. When the socket cannot open or drops, the widget polls once at once and goes on
//! polling, and tries the socket again after `shared::live::retry_ms`.

use std::cell::Cell;

use herald_shared::live::retry_ms;
use herald_shared::wire::Banner;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlElement, MessageEvent, WebSocket};

use crate::app::{hidden, wait, Ui};
use crate::net;

thread_local! {
    /// A socket is open and delivering: the poll loop skips its requests.
    static OPEN: Cell<bool> = const { Cell::new(false) };
    /// The socket task is running (one per widget).
    static RUNNING: Cell<bool> = const { Cell::new(false) };
}

/// Whether the socket carries changes now, so polling can wait.
pub fn open() -> bool {
    OPEN.with(Cell::get)
}

/// Starts following `ws_url` unless already following; `poll_url` is polled once whenever the
/// socket fails or drops.
pub fn follow(ws_url: &str, poll_url: &str, ui: Ui, host: &HtmlElement) {
    if RUNNING.with(|r| r.replace(true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(run(
        ws_url.to_owned(),
        poll_url.to_owned(),
        ui,
        host.clone(),
    ));
}

async fn run(ws_url: String, poll_url: String, ui: Ui, host: HtmlElement) {
    let mut failures = 0;
    while host.is_connected() && ui.shows_something() {
        if hidden() {
            // A hidden tab holds no socket; the poll loop refreshes when it is visible again.
            wait(herald_shared::poll::MAX_BACKOFF_SECS * 1000).await;
            continue;
        }
        let delivered = session(&ws_url, ui).await;
        OPEN.with(|o| o.set(false));
        failures = if delivered { 1 } else { failures + 1 };
        if hidden() || !host.is_connected() {
            continue;
        }
        // Fall back at once: what changed while the socket was down is fetched now.
        if let Ok(banner) = net::fetch(&poll_url, false).await {
            ui.receive(banner);
        }
        if ui.shows_something() {
            wait(retry_ms(failures, js_sys::Math::random())).await;
        }
    }
    RUNNING.with(|r| r.set(false));
}

/// One socket's life: resolves when it closes (or fails to open, or a message finds the tab
/// hidden, or the banner goes quiet). `true` when it delivered what it was opened for.
async fn session(url: &str, ui: Ui) -> bool {
    let Ok(ws) = WebSocket::new(url) else {
        return false;
    };
    let delivered = std::rc::Rc::new(Cell::new(false));
    let mut slot = None;
    let closed = js_sys::Promise::new(&mut |resolve, _| slot = Some(resolve));
    let Some(resolve) = slot else { return false };
    let got = delivered.clone();
    let socket = ws.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        // A hidden tab takes nothing: the socket closes and the tab refreshes when shown again.
        // A banner too long to travel closes it too: the fallback below fetches it.
        if let Some(banner) = e
            .data()
            .as_string()
            .filter(|_| !hidden())
            .and_then(|t| pushed(&t))
        {
            got.set(true);
            OPEN.with(|o| o.set(true));
            ui.receive(banner);
            if ui.shows_something() {
                return;
            }
        }
        let _ = socket.close();
    });
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(&resolve));
    let _ = JsFuture::from(closed).await;
    ws.set_onmessage(None);
    ws.set_onclose(None);
    delivered.get()
}

/// The banner in a pushed message (`shared::wire::LivePush`), read by the browser's JSON parser;
/// `None` when the message left it out.
fn pushed(text: &str) -> Option<Banner> {
    let value = js_sys::JSON::parse(text).ok()?;
    let banner = js_sys::Reflect::get(&value, &JsValue::from_str("banner")).ok()?;
    if banner.is_undefined() || banner.is_null() {
        return None;
    }
    serde_wasm_bindgen::from_value(banner).ok()
}
