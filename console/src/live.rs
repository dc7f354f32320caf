//! The console's live socket: after sign-in it opens `/v1/admin/pages/{page}/live` on its own
//! origin, presents the session's key as the first message, and on every version pushed reads
//! the page again (`Ctx::refresh`) and bumps `Ctx::live`, which screens that fetch more (the
//! notifications) follow. Polling goes on beside it, so a lost socket costs only speed; it is
//! retried with `shared::live::retry_ms` back-off, and closed at sign-out.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use herald_shared::live::retry_ms;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, WebSocket};

use crate::api::Client;
use crate::ctx::Ctx;

/// Follows the page of the signed-in session until it signs out.
pub fn follow(ctx: Ctx) {
    let mine = ctx.epoch.get_untracked();
    spawn_local(async move {
        let mut failures = 0;
        loop {
            if ctx.epoch.get_untracked() != mine {
                return;
            }
            let Some(client) = ctx.client() else { return };
            let delivered = session(ctx, &client, mine).await;
            failures = if delivered { 1 } else { failures + 1 };
            TimeoutFuture::new(retry_ms(failures, js_sys::Math::random())).await;
        }
    });
}

/// One socket's life; `true` when it delivered a version.
async fn session(ctx: Ctx, client: &Client, epoch: u32) -> bool {
    let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) else {
        return false;
    };
    let url = format!(
        "ws{}/v1/admin/pages/{}/live",
        origin.strip_prefix("http").unwrap_or(&origin),
        js_sys::encode_uri_component(&client.page)
    );
    let Ok(ws) = WebSocket::new(&url) else {
        return false;
    };
    let delivered = Rc::new(Cell::new(false));
    let mut slot = None;
    let closed = js_sys::Promise::new(&mut |resolve, _| slot = Some(resolve));
    let Some(resolve) = slot else { return false };
    let key = client.key.clone();
    let socket = ws.clone();
    let on_open = Closure::<dyn FnMut()>::new(move || {
        let _ = socket.send_with_str(&key);
    });
    let got = delivered.clone();
    let socket = ws.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |_: MessageEvent| {
        if ctx.epoch.get_untracked() != epoch {
            let _ = socket.close();
            return;
        }
        got.set(true);
        ctx.live.update(|n| *n += 1);
        spawn_local(async move {
            let _ = ctx.refresh().await;
        });
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(&resolve));
    let _ = JsFuture::from(closed).await;
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
    delivered.get()
}
