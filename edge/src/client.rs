//! The worker's side of its calls to the page Durable Objects: the routes, the queue consumer and
//! the cron trigger reach a page's object only through these functions, which speak `protocol`
//! with the messages of `shared::wire::internal`.

use herald_shared::template::Message;
use herald_shared::wire::internal::{
    Attempt, Due, DueCall, MessageCall, ProviderEvent, PushSubscribeCall, RecordCall, SetAsideCall,
    SubscribeCall, Verdict,
};
use wasm_bindgen::JsValue;
use worker::{Env, Headers, Method, Request, RequestInit, Response};

use crate::bindings;
use crate::error::{json, ApiError, ApiResult};
use crate::notify::token::Purpose;
use crate::protocol::{header, path, Caller, DIRECTORY};
use crate::route::{AdminOp, Doc, HtmlView};

/// Everything the router forwards for an admin request.
pub struct AdminCall<'a> {
    pub op: &'a AdminOp,
    pub caller: Caller,
    pub body: String,
    pub query: String,
    pub idempotency_key: Option<String>,
    pub if_match: Option<String>,
    /// Public origin, for links in the notifications the call causes.
    pub base: String,
}

fn stub(env: &Env, page: &str) -> ApiResult<worker::Stub> {
    Ok(env
        .durable_object(bindings::PAGES)?
        .id_from_name(page)?
        .get_stub()?)
}

async fn send(
    env: &Env,
    page: &str,
    url: &str,
    headers: Headers,
    method: Method,
    body: Option<String>,
) -> ApiResult<Response> {
    headers.set(header::PAGE, page)?;
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers);
    if let Some(b) = body {
        init.with_body(Some(JsValue::from_str(&b)));
    }
    let req = Request::new_with_init(url, &init)?;
    Ok(stub(env, page)?.fetch_with_request(req).await?)
}

/// POSTs `body` to the object's endpoint `path`; the answer comes back as it is.
async fn call(env: &Env, page: &str, path: &str, body: String) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    let url = format!("https://page.internal{path}");
    send(env, page, &url, headers, Method::Post, Some(body)).await
}

/// Calls an endpoint whose answer is a JSON message; anything but 200 is a server error.
async fn internal<T: for<'de> serde::Deserialize<'de>>(
    env: &Env,
    page: &str,
    path: &str,
    body: String,
) -> ApiResult<T> {
    let mut resp = call(env, page, path, body).await?;
    let text = resp.text().await?;
    if resp.status_code() != 200 {
        return Err(ApiError::Server(format!(
            "page object {path}: {} {text}",
            resp.status_code()
        )));
    }
    serde_json::from_str(&text).map_err(|e| ApiError::Server(format!("{path}: {e}")))
}

/// Records `page` in the directory the cron trigger walks.
pub async fn register(env: &Env, page: &str) -> ApiResult<()> {
    let r = call(env, DIRECTORY, path::DIRECTORY_ADD, page.to_owned()).await?;
    if r.status_code() == 200 {
        Ok(())
    } else {
        Err(ApiError::Server(format!("directory: {}", r.status_code())))
    }
}

/// Every page, for the cron trigger.
pub async fn pages(env: &Env) -> ApiResult<Vec<String>> {
    internal(env, DIRECTORY, path::DIRECTORY_LIST, String::new()).await
}

/// Asks the object of `page` for a public document; `token` is an audience token.
pub async fn doc(
    env: &Env,
    page: &str,
    doc: Doc,
    base: &str,
    token: Option<&str>,
) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set(header::BASE, base)?;
    if let Some(t) = token {
        headers.set(header::TOKEN, t)?;
    }
    let url = format!("https://page.internal{}{}", path::DOC, doc.name());
    send(env, page, &url, headers, Method::Get, None).await
}

/// Opens a live socket on the object of `page` (the runtime hands the socket back in the answer).
pub async fn live(
    env: &Env,
    page: &str,
    console: bool,
    token: Option<&str>,
) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("upgrade", "websocket")?;
    if let Some(t) = token {
        headers.set(header::TOKEN, t)?;
    }
    let path = if console {
        path::LIVE_CONSOLE
    } else {
        path::LIVE
    };
    let url = format!("https://page.internal{path}");
    send(env, page, &url, headers, Method::Get, None).await
}

/// Closes every live socket of `page` (`close`) or counts them; local development only.
pub async fn dev_live(env: &Env, page: &str, close: bool) -> ApiResult<Response> {
    let url = format!("https://page.internal{}", path::DEV_LIVE_CLOSE);
    let method = if close { Method::Post } else { Method::Get };
    send(env, page, &url, Headers::new(), method, None).await
}

/// Asks the object of `page` for one of the HTML pages rendered per request; `query` is the
/// request's query string (the history's month).
pub async fn html(
    env: &Env,
    page: &str,
    view: &HtmlView,
    base: &str,
    query: &str,
) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set(header::BASE, base)?;
    let path = match view {
        HtmlView::Incident(id) => format!("{}{id}", path::INCIDENT_PAGE),
        HtmlView::History => path::HISTORY_PAGE.to_owned(),
    };
    let url = format!("https://page.internal{path}?{query}");
    send(env, page, &url, headers, Method::Get, None).await
}

/// Asks the object of `page` for the uptime of `component`; `query` holds `start` and `end`.
pub async fn uptime(env: &Env, page: &str, component: &str, query: &str) -> ApiResult<Response> {
    let url = format!("https://page.internal{}{component}?{query}", path::UPTIME);
    send(env, page, &url, Headers::new(), Method::Get, None).await
}

/// Hands an alerting tool's delivery to the object of `page`, with the secret it presented.
pub async fn alerts(
    env: &Env,
    page: &str,
    integration: &str,
    secret: &str,
    base: &str,
    body: String,
) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set(header::BASE, base)?;
    headers.set(header::KEY, secret)?;
    let url = format!("https://page.internal{}{integration}", path::ALERTS);
    send(env, page, &url, headers, Method::Post, Some(body)).await
}

/// Forwards an admin call to the object of `page`.
pub async fn admin(env: &Env, page: &str, call: AdminCall<'_>) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set(header::BASE, &call.base)?;
    headers.set(header::OP, &json(call.op)?)?;
    match &call.caller {
        Caller::Root => headers.set(header::ROOT, "1")?,
        Caller::Key(k) => headers.set(header::KEY, k)?,
    }
    if let Some(k) = &call.idempotency_key {
        headers.set(header::IDEMPOTENCY, k)?;
    }
    if let Some(m) = &call.if_match {
        headers.set(header::IF_MATCH, m)?;
    }
    let url = format!("https://page.internal{}?{}", path::ADMIN, call.query);
    send(env, page, &url, headers, Method::Post, Some(call.body)).await
}

/// Forwards a browser's push subscription to the page object; its answer goes back as it is.
pub async fn push_subscribe(env: &Env, page: &str, c: &PushSubscribeCall) -> ApiResult<Response> {
    call(env, page, path::PUSH_SUBSCRIBE, json(c)?).await
}

/// The page's VAPID public key (made on first use); its answer goes back as it is.
pub async fn push_key(env: &Env, page: &str) -> ApiResult<Response> {
    call(env, page, path::PUSH_KEY, String::new()).await
}

/// Forwards a subscription request to the page object; its answer goes back as it is.
pub async fn subscribe(env: &Env, page: &str, c: &SubscribeCall) -> ApiResult<Response> {
    call(env, page, path::SUBSCRIBE, json(c)?).await
}

/// Follows a confirm, unsubscribe or manage link on the page object.
pub async fn follow(env: &Env, page: &str, token: &str, purpose: Purpose) -> ApiResult<Response> {
    let path = match purpose {
        Purpose::Confirm => path::CONFIRM,
        Purpose::Unsubscribe => path::UNSUBSCRIBE,
        Purpose::Manage => path::MANAGE,
    };
    call(env, page, path, token.to_owned()).await
}

/// Whether a link works (`kind`: `confirm`, `unsubscribe` or `receipt`), changing nothing.
pub async fn check_link(env: &Env, page: &str, kind: &str, token: &str) -> ApiResult<bool> {
    let r = call(
        env,
        page,
        &format!("{}{kind}", path::CHECK),
        token.to_owned(),
    )
    .await?;
    Ok(r.status_code() == 200)
}

/// The manage page's content (`save`: false) or a subscriber's new choice (`save`: true, body
/// `ManageSave` JSON).
pub async fn manage(env: &Env, page: &str, body: String, save: bool) -> ApiResult<Response> {
    let path = if save {
        path::MANAGE_SAVE
    } else {
        path::MANAGE
    };
    call(env, page, path, body).await
}

/// Records a provider's delivery event on the attempt it is about.
pub async fn provider_event(env: &Env, page: &str, e: &ProviderEvent) -> ApiResult<Response> {
    call(env, page, path::PROVIDER_EVENT, json(e)?).await
}

/// Records the acknowledgement a receipt link carries.
pub async fn receipt(env: &Env, page: &str, token: &str) -> ApiResult<Response> {
    call(env, page, path::RECEIPT, token.to_owned()).await
}

/// Every row a page's object stores, as text (the object answers only in local development).
pub async fn dev_dump(env: &Env, page: &str) -> ApiResult<Response> {
    call(env, page, path::DEV_DUMP, String::new()).await
}

/// Sets the development clock through a page's object (it answers only in local development).
pub async fn dev_clock(env: &Env, page: &str, at: String) -> ApiResult<Response> {
    call(env, page, path::DEV_CLOCK, at).await
}

/// Runs the page's scheduled work (from the cron trigger).
pub async fn tick(env: &Env, page: &str) -> ApiResult<Response> {
    call(env, page, path::TICK, String::new()).await
}

/// Which of `ids` still need `notification_id`, with the address and attempt to use.
pub async fn deliveries_due(
    env: &Env,
    page: &str,
    notification_id: &str,
    ids: &[String],
) -> ApiResult<Vec<Due>> {
    let body = json(&DueCall {
        notification_id: notification_id.into(),
        subscriber_ids: ids.to_vec(),
    })?;
    internal(env, page, path::DELIVERIES_DUE, body).await
}

/// Reports a job's attempts; the answer says whether and when to retry the job.
pub async fn record_deliveries(
    env: &Env,
    page: &str,
    notification_id: &str,
    attempts: &[Attempt],
) -> ApiResult<Verdict> {
    let body = json(&RecordCall {
        notification_id: notification_id.into(),
        attempts: attempts.to_vec(),
    })?;
    internal(env, page, path::DELIVERIES_RECORD, body).await
}

/// Gives up on recipients of a job the queue could not deliver to the consumer: dead letters.
pub async fn set_aside(
    env: &Env,
    page: &str,
    notification_id: &str,
    ids: &[String],
    reason: &str,
) -> ApiResult<()> {
    let body = json(&SetAsideCall {
        notification_id: notification_id.into(),
        subscriber_ids: ids.to_vec(),
        reason: reason.into(),
    })?;
    let mut resp = call(env, page, path::DELIVERIES_SET_ASIDE, body).await?;
    if resp.status_code() != 200 {
        let text = resp.text().await.unwrap_or_default();
        return Err(ApiError::Server(format!(
            "set-aside: {} {text}",
            resp.status_code()
        )));
    }
    Ok(())
}

/// The message of a notification whose jobs were too small to carry it.
pub async fn stored_message(env: &Env, page: &str, notification_id: &str) -> ApiResult<Message> {
    let body = json(&MessageCall {
        notification_id: notification_id.into(),
    })?;
    internal(env, page, path::DELIVERIES_MESSAGE, body).await
}
